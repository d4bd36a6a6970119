/*
 * lib/inflate/inflate.c — DEFLATE decoder, following RFC 1951.
 *
 * Bits come from the input least significant bit first (§3.1.1). Huffman
 * codes are canonical (§3.2.2): we keep, for each table, how many codes
 * have each length and the symbols sorted by code, and decode either with a
 * small direct lookup table (codes up to FAST_BITS long) or, for longer
 * codes, one bit at a time by walking the lengths.
 */
#include "inflate.h"

#include <stdbool.h>

#define MAX_CODE_BITS   15          /* longest Huffman code (§3.2.7) */
#define FAST_BITS       9           /* codes this short decode in one lookup */
#define FAST_MASK       ((1u << FAST_BITS) - 1)
#define LITLEN_SYMBOLS  288
#define DIST_SYMBOLS    32
#define CODELEN_SYMBOLS 19

/* One canonical Huffman code. fast[] entries hold symbol | length << 12, or
 * 0 where the code is longer than FAST_BITS (or unused). */
struct huffman {
    uint16_t count[MAX_CODE_BITS + 1];
    uint16_t symbol[LITLEN_SYMBOLS];
    uint16_t fast[1u << FAST_BITS];
};

/* The input and a bit buffer holding the next `count` bits in its low end;
 * bits above `count` are always zero. */
struct bit_reader {
    const uint8_t *in;
    size_t len;
    size_t pos;
    uint64_t buf;
    unsigned count;
};

/* Base values and extra bits of length codes 257..285 and distance codes
 * 0..29 (§3.2.5). */
static const uint16_t length_base[29] = {
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
    35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
};
static const uint8_t length_extra[29] = {
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
    3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
};
static const uint16_t dist_base[30] = {
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
    257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
};
static const uint8_t dist_extra[30] = {
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
    7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
};
/* The order in which code length code lengths are sent (§3.2.7). */
static const uint8_t codelen_order[CODELEN_SYMBOLS] = {
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
};

/* Top the bit buffer up to at least 57 bits, or to the end of the input. */
static void refill(struct bit_reader *br)
{
    while (br->count <= 56 && br->pos < br->len) {
        br->buf |= (uint64_t)br->in[br->pos++] << br->count;
        br->count += 8;
    }
}

/* Read n (0..16) bits as an integer, first bit lowest. Returns false if the
 * input ends first. */
static bool read_bits(struct bit_reader *br, unsigned n, unsigned *value)
{
    if (br->count < n) {
        refill(br);
        if (br->count < n)
            return false;
    }
    *value = (unsigned)(br->buf & ((1u << n) - 1));
    br->buf >>= n;
    br->count -= n;
    return true;
}

/* Reverse the low `len` bits of code. */
static unsigned reverse_bits(unsigned code, unsigned len)
{
    unsigned r = 0;
    for (unsigned i = 0; i < len; i++) {
        r = (r << 1) | (code & 1);
        code >>= 1;
    }
    return r;
}

/*
 * Build the code whose symbol i has length lengths[i] (0 = unused), n
 * symbols. Returns false for an over-subscribed set of lengths, and for an
 * incomplete one unless it has at most one code, of length 1 (the only
 * incomplete codes an encoder legitimately sends, for the distance tree).
 */
static bool build_code(struct huffman *h, const uint8_t *lengths, unsigned n)
{
    uint16_t offset[MAX_CODE_BITS + 2];
    uint16_t next_code[MAX_CODE_BITS + 1];

    for (unsigned len = 0; len <= MAX_CODE_BITS; len++)
        h->count[len] = 0;
    for (unsigned i = 0; i < n; i++)
        h->count[lengths[i]]++;
    h->count[0] = 0;

    /* `unused` is how many codes of the current length are still free. */
    int unused = 1;
    unsigned used = 0;
    for (unsigned len = 1; len <= MAX_CODE_BITS; len++) {
        unused = unused * 2 - h->count[len];
        if (unused < 0)
            return false;
        used += h->count[len];
    }
    if (unused > 0 && used > 1)
        return false;
    if (unused > 0 && used == 1 && h->count[1] != 1)
        return false;

    /* Symbols sorted by (length, symbol) = by canonical code. */
    offset[1] = 0;
    for (unsigned len = 1; len <= MAX_CODE_BITS; len++)
        offset[len + 1] = offset[len] + h->count[len];
    for (unsigned i = 0; i < n; i++)
        if (lengths[i])
            h->symbol[offset[lengths[i]]++] = (uint16_t)i;

    /* First code of each length (§3.2.2 step 2), then the lookup table. */
    unsigned code = 0;
    next_code[0] = 0;
    for (unsigned len = 1; len <= MAX_CODE_BITS; len++) {
        code = (code + h->count[len - 1]) << 1;
        next_code[len] = (uint16_t)code;
    }
    for (unsigned i = 0; i <= FAST_MASK; i++)
        h->fast[i] = 0;
    for (unsigned i = 0; i < n; i++) {
        unsigned len = lengths[i];
        if (len == 0)
            continue;
        unsigned c = next_code[len]++;
        if (len > FAST_BITS)
            continue;
        for (unsigned j = reverse_bits(c, len); j <= FAST_MASK; j += 1u << len)
            h->fast[j] = (uint16_t)(i | len << 12);
    }
    return true;
}

/* Decode one symbol. Returns it, or -1 at the end of input, -2 for a code
 * that is not in the table. */
static int decode_symbol(struct bit_reader *br, const struct huffman *h)
{
    if (br->count < MAX_CODE_BITS)
        refill(br);

    uint16_t entry = h->fast[br->buf & FAST_MASK];
    if (entry && (unsigned)(entry >> 12) <= br->count) {
        unsigned len = entry >> 12;
        br->buf >>= len;
        br->count -= len;
        return entry & 0xFFF;
    }

    /* Walk the lengths: `first` is the first code of length len and `index`
     * the position of its symbol in h->symbol. */
    int code = 0, first = 0, index = 0;
    for (unsigned len = 1; len <= MAX_CODE_BITS; len++) {
        if (br->count == 0)
            return -1;
        code |= (int)(br->buf & 1);
        br->buf >>= 1;
        br->count--;
        int count = h->count[len];
        if (code - first < count)
            return h->symbol[index + code - first];
        index += count;
        first = (first + count) << 1;
        code <<= 1;
    }
    return -2;
}

/* The output and where it has got to. */
struct output {
    uint8_t *buf;
    size_t cap;
    size_t len;
};

/* A stored block (§3.2.4): align to a byte, LEN, NLEN, then LEN bytes. */
static inflate_result inflate_stored(struct bit_reader *br, struct output *out)
{
    unsigned len, nlen;

    br->buf >>= br->count & 7;
    br->count -= br->count & 7;
    if (!read_bits(br, 16, &len) || !read_bits(br, 16, &nlen))
        return INFLATE_ERR_TRUNCATED;
    if (len != (~nlen & 0xFFFF))
        return INFLATE_ERR_STORED_LENGTH;
    if (len > out->cap - out->len)
        return INFLATE_ERR_OUTPUT_FULL;

    /* Whole bytes already in the bit buffer first, then straight from input. */
    while (len > 0 && br->count >= 8) {
        out->buf[out->len++] = (uint8_t)br->buf;
        br->buf >>= 8;
        br->count -= 8;
        len--;
    }
    if (len > br->len - br->pos)
        return INFLATE_ERR_TRUNCATED;
    __builtin_memcpy(out->buf + out->len, br->in + br->pos, len);
    out->len += len;
    br->pos += len;
    return INFLATE_OK;
}

/* The body of a compressed block: literals and <length, distance> pairs up
 * to the end-of-block symbol 256 (§3.2.5). */
static inflate_result inflate_codes(struct bit_reader *br, struct output *out,
                                    const struct huffman *litlen, const struct huffman *dist)
{
    for (;;) {
        int sym = decode_symbol(br, litlen);
        if (sym < 0)
            return sym == -1 ? INFLATE_ERR_TRUNCATED : INFLATE_ERR_BAD_SYMBOL;
        if (sym < 256) {
            if (out->len == out->cap)
                return INFLATE_ERR_OUTPUT_FULL;
            out->buf[out->len++] = (uint8_t)sym;
            continue;
        }
        if (sym == 256)
            return INFLATE_OK;

        sym -= 257;
        if (sym >= 29)
            return INFLATE_ERR_BAD_SYMBOL;
        unsigned extra;
        if (!read_bits(br, length_extra[sym], &extra))
            return INFLATE_ERR_TRUNCATED;
        size_t length = length_base[sym] + extra;

        int dsym = decode_symbol(br, dist);
        if (dsym < 0)
            return dsym == -1 ? INFLATE_ERR_TRUNCATED : INFLATE_ERR_BAD_SYMBOL;
        if (dsym >= 30)
            return INFLATE_ERR_BAD_SYMBOL;
        if (!read_bits(br, dist_extra[dsym], &extra))
            return INFLATE_ERR_TRUNCATED;
        size_t distance = dist_base[dsym] + extra;

        if (distance > out->len)
            return INFLATE_ERR_DISTANCE;
        if (length > out->cap - out->len)
            return INFLATE_ERR_OUTPUT_FULL;
        /* Byte by byte: source and destination overlap when distance < length. */
        uint8_t *dst = out->buf + out->len;
        const uint8_t *src = dst - distance;
        for (size_t i = 0; i < length; i++)
            dst[i] = src[i];
        out->len += length;
    }
}

/* A block with the fixed codes of §3.2.6. */
static inflate_result inflate_fixed(struct bit_reader *br, struct output *out)
{
    struct huffman litlen, dist;
    uint8_t lengths[LITLEN_SYMBOLS];
    unsigned i = 0;

    for (; i < 144; i++)
        lengths[i] = 8;
    for (; i < 256; i++)
        lengths[i] = 9;
    for (; i < 280; i++)
        lengths[i] = 7;
    for (; i < LITLEN_SYMBOLS; i++)
        lengths[i] = 8;
    build_code(&litlen, lengths, LITLEN_SYMBOLS);
    /* All 32 distance codes are 5 bits; 30 and 31 are rejected when used. */
    for (i = 0; i < DIST_SYMBOLS; i++)
        lengths[i] = 5;
    build_code(&dist, lengths, DIST_SYMBOLS);
    return inflate_codes(br, out, &litlen, &dist);
}

/* A block with dynamic codes (§3.2.7): read the code length code, with it
 * the literal/length and distance code lengths, then the data. */
static inflate_result inflate_dynamic(struct bit_reader *br, struct output *out)
{
    struct huffman litlen, dist;
    uint8_t lengths[LITLEN_SYMBOLS + DIST_SYMBOLS];
    unsigned hlit, hdist, hclen;

    if (!read_bits(br, 5, &hlit) || !read_bits(br, 5, &hdist) || !read_bits(br, 4, &hclen))
        return INFLATE_ERR_TRUNCATED;
    hlit += 257;
    hdist += 1;
    hclen += 4;
    if (hlit > 286 || hdist > 30)
        return INFLATE_ERR_BAD_CODE;

    /* The code length code, built into `litlen` for the time being. */
    for (unsigned i = 0; i < CODELEN_SYMBOLS; i++)
        lengths[i] = 0;
    for (unsigned i = 0; i < hclen; i++) {
        unsigned v;
        if (!read_bits(br, 3, &v))
            return INFLATE_ERR_TRUNCATED;
        lengths[codelen_order[i]] = (uint8_t)v;
    }
    if (!build_code(&litlen, lengths, CODELEN_SYMBOLS))
        return INFLATE_ERR_BAD_CODE;

    /* hlit + hdist lengths as one sequence; repeats may cross from one
     * table into the other. */
    unsigned total = hlit + hdist;
    unsigned i = 0;
    while (i < total) {
        int sym = decode_symbol(br, &litlen);
        if (sym < 0)
            return sym == -1 ? INFLATE_ERR_TRUNCATED : INFLATE_ERR_BAD_CODE;
        if (sym < 16) {
            lengths[i++] = (uint8_t)sym;
            continue;
        }
        unsigned repeat, value = 0;
        if (sym == 16) {
            if (i == 0)
                return INFLATE_ERR_BAD_CODE;   /* nothing to repeat */
            value = lengths[i - 1];
            if (!read_bits(br, 2, &repeat))
                return INFLATE_ERR_TRUNCATED;
            repeat += 3;
        } else if (sym == 17) {
            if (!read_bits(br, 3, &repeat))
                return INFLATE_ERR_TRUNCATED;
            repeat += 3;
        } else {
            if (!read_bits(br, 7, &repeat))
                return INFLATE_ERR_TRUNCATED;
            repeat += 11;
        }
        if (repeat > total - i)
            return INFLATE_ERR_BAD_CODE;
        while (repeat--)
            lengths[i++] = (uint8_t)value;
    }

    if (lengths[256] == 0)
        return INFLATE_ERR_BAD_CODE;   /* the block could never end */
    if (!build_code(&litlen, lengths, hlit) || !build_code(&dist, lengths + hlit, hdist))
        return INFLATE_ERR_BAD_CODE;
    return inflate_codes(br, out, &litlen, &dist);
}

inflate_result inflate_raw(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap,
                           size_t *in_used, size_t *out_len)
{
    struct bit_reader br = { .in = in, .len = in_len };
    struct output o = { .buf = out, .cap = out_cap };
    inflate_result r = INFLATE_OK;
    unsigned final = 0;

    while (!final) {
        unsigned type;
        if (!read_bits(&br, 1, &final) || !read_bits(&br, 2, &type)) {
            r = INFLATE_ERR_TRUNCATED;
            break;
        }
        if (type == 0)
            r = inflate_stored(&br, &o);
        else if (type == 1)
            r = inflate_fixed(&br, &o);
        else if (type == 2)
            r = inflate_dynamic(&br, &o);
        else
            r = INFLATE_ERR_BLOCK_TYPE;
        if (r != INFLATE_OK)
            break;
    }
    if (in_used)
        *in_used = br.pos - br.count / 8;
    if (out_len)
        *out_len = o.len;
    return r;
}

const char *inflate_strerror(inflate_result r)
{
    switch (r) {
    case INFLATE_OK:                return "ok";
    case INFLATE_ERR_TRUNCATED:     return "compressed data ends too early";
    case INFLATE_ERR_BLOCK_TYPE:    return "invalid block type";
    case INFLATE_ERR_STORED_LENGTH: return "stored block length does not match its complement";
    case INFLATE_ERR_BAD_CODE:      return "invalid Huffman code lengths";
    case INFLATE_ERR_BAD_SYMBOL:    return "invalid Huffman code or symbol";
    case INFLATE_ERR_DISTANCE:      return "match distance reaches before the start of the data";
    case INFLATE_ERR_OUTPUT_FULL:   return "decompressed data is larger than declared";
    }
    return "unknown inflate error";
}
