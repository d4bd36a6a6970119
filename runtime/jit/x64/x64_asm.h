/*
 * runtime/jit/x64/x64_asm.h — an x86-64 instruction encoder for the JIT.
 *
 * Instructions are appended to a growable byte buffer (x64_buf). Operands are
 * registers (0-15, the same numbers for general-purpose and XMM registers),
 * immediates, or memory operands [base + index*scale + disp] including
 * RIP-relative ones. Branch targets are labels: a forward branch gets a
 * 32-bit displacement patched when its label is bound; a backward branch uses
 * the short form when it reaches.
 *
 * Encodings follow the Intel SDM Vol. 2 (§2.1 instruction format, §2.2.1 REX,
 * §2.3 VEX). Nothing here knows about WebAssembly.
 */
#ifndef X64_ASM_H
#define X64_ASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    X64_RAX, X64_RCX, X64_RDX, X64_RBX, X64_RSP, X64_RBP, X64_RSI, X64_RDI,
    X64_R8, X64_R9, X64_R10, X64_R11, X64_R12, X64_R13, X64_R14, X64_R15,
};
#define X64_NOREG 0xff
/* A memory operand's base that means "relative to the next instruction". */
#define X64_RIP 0xfe

/* Condition codes (the low nibble of Jcc/SETcc/CMOVcc). */
typedef enum x64_cond {
    X64_O = 0, X64_NO = 1, X64_B = 2, X64_AE = 3, X64_E = 4, X64_NE = 5, X64_BE = 6, X64_A = 7,
    X64_S = 8, X64_NS = 9, X64_P = 10, X64_NP = 11, X64_L = 12, X64_GE = 13, X64_LE = 14, X64_G = 15,
} x64_cond;
static inline x64_cond x64_cond_not(x64_cond c) { return (x64_cond)(c ^ 1); }

/* The group-1 arithmetic operations, by their /digit. */
typedef enum x64_alu {
    X64_ADD = 0, X64_OR = 1, X64_ADC = 2, X64_SBB = 3, X64_AND = 4, X64_SUB = 5, X64_XOR = 6, X64_CMP = 7,
} x64_alu;

/* Group-2 shifts and rotates, by their /digit. */
typedef enum x64_shift { X64_ROL = 0, X64_ROR = 1, X64_SHL = 4, X64_SHR = 5, X64_SAR = 7 } x64_shift;

/* Group-3 one-operand operations (F7 /digit). */
typedef enum x64_unop { X64_NOT = 2, X64_NEG = 3, X64_MUL1 = 4, X64_IMUL1 = 5, X64_DIV = 6, X64_IDIV = 7 } x64_unop;

typedef struct x64_mem {
    uint8_t base;        /* register, X64_RIP, or X64_NOREG */
    uint8_t index;       /* register (not rsp) or X64_NOREG */
    uint8_t scale;       /* 1, 2, 4, 8 */
    int32_t disp;
} x64_mem;

static inline x64_mem x64_base(uint8_t base, int32_t disp)
{
    x64_mem m = { base, X64_NOREG, 1, disp };
    return m;
}

/* [rip + disp32] pointing at label l (resolved like a branch). */
static inline x64_mem x64_rip(uint32_t l)
{
    x64_mem m = { X64_RIP, X64_NOREG, 1, (int32_t)l };
    return m;
}

static inline x64_mem x64_sib(uint8_t base, uint8_t index, uint8_t scale, int32_t disp)
{
    x64_mem m = { base, index, scale, disp };
    return m;
}

/* A register-or-memory operand (the ModRM r/m field). */
typedef struct x64_rm {
    bool is_reg;
    uint8_t reg;
    x64_mem mem;
} x64_rm;

static inline x64_rm x64_r(uint8_t reg)
{
    x64_rm o = { true, reg, { X64_NOREG, X64_NOREG, 1, 0 } };
    return o;
}

static inline x64_rm x64_m(x64_mem m)
{
    x64_rm o = { false, 0, m };
    return o;
}

/* Labels are small integers handed out by x64_label_new. */
typedef uint32_t x64_label;

typedef struct x64_fixup {
    uint32_t pos;        /* of the 32-bit displacement field */
    x64_label label;
    uint32_t tail;       /* bytes of the instruction after the field */
} x64_fixup;

typedef struct x64_buf {
    uint8_t *code;
    size_t len, cap;
    int32_t *labels;     /* label -> bound position, or -1 */
    uint32_t nlabels, cap_labels;
    x64_fixup *fixups;
    uint32_t nfixups, cap_fixups;
    bool failed;         /* out of memory: everything after is dropped */
} x64_buf;

void x64_init(x64_buf *b);
void x64_free(x64_buf *b);
/* Forgets labels and fix-ups (code stays); for reuse between functions. */
void x64_reset_labels(x64_buf *b);
/* Makes room for n more bytes; false (and b->failed) on failure. */
bool x64_reserve(x64_buf *b, size_t n);
void x64_byte(x64_buf *b, uint8_t v);
void x64_u16(x64_buf *b, uint16_t v);
void x64_u32(x64_buf *b, uint32_t v);
void x64_u64(x64_buf *b, uint64_t v);
void x64_patch32(x64_buf *b, size_t pos, uint32_t v);
/* Pads with multi-byte NOPs to a multiple of `align` (a power of two). */
void x64_align(x64_buf *b, uint32_t align, bool nops);

x64_label x64_label_new(x64_buf *b);
void x64_bind(x64_buf *b, x64_label l);
bool x64_bound(const x64_buf *b, x64_label l);
int32_t x64_label_pos(const x64_buf *b, x64_label l);
/* Resolves every forward reference to bound labels; false if one is unbound. */
bool x64_resolve(x64_buf *b);
/* Emits a 32-bit relative reference to l (for jump tables: the value is
 * target - pos_of_field - 4 + addend, resolved like a branch). */
void x64_rel32_to(x64_buf *b, x64_label l);

/* ---- general-purpose instructions; w64 selects the 64-bit form ---- */

void x64_alu_rr(x64_buf *b, x64_alu op, bool w64, uint8_t dst, uint8_t src);
void x64_alu_rm(x64_buf *b, x64_alu op, bool w64, uint8_t dst, x64_mem src);
void x64_alu_mr(x64_buf *b, x64_alu op, bool w64, x64_mem dst, uint8_t src);
/* dst op= imm (sign-extended imm8 form when it fits). */
void x64_alu_ri(x64_buf *b, x64_alu op, bool w64, uint8_t dst, int32_t imm);
/* [dst] op= imm with an operand of `size` bytes (1, 2, 4, 8). */
void x64_alu_mi(x64_buf *b, x64_alu op, int size, x64_mem dst, int32_t imm);
void x64_test_rr(x64_buf *b, bool w64, uint8_t a, uint8_t c);
void x64_test_ri(x64_buf *b, bool w64, uint8_t a, int32_t imm);
void x64_test_mi(x64_buf *b, int size, x64_mem m, int32_t imm);

void x64_mov_rr(x64_buf *b, bool w64, uint8_t dst, uint8_t src);
/* Loads `size` bytes (1, 2, 4, 8): 1 and 2 zero-extend to 32 bits. */
void x64_load(x64_buf *b, int size, uint8_t dst, x64_mem src);
void x64_load_sx(x64_buf *b, int size, bool w64, uint8_t dst, x64_mem src);   /* 1, 2, 4 */
void x64_store(x64_buf *b, int size, x64_mem dst, uint8_t src);
void x64_store_imm(x64_buf *b, int size, x64_mem dst, int32_t imm);
/* Loads a constant in the shortest form (mov r32 for values < 2^32,
 * sign-extended imm32, or movabs). Never touches the flags. */
void x64_mov_imm(x64_buf *b, uint8_t dst, uint64_t imm);
void x64_movzx_rr(x64_buf *b, int size, uint8_t dst, uint8_t src);          /* 1, 2 */
void x64_movsx_rr(x64_buf *b, int size, bool w64, uint8_t dst, uint8_t src); /* 1, 2, 4 */
void x64_lea(x64_buf *b, bool w64, uint8_t dst, x64_mem m);

void x64_shift_ri(x64_buf *b, x64_shift op, bool w64, uint8_t dst, uint8_t imm);
void x64_shift_cl(x64_buf *b, x64_shift op, bool w64, uint8_t dst);
/* BMI2 shifts by a register count: dst = src op count. */
void x64_shiftx(x64_buf *b, x64_shift op, bool w64, uint8_t dst, x64_rm src, uint8_t count);
void x64_unary(x64_buf *b, x64_unop op, bool w64, x64_rm a);
void x64_imul_rr(x64_buf *b, bool w64, uint8_t dst, x64_rm src);
void x64_imul_rri(x64_buf *b, bool w64, uint8_t dst, x64_rm src, int32_t imm);
void x64_cdq(x64_buf *b, bool w64);                       /* cdq / cqo */
/* bsf, bsr, tzcnt, lzcnt, popcnt: dst = op(src). */
typedef enum x64_bitopc { X64_BSF, X64_BSR, X64_TZCNT, X64_LZCNT, X64_POPCNT } x64_bitopc;
void x64_bitop(x64_buf *b, x64_bitopc op, bool w64, uint8_t dst, x64_rm src);
void x64_setcc(x64_buf *b, x64_cond c, uint8_t dst);      /* 8-bit register */
void x64_cmov(x64_buf *b, x64_cond c, bool w64, uint8_t dst, x64_rm src);
void x64_xchg_rr(x64_buf *b, bool w64, uint8_t a, uint8_t c);

void x64_push(x64_buf *b, uint8_t r);
void x64_pop(x64_buf *b, uint8_t r);
void x64_ret(x64_buf *b);
void x64_ud2(x64_buf *b);
void x64_int3(x64_buf *b);
void x64_rep_movsb(x64_buf *b);
void x64_rep_stosq(x64_buf *b);

void x64_jmp(x64_buf *b, x64_label l);
void x64_jcc(x64_buf *b, x64_cond c, x64_label l);
void x64_call_label(x64_buf *b, x64_label l);
void x64_jmp_rm(x64_buf *b, x64_rm target);
void x64_call_rm(x64_buf *b, x64_rm target);

/* ---- SSE / AVX ----
 * An SSE instruction is described by its mandatory prefix (none, 66, F3, F2),
 * opcode map (0F, 0F38, 0F3A) and opcode. x64_sse emits the legacy form
 * "op reg, r/m"; x64_vex emits the VEX form "vop reg, vvvv, r/m" (VEX.L = 0,
 * 128 bits, unless l256). imm >= 0 appends an immediate byte. */
typedef enum x64_pp { X64_PP_NONE = 0, X64_PP_66 = 1, X64_PP_F3 = 2, X64_PP_F2 = 3 } x64_pp;
typedef enum x64_map { X64_MAP_0F = 1, X64_MAP_0F38 = 2, X64_MAP_0F3A = 3 } x64_map;

typedef struct x64_sseop {
    uint8_t pp, map, op;
    uint8_t w;           /* REX.W / VEX.W */
} x64_sseop;

#define X64_SSE(pp, map, op) ((x64_sseop){ (pp), (map), (op), 0 })
#define X64_SSEW(pp, map, op) ((x64_sseop){ (pp), (map), (op), 1 })

void x64_sse(x64_buf *b, x64_sseop op, uint8_t reg, x64_rm rm, int imm);
void x64_vex(x64_buf *b, x64_sseop op, bool l256, uint8_t reg, uint8_t vvvv, x64_rm rm, int imm);
/* Group shifts by immediate (66 0F 71/72/73 /digit ib): xmm >>= imm. */
void x64_sse_shift_imm(x64_buf *b, uint8_t op, uint8_t digit, uint8_t xmm, uint8_t imm);
void x64_vex_shift_imm(x64_buf *b, uint8_t op, uint8_t digit, uint8_t dst, uint8_t src, uint8_t imm);

/* A few common SSE operations with fixed encodings. */
void x64_movaps_rr(x64_buf *b, uint8_t dst, uint8_t src);
void x64_movdqu_load(x64_buf *b, uint8_t dst, x64_mem src);
void x64_movdqu_store(x64_buf *b, x64_mem dst, uint8_t src);
void x64_movss_load(x64_buf *b, uint8_t dst, x64_mem src);     /* zeroes the rest */
void x64_movsd_load(x64_buf *b, uint8_t dst, x64_mem src);
void x64_movss_store(x64_buf *b, x64_mem dst, uint8_t src);
void x64_movsd_store(x64_buf *b, x64_mem dst, uint8_t src);
/* movd/movq between general-purpose and XMM registers. */
void x64_movq_xr(x64_buf *b, bool w64, uint8_t xmm, uint8_t gpr);
void x64_movq_rx(x64_buf *b, bool w64, uint8_t gpr, uint8_t xmm);

#endif
