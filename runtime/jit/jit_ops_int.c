/*
 * runtime/jit/jit_ops_int.c — i32 and i64 instructions (Wasm 2.0 §4.3.2):
 * arithmetic, bit operations, comparisons, shifts, division with its traps,
 * and the integer width conversions.
 *
 * i32 values in registers always have their upper 32 bits clear (every
 * 32-bit x86 operation guarantees that), so i64.extend_i32_u costs nothing
 * and an i32 can index memory directly. Constant operands are folded, or
 * become immediates; multiplication and unsigned division by powers of two
 * become shifts and masks; a comparison feeding br_if, if or select becomes
 * the flags that instruction tests.
 */
#include "jit_internal.h"

static bool fits_imm(const jv *v, bool w64)
{
    if (v->kind != JV_CONST)
        return false;
    if (!w64)
        return true;
    return (int64_t)v->c[0] == (int64_t)(int32_t)v->c[0];
}

static int32_t imm_of(const jv *v)
{
    return (int32_t)v->c[0];
}

static void push_const_int(jit_compiler *c, bool w64, uint64_t v)
{
    jit_push_const(c, w64 ? WASM_I64 : WASM_I32, w64 ? v : (uint32_t)v, 0);
}

/* The register operand of an entry, if it is in one (pinned locals too). */
static uint8_t reg_of(jit_compiler *c, const jv *v)
{
    if (v->kind == JV_REG)
        return v->reg;
    if (v->kind == JV_LOCAL)
        return c->locals[v->local].reg;
    return X64_NOREG;
}

/* A destination register for an operation whose first operand is a: the
 * result hint, a's own register, or a new one. */
static uint8_t pick_dest(jit_compiler *c, uint8_t type, const jv *a)
{
    uint8_t d = jit_result_hint(c, type);
    if (d != X64_NOREG)
        return d;
    if (a->kind == JV_REG)
        return a->reg;
    return jit_alloc_gpr(c);
}

/* b as an operand: immediate-capable constants stay constants. */
static x64_rm operand(jit_compiler *c, jv *b)
{
    if (b->kind == JV_CONST)
        return x64_r(jit_in_reg(c, b));
    return jit_rm(c, b);
}

/* ---- add, sub, and, or, xor, mul ---- */

enum { OP_ADD, OP_SUB, OP_AND, OP_OR, OP_XOR, OP_MUL };

static uint64_t fold2(int op, bool w64, uint64_t a, uint64_t b)
{
    uint64_t r;
    switch (op) {
    case OP_ADD: r = a + b; break;
    case OP_SUB: r = a - b; break;
    case OP_AND: r = a & b; break;
    case OP_OR: r = a | b; break;
    case OP_XOR: r = a ^ b; break;
    default: r = a * b; break;
    }
    return w64 ? r : (uint32_t)r;
}

static const x64_alu alu_of[] = { X64_ADD, X64_SUB, X64_AND, X64_OR, X64_XOR };

/* dst = dst op b (b immediate when it fits). */
static void apply(jit_compiler *c, int op, bool w64, uint8_t dst, jv *b)
{
    if (op == OP_MUL) {
        if (fits_imm(b, w64))
            x64_imul_rri(&c->b, w64, dst, x64_r(dst), imm_of(b));
        else
            x64_imul_rr(&c->b, w64, dst, operand(c, b));
        return;
    }
    if (fits_imm(b, w64)) {
        x64_alu_ri(&c->b, alu_of[op], w64, dst, imm_of(b));
        return;
    }
    x64_rm rm = operand(c, b);
    if (rm.is_reg)
        x64_alu_rr(&c->b, alu_of[op], w64, dst, rm.reg);
    else
        x64_alu_rm(&c->b, alu_of[op], w64, dst, rm.mem);
}

static int log2_exact(uint64_t v)
{
    if (v == 0 || (v & (v - 1)))
        return -1;
    return __builtin_ctzll(v);
}

static void binop(jit_compiler *c, int op, bool w64)
{
    uint8_t type = w64 ? WASM_I64 : WASM_I32;
    jv b = jit_pop(c);
    jv a = jit_pop(c);
    if (a.kind == JV_CONST && b.kind == JV_CONST) {
        push_const_int(c, w64, fold2(op, w64, a.c[0], b.c[0]));
        return;
    }
    bool commutative = op != OP_SUB;
    if (commutative && a.kind == JV_CONST) {
        jv t = a;
        a = b;
        b = t;
    }
    /* identities: x+0, x-0, x|0, x^0, x*1, x&-1 */
    if (b.kind == JV_CONST) {
        uint64_t k = w64 ? b.c[0] : (uint32_t)b.c[0];
        uint64_t ones = w64 ? ~0ull : 0xffffffffull;
        if ((k == 0 && (op == OP_ADD || op == OP_SUB || op == OP_OR || op == OP_XOR)) ||
            (k == 1 && op == OP_MUL) || (k == ones && op == OP_AND)) {
            uint8_t r = jit_in_own_reg(c, &a);
            jit_push_reg(c, type, r);
            return;
        }
        if (k == 0 && (op == OP_MUL || op == OP_AND)) {
            push_const_int(c, w64, 0);
            return;
        }
        int sh = log2_exact(k);
        if (op == OP_MUL && sh > 0) {
            uint8_t d = pick_dest(c, type, &a);
            uint8_t ar = reg_of(c, &a);
            if (sh <= 3 && ar != X64_NOREG && d != ar) {
                x64_lea(&c->b, w64, d, x64_sib(X64_NOREG, ar, (uint8_t)k, 0));
            } else {
                jit_load_value(c, d, &a);
                x64_shift_ri(&c->b, X64_SHL, w64, d, (uint8_t)sh);
            }
            jit_push_result(c, type, d);
            return;
        }
    }
    uint8_t d = pick_dest(c, type, &a);
    uint8_t ar = reg_of(c, &a), br = reg_of(c, &b);
    /* three-operand add through lea when a stays where it is */
    if (op == OP_ADD && ar != X64_NOREG && d != ar) {
        if (fits_imm(&b, w64)) {
            x64_lea(&c->b, w64, d, x64_base(ar, imm_of(&b)));
            jit_push_result(c, type, d);
            return;
        }
        if (br != X64_NOREG) {
            x64_lea(&c->b, w64, d, x64_sib(ar, br, 1, 0));
            jit_push_result(c, type, d);
            return;
        }
    }
    if (op == OP_SUB && fits_imm(&b, w64) && ar != X64_NOREG && d != ar && imm_of(&b) != INT32_MIN) {
        x64_lea(&c->b, w64, d, x64_base(ar, -imm_of(&b)));
        jit_push_result(c, type, d);
        return;
    }
    if (op == OP_MUL && fits_imm(&b, w64)) {
        x64_imul_rri(&c->b, w64, d, jit_rm(c, &a), imm_of(&b));
        jit_push_result(c, type, d);
        return;
    }
    if (br != X64_NOREG && br == d && d != ar) {
        if (commutative) {
            /* d already holds b: d = d op a */
            apply(c, op, w64, d, &a);
            jit_push_result(c, type, d);
            return;
        }
        /* sub with the destination being the subtrahend: go through r11 */
        jit_load_value(c, JIT_TMP, &a);
        x64_alu_rr(&c->b, X64_SUB, w64, JIT_TMP, br);
        x64_mov_rr(&c->b, w64, d, JIT_TMP);
        jit_push_result(c, type, d);
        return;
    }
    jit_load_value(c, d, &a);
    apply(c, op, w64, d, &b);
    jit_push_result(c, type, d);
}

/* ---- comparisons ---- */

static x64_cond mirror(x64_cond cc)
{
    switch (cc) {
    case X64_L: return X64_G;
    case X64_G: return X64_L;
    case X64_LE: return X64_GE;
    case X64_GE: return X64_LE;
    case X64_B: return X64_A;
    case X64_A: return X64_B;
    case X64_BE: return X64_AE;
    case X64_AE: return X64_BE;
    default: return cc;
    }
}

static bool eval_cond(x64_cond cc, bool w64, uint64_t a, uint64_t b)
{
    if (!w64) {
        a = (uint32_t)a;
        b = (uint32_t)b;
    }
    int64_t sa = w64 ? (int64_t)a : (int32_t)a, sb = w64 ? (int64_t)b : (int32_t)b;
    switch (cc) {
    case X64_E: return a == b;
    case X64_NE: return a != b;
    case X64_L: return sa < sb;
    case X64_G: return sa > sb;
    case X64_LE: return sa <= sb;
    case X64_GE: return sa >= sb;
    case X64_B: return a < b;
    case X64_A: return a > b;
    case X64_BE: return a <= b;
    default: return a >= b;
    }
}

static void compare(jit_compiler *c, x64_cond cc, bool w64)
{
    jv b = jit_pop(c);
    jv a = jit_pop(c);
    if (a.kind == JV_CONST && b.kind == JV_CONST) {
        jit_push_const(c, WASM_I32, eval_cond(cc, w64, a.c[0], b.c[0]), 0);
        return;
    }
    if (a.kind == JV_CONST) {
        jv t = a;
        a = b;
        b = t;
        cc = mirror(cc);
    }
    x64_rm arm = jit_rm(c, &a);
    if (fits_imm(&b, w64)) {
        if (imm_of(&b) == 0 && arm.is_reg && (cc == X64_E || cc == X64_NE))
            x64_test_rr(&c->b, w64, arm.reg, arm.reg);
        else if (arm.is_reg)
            x64_alu_ri(&c->b, X64_CMP, w64, arm.reg, imm_of(&b));
        else
            x64_alu_mi(&c->b, X64_CMP, w64 ? 8 : 4, arm.mem, imm_of(&b));
    } else {
        x64_rm brm = operand(c, &b);
        if (!arm.is_reg && !brm.is_reg)
            arm = x64_r(jit_in_reg(c, &a));
        if (arm.is_reg && brm.is_reg)
            x64_alu_rr(&c->b, X64_CMP, w64, arm.reg, brm.reg);
        else if (arm.is_reg)
            x64_alu_rm(&c->b, X64_CMP, w64, arm.reg, brm.mem);
        else
            x64_alu_mr(&c->b, X64_CMP, w64, arm.mem, brm.reg);
    }
    jit_push_cmp(c, cc, 0);
}

static void eqz(jit_compiler *c, bool w64)
{
    jv a = jit_pop(c);
    if (a.kind == JV_CMP) {
        x64_cond cc = x64_cond_not((x64_cond)a.cond);
        jit_push_cmp(c, cc, a.fcmp == 1 ? 2 : a.fcmp == 2 ? 1 : 0);
        return;
    }
    if (a.kind == JV_CONST) {
        jit_push_const(c, WASM_I32, (w64 ? a.c[0] : (uint32_t)a.c[0]) == 0, 0);
        return;
    }
    x64_rm rm = jit_rm(c, &a);
    if (rm.is_reg)
        x64_test_rr(&c->b, w64, rm.reg, rm.reg);
    else
        x64_alu_mi(&c->b, X64_CMP, w64 ? 8 : 4, rm.mem, 0);
    jit_push_cmp(c, X64_E, 0);
}

/* ---- shifts and rotates ---- */

static uint64_t fold_shift(x64_shift sh, bool w64, uint64_t a, uint64_t b)
{
    unsigned bits = w64 ? 64 : 32;
    unsigned n = (unsigned)(b & (bits - 1));
    uint64_t mask = w64 ? ~0ull : 0xffffffffull;
    a &= mask;
    switch (sh) {
    case X64_SHL: return (a << n) & mask;
    case X64_SHR: return a >> n;
    case X64_SAR: return w64 ? (uint64_t)((int64_t)a >> n) : (uint32_t)((int32_t)(uint32_t)a >> n);
    case X64_ROL: return n ? ((a << n) | (a >> (bits - n))) & mask : a;
    default: return n ? ((a >> n) | (a << (bits - n))) & mask : a;
    }
}

static void shift(jit_compiler *c, x64_shift sh, bool w64)
{
    uint8_t type = w64 ? WASM_I64 : WASM_I32;
    jv *top = jit_top(c, 0);
    if (top->kind == JV_CONST) {
        jv b = jit_pop(c);
        jv a = jit_pop(c);
        if (a.kind == JV_CONST) {
            push_const_int(c, w64, fold_shift(sh, w64, a.c[0], b.c[0]));
            return;
        }
        uint8_t n = (uint8_t)(b.c[0] & (w64 ? 63 : 31));
        uint8_t d = pick_dest(c, type, &a);
        jit_load_value(c, d, &a);
        if (n)
            x64_shift_ri(&c->b, sh, w64, d, n);
        jit_push_result(c, type, d);
        return;
    }
    if ((c->features & JIT_F_BMI2) && (sh == X64_SHL || sh == X64_SHR || sh == X64_SAR)) {
        jv b = jit_pop(c);
        jv a = jit_pop(c);
        uint8_t cnt = jit_in_reg(c, &b);
        x64_rm arm = a.kind == JV_CONST ? x64_r(jit_in_reg(c, &a)) : jit_rm(c, &a);
        uint8_t d = pick_dest(c, type, &a);
        x64_shiftx(&c->b, sh, w64, d, arm, cnt);
        jit_push_result(c, type, d);
        return;
    }
    /* the count must be in cl */
    jit_claim_gpr(c, X64_RCX);
    jv b = jit_pop(c);
    jv a = jit_pop(c);
    jit_load_value(c, X64_RCX, &b);
    uint8_t d = pick_dest(c, type, &a);
    if (d == X64_RCX)
        d = jit_alloc_gpr(c);
    jit_load_value(c, d, &a);
    x64_shift_cl(&c->b, sh, w64, d);
    jit_push_result(c, type, d);
}

/* ---- division ---- */

static void divide(jit_compiler *c, bool is_signed, bool rem, bool w64)
{
    uint8_t type = w64 ? WASM_I64 : WASM_I32;
    jv *bt = jit_top(c, 0);
    jv *at = jit_top(c, 1);
    uint64_t mask = w64 ? ~0ull : 0xffffffffull;
    if (bt->kind == JV_CONST) {
        uint64_t k = bt->c[0] & mask;
        /* constant operands that cannot trap fold */
        int64_t sk = w64 ? (int64_t)k : (int32_t)(uint32_t)k;
        if (at->kind == JV_CONST && k != 0) {
            uint64_t x = at->c[0] & mask;
            int64_t sx = w64 ? (int64_t)x : (int32_t)(uint32_t)x;
            int64_t smin = w64 ? INT64_MIN : INT32_MIN;
            if (!(is_signed && sk == -1 && sx == smin && !rem)) {
                jit_pop(c);
                jit_pop(c);
                uint64_t r;
                if (!is_signed)
                    r = rem ? x % k : x / k;
                else if (sk == -1)
                    r = rem ? 0 : (uint64_t)-sx;
                else
                    r = rem ? (uint64_t)(sx % sk) : (uint64_t)(sx / sk);
                push_const_int(c, w64, r);
                return;
            }
        }
        int sh = log2_exact(k);
        if (!is_signed && sh >= 0) {
            jit_pop(c);
            jv a = jit_pop(c);
            uint8_t d = pick_dest(c, type, &a);
            jit_load_value(c, d, &a);
            if (rem) {
                if (w64 && sh >= 31) {
                    x64_mov_imm(&c->b, JIT_TMP, k - 1);
                    x64_alu_rr(&c->b, X64_AND, true, d, JIT_TMP);
                } else {
                    x64_alu_ri(&c->b, X64_AND, w64, d, (int32_t)(k - 1));
                }
            } else if (sh) {
                x64_shift_ri(&c->b, X64_SHR, w64, d, (uint8_t)sh);
            }
            jit_push_result(c, type, d);
            return;
        }
        if (is_signed && sh >= 1 && sh < (w64 ? 63 : 31)) {
            /* trunc(x / 2^k): add 2^k - 1 to negative x, then shift */
            jit_pop(c);
            jv a = jit_pop(c);
            uint8_t x = jit_in_reg(c, &a);
            uint8_t t = jit_alloc_gpr(c);
            uint8_t d = pick_dest(c, type, &a);
            if (d == x && a.kind != JV_REG)
                d = jit_alloc_gpr(c);
            x64_mov_rr(&c->b, w64, t, x);
            x64_shift_ri(&c->b, X64_SAR, w64, t, w64 ? 63 : 31);
            x64_shift_ri(&c->b, X64_SHR, w64, t, (uint8_t)((w64 ? 64 : 32) - sh));
            x64_lea(&c->b, w64, JIT_TMP, x64_sib(x, t, 1, 0));
            if (!rem) {
                x64_shift_ri(&c->b, X64_SAR, w64, JIT_TMP, (uint8_t)sh);
                x64_mov_rr(&c->b, w64, d, JIT_TMP);
            } else {
                /* x - ((x + bias) & -2^k) */
                x64_shift_ri(&c->b, X64_SAR, w64, JIT_TMP, (uint8_t)sh);
                x64_shift_ri(&c->b, X64_SHL, w64, JIT_TMP, (uint8_t)sh);
                if (d != x)
                    x64_mov_rr(&c->b, w64, d, x);
                x64_alu_rr(&c->b, X64_SUB, w64, d, JIT_TMP);
            }
            jit_push_result(c, type, d);
            return;
        }
    }
    /* the general case: rdx:rax / divisor */
    jit_claim_gpr(c, X64_RAX);
    jit_claim_gpr(c, X64_RDX);
    jv b = jit_pop(c);
    jv a = jit_pop(c);
    bool b_const = b.kind == JV_CONST;
    uint64_t k = b.c[0] & mask;
    x64_rm brm = b_const ? x64_r(jit_in_reg(c, &b)) : jit_rm(c, &b);
    if (!b_const) {
        if (brm.is_reg)
            x64_test_rr(&c->b, w64, brm.reg, brm.reg);
        else
            x64_alu_mi(&c->b, X64_CMP, w64 ? 8 : 4, brm.mem, 0);
        x64_jcc(&c->b, X64_E, jit_trap_label(c, WASM_TRAP_DIV_ZERO));
    } else if (k == 0) {
        x64_jmp(&c->b, jit_trap_label(c, WASM_TRAP_DIV_ZERO));
    }
    jit_load_value(c, X64_RAX, &a);
    x64_label done = x64_label_new(&c->b);
    bool minus_one_possible = is_signed && (!b_const || k == mask);
    if (minus_one_possible) {
        x64_label normal = x64_label_new(&c->b);
        if (!b_const) {
            if (brm.is_reg)
                x64_alu_ri(&c->b, X64_CMP, w64, brm.reg, -1);
            else
                x64_alu_mi(&c->b, X64_CMP, w64 ? 8 : 4, brm.mem, -1);
            x64_jcc(&c->b, X64_NE, normal);
        }
        if (rem) {
            /* x rem -1 = 0 (idiv would fault on INT_MIN) */
            x64_alu_rr(&c->b, X64_XOR, false, X64_RDX, X64_RDX);
            x64_jmp(&c->b, done);
        } else {
            /* x / -1 = -x, overflow for INT_MIN */
            x64_unary(&c->b, X64_NEG, w64, x64_r(X64_RAX));
            x64_jcc(&c->b, X64_O, jit_trap_label(c, WASM_TRAP_INT_OVERFLOW));
            x64_jmp(&c->b, done);
        }
        x64_bind(&c->b, normal);
    }
    if (is_signed) {
        x64_cdq(&c->b, w64);
        x64_unary(&c->b, X64_IDIV, w64, brm);
    } else {
        x64_alu_rr(&c->b, X64_XOR, false, X64_RDX, X64_RDX);
        x64_unary(&c->b, X64_DIV, w64, brm);
    }
    x64_bind(&c->b, done);
    jit_push_reg(c, type, rem ? X64_RDX : X64_RAX);
}

/* ---- unary ---- */

static void count_bits(jit_compiler *c, int which, bool w64)
{
    /* which: 0 clz, 1 ctz, 2 popcnt */
    uint8_t type = w64 ? WASM_I64 : WASM_I32;
    jv a = jit_pop(c);
    unsigned bits = w64 ? 64 : 32;
    if (a.kind == JV_CONST) {
        uint64_t x = w64 ? a.c[0] : (uint32_t)a.c[0];
        uint64_t r;
        if (which == 0)
            r = x ? (uint64_t)(w64 ? __builtin_clzll(x) : __builtin_clz((uint32_t)x)) : bits;
        else if (which == 1)
            r = x ? (uint64_t)__builtin_ctzll(x) : bits;
        else
            r = (uint64_t)__builtin_popcountll(x);
        push_const_int(c, w64, r);
        return;
    }
    x64_rm src = jit_rm(c, &a);
    uint8_t d = pick_dest(c, type, &a);
    if (which == 0 && (c->features & JIT_F_LZCNT)) {
        x64_bitop(&c->b, X64_LZCNT, w64, d, src);
    } else if (which == 1 && (c->features & JIT_F_BMI1)) {
        x64_bitop(&c->b, X64_TZCNT, w64, d, src);
    } else if (which == 2 && (c->features & JIT_F_POPCNT)) {
        x64_bitop(&c->b, X64_POPCNT, w64, d, src);
    } else if (which == 0) {
        /* bsr gives 31 - clz; for 0 pick 63 so that ^31 makes 32 */
        x64_bitop(&c->b, X64_BSR, w64, d, src);
        x64_mov_imm(&c->b, JIT_TMP, w64 ? 127 : 63);
        x64_cmov(&c->b, X64_E, w64, d, x64_r(JIT_TMP));
        x64_alu_ri(&c->b, X64_XOR, w64, d, w64 ? 63 : 31);
    } else if (which == 1) {
        x64_bitop(&c->b, X64_BSF, w64, d, src);
        x64_mov_imm(&c->b, JIT_TMP, bits);
        x64_cmov(&c->b, X64_E, w64, d, x64_r(JIT_TMP));
    } else {
        /* population count without popcnt (Hacker's Delight 5-2) */
        uint8_t t = jit_alloc_gpr(c);
        jit_load_value(c, d, &a);
        x64_mov_rr(&c->b, w64, t, d);
        x64_shift_ri(&c->b, X64_SHR, w64, t, 1);
        x64_mov_imm(&c->b, JIT_TMP, w64 ? 0x5555555555555555ull : 0x55555555u);
        x64_alu_rr(&c->b, X64_AND, w64, t, JIT_TMP);
        x64_alu_rr(&c->b, X64_SUB, w64, d, t);
        x64_mov_imm(&c->b, JIT_TMP, w64 ? 0x3333333333333333ull : 0x33333333u);
        x64_mov_rr(&c->b, w64, t, d);
        x64_alu_rr(&c->b, X64_AND, w64, t, JIT_TMP);
        x64_shift_ri(&c->b, X64_SHR, w64, d, 2);
        x64_alu_rr(&c->b, X64_AND, w64, d, JIT_TMP);
        x64_alu_rr(&c->b, X64_ADD, w64, d, t);
        x64_mov_rr(&c->b, w64, t, d);
        x64_shift_ri(&c->b, X64_SHR, w64, t, 4);
        x64_alu_rr(&c->b, X64_ADD, w64, d, t);
        x64_mov_imm(&c->b, JIT_TMP, w64 ? 0x0f0f0f0f0f0f0f0full : 0x0f0f0f0fu);
        x64_alu_rr(&c->b, X64_AND, w64, d, JIT_TMP);
        x64_mov_imm(&c->b, JIT_TMP, w64 ? 0x0101010101010101ull : 0x01010101u);
        x64_imul_rr(&c->b, w64, d, x64_r(JIT_TMP));
        x64_shift_ri(&c->b, X64_SHR, w64, d, w64 ? 56 : 24);
    }
    jit_push_result(c, type, d);
}

/* Sign extension of the low `from` bytes (extend8_s etc.). */
static void sign_extend(jit_compiler *c, int from, bool w64)
{
    uint8_t type = w64 ? WASM_I64 : WASM_I32;
    jv a = jit_pop(c);
    if (a.kind == JV_CONST) {
        int64_t v = from == 1 ? (int8_t)a.c[0] : from == 2 ? (int16_t)a.c[0] : (int32_t)a.c[0];
        push_const_int(c, w64, (uint64_t)v);
        return;
    }
    uint8_t s = jit_in_reg(c, &a);
    uint8_t d = pick_dest(c, type, &a);
    x64_movsx_rr(&c->b, from, w64, d, s);
    jit_push_result(c, type, d);
}

bool jit_op_int(jit_compiler *c, uint8_t op)
{
    switch (op) {
    case 0x45: eqz(c, false); return true;
    case 0x46: compare(c, X64_E, false); return true;
    case 0x47: compare(c, X64_NE, false); return true;
    case 0x48: compare(c, X64_L, false); return true;
    case 0x49: compare(c, X64_B, false); return true;
    case 0x4A: compare(c, X64_G, false); return true;
    case 0x4B: compare(c, X64_A, false); return true;
    case 0x4C: compare(c, X64_LE, false); return true;
    case 0x4D: compare(c, X64_BE, false); return true;
    case 0x4E: compare(c, X64_GE, false); return true;
    case 0x4F: compare(c, X64_AE, false); return true;
    case 0x50: eqz(c, true); return true;
    case 0x51: compare(c, X64_E, true); return true;
    case 0x52: compare(c, X64_NE, true); return true;
    case 0x53: compare(c, X64_L, true); return true;
    case 0x54: compare(c, X64_B, true); return true;
    case 0x55: compare(c, X64_G, true); return true;
    case 0x56: compare(c, X64_A, true); return true;
    case 0x57: compare(c, X64_LE, true); return true;
    case 0x58: compare(c, X64_BE, true); return true;
    case 0x59: compare(c, X64_GE, true); return true;
    case 0x5A: compare(c, X64_AE, true); return true;
    case 0x67: count_bits(c, 0, false); return true;
    case 0x68: count_bits(c, 1, false); return true;
    case 0x69: count_bits(c, 2, false); return true;
    case 0x6A: binop(c, OP_ADD, false); return true;
    case 0x6B: binop(c, OP_SUB, false); return true;
    case 0x6C: binop(c, OP_MUL, false); return true;
    case 0x6D: divide(c, true, false, false); return true;
    case 0x6E: divide(c, false, false, false); return true;
    case 0x6F: divide(c, true, true, false); return true;
    case 0x70: divide(c, false, true, false); return true;
    case 0x71: binop(c, OP_AND, false); return true;
    case 0x72: binop(c, OP_OR, false); return true;
    case 0x73: binop(c, OP_XOR, false); return true;
    case 0x74: shift(c, X64_SHL, false); return true;
    case 0x75: shift(c, X64_SAR, false); return true;
    case 0x76: shift(c, X64_SHR, false); return true;
    case 0x77: shift(c, X64_ROL, false); return true;
    case 0x78: shift(c, X64_ROR, false); return true;
    case 0x79: count_bits(c, 0, true); return true;
    case 0x7A: count_bits(c, 1, true); return true;
    case 0x7B: count_bits(c, 2, true); return true;
    case 0x7C: binop(c, OP_ADD, true); return true;
    case 0x7D: binop(c, OP_SUB, true); return true;
    case 0x7E: binop(c, OP_MUL, true); return true;
    case 0x7F: divide(c, true, false, true); return true;
    case 0x80: divide(c, false, false, true); return true;
    case 0x81: divide(c, true, true, true); return true;
    case 0x82: divide(c, false, true, true); return true;
    case 0x83: binop(c, OP_AND, true); return true;
    case 0x84: binop(c, OP_OR, true); return true;
    case 0x85: binop(c, OP_XOR, true); return true;
    case 0x86: shift(c, X64_SHL, true); return true;
    case 0x87: shift(c, X64_SAR, true); return true;
    case 0x88: shift(c, X64_SHR, true); return true;
    case 0x89: shift(c, X64_ROL, true); return true;
    case 0x8A: shift(c, X64_ROR, true); return true;
    case 0xA7: {    /* i32.wrap_i64: clear the upper half */
        jv a = jit_pop(c);
        if (a.kind == JV_CONST) {
            push_const_int(c, false, a.c[0]);
            return true;
        }
        x64_rm rm = jit_rm(c, &a);
        uint8_t d = pick_dest(c, WASM_I32, &a);
        if (rm.is_reg)
            x64_mov_rr(&c->b, false, d, rm.reg);
        else
            x64_load(&c->b, 4, d, rm.mem);
        jit_push_result(c, WASM_I32, d);
        return true;
    }
    case 0xAC: sign_extend(c, 4, true); return true;
    case 0xAD: {    /* i64.extend_i32_u: already zero-extended */
        jv a = jit_pop(c);
        if (a.kind == JV_CONST) {
            push_const_int(c, true, (uint32_t)a.c[0]);
            return true;
        }
        uint8_t d = pick_dest(c, WASM_I64, &a);
        jv t = a;
        t.type = WASM_I32;
        jit_load_value(c, d, &t);
        jit_push_result(c, WASM_I64, d);
        return true;
    }
    case 0xC0: sign_extend(c, 1, false); return true;
    case 0xC1: sign_extend(c, 2, false); return true;
    case 0xC2: sign_extend(c, 1, true); return true;
    case 0xC3: sign_extend(c, 2, true); return true;
    case 0xC4: sign_extend(c, 4, true); return true;
    default:
        return false;
    }
}
