/*
 * runtime/wasm_internal.h — the runtime's private data structures, shared by
 * the decoder, the translator, the interpreter and the instance code.
 *
 * Shape, chosen so that a JIT (issue 7) can use the same objects:
 *   - A module is immutable after wasm_module_load(): types, imports,
 *     function declarations with their compiled code, segments.
 *   - An instance reaches everything through one pointer: memory 0 (whose
 *     first field is the base address), global cells, tables, function
 *     instances, all in arrays indexed by the module's index spaces.
 *   - Values live in 64-bit slots (v128 takes two adjacent slots). A frame is
 *     [params][locals][operand temporaries]; a call passes arguments in place:
 *     the callee's frame starts where the caller pushed its arguments, and the
 *     callee leaves its results at the start of its frame.
 *   - A trap is a wasm_trap code returned by the interpreter loop, or, for a
 *     fault in guest memory, a jump (__builtin_longjmp) to the wasm_call that
 *     started the activation (see exec.c).
 */
#ifndef WASM_INTERNAL_H
#define WASM_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kpio_wasm.h"
#include "kpio_wasm_platform.h"

/* The memory functions every C compiler may emit calls to anyway. */
#define wasm_memcpy  __builtin_memcpy
#define wasm_memmove __builtin_memmove
#define wasm_memset  __builtin_memset
#define wasm_memcmp  __builtin_memcmp

#define WASM_LIKELY(x)   __builtin_expect(!!(x), 1)
#define WASM_UNLIKELY(x) __builtin_expect(!!(x), 0)

#define WASM_PAGE_SIZE        65536u
#define WASM_MAX_PAGES        65536u          /* 4 GiB */
/* Guarded memories reserve 4 GiB of index space + 4 GiB of offset + a guard,
 * so that no (u32 address + u32 offset + access size) can leave the region. */
#define WASM_GUARD_RESERVE    ((uint64_t)8 << 30)
#define WASM_GUARD_EXTRA      ((uint64_t)64 << 10)

/* Defaults for wasm_limits fields left at zero. */
#define WASM_DEFAULT_TABLE_MAX   10000000u
#define WASM_DEFAULT_CALL_DEPTH  10000u
#define WASM_STACK_SLOTS         (1u << 20)   /* 8 MiB value stack per instance */
#define WASM_MAX_NESTING         64u          /* host -> wasm re-entries per thread */
#ifndef WASM_MAX_C_STACK
#define WASM_MAX_C_STACK         ((uintptr_t)2 << 20)   /* C stack for re-entries */
#endif

/* Value type used by validation for an operand of unknown type (below an
 * unreachable instruction). */
#define WASM_T_UNKNOWN 0

static inline bool wasm_is_num(uint8_t t) { return t == WASM_I32 || t == WASM_I64 || t == WASM_F32 || t == WASM_F64; }
static inline bool wasm_is_ref(uint8_t t) { return t == WASM_FUNCREF || t == WASM_EXTERNREF; }
static inline bool wasm_is_valtype(uint8_t t) { return wasm_is_num(t) || t == WASM_V128 || wasm_is_ref(t); }
/* Number of 8-byte slots a value of type t occupies. */
static inline uint32_t wasm_slots(uint8_t t) { return t == WASM_V128 || t == WASM_T_UNKNOWN ? 2 : 1; }
const char *wasm_type_name(uint8_t t);

/* ---- small utilities (util.c) ---- */

/* Bump allocator for a module's many small, immutable pieces. */
typedef struct wasm_arena_chunk wasm_arena_chunk;
typedef struct wasm_arena {
    wasm_arena_chunk *head;
    size_t used, cap;
    size_t total;          /* bytes obtained from the platform, for statistics */
} wasm_arena;
void *wasm_arena_alloc(wasm_arena *a, size_t size);     /* zeroed, 16-aligned; NULL on failure */
void wasm_arena_free(wasm_arena *a);

void *wasm_zalloc(size_t size);                          /* zeroed heap block */
#define wasm_free wasm_plat_free
/* Grow *buf (of elem-size items, capacity *cap) to hold at least `need`.
 * Inline when there is room already: the compilers call it per value. */
bool wasm_grow_array_slow(void **buf, uint32_t *cap, uint32_t need, size_t elem);
static inline bool wasm_grow_array(void **buf, uint32_t *cap, uint32_t need, size_t elem)
{
    return need <= *cap || wasm_grow_array_slow(buf, cap, need, elem);
}

/* snprintf subset: %s %.*s %c %d %u %x %ld %lu %lx %lld %llu %llx %zu %p %%, width and 0 flag. */
int wasm_vfmt(char *buf, size_t size, const char *fmt, va_list ap);
int wasm_fmt(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void wasm_error_set(wasm_error *err, wasm_result r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void wasm_error_trap(wasm_error *err, wasm_trap trap);
size_t wasm_strlen(const char *s);
bool wasm_name_eq(const char *a, uint32_t alen, const char *b, uint32_t blen);

/* ---- module ---- */

typedef struct wasm_functype {
    uint32_t nparams, nresults;
    uint32_t param_slots, result_slots;
    const uint8_t *params, *results;     /* value types */
    uint32_t hash;
} wasm_functype;
bool wasm_functype_equal(const wasm_functype *a, const wasm_functype *b);
/* Fill in slot counts and the hash after params/results are set. */
void wasm_functype_finish(wasm_functype *t);

typedef struct wasm_bounds {
    uint64_t min, max;
    bool has_max;
} wasm_bounds;

typedef struct wasm_tabletype { uint8_t reftype; wasm_bounds lim; } wasm_tabletype;
typedef struct wasm_globaltype { uint8_t type; bool mutable_; } wasm_globaltype;

/* A constant expression (Wasm 2.0 §3.3.10): exactly one constant instruction. */
enum { WASM_CE_CONST, WASM_CE_GLOBAL, WASM_CE_REF_NULL, WASM_CE_REF_FUNC };
typedef struct wasm_constexpr {
    uint8_t kind;
    uint8_t type;
    uint32_t index;          /* global or function index */
    uint64_t bits[2];        /* the constant (v128 uses both) */
} wasm_constexpr;

typedef struct wasm_import {
    const char *module, *name;      /* NUL-terminated copies */
    uint32_t module_len, name_len;  /* names may hold NUL bytes */
    uint8_t kind;                   /* enum wasm_extern_kind */
    uint32_t index;                 /* in its own index space */
} wasm_import;

typedef struct wasm_export {
    const char *name;
    uint32_t name_len;
    uint8_t kind;
    uint32_t index;
} wasm_export;

typedef struct wasm_code wasm_code;

typedef struct wasm_funcdecl {
    uint32_t type_index;
    const wasm_functype *type;
    wasm_code *code;                /* defined functions, after translation */
} wasm_funcdecl;

typedef struct wasm_globaldecl {
    wasm_globaltype type;
    wasm_constexpr init;            /* defined globals */
} wasm_globaldecl;

enum { WASM_SEG_ACTIVE, WASM_SEG_PASSIVE, WASM_SEG_DECLARATIVE };

typedef struct wasm_elem {
    uint8_t mode;
    uint8_t reftype;
    uint32_t table;
    wasm_constexpr offset;
    uint32_t count;
    wasm_constexpr *items;
} wasm_elem;

typedef struct wasm_data {
    uint8_t mode;
    uint32_t memory;
    wasm_constexpr offset;
    uint32_t size;
    const uint8_t *bytes;
} wasm_data;

/* Translated code of one defined function (translate.c). */
struct wasm_code {
    const uint32_t *ops;            /* interpreter code */
    uint32_t ops_offset;            /* in the module's code buffer */
    uint32_t ops_units;
    uint32_t frame_slots;           /* params + locals + max operand slots */
    uint32_t param_slots;
    uint32_t local_slots;           /* declared locals, zeroed on entry */
    uint32_t zero1;                 /* 1 + the one slot a call zeroes on entry, or 0 */
    uint32_t body_offset;           /* in the binary, for messages */
};

/* decode.c: decode and validate everything but function bodies; keeps body
 * ranges in *bodies (nfuncs - nfunc_imports entries). */
typedef struct wasm_body {
    const uint8_t *start, *end;     /* locals + expression */
    uint32_t offset;                /* of `start` in the binary */
} wasm_body;

/* Whether a module's interpreter code exists (wasm_module.interp_state). A
 * module the JIT compiles is only validated at load; its interpreter code
 * is made when something first needs it (module.c). */
enum { WASM_INTERP_NONE, WASM_INTERP_BUSY, WASM_INTERP_READY, WASM_INTERP_FAILED };

struct wasm_module {
    wasm_arena arena;
    uint32_t ntypes;
    wasm_functype *types;
    uint32_t *type_canon;           /* type index -> first equal type index */
    uint32_t nimports;
    wasm_import *imports;
    uint32_t nfuncs, nfunc_imports;
    wasm_funcdecl *funcs;
    uint32_t ntables, ntable_imports;
    wasm_tabletype *tables;
    uint32_t nmems, nmem_imports;
    wasm_bounds *mems;
    uint32_t nglobals, nglobal_imports;
    wasm_globaldecl *globals;
    uint32_t nexports;
    wasm_export *exports;
    bool has_start;
    uint32_t start;
    uint32_t nelems;
    wasm_elem *elems;
    uint32_t ndatas;
    wasm_data *datas;
    bool has_datacount;
    uint32_t datacount;
    uint8_t *declared_refs;         /* bitmap: functions ref.func may name (C.refs) */
    uint32_t *code_buf;             /* all interpreter code; NULL until needed (JIT) */
    size_t code_units;
    uint8_t interp_state;           /* WASM_INTERP_*: is the interpreter code there? */
    uint8_t *body_bytes;            /* compiled modules: a copy of the bodies ... */
    wasm_body *bodies;              /* ... and their ranges in it, for later passes */
    bool checked;                   /* compiled with explicit bounds checks */
    uint32_t refcount;              /* the loader + each instance */
    void *jit;                      /* machine code (jit/), NULL: interpreted */
};

wasm_result wasm_decode_module(wasm_module *m, const uint8_t *bytes, size_t size,
                               wasm_body **bodies, wasm_error *err);

/* translate.c: validate one body and (emit: true) translate it into
 * m->code_buf. */
typedef struct wasm_translator wasm_translator;
wasm_translator *wasm_translator_new(wasm_module *m, bool emit);
void wasm_translator_free(wasm_translator *t);
wasm_result wasm_translate_func(wasm_translator *t, uint32_t func_index,
                                const wasm_body *body, wasm_error *err);
/* Decode-only scan of a body (no typing), to tell malformed from invalid. */
wasm_result wasm_scan_body(const wasm_module *m, uint32_t func_index,
                           const wasm_body *body, wasm_error *err);
/* Move the translated code into its final place and fix up code pointers. */
wasm_result wasm_translator_finish(wasm_translator *t, wasm_error *err);

/* module.c: makes m's interpreter code if it does not exist yet (once, even
 * with several threads asking); false when that failed (out of memory). */
bool wasm_module_prepare_interp(wasm_module *m);
/* Points f (a function of a module the JIT compiled) at its interpreter
 * code, making that first if needed; false when it cannot be made. */
bool wasm_funcinst_prepare_interp(struct wasm_funcinst *f);

/* ---- runtime objects ---- */

typedef struct wasm_memory {
    uint8_t *base;                  /* first: the interpreter and a JIT load it */
    uint64_t size;                  /* bytes */
    uint64_t reserved;              /* bytes of address space (guarded) or allocated */
    uint32_t pages, max_pages;
    bool has_max;                   /* declared maximum (for import matching) */
    bool guarded;
} wasm_memory;

typedef struct wasm_table {
    void **elems;
    uint32_t size, max, cap;
    uint8_t reftype;
    bool has_max;
} wasm_table;

typedef struct wasm_global {
    uint64_t bits[2];               /* value; v128 uses both */
    uint8_t type;
    bool mutable_;
} wasm_global;

typedef struct wasm_funcinst {
    const uint32_t *ops;            /* code->ops, or NULL for host functions */
    uint32_t frame_slots, param_slots, local_slots;   /* copies of code's */
    uint32_t zero1;                 /* copy of code's: slot 1 + k is zeroed by the call */
    const wasm_functype *type;
    wasm_instance *inst;            /* instance whose code this is (NULL: host) */
    const wasm_code *code;          /* NULL for host functions */
    wasm_host_func host;
    void *env;
    const void *jit_code;           /* entry of the compiled code (jit/) */
} wasm_funcinst;

typedef struct wasm_frame {
    const uint32_t *ret_ip;
    uint64_t *fp;
    wasm_instance *inst;
} wasm_frame;

/* Value and frame stacks of the activations that start on an instance. */
typedef struct wasm_stack {
    uint64_t *slots, *end;
    uint64_t *top;                  /* first free slot between activations */
    wasm_frame *frames;
    uint32_t nframes, frame_top;
    size_t bytes;                   /* of the allocation holding both */
    bool from_heap;                 /* else a platform reservation */
} wasm_stack;
void wasm_stack_free(wasm_instance *inst);

struct wasm_instance {
    wasm_memory *memory;            /* memory 0 or NULL (first field, for a JIT) */
    wasm_global **globals;
    wasm_table **tables;
    wasm_funcinst **funcs;
    const wasm_functype **types;    /* the module's types, canonicalised */
    wasm_module *module;
    void ***elem_refs;              /* evaluated element segments */
    uint32_t *elem_sizes;           /* 0 after elem.drop */
    uint8_t *data_dropped;
    wasm_funcinst *own_funcs;       /* defined functions and copied host imports */
    wasm_global *own_globals;       /* defined globals */
    wasm_functype *host_types;      /* types of copied host imports */
    wasm_stack stack;
    uint32_t max_call_depth;
    uint32_t max_table_elements;
    uint32_t max_memory_pages;
    int64_t fuel;                   /* INT64_MAX when unlimited */
    bool fuel_limited;
    int interrupt;                  /* set from any thread */
    int exit_code;
    bool exiting;
    void *host_data;
    uint32_t refcount;              /* the embedder + importers + linkers */
    wasm_instance **deps;           /* instances this one imports from */
    uint32_t ndeps;
    void *jit;                      /* context of compiled code (jit/) */
};

/* Reference counting: an instance lives while the embedder, an importing
 * instance or a linker holds it; it owns its memory, tables and globals. */
void wasm_instance_retain(wasm_instance *inst);
void wasm_instance_release(wasm_instance *inst);
void wasm_module_release(wasm_module *m);

/* What an import resolves to (linker.c, instance.c). */
typedef struct wasm_extern_ref {
    uint8_t kind;                   /* enum wasm_extern_kind */
    wasm_instance *owner;           /* exporting instance, NULL for host functions */
    wasm_funcinst *func;
    const wasm_functype *host_type; /* host function */
    wasm_host_func host;
    void *env;
    wasm_table *table;
    wasm_memory *memory;
    wasm_global *global;
} wasm_extern_ref;
bool wasm_linker_resolve(const wasm_linker *l, const wasm_import *im, wasm_extern_ref *out);
bool wasm_instance_find_export(wasm_instance *inst, const char *name, uint32_t len, wasm_extern_ref *out);

/* memory.c */
wasm_memory *wasm_memory_new(uint32_t pages, uint32_t max_pages, bool checked);
void wasm_memory_free(wasm_memory *mem);
/* Grow by delta pages; returns the old size in pages or -1. */
int64_t wasm_memory_grow(wasm_memory *mem, uint32_t delta);
/* Whether guarded memories (reservation + fault handler) are available. */
bool wasm_guard_available(void);
bool wasm_runtime_checked(void);

/* table.c */
wasm_table *wasm_table_new(uint8_t reftype, uint32_t size, uint32_t max, void *init);
void wasm_table_free(wasm_table *t);
int64_t wasm_table_grow(wasm_table *t, uint32_t delta, void *init, uint32_t limit);

/* ---- execution (exec.c, interp.c) ---- */

typedef struct wasm_activation {
    struct wasm_activation *prev;
    void *jmpbuf[5];                /* for __builtin_setjmp/longjmp */
    wasm_instance *root;            /* whose stack this activation uses */
    wasm_memory *volatile cur_mem;  /* memory of the code running now */
    volatile int in_guest;          /* 1 while interpreting (not in host code) */
    wasm_trap trap;
    uint32_t nesting;               /* activations below this one on the thread */
    uintptr_t c_stack_base;         /* C stack pointer of the outermost one */
    bool exiting;                   /* a host function called wasm_instance_exit */
    void *interp;                   /* the interpreter's state (interp.c) */
    int exit_code;
    void *jit;                      /* innermost entry into compiled code (jit/) */
} wasm_activation;

wasm_activation *wasm_current_activation(void);
/* Unwind the current activation with a trap (never returns). */
__attribute__((noreturn)) void wasm_trap_raise(wasm_trap trap);

/* Call f with arguments in slots `args` (f->type->param_slots of them);
 * results replace them. Sets up the activation and traps. */
wasm_result wasm_invoke(wasm_instance *caller, wasm_funcinst *f, uint64_t *args,
                        size_t nslots, wasm_error *err);

/* The interpreter: run f with its frame at fp (arguments already there). */
wasm_trap wasm_interp_run(wasm_activation *act, wasm_instance *caller, wasm_funcinst *f, uint64_t *fp);
wasm_trap wasm_interp_run_checked(wasm_activation *act, wasm_instance *caller, wasm_funcinst *f, uint64_t *fp);
/* Handler addresses for the translator (NULL: switch dispatch, the handler
 * word holds the instruction number). */
const void *const *wasm_interp_handlers(bool checked);
const void *const *wasm_interp_handlers_fast(void);
const void *const *wasm_interp_handlers_checked(void);

/* Call a host function with a frame at slots (arguments in, results out). */
wasm_trap wasm_call_host(wasm_activation *act, wasm_instance *caller, wasm_funcinst *f, uint64_t *slots);

/* Operations shared by the interpreter and instantiation (ops.c). */
wasm_trap wasm_op_memory_init(wasm_instance *inst, uint32_t seg, uint32_t d, uint32_t s, uint32_t n);
wasm_trap wasm_op_memory_copy(wasm_memory *mem, uint32_t d, uint32_t s, uint32_t n);
wasm_trap wasm_op_memory_fill(wasm_memory *mem, uint32_t d, uint8_t v, uint32_t n);
wasm_trap wasm_op_table_init(wasm_instance *inst, uint32_t table, uint32_t seg, uint32_t d, uint32_t s, uint32_t n);
wasm_trap wasm_op_table_copy(wasm_instance *inst, uint32_t dt, uint32_t st, uint32_t d, uint32_t s, uint32_t n);
wasm_trap wasm_op_table_fill(wasm_instance *inst, uint32_t table, uint32_t i, void *val, uint32_t n);
/* The signature check of call_indirect. */
static inline bool wasm_sig_match(const wasm_functype *a, const wasm_functype *b)
{
    return a == b || (a->hash == b->hash && wasm_functype_equal(a, b));
}

#endif
