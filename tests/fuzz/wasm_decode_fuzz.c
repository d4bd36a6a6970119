/*
 * tests/fuzz/wasm_decode_fuzz.c — libFuzzer target: decode and validate
 * arbitrary bytes as a WebAssembly module (and translate it when valid).
 * Any result is fine; crashes, hangs, leaks and sanitizer reports are not.
 */
#include <stddef.h>
#include <stdint.h>

#include "kpio_wasm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wasm_error err;
    wasm_module *m = wasm_module_load(data, size, &err);
    if (m) {
        uint32_t n = wasm_module_import_count(m);
        wasm_extern_info info;
        for (uint32_t i = 0; i < n; i++)
            wasm_module_import(m, i, &info);
        wasm_module_free(m);
    } else if (err.result == WASM_OK || !err.message[0]) {
        __builtin_trap();       /* a failure must say why */
    }
    return 0;
}
