/*
 * tests/fuzz/jit/wasm_gen.h — a generator of random, valid WebAssembly
 * modules for differential testing of the JIT against the interpreter.
 *
 * Every choice the generator makes is read from a byte string (libFuzzer's
 * input, or bytes from a seeded PRNG); when the bytes run out every choice is
 * 0, so any input yields a valid module. Modules always terminate: loops
 * count down a counter nothing else writes, calls only go to functions with
 * a higher index (and call_indirect only to functions that call nothing).
 * Floating-point results are made canonical where they are produced (a NaN
 * becomes the canonical NaN), so that NaN payloads, which WebAssembly leaves
 * nondeterministic, cannot make the two engines' memories differ.
 */
#ifndef WASM_GEN_H
#define WASM_GEN_H

#include <stddef.h>
#include <stdint.h>

typedef struct wasm_gen_out {
    uint8_t *bytes;     /* the module (malloc'ed) */
    size_t size;
} wasm_gen_out;

/* Generates a module from the decision bytes; returns 0 or -1 (no memory). */
int wasm_gen_module(const uint8_t *decisions, size_t n, wasm_gen_out *out);

#endif
