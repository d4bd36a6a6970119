/*
 * runtime/jit/jit_simd.h — helpers shared by the two SIMD files: operands,
 * destinations and the common instruction shapes (SSE4.1 encodings; the AVX
 * three-operand forms when the CPU has AVX).
 */
#ifndef WASM_JIT_SIMD_H
#define WASM_JIT_SIMD_H

#include "jit_internal.h"

#define P66(map, op) X64_SSE(X64_PP_66, map, op)
#define M0F X64_MAP_0F
#define M38 X64_MAP_0F38
#define M3A X64_MAP_0F3A

/* Instructions used by name in several places. */
#define OP_PXOR     P66(M0F, 0xEF)
#define OP_PAND     P66(M0F, 0xDB)
#define OP_PANDN    P66(M0F, 0xDF)
#define OP_POR      P66(M0F, 0xEB)
#define OP_PSHUFB   P66(M38, 0x00)
#define OP_PSHUFD   P66(M0F, 0x70)
#define OP_PCMPEQB  P66(M0F, 0x74)
#define OP_PCMPEQW  P66(M0F, 0x75)
#define OP_PCMPEQD  P66(M0F, 0x76)
#define OP_PTEST    P66(M38, 0x17)

/* An XMM register holding v (constants loaded). */
uint8_t jit_vreg(jit_compiler *c, jv *v);
/* v as an r/m operand: register, frame slot, or constant-pool entry. */
x64_rm jit_vrm(jit_compiler *c, jv *v);
/* Destination register for a result computed from a (hint, a's own, new). */
uint8_t jit_vdest(jit_compiler *c, uint8_t type, const jv *a);
/* dst = op(src) for a one-source instruction (pmovsx, sqrtps, ...). */
void jit_vunary(jit_compiler *c, x64_sseop op, uint8_t dst, x64_rm src, int imm);
/* d = a op b, written as a (possibly non-AVX) two-operand sequence. */
static inline void jit_v3(jit_compiler *c, x64_sseop op, uint8_t d, uint8_t a, uint8_t b)
{
    jit_vop(c, op, d, a, x64_r(b), -1);
}
/* Shift of a whole register by an immediate (71/72/73 /digit). */
void jit_vshift_imm(jit_compiler *c, uint8_t opc, uint8_t digit, uint8_t dst, uint8_t src, uint8_t n);
/* A 16-byte constant with every lane of `bytes` bytes equal to v. */
x64_mem jit_vsplat_const(jit_compiler *c, int bytes, uint64_t v);

/* d = ~a */
void jit_vnot(jit_compiler *c, uint8_t d, uint8_t a);

/* jit_simd_ops.c: the operations that take a sequence of instructions. */
bool jit_simd_compound(jit_compiler *c, uint32_t sub);

#endif
