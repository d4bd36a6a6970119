/*
 * runtime/interp.c — the interpreter: executes the register-form code made
 * by translate.c (instruction set in iops.def).
 *
 * Dispatch is threaded (each instruction's first word is the address of its
 * handler, `goto *`) with GCC/clang, and a switch on the instruction number
 * elsewhere (or with -DWASM_INTERP_SWITCH). Frames live on the value stack of
 * the activation's root instance; calls push a return record on its frame
 * stack instead of recursing in C. Hot state (ip, fp, memory base) stays in
 * locals.
 *
 * Memory accesses are unchecked: linear memory is a reserved region whose
 * unmapped part faults, and the fault becomes a trap (exec.c). This file is
 * compiled a second time with INTERP_CHECKED=1 (interp_checked.c) for
 * platforms without such reservations: every access is then checked.
 */
#include "wasm_internal.h"
#include "iops.h"
#include "numeric.h"

#ifndef INTERP_CHECKED
#define INTERP_CHECKED 0
#define INTERP_RUN wasm_interp_run
#define INTERP_HANDLERS wasm_interp_handlers_fast
#endif

#if defined(__GNUC__) && !defined(WASM_INTERP_SWITCH)
#define THREADED 1
#else
#define THREADED 0
#endif

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the interpreter assumes a little-endian host (WebAssembly memory is little-endian)"
#endif

/* Instruction sizes in 32-bit units. */
enum {
#define OP(name, nargs) SZ_##name = (2 + (nargs) + 1) & ~1,
#include "iops.def"
#undef OP
};

#if THREADED
#define CASE(name) L_##name:
#define DISPATCH() goto **(void *const *)ip
#else
#define CASE(name) case IOP_##name:
#define DISPATCH() goto dispatch
#endif
#define NEXT(name) do { ip += SZ_##name; DISPATCH(); } while (0)
#define TRAP(code) do { trap = (code); goto trapped; } while (0)
/* A taken branch whose offset word is ip[k]. A backward branch (a loop)
 * pays fuel, about one unit per instruction of the loop, from the budget;
 * when the budget runs out, budget_slow checks fuel and interrupts. */
/* Calls callee with its frame at nfp; the call instruction is `size` long.
 * A WebAssembly callee gets a frame record and its code runs next (its
 * first instruction zeroes the locals that need it, or the call zeroes the
 * one slot that does: zero1); each call pays one unit of fuel so that
 * recursion is metered too. */
#define DO_CALL(callee_, nfp_, size) do { \
        wasm_funcinst *c_ = (callee_); \
        uint64_t *n_ = (nfp_); \
        if (WASM_UNLIKELY(!c_->ops)) { \
            if (c_->code) { \
                /* a function of a compiled module, interpreted here */ \
                if (!wasm_funcinst_prepare_interp(c_)) \
                    TRAP(WASM_TRAP_HOST); \
            } else { \
                S->callee = c_; \
                S->nfp = n_; \
                S->ret_ip = ip + (size); \
                goto host_call; \
            } \
        } \
        if (WASM_UNLIKELY(S->fr >= S->fr_end || n_ + c_->frame_slots > S->stack_end)) \
            TRAP(WASM_TRAP_STACK_EXHAUSTED); \
        if (c_->zero1) \
            n_[c_->zero1 - 1] = 0; \
        wasm_frame *f_ = S->fr++; \
        f_->ret_ip = ip + (size); \
        f_->fp = fp; \
        f_->inst = inst; \
        fp = n_; \
        if (WASM_UNLIKELY(c_->inst != inst)) { \
            inst = c_->inst; \
            S->cur_mem = inst->memory; \
            mem = S->cur_mem ? S->cur_mem->base : NULL; \
            S->act->cur_mem = S->cur_mem; \
        } \
        ip = c_->ops; \
        if (WASM_UNLIKELY(--S->budget < 0)) \
            goto budget_slow; \
        DISPATCH(); \
    } while (0)
#define JUMP(k, off) do { \
        int32_t off_ = (int32_t)(off); \
        ip += (int32_t)(k) + off_;      /* signed: k may be unsigned */ \
        if (off_ < 0 && WASM_UNLIKELY((S->budget -= 1 + ((uint32_t)-off_ >> 2)) < 0)) \
            goto budget_slow; \
        DISPATCH(); \
    } while (0)

/* Operand words: ip[2] is the first. */
#define OPND(k)  (ip[2 + (k)])
#define SLOT(k)  (fp[OPND(k)])
#define U32(k)   ((uint32_t)SLOT(k))
#define U64(k)   (SLOT(k))
#define F32(k)   (f32_from_bits((uint32_t)SLOT(k)))
#define F64(k)   (f64_from_bits(SLOT(k)))
#define float_OF(k) F32(k)
#define double_OF(k) F64(k)

/* Effective address of a memory access (§4.4.7): u32 base (plus a folded
 * i32.add constant, wrapping) + u32 offset; the add is the operand before
 * the offset. */
#if INTERP_CHECKED
#define BOUNDS(ea, len) \
    if (WASM_UNLIKELY((ea) + (len) > S->cur_mem->size)) TRAP(WASM_TRAP_MEMORY_OOB)
#else
#define BOUNDS(ea, len) ((void)0)
#endif
#define EA(ptr, addr_k, off_k, len) \
    uint64_t ea_ = (uint64_t)(uint32_t)(U32(addr_k) + OPND((off_k) - 1)) + OPND(off_k); \
    BOUNDS(ea_, len); \
    uint8_t *ptr = mem + ea_

static inline uint16_t load16(const uint8_t *p) { uint16_t v; __builtin_memcpy(&v, p, 2); return v; }
static inline uint32_t load32(const uint8_t *p) { uint32_t v; __builtin_memcpy(&v, p, 4); return v; }
static inline uint64_t load64(const uint8_t *p) { uint64_t v; __builtin_memcpy(&v, p, 8); return v; }
static inline void store16(uint8_t *p, uint16_t v) { __builtin_memcpy(p, &v, 2); }
static inline void store32(uint8_t *p, uint32_t v) { __builtin_memcpy(p, &v, 4); }
static inline void store64(uint8_t *p, uint64_t v) { __builtin_memcpy(p, &v, 8); }

static inline uint32_t rotl32(uint32_t x, uint32_t n) { n &= 31; return (x << n) | (x >> ((32 - n) & 31)); }
static inline uint32_t rotr32(uint32_t x, uint32_t n) { n &= 31; return (x >> n) | (x << ((32 - n) & 31)); }
static inline uint64_t rotl64(uint64_t x, uint64_t n) { n &= 63; return (x << n) | (x >> ((64 - n) & 63)); }
static inline uint64_t rotr64(uint64_t x, uint64_t n) { n &= 63; return (x >> n) | (x << ((64 - n) & 63)); }

#include "simd.h"

#define SET(name, expr) CASE(name) { SLOT(0) = (expr); NEXT(name); }
#define UN32(name, expr) CASE(name) { uint32_t a = U32(1); SLOT(0) = (uint32_t)(expr); NEXT(name); }
#define UN64(name, expr) CASE(name) { uint64_t a = U64(1); SLOT(0) = (uint64_t)(expr); NEXT(name); }
#define BIN32(name, expr) CASE(name) { uint32_t a = U32(1), b = U32(2); SLOT(0) = (uint32_t)(expr); NEXT(name); }
#define BIN64(name, expr) CASE(name) { uint64_t a = U64(1), b = U64(2); SLOT(0) = (uint64_t)(expr); NEXT(name); }
#define IMM32(name, expr) CASE(name) { uint32_t a = U32(1), b = OPND(2); SLOT(0) = (uint32_t)(expr); NEXT(name); }
#define IMM64(name, expr) CASE(name) { uint64_t a = U64(1), b = (uint64_t)(int64_t)(int32_t)OPND(2); SLOT(0) = (uint64_t)(expr); NEXT(name); }
#define UNF32(name, expr) CASE(name) { float a = F32(1); SLOT(0) = f32_to_bits(expr); NEXT(name); }
#define UNF64(name, expr) CASE(name) { double a = F64(1); SLOT(0) = f64_to_bits(expr); NEXT(name); }
#define BINF32(name, expr) CASE(name) { float a = F32(1), b = F32(2); SLOT(0) = f32_to_bits(expr); NEXT(name); }
#define BINF64(name, expr) CASE(name) { double a = F64(1), b = F64(2); SLOT(0) = f64_to_bits(expr); NEXT(name); }
#define CMPF32(name, expr) CASE(name) { float a = F32(1), b = F32(2); SLOT(0) = (uint32_t)(expr); NEXT(name); }
#define CMPF64(name, expr) CASE(name) { double a = F64(1), b = F64(2); SLOT(0) = (uint32_t)(expr); NEXT(name); }
/* Compare-and-branch: the offset is the third operand. */
#define BRCMP(name, T, A, B, cond) \
    CASE(name) { T a = (T)(A), b = (T)(B); \
        if (cond) { JUMP(4, OPND(2)); } \
        NEXT(name); }
#define BRCMP_FAMILY(P, T, ST, BEXPR) \
    BRCMP(BR_##P##_EQ, T, SLOT(0), BEXPR, a == b) BRCMP(BR_##P##_NE, T, SLOT(0), BEXPR, a != b) \
    BRCMP(BR_##P##_LT_S, T, SLOT(0), BEXPR, (ST)a < (ST)b) BRCMP(BR_##P##_LT_U, T, SLOT(0), BEXPR, a < b) \
    BRCMP(BR_##P##_GT_S, T, SLOT(0), BEXPR, (ST)a > (ST)b) BRCMP(BR_##P##_GT_U, T, SLOT(0), BEXPR, a > b) \
    BRCMP(BR_##P##_LE_S, T, SLOT(0), BEXPR, (ST)a <= (ST)b) BRCMP(BR_##P##_LE_U, T, SLOT(0), BEXPR, a <= b) \
    BRCMP(BR_##P##_GE_S, T, SLOT(0), BEXPR, (ST)a >= (ST)b) BRCMP(BR_##P##_GE_U, T, SLOT(0), BEXPR, a >= b)
#define LOADOP(name, len, expr) \
    CASE(name) { EA(p, 1, 3, len); SLOT(0) = (expr); NEXT(name); }
#define STOREOP(name, len, stmt) \
    CASE(name) { EA(p, 0, 3, len); uint64_t v = SLOT(1); stmt; NEXT(name); }

#ifdef WASM_INTERP_STATS
/* Profiling build (with WASM_INTERP_SWITCH): executions per instruction,
 * printed to stderr at exit. */
#include <stdio.h>
static uint64_t interp_stats[IOP_COUNT];
static uint64_t interp_pairs[IOP_COUNT][IOP_COUNT];
static uint32_t interp_prev;
static const char *const interp_names[IOP_COUNT] = {
#define OP(name, nargs) #name,
#include "iops.def"
#undef OP
};
__attribute__((destructor)) static void interp_stats_dump(void)
{
    uint64_t total = 0;
    for (int i = 0; i < IOP_COUNT; i++)
        total += interp_stats[i];
    for (int k = 0; k < 40; k++) {
        int best = -1;
        for (int i = 0; i < IOP_COUNT; i++)
            if (interp_stats[i] && (best < 0 || interp_stats[i] > interp_stats[best]))
                best = i;
        if (best < 0)
            break;
        fprintf(stderr, "%-28s %14llu %5.1f%%\n", interp_names[best], (unsigned long long)interp_stats[best],
                100.0 * interp_stats[best] / total);
        interp_stats[best] = 0;
    }
    fprintf(stderr, "total %llu\n", (unsigned long long)total);
    for (int k = 0; k < 25; k++) {
        int bi = -1, bj = -1;
        for (int i = 0; i < IOP_COUNT; i++)
            for (int j = 0; j < IOP_COUNT; j++)
                if (interp_pairs[i][j] && (bi < 0 || interp_pairs[i][j] > interp_pairs[bi][bj]))
                    bi = i, bj = j;
        if (bi < 0)
            break;
        fprintf(stderr, "pair %-24s %-24s %5.1f%%\n", interp_names[bi], interp_names[bj],
                100.0 * interp_pairs[bi][bj] / total);
        interp_pairs[bi][bj] = 0;
    }
}
#endif

/* Interpreter state that is not hot (see the start of INTERP_RUN). */
typedef struct interp_state {
    wasm_activation *act;
    wasm_instance *root, *caller;
    wasm_stack *st;
    wasm_memory *cur_mem;
    wasm_frame *fr;                 /* next free frame record */
    wasm_frame *fr_base, *fr_end;   /* this activation's first; the limit */
    uint64_t *stack_end;
    int64_t budget;                 /* fuel units left before the next check */
    int64_t granted;                /* budget at the last grant */
    wasm_funcinst *callee;          /* a host call in progress */
    uint64_t *nfp;
    const uint32_t *ret_ip;
} interp_state;

/* Fuel is granted to the running activation in chunks: the hot paths only
 * decrement S->budget; when it goes negative the interpreter settles with
 * the instance's fuel and checks the interrupt flag. A chunk is about a
 * millisecond of execution, which bounds the interrupt latency. */
#define BUDGET_CHUNK ((int64_t)1 << 20)

static void budget_grant(interp_state *S)
{
    int64_t g = BUDGET_CHUNK;
    if (S->root->fuel_limited && S->root->fuel < g)
        g = S->root->fuel > 0 ? S->root->fuel : 0;
    S->budget = S->granted = g;
}

/* Charges the fuel used since the last grant to the root instance. */
static void budget_settle(interp_state *S)
{
    wasm_instance *r = S->root;
    if (r->fuel_limited) {
        r->fuel -= S->granted - S->budget;
        if (r->fuel < 0)
            r->fuel = 0;
    }
    S->granted = S->budget;
}

#if THREADED
/* Handler table, in iops.def order, for the translator. */
static const void *const *handler_table;
#endif

/*
 * Runs function f (a WebAssembly function, not a host one) whose frame starts
 * at fp with the arguments in place; results end up at fp[0..]. `caller` is
 * the instance on whose behalf the call is made. Returns WASM_TRAP_NONE or
 * the trap. With act == NULL, only publishes the handler table.
 */
wasm_trap INTERP_RUN(wasm_activation *act, wasm_instance *caller, wasm_funcinst *f, uint64_t *fp)
{
#if THREADED
    static const void *const labels[IOP_COUNT] = {
#define OP(name, nargs) &&L_##name,
#include "iops.def"
#undef OP
    };
    if (!act) {
        handler_table = labels;
        return WASM_TRAP_NONE;
    }
#else
    if (!act)
        return WASM_TRAP_NONE;
#endif
    /* Rarely used state lives in memory (its address is published), so
     * that the hot values ip, fp, mem and inst keep registers in every
     * handler: one huge function with many live variables otherwise makes
     * the compiler shuffle them through the stack at each dispatch. */
    interp_state state;
    interp_state *const S = &state;
    act->interp = S;
    S->act = act;
    S->caller = caller;
    S->root = act->root;
    S->st = &S->root->stack;
    S->fr = S->fr_base = S->st->frames + S->st->frame_top;
    S->fr_end = S->st->frames + S->st->nframes;
    S->stack_end = S->st->end;
    budget_grant(S);
    S->cur_mem = NULL;
    wasm_instance *inst = NULL;
    uint8_t *mem = NULL;
    const uint32_t *ip = NULL;
    wasm_trap trap = WASM_TRAP_NONE;

    goto enter_first;

#if !THREADED
dispatch:
#ifdef WASM_INTERP_STATS
    interp_stats[(uint32_t)*(const uint64_t *)ip]++;
    interp_pairs[interp_prev][(uint32_t)*(const uint64_t *)ip]++;
    interp_prev = (uint32_t)*(const uint64_t *)ip;
#endif
    switch ((uint32_t)*(const uint64_t *)ip) {
#endif

    /* ---- control ---- */
    CASE(UNREACHABLE) TRAP(WASM_TRAP_UNREACHABLE);
    CASE(BR) { JUMP(2, OPND(0)); }
    CASE(BR_IF) {
        if (U32(0))
            JUMP(3, OPND(1));
        NEXT(BR_IF);
    }
    CASE(BR_IFZ) {
        if (!U32(0))
            JUMP(3, OPND(1));
        NEXT(BR_IFZ);
    }
    CASE(BR_I64_NEZ) {
        if (U64(0))
            JUMP(3, OPND(1));
        NEXT(BR_I64_NEZ);
    }
    CASE(BR_I64_EQZ) {
        if (!U64(0))
            JUMP(3, OPND(1));
        NEXT(BR_I64_EQZ);
    }
    CASE(BR_TABLE) {
        uint32_t i = U32(0), n = OPND(1);
        uint32_t k = 4 + (i < n ? i : n);
        JUMP(k, ip[k]);
    }
    BRCMP_FAMILY(I32, uint32_t, int32_t, SLOT(1))
    BRCMP_FAMILY(I32_IMM, uint32_t, int32_t, OPND(1))
    BRCMP_FAMILY(I64, uint64_t, int64_t, SLOT(1))
    BRCMP_FAMILY(I64_IMM, uint64_t, int64_t, (int64_t)(int32_t)OPND(1))
    /* add + compare + branch: the sum is written, then compared */
#define ADDBR(name, SUM, B, cond) \
    CASE(name) { uint32_t a = (SUM); SLOT(0) = a; uint32_t b = (B); \
        if (cond) { JUMP(6, OPND(4)); } \
        NEXT(name); }
#define ADDBR_FAMILY(P, SUM, B) \
    ADDBR(BR_##P##_EQ, SUM, B, a == b) ADDBR(BR_##P##_NE, SUM, B, a != b) \
    ADDBR(BR_##P##_LT_S, SUM, B, (int32_t)a < (int32_t)b) ADDBR(BR_##P##_LT_U, SUM, B, a < b) \
    ADDBR(BR_##P##_GT_S, SUM, B, (int32_t)a > (int32_t)b) ADDBR(BR_##P##_GT_U, SUM, B, a > b) \
    ADDBR(BR_##P##_LE_S, SUM, B, (int32_t)a <= (int32_t)b) ADDBR(BR_##P##_LE_U, SUM, B, a <= b) \
    ADDBR(BR_##P##_GE_S, SUM, B, (int32_t)a >= (int32_t)b) ADDBR(BR_##P##_GE_U, SUM, B, a >= b)
    ADDBR_FAMILY(ADDI, U32(1) + OPND(2), U32(3))
    ADDBR_FAMILY(ADDI_IMM, U32(1) + OPND(2), OPND(3))
    ADDBR_FAMILY(ADD, U32(1) + U32(2), U32(3))
    ADDBR_FAMILY(ADD_IMM, U32(1) + U32(2), OPND(3))

    CASE(RETURN1) {
        fp[0] = SLOT(0);
        goto do_return;
    }
    CASE(RETURN1_V128) {
        uint64_t lo = fp[OPND(0)], hi = fp[OPND(0) + 1];
        fp[0] = lo;
        fp[1] = hi;
        goto do_return;
    }
    CASE(RETURN) {
    do_return:
        if (S->fr == S->fr_base)
            goto finished;
        wasm_frame *fr = --S->fr;
        ip = fr->ret_ip;
        fp = fr->fp;
        if (fr->inst != inst) {
            inst = fr->inst;
            S->cur_mem = inst->memory;
            mem = S->cur_mem ? S->cur_mem->base : NULL;
            S->act->cur_mem = S->cur_mem;
        }
        DISPATCH();
    }
    CASE(CALL) {
        DO_CALL(inst->funcs[OPND(0)], fp + OPND(1), SZ_CALL);
    }
    CASE(CALL_INDIRECT) {
        wasm_table *tab = inst->tables[OPND(0)];
        uint32_t i = U32(3);
        if (WASM_UNLIKELY(i >= tab->size))
            TRAP(WASM_TRAP_TABLE_OOB);
        wasm_funcinst *target = (wasm_funcinst *)tab->elems[i];
        if (WASM_UNLIKELY(!target))
            TRAP(WASM_TRAP_INDIRECT_NULL);
        if (WASM_UNLIKELY(!wasm_sig_match(target->type, inst->types[OPND(1)])))
            TRAP(WASM_TRAP_SIGNATURE);
        DO_CALL(target, fp + OPND(2), SZ_CALL_INDIRECT);
    }

    /* ---- function prologue ---- */
    CASE(ZERO_1) { fp[OPND(0)] = 0; NEXT(ZERO_1); }
    CASE(ZERO_2) { uint64_t *z = fp + OPND(0); z[0] = z[1] = 0; NEXT(ZERO_2); }
    CASE(ZERO_3) { uint64_t *z = fp + OPND(0); z[0] = z[1] = z[2] = 0; NEXT(ZERO_3); }
    CASE(ZERO_4) { uint64_t *z = fp + OPND(0); z[0] = z[1] = z[2] = z[3] = 0; NEXT(ZERO_4); }
    CASE(ZERO_N) { wasm_memset(fp + OPND(0), 0, (size_t)OPND(1) * sizeof(uint64_t)); NEXT(ZERO_N); }

    /* ---- data movement ---- */
    CASE(COPY) { SLOT(0) = SLOT(1); NEXT(COPY); }
    CASE(COPY2) { SLOT(0) = SLOT(1); SLOT(2) = SLOT(3); NEXT(COPY2); }
    CASE(COPY_V128) {
        uint64_t lo = fp[OPND(1)], hi = fp[OPND(1) + 1];
        fp[OPND(0)] = lo;
        fp[OPND(0) + 1] = hi;
        NEXT(COPY_V128);
    }
    CASE(CONST32) { SLOT(0) = OPND(1); NEXT(CONST32); }
    CASE(CONST64) { SLOT(0) = (uint64_t)OPND(1) | (uint64_t)OPND(2) << 32; NEXT(CONST64); }
    CASE(CONST_V128) {
        fp[OPND(0)] = (uint64_t)OPND(1) | (uint64_t)OPND(2) << 32;
        fp[OPND(0) + 1] = (uint64_t)OPND(3) | (uint64_t)OPND(4) << 32;
        NEXT(CONST_V128);
    }
    CASE(SELECT) { SLOT(0) = U32(3) ? SLOT(1) : SLOT(2); NEXT(SELECT); }
    CASE(SELECT_V128) {
        uint32_t s = U32(3) ? OPND(1) : OPND(2);
        uint64_t lo = fp[s], hi = fp[s + 1];
        fp[OPND(0)] = lo;
        fp[OPND(0) + 1] = hi;
        NEXT(SELECT_V128);
    }
    CASE(GLOBAL_GET) { SLOT(0) = inst->globals[OPND(1)]->bits[0]; NEXT(GLOBAL_GET); }
    CASE(GLOBAL_SET) { inst->globals[OPND(0)]->bits[0] = SLOT(1); NEXT(GLOBAL_SET); }
    CASE(GLOBAL_GET_V128) {
        wasm_global *g = inst->globals[OPND(1)];
        fp[OPND(0)] = g->bits[0];
        fp[OPND(0) + 1] = g->bits[1];
        NEXT(GLOBAL_GET_V128);
    }
    CASE(GLOBAL_SET_V128) {
        wasm_global *g = inst->globals[OPND(0)];
        g->bits[0] = fp[OPND(1)];
        g->bits[1] = fp[OPND(1) + 1];
        NEXT(GLOBAL_SET_V128);
    }

    /* ---- memory ---- */
    LOADOP(I32_LOAD, 4, load32(p))
    LOADOP(I64_LOAD, 8, load64(p))
    LOADOP(I32_LOAD8_S, 1, (uint32_t)(int32_t)(int8_t)*p)
    LOADOP(I32_LOAD8_U, 1, (uint32_t)*p)
    LOADOP(I32_LOAD16_S, 2, (uint32_t)(int32_t)(int16_t)load16(p))
    LOADOP(I32_LOAD16_U, 2, (uint32_t)load16(p))
    LOADOP(I64_LOAD8_S, 1, (uint64_t)(int64_t)(int8_t)*p)
    LOADOP(I64_LOAD8_U, 1, (uint64_t)*p)
    LOADOP(I64_LOAD16_S, 2, (uint64_t)(int64_t)(int16_t)load16(p))
    LOADOP(I64_LOAD16_U, 2, (uint64_t)load16(p))
    LOADOP(I64_LOAD32_S, 4, (uint64_t)(int64_t)(int32_t)load32(p))
    LOADOP(I64_LOAD32_U, 4, (uint64_t)load32(p))
    STOREOP(I32_STORE, 4, store32(p, (uint32_t)v))
    STOREOP(I64_STORE, 8, store64(p, v))
    STOREOP(I32_STORE8, 1, *p = (uint8_t)v)
    STOREOP(I32_STORE16, 2, store16(p, (uint16_t)v))
#define LOADX(name, len, expr) \
    CASE(name) { uint64_t ea_ = (uint64_t)(uint32_t)(U32(1) + U32(2)) + OPND(3); \
        BOUNDS(ea_, len); uint8_t *p = mem + ea_; SLOT(0) = (expr); NEXT(name); }
    LOADX(I32_LOAD_X, 4, load32(p))
    LOADX(I64_LOAD_X, 8, load64(p))
    LOADX(I32_LOAD8_S_X, 1, (uint32_t)(int32_t)(int8_t)*p)
    LOADX(I32_LOAD8_U_X, 1, (uint32_t)*p)
    LOADX(I32_LOAD16_S_X, 2, (uint32_t)(int32_t)(int16_t)load16(p))
    LOADX(I32_LOAD16_U_X, 2, (uint32_t)load16(p))
    LOADX(I64_LOAD8_S_X, 1, (uint64_t)(int64_t)(int8_t)*p)
    LOADX(I64_LOAD8_U_X, 1, (uint64_t)*p)
    LOADX(I64_LOAD16_S_X, 2, (uint64_t)(int64_t)(int16_t)load16(p))
    LOADX(I64_LOAD16_U_X, 2, (uint64_t)load16(p))
    LOADX(I64_LOAD32_S_X, 4, (uint64_t)(int64_t)(int32_t)load32(p))
    LOADX(I64_LOAD32_U_X, 4, (uint64_t)load32(p))
#define STOREIMM(name, len, stmt) \
    CASE(name) { EA(p, 0, 3, len); uint32_t v = OPND(1); stmt; NEXT(name); }
    STOREIMM(I32_STORE_IMM, 4, store32(p, v))
    STOREIMM(I64_STORE_IMM, 8, store64(p, (uint64_t)(int64_t)(int32_t)v))
    STOREIMM(I32_STORE8_IMM, 1, *p = (uint8_t)v)
    STOREIMM(I32_STORE16_IMM, 2, store16(p, (uint16_t)v))
    CASE(MEMORY_SIZE) { SLOT(0) = S->cur_mem->pages; NEXT(MEMORY_SIZE); }
    CASE(MEMORY_GROW) {
        uint32_t limit = inst->max_memory_pages;
        uint32_t delta = U32(1);
        int64_t old = (uint64_t)S->cur_mem->pages + delta > limit ? -1 : wasm_memory_grow(S->cur_mem, delta);
        SLOT(0) = (uint32_t)old;
        mem = S->cur_mem->base;
        NEXT(MEMORY_GROW);
    }
    CASE(MEMORY_COPY) {
        trap = wasm_op_memory_copy(S->cur_mem, U32(0), U32(1), U32(2));
        if (trap)
            goto trapped;
        NEXT(MEMORY_COPY);
    }
    CASE(MEMORY_FILL) {
        trap = wasm_op_memory_fill(S->cur_mem, U32(0), (uint8_t)U32(1), U32(2));
        if (trap)
            goto trapped;
        NEXT(MEMORY_FILL);
    }
    CASE(MEMORY_INIT) {
        trap = wasm_op_memory_init(inst, OPND(0), U32(1), U32(2), U32(3));
        if (trap)
            goto trapped;
        NEXT(MEMORY_INIT);
    }
    CASE(DATA_DROP) { inst->data_dropped[OPND(0)] = 1; NEXT(DATA_DROP); }

    /* ---- tables ---- */
    CASE(TABLE_GET) {
        wasm_table *tab = inst->tables[OPND(1)];
        uint32_t i = U32(2);
        if (i >= tab->size)
            TRAP(WASM_TRAP_TABLE_OOB);
        SLOT(0) = (uint64_t)(uintptr_t)tab->elems[i];
        NEXT(TABLE_GET);
    }
    CASE(TABLE_SET) {
        wasm_table *tab = inst->tables[OPND(0)];
        uint32_t i = U32(1);
        if (i >= tab->size)
            TRAP(WASM_TRAP_TABLE_OOB);
        tab->elems[i] = (void *)(uintptr_t)SLOT(2);
        NEXT(TABLE_SET);
    }
    CASE(TABLE_SIZE) { SLOT(0) = inst->tables[OPND(1)]->size; NEXT(TABLE_SIZE); }
    CASE(TABLE_GROW) {
        wasm_table *tab = inst->tables[OPND(1)];
        SLOT(0) = (uint32_t)wasm_table_grow(tab, U32(3), (void *)(uintptr_t)SLOT(2), inst->max_table_elements);
        NEXT(TABLE_GROW);
    }
    CASE(TABLE_FILL) {
        trap = wasm_op_table_fill(inst, OPND(0), U32(1), (void *)(uintptr_t)SLOT(2), U32(3));
        if (trap)
            goto trapped;
        NEXT(TABLE_FILL);
    }
    CASE(TABLE_COPY) {
        trap = wasm_op_table_copy(inst, OPND(0), OPND(1), U32(2), U32(3), U32(4));
        if (trap)
            goto trapped;
        NEXT(TABLE_COPY);
    }
    CASE(TABLE_INIT) {
        trap = wasm_op_table_init(inst, OPND(0), OPND(1), U32(2), U32(3), U32(4));
        if (trap)
            goto trapped;
        NEXT(TABLE_INIT);
    }
    CASE(ELEM_DROP) { inst->elem_sizes[OPND(0)] = 0; NEXT(ELEM_DROP); }
    CASE(REF_FUNC) { SLOT(0) = (uint64_t)(uintptr_t)inst->funcs[OPND(1)]; NEXT(REF_FUNC); }
    CASE(REF_IS_NULL) { SLOT(0) = SLOT(1) == 0; NEXT(REF_IS_NULL); }

    /* ---- integer ---- */
    UN32(I32_EQZ, a == 0)
    BIN32(I32_EQ, a == b) BIN32(I32_NE, a != b)
    BIN32(I32_LT_S, (int32_t)a < (int32_t)b) BIN32(I32_LT_U, a < b)
    BIN32(I32_GT_S, (int32_t)a > (int32_t)b) BIN32(I32_GT_U, a > b)
    BIN32(I32_LE_S, (int32_t)a <= (int32_t)b) BIN32(I32_LE_U, a <= b)
    BIN32(I32_GE_S, (int32_t)a >= (int32_t)b) BIN32(I32_GE_U, a >= b)
    UN64(I64_EQZ, a == 0)
    BIN64(I64_EQ, a == b) BIN64(I64_NE, a != b)
    BIN64(I64_LT_S, (int64_t)a < (int64_t)b) BIN64(I64_LT_U, a < b)
    BIN64(I64_GT_S, (int64_t)a > (int64_t)b) BIN64(I64_GT_U, a > b)
    BIN64(I64_LE_S, (int64_t)a <= (int64_t)b) BIN64(I64_LE_U, a <= b)
    BIN64(I64_GE_S, (int64_t)a >= (int64_t)b) BIN64(I64_GE_U, a >= b)
    CMPF32(F32_EQ, a == b) CMPF32(F32_NE, a != b) CMPF32(F32_LT, a < b)
    CMPF32(F32_GT, a > b) CMPF32(F32_LE, a <= b) CMPF32(F32_GE, a >= b)
    CMPF64(F64_EQ, a == b) CMPF64(F64_NE, a != b) CMPF64(F64_LT, a < b)
    CMPF64(F64_GT, a > b) CMPF64(F64_LE, a <= b) CMPF64(F64_GE, a >= b)

    UN32(I32_CLZ, a ? (uint32_t)__builtin_clz(a) : 32u)
    UN32(I32_CTZ, a ? (uint32_t)__builtin_ctz(a) : 32u)
    UN32(I32_POPCNT, (uint32_t)__builtin_popcount(a))
    BIN32(I32_ADD, a + b) BIN32(I32_SUB, a - b) BIN32(I32_MUL, a * b)
    CASE(I32_DIV_S) {
        int32_t a = (int32_t)U32(1), b = (int32_t)U32(2);
        if (WASM_UNLIKELY(b == 0)) TRAP(WASM_TRAP_DIV_ZERO);
        if (WASM_UNLIKELY(a == INT32_MIN && b == -1)) TRAP(WASM_TRAP_INT_OVERFLOW);
        SLOT(0) = (uint32_t)(a / b);
        NEXT(I32_DIV_S);
    }
    CASE(I32_DIV_U) {
        uint32_t a = U32(1), b = U32(2);
        if (WASM_UNLIKELY(b == 0)) TRAP(WASM_TRAP_DIV_ZERO);
        SLOT(0) = a / b;
        NEXT(I32_DIV_U);
    }
    CASE(I32_REM_S) {
        int32_t a = (int32_t)U32(1), b = (int32_t)U32(2);
        if (WASM_UNLIKELY(b == 0)) TRAP(WASM_TRAP_DIV_ZERO);
        SLOT(0) = b == -1 ? 0 : (uint32_t)(a % b);
        NEXT(I32_REM_S);
    }
    CASE(I32_REM_U) {
        uint32_t a = U32(1), b = U32(2);
        if (WASM_UNLIKELY(b == 0)) TRAP(WASM_TRAP_DIV_ZERO);
        SLOT(0) = a % b;
        NEXT(I32_REM_U);
    }
    BIN32(I32_AND, a & b) BIN32(I32_OR, a | b) BIN32(I32_XOR, a ^ b)
    BIN32(I32_SHL, a << (b & 31)) BIN32(I32_SHR_S, (uint32_t)((int32_t)a >> (b & 31)))
    BIN32(I32_SHR_U, a >> (b & 31)) BIN32(I32_ROTL, rotl32(a, b)) BIN32(I32_ROTR, rotr32(a, b))

    UN64(I64_CLZ, a ? (uint64_t)__builtin_clzll(a) : 64u)
    UN64(I64_CTZ, a ? (uint64_t)__builtin_ctzll(a) : 64u)
    UN64(I64_POPCNT, (uint64_t)__builtin_popcountll(a))
    BIN64(I64_ADD, a + b) BIN64(I64_SUB, a - b) BIN64(I64_MUL, a * b)
    CASE(I64_DIV_S) {
        int64_t a = (int64_t)U64(1), b = (int64_t)U64(2);
        if (WASM_UNLIKELY(b == 0)) TRAP(WASM_TRAP_DIV_ZERO);
        if (WASM_UNLIKELY(a == INT64_MIN && b == -1)) TRAP(WASM_TRAP_INT_OVERFLOW);
        SLOT(0) = (uint64_t)(a / b);
        NEXT(I64_DIV_S);
    }
    CASE(I64_DIV_U) {
        uint64_t a = U64(1), b = U64(2);
        if (WASM_UNLIKELY(b == 0)) TRAP(WASM_TRAP_DIV_ZERO);
        SLOT(0) = a / b;
        NEXT(I64_DIV_U);
    }
    CASE(I64_REM_S) {
        int64_t a = (int64_t)U64(1), b = (int64_t)U64(2);
        if (WASM_UNLIKELY(b == 0)) TRAP(WASM_TRAP_DIV_ZERO);
        SLOT(0) = b == -1 ? 0 : (uint64_t)(a % b);
        NEXT(I64_REM_S);
    }
    CASE(I64_REM_U) {
        uint64_t a = U64(1), b = U64(2);
        if (WASM_UNLIKELY(b == 0)) TRAP(WASM_TRAP_DIV_ZERO);
        SLOT(0) = a % b;
        NEXT(I64_REM_U);
    }
    BIN64(I64_AND, a & b) BIN64(I64_OR, a | b) BIN64(I64_XOR, a ^ b)
    BIN64(I64_SHL, a << (b & 63)) BIN64(I64_SHR_S, (uint64_t)((int64_t)a >> (b & 63)))
    BIN64(I64_SHR_U, a >> (b & 63)) BIN64(I64_ROTL, rotl64(a, b)) BIN64(I64_ROTR, rotr64(a, b))

    IMM32(I32_ADD_IMM, a + b) IMM32(I32_MUL_IMM, a * b) IMM32(I32_AND_IMM, a & b)
    IMM32(I32_OR_IMM, a | b) IMM32(I32_XOR_IMM, a ^ b) IMM32(I32_SHL_IMM, a << (b & 31))
    IMM32(I32_SHR_S_IMM, (uint32_t)((int32_t)a >> (b & 31))) IMM32(I32_SHR_U_IMM, a >> (b & 31))
    IMM32(I32_ROTL_IMM, rotl32(a, b)) IMM32(I32_ROTR_IMM, rotr32(a, b))
    IMM32(I32_EQ_IMM, a == b) IMM32(I32_NE_IMM, a != b)
    IMM32(I32_LT_S_IMM, (int32_t)a < (int32_t)b) IMM32(I32_LT_U_IMM, a < b)
    IMM32(I32_GT_S_IMM, (int32_t)a > (int32_t)b) IMM32(I32_GT_U_IMM, a > b)
    IMM32(I32_LE_S_IMM, (int32_t)a <= (int32_t)b) IMM32(I32_LE_U_IMM, a <= b)
    IMM32(I32_GE_S_IMM, (int32_t)a >= (int32_t)b) IMM32(I32_GE_U_IMM, a >= b)
    IMM64(I64_ADD_IMM, a + b) IMM64(I64_MUL_IMM, a * b) IMM64(I64_AND_IMM, a & b)
    IMM64(I64_OR_IMM, a | b) IMM64(I64_XOR_IMM, a ^ b) IMM64(I64_SHL_IMM, a << (b & 63))
    IMM64(I64_SHR_S_IMM, (uint64_t)((int64_t)a >> (b & 63))) IMM64(I64_SHR_U_IMM, a >> (b & 63))
    IMM64(I64_ROTL_IMM, rotl64(a, b)) IMM64(I64_ROTR_IMM, rotr64(a, b))
    IMM64(I64_EQ_IMM, a == b) IMM64(I64_NE_IMM, a != b)
    IMM64(I64_LT_S_IMM, (int64_t)a < (int64_t)b) IMM64(I64_LT_U_IMM, a < b)
    IMM64(I64_GT_S_IMM, (int64_t)a > (int64_t)b) IMM64(I64_GT_U_IMM, a > b)
    IMM64(I64_LE_S_IMM, (int64_t)a <= (int64_t)b) IMM64(I64_LE_U_IMM, a <= b)
    IMM64(I64_GE_S_IMM, (int64_t)a >= (int64_t)b) IMM64(I64_GE_U_IMM, a >= b)

    /* ---- binary operations with a loaded right operand ---- */
#define BINM(name, T, LOAD, len, expr) \
    CASE(name) { EA(p, 2, 4, len); T a = (T)SLOT(1), b = LOAD(p); SLOT(0) = (T)(expr); NEXT(name); }
#define BINMF(name, FT, BITS, len, expr) \
    CASE(name) { EA(p, 2, 4, len); FT a = FT##_OF(1), b = FT##_LOADED(p); SLOT(0) = BITS(expr); NEXT(name); }
#define float_LOADED(p) f32_from_bits(load32(p))
#define double_LOADED(p) f64_from_bits(load64(p))
    BINM(I32_ADD_M, uint32_t, load32, 4, a + b) BINM(I32_SUB_M, uint32_t, load32, 4, a - b)
    BINM(I32_MUL_M, uint32_t, load32, 4, a * b) BINM(I32_AND_M, uint32_t, load32, 4, a & b)
    BINM(I32_OR_M, uint32_t, load32, 4, a | b) BINM(I32_XOR_M, uint32_t, load32, 4, a ^ b)
    BINM(I64_ADD_M, uint64_t, load64, 8, a + b) BINM(I64_SUB_M, uint64_t, load64, 8, a - b)
    BINM(I64_MUL_M, uint64_t, load64, 8, a * b) BINM(I64_AND_M, uint64_t, load64, 8, a & b)
    BINM(I64_OR_M, uint64_t, load64, 8, a | b) BINM(I64_XOR_M, uint64_t, load64, 8, a ^ b)
    BINMF(F32_ADD_M, float, f32_to_bits, 4, a + b) BINMF(F32_SUB_M, float, f32_to_bits, 4, a - b)
    BINMF(F32_MUL_M, float, f32_to_bits, 4, a * b) BINMF(F32_DIV_M, float, f32_to_bits, 4, a / b)
    BINMF(F64_ADD_M, double, f64_to_bits, 8, a + b) BINMF(F64_SUB_M, double, f64_to_bits, 8, a - b)
    BINMF(F64_MUL_M, double, f64_to_bits, 8, a * b) BINMF(F64_DIV_M, double, f64_to_bits, 8, a / b)

    /* ---- binary operations with a shifted or rotated right operand ---- */
#define BINSH(name, expr) \
    CASE(name) { uint32_t a = U32(1), b = U32(2), k = OPND(3); SLOT(0) = (uint32_t)(expr); NEXT(name); }
#define BINSH_FAMILY(P, OPX) \
    BINSH(I32_##P##_ROTL, a OPX rotl32(b, k)) BINSH(I32_##P##_SHL, a OPX (b << (k & 31))) \
    BINSH(I32_##P##_SHR_U, a OPX (b >> (k & 31)))
    BINSH_FAMILY(XOR, ^) BINSH_FAMILY(OR, |) BINSH_FAMILY(ADD, +) BINSH_FAMILY(AND, &)

    /* ---- two i32 operations in one: (x OP1 y) OP2 z ---- */
#define PAIR(name, E1, E2) \
    CASE(name) { uint32_t x = U32(1), y = U32(2), z = U32(3); SLOT(0) = (uint32_t)((x E1 y) E2 z); NEXT(name); }
#define PAIR_FAMILY(P, E1) \
    PAIR(I32_##P##_THEN_ADD, E1, +) PAIR(I32_##P##_THEN_AND, E1, &) \
    PAIR(I32_##P##_THEN_OR, E1, |) PAIR(I32_##P##_THEN_XOR, E1, ^)
    PAIR_FAMILY(ADD, +) PAIR_FAMILY(AND, &) PAIR_FAMILY(OR, |) PAIR_FAMILY(XOR, ^)

    /* ---- floating point (sign operations act on the bits, §4.3.3) ---- */
    UN32(F32_ABS, a & ~F32_SIGN) UN32(F32_NEG, a ^ F32_SIGN)
    UNF32(F32_CEIL, wasm_f32_ceil(a)) UNF32(F32_FLOOR, wasm_f32_floor(a))
    UNF32(F32_TRUNC, wasm_f32_trunc(a)) UNF32(F32_NEAREST, wasm_f32_nearest(a))
    UNF32(F32_SQRT, wasm_f32_sqrt(a))
    BINF32(F32_ADD, a + b) BINF32(F32_SUB, a - b) BINF32(F32_MUL, a * b) BINF32(F32_DIV, a / b)
    BINF32(F32_MIN, wasm_f32_min(a, b)) BINF32(F32_MAX, wasm_f32_max(a, b))
    BIN32(F32_COPYSIGN, (a & ~F32_SIGN) | (b & F32_SIGN))
    UN64(F64_ABS, a & ~F64_SIGN) UN64(F64_NEG, a ^ F64_SIGN)
    UNF64(F64_CEIL, wasm_f64_ceil(a)) UNF64(F64_FLOOR, wasm_f64_floor(a))
    UNF64(F64_TRUNC, wasm_f64_trunc(a)) UNF64(F64_NEAREST, wasm_f64_nearest(a))
    UNF64(F64_SQRT, wasm_f64_sqrt(a))
    BINF64(F64_ADD, a + b) BINF64(F64_SUB, a - b) BINF64(F64_MUL, a * b) BINF64(F64_DIV, a / b)
    BINF64(F64_MIN, wasm_f64_min(a, b)) BINF64(F64_MAX, wasm_f64_max(a, b))
    BIN64(F64_COPYSIGN, (a & ~F64_SIGN) | (b & F64_SIGN))

    /* ---- conversions ---- */
    UN64(I32_WRAP_I64, (uint32_t)a)
#define TRUNC(name, FT, fits, CT, RT) \
    CASE(name) { FT a = FT##_OF(1); \
        if (WASM_UNLIKELY(a != a)) TRAP(WASM_TRAP_BAD_CONVERSION); \
        if (WASM_UNLIKELY(!fits(a))) TRAP(WASM_TRAP_INT_OVERFLOW); \
        SLOT(0) = (RT)(CT)a; NEXT(name); }
    TRUNC(I32_TRUNC_F32_S, float, f32_fits_i32, int32_t, uint32_t)
    TRUNC(I32_TRUNC_F32_U, float, f32_fits_u32, uint32_t, uint32_t)
    TRUNC(I32_TRUNC_F64_S, double, f64_fits_i32, int32_t, uint32_t)
    TRUNC(I32_TRUNC_F64_U, double, f64_fits_u32, uint32_t, uint32_t)
    TRUNC(I64_TRUNC_F32_S, float, f32_fits_i64, int64_t, uint64_t)
    TRUNC(I64_TRUNC_F32_U, float, f32_fits_u64, uint64_t, uint64_t)
    TRUNC(I64_TRUNC_F64_S, double, f64_fits_i64, int64_t, uint64_t)
    TRUNC(I64_TRUNC_F64_U, double, f64_fits_u64, uint64_t, uint64_t)
    UN64(I64_EXTEND_I32_S, (uint64_t)(int64_t)(int32_t)(uint32_t)a)
    UN64(I64_EXTEND_I32_U, (uint32_t)a)
    SET(F32_CONVERT_I32_S, f32_to_bits((float)(int32_t)U32(1)))
    SET(F32_CONVERT_I32_U, f32_to_bits((float)U32(1)))
    SET(F32_CONVERT_I64_S, f32_to_bits((float)(int64_t)U64(1)))
    SET(F32_CONVERT_I64_U, f32_to_bits((float)U64(1)))
    SET(F32_DEMOTE_F64, f32_to_bits((float)F64(1)))
    SET(F64_CONVERT_I32_S, f64_to_bits((double)(int32_t)U32(1)))
    SET(F64_CONVERT_I32_U, f64_to_bits((double)U32(1)))
    SET(F64_CONVERT_I64_S, f64_to_bits((double)(int64_t)U64(1)))
    SET(F64_CONVERT_I64_U, f64_to_bits((double)U64(1)))
    SET(F64_PROMOTE_F32, f64_to_bits((double)F32(1)))
    UN32(I32_EXTEND8_S, (uint32_t)(int32_t)(int8_t)a)
    UN32(I32_EXTEND16_S, (uint32_t)(int32_t)(int16_t)a)
    UN64(I64_EXTEND8_S, (uint64_t)(int64_t)(int8_t)a)
    UN64(I64_EXTEND16_S, (uint64_t)(int64_t)(int16_t)a)
    UN64(I64_EXTEND32_S, (uint64_t)(int64_t)(int32_t)a)
    SET(I32_TRUNC_SAT_F32_S, wasm_sat_f32_i32(F32(1)))
    SET(I32_TRUNC_SAT_F32_U, wasm_sat_f32_u32(F32(1)))
    SET(I32_TRUNC_SAT_F64_S, wasm_sat_f64_i32(F64(1)))
    SET(I32_TRUNC_SAT_F64_U, wasm_sat_f64_u32(F64(1)))
    SET(I64_TRUNC_SAT_F32_S, wasm_sat_f32_i64(F32(1)))
    SET(I64_TRUNC_SAT_F32_U, wasm_sat_f32_u64(F32(1)))
    SET(I64_TRUNC_SAT_F64_S, wasm_sat_f64_i64(F64(1)))
    SET(I64_TRUNC_SAT_F64_U, wasm_sat_f64_u64(F64(1)))

#include "interp_simd.inc"

#if !THREADED
    default:
        TRAP(WASM_TRAP_UNREACHABLE);
    }
#endif

    /* ---- a host function: S->callee, S->nfp and S->ret_ip are set ---- */
host_call: {
        /* Publish where the stacks end so that the host function can call
         * back into WebAssembly on this instance. */
        uint64_t *saved_top = S->st->top;
        uint32_t saved_frames = S->st->frame_top;
        const wasm_functype *ft = S->callee->type;
        S->st->top = S->nfp + (ft->param_slots > ft->result_slots ? ft->param_slots : ft->result_slots);
        S->st->frame_top = (uint32_t)(S->fr - S->st->frames);
        budget_settle(S);
        trap = wasm_call_host(S->act, inst, S->callee, S->nfp);
        budget_grant(S);
        S->st->top = saved_top;
        S->st->frame_top = saved_frames;
        if (trap)
            goto trapped;
        if (S->cur_mem)
            mem = S->cur_mem->base;
        ip = S->ret_ip;
        DISPATCH();
    }

    /* ---- the activation's first function (a WebAssembly one) ---- */
enter_first:
    if (WASM_UNLIKELY(fp + f->frame_slots > S->stack_end))
        TRAP(WASM_TRAP_STACK_EXHAUSTED);
    if (WASM_UNLIKELY(!f->ops) && !wasm_funcinst_prepare_interp(f))
        TRAP(WASM_TRAP_HOST);       /* no memory for its interpreter code */
    if (f->zero1)
        fp[f->zero1 - 1] = 0;
    inst = f->inst;
    S->cur_mem = inst->memory;
    mem = S->cur_mem ? S->cur_mem->base : NULL;
    act->cur_mem = S->cur_mem;
    ip = f->ops;
    if (WASM_UNLIKELY(--S->budget < 0))
        goto budget_slow;
    DISPATCH();

    /* The budget ran out: settle fuel, look for an interrupt, continue at ip. */
budget_slow:
    budget_settle(S);
    if (__atomic_exchange_n(&S->root->interrupt, 0, __ATOMIC_RELAXED))
        TRAP(WASM_TRAP_INTERRUPTED);
    if (S->root->fuel_limited && S->root->fuel <= 0)
        TRAP(WASM_TRAP_OUT_OF_FUEL);
    budget_grant(S);
    DISPATCH();

finished:
    budget_settle(S);
    return WASM_TRAP_NONE;
trapped:
    budget_settle(S);
    return trap;
}

/* The handler address of every instruction, or NULL with switch dispatch. */
const void *const *INTERP_HANDLERS(void)
{
#if THREADED
    if (!handler_table)
        INTERP_RUN(NULL, NULL, NULL, NULL);
    return handler_table;
#else
    return NULL;
#endif
}
