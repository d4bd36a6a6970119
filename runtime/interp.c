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

/* Operand words: ip[2] is the first. */
#define OPND(k)  (ip[2 + (k)])
#define SLOT(k)  (fp[OPND(k)])
#define U32(k)   ((uint32_t)SLOT(k))
#define U64(k)   (SLOT(k))
#define F32(k)   (f32_from_bits((uint32_t)SLOT(k)))
#define F64(k)   (f64_from_bits(SLOT(k)))

/* Effective address of a memory access: u32 base + u32 offset (§4.4.7). */
#if INTERP_CHECKED
#define BOUNDS(ea, len) \
    if (WASM_UNLIKELY((ea) + (len) > cur_mem->size)) TRAP(WASM_TRAP_MEMORY_OOB)
#else
#define BOUNDS(ea, len) ((void)0)
#endif
#define EA(ptr, addr_k, off_k, len) \
    uint64_t ea_ = (uint64_t)U32(addr_k) + OPND(off_k); \
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
        if (cond) { ip += 4 + (int32_t)OPND(2); DISPATCH(); } NEXT(name); }
#define BRCMP_FAMILY(P, T, ST, BEXPR) \
    BRCMP(BR_##P##_EQ, T, SLOT(0), BEXPR, a == b) BRCMP(BR_##P##_NE, T, SLOT(0), BEXPR, a != b) \
    BRCMP(BR_##P##_LT_S, T, SLOT(0), BEXPR, (ST)a < (ST)b) BRCMP(BR_##P##_LT_U, T, SLOT(0), BEXPR, a < b) \
    BRCMP(BR_##P##_GT_S, T, SLOT(0), BEXPR, (ST)a > (ST)b) BRCMP(BR_##P##_GT_U, T, SLOT(0), BEXPR, a > b) \
    BRCMP(BR_##P##_LE_S, T, SLOT(0), BEXPR, (ST)a <= (ST)b) BRCMP(BR_##P##_LE_U, T, SLOT(0), BEXPR, a <= b) \
    BRCMP(BR_##P##_GE_S, T, SLOT(0), BEXPR, (ST)a >= (ST)b) BRCMP(BR_##P##_GE_U, T, SLOT(0), BEXPR, a >= b)
#define LOADOP(name, len, expr) \
    CASE(name) { EA(p, 1, 2, len); SLOT(0) = (expr); NEXT(name); }
#define STOREOP(name, len, stmt) \
    CASE(name) { EA(p, 0, 2, len); uint64_t v = SLOT(1); stmt; NEXT(name); }

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
    (void)caller;
    wasm_instance *root = act->root;
    wasm_stack *st = &root->stack;
    wasm_frame *frames = st->frames;
    const uint32_t frame_base = st->frame_top;
    uint32_t ftop = frame_base;
    uint64_t *const stack_end = st->end;
    int64_t fuel = root->fuel;
    wasm_instance *inst = NULL;
    wasm_memory *cur_mem = NULL;
    uint8_t *mem = NULL;
    const uint32_t *ip = NULL;
    wasm_trap trap = WASM_TRAP_NONE;
    wasm_funcinst *callee = f;
    uint64_t *nfp = fp;
    const uint32_t *ret_ip = NULL;
    bool first = true;

    goto enter;

#if !THREADED
dispatch:
    switch ((uint32_t)*(const uint64_t *)ip) {
#endif

    /* ---- control ---- */
    CASE(UNREACHABLE) TRAP(WASM_TRAP_UNREACHABLE);
    CASE(CHECK) {
        fuel -= OPND(0);
        if (WASM_UNLIKELY(fuel < 0 || __atomic_load_n(&root->interrupt, __ATOMIC_RELAXED))) {
            if (__atomic_exchange_n(&root->interrupt, 0, __ATOMIC_RELAXED))
                TRAP(WASM_TRAP_INTERRUPTED);
            if (root->fuel_limited) {
                fuel = 0;
                TRAP(WASM_TRAP_OUT_OF_FUEL);
            }
            fuel = INT64_MAX;
        }
        NEXT(CHECK);
    }
    CASE(BR) { ip += 2 + (int32_t)OPND(0); DISPATCH(); }
    CASE(BR_IF) {
        if (U32(0)) { ip += 3 + (int32_t)OPND(1); DISPATCH(); }
        NEXT(BR_IF);
    }
    CASE(BR_IFZ) {
        if (!U32(0)) { ip += 3 + (int32_t)OPND(1); DISPATCH(); }
        NEXT(BR_IFZ);
    }
    CASE(BR_I64_NEZ) {
        if (U64(0)) { ip += 3 + (int32_t)OPND(1); DISPATCH(); }
        NEXT(BR_I64_NEZ);
    }
    CASE(BR_I64_EQZ) {
        if (!U64(0)) { ip += 3 + (int32_t)OPND(1); DISPATCH(); }
        NEXT(BR_I64_EQZ);
    }
    CASE(BR_TABLE) {
        uint32_t i = U32(0), n = OPND(1);
        const uint32_t *e = ip + 4 + (i < n ? i : n);
        ip = e + (int32_t)*e;
        DISPATCH();
    }
    BRCMP_FAMILY(I32, uint32_t, int32_t, SLOT(1))
    BRCMP_FAMILY(I32_IMM, uint32_t, int32_t, OPND(1))
    BRCMP_FAMILY(I64, uint64_t, int64_t, SLOT(1))
    BRCMP_FAMILY(I64_IMM, uint64_t, int64_t, (int64_t)(int32_t)OPND(1))

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
        if (ftop == frame_base)
            goto finished;
        wasm_frame *fr = &frames[--ftop];
        ip = fr->ret_ip;
        fp = fr->fp;
        if (fr->inst != inst) {
            inst = fr->inst;
            cur_mem = inst->memory;
            mem = cur_mem ? cur_mem->base : NULL;
            act->cur_mem = cur_mem;
        }
        DISPATCH();
    }
    CASE(CALL) {
        callee = inst->funcs[OPND(0)];
        nfp = fp + OPND(1);
        ret_ip = ip + SZ_CALL;
        goto call;
    }
    CASE(CALL_INDIRECT) {
        wasm_table *tab = inst->tables[OPND(0)];
        uint32_t i = U32(3);
        if (WASM_UNLIKELY(i >= tab->size))
            TRAP(WASM_TRAP_TABLE_OOB);
        callee = (wasm_funcinst *)tab->elems[i];
        if (WASM_UNLIKELY(!callee))
            TRAP(WASM_TRAP_INDIRECT_NULL);
        if (WASM_UNLIKELY(!wasm_sig_match(callee->type, inst->types[OPND(1)])))
            TRAP(WASM_TRAP_SIGNATURE);
        nfp = fp + OPND(2);
        ret_ip = ip + SZ_CALL_INDIRECT;
        goto call;
    }

    /* ---- data movement ---- */
    CASE(COPY) { SLOT(0) = SLOT(1); NEXT(COPY); }
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
    CASE(MEMORY_SIZE) { SLOT(0) = cur_mem->pages; NEXT(MEMORY_SIZE); }
    CASE(MEMORY_GROW) {
        uint32_t limit = inst->max_memory_pages;
        uint32_t delta = U32(1);
        int64_t old = (uint64_t)cur_mem->pages + delta > limit ? -1 : wasm_memory_grow(cur_mem, delta);
        SLOT(0) = (uint32_t)old;
        mem = cur_mem->base;
        NEXT(MEMORY_GROW);
    }
    CASE(MEMORY_COPY) {
        trap = wasm_op_memory_copy(cur_mem, U32(0), U32(1), U32(2));
        if (trap)
            goto trapped;
        NEXT(MEMORY_COPY);
    }
    CASE(MEMORY_FILL) {
        trap = wasm_op_memory_fill(cur_mem, U32(0), (uint8_t)U32(1), U32(2));
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
    IMM32(I32_EQ_IMM, a == b) IMM32(I32_NE_IMM, a != b)
    IMM32(I32_LT_S_IMM, (int32_t)a < (int32_t)b) IMM32(I32_LT_U_IMM, a < b)
    IMM32(I32_GT_S_IMM, (int32_t)a > (int32_t)b) IMM32(I32_GT_U_IMM, a > b)
    IMM32(I32_LE_S_IMM, (int32_t)a <= (int32_t)b) IMM32(I32_LE_U_IMM, a <= b)
    IMM32(I32_GE_S_IMM, (int32_t)a >= (int32_t)b) IMM32(I32_GE_U_IMM, a >= b)
    IMM64(I64_ADD_IMM, a + b) IMM64(I64_MUL_IMM, a * b) IMM64(I64_AND_IMM, a & b)
    IMM64(I64_OR_IMM, a | b) IMM64(I64_XOR_IMM, a ^ b) IMM64(I64_SHL_IMM, a << (b & 63))
    IMM64(I64_SHR_S_IMM, (uint64_t)((int64_t)a >> (b & 63))) IMM64(I64_SHR_U_IMM, a >> (b & 63))
    IMM64(I64_EQ_IMM, a == b) IMM64(I64_NE_IMM, a != b)
    IMM64(I64_LT_S_IMM, (int64_t)a < (int64_t)b) IMM64(I64_LT_U_IMM, a < b)
    IMM64(I64_GT_S_IMM, (int64_t)a > (int64_t)b) IMM64(I64_GT_U_IMM, a > b)
    IMM64(I64_LE_S_IMM, (int64_t)a <= (int64_t)b) IMM64(I64_LE_U_IMM, a <= b)
    IMM64(I64_GE_S_IMM, (int64_t)a >= (int64_t)b) IMM64(I64_GE_U_IMM, a >= b)

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
#define float_OF(k) F32(k)
#define double_OF(k) F64(k)
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

    /* ---- calls: callee, nfp and ret_ip are set ---- */
call:
    if (!callee->code) {
        /* A host function: publish where the stack ends so that it can call
         * back into WebAssembly on this instance. */
        uint64_t *saved_top = st->top;
        uint32_t saved_frames = st->frame_top;
        const wasm_functype *ft = callee->type;
        st->top = nfp + (ft->param_slots > ft->result_slots ? ft->param_slots : ft->result_slots);
        st->frame_top = ftop;
        root->fuel = fuel;
        trap = wasm_call_host(act, inst ? inst : caller, callee, nfp);
        fuel = root->fuel;
        st->top = saved_top;
        st->frame_top = saved_frames;
        if (trap)
            goto trapped;
        if (cur_mem)
            mem = cur_mem->base;
        if (first)
            goto finished;
        ip = ret_ip;
        DISPATCH();
    }
enter: {
        const wasm_code *code = callee->code;
        if (!code) {
            first = true;
            goto call;
        }
        if (WASM_UNLIKELY(ftop >= st->nframes || nfp + code->frame_slots > stack_end))
            TRAP(WASM_TRAP_STACK_EXHAUSTED);
        if (!first) {
            wasm_frame *fr = &frames[ftop++];
            fr->ret_ip = ret_ip;
            fr->fp = fp;
            fr->inst = inst;
        }
        first = false;
        fp = nfp;
        if (code->local_slots)
            wasm_memset(fp + code->param_slots, 0, (size_t)code->local_slots * sizeof(uint64_t));
        if (callee->inst != inst) {
            inst = callee->inst;
            cur_mem = inst->memory;
            mem = cur_mem ? cur_mem->base : NULL;
            act->cur_mem = cur_mem;
        }
        ip = code->ops;
        DISPATCH();
    }

finished:
    root->fuel = fuel;
    return WASM_TRAP_NONE;
trapped:
    root->fuel = fuel;
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
