/*
 * tests/unit/lib/zip_test.c — lib/zip on archives built with zlib
 * (tests/unit/lib/zipbuild.c), intact and corrupted field by field.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <zlib.h>

#include "../../../lib/zip/zip.h"
#include "zipbuild.h"

static const char *text =
    "KPIO runs every program as a WebAssembly module. KPIO runs every program as a "
    "WebAssembly module. KPIO runs every program as a WebAssembly module.\n";

/* A three-entry archive: stored, deflated, deflated-empty. */
static void build_sample(struct zb *z)
{
    zb_init(z);
    zb_add(z, "readme.txt", text, strlen(text), 0);
    zb_add(z, "data/text.txt", text, strlen(text), 8);
    zb_add(z, "empty", "", 0, 8);
    zb_finish(z, NULL);
}

static void test_crc32_matches_zlib(void **state)
{
    (void)state;
    uint8_t buf[4096];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i * 7 + (i >> 3));
    for (size_t len = 0; len <= sizeof buf; len += 97)
        assert_int_equal(zip_crc32(0, buf, len), (uint32_t)crc32(0, buf, (uInt)len));
    /* continuing a CRC over two pieces equals one pass */
    uint32_t part = zip_crc32(0, buf, 1000);
    assert_int_equal(zip_crc32(part, buf + 1000, 3096), (uint32_t)crc32(0, buf, 4096));
    /* the standard check value of CRC-32/ISO-HDLC */
    assert_int_equal(zip_crc32(0, "123456789", 9), 0xCBF43926u);
}

static void test_read_entries(void **state)
{
    (void)state;
    struct zb z;
    build_sample(&z);
    zip_archive a;
    assert_int_equal(zip_open(&a, z.buf, z.len, NULL), ZIP_OK);
    assert_int_equal(a.entry_count, 3);
    assert_int_equal(a.total_size, 2 * strlen(text));
    assert_int_equal(a.largest_entry, strlen(text));

    static const char *names[] = { "readme.txt", "data/text.txt", "empty" };
    static const int methods[] = { 0, 8, 8 };
    zip_entry e;
    int n = 0;
    for (zip_iter_begin(&a, &e); zip_iter_next(&a, &e); n++) {
        assert_string_equal(e.name, names[n]);
        assert_int_equal(e.method, methods[n]);
        assert_int_equal(e.index, n);
        char out[256];
        assert_int_equal(zip_extract(&a, &e, (uint8_t *)out, sizeof out), ZIP_OK);
        if (n < 2)
            assert_memory_equal(out, text, strlen(text));
    }
    assert_int_equal(n, 3);

    assert_int_equal(zip_find(&a, "data/text.txt", &e), ZIP_OK);
    assert_int_equal(e.index, 1);
    assert_int_equal(zip_find(&a, "data/text", &e), ZIP_ERR_NOT_FOUND);
    assert_non_null(strstr(a.message, "data/text"));
    assert_int_equal(zip_find(&a, "data/text.txt.", &e), ZIP_ERR_NOT_FOUND);
    zb_free(&z);
}

static void test_empty_archive_and_comment(void **state)
{
    (void)state;
    struct zb z;
    zb_init(&z);
    zb_finish(&z, NULL);
    zip_archive a;
    assert_int_equal(zip_open(&a, z.buf, z.len, NULL), ZIP_OK);
    assert_int_equal(a.entry_count, 0);
    zip_entry e;
    zip_iter_begin(&a, &e);
    assert_false(zip_iter_next(&a, &e));
    zb_free(&z);

    zb_init(&z);
    zb_add(&z, "a", "x", 1, 0);
    zb_finish(&z, "an archive comment");
    assert_int_equal(zip_open(&a, z.buf, z.len, NULL), ZIP_OK);
    assert_int_equal(a.entry_count, 1);
    /* a comment length that does not reach the end exactly is refused */
    z.buf[z.end_offset + 20]--;
    assert_int_equal(zip_open(&a, z.buf, z.len, NULL), ZIP_ERR_NOT_ZIP);
    zb_free(&z);
}

static void test_not_a_zip(void **state)
{
    (void)state;
    zip_archive a;
    uint8_t junk[100];
    memset(junk, 'x', sizeof junk);
    assert_int_equal(zip_open(&a, junk, 0, NULL), ZIP_ERR_NOT_ZIP);
    assert_int_equal(zip_open(&a, junk, 21, NULL), ZIP_ERR_NOT_ZIP);
    assert_int_equal(zip_open(&a, junk, sizeof junk, NULL), ZIP_ERR_NOT_ZIP);
    assert_non_null(strstr(a.message, "not a zip"));
}

/* Corrupt one thing in a fresh sample and expect `want` from zip_open. */
typedef void (*corruptor)(struct zb *z);

static zip_result open_corrupted(corruptor c, zip_archive *a)
{
    static struct zb z;
    zb_free(&z);
    build_sample(&z);
    c(&z);
    return zip_open(a, z.buf, z.len, NULL);
}

static void local_name(struct zb *z) { z->buf[z->entry[1].local_offset + 30] = 'D'; }
static void local_method(struct zb *z) { zb_put16(z->buf + z->entry[0].local_offset + 8, 8); }
static void local_signature(struct zb *z) { z->buf[z->entry[2].local_offset]++; }
static void local_offset(struct zb *z) { zb_put32(z->buf + z->entry[1].central_offset + 42, 0x7FFFFFF); }
static void central_signature(struct zb *z) { z->buf[z->entry[1].central_offset + 1]++; }
static void central_name_len(struct zb *z) { zb_put16(z->buf + z->entry[2].central_offset + 28, 200); }
static void central_zero_name(struct zb *z) { zb_put16(z->buf + z->entry[2].central_offset + 28, 0); }
static void name_nul(struct zb *z) { z->buf[z->entry[0].central_offset + 46 + 2] = 0; }
static void encrypted(struct zb *z) { zb_put16(z->buf + z->entry[1].central_offset + 8, 1); }
static void method_bzip2(struct zb *z)
{
    zb_put16(z->buf + z->entry[1].central_offset + 10, 12);
    zb_put16(z->buf + z->entry[1].local_offset + 8, 12);
}
static void zip64_size(struct zb *z) { zb_put32(z->buf + z->entry[1].central_offset + 24, 0xFFFFFFFF); }
static void other_disk(struct zb *z) { zb_put16(z->buf + z->entry[0].central_offset + 34, 1); }
static void multi_disk(struct zb *z) { zb_put16(z->buf + z->end_offset + 4, 1); }
static void cd_offset_out(struct zb *z) { zb_put32(z->buf + z->end_offset + 16, (uint32_t)z->len); }
static void cd_size_short(struct zb *z) { zb_put32(z->buf + z->end_offset + 12, 50); }
static void cd_size_long(struct zb *z)
{
    /* claims one byte more than the entries fill (and the directory fits) */
    zb_put32(z->buf + z->end_offset + 16, (uint32_t)z->cd_offset - 1);
    zb_put32(z->buf + z->end_offset + 12, (uint32_t)(z->end_offset - z->cd_offset + 1));
}
static void count_high(struct zb *z)
{
    zb_put16(z->buf + z->end_offset + 8, 4);
    zb_put16(z->buf + z->end_offset + 10, 4);
}
static void count_mismatch(struct zb *z) { zb_put16(z->buf + z->end_offset + 8, 2); }
static void compressed_size_huge(struct zb *z)
{
    zb_put32(z->buf + z->entry[1].central_offset + 20, 0x10000000);
}
static void stored_sizes_differ(struct zb *z) { zb_put32(z->buf + z->entry[0].central_offset + 20, 5); }
static void zip64_locator(struct zb *z) { zb_put32(z->buf + z->end_offset - 20, 0x07064B50); }

static void test_structural_corruption(void **state)
{
    (void)state;
    static const struct {
        corruptor c;
        zip_result want;
        const char *message;
    } cases[] = {
        { local_name, ZIP_ERR_CORRUPT, "name differs" },
        { local_method, ZIP_ERR_CORRUPT, "method differs" },
        { local_signature, ZIP_ERR_CORRUPT, "local header missing" },
        { local_offset, ZIP_ERR_CORRUPT, "local header missing" },
        { central_signature, ZIP_ERR_CORRUPT, "central directory header missing" },
        { central_name_len, ZIP_ERR_CORRUPT, "runs past" },
        { central_zero_name, ZIP_ERR_CORRUPT, "empty file name" },
        { name_nul, ZIP_ERR_CORRUPT, "NUL" },
        { encrypted, ZIP_ERR_UNSUPPORTED, "encrypted" },
        { method_bzip2, ZIP_ERR_UNSUPPORTED, "method 12" },
        { zip64_size, ZIP_ERR_UNSUPPORTED, "zip64" },
        { other_disk, ZIP_ERR_UNSUPPORTED, "disk" },
        { multi_disk, ZIP_ERR_UNSUPPORTED, "multi-disk" },
        { cd_offset_out, ZIP_ERR_CORRUPT, "outside" },
        { cd_size_short, ZIP_ERR_CORRUPT, "" },
        { cd_size_long, ZIP_ERR_CORRUPT, "" },
        { count_high, ZIP_ERR_CORRUPT, "central directory header" },
        { count_mismatch, ZIP_ERR_UNSUPPORTED, "multi-disk" },
        { compressed_size_huge, ZIP_ERR_CORRUPT, "data runs into" },
        { stored_sizes_differ, ZIP_ERR_CORRUPT, "stored entry" },
        { zip64_locator, ZIP_ERR_UNSUPPORTED, "zip64" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        zip_archive a;
        zip_result r = open_corrupted(cases[i].c, &a);
        if (r != cases[i].want || !strstr(a.message, cases[i].message))
            fail_msg("case %zu: got %d (%s), want %d with \"%s\"", i, r, a.message,
                     cases[i].want, cases[i].message);
    }
}

static void test_data_corruption(void **state)
{
    (void)state;
    struct zb z;
    build_sample(&z);
    zip_archive a;
    zip_entry e;
    uint8_t out[512];

    /* a flipped byte in stored data: the CRC catches it */
    z.buf[z.entry[0].data_offset + 10] ^= 0x20;
    assert_int_equal(zip_open(&a, z.buf, z.len, NULL), ZIP_OK);
    assert_int_equal(zip_find(&a, "readme.txt", &e), ZIP_OK);
    assert_int_equal(zip_extract(&a, &e, out, sizeof out), ZIP_ERR_CRC);
    assert_non_null(strstr(a.message, "readme.txt"));
    z.buf[z.entry[0].data_offset + 10] ^= 0x20;

    /* a wrong CRC in the directory */
    z.buf[z.entry[1].central_offset + 16] ^= 1;
    assert_int_equal(zip_open(&a, z.buf, z.len, NULL), ZIP_OK);
    assert_int_equal(zip_find(&a, "data/text.txt", &e), ZIP_OK);
    assert_int_equal(zip_extract(&a, &e, out, sizeof out), ZIP_ERR_CRC);
    z.buf[z.entry[1].central_offset + 16] ^= 1;

    /* declared size smaller, then larger, than the deflated data */
    uint32_t size = (uint32_t)strlen(text);
    zb_put32(z.buf + z.entry[1].central_offset + 24, size - 1);
    assert_int_equal(zip_open(&a, z.buf, z.len, NULL), ZIP_OK);
    assert_int_equal(zip_find(&a, "data/text.txt", &e), ZIP_OK);
    assert_int_equal(zip_extract(&a, &e, out, sizeof out), ZIP_ERR_DATA);
    zb_put32(z.buf + z.entry[1].central_offset + 24, size + 1);
    assert_int_equal(zip_open(&a, z.buf, z.len, NULL), ZIP_OK);
    assert_int_equal(zip_find(&a, "data/text.txt", &e), ZIP_OK);
    assert_int_equal(zip_extract(&a, &e, out, sizeof out), ZIP_ERR_DATA);
    assert_non_null(strstr(a.message, "shorter"));
    zb_put32(z.buf + z.entry[1].central_offset + 24, size);

    /* every byte of the deflated data flipped in turn: an error or, where
     * the flip is harmless to the decoder, a CRC mismatch; never success */
    for (size_t i = 0; i < z.entry[1].compressed_size; i++) {
        z.buf[z.entry[1].data_offset + i] ^= 0x55;
        assert_int_equal(zip_open(&a, z.buf, z.len, NULL), ZIP_OK);
        assert_int_equal(zip_find(&a, "data/text.txt", &e), ZIP_OK);
        assert_int_not_equal(zip_extract(&a, &e, out, sizeof out), ZIP_OK);
        z.buf[z.entry[1].data_offset + i] ^= 0x55;
    }

    /* too small a buffer */
    assert_int_equal(zip_open(&a, z.buf, z.len, NULL), ZIP_OK);
    assert_int_equal(zip_find(&a, "readme.txt", &e), ZIP_OK);
    assert_int_equal(zip_extract(&a, &e, out, size - 1), ZIP_ERR_BUFFER);
    zb_free(&z);
}

static void test_limits(void **state)
{
    (void)state;
    struct zb z;
    build_sample(&z);
    zip_archive a;
    zip_limits entries = { .max_entries = 2 };
    assert_int_equal(zip_open(&a, z.buf, z.len, &entries), ZIP_ERR_LIMIT);
    assert_non_null(strstr(a.message, "too many entries"));
    zip_limits one = { .max_entry_size = strlen(text) - 1 };
    assert_int_equal(zip_open(&a, z.buf, z.len, &one), ZIP_ERR_LIMIT);
    zip_limits total = { .max_total_size = 2 * strlen(text) - 1 };
    assert_int_equal(zip_open(&a, z.buf, z.len, &total), ZIP_ERR_LIMIT);
    zip_limits exact = { .max_entries = 3, .max_entry_size = strlen(text),
                         .max_total_size = 2 * strlen(text) };
    assert_int_equal(zip_open(&a, z.buf, z.len, &exact), ZIP_OK);

    /* the default limit: 64 MiB per entry */
    zb_put32(z.buf + z.entry[1].central_offset + 24, (64u << 20) + 1);
    assert_int_equal(zip_open(&a, z.buf, z.len, NULL), ZIP_ERR_LIMIT);
    zb_free(&z);
}

/* Every prefix of an archive is refused without a read out of bounds. */
static void test_every_truncation(void **state)
{
    (void)state;
    struct zb z;
    build_sample(&z);
    for (size_t cut = 0; cut < z.len; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1);
        memcpy(copy, z.buf, cut);
        zip_archive a;
        assert_int_not_equal(zip_open(&a, copy, cut, NULL), ZIP_OK);
        free(copy);
    }
    zb_free(&z);
}

/* Random byte flips anywhere never break memory safety; whatever opens
 * extracts to the declared size or fails cleanly. */
static void test_random_flips(void **state)
{
    (void)state;
    struct zb z;
    build_sample(&z);
    uint32_t seed = 99;
    for (int round = 0; round < 3000; round++) {
        uint8_t *copy = malloc(z.len);
        memcpy(copy, z.buf, z.len);
        for (int k = 0; k < 3; k++) {
            seed = seed * 1103515245 + 12345;
            copy[(seed >> 8) % z.len] ^= (uint8_t)(seed >> 20);
        }
        zip_archive a;
        if (zip_open(&a, copy, z.len, NULL) == ZIP_OK) {
            zip_entry e;
            for (zip_iter_begin(&a, &e); zip_iter_next(&a, &e);) {
                uint8_t *out = malloc(e.size + 1);
                zip_extract(&a, &e, out, e.size);
                free(out);
            }
        }
        free(copy);
    }
    zb_free(&z);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32_matches_zlib),
        cmocka_unit_test(test_read_entries),
        cmocka_unit_test(test_empty_archive_and_comment),
        cmocka_unit_test(test_not_a_zip),
        cmocka_unit_test(test_structural_corruption),
        cmocka_unit_test(test_data_corruption),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_random_flips),
    };
    return cmocka_run_group_tests_name("zip", tests, NULL, NULL);
}
