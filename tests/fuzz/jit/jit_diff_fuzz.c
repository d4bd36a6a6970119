/*
 * tests/fuzz/jit/jit_diff_fuzz.c — libFuzzer target: the input bytes are the
 * generator's decisions; a module whose interpreter and JIT runs differ in
 * any observable way aborts (libFuzzer keeps the input).
 */
#include <stdio.h>
#include <stdlib.h>

#include "jit_diff.h"
#include "wasm_gen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wasm_gen_out m;
    if (wasm_gen_module(data, size, &m) != 0)
        return 0;
    uint64_t seed = 1469598103934665603ull;
    for (size_t i = 0; i < size; i++)
        seed = (seed ^ data[i]) * 1099511628211ull;
    jit_diff_options opt = { 0, false };
    if ((seed & 3) == 1)
        opt.fuel = 1000000000ull;
    if ((seed & 3) == 2)
        opt.baseline = true;
    char rep[2048];
    int rc = jit_diff_run(m.bytes, m.size, seed, &opt, NULL, rep, sizeof(rep));
    free(m.bytes);
    if (rc) {
        fprintf(stderr, "jit-diff: DIVERGENCE: %s\n", rep);
        abort();
    }
    return 0;
}
