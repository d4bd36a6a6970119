/*
 * runtime/jit/jit_ops_float.c — f32 and f64 instructions (Wasm 2.0 §4.3.3)
 * and the conversions between numeric types (§4.3.4), including the
 * trapping and saturating float-to-integer truncations.
 *
 * Scalar SSE does most of it directly (with the AVX three-operand forms when
 * the CPU has AVX). Wasm's min/max differ from minss/maxss for NaN and
 * signed zeros, and x86's truncations return one "integer indefinite" value
 * for every invalid input, so both get a short check sequence around them.
 */
#include "jit_internal.h"

#define SSE(pp, op) X64_SSE(pp, X64_MAP_0F, op)

/* pp byte of scalar ops: F3 for f32, F2 for f64. */
static uint8_t spp(bool f64) { return f64 ? X64_PP_F2 : X64_PP_F3; }
/* pp of packed/logical ops: none for f32 (ps), 66 for f64 (pd). */
static uint8_t ppp(bool f64) { return f64 ? X64_PP_66 : X64_PP_NONE; }

void jit_vop(jit_compiler *c, x64_sseop op, uint8_t dst, uint8_t a, x64_rm b, int imm)
{
    if (c->features & JIT_F_AVX) {
        x64_vex(&c->b, op, false, dst, a, b, imm);
        return;
    }
    if (dst == a) {
        x64_sse(&c->b, op, dst, b, imm);
    } else if (b.is_reg && b.reg == dst) {
        x64_movaps_rr(&c->b, JIT_XTMP, a);
        x64_sse(&c->b, op, JIT_XTMP, b, imm);
        x64_movaps_rr(&c->b, dst, JIT_XTMP);
    } else {
        x64_movaps_rr(&c->b, dst, a);
        x64_sse(&c->b, op, dst, b, imm);
    }
}

/* The XMM register of a value (constants loaded). */
static uint8_t xreg(jit_compiler *c, jv *v)
{
    return jit_in_reg(c, v);
}

/* b as an r/m operand: a register, or memory when it lives in the frame. */
static x64_rm xrm(jit_compiler *c, jv *v)
{
    if (v->kind == JV_CONST)
        return x64_r(jit_in_reg(c, v));
    return jit_rm(c, v);
}

static uint8_t xdest(jit_compiler *c, uint8_t type, const jv *a)
{
    uint8_t d = jit_result_hint(c, type);
    if (d != X64_NOREG)
        return d;
    if (a->kind == JV_REG)
        return a->reg;
    return jit_alloc_xmm(c);
}

/* dst = a op b for a scalar arithmetic opcode byte (58 add, 5C sub, ...). */
static void farith(jit_compiler *c, uint8_t opc, bool f64)
{
    uint8_t t = f64 ? WASM_F64 : WASM_F32;
    jv b = jit_pop(c);
    jv a = jit_pop(c);
    uint8_t ar = xreg(c, &a);
    x64_rm brm = xrm(c, &b);
    uint8_t d = xdest(c, t, &a);
    jit_vop(c, SSE(spp(f64), opc), d, ar, brm, -1);
    jit_push_result(c, t, d);
}

static void fsqrt(jit_compiler *c, bool f64)
{
    uint8_t t = f64 ? WASM_F64 : WASM_F32;
    jv a = jit_pop(c);
    x64_rm arm = xrm(c, &a);
    uint8_t d = xdest(c, t, &a);
    uint8_t upper = arm.is_reg ? arm.reg : d;
    jit_vop(c, SSE(spp(f64), 0x51), d, upper, arm, -1);
    jit_push_result(c, t, d);
}

/* roundss/roundsd with mode: 0 nearest, 1 floor, 2 ceil, 3 trunc (no
 * precision exception). */
static void fround(jit_compiler *c, bool f64, int mode)
{
    uint8_t t = f64 ? WASM_F64 : WASM_F32;
    jv a = jit_pop(c);
    x64_rm arm = xrm(c, &a);
    uint8_t d = xdest(c, t, &a);
    uint8_t upper = arm.is_reg ? arm.reg : d;
    x64_sseop op = X64_SSE(X64_PP_66, X64_MAP_0F3A, f64 ? 0x0B : 0x0A);
    jit_vop(c, op, d, upper, arm, 8 | mode);
    jit_push_result(c, t, d);
}

/* abs, neg, copysign: bit operations with sign masks. */
static void fsign(jit_compiler *c, int which, bool f64)
{
    uint8_t t = f64 ? WASM_F64 : WASM_F32;
    uint64_t sign = f64 ? 0x8000000000000000ull : 0x80000000u;
    if (which == 2) {   /* copysign: (a & ~sign) | (b & sign) */
        jv b = jit_pop(c);
        jv a = jit_pop(c);
        uint8_t ar = xreg(c, &a);
        uint8_t br = xreg(c, &b);
        uint8_t tmp = jit_alloc_xmm(c);
        uint8_t d = xdest(c, t, &a);
        jit_vop(c, SSE(ppp(f64), 0x54), tmp, br, x64_m(jit_const128(c, sign, 0)), -1);   /* and */
        jit_vop(c, SSE(ppp(f64), 0x54), d, ar, x64_m(jit_const128(c, ~sign & (f64 ? ~0ull : 0xffffffffu), 0)), -1);
        jit_vop(c, SSE(ppp(f64), 0x56), d, d, x64_r(tmp), -1);                          /* or */
        jit_push_result(c, t, d);
        return;
    }
    jv a = jit_pop(c);
    uint8_t ar = xreg(c, &a);
    uint8_t d = xdest(c, t, &a);
    if (which == 0)
        jit_vop(c, SSE(ppp(f64), 0x54), d, ar, x64_m(jit_const128(c, ~sign & (f64 ? ~0ull : 0xffffffffu), 0)), -1);
    else
        jit_vop(c, SSE(ppp(f64), 0x57), d, ar, x64_m(jit_const128(c, sign, 0)), -1);
    jit_push_result(c, t, d);
}

/* min/max (§4.3.3 fmin/fmax): NaN if either is NaN; -0 < +0. */
static void fminmax(jit_compiler *c, bool max, bool f64)
{
    uint8_t t = f64 ? WASM_F64 : WASM_F32;
    jv b = jit_pop(c);
    jv a = jit_pop(c);
    uint8_t ar = xreg(c, &a);
    uint8_t br = xreg(c, &b);
    uint8_t d = jit_alloc_xmm(c);
    x64_label nan = x64_label_new(&c->b), equal = x64_label_new(&c->b), done = x64_label_new(&c->b);
    x64_sse(&c->b, X64_SSE(f64 ? X64_PP_66 : X64_PP_NONE, X64_MAP_0F, 0x2E), ar, x64_r(br), -1);  /* ucomis */
    x64_jcc(&c->b, X64_P, nan);
    x64_jcc(&c->b, X64_E, equal);
    jit_vop(c, SSE(spp(f64), max ? 0x5F : 0x5D), d, ar, x64_r(br), -1);
    x64_jmp(&c->b, done);
    x64_bind(&c->b, equal);     /* equal, or +0/-0: or for min, and for max */
    jit_vop(c, SSE(ppp(f64), max ? 0x54 : 0x56), d, ar, x64_r(br), -1);
    x64_jmp(&c->b, done);
    x64_bind(&c->b, nan);       /* the NaN operand, made quiet */
    jit_vop(c, SSE(spp(f64), 0x58), d, ar, x64_r(br), -1);
    x64_bind(&c->b, done);
    jit_push_reg(c, t, d);
}

/* Comparisons: ucomis then flags (eq/ne also look at parity). */
static void fcompare(jit_compiler *c, int which, bool f64)
{
    /* which: 0 eq, 1 ne, 2 lt, 3 gt, 4 le, 5 ge */
    jv b = jit_pop(c);
    jv a = jit_pop(c);
    bool swap = which == 2 || which == 4;
    jv *l = swap ? &b : &a, *r = swap ? &a : &b;
    uint8_t lr = xreg(c, l);
    x64_rm rrm = xrm(c, r);
    x64_sse(&c->b, X64_SSE(f64 ? X64_PP_66 : X64_PP_NONE, X64_MAP_0F, 0x2E), lr, rrm, -1);
    switch (which) {
    case 0: jit_push_cmp(c, X64_E, 1); break;
    case 1: jit_push_cmp(c, X64_NE, 2); break;
    case 2: case 3: jit_push_cmp(c, X64_A, 0); break;
    default: jit_push_cmp(c, X64_AE, 0); break;
    }
}

bool jit_op_float(jit_compiler *c, uint8_t op)
{
    if (op >= 0x5B && op <= 0x60) {
        fcompare(c, op - 0x5B, false);
        return true;
    }
    if (op >= 0x61 && op <= 0x66) {
        fcompare(c, op - 0x61, true);
        return true;
    }
    bool f64 = op >= 0x99;
    switch (op) {
    case 0x8B: case 0x99: fsign(c, 0, f64); return true;
    case 0x8C: case 0x9A: fsign(c, 1, f64); return true;
    case 0x8D: case 0x9B: fround(c, f64, 2); return true;
    case 0x8E: case 0x9C: fround(c, f64, 1); return true;
    case 0x8F: case 0x9D: fround(c, f64, 3); return true;
    case 0x90: case 0x9E: fround(c, f64, 0); return true;
    case 0x91: case 0x9F: fsqrt(c, f64); return true;
    case 0x92: case 0xA0: farith(c, 0x58, f64); return true;
    case 0x93: case 0xA1: farith(c, 0x5C, f64); return true;
    case 0x94: case 0xA2: farith(c, 0x59, f64); return true;
    case 0x95: case 0xA3: farith(c, 0x5E, f64); return true;
    case 0x96: case 0xA4: fminmax(c, false, f64); return true;
    case 0x97: case 0xA5: fminmax(c, true, f64); return true;
    case 0x98: case 0xA6: fsign(c, 2, f64); return true;
    default: return false;
    }
}

/* ---- conversions ---- */

static uint64_t f32_bits(float f) { uint32_t u; __builtin_memcpy(&u, &f, 4); return u; }
static uint64_t f64_bits(double f) { uint64_t u; __builtin_memcpy(&u, &f, 8); return u; }

/* ucomis x, constant */
static void ucomis_const(jit_compiler *c, bool f64, uint8_t x, double v)
{
    uint64_t bits = f64 ? f64_bits(v) : f32_bits((float)v);
    x64_sse(&c->b, X64_SSE(f64 ? X64_PP_66 : X64_PP_NONE, X64_MAP_0F, 0x2E), x, x64_m(jit_const128(c, bits, 0)), -1);
}

/* cvtts[sd]2si dst, x (w64: 64-bit result) */
static void cvtt(jit_compiler *c, bool f64, bool w64, uint8_t dst, uint8_t x)
{
    x64_sseop op = { spp(f64), X64_MAP_0F, 0x2C, (uint8_t)(w64 ? 1 : 0) };
    x64_sse(&c->b, op, dst, x64_r(x), -1);
}

/*
 * Float to integer truncation (§4.3.4 trunc / trunc_sat). Trapping: NaN is
 * an invalid conversion, out of range an integer overflow. Saturating: NaN
 * gives 0, out of range the nearest bound.
 */
static void truncate(jit_compiler *c, bool f64, bool to64, bool is_signed, bool sat)
{
    uint8_t rt = to64 ? WASM_I64 : WASM_I32;
    jv a = jit_pop(c);
    uint8_t x = xreg(c, &a);
    uint8_t d = jit_alloc_gpr(c);
    x64_label done = x64_label_new(&c->b), slow = x64_label_new(&c->b);
    x64_label trap_nan = sat ? 0 : jit_trap_label(c, WASM_TRAP_BAD_CONVERSION);
    x64_label trap_ovf = sat ? 0 : jit_trap_label(c, WASM_TRAP_INT_OVERFLOW);
    if (is_signed) {
        cvtt(c, f64, to64, d, x);
        x64_alu_ri(&c->b, X64_CMP, to64, d, 1);      /* overflow iff d == INT_MIN */
        x64_jcc(&c->b, X64_O, slow);
        x64_bind(&c->b, done);
        jit_push_reg(c, rt, d);
        /* out of line (after this instruction's fall-through): */
        x64_label after = x64_label_new(&c->b);
        x64_jmp(&c->b, after);
        x64_bind(&c->b, slow);
        ucomis_const(c, f64, x, 0.0);
        x64_label isnan = x64_label_new(&c->b);
        x64_jcc(&c->b, X64_P, isnan);
        if (sat) {
            /* negative: INT_MIN is right; positive: INT_MAX */
            x64_jcc(&c->b, X64_BE, done);
            x64_mov_imm(&c->b, d, to64 ? 0x7fffffffffffffffull : 0x7fffffffu);
            x64_jmp(&c->b, done);
            x64_bind(&c->b, isnan);
            x64_alu_rr(&c->b, X64_XOR, false, d, d);
            x64_jmp(&c->b, done);
        } else {
            /* INT_MIN itself is valid for inputs in (MIN - 1, MIN] */
            double lo = to64 ? -9223372036854775808.0 : (f64 ? -2147483649.0 : -2147483904.0);
            double hi = to64 ? -9223372036854775808.0 : (f64 ? -2147483647.0 : -2147483520.0);
            if (to64) {
                ucomis_const(c, f64, x, lo);
                x64_jcc(&c->b, X64_E, done);
                x64_jmp(&c->b, trap_ovf);
            } else {
                ucomis_const(c, f64, x, lo);
                x64_jcc(&c->b, X64_BE, trap_ovf);
                ucomis_const(c, f64, x, hi);
                x64_jcc(&c->b, X64_AE, trap_ovf);
                x64_jmp(&c->b, done);
            }
            x64_bind(&c->b, isnan);
            x64_jmp(&c->b, trap_nan);
        }
        x64_bind(&c->b, after);
        return;
    }
    if (!to64) {
        /* u32: through a 64-bit conversion; valid iff the high half is 0 */
        cvtt(c, f64, true, d, x);
        x64_mov_rr(&c->b, true, JIT_TMP, d);
        x64_shift_ri(&c->b, X64_SHR, true, JIT_TMP, 32);
        x64_jcc(&c->b, X64_NE, slow);
        x64_bind(&c->b, done);
        jit_push_reg(c, rt, d);
        x64_label after = x64_label_new(&c->b);
        x64_jmp(&c->b, after);
        x64_bind(&c->b, slow);
        ucomis_const(c, f64, x, 0.0);
        if (sat) {
            x64_mov_imm(&c->b, d, 0);                   /* NaN or negative */
            x64_jcc(&c->b, X64_P, done);
            x64_jcc(&c->b, X64_BE, done);
            x64_mov_imm(&c->b, d, 0xffffffffu);
            x64_jmp(&c->b, done);
        } else {
            x64_jcc(&c->b, X64_P, trap_nan);
            x64_jmp(&c->b, trap_ovf);
        }
        x64_bind(&c->b, after);
        return;
    }
    /* u64: below 2^63 directly, above after subtracting 2^63 */
    x64_label big = x64_label_new(&c->b);
    ucomis_const(c, f64, x, 9223372036854775808.0);
    x64_jcc(&c->b, X64_AE, big);
    cvtt(c, f64, true, d, x);
    x64_test_rr(&c->b, true, d, d);
    x64_jcc(&c->b, X64_S, slow);
    x64_bind(&c->b, done);
    jit_push_reg(c, rt, d);
    x64_label after = x64_label_new(&c->b);
    x64_jmp(&c->b, after);
    x64_bind(&c->b, big);
    uint64_t two63 = f64 ? f64_bits(9223372036854775808.0) : f32_bits(9223372036854775808.0f);
    x64_movaps_rr(&c->b, JIT_XTMP, x);
    x64_sse(&c->b, SSE(spp(f64), 0x5C), JIT_XTMP, x64_m(jit_const128(c, two63, 0)), -1);
    cvtt(c, f64, true, d, JIT_XTMP);
    x64_test_rr(&c->b, true, d, d);
    x64_label big_ovf = x64_label_new(&c->b);
    x64_jcc(&c->b, X64_S, big_ovf);
    x64_mov_imm(&c->b, JIT_TMP, 0x8000000000000000ull);
    x64_alu_rr(&c->b, X64_XOR, true, d, JIT_TMP);
    x64_jmp(&c->b, done);
    x64_bind(&c->b, big_ovf);
    if (sat) {
        x64_mov_imm(&c->b, d, ~0ull);
        x64_jmp(&c->b, done);
    } else {
        x64_jmp(&c->b, trap_ovf);
    }
    x64_bind(&c->b, slow);          /* NaN, or <= -1 */
    if (sat) {
        x64_mov_imm(&c->b, d, 0);
        x64_jmp(&c->b, done);
    } else {
        ucomis_const(c, f64, x, 0.0);
        x64_jcc(&c->b, X64_P, trap_nan);
        x64_jmp(&c->b, trap_ovf);
    }
    x64_bind(&c->b, after);
}

/* Integer to float (§4.3.4 convert). */
static void convert(jit_compiler *c, bool f64, bool from64, bool is_signed)
{
    uint8_t t = f64 ? WASM_F64 : WASM_F32;
    jv a = jit_pop(c);
    uint8_t r = jit_in_reg(c, &a);
    uint8_t d = jit_alloc_xmm(c);
    /* xorps first: cvtsi2s* only writes the low lane (no false dependency) */
    x64_sse(&c->b, SSE(X64_PP_NONE, 0x57), d, x64_r(d), -1);
    x64_sseop cvt = { spp(f64), X64_MAP_0F, 0x2A, 1 };
    if (!from64) {
        /* i32 values are zero-extended: signed needs the 32-bit form */
        cvt.w = is_signed ? 0 : 1;
        x64_sse(&c->b, cvt, d, x64_r(r), -1);
    } else if (is_signed) {
        x64_sse(&c->b, cvt, d, x64_r(r), -1);
    } else {
        /* u64: halve (keeping the sticky bit) when the top bit is set */
        x64_label neg = x64_label_new(&c->b), done = x64_label_new(&c->b);
        x64_test_rr(&c->b, true, r, r);
        x64_jcc(&c->b, X64_S, neg);
        x64_sse(&c->b, cvt, d, x64_r(r), -1);
        x64_jmp(&c->b, done);
        x64_bind(&c->b, neg);
        x64_mov_rr(&c->b, true, JIT_TMP, r);
        x64_shift_ri(&c->b, X64_SHR, true, JIT_TMP, 1);
        uint8_t lsb = jit_alloc_gpr(c);
        x64_mov_rr(&c->b, false, lsb, r);
        x64_alu_ri(&c->b, X64_AND, false, lsb, 1);
        x64_alu_rr(&c->b, X64_OR, true, JIT_TMP, lsb);
        x64_sse(&c->b, cvt, d, x64_r(JIT_TMP), -1);
        x64_sse(&c->b, SSE(spp(f64), 0x58), d, x64_r(d), -1);
        x64_bind(&c->b, done);
    }
    jit_push_reg(c, t, d);
}

/* f32.demote_f64 / f64.promote_f32 */
static void fconvert(jit_compiler *c, bool to64)
{
    jv a = jit_pop(c);
    x64_rm arm = xrm(c, &a);
    uint8_t d = jit_alloc_xmm(c);
    x64_sse(&c->b, SSE(X64_PP_NONE, 0x57), d, x64_r(d), -1);
    x64_sse(&c->b, SSE(to64 ? X64_PP_F3 : X64_PP_F2, 0x5A), d, arm, -1);
    jit_push_reg(c, to64 ? WASM_F64 : WASM_F32, d);
}

/* Reinterpretations: the same bits in the other register file. */
static void reinterpret(jit_compiler *c, uint8_t to)
{
    jv a = jit_pop(c);
    bool w64 = to == WASM_I64 || to == WASM_F64;
    if (a.kind == JV_CONST) {
        jit_push_const(c, to, w64 ? a.c[0] : (uint32_t)a.c[0], 0);
        return;
    }
    x64_rm rm = jit_rm(c, &a);
    uint8_t d = jit_alloc_reg(c, to);
    bool to_xmm = jit_is_float_class(to);
    if (!rm.is_reg) {
        jv m = a;
        m.type = to;
        jit_load_value(c, d, &m);
    } else if (to_xmm) {
        x64_movq_xr(&c->b, w64, d, rm.reg);
    } else {
        x64_movq_rx(&c->b, w64, d, rm.reg);
    }
    jit_push_reg(c, to, d);
}

bool jit_op_conv(jit_compiler *c, uint8_t op)
{
    switch (op) {
    case 0xA8: truncate(c, false, false, true, false); return true;
    case 0xA9: truncate(c, false, false, false, false); return true;
    case 0xAA: truncate(c, true, false, true, false); return true;
    case 0xAB: truncate(c, true, false, false, false); return true;
    case 0xAE: truncate(c, false, true, true, false); return true;
    case 0xAF: truncate(c, false, true, false, false); return true;
    case 0xB0: truncate(c, true, true, true, false); return true;
    case 0xB1: truncate(c, true, true, false, false); return true;
    case 0xB2: convert(c, false, false, true); return true;
    case 0xB3: convert(c, false, false, false); return true;
    case 0xB4: convert(c, false, true, true); return true;
    case 0xB5: convert(c, false, true, false); return true;
    case 0xB6: fconvert(c, false); return true;
    case 0xB7: convert(c, true, false, true); return true;
    case 0xB8: convert(c, true, false, false); return true;
    case 0xB9: convert(c, true, true, true); return true;
    case 0xBA: convert(c, true, true, false); return true;
    case 0xBB: fconvert(c, true); return true;
    case 0xBC: reinterpret(c, WASM_I32); return true;
    case 0xBD: reinterpret(c, WASM_I64); return true;
    case 0xBE: reinterpret(c, WASM_F32); return true;
    case 0xBF: reinterpret(c, WASM_F64); return true;
    default: return false;
    }
}

/* 0xFC 0-7: saturating truncations. */
bool jit_op_trunc_sat(jit_compiler *c, uint32_t sub)
{
    if (sub > 7)
        return false;
    bool to64 = sub >= 4, f64 = sub & 2, is_signed = !(sub & 1);
    truncate(c, f64, to64, is_signed, true);
    return true;
}
