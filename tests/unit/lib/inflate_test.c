/*
 * tests/unit/lib/inflate_test.c — lib/inflate against zlib's deflate (an
 * independent encoder) and against hand-built invalid streams (RFC 1951).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <zlib.h>

#include "../../../lib/inflate/inflate.h"
#include "zipbuild.h"

/* ---- test data ---- */

static uint32_t rng_state = 12345;
static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

enum { DATA_EMPTY, DATA_ONE, DATA_TEXT, DATA_RANDOM, DATA_RUNS, DATA_MIXED, DATA_KINDS };

/* Fill a buffer with one kind of content; returns its length. */
static size_t make_data(int kind, uint8_t *buf, size_t cap)
{
    static const char *words[] = { "the ", "kernel ", "runs ", "every ", "program ", "as ",
                                   "WebAssembly ", "module\n", "zip ", "inflate " };
    size_t n = 0;
    switch (kind) {
    case DATA_EMPTY:
        return 0;
    case DATA_ONE:
        buf[0] = 'x';
        return 1;
    case DATA_TEXT:
        while (n + 16 < cap) {
            const char *w = words[rng() % 10];
            memcpy(buf + n, w, strlen(w));
            n += strlen(w);
        }
        return n;
    case DATA_RANDOM:
        for (n = 0; n < cap; n++)
            buf[n] = (uint8_t)rng();
        return n;
    case DATA_RUNS:
        while (n < cap) {
            size_t run = 1 + rng() % 300;
            uint8_t b = (uint8_t)(rng() % 4);
            for (size_t i = 0; i < run && n < cap; i++)
                buf[n++] = b;
        }
        return n;
    default:
        /* text, then random, then a long-distance repeat of the start */
        n = make_data(DATA_TEXT, buf, cap / 3);
        n += make_data(DATA_RANDOM, buf + n, cap / 3);
        memcpy(buf + n, buf, cap - n);
        return cap;
    }
}

/* ---- round trips through zlib ---- */

static void round_trip(const uint8_t *data, size_t len, int level, int strategy)
{
    size_t clen;
    uint8_t *comp = zb_deflate(data, len, level, strategy, &clen);
    uint8_t *out = malloc(len + 1);
    size_t used = 0, produced = 0;
    inflate_result r = inflate_raw(comp, clen, out, len, &used, &produced);
    assert_int_equal(r, INFLATE_OK);
    assert_int_equal(produced, len);
    assert_int_equal(used, clen);
    assert_memory_equal(out, data, len);
    free(comp);
    free(out);
}

static void test_zlib_round_trips(void **state)
{
    (void)state;
    static const int levels[] = { 0, 1, 6, 9 };
    static const int strategies[] = { Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, Z_RLE, Z_FIXED };
    size_t cap = 200000;
    uint8_t *data = malloc(cap);
    for (int kind = 0; kind < DATA_KINDS; kind++) {
        size_t len = make_data(kind, data, cap);
        for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++)
            for (size_t s = 0; s < sizeof strategies / sizeof strategies[0]; s++)
                round_trip(data, len, levels[l], strategies[s]);
    }
    free(data);
}

/* Many small inputs of every size up to 600 bytes, so that block and code
 * boundaries fall everywhere. */
static void test_small_sizes(void **state)
{
    (void)state;
    uint8_t data[600];
    for (size_t len = 0; len <= sizeof data; len++) {
        make_data(len % 2 ? DATA_TEXT : DATA_RUNS, data, sizeof data);
        round_trip(data, len, 9, Z_DEFAULT_STRATEGY);
        round_trip(data, len, 6, Z_FIXED);
    }
}

/* A stream of several blocks (sync and full flushes insert empty stored
 * blocks; level changes start new blocks). */
static void test_multiple_blocks(void **state)
{
    (void)state;
    size_t cap = 60000;
    uint8_t *data = malloc(cap);
    make_data(DATA_MIXED, data, cap);
    z_stream s;
    memset(&s, 0, sizeof s);
    assert_int_equal(deflateInit2(&s, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t ccap = deflateBound(&s, cap) + 1000;
    uint8_t *comp = malloc(ccap);
    s.next_out = comp;
    s.avail_out = (uInt)ccap;
    for (int part = 0; part < 6; part++) {
        s.next_in = data + part * (cap / 6);
        s.avail_in = (uInt)(cap / 6);
        if (part == 2)
            deflateParams(&s, 0, Z_DEFAULT_STRATEGY);
        if (part == 4)
            deflateParams(&s, 9, Z_FIXED);
        assert_true(deflate(&s, part == 5 ? Z_FINISH : (part % 2 ? Z_FULL_FLUSH : Z_SYNC_FLUSH)) >= 0);
    }
    size_t clen = s.total_out;
    deflateEnd(&s);

    uint8_t *out = malloc(cap);
    size_t used, produced;
    assert_int_equal(inflate_raw(comp, clen, out, cap, &used, &produced), INFLATE_OK);
    assert_int_equal(produced, cap);
    assert_int_equal(used, clen);
    assert_memory_equal(out, data, cap);
    free(data);
    free(comp);
    free(out);
}

/* Trailing bytes after the final block are left alone and reported. */
static void test_trailing_data(void **state)
{
    (void)state;
    const char *text = "hello hello hello hello";
    size_t clen;
    uint8_t *comp = zb_deflate(text, strlen(text), 6, Z_DEFAULT_STRATEGY, &clen);
    uint8_t *padded = malloc(clen + 7);
    memcpy(padded, comp, clen);
    memset(padded + clen, 0xAB, 7);
    char out[64];
    size_t used, produced;
    assert_int_equal(inflate_raw(padded, clen + 7, (uint8_t *)out, sizeof out, &used, &produced),
                     INFLATE_OK);
    assert_int_equal(used, clen);
    assert_int_equal(produced, strlen(text));
    free(comp);
    free(padded);
}

/* ---- errors ---- */

static void test_output_full(void **state)
{
    (void)state;
    size_t cap = 5000;
    uint8_t *data = malloc(cap);
    make_data(DATA_TEXT, data, cap);
    for (int level = 0; level <= 9; level += 9) {
        size_t clen;
        uint8_t *comp = zb_deflate(data, cap, level, Z_DEFAULT_STRATEGY, &clen);
        uint8_t *out = malloc(cap);
        size_t produced;
        assert_int_equal(inflate_raw(comp, clen, out, cap - 1, NULL, &produced),
                         INFLATE_ERR_OUTPUT_FULL);
        assert_true(produced <= cap - 1);
        assert_memory_equal(out, data, produced);
        free(comp);
        free(out);
    }
    free(data);
}

/* Every proper prefix of a valid stream is an error, never success. */
static void test_every_truncation(void **state)
{
    (void)state;
    uint8_t data[3000];
    make_data(DATA_MIXED, data, sizeof data);
    static const int levels[] = { 0, 6 };
    for (int i = 0; i < 2; i++) {
        size_t clen;
        uint8_t *comp = zb_deflate(data, sizeof data, levels[i], Z_DEFAULT_STRATEGY, &clen);
        uint8_t out[3000];
        for (size_t cut = 0; cut < clen; cut++) {
            /* copy so ASan sees reads past the cut */
            uint8_t *prefix = malloc(cut ? cut : 1);
            memcpy(prefix, comp, cut);
            assert_int_not_equal(inflate_raw(prefix, cut, out, sizeof out, NULL, NULL), INFLATE_OK);
            free(prefix);
        }
        free(comp);
    }
}

/* Bit writer for hand-built streams: values LSB first, Huffman codes MSB
 * first (RFC 1951 §3.1.1). */
struct bitw {
    uint8_t buf[256];
    size_t bit;
};

static void put_bits(struct bitw *w, unsigned value, unsigned n)
{
    for (unsigned i = 0; i < n; i++, w->bit++)
        if (value >> i & 1)
            w->buf[w->bit / 8] |= (uint8_t)(1u << (w->bit % 8));
}

static void put_code(struct bitw *w, unsigned code, unsigned len)
{
    for (unsigned i = len; i-- > 0; w->bit++)
        if (code >> i & 1)
            w->buf[w->bit / 8] |= (uint8_t)(1u << (w->bit % 8));
}

static size_t bytes(const struct bitw *w)
{
    return (w->bit + 7) / 8;
}

static inflate_result run(const struct bitw *w)
{
    uint8_t out[1024];
    return inflate_raw(w->buf, bytes(w), out, sizeof out, NULL, NULL);
}

static void test_bad_block_type(void **state)
{
    (void)state;
    struct bitw w = { { 0 }, 0 };
    put_bits(&w, 1, 1);
    put_bits(&w, 3, 2);
    assert_int_equal(run(&w), INFLATE_ERR_BLOCK_TYPE);
}

static void test_stored_errors(void **state)
{
    (void)state;
    uint8_t bad_nlen[] = { 0x01, 0x05, 0x00, 0x00, 0x00, 'h', 'e', 'l', 'l', 'o' };
    uint8_t good[] = { 0x01, 0x05, 0x00, 0xFA, 0xFF, 'h', 'e', 'l', 'l', 'o' };
    uint8_t out[16];
    size_t produced;
    assert_int_equal(inflate_raw(bad_nlen, sizeof bad_nlen, out, sizeof out, NULL, NULL),
                     INFLATE_ERR_STORED_LENGTH);
    assert_int_equal(inflate_raw(good, sizeof good, out, sizeof out, NULL, &produced), INFLATE_OK);
    assert_int_equal(produced, 5);
    assert_memory_equal(out, "hello", 5);
    assert_int_equal(inflate_raw(good, sizeof good - 1, out, sizeof out, NULL, NULL),
                     INFLATE_ERR_TRUNCATED);
    assert_int_equal(inflate_raw(good, sizeof good, out, 4, NULL, NULL), INFLATE_ERR_OUTPUT_FULL);
    assert_int_equal(inflate_raw(good, 0, out, sizeof out, NULL, NULL), INFLATE_ERR_TRUNCATED);
}

/* Fixed codes (§3.2.6): literal 0-143 = 8 bits from 0x30, 256-279 = 7 bits
 * from 0, distance codes = 5 bits. */
static void fixed_header(struct bitw *w)
{
    put_bits(w, 1, 1);
    put_bits(w, 1, 2);
}

static void test_fixed_literals(void **state)
{
    (void)state;
    struct bitw w = { { 0 }, 0 };
    fixed_header(&w);
    put_code(&w, 0x30 + 'A', 8);
    put_code(&w, 0x30 + 'B', 8);
    put_code(&w, 1, 7);          /* length code 257: length 3 */
    put_code(&w, 1, 5);          /* distance code 1: distance 2 */
    put_code(&w, 0, 7);          /* end of block */
    uint8_t out[16];
    size_t produced;
    assert_int_equal(inflate_raw(w.buf, bytes(&w), out, sizeof out, NULL, &produced), INFLATE_OK);
    assert_int_equal(produced, 5);
    assert_memory_equal(out, "ABABA", 5);
}

static void test_distance_too_far(void **state)
{
    (void)state;
    struct bitw w = { { 0 }, 0 };
    fixed_header(&w);
    put_code(&w, 0x30 + 'A', 8);
    put_code(&w, 1, 7);          /* length 3 */
    put_code(&w, 1, 5);          /* distance 2, but only 1 byte so far */
    put_code(&w, 0, 7);
    assert_int_equal(run(&w), INFLATE_ERR_DISTANCE);
}

static void test_fixed_bad_symbols(void **state)
{
    (void)state;
    struct bitw w = { { 0 }, 0 };
    fixed_header(&w);
    put_code(&w, 0x30 + 'A', 8);
    put_code(&w, 1, 7);
    put_code(&w, 30, 5);         /* distance code 30 does not exist */
    assert_int_equal(run(&w), INFLATE_ERR_BAD_SYMBOL);

    struct bitw w2 = { { 0 }, 0 };
    fixed_header(&w2);
    put_code(&w2, 0xC6, 8);      /* literal/length 286 (codes 280-287 = 0xC0 + n) */
    assert_int_equal(run(&w2), INFLATE_ERR_BAD_SYMBOL);
}

/* Dynamic header: HLIT, HDIST, HCLEN, then code length code lengths. */
static void dynamic_header(struct bitw *w, unsigned hlit, unsigned hdist, unsigned hclen)
{
    put_bits(w, 1, 1);
    put_bits(w, 2, 2);
    put_bits(w, hlit - 257, 5);
    put_bits(w, hdist - 1, 5);
    put_bits(w, hclen - 4, 4);
}

static void test_dynamic_errors(void **state)
{
    (void)state;
    /* too many literal/length codes */
    struct bitw w = { { 0 }, 0 };
    dynamic_header(&w, 287, 1, 4);
    put_bits(&w, 0, 12);
    assert_int_equal(run(&w), INFLATE_ERR_BAD_CODE);

    /* over-subscribed code length code: three codes of length 1 */
    struct bitw w2 = { { 0 }, 0 };
    dynamic_header(&w2, 257, 1, 4);
    put_bits(&w2, 1, 3);   /* 16 */
    put_bits(&w2, 1, 3);   /* 17 */
    put_bits(&w2, 1, 3);   /* 18 */
    put_bits(&w2, 0, 3);   /* 0 */
    assert_int_equal(run(&w2), INFLATE_ERR_BAD_CODE);

    /* code 16 (repeat previous) as the very first length */
    struct bitw w3 = { { 0 }, 0 };
    dynamic_header(&w3, 257, 1, 4);
    put_bits(&w3, 1, 3);   /* 16: length 1 -> code 0 */
    put_bits(&w3, 0, 3);
    put_bits(&w3, 0, 3);
    put_bits(&w3, 1, 3);   /* 0: length 1 -> code 1 */
    put_code(&w3, 1, 1);   /* symbol 16 (code 1) first */
    put_bits(&w3, 0, 2);
    assert_int_equal(run(&w3), INFLATE_ERR_BAD_CODE);

    /* every length zero: no end-of-block code */
    struct bitw w4 = { { 0 }, 0 };
    dynamic_header(&w4, 257, 1, 4);
    put_bits(&w4, 0, 3);   /* 16 unused */
    put_bits(&w4, 1, 3);   /* 17: code 0 */
    put_bits(&w4, 1, 3);   /* 18: code 1 */
    put_bits(&w4, 0, 3);
    put_code(&w4, 1, 1);   /* 18: 11 + 127 = 138 zeros */
    put_bits(&w4, 127, 7);
    put_code(&w4, 1, 1);   /* 18: 11 + 109 = 120 zeros, total 258 */
    put_bits(&w4, 109, 7);
    assert_int_equal(run(&w4), INFLATE_ERR_BAD_CODE);

    /* a repeat that runs past the number of lengths */
    struct bitw w5 = { { 0 }, 0 };
    dynamic_header(&w5, 257, 1, 4);
    put_bits(&w5, 0, 3);
    put_bits(&w5, 1, 3);
    put_bits(&w5, 1, 3);
    put_bits(&w5, 0, 3);
    put_code(&w5, 1, 1);   /* 138 zeros */
    put_bits(&w5, 127, 7);
    put_code(&w5, 1, 1);   /* 138 more: 276 > 258 */
    put_bits(&w5, 127, 7);
    assert_int_equal(run(&w5), INFLATE_ERR_BAD_CODE);
}

/* Random input never crashes and never claims more output than room. */
static void test_random_garbage(void **state)
{
    (void)state;
    uint8_t in[300], out[2000];
    for (int i = 0; i < 20000; i++) {
        size_t len = rng() % sizeof in;
        for (size_t k = 0; k < len; k++)
            in[k] = (uint8_t)rng();
        size_t used = 0, produced = 0;
        inflate_raw(in, len, out, sizeof out, &used, &produced);
        assert_true(used <= len);
        assert_true(produced <= sizeof out);
    }
}

static void test_strerror(void **state)
{
    (void)state;
    for (int r = INFLATE_OK; r <= INFLATE_ERR_OUTPUT_FULL; r++)
        assert_true(strlen(inflate_strerror((inflate_result)r)) > 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zlib_round_trips),
        cmocka_unit_test(test_small_sizes),
        cmocka_unit_test(test_multiple_blocks),
        cmocka_unit_test(test_trailing_data),
        cmocka_unit_test(test_output_full),
        cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_bad_block_type),
        cmocka_unit_test(test_stored_errors),
        cmocka_unit_test(test_fixed_literals),
        cmocka_unit_test(test_distance_too_far),
        cmocka_unit_test(test_fixed_bad_symbols),
        cmocka_unit_test(test_dynamic_errors),
        cmocka_unit_test(test_random_garbage),
        cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests_name("inflate", tests, NULL, NULL);
}
