/*
 * tests/unit/klib/test_cmdline.c — kernel/core/cmdline.c: words, key=value,
 * bare flags, last-one-wins, numbers, and the test-list matching that
 * `test=` and `bench=` use.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "core/cmdline.h"

static void test_words(void **state)
{
    (void)state;
    cmdline_init("  test=all  quiet loglevel=3\tconsole=serial empty= a=b=c ");
    assert_string_equal(cmdline_text(), "  test=all  quiet loglevel=3\tconsole=serial empty= a=b=c ");
    assert_string_equal(cmdline_get("test"), "all");
    assert_string_equal(cmdline_get("quiet"), "");
    assert_string_equal(cmdline_get("console"), "serial");
    assert_string_equal(cmdline_get("empty"), "");
    assert_string_equal(cmdline_get("a"), "b=c");      /* split at the first '=' only */
    assert_null(cmdline_get("tes"));
    assert_null(cmdline_get("missing"));
    assert_int_equal(cmdline_get_u64("loglevel", 9), 3);
}

static void test_last_wins_and_numbers(void **state)
{
    (void)state;
    cmdline_init("n=1 n=0x20 bad=12x neg=abc");
    assert_int_equal(cmdline_get_u64("n", 0), 32);
    assert_int_equal(cmdline_get_u64("bad", 7), 7);
    assert_int_equal(cmdline_get_u64("neg", 5), 5);
    assert_int_equal(cmdline_get_u64("none", 11), 11);
    cmdline_init("");
    assert_null(cmdline_get("n"));
    assert_string_equal(cmdline_text(), "");
}

static void test_overlong_line_is_cut_not_overrun(void **state)
{
    (void)state;
    char line[2000];
    memset(line, 'x', sizeof(line) - 1);
    line[sizeof(line) - 1] = 0;
    memcpy(line, "k=v ", 4);
    cmdline_init(line);     /* ASan would catch an overrun */
    assert_string_equal(cmdline_get("k"), "v");
    assert_true(strlen(cmdline_text()) < sizeof(line));
}

static void test_list_match(void **state)
{
    (void)state;
    assert_true(cmdline_list_match("all", "anything"));
    assert_true(cmdline_list_match("boot", "boot"));
    assert_false(cmdline_list_match("boot", "boo"));
    assert_false(cmdline_list_match("boo", "boot"));
    assert_true(cmdline_list_match("a,boot,c", "boot"));
    assert_true(cmdline_list_match("mm_*", "mm_frames"));
    assert_true(cmdline_list_match("mm_*", "mm_"));
    assert_false(cmdline_list_match("mm_*", "m"));
    assert_true(cmdline_list_match("x,sched*", "sched_preempt"));
    assert_true(cmdline_list_match("*", "whatever"));
    assert_false(cmdline_list_match("", "boot"));
    assert_false(cmdline_list_match(",,", "boot"));
    assert_false(cmdline_list_match(NULL, "boot"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_words),
        cmocka_unit_test(test_last_wins_and_numbers),
        cmocka_unit_test(test_overlong_line_is_cut_not_overrun),
        cmocka_unit_test(test_list_match),
    };
    return cmocka_run_group_tests_name("kernel cmdline", tests, NULL, NULL);
}
