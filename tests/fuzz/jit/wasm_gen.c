/*
 * tests/fuzz/jit/wasm_gen.c — random valid WebAssembly modules (see
 * wasm_gen.h). The generator is typed: gen_value(t) emits instructions that
 * leave exactly one value of type t, gen_stmt() instructions that leave the
 * stack as it was; each picks among many shapes (constants, locals, globals,
 * loads and stores, every numeric and SIMD operator family, blocks and ifs
 * with results, multi-value blocks and loops with parameters, br_if and
 * br_table with values, calls, call_indirect, bulk memory, tables).
 */
#include "wasm_gen.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

enum { I32 = 0x7F, I64 = 0x7E, F32 = 0x7D, F64 = 0x7C, V128 = 0x7B, FUNCREF = 0x70 };
static const uint8_t value_types[] = { I32, I64, F32, F64, V128 };

#define MAX_TYPES 64
#define MAX_FUNCS 9
#define MAX_LOCALS 32
#define MAX_LABELS 64
#define TABLE_SIZE 8

/* ---- byte buffers ---- */

typedef struct buf {
    uint8_t *p;
    size_t n, cap;
    bool oom;
} buf;

static void put(buf *b, uint8_t v)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        uint8_t *np = realloc(b->p, cap);
        if (!np) {
            b->oom = true;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    b->p[b->n++] = v;
}

static void put_bytes(buf *b, const void *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put(b, ((const uint8_t *)s)[i]);
}

static void put_u32(buf *b, uint32_t v)
{
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        put(b, byte | (v ? 0x80 : 0));
    } while (v);
}

static void put_s64(buf *b, int64_t v)
{
    for (;;) {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        bool done = (v == 0 && !(byte & 0x40)) || (v == -1 && (byte & 0x40));
        put(b, byte | (done ? 0 : 0x80));
        if (done)
            break;
    }
}

static void put_name(buf *b, const char *s)
{
    put_u32(b, (uint32_t)strlen(s));
    put_bytes(b, s, strlen(s));
}

/* A section: id, size, contents. */
static void put_section(buf *out, uint8_t id, buf *content)
{
    put(out, id);
    put_u32(out, (uint32_t)content->n);
    put_bytes(out, content->p, content->n);
    free(content->p);
    memset(content, 0, sizeof(*content));
}

/* ---- the generator's state ---- */

typedef struct fn_type {
    uint8_t np, nr;
    uint8_t p[6], r[4];
} fn_type;

typedef struct label {
    uint8_t n;
    uint8_t types[4];
    bool loop;              /* branching here would skip the loop's counter */
} label;

typedef struct gen {
    const uint8_t *d;
    size_t n, pos;
    fn_type types[MAX_TYPES];
    int ntypes;
    int nfuncs;                     /* function 0 is the import env.h (i32) -> i32 */
    int ftype[MAX_FUNCS];
    bool leaf[MAX_FUNCS];           /* calls nothing: may sit in the table */
    uint8_t gtype[6];
    bool gmut[6];
    /* the function being generated */
    int cur;
    uint8_t ltype[MAX_LOCALS];
    int nlocals, nparams, first_counter, scratch_f32, scratch_f64, scratch_v128;
    int loop_depth, calls_left, budget;
    label labels[MAX_LABELS];
    int nlabels;
    buf code;
} gen;

static uint32_t pick(gen *g, uint32_t n)
{
    if (n <= 1)
        return 0;
    uint32_t v = 0;
    if (g->pos < g->n)
        v = g->d[g->pos++];
    if (n > 256 && g->pos < g->n)
        v = v << 8 | g->d[g->pos++];
    return v % n;
}

static bool chance(gen *g, uint32_t percent)
{
    return pick(g, 100) < percent;
}

static uint64_t pick_bits(gen *g, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v |= (uint64_t)pick(g, 256) << (8 * i);
    return v;
}

static void op(gen *g, uint8_t b) { put(&g->code, b); }
static void op_fc(gen *g, uint32_t sub) { op(g, 0xFC); put_u32(&g->code, sub); }
static void op_fd(gen *g, uint32_t sub) { op(g, 0xFD); put_u32(&g->code, sub); }
static void u32(gen *g, uint32_t v) { put_u32(&g->code, v); }

/* The index of a function type with these params/results (added if new). */
static int type_index(gen *g, int np, const uint8_t *p, int nr, const uint8_t *r)
{
    for (int i = 0; i < g->ntypes; i++) {
        fn_type *t = &g->types[i];
        if (t->np == np && t->nr == nr && (!np || !memcmp(t->p, p, np)) && (!nr || !memcmp(t->r, r, nr)))
            return i;
    }
    if (g->ntypes == MAX_TYPES)
        return 0;
    fn_type *t = &g->types[g->ntypes];
    t->np = (uint8_t)np;
    t->nr = (uint8_t)nr;
    if (np)
        memcpy(t->p, p, np);
    if (nr)
        memcpy(t->r, r, nr);
    return g->ntypes++;
}

/* A block type (§5.4.1): empty, one result, or a type index. */
static void blocktype(gen *g, int np, const uint8_t *p, int nr, const uint8_t *r)
{
    if (np == 0 && nr == 0)
        op(g, 0x40);
    else if (np == 0 && nr == 1)
        op(g, r[0]);
    else
        put_s64(&g->code, type_index(g, np, p, nr, r));
}

static uint8_t random_type(gen *g)
{
    return value_types[pick(g, 5)];
}

static void gen_value(gen *g, uint8_t t, int depth);
static void gen_stmts(gen *g, int n, int depth);

static void push_label(gen *g, int n, const uint8_t *types)
{
    if (g->nlabels < MAX_LABELS) {
        g->labels[g->nlabels].n = (uint8_t)n;
        if (n)
            memcpy(g->labels[g->nlabels].types, types, n);
        g->labels[g->nlabels].loop = false;
    }
    g->nlabels++;
}

static void push_loop_label(gen *g, int n, const uint8_t *types)
{
    push_label(g, n, types);
    if (g->nlabels <= MAX_LABELS)
        g->labels[g->nlabels - 1].loop = true;
}

/* ---- constants and canonical NaNs ---- */

static void const_of(gen *g, uint8_t t)
{
    static const uint32_t i32s[] = { 0, 1, 2, 0xffffffff, 0x80000000, 0x7fffffff, 31, 32, 0xfff0, 0x10000, 65535 };
    switch (t) {
    case I32:
        op(g, 0x41);
        put_s64(&g->code, (int32_t)(chance(g, 50) ? i32s[pick(g, 11)] : (uint32_t)pick_bits(g, 4)));
        break;
    case I64:
        op(g, 0x42);
        put_s64(&g->code, chance(g, 40) ? (int64_t)(int32_t)i32s[pick(g, 11)] : (int64_t)pick_bits(g, 8));
        break;
    case F32: {
        static const uint32_t f[] = { 0, 0x80000000, 0x3f800000, 0xbf800000, 0x7f800000, 0xff800000, 0x7fc00000,
                                      0x4f000000, 0xcf000000, 0x00000001, 0x3effffff, 0x4b000001 };
        uint32_t v = chance(g, 60) ? f[pick(g, 12)] : (uint32_t)pick_bits(g, 4);
        if ((v & 0x7f800000) == 0x7f800000 && (v & 0x7fffff))
            v = 0x7fc00000;     /* only the canonical NaN */
        op(g, 0x43);
        put_bytes(&g->code, &v, 4);
        break;
    }
    case F64: {
        static const uint64_t f[] = { 0, 0x8000000000000000ull, 0x3ff0000000000000ull, 0xbff0000000000000ull,
                                      0x7ff0000000000000ull, 0x7ff8000000000000ull, 0x41e0000000000000ull,
                                      0xc1e0000000000000ull, 0x43e0000000000000ull, 1, 0x3fdfffffffffffffull };
        uint64_t v = chance(g, 60) ? f[pick(g, 11)] : pick_bits(g, 8);
        if ((v & 0x7ff0000000000000ull) == 0x7ff0000000000000ull && (v & 0xfffffffffffffull))
            v = 0x7ff8000000000000ull;
        op(g, 0x44);
        put_bytes(&g->code, &v, 8);
        break;
    }
    default: {
        uint8_t v[16];
        for (int i = 0; i < 16; i++)
            v[i] = (uint8_t)pick(g, 256);
        if (chance(g, 30))
            memset(v, pick(g, 2) ? 0xff : 0, 16);
        op_fd(g, 0x0C);
        put_bytes(&g->code, v, 16);
        break;
    }
    }
}

/* After an operation that may produce a NaN: (x == x) ? x : canonical NaN. */
static void canonicalize(gen *g, uint8_t t)
{
    if (t == F32 || t == F64) {
        int s = t == F32 ? g->scratch_f32 : g->scratch_f64;
        op(g, 0x22); u32(g, (uint32_t)s);
        if (t == F32) {
            uint32_t nan = 0x7fc00000;
            op(g, 0x43);
            put_bytes(&g->code, &nan, 4);
        } else {
            uint64_t nan = 0x7ff8000000000000ull;
            op(g, 0x44);
            put_bytes(&g->code, &nan, 8);
        }
        op(g, 0x20); u32(g, (uint32_t)s);
        op(g, 0x20); u32(g, (uint32_t)s);
        op(g, t == F32 ? 0x5B : 0x61);
        op(g, 0x1B);
    }
}

/* The same for the lanes of a vector made by an f32x4 (f64 = false) or
 * f64x2 operation: only lanes of that shape can hold NaNs it produced. */
static void canonicalize_lanes(gen *g, bool f64)
{
    op(g, 0x22); u32(g, (uint32_t)g->scratch_v128);
    uint8_t nan[16];
    for (int i = 0; i < 16; i += f64 ? 8 : 4) {
        if (f64) {
            uint64_t v = 0x7ff8000000000000ull;
            memcpy(nan + i, &v, 8);
        } else {
            uint32_t v = 0x7fc00000;
            memcpy(nan + i, &v, 4);
        }
    }
    op_fd(g, 0x0C);
    put_bytes(&g->code, nan, 16);
    op(g, 0x20); u32(g, (uint32_t)g->scratch_v128);
    op(g, 0x20); u32(g, (uint32_t)g->scratch_v128);
    op_fd(g, f64 ? 0x47 : 0x41);    /* f64x2.eq / f32x4.eq */
    op_fd(g, 0x52);                 /* bitselect */
}

/* Whether SIMD operation sub is an f64x2 one (else f32x4), for canonicalizing. */
static bool f64_shape(uint32_t sub)
{
    return sub == 0x5F || sub == 0x74 || sub == 0x75 || sub == 0x7A || sub == 0x94 || (sub >= 0x47 && sub <= 0x4C) ||
           (sub >= 0xEC && sub <= 0xF7);
}

/* ---- memory addresses ---- */

/* An i32 address: usually inside the first page (minus room for 16 bytes),
 * sometimes anything (an out-of-bounds trap). */
static void gen_address(gen *g, int depth)
{
    gen_value(g, I32, depth + 1);
    if (!chance(g, 1)) {
        op(g, 0x41);
        put_s64(&g->code, 0xff80);
        op(g, 0x71);
    }
}

static void memarg(gen *g, uint32_t max_align)
{
    u32(g, pick(g, max_align + 1));
    u32(g, chance(g, 98) ? pick(g, 64) : (chance(g, 50) ? 65530 : (uint32_t)pick_bits(g, 4)));
}

/* ---- value generators per type ---- */

static int local_of_type(gen *g, uint8_t t, bool writable)
{
    int cand[MAX_LOCALS], n = 0;
    for (int i = 0; i < g->nlocals; i++) {
        /* counters may be read, never written; the canonicalization
         * scratch locals hold raw NaNs: neither */
        bool counter = i >= g->first_counter && i < g->scratch_f32;
        bool scratch = i >= g->scratch_f32;
        if (g->ltype[i] == t && !scratch && !(writable && counter))
            cand[n++] = i;
    }
    return n ? cand[pick(g, (uint32_t)n)] : -1;
}

/* call a later function whose first result is t (extra results dropped) */
static bool gen_call(gen *g, uint8_t t, int depth)
{
    if (g->leaf[g->cur] || g->calls_left <= 0 || g->loop_depth > 0)
        return false;
    int cand[MAX_FUNCS], n = 0;
    for (int f = g->cur + 1; f < g->nfuncs; f++) {
        const fn_type *ft = &g->types[g->ftype[f]];
        if (t ? (ft->nr && ft->r[0] == t) : true)
            cand[n++] = f;
    }
    if (!n)
        return false;
    int f = cand[pick(g, (uint32_t)n)];
    const fn_type *ft = &g->types[g->ftype[f]];
    g->calls_left--;
    for (int i = 0; i < ft->np; i++)
        gen_value(g, ft->p[i], depth + 1);
    op(g, 0x10);
    u32(g, (uint32_t)f);
    for (int i = ft->nr - 1; i >= (t ? 1 : 0); i--)
        op(g, 0x1A);
    return true;
}

/* call_indirect through the table (leaf functions, nulls, mismatches) */
static bool gen_call_indirect(gen *g, uint8_t t, int depth)
{
    if (g->leaf[g->cur] || g->calls_left <= 0)
        return false;
    int cand[MAX_TYPES], n = 0;
    for (int i = 0; i < g->ntypes; i++)
        if (t ? (g->types[i].nr && g->types[i].r[0] == t) : true)
            cand[n++] = i;
    if (!n)
        return false;
    int ti = cand[pick(g, (uint32_t)n)];
    int slot = -1;
    if (chance(g, 92)) {
        /* aim at a table entry (the import, then the leaves) of a fitting type */
        int entries[MAX_FUNCS], ne = 0;
        for (int f = 0; f < g->nfuncs; f++) {
            const fn_type *et = &g->types[g->ftype[f]];
            if ((f == 0 || g->leaf[f]) && (!t || (et->nr && et->r[0] == t)))
                entries[ne++] = f;
        }
        if (ne) {
            int f = entries[pick(g, (uint32_t)ne)];
            ti = g->ftype[f];
            slot = 0;
            for (int k = 1; k <= f; k++)
                slot += g->leaf[k] && k < f;
            slot += f ? 1 : 0;
        }
    }
    const fn_type *ft = &g->types[ti];
    g->calls_left--;
    for (int i = 0; i < ft->np; i++)
        gen_value(g, ft->p[i], depth + 1);
    if (slot >= 0) {
        op(g, 0x41);
        put_s64(&g->code, slot);
    } else {
        gen_value(g, I32, depth + 1);
        if (chance(g, 90)) {
            op(g, 0x41);
            put_s64(&g->code, TABLE_SIZE - 1);
            op(g, 0x71);
        }
    }
    op(g, 0x11);
    u32(g, (uint32_t)ti);
    u32(g, 0);
    for (int i = ft->nr - 1; i >= (t ? 1 : 0); i--)
        op(g, 0x1A);
    return true;
}

/* block or if with one result of type t */
static void gen_block_value(gen *g, uint8_t t, int depth)
{
    bool is_if = chance(g, 50);
    if (is_if)
        gen_value(g, I32, depth + 1);
    op(g, is_if ? 0x04 : 0x02);
    op(g, t);
    push_label(g, 1, &t);
    gen_stmts(g, (int)pick(g, 3), depth + 1);
    if (chance(g, 30)) {
        /* an early exit with a value */
        gen_value(g, t, depth + 1);
        gen_value(g, I32, depth + 1);
        op(g, 0x0D);
        u32(g, 0);
        op(g, 0x1A);
    }
    gen_value(g, t, depth + 1);
    if (is_if) {
        op(g, 0x05);
        gen_stmts(g, (int)pick(g, 2), depth + 1);
        gen_value(g, t, depth + 1);
    }
    op(g, 0x0B);
    g->nlabels--;
}

static void gen_i32(gen *g, int depth)
{
    switch (pick(g, 18)) {
    case 0: const_of(g, I32); return;
    case 1: case 2: {
        int l = local_of_type(g, I32, false);
        if (l < 0)
            break;
        op(g, 0x20);
        u32(g, (uint32_t)l);
        return;
    }
    case 3:
        op(g, 0x23);
        u32(g, chance(g, 50) ? 0 : 5);
        return;
    case 4: case 5: {   /* binary */
        uint8_t o = (uint8_t)(0x6A + pick(g, 15));
        gen_value(g, I32, depth + 1);
        gen_value(g, I32, depth + 1);
        if (o >= 0x6D && o <= 0x70 && chance(g, 85)) {
            /* mostly a divisor that cannot be zero */
            op(g, 0x41);
            put_s64(&g->code, 1);
            op(g, 0x72);
        }
        op(g, o);
        return;
    }
    case 6: {           /* comparisons of any numeric type */
        static const uint8_t ty[] = { I32, I64, F32, F64 };
        static const uint8_t base[] = { 0x46, 0x51, 0x5B, 0x61 }, cnt[] = { 10, 10, 6, 6 };
        int k = (int)pick(g, 4);
        gen_value(g, ty[k], depth + 1);
        gen_value(g, ty[k], depth + 1);
        op(g, (uint8_t)(base[k] + pick(g, cnt[k])));
        return;
    }
    case 7: {           /* unary */
        static const uint8_t ops[] = { 0x45, 0x67, 0x68, 0x69, 0xC0, 0xC1 };
        gen_value(g, I32, depth + 1);
        op(g, ops[pick(g, 6)]);
        return;
    }
    case 8: {           /* conversions */
        int k = (int)pick(g, 6);
        if (k == 0) {
            gen_value(g, I64, depth + 1);
            op(g, chance(g, 50) ? 0xA7 : 0x50);
        } else if (k == 1) {
            gen_value(g, F32, depth + 1);
            op(g, 0xBC);
        } else if (k < 4) {
            bool f64 = k == 3;
            gen_value(g, f64 ? F64 : F32, depth + 1);
            if (chance(g, 25))
                op(g, (uint8_t)((f64 ? 0xAA : 0xA8) + pick(g, 2)));
            else
                op_fc(g, (f64 ? 2 : 0) + pick(g, 2));
        } else {
            gen_value(g, V128, depth + 1);
            static const uint32_t subs[] = { 0x53, 0x63, 0x64, 0x83, 0x84, 0xA3, 0xA4, 0xC3, 0xC4 };
            op_fd(g, subs[pick(g, 9)]);
        }
        return;
    }
    case 9: case 10: {  /* loads */
        static const uint8_t ops[] = { 0x28, 0x2C, 0x2D, 0x2E, 0x2F };
        static const uint8_t align[] = { 2, 0, 0, 1, 1 };
        int k = (int)pick(g, 5);
        gen_address(g, depth);
        op(g, ops[k]);
        memarg(g, align[k]);
        return;
    }
    case 11:
        gen_value(g, I32, depth + 1);
        gen_value(g, I32, depth + 1);
        gen_value(g, I32, depth + 1);
        op(g, 0x1B);
        return;
    case 12: gen_block_value(g, I32, depth); return;
    case 13:
        if (gen_call(g, I32, depth))
            return;
        break;
    case 14: {          /* lane extraction */
        static const uint32_t subs[] = { 0x15, 0x16, 0x18, 0x19, 0x1B };
        static const uint8_t lanes[] = { 16, 16, 8, 8, 4 };
        int k = (int)pick(g, 5);
        gen_value(g, V128, depth + 1);
        op_fd(g, subs[k]);
        op(g, (uint8_t)pick(g, lanes[k]));
        return;
    }
    case 15:
        if (chance(g, 50)) {
            op(g, 0x3F);
            op(g, 0);
        } else if (chance(g, 50)) {
            op_fc(g, 16);
            u32(g, 0);
        } else {
            /* memory.grow by 0 or 1 page (the maximum is 2) */
            op(g, 0x41);
            put_s64(&g->code, pick(g, 2));
            op(g, 0x40);
            op(g, 0);
        }
        return;
    case 16: {
        int l = local_of_type(g, I32, true);
        if (l < 0)
            break;
        gen_value(g, I32, depth + 1);
        op(g, 0x22);
        u32(g, (uint32_t)l);
        return;
    }
    default:
        if (gen_call_indirect(g, I32, depth))
            return;
        break;
    }
    const_of(g, I32);
}

static void gen_i64(gen *g, int depth)
{
    switch (pick(g, 13)) {
    case 0: const_of(g, I64); return;
    case 1: case 2: {
        int l = local_of_type(g, I64, false);
        if (l < 0)
            break;
        op(g, 0x20);
        u32(g, (uint32_t)l);
        return;
    }
    case 3:
        op(g, 0x23);
        u32(g, 1);
        return;
    case 4: case 5: {
        uint8_t o = (uint8_t)(0x7C + pick(g, 15));
        gen_value(g, I64, depth + 1);
        gen_value(g, I64, depth + 1);
        if (o >= 0x7F && o <= 0x82 && chance(g, 85)) {
            op(g, 0x42);
            put_s64(&g->code, 1);
            op(g, 0x84);
        }
        op(g, o);
        return;
    }
    case 6: {
        static const uint8_t ops[] = { 0x79, 0x7A, 0x7B, 0xC2, 0xC3, 0xC4 };
        gen_value(g, I64, depth + 1);
        op(g, ops[pick(g, 6)]);
        return;
    }
    case 7: {
        int k = (int)pick(g, 4);
        if (k == 0) {
            gen_value(g, I32, depth + 1);
            op(g, (uint8_t)(0xAC + pick(g, 2)));
        } else if (k == 1) {
            gen_value(g, F64, depth + 1);
            op(g, 0xBD);
        } else {
            bool f64 = k == 3;
            gen_value(g, f64 ? F64 : F32, depth + 1);
            if (chance(g, 25))
                op(g, (uint8_t)((f64 ? 0xB0 : 0xAE) + pick(g, 2)));
            else
                op_fc(g, (f64 ? 6 : 4) + pick(g, 2));
        }
        return;
    }
    case 8: case 9: {
        static const uint8_t ops[] = { 0x29, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35 };
        static const uint8_t align[] = { 3, 0, 0, 1, 1, 2, 2 };
        int k = (int)pick(g, 7);
        gen_address(g, depth);
        op(g, ops[k]);
        memarg(g, align[k]);
        return;
    }
    case 10: gen_block_value(g, I64, depth); return;
    case 11:
        gen_value(g, V128, depth + 1);
        op_fd(g, 0x1D);
        op(g, (uint8_t)pick(g, 2));
        return;
    default:
        if (gen_call(g, I64, depth))
            return;
        break;
    }
    const_of(g, I64);
}

static void gen_float(gen *g, uint8_t t, int depth)
{
    bool f64 = t == F64;
    switch (pick(g, 12)) {
    case 0: const_of(g, t); return;
    case 1: case 2: {
        int l = local_of_type(g, t, false);
        if (l < 0)
            break;
        op(g, 0x20);
        u32(g, (uint32_t)l);
        return;
    }
    case 3:
        op(g, 0x23);
        u32(g, f64 ? 3 : 2);
        return;
    case 4: case 5:     /* add sub mul div min max copysign */
        gen_value(g, t, depth + 1);
        gen_value(g, t, depth + 1);
        op(g, (uint8_t)((f64 ? 0xA0 : 0x92) + pick(g, 7)));
        canonicalize(g, t);
        return;
    case 6:             /* abs neg ceil floor trunc nearest sqrt */
        gen_value(g, t, depth + 1);
        op(g, (uint8_t)((f64 ? 0x99 : 0x8B) + pick(g, 7)));
        canonicalize(g, t);
        return;
    case 7: {           /* conversions */
        int k = (int)pick(g, 4);
        if (k < 2) {
            gen_value(g, k ? I64 : I32, depth + 1);
            op(g, (uint8_t)((f64 ? 0xB7 : 0xB2) + 2 * k + pick(g, 2)));
        } else if (k == 2) {
            gen_value(g, f64 ? F32 : F64, depth + 1);
            op(g, f64 ? 0xBB : 0xB6);
            canonicalize(g, t);
        } else {
            gen_value(g, f64 ? I64 : I32, depth + 1);
            op(g, f64 ? 0xBF : 0xBE);
        }
        return;
    }
    case 8:
        gen_address(g, depth);
        op(g, f64 ? 0x2B : 0x2A);
        memarg(g, f64 ? 3 : 2);
        return;
    case 9:
        gen_value(g, V128, depth + 1);
        op_fd(g, f64 ? 0x21 : 0x1F);
        op(g, (uint8_t)pick(g, f64 ? 2 : 4));
        return;
    case 10: gen_block_value(g, t, depth); return;
    default:
        if (gen_call(g, t, depth))
            return;
        break;
    }
    const_of(g, t);
}

/* SIMD operations by shape: ops that take two v128 and give a v128. */
static const uint8_t v_binops[] = {
    0x0E, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2A, 0x2B, 0x2C, 0x2D, 0x2E, 0x2F, 0x30, 0x31, 0x32,
    0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F, 0x40, 0x4E, 0x4F, 0x50,
    0x51, 0x65, 0x66, 0x6E, 0x6F, 0x70, 0x71, 0x72, 0x73, 0x76, 0x77, 0x78, 0x79, 0x7B, 0x82, 0x85, 0x86,
    0x8E, 0x8F, 0x90, 0x91, 0x92, 0x93, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xAE,
    0xB1, 0xB5, 0xB6, 0xB7, 0xB8, 0xB9, 0xBA, 0xBC, 0xBD, 0xBE, 0xBF, 0xCE, 0xD1, 0xD5, 0xD6, 0xD7, 0xD8,
    0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF,
};
/* float ones (results need canonicalizing) */
static const uint8_t v_fbinops[] = {
    0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4A, 0x4B, 0x4C, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8,
    0xE9, 0xEA, 0xEB, 0xF0, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7,
};
static const uint8_t v_unops[] = {
    0x4D, 0x60, 0x61, 0x62, 0x7C, 0x7D, 0x7E, 0x7F, 0x80, 0x81, 0x87, 0x88, 0x89, 0x8A, 0xA0, 0xA1,
    0xA7, 0xA8, 0xA9, 0xAA, 0xC0, 0xC1, 0xC7, 0xC8, 0xC9, 0xCA, 0xF8, 0xF9, 0xFC, 0xFD, 0xFA, 0xFB,
    0xFE, 0xFF,
};
static const uint8_t v_funops[] = {
    0x5E, 0x5F, 0x67, 0x68, 0x69, 0x6A, 0x74, 0x75, 0x7A, 0x94, 0xE0, 0xE1, 0xE3, 0xEC, 0xED, 0xEF,
};

static void gen_v128(gen *g, int depth)
{
    switch (pick(g, 16)) {
    case 0: const_of(g, V128); return;
    case 1: {
        int l = local_of_type(g, V128, false);
        if (l < 0)
            break;
        op(g, 0x20);
        u32(g, (uint32_t)l);
        return;
    }
    case 2:
        op(g, 0x23);
        u32(g, 4);
        return;
    case 3: case 4:
        gen_value(g, V128, depth + 1);
        gen_value(g, V128, depth + 1);
        op_fd(g, v_binops[pick(g, sizeof(v_binops))]);
        return;
    case 5: {
        gen_value(g, V128, depth + 1);
        gen_value(g, V128, depth + 1);
        uint8_t sub = v_fbinops[pick(g, sizeof(v_fbinops))];
        op_fd(g, sub);
        if (sub >= 0xE0)            /* comparisons give masks, not NaNs */
            canonicalize_lanes(g, f64_shape(sub));
        return;
    }
    case 6:
        gen_value(g, V128, depth + 1);
        op_fd(g, v_unops[pick(g, sizeof(v_unops))]);
        return;
    case 7:
        gen_value(g, V128, depth + 1);
        uint8_t sub = v_funops[pick(g, sizeof(v_funops))];
        op_fd(g, sub);
        canonicalize_lanes(g, f64_shape(sub));
        return;
    case 8: {           /* shifts */
        static const uint8_t subs[] = { 0x6B, 0x6C, 0x6D, 0x8B, 0x8C, 0x8D, 0xAB, 0xAC, 0xAD, 0xCB, 0xCC, 0xCD };
        gen_value(g, V128, depth + 1);
        if (chance(g, 50))
            gen_value(g, I32, depth + 1);
        else
            const_of(g, I32);
        op_fd(g, subs[pick(g, 12)]);
        return;
    }
    case 9: {           /* splats */
        static const uint8_t from[] = { I32, I32, I32, I64, F32, F64 };
        int k = (int)pick(g, 6);
        gen_value(g, from[k], depth + 1);
        op_fd(g, 0x0F + (uint32_t)k);
        return;
    }
    case 10: {          /* loads */
        static const uint8_t subs[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0x5C, 0x5D };
        static const uint8_t align[] = { 4, 3, 3, 3, 3, 3, 3, 0, 1, 2, 3, 2, 3 };
        int k = (int)pick(g, 13);
        gen_address(g, depth);
        op_fd(g, subs[k]);
        memarg(g, align[k]);
        return;
    }
    case 11: {          /* load lane */
        int k = (int)pick(g, 4);
        gen_address(g, depth);
        gen_value(g, V128, depth + 1);
        op_fd(g, 0x54 + (uint32_t)k);
        memarg(g, (uint32_t)k);
        op(g, (uint8_t)pick(g, 16u >> k));
        return;
    }
    case 12: {          /* replace lane */
        static const uint32_t subs[] = { 0x17, 0x1A, 0x1C, 0x1E, 0x20, 0x22 };
        static const uint8_t ty[] = { I32, I32, I32, I64, F32, F64 }, lanes[] = { 16, 8, 4, 2, 4, 2 };
        int k = (int)pick(g, 6);
        gen_value(g, V128, depth + 1);
        gen_value(g, ty[k], depth + 1);
        op_fd(g, subs[k]);
        op(g, (uint8_t)pick(g, lanes[k]));
        return;
    }
    case 13: {          /* shuffle */
        gen_value(g, V128, depth + 1);
        gen_value(g, V128, depth + 1);
        op_fd(g, 0x0D);
        for (int i = 0; i < 16; i++)
            op(g, (uint8_t)pick(g, 32));
        return;
    }
    case 14:
        gen_value(g, V128, depth + 1);
        gen_value(g, V128, depth + 1);
        gen_value(g, V128, depth + 1);
        op_fd(g, 0x52);
        return;
    default:
        if (chance(g, 50)) {
            gen_block_value(g, V128, depth);
            return;
        }
        gen_value(g, V128, depth + 1);
        gen_value(g, V128, depth + 1);
        gen_value(g, I32, depth + 1);
        op(g, 0x1B);
        return;
    }
    const_of(g, V128);
}

static void gen_value(gen *g, uint8_t t, int depth)
{
    g->budget--;
    if (depth > 6 || g->budget <= 0) {
        int l = local_of_type(g, t, false);
        if (l >= 0 && chance(g, 50)) {
            op(g, 0x20);
            u32(g, (uint32_t)l);
        } else {
            const_of(g, t);
        }
        return;
    }
    switch (t) {
    case I32: gen_i32(g, depth); break;
    case I64: gen_i64(g, depth); break;
    case F32: case F64: gen_float(g, t, depth); break;
    default: gen_v128(g, depth); break;
    }
}

/* ---- statements ---- */

static void gen_store(gen *g, int depth)
{
    int k = (int)pick(g, 12);
    static const uint8_t ops[] = { 0x36, 0x37, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E };
    static const uint8_t ty[] = { I32, I64, F32, F64, I32, I32, I64, I64, I64 };
    static const uint8_t align[] = { 2, 3, 2, 3, 0, 1, 0, 1, 2 };
    gen_address(g, depth);
    if (k < 9) {
        gen_value(g, ty[k], depth + 1);
        op(g, ops[k]);
        memarg(g, align[k]);
    } else if (k == 9) {
        gen_value(g, V128, depth + 1);
        op_fd(g, 0x0B);
        memarg(g, 4);
    } else {
        int size = (int)pick(g, 4);
        gen_value(g, V128, depth + 1);
        op_fd(g, 0x58 + (uint32_t)size);
        memarg(g, (uint32_t)size);
        op(g, (uint8_t)pick(g, 16u >> size));
    }
}

/* loop with a counter that only the loop writes */
static void gen_loop(gen *g, int depth)
{
    if (g->loop_depth >= 2)
        return;
    int ctr = g->first_counter + g->loop_depth;
    op(g, 0x41);
    put_s64(&g->code, 1 + pick(g, 5));
    op(g, 0x21);
    u32(g, (uint32_t)ctr);
    g->loop_depth++;
    bool with_param = chance(g, 25);
    uint8_t t = random_type(g);
    if (with_param) {
        gen_value(g, t, depth + 1);
        op(g, 0x03);
        blocktype(g, 1, &t, 1, &t);
        push_loop_label(g, 1, &t);
        /* the parameter goes through a unary step each iteration */
        if (t == I32) { op(g, 0x41); put_s64(&g->code, 7); op(g, 0x6A); }
        else if (t == I64) { op(g, 0x42); put_s64(&g->code, 3); op(g, 0x7E); }
        else if (t == F32) { op(g, 0x8C); }
        else if (t == F64) { op(g, 0x9A); }
        else { op_fd(g, 0x61); }
        gen_stmts(g, (int)pick(g, 3), depth + 1);
    } else {
        op(g, 0x03);
        op(g, 0x40);
        push_loop_label(g, 0, NULL);
        gen_stmts(g, 1 + (int)pick(g, 3), depth + 1);
    }
    op(g, 0x20); u32(g, (uint32_t)ctr);
    op(g, 0x41); put_s64(&g->code, 1);
    op(g, 0x6B);
    op(g, 0x22); u32(g, (uint32_t)ctr);
    op(g, 0x0D); u32(g, 0);
    op(g, 0x0B);
    g->nlabels--;
    if (with_param)
        op(g, 0x1A);
    g->loop_depth--;
}

/* A void-typed enclosing label to branch to (depth), or -1. */
static int void_label(gen *g)
{
    int cand[MAX_LABELS], n = 0;
    for (int i = 0; i < g->nlabels && i < MAX_LABELS; i++)
        if (g->labels[g->nlabels - 1 - i].n == 0 && !g->labels[g->nlabels - 1 - i].loop)
            cand[n++] = i;
    return n ? cand[pick(g, (uint32_t)n)] : -1;
}

static void gen_stmt(gen *g, int depth)
{
    g->budget--;
    if (depth > 5 || g->budget <= 0) {
        op(g, 0x01);
        return;
    }
    switch (pick(g, 16)) {
    case 0: case 1: {
        uint8_t t = random_type(g);
        int l = local_of_type(g, t, true);
        if (l < 0)
            return;
        gen_value(g, t, depth + 1);
        op(g, 0x21);
        u32(g, (uint32_t)l);
        return;
    }
    case 2: {
        static const uint8_t gi[] = { 0, 1, 2, 3, 4 };
        int k = (int)pick(g, 5);
        gen_value(g, g->gtype[gi[k]], depth + 1);
        op(g, 0x24);
        u32(g, gi[k]);
        return;
    }
    case 3: case 4: gen_store(g, depth); return;
    case 5: {           /* if/else */
        gen_value(g, I32, depth + 1);
        op(g, 0x04);
        op(g, 0x40);
        push_label(g, 0, NULL);
        gen_stmts(g, 1 + (int)pick(g, 2), depth + 1);
        if (chance(g, 50)) {
            op(g, 0x05);
            gen_stmts(g, 1 + (int)pick(g, 2), depth + 1);
        }
        op(g, 0x0B);
        g->nlabels--;
        return;
    }
    case 6: {           /* block with an exit */
        op(g, 0x02);
        op(g, 0x40);
        push_label(g, 0, NULL);
        gen_stmts(g, (int)pick(g, 2), depth + 1);
        gen_value(g, I32, depth + 1);
        int l = void_label(g);
        op(g, 0x0D);
        u32(g, l < 0 ? 0 : (uint32_t)l);
        gen_stmts(g, (int)pick(g, 2), depth + 1);
        op(g, 0x0B);
        g->nlabels--;
        return;
    }
    case 7: gen_loop(g, depth); return;
    case 8:
        gen_call(g, 0, depth);
        return;
    case 9:
        gen_call_indirect(g, 0, depth);
        return;
    case 10:
        gen_value(g, random_type(g), depth + 1);
        op(g, 0x1A);
        return;
    case 11: {          /* memory.fill / memory.copy, mostly in bounds */
        bool copy = chance(g, 50);
        gen_address(g, depth);
        if (copy)
            gen_address(g, depth);
        else
            gen_value(g, I32, depth + 1);
        op(g, 0x41);
        put_s64(&g->code, chance(g, 97) ? (int32_t)pick(g, 16) : (int32_t)pick_bits(g, 4));
        op_fc(g, copy ? 10 : 11);
        op(g, 0);
        if (copy)
            op(g, 0);
        return;
    }
    case 12: {          /* a multi-value block, with a conditional early exit */
        int nr = 2 + (int)pick(g, 2), np = (int)pick(g, 2);
        uint8_t r[4], p[2];
        for (int i = 0; i < nr; i++)
            r[i] = random_type(g);
        for (int i = 0; i < np; i++)
            p[i] = random_type(g);
        for (int i = 0; i < np; i++)
            gen_value(g, p[i], depth + 1);
        op(g, 0x02);
        blocktype(g, np, p, nr, r);
        push_label(g, nr, r);
        for (int i = np; i-- > 0;)
            op(g, 0x1A);
        for (int i = 0; i < nr; i++)
            gen_value(g, r[i], depth + 1);
        gen_value(g, I32, depth + 1);
        op(g, 0x0D);
        u32(g, 0);
        for (int i = nr; i-- > 0;)
            op(g, 0x1A);
        for (int i = 0; i < nr; i++)
            gen_value(g, r[i], depth + 1);
        op(g, 0x0B);
        g->nlabels--;
        for (int i = nr; i-- > 0;)
            op(g, 0x1A);
        return;
    }
    case 13: {          /* br_table over nested blocks carrying an i32 */
        int n = 1 + (int)pick(g, 3);
        for (int i = 0; i < n; i++) {
            op(g, 0x02);
            op(g, I32);
            uint8_t t = I32;
            push_label(g, 1, &t);
        }
        gen_value(g, I32, depth + 1);
        gen_value(g, I32, depth + 1);
        op(g, 0x0E);
        u32(g, (uint32_t)n);
        for (int i = 0; i <= n; i++)
            u32(g, pick(g, (uint32_t)n));
        for (int i = 0; i < n; i++) {
            op(g, 0x0B);
            g->nlabels--;
            if (i + 1 < n) {
                /* each outer block's value: combine with the inner one */
                gen_value(g, I32, depth + 1);
                op(g, 0x6A);
            }
        }
        op(g, 0x1A);
        return;
    }
    case 14: {          /* table.set of a leaf function or null */
        gen_value(g, I32, depth + 1);
        if (chance(g, 80)) {
            op(g, 0x41);
            put_s64(&g->code, TABLE_SIZE - 1);
            op(g, 0x71);
        }
        int leaf = -1;
        for (int f = g->nfuncs - 1; f > 0; f--)
            if (g->leaf[f] && chance(g, 60)) {
                leaf = f;
                break;
            }
        if (leaf < 0 && chance(g, 30)) {
            op(g, 0xD0);
            op(g, FUNCREF);
        } else {
            op(g, 0xD2);
            u32(g, (uint32_t)(leaf < 0 ? g->nfuncs - 1 : leaf));
        }
        op(g, 0x26);
        u32(g, 0);
        return;
    }
    default:            /* a rare trap */
        gen_value(g, I32, depth + 1);
        op(g, 0x41);
        put_s64(&g->code, 0x7);
        op(g, 0x71);
        op(g, 0x45);
        op(g, 0x04);
        op(g, 0x40);
        op(g, chance(g, 10) ? 0x00 : 0x01);
        op(g, 0x0B);
        return;
    }
}

static void gen_stmts(gen *g, int n, int depth)
{
    for (int i = 0; i < n; i++)
        gen_stmt(g, depth);
}

/* ---- functions and the module ---- */

static void gen_function(gen *g, int f, buf *out)
{
    const fn_type *ft = &g->types[g->ftype[f]];
    g->cur = f;
    g->nparams = ft->np;
    g->nlocals = 0;
    for (int i = 0; i < ft->np; i++)
        g->ltype[g->nlocals++] = ft->p[i];
    int extra = (int)pick(g, 7);
    for (int i = 0; i < extra; i++)
        g->ltype[g->nlocals++] = random_type(g);
    /* then: two loop counters, and the canonicalization scratch locals */
    g->first_counter = g->nlocals;
    g->ltype[g->nlocals++] = I32;
    g->ltype[g->nlocals++] = I32;
    g->scratch_f32 = g->nlocals;
    g->ltype[g->nlocals++] = F32;
    g->scratch_f64 = g->nlocals;
    g->ltype[g->nlocals++] = F64;
    g->scratch_v128 = g->nlocals;
    g->ltype[g->nlocals++] = V128;
    g->budget = 60 + (int)pick(g, 200);
    g->calls_left = 2;
    g->loop_depth = 0;
    g->nlabels = 0;
    push_label(g, ft->nr, ft->r);
    memset(&g->code, 0, sizeof(g->code));
    put_u32(&g->code, (uint32_t)(g->nlocals - ft->np));
    for (int i = ft->np; i < g->nlocals; i++) {
        put_u32(&g->code, 1);
        put(&g->code, g->ltype[i]);
    }
    gen_stmts(g, 1 + (int)pick(g, 6), 0);
    for (int i = 0; i < ft->nr; i++)
        gen_value(g, ft->r[i], 1);
    op(g, 0x0B);
    put_u32(out, (uint32_t)g->code.n);
    put_bytes(out, g->code.p, g->code.n);
    if (g->code.oom)
        out->oom = true;
    free(g->code.p);
    memset(&g->code, 0, sizeof(g->code));
}

int wasm_gen_module(const uint8_t *decisions, size_t n, wasm_gen_out *result)
{
    gen *g = calloc(1, sizeof(*g));
    if (!g)
        return -1;
    g->d = decisions;
    g->n = n;
    /* the import: env.h (i32) -> i32 */
    uint8_t i32 = I32;
    g->ftype[0] = type_index(g, 1, &i32, 1, &i32);
    g->nfuncs = 2 + (int)pick(g, MAX_FUNCS - 1);
    for (int f = 1; f < g->nfuncs; f++) {
        uint8_t p[6], r[4];
        int np = (int)pick(g, 5), nr = (int)pick(g, 3);
        for (int i = 0; i < np; i++)
            p[i] = random_type(g);
        for (int i = 0; i < nr; i++)
            r[i] = random_type(g);
        g->ftype[f] = type_index(g, np, p, nr, r);
        /* the last functions call nothing: they fill the table */
        g->leaf[f] = f >= g->nfuncs - 2 || chance(g, 20);
    }
    static const uint8_t gt[6] = { I32, I64, F32, F64, V128, I32 };
    memcpy(g->gtype, gt, 6);

    buf code = { 0 };
    put_u32(&code, (uint32_t)(g->nfuncs - 1));
    for (int f = 1; f < g->nfuncs; f++)
        gen_function(g, f, &code);

    buf out = { 0 }, sec = { 0 };
    put_bytes(&out, "\0asm\1\0\0\0", 8);
    /* types (complete now: block types were added while generating) */
    put_u32(&sec, (uint32_t)g->ntypes);
    for (int i = 0; i < g->ntypes; i++) {
        put(&sec, 0x60);
        put_u32(&sec, g->types[i].np);
        put_bytes(&sec, g->types[i].p, g->types[i].np);
        put_u32(&sec, g->types[i].nr);
        put_bytes(&sec, g->types[i].r, g->types[i].nr);
    }
    put_section(&out, 1, &sec);
    put_u32(&sec, 1);
    put_name(&sec, "env");
    put_name(&sec, "h");
    put(&sec, 0);
    put_u32(&sec, (uint32_t)g->ftype[0]);
    put_section(&out, 2, &sec);
    put_u32(&sec, (uint32_t)(g->nfuncs - 1));
    for (int f = 1; f < g->nfuncs; f++)
        put_u32(&sec, (uint32_t)g->ftype[f]);
    put_section(&out, 3, &sec);
    /* table: funcref, TABLE_SIZE..2*TABLE_SIZE */
    put_u32(&sec, 1);
    put(&sec, FUNCREF);
    put(&sec, 1);
    put_u32(&sec, TABLE_SIZE);
    put_u32(&sec, 2 * TABLE_SIZE);
    put_section(&out, 4, &sec);
    /* memory: 1..2 pages */
    put_u32(&sec, 1);
    put(&sec, 1);
    put_u32(&sec, 1);
    put_u32(&sec, 2);
    put_section(&out, 5, &sec);
    /* globals: mutable i32 i64 f32 f64 v128, an immutable i32 */
    put_u32(&sec, 6);
    for (int i = 0; i < 6; i++) {
        put(&sec, gt[i]);
        put(&sec, i < 5);
        switch (gt[i]) {
        case I32: put(&sec, 0x41); put_s64(&sec, i == 5 ? 0x12345 : -7); break;
        case I64: put(&sec, 0x42); put_s64(&sec, 0x123456789abcdefll); break;
        case F32: { uint32_t v = 0x40490fdb; put(&sec, 0x43); put_bytes(&sec, &v, 4); break; }
        case F64: { uint64_t v = 0x400921fb54442d18ull; put(&sec, 0x44); put_bytes(&sec, &v, 8); break; }
        default: {
            uint8_t v[16];
            for (int k = 0; k < 16; k++)
                v[k] = (uint8_t)(k * 17);
            put(&sec, 0xFD);
            put_u32(&sec, 0x0C);
            put_bytes(&sec, v, 16);
            break;
        }
        }
        put(&sec, 0x0B);
    }
    put_section(&out, 6, &sec);
    /* exports: f1.. fN, mem, g0..g5 */
    put_u32(&sec, (uint32_t)(g->nfuncs - 1 + 1 + 6));
    for (int f = 1; f < g->nfuncs; f++) {
        char name[8] = { 'f', (char)('0' + f), 0 };
        put_name(&sec, name);
        put(&sec, 0);
        put_u32(&sec, (uint32_t)f);
    }
    put_name(&sec, "mem");
    put(&sec, 2);
    put_u32(&sec, 0);
    for (int i = 0; i < 6; i++) {
        char name[8] = { 'g', (char)('0' + i), 0 };
        put_name(&sec, name);
        put(&sec, 3);
        put_u32(&sec, (uint32_t)i);
    }
    put_section(&out, 7, &sec);
    /* elements: the leaf functions and the import at 0 */
    int leaves[MAX_FUNCS], nl = 0;
    for (int f = 1; f < g->nfuncs; f++)
        if (g->leaf[f])
            leaves[nl++] = f;
    put_u32(&sec, 1);
    put(&sec, 0);
    put(&sec, 0x41);
    put_s64(&sec, 0);
    put(&sec, 0x0B);
    put_u32(&sec, (uint32_t)(nl + 1));
    put_u32(&sec, 0);
    for (int i = 0; i < nl; i++)
        put_u32(&sec, (uint32_t)leaves[i]);
    put_section(&out, 9, &sec);
    put_section(&out, 10, &code);
    /* data: 64 bytes at 0 */
    put_u32(&sec, 1);
    put(&sec, 0);
    put(&sec, 0x41);
    put_s64(&sec, 0);
    put(&sec, 0x0B);
    put_u32(&sec, 64);
    for (int i = 0; i < 64; i++)
        put(&sec, (uint8_t)(i * 37 + 11));
    put_section(&out, 11, &sec);
    bool oom = out.oom || sec.oom || code.oom;
    free(g);
    if (oom) {
        free(out.p);
        return -1;
    }
    result->bytes = out.p;
    result->size = out.n;
    return 0;
}
