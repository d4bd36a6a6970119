/*
 * runtime/jit/jit_runtime.c — compiled modules and instances at run time:
 * compiling at load, the instance context, entering compiled code from C,
 * the helpers compiled code calls, traps and faults.
 *
 * Stacks: compiled code runs on a machine stack of its own, reserved per
 * instance when it first runs, so that deep recursion in WebAssembly can
 * neither overflow a small thread stack nor go unnoticed. Its size is
 * max_call_depth frames of the module's largest frame (within bounds), and
 * every function checks rsp against the context's stack_limit on entry: so
 * any call depth up to max_call_depth works, and runaway recursion traps
 * with "call stack exhausted" (without a counter to update on every call).
 * An activation entered from a host function called by compiled code
 * continues on the stack it is on.
 *
 * Traps: every entry into compiled code (jit_enter) has a jump buffer in a
 * jit_entry record that the activation points to. Out-of-line trap code
 * calls jit_helper_trap, and a faulting access (wasm_jit_fault, from the
 * platform's fault handler) resumes in jit_fault_landing; both jump back to
 * the innermost entry, which restores the context and returns the trap.
 */
#include "jit_internal.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define JIT_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define JIT_ASAN 1
#endif
#ifdef JIT_ASAN
/* C code (helpers, host functions) runs on the JIT stack; a trap jumps over
 * its frames, so their redzones are cleared by hand (ASan cannot tell where
 * this stack begins to do it itself). */
void __asan_unpoison_memory_region(void const volatile *addr, size_t size);
#endif

/* The smallest machine stack, and the room below its limit for C code
 * (helpers, host functions, signal frames). Hosted, that C code is libc's
 * and perhaps a sanitizer's; a kernel, whose own C code runs in small
 * thread stacks and whose JIT stacks are backed up front, builds with less
 * (kernel/userspace.mk). */
#ifndef WASM_JIT_STACK_MIN
#define WASM_JIT_STACK_MIN   ((size_t)1 << 20)
#endif
#ifndef WASM_JIT_STACK_SPARE
#define WASM_JIT_STACK_SPARE ((size_t)256 << 10)
#endif
#define JIT_STACK_MIN    ((size_t)(WASM_JIT_STACK_MIN))
#define JIT_STACK_MAX    ((size_t)64 << 20)
#define JIT_STACK_GUARD  ((size_t)64 << 10)
#define JIT_STACK_SPARE  ((size_t)(WASM_JIT_STACK_SPARE))

/* What a module holds: the plain code and the fuel-metered code (compiled
 * when an instance with a fuel limit first needs it, from the bodies the
 * module keeps). */
typedef struct jit_set {
    jit_module plain, metered;
    bool have_metered, metered_failed;
} jit_set;

/* One entry into compiled code. */
typedef struct jit_entry {
    void *jmpbuf[5];
    struct jit_entry *prev;     /* the activation's previous entry */
    jit_ctx *ctx;
    uintptr_t stack_limit;
    uint8_t *stack_lo;          /* the machine stack in use */
    size_t stack_len;
    wasm_trap trap;
} jit_entry;

/* ---- modules ---- */

static void module_free(jit_module *jm)
{
    jit_code_release(jm);
    wasm_arena_free(&jm->arena);
    wasm_free(jm->func_offset);
    wasm_free(jm->sites);
    wasm_free(jm->globals);
    wasm_memset(jm, 0, sizeof(*jm));
}

static const char *last_error;

const char *wasm_jit_last_error(void)
{
    return last_error;
}

wasm_engine wasm_module_engine(const wasm_module *m)
{
    return m->jit ? WASM_ENGINE_JIT : WASM_ENGINE_INTERP;
}

static bool compile_variant(wasm_module *m, jit_module *jm, const wasm_body *bodies, bool metered)
{
    jm->features = jit_features();
    jm->metered = metered;
    const char *why = NULL;
    if (jit_compile(m, jm, bodies, &why)) {
        last_error = NULL;
        return true;
    }
    last_error = why ? why : "unknown";
    module_free(jm);
    return false;
}

bool wasm_jit_compile_module(wasm_module *m, const wasm_body *bodies)
{
    if (!wasm_jit_enabled() || m->checked) {
        last_error = "the JIT is not enabled";
        return false;
    }
    jit_set *set = wasm_zalloc(sizeof(*set));
    if (!set)
        return false;
    if (!compile_variant(m, &set->plain, bodies, false)) {
        wasm_free(set);
        return false;
    }
    m->jit = set;
    return true;
}

void wasm_jit_free_module(wasm_module *m)
{
    jit_set *set = m->jit;
    if (!set)
        return;
    module_free(&set->plain);
    if (set->have_metered)
        module_free(&set->metered);
    wasm_free(set);
    m->jit = NULL;
}

/* ---- instances ---- */

bool wasm_jit_instance_init(wasm_instance *inst)
{
    wasm_module *m = inst->module;
    jit_set *set = m->jit;
    if (!set)
        return true;
    jit_module *jm = &set->plain;
    if (inst->fuel_limited) {
        if (!set->have_metered && !set->metered_failed) {
            set->have_metered = compile_variant(m, &set->metered, m->bodies, true);
            set->metered_failed = !set->have_metered;
        }
        if (!set->have_metered)
            return true;        /* this instance stays interpreted */
        jm = &set->metered;
    }
    jit_ctx *ctx = wasm_zalloc(jm->ctx_size);
    if (!ctx)
        return false;
    ctx->inst = inst;
    ctx->jm = jm;
    ctx->mem = inst->memory;
    ctx->mem_base = inst->memory ? inst->memory->base : NULL;
    ctx->tables = inst->tables;
    ctx->types = inst->types;
    ctx->funcs = inst->funcs;
    /* globals: imported ones by pointer, own cells move into the context */
    uint8_t *base = (uint8_t *)ctx;
    for (uint32_t i = 0; i < m->nglobals; i++) {
        const jit_global_loc *g = &jm->globals[i];
        if (g->indirect) {
            wasm_memcpy(base + g->offset, &inst->globals[i], sizeof(void *));
        } else {
            wasm_global *cell = (wasm_global *)(base + g->offset);
            *cell = *inst->globals[i];
            inst->globals[i] = cell;
        }
    }
    for (uint32_t i = m->nfunc_imports; i < m->nfuncs; i++)
        inst->own_funcs[i].jit_code = jm->code + jm->func_offset[i];
    inst->jit = ctx;
    return true;
}

void wasm_jit_instance_free(wasm_instance *inst)
{
    jit_ctx *ctx = inst->jit;
    if (!ctx)
        return;
    if (ctx->stack)
        wasm_plat_release(ctx->stack, ctx->stack_size);
    wasm_free(ctx);
    inst->jit = NULL;
}

void wasm_jit_interrupt(wasm_instance *inst)
{
    jit_ctx *ctx = inst->jit;
    if (!ctx)
        return;
    __atomic_store_n(&ctx->stop, 1, __ATOMIC_SEQ_CST);
    jit_ctx *running = __atomic_load_n(&ctx->running, __ATOMIC_ACQUIRE);
    if (running)
        __atomic_store_n(&running->stop, 1, __ATOMIC_SEQ_CST);
}

/* ---- entering compiled code ---- */

/* The machine stack of ctx's instance, reserved on first use: the top to
 * switch to, and the limit for frames. */
static bool own_stack(jit_ctx *ctx, void **top, uintptr_t *limit)
{
    if (!ctx->stack) {
        size_t page = wasm_plat_page_size();
        uint64_t want = (uint64_t)ctx->inst->max_call_depth * ctx->jm->max_frame + JIT_STACK_SPARE;
        size_t usable = want < JIT_STACK_MIN ? JIT_STACK_MIN : want > JIT_STACK_MAX ? JIT_STACK_MAX : (size_t)want;
        usable = (usable + page - 1) & ~(page - 1);
        size_t size = usable + JIT_STACK_GUARD;
        uint8_t *p = wasm_plat_reserve(size);
        if (!p)
            return false;
        if (!wasm_plat_commit_stack(p + JIT_STACK_GUARD, usable)) {
            wasm_plat_release(p, size);
            return false;
        }
        ctx->stack = p;
        ctx->stack_size = size;
    }
    *top = ctx->stack + ctx->stack_size;
    *limit = (uintptr_t)ctx->stack + JIT_STACK_GUARD + JIT_STACK_SPARE;
    return true;
}

/* The innermost entry into compiled code on this thread's activations. */
static jit_entry *outer_entry(wasm_activation *act)
{
    for (wasm_activation *a = act; a; a = a->prev)
        if (a->jit)
            return a->jit;
    return NULL;
}

static void pack_args(const jit_sig *s, const wasm_functype *ft, const uint64_t *slots, jit_regs *regs)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < ft->nparams; i++) {
        uint8_t ty = ft->params[i], loc = s->param_loc[i];
        if (loc == JIT_LOC_STACK)
            wasm_memcpy(regs->stack + s->param_off[i], &slots[k], ty == WASM_V128 ? 16 : 8);
        else if (loc >= JIT_LOC_XMM)
            wasm_memcpy(regs->xmm[loc - JIT_LOC_XMM], &slots[k], ty == WASM_V128 ? 16 : 8);
        else
            regs->gpr[loc] = slots[k];
        k += wasm_slots(ty);
    }
}

static void unpack_results(const jit_sig *s, const wasm_functype *ft, const jit_regs *regs, uint64_t *slots)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < ft->nresults; i++) {
        uint8_t ty = ft->results[i], loc = s->result_loc[i];
        const uint8_t *src = loc == JIT_LOC_STACK ? regs->stack + s->result_off[i]
                           : loc == JIT_LOC_XMM ? regs->ret_xmm : (const uint8_t *)&regs->ret_gpr;
        if (ty == WASM_V128) {
            wasm_memcpy(&slots[k], src, 16);
        } else {
            uint64_t v;
            wasm_memcpy(&v, src, 8);
            if (ty == WASM_I32 || ty == WASM_F32)
                v = (uint32_t)v;
            slots[k] = v;
        }
        k += wasm_slots(ty);
    }
}

/*
 * Calls compiled function f of ctx's instance with arguments in slots
 * (results replace them). new_top: the stack to switch to, or NULL to stay.
 * Returns the trap, WASM_TRAP_NONE on success.
 */
static wasm_trap jit_enter(wasm_activation *act, jit_ctx *ctx, wasm_funcinst *f, uint64_t *slots,
                           void *new_top, const jit_entry *outer, uintptr_t limit, int64_t *fuel)
{
    const wasm_functype *ft = f->type;
    const jit_sig *sig = &ctx->jm->sigs[ft - f->inst->module->types];
    uint8_t stack_buf[256];
    jit_regs regs;
    wasm_memset(&regs, 0, sizeof(regs));
    regs.stack_size = sig->stack_bytes;
    regs.stack = sig->stack_bytes <= sizeof(stack_buf) ? stack_buf : wasm_plat_alloc(sig->stack_bytes);
    if (!regs.stack)
        return WASM_TRAP_HOST;
    wasm_memset(regs.stack, 0, sig->stack_bytes);
    pack_args(sig, ft, slots, &regs);

    jit_entry e;
    e.prev = act->jit;
    e.ctx = ctx;
    e.stack_limit = limit;
    e.stack_lo = outer ? outer->stack_lo : ctx->stack;
    e.stack_len = outer ? outer->stack_len : ctx->stack_size;
    e.trap = WASM_TRAP_NONE;
    uintptr_t saved_limit = ctx->stack_limit;
    int64_t saved_fuel = ctx->fuel;
    wasm_activation *saved_act = ctx->act;
    ctx->act = act;
    ctx->stack_limit = limit;
    ctx->fuel = *fuel;
    act->jit = &e;
    wasm_memory *saved_mem = act->cur_mem;
    act->cur_mem = ctx->mem;
    jit_tramp_fn tramp = (jit_tramp_fn)(void *)(ctx->jm->code + ctx->jm->tramp_offset);
    wasm_trap trap = WASM_TRAP_NONE;
    if (__builtin_setjmp(e.jmpbuf) == 0) {
        tramp(ctx, &regs, f->jit_code, new_top);
        unpack_results(sig, ft, &regs, slots);
    } else {
        trap = e.trap;
#ifdef JIT_ASAN
        __asan_unpoison_memory_region(e.stack_lo, e.stack_len);
#endif
    }
    act->jit = e.prev;
    act->cur_mem = saved_mem;
    *fuel = ctx->fuel;
    ctx->act = saved_act;
    ctx->stack_limit = saved_limit;
    ctx->fuel = saved_fuel;
    if (regs.stack != stack_buf)
        wasm_free(regs.stack);
    return trap;
}

wasm_trap wasm_jit_run(wasm_activation *act, wasm_instance *root, wasm_funcinst *f, uint64_t *fp)
{
    jit_ctx *ctx = f->inst->jit;
    jit_entry *outer = outer_entry(act->prev);
    void *top = NULL;
    uintptr_t limit;
    int64_t fuel = root->fuel;
    if (outer) {
        limit = outer->stack_limit;
    } else if (!own_stack(ctx, &top, &limit)) {
        return WASM_TRAP_STACK_EXHAUSTED;
    }
    /* keep the argument slots out of reach of nested activations */
    wasm_stack *st = &root->stack;
    uint64_t *saved_top = st->top;
    const wasm_functype *ft = f->type;
    uint32_t n = ft->param_slots > ft->result_slots ? ft->param_slots : ft->result_slots;
    if (fp + n > st->top && fp + n <= st->end)
        st->top = fp + n;
    jit_ctx *root_ctx = root->jit;
    jit_ctx *saved_running = NULL;
    if (root_ctx && root_ctx != ctx) {
        saved_running = root_ctx->running;
        __atomic_store_n(&root_ctx->running, ctx, __ATOMIC_RELEASE);
    }
    /* Host functions called from compiled code may call back into
     * WebAssembly on this stack: wasm_invoke bounds them by its limit
     * (wasm_jit_stack_of), not by the C stack's. */
    wasm_trap trap = jit_enter(act, ctx, f, fp, top, outer, limit, &fuel);
    if (root_ctx && root_ctx != ctx)
        __atomic_store_n(&root_ctx->running, saved_running, __ATOMIC_RELEASE);
    if (ctx->jm->metered)
        root->fuel = fuel < 0 ? 0 : fuel;
    st->top = saved_top;
    return trap;
}

/* Whether sp lies on the machine stack that the innermost compiled code of
 * act's chain runs on; *low is then the lowest address C code re-entering
 * from there may start at (the entry's frame limit, which keeps
 * JIT_STACK_SPARE below it). */
bool wasm_jit_stack_of(const wasm_activation *act, uintptr_t sp, uintptr_t *low)
{
    const jit_entry *e = outer_entry((wasm_activation *)act);
    if (!e || !e->stack_lo)
        return false;
    uintptr_t lo = (uintptr_t)e->stack_lo;
    if (sp < lo || sp - lo >= e->stack_len)
        return false;
    *low = e->stack_limit;
    return true;
}

/* ---- helpers called by compiled code ---- */

/*
 * Jumps back into jit_enter. Reached through a volatile pointer and never
 * sanitized, so that the compiler cannot learn that raising a trap does not
 * return: ASan would otherwise call __asan_handle_no_return first, which
 * cannot work on the JIT's stack (jit_enter clears that stack's redzones
 * itself after the jump).
 */
__attribute__((noinline, no_sanitize("address")))
static void longjmp_entry(jit_entry *e)
{
    __builtin_longjmp(e->jmpbuf, 1);
}
static void (*volatile jump_to_entry)(jit_entry *) = longjmp_entry;

/* Unwinds to the innermost entry with a trap. */
static void raise_trap(wasm_trap trap)
{
    wasm_activation *act = wasm_current_activation();
    jit_entry *e = act->jit;
    e->trap = trap;
    jump_to_entry(e);
}

static void jit_helper_trap(jit_ctx *ctx, uint64_t trap)
{
    (void)ctx;
    raise_trap((wasm_trap)trap);
}

static void jit_helper_check(jit_ctx *ctx)
{
    __atomic_store_n(&ctx->stop, 0, __ATOMIC_SEQ_CST);
    wasm_activation *act = wasm_current_activation();
    wasm_instance *root = act->root;
    if (__atomic_exchange_n(&root->interrupt, 0, __ATOMIC_RELAXED))
        raise_trap(WASM_TRAP_INTERRUPTED);
    if (ctx->jm->metered && ctx->fuel < 0) {
        if (root->fuel_limited) {
            ctx->fuel = 0;
            raise_trap(WASM_TRAP_OUT_OF_FUEL);
        }
        ctx->fuel = INT64_MAX / 2;
    }
}

/* Calls f (not a compiled function of ctx's instance) with slots: every
 * call of an import, host functions included, comes here. */
static void jit_helper_call_slow(jit_ctx *ctx, wasm_funcinst *f, uint64_t *slots, const wasm_functype *expected)
{
    if (expected && !wasm_sig_match(f->type, expected))
        raise_trap(WASM_TRAP_SIGNATURE);
    wasm_activation *act = ctx->act;    /* this thread's: jit_enter set it */
    wasm_instance *root = act->root;
    wasm_trap trap;
    if (!f->code) {
        /* a host function: it may re-enter WebAssembly on this stack */
        if (ctx->jm->metered)
            root->fuel = ctx->fuel;
        trap = wasm_call_host(act, ctx->inst, f, slots);
        if (ctx->jm->metered)
            ctx->fuel = root->fuel;
    } else if (wasm_jit_runs(f)) {
        jit_ctx *callee = f->inst->jit;
        jit_entry *e = act->jit;
        jit_ctx *root_ctx = root->jit;
        jit_ctx *saved_running = root_ctx ? root_ctx->running : NULL;
        if (root_ctx)
            __atomic_store_n(&root_ctx->running, callee, __ATOMIC_RELEASE);
        int64_t fuel = ctx->fuel;
        trap = jit_enter(act, callee, f, slots, NULL, e, e->stack_limit, &fuel);
        if (root_ctx)
            __atomic_store_n(&root_ctx->running, saved_running, __ATOMIC_RELEASE);
        if (callee->jm->metered && ctx->jm->metered)
            ctx->fuel = fuel;
    } else {
        /* an interpreted function: on the activation's value stack */
        wasm_stack *st = &root->stack;
        const wasm_functype *ft = f->type;
        uint32_t n = ft->param_slots > ft->result_slots ? ft->param_slots : ft->result_slots;
        uint64_t *fp = st->top;
        if (fp + n + f->code->frame_slots > st->end)
            raise_trap(WASM_TRAP_STACK_EXHAUSTED);
        wasm_memcpy(fp, slots, ft->param_slots * sizeof(uint64_t));
        uint64_t *saved_top = st->top;
        if (ctx->jm->metered)
            root->fuel = ctx->fuel;
        trap = f->inst->module->checked ? wasm_interp_run_checked(act, ctx->inst, f, fp)
                                        : wasm_interp_run(act, ctx->inst, f, fp);
        if (ctx->jm->metered)
            ctx->fuel = root->fuel;
        st->top = saved_top;
        if (!trap)
            wasm_memcpy(slots, fp, ft->result_slots * sizeof(uint64_t));
    }
    if (trap)
        raise_trap(trap);
}

static uint64_t jit_helper_memory_grow(jit_ctx *ctx, uint64_t delta)
{
    wasm_memory *mem = ctx->mem;
    uint32_t d = (uint32_t)delta;
    int64_t old = (uint64_t)mem->pages + d > ctx->inst->max_memory_pages ? -1 : wasm_memory_grow(mem, d);
    return (uint32_t)old;
}

static void check(wasm_trap t)
{
    if (t)
        raise_trap(t);
}

static void jit_helper_memory_fill(jit_ctx *ctx, uint64_t d, uint64_t v, uint64_t n)
{
    check(wasm_op_memory_fill(ctx->mem, (uint32_t)d, (uint8_t)v, (uint32_t)n));
}

static void jit_helper_memory_copy(jit_ctx *ctx, uint64_t d, uint64_t s, uint64_t n)
{
    check(wasm_op_memory_copy(ctx->mem, (uint32_t)d, (uint32_t)s, (uint32_t)n));
}

static void jit_helper_memory_init(jit_ctx *ctx, uint64_t seg, uint64_t d, uint64_t s, uint64_t n)
{
    check(wasm_op_memory_init(ctx->inst, (uint32_t)seg, (uint32_t)d, (uint32_t)s, (uint32_t)n));
}

static void jit_helper_data_drop(jit_ctx *ctx, uint64_t seg)
{
    ctx->inst->data_dropped[seg] = 1;
}

static uint64_t jit_helper_table_grow(jit_ctx *ctx, uint64_t table, uint64_t init, uint64_t delta)
{
    wasm_table *t = ctx->inst->tables[table];
    return (uint32_t)wasm_table_grow(t, (uint32_t)delta, (void *)(uintptr_t)init, ctx->inst->max_table_elements);
}

static void jit_helper_table_fill(jit_ctx *ctx, uint64_t table, uint64_t i, uint64_t val, uint64_t n)
{
    check(wasm_op_table_fill(ctx->inst, (uint32_t)table, (uint32_t)i, (void *)(uintptr_t)val, (uint32_t)n));
}

/* tables = dst | src << 32 */
static void jit_helper_table_copy(jit_ctx *ctx, uint64_t tables, uint64_t d, uint64_t s, uint64_t n)
{
    check(wasm_op_table_copy(ctx->inst, (uint32_t)tables, (uint32_t)(tables >> 32), (uint32_t)d, (uint32_t)s,
                             (uint32_t)n));
}

/* which = table | segment << 32 */
static void jit_helper_table_init(jit_ctx *ctx, uint64_t which, uint64_t d, uint64_t s, uint64_t n)
{
    check(wasm_op_table_init(ctx->inst, (uint32_t)which, (uint32_t)(which >> 32), (uint32_t)d, (uint32_t)s,
                             (uint32_t)n));
}

static void jit_helper_elem_drop(jit_ctx *ctx, uint64_t seg)
{
    ctx->inst->elem_sizes[seg] = 0;
}

void *const jit_helpers[JH_COUNT] = {
    [JH_TRAP] = (void *)jit_helper_trap,
    [JH_CHECK] = (void *)jit_helper_check,
    [JH_CALL_SLOW] = (void *)jit_helper_call_slow,
    [JH_MEMORY_GROW] = (void *)jit_helper_memory_grow,
    [JH_MEMORY_FILL] = (void *)jit_helper_memory_fill,
    [JH_MEMORY_COPY] = (void *)jit_helper_memory_copy,
    [JH_MEMORY_INIT] = (void *)jit_helper_memory_init,
    [JH_DATA_DROP] = (void *)jit_helper_data_drop,
    [JH_TABLE_GROW] = (void *)jit_helper_table_grow,
    [JH_TABLE_FILL] = (void *)jit_helper_table_fill,
    [JH_TABLE_COPY] = (void *)jit_helper_table_copy,
    [JH_TABLE_INIT] = (void *)jit_helper_table_init,
    [JH_ELEM_DROP] = (void *)jit_helper_elem_drop,
};

/* ---- faults ---- */

/* Where a faulting access in compiled code resumes (see wasm_jit_fault). */
static __attribute__((used)) void jit_fault_landing(void)
{
    wasm_activation *act = wasm_current_activation();
    jump_to_entry(act->jit);
}

bool wasm_jit_fault(wasm_activation *act, uintptr_t fault_addr, uintptr_t *pc, uintptr_t *sp)
{
    jit_entry *e = act ? act->jit : NULL;
    if (!e)
        return false;
    jit_ctx *ctx = e->ctx;
    wasm_trap t = jit_code_trap_at(ctx->jm, *pc);
    if (t == WASM_TRAP_NONE)
        return false;
    if (t == WASM_TRAP_MEMORY_OOB) {
        wasm_memory *mem = ctx->mem;
        uintptr_t lo = mem ? (uintptr_t)mem->base : 0;
        if (!mem || !mem->guarded || fault_addr < lo || fault_addr - lo >= mem->reserved)
            return false;
    }
    e->trap = t;
    /* resume as if jit_fault_landing had been called: below the red zone,
     * aligned like a call; nothing is written to the stack */
    uintptr_t s = ((*sp - 128) & ~(uintptr_t)15) - 8;
    *sp = s;
    *pc = (uintptr_t)&jit_fault_landing;
    return true;
}
