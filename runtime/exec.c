/*
 * runtime/exec.c — activations: entering WebAssembly from the embedder,
 * calling host functions, and traps.
 *
 * Every entry into WebAssembly (wasm_invoke) is an activation. It records a
 * jump buffer (__builtin_setjmp, which needs no libc), the instance whose
 * value stack it uses, and which linear memory the running code uses. An
 * activation is the thread's current one while it runs (wasm_plat_thread_slot).
 *
 * Traps found by the interpreter are returned normally. A guest access
 * outside the committed part of a guarded memory faults instead: the
 * platform's fault handler calls wasm_fault_redirect(), which makes the
 * interrupted context resume in trap_landing(), which jumps back to the
 * activation's wasm_invoke. The same path works from a kernel page-fault
 * handler (rewrite the saved RIP/RSP) and from a hosted SIGSEGV handler
 * (rewrite the ucontext registers), and a JIT's code can use it unchanged.
 */
#include "wasm_internal.h"
#include "jit/jit.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WASM_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define WASM_ASAN 1
#endif
#ifdef WASM_ASAN
void __asan_handle_no_return(void);
#endif

static wasm_activation **current_slot(void)
{
    return (wasm_activation **)wasm_plat_thread_slot();
}

wasm_activation *wasm_current_activation(void)
{
    return *current_slot();
}

/* Unwinds to the current activation's wasm_invoke. */
static __attribute__((noreturn)) void jump_out(wasm_activation *act)
{
#ifdef WASM_ASAN
    __asan_handle_no_return();      /* the skipped frames' stack is unpoisoned */
#endif
    __builtin_longjmp(act->jmpbuf, 1);
}

void wasm_trap_raise(wasm_trap trap)
{
    wasm_activation *act = wasm_current_activation();
    act->trap = trap;
    jump_out(act);
}

/* Where a faulting guest access resumes (see wasm_fault_redirect). */
static __attribute__((noreturn, used)) void trap_landing(void)
{
    wasm_trap_raise(WASM_TRAP_MEMORY_OOB);
}

bool wasm_fault_redirect(uintptr_t fault_addr, uintptr_t *pc, uintptr_t *sp)
{
    wasm_activation *act = *current_slot();
    if (act && act->jit && wasm_jit_fault(act, fault_addr, pc, sp))
        return true;
    if (!act || !act->in_guest)
        return false;
    wasm_memory *mem = act->cur_mem;
    if (!mem || !mem->guarded)
        return false;
    uintptr_t lo = (uintptr_t)mem->base;
    if (fault_addr < lo || fault_addr - lo >= mem->reserved)
        return false;
    /* Resume in trap_landing as if it had just been called: below the red
     * zone, 16-byte aligned minus the return address slot. Nothing is
     * written to the stack (the signal frame may lie just below). */
    uintptr_t s = ((*sp - 128) & ~(uintptr_t)15) - 8;
    *sp = s;
    *pc = (uintptr_t)&trap_landing;
    return true;
}

/* ---- value and frame stacks ---- */

/* Gives inst its stacks on first use. */
static bool stack_ready(wasm_instance *inst)
{
    wasm_stack *st = &inst->stack;
    if (st->slots)
        return true;
    size_t page = wasm_plat_page_size();
    size_t slots_bytes = (size_t)WASM_STACK_SLOTS * sizeof(uint64_t);
    size_t frames_bytes = ((size_t)inst->max_call_depth * sizeof(wasm_frame) + page - 1) & ~(page - 1);
    size_t total = slots_bytes + frames_bytes;
    uint8_t *base = wasm_plat_reserve(total);
    bool heap = false;
    if (base) {
        if (!wasm_plat_commit(base, total)) {
            wasm_plat_release(base, total);
            return false;
        }
    } else {
        base = wasm_plat_alloc(total);
        if (!base)
            return false;
        heap = true;
    }
    st->slots = (uint64_t *)base;
    st->end = st->slots + WASM_STACK_SLOTS;
    st->top = st->slots;
    st->frames = (wasm_frame *)(base + slots_bytes);
    st->nframes = inst->max_call_depth;
    st->frame_top = 0;
    st->bytes = total;
    st->from_heap = heap;
    return true;
}

void wasm_stack_free(wasm_instance *inst)
{
    wasm_stack *st = &inst->stack;
    if (!st->slots)
        return;
    if (st->from_heap)
        wasm_plat_free(st->slots);
    else
        wasm_plat_release(st->slots, st->bytes);
    st->slots = NULL;
}

/* ---- host functions ---- */

wasm_trap wasm_call_host(wasm_activation *act, wasm_instance *caller, wasm_funcinst *f, uint64_t *slots)
{
    const wasm_functype *ft = f->type;
    uint64_t buf[32];
    uint64_t *args = buf;
    if (ft->param_slots > 32) {
        args = wasm_plat_alloc(ft->param_slots * sizeof(uint64_t));
        if (!args)
            return WASM_TRAP_HOST;
    }
    wasm_memcpy(args, slots, ft->param_slots * sizeof(uint64_t));
    act->in_guest = 0;
    wasm_trap trap = f->host(caller, f->env, args, slots);
    act->in_guest = 1;
    if (args != buf)
        wasm_plat_free(args);
    /* A host call is where a guest blocks (poll, read, sleep): an interrupt
     * that woke it stops the guest here, before it can carry on or exit
     * on its own terms. (Read before the exchange: a locked instruction
     * costs far more than a load, most of all under emulation.) */
    if (act->root && __atomic_load_n(&act->root->interrupt, __ATOMIC_RELAXED) &&
        __atomic_exchange_n(&act->root->interrupt, 0, __ATOMIC_RELAXED)) {
        if (caller)
            caller->exiting = false;
        act->exiting = false;
        return WASM_TRAP_INTERRUPTED;
    }
    if (caller && caller->exiting) {
        act->exiting = true;
        act->exit_code = caller->exit_code;
        caller->exiting = false;
    }
    if (act->exiting)
        return WASM_TRAP_HOST;
    if (trap)
        return trap;
    /* Keep 32-bit results zero-extended in their slots. */
    uint64_t *r = slots;
    for (uint32_t i = 0; i < ft->nresults; i++) {
        uint8_t t = ft->results[i];
        if (t == WASM_I32 || t == WASM_F32)
            *r = (uint32_t)*r;
        r += wasm_slots(t);
    }
    return WASM_TRAP_NONE;
}

/* ---- entering WebAssembly ---- */

static wasm_trap run(wasm_activation *act, wasm_instance *root, wasm_funcinst *f, uint64_t *fp)
{
    if (!f->code)
        return wasm_call_host(act, root, f, fp);
    if (wasm_jit_runs(f))
        return wasm_jit_run(act, root, f, fp);
    if (f->inst->module->checked)
        return wasm_interp_run_checked(act, root, f, fp);
    return wasm_interp_run(act, root, f, fp);
}

/*
 * Calls f on behalf of `root` (whose stacks the activation uses). `args`
 * holds the arguments as slots and receives the results; it has room for
 * nslots >= max(param slots, result slots). Traps and exits become errors.
 */
wasm_result wasm_invoke(wasm_instance *root, wasm_funcinst *f, uint64_t *args, size_t nslots,
                        wasm_error *err)
{
    const wasm_functype *ft = f->type;
    size_t need = ft->param_slots > ft->result_slots ? ft->param_slots : ft->result_slots;
    if (nslots < need) {
        wasm_error_set(err, WASM_ERR_ARGS, "argument buffer too small");
        return WASM_ERR_ARGS;
    }
    if (!stack_ready(root)) {
        wasm_error_set(err, WASM_ERR_NOMEM, "cannot allocate the value stack");
        return WASM_ERR_NOMEM;
    }
    wasm_stack *st = &root->stack;
    wasm_activation **slot = current_slot();
    wasm_activation act;
    wasm_memset(&act, 0, sizeof(act));
    act.prev = *slot;
    act.root = root;
    act.nesting = act.prev ? act.prev->nesting + 1 : 0;
    /* Host -> wasm -> host re-entry uses the C stack: bound both the depth
     * and the bytes used since the outermost activation. A host function
     * called from compiled code runs on the JIT's own stack instead, which
     * has its own bound. */
    uintptr_t here = (uintptr_t)__builtin_frame_address(0), jit_low;
    act.c_stack_base = act.prev ? act.prev->c_stack_base : here;
    bool deep = act.c_stack_base - here > WASM_MAX_C_STACK;
    if (act.prev && wasm_jit_stack_of(act.prev, here, &jit_low))
        deep = here < jit_low;
    if (act.nesting >= WASM_MAX_NESTING || deep || st->top + need > st->end) {
        wasm_error_trap(err, WASM_TRAP_STACK_EXHAUSTED);
        return WASM_ERR_TRAP;
    }
    /* An interrupt requested while nothing ran stops this call at once. */
    if (__atomic_exchange_n(&root->interrupt, 0, __ATOMIC_RELAXED)) {
        wasm_error_trap(err, WASM_TRAP_INTERRUPTED);
        return WASM_ERR_TRAP;
    }
    uint64_t *const fp = st->top;
    uint64_t *const saved_top = st->top;
    const uint32_t saved_frames = st->frame_top;
    wasm_memcpy(fp, args, ft->param_slots * sizeof(uint64_t));

    *slot = &act;
    act.in_guest = 1;
    wasm_trap trap;
    if (__builtin_setjmp(act.jmpbuf) == 0)
        trap = run(&act, root, f, fp);
    else
        trap = act.trap;            /* back from a fault or wasm_trap_raise */
    act.in_guest = 0;
    *slot = act.prev;
    st->top = saved_top;
    st->frame_top = saved_frames;

    if (act.exiting) {
        if (act.prev) {
            act.prev->exiting = true;
            act.prev->exit_code = act.exit_code;
        }
        if (err) {
            wasm_error_set(err, WASM_ERR_EXIT, "exit with code %d", act.exit_code);
            err->exit_code = act.exit_code;
        }
        return WASM_ERR_EXIT;
    }
    if (trap) {
        wasm_error_trap(err, trap);
        return WASM_ERR_TRAP;
    }
    wasm_memcpy(args, fp, ft->result_slots * sizeof(uint64_t));
    return WASM_OK;
}

const void *const *wasm_interp_handlers(bool checked)
{
    return checked ? wasm_interp_handlers_checked() : wasm_interp_handlers_fast();
}
