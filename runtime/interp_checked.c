/*
 * runtime/interp_checked.c — the interpreter again, with an explicit bounds
 * check on every memory access, for memories that are not guarded by a
 * reservation (platforms that cannot reserve 8 GiB or catch faults).
 */
#define INTERP_CHECKED 1
#define INTERP_RUN wasm_interp_run_checked
#define INTERP_HANDLERS wasm_interp_handlers_checked
#include "interp.c"
