/*
 * runtime/jit/jit_simd.c — 128-bit SIMD (Wasm 2.0 §4.4.3, §5.4.8): loads and
 * stores, constants, shuffles, lanes, splats, and every operation that is one
 * SSE instruction (a table), comparisons. The operations that need a
 * sequence are in jit_simd_ops.c.
 *
 * SSE4.1 is the baseline. With AVX the same instructions are emitted in
 * their VEX three-operand form (no copies to keep an operand alive); with
 * AVX2 splats use vpbroadcast; i64x2 comparisons use pcmpgtq (SSE4.2) when
 * present and a dword sequence otherwise.
 */
#include "jit_simd.h"

uint8_t jit_vreg(jit_compiler *c, jv *v)
{
    return jit_in_reg(c, v);
}

x64_rm jit_vrm(jit_compiler *c, jv *v)
{
    if (v->kind == JV_CONST && v->type == WASM_V128)
        return x64_m(jit_const128(c, v->c[0], v->c[1]));      /* 16-byte aligned */
    if (v->kind == JV_CONST)
        return x64_r(jit_in_reg(c, v));
    x64_rm rm = jit_rm(c, v);
    /* legacy SSE wants 16-byte aligned m128 operands; frame slots are 8 */
    if (!rm.is_reg && v->type == WASM_V128 && !(c->features & JIT_F_AVX))
        return x64_r(jit_in_reg(c, v));
    return rm;
}

uint8_t jit_vdest(jit_compiler *c, uint8_t type, const jv *a)
{
    uint8_t d = jit_result_hint(c, type);
    if (d != X64_NOREG)
        return d;
    if (a && a->kind == JV_REG && jit_is_float_class(a->type) == jit_is_float_class(type))
        return a->reg;
    return jit_alloc_reg(c, type);
}

void jit_vunary(jit_compiler *c, x64_sseop op, uint8_t dst, x64_rm src, int imm)
{
    if (c->features & JIT_F_AVX)
        x64_vex(&c->b, op, false, dst, 0, src, imm);
    else
        x64_sse(&c->b, op, dst, src, imm);
}

void jit_vshift_imm(jit_compiler *c, uint8_t opc, uint8_t digit, uint8_t dst, uint8_t src, uint8_t n)
{
    if (c->features & JIT_F_AVX) {
        x64_vex_shift_imm(&c->b, opc, digit, dst, src, n);
        return;
    }
    if (dst != src)
        x64_movaps_rr(&c->b, dst, src);
    x64_sse_shift_imm(&c->b, opc, digit, dst, n);
}

x64_mem jit_vsplat_const(jit_compiler *c, int bytes, uint64_t v)
{
    uint64_t lane = bytes == 8 ? v : v & ((1ull << (bytes * 8)) - 1);
    uint64_t q = 0;
    for (int i = 0; i < 8; i += bytes)
        q |= lane << (i * 8);
    return jit_const128(c, q, q);
}

/* ---- memory ---- */

static void vload(jit_compiler *c, uint32_t sub)
{
    uint32_t offset = jit_memarg(c);
    jv addr = jit_pop(c);
    uint8_t d = jit_vdest(c, WASM_V128, NULL);
    x64_mem m = jit_address(c, &addr, offset);
    static const uint8_t pmov[] = { 0, 0x20, 0x30, 0x23, 0x33, 0x25, 0x35 };
    jit_site_here(c, WASM_TRAP_MEMORY_OOB);
    switch (sub) {
    case 0x00: x64_movdqu_load(&c->b, d, m); break;
    case 0x01: case 0x02: case 0x03: case 0x04: case 0x05: case 0x06:
        jit_vunary(c, P66(M38, pmov[sub]), d, x64_m(m), -1);
        break;
    case 0x07:      /* load8_splat */
        if (c->features & JIT_F_AVX2) {
            x64_vex(&c->b, P66(M38, 0x78), false, d, 0, x64_m(m), -1);
        } else {
            x64_sse(&c->b, P66(M3A, 0x20), d, x64_m(m), 0);          /* pinsrb d, [m], 0 */
            x64_sse(&c->b, OP_PXOR, JIT_XTMP, x64_r(JIT_XTMP), -1);
            x64_sse(&c->b, OP_PSHUFB, d, x64_r(JIT_XTMP), -1);
        }
        break;
    case 0x08:      /* load16_splat */
        if (c->features & JIT_F_AVX2) {
            x64_vex(&c->b, P66(M38, 0x79), false, d, 0, x64_m(m), -1);
        } else {
            x64_sse(&c->b, P66(M0F, 0xC4), d, x64_m(m), 0);          /* pinsrw d, [m], 0 */
            x64_sse(&c->b, X64_SSE(X64_PP_F2, M0F, 0x70), d, x64_r(d), 0);    /* pshuflw */
            x64_sse(&c->b, OP_PSHUFD, d, x64_r(d), 0);
        }
        break;
    case 0x09:      /* load32_splat */
        if (c->features & JIT_F_AVX) {
            x64_vex(&c->b, P66(M38, 0x18), false, d, 0, x64_m(m), -1);  /* vbroadcastss */
        } else {
            x64_movss_load(&c->b, d, m);
            x64_sse(&c->b, OP_PSHUFD, d, x64_r(d), 0);
        }
        break;
    case 0x0A:      /* load64_splat: movddup */
        jit_vunary(c, X64_SSE(X64_PP_F2, M0F, 0x12), d, x64_m(m), -1);
        break;
    case 0x5C:      /* load32_zero: movd */
        x64_sse(&c->b, P66(M0F, 0x6E), d, x64_m(m), -1);
        break;
    default:        /* 0x5D load64_zero: movq */
        x64_sse(&c->b, X64_SSE(X64_PP_F3, M0F, 0x7E), d, x64_m(m), -1);
        break;
    }
    jit_push_result(c, WASM_V128, d);
}

static void vstore(jit_compiler *c)
{
    uint32_t offset = jit_memarg(c);
    jv v = jit_pop(c);
    jv addr = jit_pop(c);
    uint8_t r = jit_vreg(c, &v);
    x64_mem m = jit_address(c, &addr, offset);
    jit_site_here(c, WASM_TRAP_MEMORY_OOB);
    x64_movdqu_store(&c->b, m, r);
}

/* vN.loadN_lane / storeN_lane: memarg then lane index. */
static void vlane_mem(jit_compiler *c, uint32_t sub)
{
    uint32_t offset = jit_memarg(c);
    uint8_t lane = *c->p++;
    jv v = jit_pop(c);
    jv addr = jit_pop(c);
    bool is_load = sub <= 0x57;
    int size = 1 << ((sub - (is_load ? 0x54 : 0x58)) & 3);
    if (is_load) {
        uint8_t d = jit_vdest(c, WASM_V128, &v);
        jit_load_value(c, d, &v);
        x64_mem m = jit_address(c, &addr, offset);
        jit_site_here(c, WASM_TRAP_MEMORY_OOB);
        switch (size) {
        case 1: x64_sse(&c->b, P66(M3A, 0x20), d, x64_m(m), lane); break;
        case 2: x64_sse(&c->b, P66(M0F, 0xC4), d, x64_m(m), lane); break;
        case 4: x64_sse(&c->b, P66(M3A, 0x22), d, x64_m(m), lane); break;
        default: x64_sse(&c->b, X64_SSEW(X64_PP_66, M3A, 0x22), d, x64_m(m), lane); break;
        }
        jit_push_result(c, WASM_V128, d);
        return;
    }
    uint8_t r = jit_vreg(c, &v);
    x64_mem m = jit_address(c, &addr, offset);
    jit_site_here(c, WASM_TRAP_MEMORY_OOB);
    switch (size) {
    case 1: x64_sse(&c->b, P66(M3A, 0x14), r, x64_m(m), lane); break;
    case 2: x64_sse(&c->b, P66(M3A, 0x15), r, x64_m(m), lane); break;
    case 4: x64_sse(&c->b, P66(M3A, 0x16), r, x64_m(m), lane); break;
    default: x64_sse(&c->b, X64_SSEW(X64_PP_66, M3A, 0x16), r, x64_m(m), lane); break;
    }
}

/* ---- shuffles, splats, lanes ---- */

static void shuffle(jit_compiler *c)
{
    uint8_t idx[16];
    wasm_memcpy(idx, c->p, 16);
    c->p += 16;
    jv b = jit_pop(c);
    jv a = jit_pop(c);
    uint64_t ma[2] = { 0, 0 }, mb[2] = { 0, 0 };
    bool need_a = false, need_b = false;
    for (int i = 0; i < 16; i++) {
        uint8_t k = idx[i] & 31;
        uint8_t from_a = k < 16 ? k : 0x80, from_b = k >= 16 ? (uint8_t)(k - 16) : 0x80;
        need_a |= k < 16;
        need_b |= k >= 16;
        ma[i / 8] |= (uint64_t)from_a << (8 * (i % 8));
        mb[i / 8] |= (uint64_t)from_b << (8 * (i % 8));
    }
    uint8_t d = jit_vdest(c, WASM_V128, &a);
    if (need_a && need_b) {
        uint8_t ar = jit_vreg(c, &a), br = jit_vreg(c, &b);
        uint8_t t = jit_alloc_xmm(c);
        jit_vop(c, OP_PSHUFB, t, br, x64_m(jit_const128(c, mb[0], mb[1])), -1);
        jit_vop(c, OP_PSHUFB, d, ar, x64_m(jit_const128(c, ma[0], ma[1])), -1);
        jit_v3(c, OP_POR, d, d, t);
    } else {
        jv *src = need_b ? &b : &a;
        uint64_t *mask = need_b ? mb : ma;
        uint8_t sr = jit_vreg(c, src);
        jit_vop(c, OP_PSHUFB, d, sr, x64_m(jit_const128(c, mask[0], mask[1])), -1);
    }
    jit_push_result(c, WASM_V128, d);
}

static void swizzle(jit_compiler *c)
{
    jv s = jit_pop(c);
    jv a = jit_pop(c);
    uint8_t ar = jit_vreg(c, &a);
    uint8_t t = jit_alloc_xmm(c);
    /* indices >= 16 must give 0: saturating +0x70 sets their top bit */
    jit_vop(c, P66(M0F, 0xDC), t, jit_vreg(c, &s), x64_m(jit_vsplat_const(c, 1, 0x70)), -1);
    uint8_t d = jit_vdest(c, WASM_V128, &a);
    jit_vop(c, OP_PSHUFB, d, ar, x64_r(t), -1);
    jit_push_result(c, WASM_V128, d);
}

static void splat(jit_compiler *c, uint32_t sub)
{
    jv a = jit_pop(c);
    if (a.kind == JV_CONST) {
        static const int sizes[] = { 1, 2, 4, 8, 4, 8 };
        int n = sizes[sub - 0x0F];
        uint64_t lane = n == 8 ? a.c[0] : a.c[0] & ((1ull << (n * 8)) - 1);
        uint64_t q = 0;
        for (int i = 0; i < 8; i += n)
            q |= lane << (i * 8);
        jit_push_const(c, WASM_V128, q, q);
        return;
    }
    uint8_t d = jit_vdest(c, WASM_V128, NULL);
    bool avx2 = c->features & JIT_F_AVX2;
    if (sub <= 0x12) {
        uint8_t r = jit_in_reg(c, &a);
        x64_movq_xr(&c->b, sub == 0x12, d, r);
    } else {
        jit_load_value(c, d, &a);
    }
    switch (sub) {
    case 0x0F:
        if (avx2) {
            x64_vex(&c->b, P66(M38, 0x78), false, d, 0, x64_r(d), -1);
        } else {
            x64_sse(&c->b, OP_PXOR, JIT_XTMP, x64_r(JIT_XTMP), -1);
            x64_sse(&c->b, OP_PSHUFB, d, x64_r(JIT_XTMP), -1);
        }
        break;
    case 0x10:
        if (avx2) {
            x64_vex(&c->b, P66(M38, 0x79), false, d, 0, x64_r(d), -1);
        } else {
            x64_sse(&c->b, X64_SSE(X64_PP_F2, M0F, 0x70), d, x64_r(d), 0);
            x64_sse(&c->b, OP_PSHUFD, d, x64_r(d), 0);
        }
        break;
    case 0x11: case 0x13:
        x64_sse(&c->b, OP_PSHUFD, d, x64_r(d), 0);
        break;
    default:        /* 64-bit lanes */
        x64_sse(&c->b, OP_PSHUFD, d, x64_r(d), 0x44);
        break;
    }
    jit_push_result(c, WASM_V128, d);
}

static void extract(jit_compiler *c, uint32_t sub)
{
    uint8_t lane = *c->p++;
    jv a = jit_pop(c);
    uint8_t ar = jit_vreg(c, &a);
    switch (sub) {
    case 0x15: case 0x16: case 0x18: case 0x19: case 0x1B: case 0x1D: {
        bool w64 = sub == 0x1D;
        uint8_t d = jit_result_hint(c, w64 ? WASM_I64 : WASM_I32);
        if (d == X64_NOREG)
            d = jit_alloc_gpr(c);
        if (sub == 0x15 || sub == 0x16)
            x64_sse(&c->b, P66(M3A, 0x14), ar, x64_r(d), lane);          /* pextrb */
        else if (sub == 0x18 || sub == 0x19)
            x64_sse(&c->b, P66(M0F, 0xC5), d, x64_r(ar), lane);          /* pextrw */
        else if (lane == 0)
            x64_movq_rx(&c->b, w64, d, ar);
        else if (w64)
            x64_sse(&c->b, X64_SSEW(X64_PP_66, M3A, 0x16), ar, x64_r(d), lane);
        else
            x64_sse(&c->b, P66(M3A, 0x16), ar, x64_r(d), lane);          /* pextrd */
        if (sub == 0x15)
            x64_movsx_rr(&c->b, 1, false, d, d);
        else if (sub == 0x18)
            x64_movsx_rr(&c->b, 2, false, d, d);
        jit_push_result(c, w64 ? WASM_I64 : WASM_I32, d);
        return;
    }
    case 0x1F: {    /* f32x4 */
        uint8_t d = jit_vdest(c, WASM_F32, &a);
        if (lane == 0)
            jit_move_reg(c, WASM_V128, d, ar);
        else
            jit_vunary(c, OP_PSHUFD, d, x64_r(ar), lane);
        jit_push_result(c, WASM_F32, d);
        return;
    }
    default: {      /* 0x21 f64x2 */
        uint8_t d = jit_vdest(c, WASM_F64, &a);
        if (lane == 0)
            jit_move_reg(c, WASM_V128, d, ar);
        else
            jit_vunary(c, OP_PSHUFD, d, x64_r(ar), 0xEE);
        jit_push_result(c, WASM_F64, d);
        return;
    }
    }
}

static void replace(jit_compiler *c, uint32_t sub)
{
    uint8_t lane = *c->p++;
    jv s = jit_pop(c);
    jv a = jit_pop(c);
    uint8_t sr = jit_in_reg(c, &s);
    uint8_t d = jit_vdest(c, WASM_V128, &a);
    if (sub != 0x20 && sub != 0x22) {
        jit_load_value(c, d, &a);
        switch (sub) {
        case 0x17: x64_sse(&c->b, P66(M3A, 0x20), d, x64_r(sr), lane); break;
        case 0x1A: x64_sse(&c->b, P66(M0F, 0xC4), d, x64_r(sr), lane); break;
        case 0x1C: x64_sse(&c->b, P66(M3A, 0x22), d, x64_r(sr), lane); break;
        default: x64_sse(&c->b, X64_SSEW(X64_PP_66, M3A, 0x22), d, x64_r(sr), lane); break;
        }
    } else if (sub == 0x20) {
        uint8_t ar = jit_vreg(c, &a);
        jit_vop(c, P66(M3A, 0x21), d, ar, x64_r(sr), lane << 4);        /* insertps */
    } else {
        uint8_t ar = jit_vreg(c, &a);
        if (lane == 0)
            jit_vop(c, X64_SSE(X64_PP_F2, M0F, 0x10), d, ar, x64_r(sr), -1);   /* movsd */
        else
            jit_vop(c, P66(M0F, 0x14), d, ar, x64_r(sr), -1);                  /* unpcklpd */
    }
    jit_push_result(c, WASM_V128, d);
}

/* ---- one-instruction operations ---- */

typedef struct simple_op {
    uint8_t sub;
    uint8_t pp, map, op;
    int8_t imm;             /* -1: none */
    uint8_t flags;
} simple_op;
enum { S_SWAP = 1, S_UNARY = 2, S_NOT = 4 };

/* d = a op b (S_SWAP: b op a; S_NOT: then inverted), or d = op a. */
static const simple_op simple_ops[] = {
    { 0x23, 1, 1, 0x74, -1, 0 }, { 0x24, 1, 1, 0x74, -1, S_NOT }, { 0x25, 1, 1, 0x64, -1, S_SWAP },
    { 0x27, 1, 1, 0x64, -1, 0 }, { 0x29, 1, 1, 0x64, -1, S_NOT }, { 0x2B, 1, 1, 0x64, -1, S_SWAP | S_NOT },
    { 0x2D, 1, 1, 0x75, -1, 0 }, { 0x2E, 1, 1, 0x75, -1, S_NOT }, { 0x2F, 1, 1, 0x65, -1, S_SWAP },
    { 0x31, 1, 1, 0x65, -1, 0 }, { 0x33, 1, 1, 0x65, -1, S_NOT }, { 0x35, 1, 1, 0x65, -1, S_SWAP | S_NOT },
    { 0x37, 1, 1, 0x76, -1, 0 }, { 0x38, 1, 1, 0x76, -1, S_NOT }, { 0x39, 1, 1, 0x66, -1, S_SWAP },
    { 0x3B, 1, 1, 0x66, -1, 0 }, { 0x3D, 1, 1, 0x66, -1, S_NOT }, { 0x3F, 1, 1, 0x66, -1, S_SWAP | S_NOT },
    { 0x41, 0, 1, 0xC2, 0, 0 }, { 0x42, 0, 1, 0xC2, 4, 0 }, { 0x43, 0, 1, 0xC2, 1, 0 },
    { 0x44, 0, 1, 0xC2, 1, S_SWAP }, { 0x45, 0, 1, 0xC2, 2, 0 }, { 0x46, 0, 1, 0xC2, 2, S_SWAP },
    { 0x47, 1, 1, 0xC2, 0, 0 }, { 0x48, 1, 1, 0xC2, 4, 0 }, { 0x49, 1, 1, 0xC2, 1, 0 },
    { 0x4A, 1, 1, 0xC2, 1, S_SWAP }, { 0x4B, 1, 1, 0xC2, 2, 0 }, { 0x4C, 1, 1, 0xC2, 2, S_SWAP },
    { 0x4E, 1, 1, 0xDB, -1, 0 }, { 0x4F, 1, 1, 0xDF, -1, S_SWAP }, { 0x50, 1, 1, 0xEB, -1, 0 },
    { 0x51, 1, 1, 0xEF, -1, 0 },
    { 0x5E, 1, 1, 0x5A, -1, S_UNARY }, { 0x5F, 0, 1, 0x5A, -1, S_UNARY },
    { 0x60, 1, 2, 0x1C, -1, S_UNARY },
    { 0x65, 1, 1, 0x63, -1, 0 }, { 0x66, 1, 1, 0x67, -1, 0 },
    { 0x67, 1, 3, 0x08, 2 | 8, S_UNARY }, { 0x68, 1, 3, 0x08, 1 | 8, S_UNARY },
    { 0x69, 1, 3, 0x08, 3 | 8, S_UNARY }, { 0x6A, 1, 3, 0x08, 0 | 8, S_UNARY },
    { 0x6E, 1, 1, 0xFC, -1, 0 }, { 0x6F, 1, 1, 0xEC, -1, 0 }, { 0x70, 1, 1, 0xDC, -1, 0 },
    { 0x71, 1, 1, 0xF8, -1, 0 }, { 0x72, 1, 1, 0xE8, -1, 0 }, { 0x73, 1, 1, 0xD8, -1, 0 },
    { 0x74, 1, 3, 0x09, 2 | 8, S_UNARY }, { 0x75, 1, 3, 0x09, 1 | 8, S_UNARY },
    { 0x76, 1, 2, 0x38, -1, 0 }, { 0x77, 1, 1, 0xDA, -1, 0 }, { 0x78, 1, 2, 0x3C, -1, 0 },
    { 0x79, 1, 1, 0xDE, -1, 0 }, { 0x7A, 1, 3, 0x09, 3 | 8, S_UNARY }, { 0x7B, 1, 1, 0xE0, -1, 0 },
    { 0x80, 1, 2, 0x1D, -1, S_UNARY },
    { 0x85, 1, 1, 0x6B, -1, 0 }, { 0x86, 1, 2, 0x2B, -1, 0 },
    { 0x87, 1, 2, 0x20, -1, S_UNARY }, { 0x89, 1, 2, 0x30, -1, S_UNARY },
    { 0x8E, 1, 1, 0xFD, -1, 0 }, { 0x8F, 1, 1, 0xED, -1, 0 }, { 0x90, 1, 1, 0xDD, -1, 0 },
    { 0x91, 1, 1, 0xF9, -1, 0 }, { 0x92, 1, 1, 0xE9, -1, 0 }, { 0x93, 1, 1, 0xD9, -1, 0 },
    { 0x94, 1, 3, 0x09, 0 | 8, S_UNARY }, { 0x95, 1, 1, 0xD5, -1, 0 },
    { 0x96, 1, 1, 0xEA, -1, 0 }, { 0x97, 1, 2, 0x3A, -1, 0 }, { 0x98, 1, 1, 0xEE, -1, 0 },
    { 0x99, 1, 2, 0x3E, -1, 0 }, { 0x9B, 1, 1, 0xE3, -1, 0 },
    { 0xA0, 1, 2, 0x1E, -1, S_UNARY },
    { 0xA7, 1, 2, 0x23, -1, S_UNARY }, { 0xA9, 1, 2, 0x33, -1, S_UNARY },
    { 0xAE, 1, 1, 0xFE, -1, 0 }, { 0xB1, 1, 1, 0xFA, -1, 0 }, { 0xB5, 1, 2, 0x40, -1, 0 },
    { 0xB6, 1, 2, 0x39, -1, 0 }, { 0xB7, 1, 2, 0x3B, -1, 0 }, { 0xB8, 1, 2, 0x3D, -1, 0 },
    { 0xB9, 1, 2, 0x3F, -1, 0 }, { 0xBA, 1, 1, 0xF5, -1, 0 },
    { 0xC7, 1, 2, 0x25, -1, S_UNARY }, { 0xC9, 1, 2, 0x35, -1, S_UNARY },
    { 0xCE, 1, 1, 0xD4, -1, 0 }, { 0xD1, 1, 1, 0xFB, -1, 0 },
    { 0xD6, 1, 2, 0x29, -1, 0 }, { 0xD7, 1, 2, 0x29, -1, S_NOT },
    { 0xE3, 0, 1, 0x51, -1, S_UNARY },
    { 0xE4, 0, 1, 0x58, -1, 0 }, { 0xE5, 0, 1, 0x5C, -1, 0 }, { 0xE6, 0, 1, 0x59, -1, 0 },
    { 0xE7, 0, 1, 0x5E, -1, 0 }, { 0xEA, 0, 1, 0x5D, -1, S_SWAP }, { 0xEB, 0, 1, 0x5F, -1, S_SWAP },
    { 0xEF, 1, 1, 0x51, -1, S_UNARY },
    { 0xF0, 1, 1, 0x58, -1, 0 }, { 0xF1, 1, 1, 0x5C, -1, 0 }, { 0xF2, 1, 1, 0x59, -1, 0 },
    { 0xF3, 1, 1, 0x5E, -1, 0 }, { 0xF6, 1, 1, 0x5D, -1, S_SWAP }, { 0xF7, 1, 1, 0x5F, -1, S_SWAP },
    { 0xFA, 0, 1, 0x5B, -1, S_UNARY }, { 0xFE, 2, 1, 0xE6, -1, S_UNARY },
};

static const simple_op *find_simple(uint32_t sub)
{
    for (size_t i = 0; i < sizeof(simple_ops) / sizeof(simple_ops[0]); i++)
        if (simple_ops[i].sub == sub)
            return &simple_ops[i];
    return NULL;
}

/* All bits flipped (v128.not and the negated comparisons). */
void jit_vnot(jit_compiler *c, uint8_t d, uint8_t a)
{
    jit_vop(c, OP_PXOR, d, a, x64_m(jit_const128(c, ~0ull, ~0ull)), -1);
}

static void simple(jit_compiler *c, const simple_op *s)
{
    x64_sseop op = X64_SSE(s->pp, s->map, s->op);
    if (s->flags & S_UNARY) {
        jv a = jit_pop(c);
        x64_rm arm = jit_vrm(c, &a);
        uint8_t d = jit_vdest(c, WASM_V128, &a);
        jit_vunary(c, op, d, arm, s->imm);
        jit_push_result(c, WASM_V128, d);
        return;
    }
    jv b = jit_pop(c);
    jv a = jit_pop(c);
    if (s->flags & S_SWAP) {
        jv t = a;
        a = b;
        b = t;
    }
    uint8_t ar = jit_vreg(c, &a);
    x64_rm brm = jit_vrm(c, &b);
    uint8_t d = jit_vdest(c, WASM_V128, &a);
    jit_vop(c, op, d, ar, brm, s->imm);
    if (s->flags & S_NOT)
        jit_vnot(c, d, d);
    jit_push_result(c, WASM_V128, d);
}

/* Unsigned lane comparisons through min/max: a <= b iff min(a, b) == a. */
static void ucompare(jit_compiler *c, uint32_t sub)
{
    /* per lane size: pminu, pmaxu, pcmpeq */
    static const x64_sseop minu[3] = { P66(M0F, 0xDA), P66(M38, 0x3A), P66(M38, 0x3B) };
    static const x64_sseop maxu[3] = { P66(M0F, 0xDE), P66(M38, 0x3E), P66(M38, 0x3F) };
    static const x64_sseop eq[3] = { OP_PCMPEQB, OP_PCMPEQW, OP_PCMPEQD };
    int size = sub < 0x2D ? 0 : sub < 0x37 ? 1 : 2;
    int which = (int)(sub - (size == 0 ? 0x23 : size == 1 ? 0x2D : 0x37));
    /* which: 3 lt_u, 5 gt_u, 7 le_u, 9 ge_u */
    jv b = jit_pop(c);
    jv a = jit_pop(c);
    uint8_t ar = jit_vreg(c, &a);
    x64_rm brm = jit_vrm(c, &b);
    uint8_t t = jit_alloc_xmm(c);
    bool use_min = which == 7 || which == 5;         /* le, and gt = not le */
    jit_vop(c, use_min ? minu[size] : maxu[size], t, ar, brm, -1);
    uint8_t d = jit_vdest(c, WASM_V128, NULL);
    jit_v3(c, eq[size], d, t, ar);
    if (which == 3 || which == 5)
        jit_vnot(c, d, d);
    jit_push_result(c, WASM_V128, d);
}

/* i64x2 signed comparisons: pcmpgtq (SSE4.2) or a dword sequence. */
static void compare64(jit_compiler *c, uint32_t sub)
{
    /* 0xD8 lt, 0xD9 gt, 0xDA le, 0xDB ge */
    jv b = jit_pop(c);
    jv a = jit_pop(c);
    if (sub == 0xD8 || sub == 0xDB) {
        jv t = a;
        a = b;
        b = t;
    }
    uint8_t ar = jit_vreg(c, &a), br = jit_vreg(c, &b);
    uint8_t d = jit_vdest(c, WASM_V128, NULL);
    if (c->features & JIT_F_SSE42) {
        jit_v3(c, P66(M38, 0x37), d, ar, br);
    } else {
        /* a > b: high dwords signed, low dwords unsigned (sign flipped) */
        x64_mem flip = jit_const128(c, 0x80000000ull, 0x80000000ull);
        uint8_t x = jit_alloc_xmm(c), y = jit_alloc_xmm(c), g = jit_alloc_xmm(c);
        jit_vop(c, OP_PXOR, x, ar, x64_m(flip), -1);
        jit_vop(c, OP_PXOR, y, br, x64_m(flip), -1);
        jit_v3(c, P66(M0F, 0x66), g, x, y);              /* gt per dword */
        jit_v3(c, OP_PCMPEQD, x, x, y);                  /* eq per dword */
        jit_vunary(c, OP_PSHUFD, y, x64_r(g), 0xA0);     /* low gt into both halves */
        jit_vunary(c, OP_PSHUFD, x, x64_r(x), 0xF5);     /* high eq */
        jit_v3(c, OP_PAND, y, y, x);
        jit_vunary(c, OP_PSHUFD, d, x64_r(g), 0xF5);     /* high gt */
        jit_v3(c, OP_POR, d, d, y);
    }
    if (sub == 0xDA || sub == 0xDB)
        jit_vnot(c, d, d);
    jit_push_result(c, WASM_V128, d);
}

bool jit_op_simd(jit_compiler *c, uint32_t sub)
{
    switch (sub) {
    case 0x00: case 0x01: case 0x02: case 0x03: case 0x04: case 0x05: case 0x06:
    case 0x07: case 0x08: case 0x09: case 0x0A: case 0x5C: case 0x5D:
        vload(c, sub);
        return true;
    case 0x0B:
        vstore(c);
        return true;
    case 0x0C: {
        uint64_t lo, hi;
        wasm_memcpy(&lo, c->p, 8);
        wasm_memcpy(&hi, c->p + 8, 8);
        c->p += 16;
        jit_push_const(c, WASM_V128, lo, hi);
        return true;
    }
    case 0x0D: shuffle(c); return true;
    case 0x0E: swizzle(c); return true;
    case 0x0F: case 0x10: case 0x11: case 0x12: case 0x13: case 0x14:
        splat(c, sub);
        return true;
    case 0x15: case 0x16: case 0x18: case 0x19: case 0x1B: case 0x1D: case 0x1F: case 0x21:
        extract(c, sub);
        return true;
    case 0x17: case 0x1A: case 0x1C: case 0x1E: case 0x20: case 0x22:
        replace(c, sub);
        return true;
    case 0x26: case 0x28: case 0x2A: case 0x2C:
    case 0x30: case 0x32: case 0x34: case 0x36:
    case 0x3A: case 0x3C: case 0x3E: case 0x40:
        ucompare(c, sub);
        return true;
    case 0xD8: case 0xD9: case 0xDA: case 0xDB:
        compare64(c, sub);
        return true;
    case 0x4D: {    /* v128.not */
        jv a = jit_pop(c);
        uint8_t ar = jit_vreg(c, &a);
        uint8_t d = jit_vdest(c, WASM_V128, &a);
        jit_vnot(c, d, ar);
        jit_push_result(c, WASM_V128, d);
        return true;
    }
    case 0x53: {    /* v128.any_true */
        jv a = jit_pop(c);
        uint8_t ar = jit_vreg(c, &a);
        x64_sse(&c->b, OP_PTEST, ar, x64_r(ar), -1);
        jit_push_cmp(c, X64_NE, 0);
        return true;
    }
    case 0x54: case 0x55: case 0x56: case 0x57: case 0x58: case 0x59: case 0x5A: case 0x5B:
        vlane_mem(c, sub);
        return true;
    default: {
        const simple_op *s = find_simple(sub);
        if (s) {
            simple(c, s);
            return true;
        }
        return jit_simd_compound(c, sub);
    }
    }
}
