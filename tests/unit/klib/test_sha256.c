/*
 * tests/unit/klib/test_sha256.c — kernel/lib/sha256.c (the loader's, the
 * kernel's and the host tools' SHA-256) against the FIPS 180-2 example
 * messages and against coreutils' sha256sum on lengths around the padding
 * boundaries (55/56/63/64 bytes mod 64), in one call and fed in pieces.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "lib/sha256.h"

static void hex(const uint8_t d[32], char out[65])
{
    for (int i = 0; i < 32; i++)
        sprintf(out + 2 * i, "%02x", d[i]);
}

/* The digest of data fed to sha256_update in pieces of `step` bytes (the
 * last one shorter). */
static void digest_in_pieces(const uint8_t *data, size_t len, size_t step, char out[65])
{
    struct sha256 s;
    uint8_t d[32];
    sha256_init(&s);
    for (size_t at = 0; at < len; at += step)
        sha256_update(&s, data + at, len - at < step ? len - at : step);
    sha256_final(&s, d);
    hex(d, out);
}

/* One call, sha256_hex, and pieces of awkward sizes all give `expect`. */
static void check(const void *data, size_t len, const char *expect)
{
    uint8_t d[32];
    char h[65];
    sha256(data, len, d);
    hex(d, h);
    assert_string_equal(h, expect);
    sha256_hex(d, h);
    assert_string_equal(h, expect);
    static const size_t steps[] = { 1, 3, 63, 64, 65, 1000 };
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        if (len > 100000 && steps[i] < 63)
            continue;
        digest_in_pieces(data, len, steps[i], h);
        assert_string_equal(h, expect);
    }
}

static void test_fips_examples(void **state)
{
    (void)state;
    check("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    check("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    check(two_blocks, strlen(two_blocks),
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    size_t million = 1000000;
    char *a = malloc(million);
    assert_non_null(a);
    memset(a, 'a', million);
    check(a, million, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(a);
}

/* Digest of data through sha256sum(1), as 64 hex digits. */
static void sha256sum(const uint8_t *data, size_t len, char out[65])
{
    char path[] = "/tmp/kpio-sha-XXXXXX", cmd[64];
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
    snprintf(cmd, sizeof(cmd), "sha256sum %s", path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    assert_int_equal(fscanf(p, "%64s", out), 1);
    pclose(p);
    unlink(path);
}

static void test_against_sha256sum(void **state)
{
    (void)state;
    static const size_t lengths[] = { 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000,
                                      4096, 65537 };
    for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
        size_t n = lengths[i];
        uint8_t *data = malloc(n);
        assert_non_null(data);
        for (size_t j = 0; j < n; j++)
            data[j] = (uint8_t)(j * 2654435761u >> 13);
        char expect[65];
        sha256sum(data, n, expect);
        check(data, n, expect);
        free(data);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fips_examples),
        cmocka_unit_test(test_against_sha256sum),
    };
    return cmocka_run_group_tests_name("sha256", tests, NULL, NULL);
}
