/*
 * runtime/iops.h — the interpreter's instruction numbers (from iops.def) and
 * the table that says how each WebAssembly opcode is type-checked and
 * translated (opcodes.c).
 */
#ifndef WASM_IOPS_H
#define WASM_IOPS_H

#include <stdint.h>

enum wasm_iop {
#define OP(name, nargs) IOP_##name,
#include "iops.def"
#undef OP
    IOP_COUNT
};

/* Operand words of each instruction (without the handler word). */
extern const uint8_t wasm_iop_nargs[IOP_COUNT];
/* Size of an instruction in 32-bit units: handler + operands, even. */
static inline uint32_t wasm_iop_units(uint32_t nargs) { return (2 + nargs + 1) & ~1u; }

/* How the translator handles an opcode. */
enum wasm_opkind {
    WASM_K_ILLEGAL = 0,   /* not an opcode: malformed */
    WASM_K_SPECIAL,       /* control, variables, constants...: a case of its own */
    WASM_K_UNOP,          /* a -> r */
    WASM_K_BINOP,         /* a b -> r */
    WASM_K_TERNOP,        /* a b c -> r */
    WASM_K_RETYPE,        /* reinterpret: a -> r, same bits, no code */
    WASM_K_LOAD,          /* memarg; i32 -> r */
    WASM_K_STORE,         /* memarg; i32 b -> */
    WASM_K_EXTRACT,       /* lane; v128 -> r */
    WASM_K_REPLACE,       /* lane; v128 b -> v128 */
    WASM_K_LOAD_LANE,     /* memarg lane; i32 v128 -> v128 */
    WASM_K_STORE_LANE,    /* memarg lane; i32 v128 -> */
};

typedef struct wasm_opinfo {
    uint8_t kind;
    uint8_t a, b, c;      /* operand types, in push order */
    uint8_t r;            /* result type, 0 if none */
    uint8_t arg;          /* loads/stores: log2 of natural alignment; lanes: lane count */
    uint16_t iop;
} wasm_opinfo;

extern const wasm_opinfo wasm_ops_main[256];
extern const wasm_opinfo wasm_ops_fc[18];
extern const wasm_opinfo wasm_ops_simd[256];

#endif
