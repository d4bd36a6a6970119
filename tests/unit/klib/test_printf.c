/*
 * tests/unit/klib/test_printf.c — kernel/lib/printf.c against glibc's printf
 * (C11 §7.21.6.1 behaviour) over a matrix of formats and values, plus the
 * truncation rules of snprintf and KPIO's own %p and NULL %s.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

int klib_snprintf(char *buf, size_t size, const char *fmt, ...);
int klib_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* Format with both implementations and compare text and return value. */
#define CHECK_SAME(fmt, ...)                                                        \
    do {                                                                            \
        char ours[256], theirs[256];                                                \
        int n1 = klib_snprintf(ours, sizeof(ours), fmt, __VA_ARGS__);               \
        int n2 = snprintf(theirs, sizeof(theirs), fmt, __VA_ARGS__);                \
        if (strcmp(ours, theirs) != 0 || n1 != n2)                                  \
            fail_msg("format \"%s\": ours \"%s\" (%d), glibc \"%s\" (%d)", fmt,     \
                     ours, n1, theirs, n2);                                         \
    } while (0)

static void test_integers(void **state)
{
    (void)state;
    static const char *const int_formats[] = {
        "%d", "%i", "%5d", "%-5d|", "%05d", "%+d", "% d", "%.3d", "%8.3d", "%-8.3d|",
        "%+05d", "%.0d", "%-+6d|", "%08.3d", "%010.4x", "%-08d|", "%x", "%X", "%#x", "%#X", "%#08x", "%8x", "%-8x|", "%.5x",
        "%o", "%#o", "%u", "%10u", "%010u", "%hhd", "%hd", "%hhx", "%hu",
    };
    static const int values[] = { 0, 1, -1, 7, 42, -42, 255, 256, 65535, 123456,
                                  -123456, INT_MAX, INT_MIN };
    for (size_t f = 0; f < sizeof(int_formats) / sizeof(int_formats[0]); f++)
        for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++)
            CHECK_SAME(int_formats[f], values[v]);
}

static void test_long_integers(void **state)
{
    (void)state;
    static const long long values[] = { 0, 1, -1, 4294967296LL, -4294967296LL, LLONG_MAX,
                                        LLONG_MIN, 0x123456789abcdefLL };
    for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
        CHECK_SAME("%lld", values[v]);
        CHECK_SAME("%20lld|", values[v]);
        CHECK_SAME("%-20lld|", values[v]);
        CHECK_SAME("%llx", (unsigned long long)values[v]);
        CHECK_SAME("%#llX", (unsigned long long)values[v]);
        CHECK_SAME("%016llx", (unsigned long long)values[v]);
        CHECK_SAME("%llu", (unsigned long long)values[v]);
        CHECK_SAME("%ld", (long)values[v]);
        CHECK_SAME("%lx", (unsigned long)values[v]);
        CHECK_SAME("%zu", (size_t)values[v]);
        CHECK_SAME("%zx", (size_t)values[v]);
        CHECK_SAME("%jd", (intmax_t)values[v]);
        CHECK_SAME("%td", (ptrdiff_t)values[v]);
        CHECK_SAME("%llo", (unsigned long long)values[v]);
    }
}

static void test_strings_and_chars(void **state)
{
    (void)state;
    static const char *const strs[] = { "", "a", "hello", "a somewhat longer string" };
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
        CHECK_SAME("%s", strs[i]);
        CHECK_SAME("[%10s]", strs[i]);
        CHECK_SAME("[%-10s]", strs[i]);
        CHECK_SAME("[%.2s]", strs[i]);
        CHECK_SAME("[%8.3s]", strs[i]);
        CHECK_SAME("[%.0s]", strs[i]);
    }
    CHECK_SAME("%c%c%c", 'a', 'b', 'c');
    CHECK_SAME("[%3c]", 'x');
    CHECK_SAME("[%-3c]", 'x');
    CHECK_SAME("100%% %s", "done");
    CHECK_SAME("no conversions at all%s", "");
}

static void test_star_width_precision(void **state)
{
    (void)state;
    CHECK_SAME("[%*d]", 6, 42);
    CHECK_SAME("[%*d]", -6, 42);
    CHECK_SAME("[%-*d]", 6, 42);
    CHECK_SAME("[%.*d]", 4, 42);
    CHECK_SAME("[%.*d]", -4, 42);
    CHECK_SAME("[%*.*s]", 8, 3, "abcdef");
    CHECK_SAME("[%.*s]", 2, "abcdef");
}

static void test_truncation(void **state)
{
    (void)state;
    char buf[8];
    memset(buf, 'X', sizeof(buf));
    /* Size 0: nothing is written, the full length is returned. */
    assert_int_equal(klib_snprintf(buf, 0, "hello %d", 12345), 11);
    assert_int_equal(buf[0], 'X');
    assert_int_equal(klib_snprintf(NULL, 0, "%s", "abc"), 3);
    /* Size 1: only the terminator. */
    assert_int_equal(klib_snprintf(buf, 1, "hello"), 5);
    assert_string_equal(buf, "");
    assert_int_equal(buf[1], 'X');
    /* Cut in the middle: size-1 characters and a NUL, nothing beyond. */
    memset(buf, 'X', sizeof(buf));
    assert_int_equal(klib_snprintf(buf, 6, "%s-%d", "abcd", 99), 7);
    assert_string_equal(buf, "abcd-");
    assert_int_equal(buf[6], 'X');
    /* Exactly fitting. */
    assert_int_equal(klib_snprintf(buf, 8, "%07d", 5), 7);
    assert_string_equal(buf, "0000005");
}

static void test_kpio_extensions(void **state)
{
    (void)state;
    char buf[64];
    /* %p: always 0x and 16 hex digits (not glibc's style). */
    klib_snprintf(buf, sizeof(buf), "%p", (void *)0xffffffff80001234ULL);
    assert_string_equal(buf, "0xffffffff80001234");
    klib_snprintf(buf, sizeof(buf), "%p", (void *)0);
    assert_string_equal(buf, "0x0000000000000000");
    klib_snprintf(buf, sizeof(buf), "[%20p]", (void *)0x10);
    assert_string_equal(buf, "[  0x0000000000000010]");
    /* %s of NULL. */
    klib_snprintf(buf, sizeof(buf), "%s", (char *)NULL);
    assert_string_equal(buf, "(null)");
    /* Unknown conversions are printed as written; a trailing % survives. */
    klib_snprintf(buf, sizeof(buf), "%q %", 1);
    assert_string_equal(buf, "%q %");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_long_integers),
        cmocka_unit_test(test_strings_and_chars),
        cmocka_unit_test(test_star_width_precision),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_kpio_extensions),
    };
    return cmocka_run_group_tests_name("klib printf", tests, NULL, NULL);
}
