/*
 * runtime/jit/jit_simd_ops.c — SIMD operations that take an instruction
 * sequence on SSE4.1: negation, population count, all_true and bitmask,
 * shifts (there are no byte shifts, nor a 64-bit arithmetic one), bitselect,
 * pairwise and extending arithmetic, i64x2 multiply and abs, float min/max
 * with Wasm's NaN and signed-zero rules (§4.3.3 fmin/fmax: NaN lanes become
 * the canonical NaN), and the float/integer conversions with saturation.
 */
#include "jit_simd.h"



/* Pops one operand; returns its register and picks a destination. */
static uint8_t un(jit_compiler *c, jv *a, uint8_t *d)
{
    *a = jit_pop(c);
    uint8_t ar = jit_vreg(c, a);
    *d = jit_vdest(c, WASM_V128, a);
    return ar;
}

static void done(jit_compiler *c, uint8_t d)
{
    jit_push_result(c, WASM_V128, d);
}

static x64_mem k128(jit_compiler *c, int bytes, uint64_t v)
{
    return jit_vsplat_const(c, bytes, v);
}

/* d = 0 - a (lane size 1, 2, 4, 8). */
static void neg(jit_compiler *c, int size)
{
    static const uint8_t psub[] = { 0, 0xF8, 0xF9, 0, 0xFA, 0, 0, 0, 0xFB };
    jv a;
    uint8_t d;
    uint8_t ar = un(c, &a, &d);
    uint8_t z = jit_alloc_xmm(c);
    x64_sse(&c->b, OP_PXOR, z, x64_r(z), -1);
    jit_v3(c, P66(M0F, psub[size]), d, z, ar);
    done(c, d);
}

static void popcnt(jit_compiler *c)
{
    jv a;
    uint8_t d;
    uint8_t ar = un(c, &a, &d);
    uint8_t lo = jit_alloc_xmm(c), hi = jit_alloc_xmm(c), tab = jit_alloc_xmm(c);
    x64_mem nib = k128(c, 1, 0x0F);
    jit_vop(c, OP_PAND, lo, ar, x64_m(nib), -1);
    jit_vshift_imm(c, 0x71, 2, hi, ar, 4);                       /* psrlw 4 */
    jit_vop(c, OP_PAND, hi, hi, x64_m(nib), -1);
    x64_movdqu_load(&c->b, tab, jit_const128(c, 0x0302020102010100ull, 0x0403030203020201ull));
    jit_v3(c, OP_PSHUFB, lo, tab, lo);
    jit_v3(c, OP_PSHUFB, hi, tab, hi);
    jit_v3(c, P66(M0F, 0xFC), d, lo, hi);                        /* paddb */
    done(c, d);
}

/* all_true: no lane equals zero. */
static void all_true(jit_compiler *c, x64_sseop pcmpeq)
{
    jv a = jit_pop(c);
    uint8_t ar = jit_vreg(c, &a);
    uint8_t t = jit_alloc_xmm(c);
    x64_sse(&c->b, OP_PXOR, t, x64_r(t), -1);
    jit_v3(c, pcmpeq, t, t, ar);
    x64_sse(&c->b, OP_PTEST, t, x64_r(t), -1);
    jit_push_cmp(c, X64_E, 0);
}

static void bitmask(jit_compiler *c, int size)
{
    jv a = jit_pop(c);
    uint8_t ar = jit_vreg(c, &a);
    uint8_t d = jit_result_hint(c, WASM_I32);
    if (d == X64_NOREG)
        d = jit_alloc_gpr(c);
    switch (size) {
    case 1:
        x64_sse(&c->b, P66(M0F, 0xD7), d, x64_r(ar), -1);      /* pmovmskb */
        break;
    case 2:
        jit_v3(c, P66(M0F, 0x63), JIT_XTMP, ar, ar);           /* packsswb */
        x64_sse(&c->b, P66(M0F, 0xD7), d, x64_r(JIT_XTMP), -1);
        x64_movzx_rr(&c->b, 1, d, d);
        break;
    case 4:
        x64_sse(&c->b, X64_SSE(X64_PP_NONE, M0F, 0x50), d, x64_r(ar), -1);   /* movmskps */
        break;
    default:
        x64_sse(&c->b, P66(M0F, 0x50), d, x64_r(ar), -1);      /* movmskpd */
        break;
    }
    jit_push_result(c, WASM_I32, d);
}

/* ---- shifts ---- */

/* kind: 0 shl, 1 shr_s, 2 shr_u */
static void shift(jit_compiler *c, int size, int kind)
{
    /* by register count (F1.. forms) and by immediate (71/72/73 /digit) */
    static const uint8_t by_reg[3][9] = {
        { 0, 0, 0xF1, 0, 0xF2, 0, 0, 0, 0xF3 },
        { 0, 0, 0xE1, 0, 0xE2, 0, 0, 0, 0 },
        { 0, 0, 0xD1, 0, 0xD2, 0, 0, 0, 0xD3 },
    };
    static const uint8_t digit[3] = { 6, 4, 2 };
    uint8_t imm_op = size == 2 ? 0x71 : size == 4 ? 0x72 : 0x73;
    jv cnt = jit_pop(c);
    jv a = jit_pop(c);
    uint8_t ar = jit_vreg(c, &a);
    uint8_t d = jit_vdest(c, WASM_V128, &a);
    unsigned bits = (unsigned)size * 8;
    bool constant = cnt.kind == JV_CONST;
    uint8_t n = (uint8_t)(cnt.c[0] & (bits - 1));
    uint8_t t = 0;
    if (!constant) {
        /* count & (bits - 1) into an XMM register */
        uint8_t r = jit_in_reg(c, &cnt);
        x64_mov_rr(&c->b, false, JIT_TMP, r);
        x64_alu_ri(&c->b, X64_AND, false, JIT_TMP, (int32_t)(bits - 1));
        if (size == 1 && kind == 1)
            x64_alu_ri(&c->b, X64_ADD, false, JIT_TMP, 8);
        t = jit_alloc_xmm(c);
        x64_movq_xr(&c->b, false, t, JIT_TMP);
    }
    if (size == 1) {
        if (kind == 1) {
            /* bytes to words (byte in the high half), arithmetic shift by n + 8, pack */
            uint8_t lo = jit_alloc_xmm(c), hi = jit_alloc_xmm(c);
            jit_v3(c, P66(M0F, 0x60), lo, ar, ar);                /* punpcklbw */
            jit_v3(c, P66(M0F, 0x68), hi, ar, ar);                /* punpckhbw */
            if (constant) {
                jit_vshift_imm(c, 0x71, 4, lo, lo, (uint8_t)(n + 8));
                jit_vshift_imm(c, 0x71, 4, hi, hi, (uint8_t)(n + 8));
            } else {
                jit_v3(c, P66(M0F, 0xE1), lo, lo, t);
                jit_v3(c, P66(M0F, 0xE1), hi, hi, t);
            }
            jit_v3(c, P66(M0F, 0x63), d, lo, hi);                 /* packsswb */
            done(c, d);
            return;
        }
        /* word shift, then clear the bits that crossed from the neighbour byte */
        if (constant) {
            jit_vshift_imm(c, 0x71, digit[kind], d, ar, n);
            uint8_t keep = kind == 0 ? (uint8_t)(0xFF << n) : (uint8_t)(0xFF >> n);
            jit_vop(c, OP_PAND, d, d, x64_m(k128(c, 1, keep)), -1);
        } else {
            uint8_t m = jit_alloc_xmm(c);
            jit_v3(c, P66(M0F, by_reg[kind][2]), d, ar, t);
            x64_sse(&c->b, OP_PCMPEQD, m, x64_r(m), -1);          /* all ones */
            jit_v3(c, P66(M0F, by_reg[kind][2]), m, m, t);
            /* the wanted byte mask: byte 0 (shl) or byte 1 (shr) of each word */
            jit_vop(c, OP_PSHUFB, m, m, x64_m(k128(c, 1, kind == 0 ? 0 : 1)), -1);
            jit_v3(c, OP_PAND, d, d, m);
        }
        done(c, d);
        return;
    }
    if (size == 8 && kind == 1) {
        /* ((a ^ s) >>u n) ^ s, s = the sign of each lane */
        uint8_t s = jit_alloc_xmm(c), x = jit_alloc_xmm(c);
        jit_vshift_imm(c, 0x72, 4, s, ar, 31);                    /* psrad 31 */
        jit_vunary(c, OP_PSHUFD, s, x64_r(s), 0xF5);
        jit_v3(c, OP_PXOR, x, ar, s);
        if (constant)
            jit_vshift_imm(c, 0x73, 2, x, x, n);
        else
            jit_v3(c, P66(M0F, 0xD3), x, x, t);
        jit_v3(c, OP_PXOR, d, x, s);
        done(c, d);
        return;
    }
    if (constant)
        jit_vshift_imm(c, imm_op, digit[kind], d, ar, n);
    else
        jit_v3(c, P66(M0F, by_reg[kind][size]), d, ar, t);
    done(c, d);
}

/* ---- lane-widening arithmetic ---- */

/* dst = widened half of a (high: upper 8 bytes), signed or unsigned;
 * from: lane size 1, 2, 4. */
static void widen(jit_compiler *c, uint8_t dst, uint8_t a, int from, bool high, bool is_signed)
{
    static const uint8_t sx[] = { 0, 0x20, 0x23, 0, 0x25 }, zx[] = { 0, 0x30, 0x33, 0, 0x35 };
    uint8_t src = a;
    if (high) {
        jit_vunary(c, OP_PSHUFD, dst, x64_r(a), 0xEE);
        src = dst;
    }
    jit_vunary(c, P66(M38, is_signed ? sx[from] : zx[from]), dst, x64_r(src), -1);
}

static void extend_high(jit_compiler *c, int from, bool is_signed)
{
    jv a;
    uint8_t d;
    uint8_t ar = un(c, &a, &d);
    widen(c, d, ar, from, true, is_signed);
    done(c, d);
}

static void extmul(jit_compiler *c, int from, bool high, bool is_signed)
{
    jv b = jit_pop(c);
    jv a = jit_pop(c);
    uint8_t ar = jit_vreg(c, &a), br = jit_vreg(c, &b);
    uint8_t x = jit_alloc_xmm(c), y = jit_alloc_xmm(c);
    uint8_t d = jit_vdest(c, WASM_V128, NULL);
    if (from == 4) {
        /* pmuldq/pmuludq multiply dwords 0 and 2 into qwords */
        uint8_t sel = high ? 0xFA : 0x50;
        jit_vunary(c, OP_PSHUFD, x, x64_r(ar), sel);
        jit_vunary(c, OP_PSHUFD, y, x64_r(br), sel);
        jit_v3(c, is_signed ? P66(M38, 0x28) : P66(M0F, 0xF4), d, x, y);
    } else {
        widen(c, x, ar, from, high, is_signed);
        widen(c, y, br, from, high, is_signed);
        jit_v3(c, from == 1 ? P66(M0F, 0xD5) : P66(M38, 0x40), d, x, y);    /* pmullw / pmulld */
    }
    done(c, d);
}

static void extadd_pairwise(jit_compiler *c, uint32_t sub)
{
    jv a;
    uint8_t d;
    uint8_t ar = un(c, &a, &d);
    switch (sub) {
    case 0x7C: {    /* i8 signed: pmaddubsw(1 (unsigned), a (signed)) */
        uint8_t ones = jit_alloc_xmm(c);
        x64_movdqu_load(&c->b, ones, k128(c, 1, 1));
        jit_v3(c, P66(M38, 0x04), d, ones, ar);
        break;
    }
    case 0x7D:      /* i8 unsigned: pmaddubsw(a (unsigned), 1 (signed)) */
        jit_vop(c, P66(M38, 0x04), d, ar, x64_m(k128(c, 1, 1)), -1);
        break;
    case 0x7E:      /* i16 signed: pmaddwd(a, 1) */
        jit_vop(c, P66(M0F, 0xF5), d, ar, x64_m(k128(c, 2, 1)), -1);
        break;
    default:        /* i16 unsigned: bias to signed, pmaddwd, unbias */
        jit_vop(c, OP_PXOR, d, ar, x64_m(k128(c, 2, 0x8000)), -1);
        jit_vop(c, P66(M0F, 0xF5), d, d, x64_m(k128(c, 2, 1)), -1);
        jit_vop(c, P66(M0F, 0xFE), d, d, x64_m(k128(c, 4, 0x10000)), -1);
        break;
    }
    done(c, d);
}

static void bitselect(jit_compiler *c)
{
    jv m = jit_pop(c);
    jv b = jit_pop(c);
    jv a = jit_pop(c);
    uint8_t ar = jit_vreg(c, &a), br = jit_vreg(c, &b);
    x64_rm mrm = jit_vrm(c, &m);
    uint8_t d = jit_vdest(c, WASM_V128, NULL);
    /* ((a ^ b) & m) ^ b */
    uint8_t t = jit_alloc_xmm(c);
    jit_v3(c, OP_PXOR, t, ar, br);
    jit_vop(c, OP_PAND, t, t, mrm, -1);
    jit_v3(c, OP_PXOR, d, t, br);
    done(c, d);
}

static void q15mulr(jit_compiler *c)
{
    jv b = jit_pop(c);
    jv a = jit_pop(c);
    uint8_t ar = jit_vreg(c, &a);
    x64_rm brm = jit_vrm(c, &b);
    uint8_t d = jit_vdest(c, WASM_V128, &a);
    jit_vop(c, P66(M38, 0x0B), d, ar, brm, -1);                  /* pmulhrsw */
    /* 0x8000 * 0x8000 overflows to 0x8000: make it 0x7fff */
    jit_vop(c, OP_PCMPEQW, JIT_XTMP, d, x64_m(k128(c, 2, 0x8000)), -1);
    jit_v3(c, OP_PXOR, d, d, JIT_XTMP);
    done(c, d);
}

static void abs64(jit_compiler *c)
{
    jv a;
    uint8_t d;
    uint8_t ar = un(c, &a, &d);
    uint8_t s = jit_alloc_xmm(c);
    jit_vshift_imm(c, 0x72, 4, s, ar, 31);
    jit_vunary(c, OP_PSHUFD, s, x64_r(s), 0xF5);
    jit_v3(c, OP_PXOR, d, ar, s);
    jit_v3(c, P66(M0F, 0xFB), d, d, s);                          /* psubq */
    done(c, d);
}

static void mul64(jit_compiler *c)
{
    jv b = jit_pop(c);
    jv a = jit_pop(c);
    uint8_t ar = jit_vreg(c, &a), br = jit_vreg(c, &b);
    uint8_t x = jit_alloc_xmm(c), y = jit_alloc_xmm(c);
    uint8_t d = jit_vdest(c, WASM_V128, NULL);
    x64_sseop pmuludq = P66(M0F, 0xF4), paddq = P66(M0F, 0xD4);
    jit_vshift_imm(c, 0x73, 2, x, ar, 32);          /* hi(a) */
    jit_v3(c, pmuludq, x, x, br);                   /* hi(a) * lo(b) */
    jit_vshift_imm(c, 0x73, 2, y, br, 32);          /* hi(b) */
    jit_v3(c, pmuludq, y, y, ar);                   /* hi(b) * lo(a) */
    jit_v3(c, paddq, x, x, y);
    jit_vshift_imm(c, 0x73, 6, x, x, 32);
    jit_v3(c, pmuludq, d, ar, br);                  /* lo * lo */
    jit_v3(c, paddq, d, d, x);
    done(c, d);
}

/* ---- floating point ---- */

static void fsign(jit_compiler *c, bool f64, bool negate)
{
    jv a;
    uint8_t d;
    uint8_t ar = un(c, &a, &d);
    uint64_t sign = f64 ? 0x8000000000000000ull : 0x80000000ull;
    int bytes = f64 ? 8 : 4;
    if (negate)
        jit_vop(c, OP_PXOR, d, ar, x64_m(k128(c, bytes, sign)), -1);
    else
        jit_vop(c, OP_PAND, d, ar, x64_m(k128(c, bytes, ~sign)), -1);
    done(c, d);
}

/* min: both orders of minps or'ed (-0 wins); max: both orders and'ed (+0
 * wins); then NaN lanes become the canonical NaN. */
static void fminmax(jit_compiler *c, bool f64, bool max)
{
    jv b = jit_pop(c);
    jv a = jit_pop(c);
    uint8_t ar = jit_vreg(c, &a), br = jit_vreg(c, &b);
    uint8_t pp = f64 ? X64_PP_66 : X64_PP_NONE;
    x64_sseop op = X64_SSE(pp, M0F, max ? 0x5F : 0x5D);
    uint8_t r = jit_alloc_xmm(c), u = jit_alloc_xmm(c);
    uint8_t d = jit_vdest(c, WASM_V128, NULL);
    jit_v3(c, op, r, ar, br);
    jit_v3(c, op, u, br, ar);
    jit_v3(c, X64_SSE(pp, M0F, max ? 0x54 : 0x56), r, r, u);      /* and / or */
    jit_vop(c, X64_SSE(pp, M0F, 0xC2), u, ar, x64_r(br), 3);      /* unordered */
    jit_v3(c, X64_SSE(pp, M0F, 0x56), r, r, u);
    jit_vshift_imm(c, f64 ? 0x73 : 0x72, 2, u, u, f64 ? 13 : 10);  /* payload bits */
    jit_v3(c, X64_SSE(pp, M0F, 0x55), d, u, r);                   /* andn */
    done(c, d);
}

static void trunc_sat_f32(jit_compiler *c, bool is_signed)
{
    jv a;
    uint8_t d;
    uint8_t ar = un(c, &a, &d);
    x64_sseop cmpps = X64_SSE(X64_PP_NONE, M0F, 0xC2), cvttps2dq = X64_SSE(X64_PP_F3, M0F, 0x5B);
    uint8_t x = jit_alloc_xmm(c), m = jit_alloc_xmm(c);
    x64_mem two31 = k128(c, 4, 0x4F000000);         /* 2^31 as f32 */
    if (is_signed) {
        jit_vop(c, cmpps, x, ar, x64_r(ar), 0);                  /* ordered lanes */
        jit_v3(c, X64_SSE(X64_PP_NONE, M0F, 0x54), x, x, ar);    /* NaN -> 0 */
        x64_movdqu_load(&c->b, m, two31);
        jit_vop(c, cmpps, m, m, x64_r(x), 2);                    /* 2^31 <= x */
        jit_vunary(c, cvttps2dq, d, x64_r(x), -1);
        jit_v3(c, OP_PXOR, d, d, m);                             /* 0x80000000 -> 0x7fffffff */
        done(c, d);
        return;
    }
    uint8_t h = jit_alloc_xmm(c);
    x64_sse(&c->b, OP_PXOR, h, x64_r(h), -1);
    jit_v3(c, X64_SSE(X64_PP_NONE, M0F, 0x5F), x, ar, h);       /* max(a, 0): NaN, negatives -> 0 */
    x64_movdqu_load(&c->b, m, two31);
    jit_vop(c, cmpps, m, m, x64_r(x), 2);                        /* 2^31 <= x */
    jit_vop(c, X64_SSE(X64_PP_NONE, M0F, 0x54), h, m, x64_m(two31), -1);
    jit_v3(c, X64_SSE(X64_PP_NONE, M0F, 0x5C), h, x, h);        /* x - 2^31 where big */
    jit_vunary(c, cvttps2dq, d, x64_r(h), -1);
    jit_vshift_imm(c, 0x72, 6, m, m, 31);                        /* 0x80000000 where big */
    jit_v3(c, OP_POR, d, d, m);
    x64_movdqu_load(&c->b, m, k128(c, 4, 0x4F800000));           /* 2^32 */
    jit_vop(c, cmpps, m, m, x64_r(x), 2);                        /* overflow */
    jit_v3(c, OP_POR, d, d, m);
    done(c, d);
}

static void trunc_sat_f64(jit_compiler *c, bool is_signed)
{
    jv a;
    uint8_t d;
    uint8_t ar = un(c, &a, &d);
    uint8_t x = jit_alloc_xmm(c), z = jit_alloc_xmm(c);
    if (is_signed) {
        jit_vop(c, P66(M0F, 0xC2), x, ar, x64_r(ar), 0);             /* ordered */
        jit_v3(c, P66(M0F, 0x54), x, x, ar);
        jit_vop(c, P66(M0F, 0x5D), x, x, x64_m(k128(c, 8, 0x41DFFFFFFFC00000ull)), -1);  /* min 2^31-1 */
        jit_vunary(c, P66(M0F, 0xE6), d, x64_r(x), -1);              /* cvttpd2dq */
        done(c, d);
        return;
    }
    x64_sse(&c->b, OP_PXOR, z, x64_r(z), -1);
    jit_v3(c, P66(M0F, 0x5F), x, ar, z);                             /* max(a, 0) */
    jit_vop(c, P66(M0F, 0x5D), x, x, x64_m(k128(c, 8, 0x41EFFFFFFFE00000ull)), -1);      /* min 2^32-1 */
    jit_vunary(c, P66(M3A, 0x09), x, x64_r(x), 3 | 8);              /* truncate */
    jit_vop(c, P66(M0F, 0x58), x, x, x64_m(k128(c, 8, 0x4330000000000000ull)), -1);      /* + 2^52 */
    jit_vop(c, X64_SSE(X64_PP_NONE, M0F, 0xC6), d, x, x64_r(z), 0x88);                    /* shufps */
    done(c, d);
}

static void convert_u32_f32(jit_compiler *c)
{
    jv a;
    uint8_t d;
    uint8_t ar = un(c, &a, &d);
    x64_sseop cvt = X64_SSE(X64_PP_NONE, M0F, 0x5B);
    uint8_t lo = jit_alloc_xmm(c), hi = jit_alloc_xmm(c);
    jit_vop(c, OP_PAND, lo, ar, x64_m(k128(c, 4, 0xFFFF)), -1);
    jit_vshift_imm(c, 0x72, 2, hi, ar, 16);
    jit_vunary(c, cvt, hi, x64_r(hi), -1);
    jit_vop(c, X64_SSE(X64_PP_NONE, M0F, 0x59), hi, hi, x64_m(k128(c, 4, 0x47800000)), -1);   /* * 65536 */
    jit_vunary(c, cvt, lo, x64_r(lo), -1);
    jit_v3(c, X64_SSE(X64_PP_NONE, M0F, 0x58), d, hi, lo);
    done(c, d);
}

static void convert_low_u32_f64(jit_compiler *c)
{
    jv a;
    uint8_t d;
    uint8_t ar = un(c, &a, &d);
    jit_vop(c, P66(M0F, 0x62), d, ar, x64_m(k128(c, 4, 0x43300000)), -1);                   /* punpckldq */
    jit_vop(c, P66(M0F, 0x5C), d, d, x64_m(k128(c, 8, 0x4330000000000000ull)), -1);          /* - 2^52 */
    done(c, d);
}

bool jit_simd_compound(jit_compiler *c, uint32_t sub)
{
    switch (sub) {
    case 0x52: bitselect(c); return true;
    case 0x61: neg(c, 1); return true;
    case 0x62: popcnt(c); return true;
    case 0x63: all_true(c, OP_PCMPEQB); return true;
    case 0x64: bitmask(c, 1); return true;
    case 0x6B: shift(c, 1, 0); return true;
    case 0x6C: shift(c, 1, 1); return true;
    case 0x6D: shift(c, 1, 2); return true;
    case 0x7C: case 0x7D: case 0x7E: case 0x7F: extadd_pairwise(c, sub); return true;
    case 0x81: neg(c, 2); return true;
    case 0x82: q15mulr(c); return true;
    case 0x83: all_true(c, OP_PCMPEQW); return true;
    case 0x84: bitmask(c, 2); return true;
    case 0x88: extend_high(c, 1, true); return true;
    case 0x8A: extend_high(c, 1, false); return true;
    case 0x8B: shift(c, 2, 0); return true;
    case 0x8C: shift(c, 2, 1); return true;
    case 0x8D: shift(c, 2, 2); return true;
    case 0x9C: extmul(c, 1, false, true); return true;
    case 0x9D: extmul(c, 1, true, true); return true;
    case 0x9E: extmul(c, 1, false, false); return true;
    case 0x9F: extmul(c, 1, true, false); return true;
    case 0xA1: neg(c, 4); return true;
    case 0xA3: all_true(c, OP_PCMPEQD); return true;
    case 0xA4: bitmask(c, 4); return true;
    case 0xA8: extend_high(c, 2, true); return true;
    case 0xAA: extend_high(c, 2, false); return true;
    case 0xAB: shift(c, 4, 0); return true;
    case 0xAC: shift(c, 4, 1); return true;
    case 0xAD: shift(c, 4, 2); return true;
    case 0xBC: extmul(c, 2, false, true); return true;
    case 0xBD: extmul(c, 2, true, true); return true;
    case 0xBE: extmul(c, 2, false, false); return true;
    case 0xBF: extmul(c, 2, true, false); return true;
    case 0xC0: abs64(c); return true;
    case 0xC1: neg(c, 8); return true;
    case 0xC3: all_true(c, P66(M38, 0x29)); return true;
    case 0xC4: bitmask(c, 8); return true;
    case 0xC8: extend_high(c, 4, true); return true;
    case 0xCA: extend_high(c, 4, false); return true;
    case 0xCB: shift(c, 8, 0); return true;
    case 0xCC: shift(c, 8, 1); return true;
    case 0xCD: shift(c, 8, 2); return true;
    case 0xD5: mul64(c); return true;
    case 0xDC: extmul(c, 4, false, true); return true;
    case 0xDD: extmul(c, 4, true, true); return true;
    case 0xDE: extmul(c, 4, false, false); return true;
    case 0xDF: extmul(c, 4, true, false); return true;
    case 0xE0: fsign(c, false, false); return true;
    case 0xE1: fsign(c, false, true); return true;
    case 0xE8: fminmax(c, false, false); return true;
    case 0xE9: fminmax(c, false, true); return true;
    case 0xEC: fsign(c, true, false); return true;
    case 0xED: fsign(c, true, true); return true;
    case 0xF4: fminmax(c, true, false); return true;
    case 0xF5: fminmax(c, true, true); return true;
    case 0xF8: trunc_sat_f32(c, true); return true;
    case 0xF9: trunc_sat_f32(c, false); return true;
    case 0xFB: convert_u32_f32(c); return true;
    case 0xFC: trunc_sat_f64(c, true); return true;
    case 0xFD: trunc_sat_f64(c, false); return true;
    case 0xFF: convert_low_u32_f64(c); return true;
    default: return false;
    }
}
