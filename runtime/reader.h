/*
 * runtime/reader.h — a cursor over a WebAssembly binary with the primitive
 * decoders of Wasm 2.0 §5.2 (bytes, LEB128 integers, floats, names).
 * Decode errors are "malformed" (§5); the first one sticks and every later
 * read returns zero, so callers may check `r->failed` once per construct.
 */
#ifndef WASM_READER_H
#define WASM_READER_H

#include "wasm_internal.h"

typedef struct wasm_reader {
    const uint8_t *base;        /* start of the binary, for offsets in messages */
    const uint8_t *p, *end;
    wasm_error *err;
    const char *where;          /* "section type", "function 3", ... */
    bool failed;
} wasm_reader;

static inline uint32_t wasm_reader_offset(const wasm_reader *r)
{
    return (uint32_t)(r->p - r->base);
}

/* Records a malformed-binary error at the current offset (first one wins). */
__attribute__((format(printf, 2, 3)))
static inline void wasm_malformed(wasm_reader *r, const char *fmt, ...)
{
    if (r->failed)
        return;
    r->failed = true;
    if (!r->err)
        return;
    char msg[160];
    va_list ap;
    va_start(ap, fmt);
    wasm_vfmt(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    wasm_error_set(r->err, WASM_ERR_MALFORMED, "%s, offset 0x%x: %s", r->where,
                   wasm_reader_offset(r), msg);
}

static inline bool wasm_at_end(const wasm_reader *r) { return r->p >= r->end; }

static inline uint8_t wasm_read_u8(wasm_reader *r)
{
    if (r->failed)
        return 0;
    if (r->p >= r->end) {
        wasm_malformed(r, "unexpected end");
        return 0;
    }
    return *r->p++;
}

/* Unsigned LEB128 of at most `bits` bits (§5.2.2). */
static inline uint64_t wasm_read_uleb(wasm_reader *r, unsigned bits)
{
    uint64_t v = 0;
    unsigned shift = 0;
    unsigned maxbytes = (bits + 6) / 7;
    for (unsigned i = 0;; i++) {
        if (r->failed)
            return 0;
        if (r->p >= r->end) {
            wasm_malformed(r, "unexpected end");
            return 0;
        }
        uint8_t b = *r->p++;
        if (i == maxbytes - 1) {
            if (b & 0x80) {
                wasm_malformed(r, "integer representation too long");
                return 0;
            }
            unsigned used = bits - shift;           /* value bits left in this byte */
            if (used < 7 && (b >> used) != 0) {
                wasm_malformed(r, "integer too large");
                return 0;
            }
        }
        v |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80))
            return v;
    }
}

/* Signed LEB128 of at most `bits` bits, sign-extended to 64. */
static inline int64_t wasm_read_sleb(wasm_reader *r, unsigned bits)
{
    uint64_t v = 0;
    unsigned shift = 0;
    unsigned maxbytes = (bits + 6) / 7;
    for (unsigned i = 0;; i++) {
        if (r->failed)
            return 0;
        if (r->p >= r->end) {
            wasm_malformed(r, "unexpected end");
            return 0;
        }
        uint8_t b = *r->p++;
        if (i == maxbytes - 1) {
            if (b & 0x80) {
                wasm_malformed(r, "integer representation too long");
                return 0;
            }
            /* The unused high bits must all equal the sign bit. */
            unsigned used = bits - shift;
            if (used < 7) {
                uint8_t rest = (uint8_t)((b & 0x7f) >> (used - 1));   /* sign bit and above */
                uint8_t all = (uint8_t)(0x7f >> (used - 1));
                if (rest != 0 && rest != all) {
                    wasm_malformed(r, "integer too large");
                    return 0;
                }
            }
        }
        v |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80)) {
            if (shift < 64 && (b & 0x40))
                v |= ~(uint64_t)0 << shift;
            return (int64_t)v;
        }
    }
}

static inline uint32_t wasm_read_u32(wasm_reader *r) { return (uint32_t)wasm_read_uleb(r, 32); }

static inline uint32_t wasm_read_fixed32(wasm_reader *r)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v |= (uint32_t)wasm_read_u8(r) << (8 * i);
    return v;
}

static inline uint64_t wasm_read_fixed64(wasm_reader *r)
{
    uint64_t lo = wasm_read_fixed32(r);
    return lo | (uint64_t)wasm_read_fixed32(r) << 32;
}

/* A vector length, checked against the bytes left (each element >= min_size bytes). */
static inline uint32_t wasm_read_count(wasm_reader *r, uint32_t min_size)
{
    uint32_t n = wasm_read_u32(r);
    if (!r->failed && min_size && (uint64_t)n * min_size > (uint64_t)(r->end - r->p)) {
        wasm_malformed(r, "length out of bounds");
        return 0;
    }
    return n;
}

/* Skips one instruction whose opcode was just read (translate.c). */
void wasm_scan_instr(wasm_reader *r, const wasm_module *m, uint8_t op, uint32_t *depth);

#endif
