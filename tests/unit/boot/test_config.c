/*
 * tests/unit/boot/test_config.c — boot/config.c, the loader's config parser:
 * a well-formed file in its variants, and every kind of mistake giving an
 * error that names the line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "loader.h"

#define SHA_HEX "f34d7419b57a8436f018582c5753a8923a23cdc433fcd07e8fd14766b1ac5fff"

static int parse(const char *text, struct boot_config *cfg, char *err)
{
    err[0] = 0;
    return config_parse(text, strlen(text), cfg, err, LOADER_ERR_MAX);
}

static void expect_error(const char *text, const char *fragment)
{
    struct boot_config cfg;
    char err[LOADER_ERR_MAX];
    if (parse(text, &cfg, err) != -1)
        fail_msg("accepted: %s", text);
    if (!strstr(err, fragment))
        fail_msg("error \"%s\" lacks \"%s\" for: %s", err, fragment, text);
}

static void test_valid(void **state)
{
    (void)state;
    struct boot_config cfg;
    char err[LOADER_ERR_MAX];
    assert_int_equal(parse("# comment\n\nkernel = \\EFI\\X\\K.ELF\n"
                           "kernel_sha256 = " SHA_HEX "\ncmdline = test=all  loglevel=3 \n",
                           &cfg, err), 0);
    assert_string_equal(cfg.kernel_path, "\\EFI\\X\\K.ELF");
    assert_string_equal(cfg.cmdline, "test=all  loglevel=3");   /* inner spaces kept */
    assert_int_equal(cfg.kernel_sha256[0], 0xf3);
    assert_int_equal(cfg.kernel_sha256[31], 0xff);
}

static void test_defaults_crlf_and_no_final_newline(void **state)
{
    (void)state;
    struct boot_config cfg;
    char err[LOADER_ERR_MAX];
    assert_int_equal(parse("kernel_sha256=" SHA_HEX "\r\n\t  cmdline=\r\ncmdline2_is_not_here=", &cfg, err), -1);
    assert_int_equal(parse("kernel_sha256=" SHA_HEX "\r\ncmdline=a b", &cfg, err), 0);
    assert_string_equal(cfg.kernel_path, "\\EFI\\KPIO\\KERNEL.ELF");
    assert_string_equal(cfg.cmdline, "a b");
    assert_int_equal(parse("kernel_sha256 = " SHA_HEX "\ncmdline =\n", &cfg, err), 0);
    assert_string_equal(cfg.cmdline, "");
    /* Upper-case hex digits are fine. */
    char upper[] = "kernel_sha256 = F34D7419B57A8436F018582C5753A8923A23CDC433FCD07E8FD14766B1AC5FFF";
    assert_int_equal(parse(upper, &cfg, err), 0);
    assert_int_equal(cfg.kernel_sha256[1], 0x4d);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("", "no kernel_sha256");
    expect_error("cmdline = x\n", "no kernel_sha256");
    expect_error("kernel_sha256 = " SHA_HEX "\nfoo = bar\n", "line 2: unknown key 'foo'");
    expect_error("kernel_sha256 = " SHA_HEX "\njust words\n", "line 2: expected key = value");
    expect_error("= value\n", "line 1: missing key");
    expect_error("kernel_sha256 = abc\n", "line 1: kernel_sha256 needs 64 hex digits");
    expect_error("kernel_sha256 = " SHA_HEX "0\n", "64 hex digits");
    expect_error("kernel_sha256 = g34d7419b57a8436f018582c5753a8923a23cdc433fcd07e8fd14766b1ac5fff\n",
                 "64 hex digits");
    expect_error("kernel_sha256 = " SHA_HEX "\nkernel_sha256 = " SHA_HEX "\n",
                 "line 2: duplicate key 'kernel_sha256'");
    expect_error("kernel_sha256 = " SHA_HEX "\ncmdline = a\ncmdline = b\n", "line 3: duplicate key");
    expect_error("kernel = EFI\\K.ELF\nkernel_sha256 = " SHA_HEX "\n", "must start with");
    expect_error("kernel_sha256 = " SHA_HEX "\ncmdline = a\x01" "b\n", "line 2: non-printable");
    expect_error("kernel_sha256 = " SHA_HEX "\ncmdline = caf\xc3\xa9\n", "non-printable");
    expect_error("averyveryveryverylongkeyname = 1\n", "key too long");
}

static void test_limits(void **state)
{
    (void)state;
    static char text[CONFIG_MAX_SIZE + 100];
    struct boot_config cfg;
    char err[LOADER_ERR_MAX];

    /* A command line of KPIO_CMDLINE_MAX-1 characters fits; one more does not. */
    int n = snprintf(text, sizeof(text), "kernel_sha256 = %s\ncmdline = ", SHA_HEX);
    memset(text + n, 'c', KPIO_CMDLINE_MAX - 1);
    text[n + KPIO_CMDLINE_MAX - 1] = 0;
    assert_int_equal(parse(text, &cfg, err), 0);
    assert_int_equal(strlen(cfg.cmdline), KPIO_CMDLINE_MAX - 1);
    text[n + KPIO_CMDLINE_MAX - 1] = 'c';
    text[n + KPIO_CMDLINE_MAX] = 0;
    expect_error(text, "cmdline too long");

    /* Path limit. */
    n = snprintf(text, sizeof(text), "kernel_sha256 = %s\nkernel = \\", SHA_HEX);
    memset(text + n, 'p', CONFIG_PATH_MAX);
    text[n + CONFIG_PATH_MAX] = 0;
    expect_error(text, "kernel path too long");

    /* Whole-file limit: checked before anything is parsed. */
    memset(text, '#', sizeof(text));
    assert_int_equal(config_parse(text, CONFIG_MAX_SIZE + 1, &cfg, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "too large"));
}

static void test_not_nul_terminated(void **state)
{
    (void)state;
    /* The parser gets a length, not a C string: nothing past it is read. */
    char text[sizeof("kernel_sha256 = " SHA_HEX)];
    memcpy(text, "kernel_sha256 = " SHA_HEX, sizeof(text) - 1);
    text[sizeof(text) - 1] = 'X';       /* would break the digest if read */
    struct boot_config cfg;
    char err[LOADER_ERR_MAX];
    assert_int_equal(config_parse(text, sizeof(text) - 1, &cfg, err, sizeof(err)), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_defaults_crlf_and_no_final_newline),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_not_nul_terminated),
    };
    return cmocka_run_group_tests_name("loader config", tests, NULL, NULL);
}
