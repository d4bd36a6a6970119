/*
 * runtime/jit/jit.h — what the rest of the runtime calls in the JIT.
 *
 * The JIT compiles a whole validated module to x86-64 when it is loaded
 * (wasm_module_load), gives each instance a context the code runs against,
 * and runs functions when exec.c enters WebAssembly. On other hosts, or when
 * the interpreter is chosen, every function here is a no-op that reports
 * "not compiled", and the interpreter runs everything.
 */
#ifndef WASM_JIT_H
#define WASM_JIT_H

#include "../wasm_internal.h"

/* Whether modules loaded from now on are compiled (the engine setting, the
 * CPU and guard-page memories permitting). */
bool wasm_jit_enabled(void);

/* Compiles every defined function of m (bodies: the module's own copy,
 * m->bodies, kept for a fuel-metered variant later). On failure the module
 * is interpreted; returns false then. */
bool wasm_jit_compile_module(wasm_module *m, const wasm_body *bodies);
void wasm_jit_free_module(wasm_module *m);

/* Creates inst's JIT context after its functions, tables, memory and
 * globals exist (false: out of memory); frees it with the instance. */
bool wasm_jit_instance_init(wasm_instance *inst);
void wasm_jit_instance_free(wasm_instance *inst);

/* Whether f runs as compiled code. */
static inline bool wasm_jit_runs(const wasm_funcinst *f)
{
    return f->code && f->inst && f->inst->jit;
}

/* Runs JIT-compiled f with arguments in fp (slots), results to fp. */
wasm_trap wasm_jit_run(wasm_activation *act, wasm_instance *root, wasm_funcinst *f, uint64_t *fp);

/* From wasm_fault_redirect: a fault in compiled code of the current
 * activation becomes its trap (true); anything else is left alone. */
bool wasm_jit_fault(wasm_activation *act, uintptr_t fault_addr, uintptr_t *pc, uintptr_t *sp);

/* From wasm_invoke: whether sp is on the JIT's own machine stack under
 * act (a host function called from compiled code re-enters there); *low is
 * then the lowest address the re-entry may start at. */
bool wasm_jit_stack_of(const wasm_activation *act, uintptr_t sp, uintptr_t *low);

/* From wasm_instance_interrupt: make running compiled code notice. */
void wasm_jit_interrupt(wasm_instance *inst);

#endif
