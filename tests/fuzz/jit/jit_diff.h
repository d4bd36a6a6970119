/*
 * tests/fuzz/jit/jit_diff.h — differential execution of one module under the
 * interpreter and the JIT (jit_diff.c).
 */
#ifndef JIT_DIFF_H
#define JIT_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct jit_diff_options {
    uint64_t fuel;          /* 0: none; else both instances get this much (metered code) */
    bool baseline;          /* the JIT restricted to SSE4.1 */
} jit_diff_options;

typedef struct jit_diff_stats {
    uint64_t modules, calls, traps, inconclusive;
    uint64_t by_trap[16];   /* traps by wasm_trap kind */
} jit_diff_stats;

/* Loads, instantiates and calls every exported function three times with
 * arguments from `seed` under both engines. Returns 0 when everything agreed,
 * 1 with a description in `out` when something differed (or the generated
 * module was not accepted). */
int jit_diff_run(const uint8_t *module, size_t size, uint64_t seed, const jit_diff_options *opt,
                 jit_diff_stats *stats, char *out, size_t out_size);

#endif
