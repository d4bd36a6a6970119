/*
 * tests/fuzz/wasm_run_fuzz.c — libFuzzer target: load a module, link every
 * imported function to a stub, instantiate it under tight limits (memory,
 * table, call depth, fuel) and call each exported function with zero
 * arguments, on the interpreter and on the JIT. Traps are expected
 * results; crashes, hangs, leaks and sanitizer reports are not.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kpio_wasm.h"
#include "../../runtime/wasm_internal.h"

/* A host function that returns zeros (or the first argument, to vary). */
static wasm_trap stub(wasm_instance *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)inst;
    const wasm_functype *ft = env;
    uint32_t slot = 0;
    for (uint32_t i = 0; i < ft->nresults; i++) {
        uint32_t n = wasm_slots(ft->results[i]);
        for (uint32_t k = 0; k < n; k++)
            results[slot + k] = 0;
        if (ft->results[i] == WASM_I32 && ft->nparams && ft->params[0] == WASM_I32)
            results[slot] = (uint32_t)args[0];
        slot += n;
    }
    return WASM_TRAP_NONE;
}

static char sig_char(uint8_t t)
{
    switch (t) {
    case WASM_I32: return 'i';
    case WASM_I64: return 'I';
    case WASM_F32: return 'f';
    case WASM_F64: return 'F';
    case WASM_V128: return 'v';
    case WASM_EXTERNREF: return 'r';
    default: return 'R';
    }
}

/* "(params)results" for a function type; false if it does not fit. */
static int signature(const wasm_functype *ft, char *buf, size_t size)
{
    size_t n = 0;
    if (ft->nparams + ft->nresults + 3 > size)
        return 0;
    buf[n++] = '(';
    for (uint32_t i = 0; i < ft->nparams; i++)
        buf[n++] = sig_char(ft->params[i]);
    buf[n++] = ')';
    for (uint32_t i = 0; i < ft->nresults; i++)
        buf[n++] = sig_char(ft->results[i]);
    buf[n] = 0;
    return 1;
}

/* Loads data with the current engine, instantiates it and calls every
 * exported function. */
static void run_module(const uint8_t *data, size_t size)
{
    wasm_error err;
    wasm_module *m = wasm_module_load(data, size, &err);
    if (!m)
        return;
    wasm_linker *l = wasm_linker_new();
    char sig[256];
    for (uint32_t i = 0; i < m->nimports; i++) {
        const wasm_import *im = &m->imports[i];
        if (im->kind != WASM_EXTERN_FUNC)
            continue;       /* left unresolved: instantiation fails cleanly */
        const wasm_functype *ft = m->funcs[im->index].type;
        if (signature(ft, sig, sizeof(sig)))
            wasm_linker_define_func(l, im->module, im->name, sig, stub, (void *)ft);
    }
    wasm_limits lim = { .max_memory_pages = 64, .max_table_elements = 10000,
                        .max_call_depth = 200, .fuel = 200000 };
    wasm_instance *inst = wasm_instantiate(m, l, &lim, NULL, &err);
    if (inst) {
        for (uint32_t i = 0; i < m->nexports; i++) {
            const wasm_export *ex = &m->exports[i];
            if (ex->kind != WASM_EXTERN_FUNC)
                continue;
            wasm_func *f = wasm_instance_export_func(inst, ex->name, ex->name_len);
            const wasm_functype *ft = m->funcs[ex->index].type;
            if (!f || ft->nparams > 64 || ft->nresults > 64)
                continue;
            wasm_value args[64], results[64];
            memset(args, 0, sizeof(args));
            for (uint32_t k = 0; k < ft->nparams; k++)
                args[k].type = (wasm_valtype)ft->params[k];
            wasm_call_func(inst, f, args, ft->nparams, results, ft->nresults, &err);
            wasm_memory_size(inst);
        }
        wasm_instance_free(inst);
    }
    wasm_linker_free(l);
    wasm_module_free(m);
}

/* Each input runs on the interpreter, then on the JIT where there is one
 * (the default engine), so that both engines are fuzzed. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wasm_runtime_set_engine(WASM_ENGINE_INTERP);
    run_module(data, size);
    wasm_runtime_set_engine(WASM_ENGINE_DEFAULT);
    if (wasm_runtime_jit_available())
        run_module(data, size);
    return 0;
}
