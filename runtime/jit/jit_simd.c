/*
 * runtime/jit/jit_simd.c — 128-bit SIMD instructions (Wasm 2.0 §4.4.3).
 */
#include "jit_internal.h"

bool jit_op_simd(jit_compiler *c, uint32_t sub)
{
    (void)c;
    (void)sub;
    return false;
}
