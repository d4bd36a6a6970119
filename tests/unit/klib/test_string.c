/*
 * tests/unit/klib/test_string.c — kernel/lib/string.c against glibc and
 * against plain reference loops: every size and alignment near the word
 * boundaries the implementation cares about, overlapping moves both ways.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

void *klib_memcpy(void *dst, const void *src, size_t n);
void *klib_memmove(void *dst, const void *src, size_t n);
void *klib_memset(void *dst, int c, size_t n);
int klib_memcmp(const void *a, const void *b, size_t n);
void *klib_memchr(const void *s, int c, size_t n);
size_t klib_strlen(const char *s);
size_t klib_strnlen(const char *s, size_t max);
int klib_strcmp(const char *a, const char *b);
int klib_strncmp(const char *a, const char *b, size_t n);
char *klib_strchr(const char *s, int c);
char *klib_strrchr(const char *s, int c);
size_t klib_strlcpy(char *dst, const char *src, size_t size);
unsigned long long klib_strtoull(const char *s, char **end, int base);

static int sign(int x) { return (x > 0) - (x < 0); }

static void fill_pattern(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(seed * 131 + i * 7 + 1);
}

static void test_memcpy_memset(void **state)
{
    (void)state;
    unsigned char src[160], dst[160], expect[160];
    for (size_t off = 0; off < 9; off++) {
        for (size_t n = 0; n + off <= 140; n++) {
            fill_pattern(src, sizeof(src), (unsigned)n);
            memset(dst, 0xee, sizeof(dst));
            memcpy(expect, dst, sizeof(dst));
            for (size_t i = 0; i < n; i++)
                expect[off + i] = src[i + 3];
            assert_ptr_equal(klib_memcpy(dst + off, src + 3, n), dst + off);
            assert_memory_equal(dst, expect, sizeof(dst));

            memset(expect, 0xee, sizeof(expect));
            memset(dst, 0xee, sizeof(dst));
            for (size_t i = 0; i < n; i++)
                expect[off + i] = 0x5a;
            assert_ptr_equal(klib_memset(dst + off, 0x15a, n), dst + off);  /* int -> byte */
            assert_memory_equal(dst, expect, sizeof(dst));
        }
    }
}

static void test_memmove_overlap(void **state)
{
    (void)state;
    unsigned char buf[200], expect[200];
    for (size_t src = 0; src < 40; src += 3) {
        for (size_t dst = 0; dst < 40; dst += 5) {
            for (size_t n = 0; n <= 100; n += 7) {
                fill_pattern(buf, sizeof(buf), (unsigned)(src + dst));
                memcpy(expect, buf, sizeof(buf));
                unsigned char tmp[200];
                memcpy(tmp, buf + src, n);          /* reference: through a buffer */
                memcpy(expect + dst, tmp, n);
                assert_ptr_equal(klib_memmove(buf + dst, buf + src, n), buf + dst);
                assert_memory_equal(buf, expect, sizeof(buf));
            }
        }
    }
}

static void test_memcmp_memchr(void **state)
{
    (void)state;
    unsigned char a[64], b[64];
    fill_pattern(a, sizeof(a), 1);
    memcpy(b, a, sizeof(b));
    assert_int_equal(klib_memcmp(a, b, sizeof(a)), 0);
    assert_int_equal(klib_memcmp(a, b, 0), 0);
    for (size_t i = 0; i < sizeof(a); i += 5) {
        b[i] = (unsigned char)(a[i] + 1);
        assert_int_equal(sign(klib_memcmp(a, b, sizeof(a))), sign(memcmp(a, b, sizeof(a))));
        assert_int_equal(sign(klib_memcmp(b, a, sizeof(a))), 1);
        b[i] = a[i];
    }
    /* Bytes compare as unsigned: 0x80 > 0x7f. */
    unsigned char hi = 0x80, lo = 0x7f;
    assert_true(klib_memcmp(&hi, &lo, 1) > 0);

    const char *text = "find the x here";
    assert_ptr_equal(klib_memchr(text, 'x', strlen(text)), strchr(text, 'x'));
    assert_null(klib_memchr(text, 'x', 9));
    assert_null(klib_memchr(text, 'z', strlen(text) + 1));
}

static void test_str_functions(void **state)
{
    (void)state;
    static const char *const words[] = { "", "a", "ab", "abc", "abd", "b", "\x80", "abc\x7f" };
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        assert_int_equal(klib_strlen(words[i]), strlen(words[i]));
        for (size_t j = 0; j < sizeof(words) / sizeof(words[0]); j++) {
            assert_int_equal(sign(klib_strcmp(words[i], words[j])),
                             sign(strcmp(words[i], words[j])));
            for (size_t n = 0; n < 5; n++)
                assert_int_equal(sign(klib_strncmp(words[i], words[j], n)),
                                 sign(strncmp(words[i], words[j], n)));
        }
    }
    assert_int_equal(klib_strnlen("hello", 3), 3);
    assert_int_equal(klib_strnlen("hello", 10), 5);
    assert_int_equal(klib_strnlen("", 10), 0);

    const char *path = "/a/b/c";
    assert_ptr_equal(klib_strchr(path, '/'), path);
    assert_ptr_equal(klib_strrchr(path, '/'), path + 4);
    assert_ptr_equal(klib_strchr(path, 0), path + 6);     /* the terminator is found */
    assert_ptr_equal(klib_strrchr(path, 0), path + 6);
    assert_null(klib_strchr(path, 'z'));
    assert_null(klib_strrchr(path, 'z'));
}

static void test_strlcpy(void **state)
{
    (void)state;
    char buf[6];
    memset(buf, 'X', sizeof(buf));
    assert_int_equal(klib_strlcpy(buf, "abc", sizeof(buf)), 3);
    assert_string_equal(buf, "abc");
    assert_int_equal(klib_strlcpy(buf, "abcdefgh", sizeof(buf)), 8);   /* cut: result >= size */
    assert_string_equal(buf, "abcde");
    memset(buf, 'X', sizeof(buf));
    assert_int_equal(klib_strlcpy(buf, "abc", 0), 3);
    assert_int_equal(buf[0], 'X');
}

static void test_strtoull_matches_glibc(void **state)
{
    (void)state;
    static const char *const inputs[] = {
        "0", "42", "  42", "\t\n 7x", "+9", "-1", "-0", "0x1f", "0X1F", "0x", "0xg", "017", "08",
        "18446744073709551615", "18446744073709551616", "99999999999999999999999",
        "-99999999999999999999999", "z", "", "   ", "123abc", "0b101", "ffff",
    };
    static const int bases[] = { 0, 10, 16, 8, 2, 36 };
    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
            char *end1, *end2;
            unsigned long long v1 = klib_strtoull(inputs[i], &end1, bases[b]);
            unsigned long long v2 = strtoull(inputs[i], &end2, bases[b]);
            if (v1 != v2 || end1 != end2)
                fail_msg("strtoull(\"%s\", %d): ours %llu end+%td, glibc %llu end+%td",
                         inputs[i], bases[b], v1, end1 - inputs[i], v2, end2 - inputs[i]);
        }
    }
    char *end;
    assert_int_equal(klib_strtoull("12", &end, 1), 0);     /* invalid base */
    assert_int_equal(klib_strtoull("12", NULL, 10), 12);   /* end may be NULL */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memcpy_memset),
        cmocka_unit_test(test_memmove_overlap),
        cmocka_unit_test(test_memcmp_memchr),
        cmocka_unit_test(test_str_functions),
        cmocka_unit_test(test_strlcpy),
        cmocka_unit_test(test_strtoull_matches_glibc),
    };
    return cmocka_run_group_tests_name("klib string", tests, NULL, NULL);
}
