/*
 * tests/unit/wasi/fake_engine.c — see fake_engine.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_engine.h"

struct wasm_instance fake_inst;

static struct {
    char name[64];
    char sig[32];
    wasm_host_func fn;
    void *env;
} defined[64];
static int ndefined;

wasm_result wasm_linker_define_func(wasm_linker *l, const char *module, const char *name,
                                    const char *signature, wasm_host_func fn, void *env)
{
    (void)l;
    if (strcmp(module, "wasi_snapshot_preview1") != 0 || ndefined == 64)
        return WASM_ERR_ARGS;
    snprintf(defined[ndefined].name, sizeof(defined[0].name), "%s", name);
    snprintf(defined[ndefined].sig, sizeof(defined[0].sig), "%s", signature);
    defined[ndefined].fn = fn;
    defined[ndefined].env = env;
    ndefined++;
    return WASM_OK;
}

int fake_defined_count(void) { return ndefined; }
void fake_reset_linker(void) { ndefined = 0; }

bool wasm_memory_check(wasm_instance *inst, uint64_t offset, uint64_t len)
{
    (void)inst;
    return offset <= FAKE_MEM_SIZE && len <= FAKE_MEM_SIZE - offset;
}

uint8_t *wasm_memory_base(wasm_instance *inst) { return inst->mem; }
uint64_t wasm_memory_size(wasm_instance *inst) { (void)inst; return FAKE_MEM_SIZE; }

void wasm_instance_exit(wasm_instance *inst, int exit_code)
{
    inst->exited = true;
    inst->exit_code = exit_code;
}

int64_t fake_call(const char *name, const uint64_t *in, int nargs)
{
    for (int i = 0; i < ndefined; i++) {
        if (strcmp(defined[i].name, name) != 0)
            continue;
        /* The signature must agree with the argument count we pass. */
        const char *sig = defined[i].sig;
        int want = (int)(strchr(sig, ')') - sig - 1);
        if (want != nargs) {
            fprintf(stderr, "fake_call: %s takes %d arguments, got %d\n", name, want, nargs);
            abort();
        }
        uint64_t args[9] = { 0 }, results[1] = { 0xdead };
        for (int k = 0; k < nargs; k++)
            args[k] = in[k];
        wasm_trap t = defined[i].fn(&fake_inst, defined[i].env, args, results);
        if (t != WASM_TRAP_NONE)
            return -1;
        return (int64_t)results[0];
    }
    fprintf(stderr, "fake_call: %s is not defined\n", name);
    abort();
}
