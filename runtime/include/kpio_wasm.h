/*
 * runtime/include/kpio_wasm.h — the one public interface of the KPIO
 * WebAssembly runtime. The kernel and the hosted kpio-wasm CLI both embed the
 * runtime through this header and nothing else.
 *
 * Life cycle:
 *   wasm_module_load()      decode + validate (+ compile) a binary; immutable
 *                           and shareable between instances and threads
 *   wasm_linker_*()         name host functions and other instances' exports
 *   wasm_instantiate()      allocate memories/tables/globals, link, run start
 *   wasm_call()             call an exported function
 *   wasm_instance_free(), wasm_module_free()
 *
 * Host functions see their arguments and results as 64-bit slots: i32 in the
 * low 32 bits (zero-extended), i64 as is, f32/f64 as their bit patterns,
 * v128 as two consecutive slots (low half first), references as pointers.
 *
 * Changes from the first draft (all additions; nothing existing changed):
 *   - wasm_instance_export_func() + wasm_call_func(): call through a handle,
 *     without a name lookup per call and for export names that hold NUL
 *     bytes (the spec suite has one).
 *   - wasm_runtime_set_checked(): translate modules for explicit bounds
 *     checks instead of guard pages (tests of the fallback path).
 * A host function receives the *calling* instance (the one whose code made
 * the call), so that e.g. WASI reaches the caller's memory.
 */
#ifndef KPIO_WASM_H
#define KPIO_WASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wasm_module wasm_module;
typedef struct wasm_instance wasm_instance;
typedef struct wasm_linker wasm_linker;

/* Value types, by their binary encoding (Wasm 2.0 §5.3.1). */
typedef enum wasm_valtype {
    WASM_I32 = 0x7F,
    WASM_I64 = 0x7E,
    WASM_F32 = 0x7D,
    WASM_F64 = 0x7C,
    WASM_V128 = 0x7B,
    WASM_FUNCREF = 0x70,
    WASM_EXTERNREF = 0x6F,
} wasm_valtype;

typedef struct wasm_value {
    wasm_valtype type;
    union {
        uint32_t i32;
        uint64_t i64;
        uint32_t f32;      /* bit pattern, so NaN payloads survive */
        uint64_t f64;
        uint8_t v128[16];
        void *ref;         /* NULL is the null reference */
    } of;
} wasm_value;

/* What went wrong, for every call that can fail. */
typedef enum wasm_result {
    WASM_OK = 0,
    WASM_ERR_MALFORMED,     /* binary does not decode */
    WASM_ERR_INVALID,       /* decodes but fails validation */
    WASM_ERR_UNLINKABLE,    /* an import is missing or has the wrong type */
    WASM_ERR_LIMIT,         /* exceeds a configured limit */
    WASM_ERR_NOMEM,         /* the platform could not give memory */
    WASM_ERR_TRAP,          /* execution trapped (see wasm_trap) */
    WASM_ERR_EXIT,          /* a host function asked the instance to exit (WASI proc_exit) */
    WASM_ERR_NOT_FOUND,     /* no such export */
    WASM_ERR_ARGS,          /* wrong number or types of arguments */
} wasm_result;

/* Trap kinds (the spec's, plus the runtime's own). */
typedef enum wasm_trap {
    WASM_TRAP_NONE = 0,
    WASM_TRAP_UNREACHABLE,
    WASM_TRAP_MEMORY_OOB,          /* out of bounds memory access */
    WASM_TRAP_TABLE_OOB,           /* out of bounds table access / undefined element */
    WASM_TRAP_INDIRECT_NULL,       /* uninitialized element */
    WASM_TRAP_SIGNATURE,           /* indirect call type mismatch */
    WASM_TRAP_DIV_ZERO,            /* integer divide by zero */
    WASM_TRAP_INT_OVERFLOW,        /* integer overflow */
    WASM_TRAP_BAD_CONVERSION,      /* invalid conversion to integer */
    WASM_TRAP_STACK_EXHAUSTED,     /* call stack exhausted */
    WASM_TRAP_OUT_OF_FUEL,
    WASM_TRAP_INTERRUPTED,         /* wasm_instance_interrupt() */
    WASM_TRAP_HOST,                /* a host function failed */
} wasm_trap;

/* A result code with a message that says where: section, function index,
 * byte offset for decode and validation errors; the trap kind for traps. */
typedef struct wasm_error {
    wasm_result result;
    wasm_trap trap;
    int exit_code;                 /* with WASM_ERR_EXIT */
    char message[256];
} wasm_error;

/* Limits; zero in a field means "the runtime's default". */
typedef struct wasm_limits {
    uint32_t max_memory_pages;     /* 64 KiB pages, default 65536 (4 GiB) */
    uint32_t max_table_elements;   /* default 10,000,000 */
    uint32_t max_call_depth;       /* default 10,000 frames */
    uint64_t fuel;                 /* 0 = unlimited; else instructions (roughly) */
} wasm_limits;

/* ---- modules ---- */

/* Decode and validate a binary module. Returns NULL and fills err on failure.
 * The runtime keeps its own copy of what it needs from bytes. */
wasm_module *wasm_module_load(const uint8_t *bytes, size_t size, wasm_error *err);
void wasm_module_free(wasm_module *m);
/* Only decode + validate, for `kpio-wasm validate`. */
wasm_result wasm_module_validate(const uint8_t *bytes, size_t size, wasm_error *err);

/* Reflection, for `kpio-wasm inspect` and for linking hosts. */
enum wasm_extern_kind { WASM_EXTERN_FUNC = 0, WASM_EXTERN_TABLE = 1, WASM_EXTERN_MEMORY = 2, WASM_EXTERN_GLOBAL = 3 };
typedef struct wasm_extern_info {
    const char *module;            /* imports only */
    const char *name;
    enum wasm_extern_kind kind;
    uint32_t index;                /* in its index space */
} wasm_extern_info;
uint32_t wasm_module_import_count(const wasm_module *m);
bool wasm_module_import(const wasm_module *m, uint32_t i, wasm_extern_info *out);
uint32_t wasm_module_export_count(const wasm_module *m);
bool wasm_module_export(const wasm_module *m, uint32_t i, wasm_extern_info *out);

/* ---- host functions and linking ---- */

/* A host function. `args` and `results` are 64-bit slots as described above.
 * Return WASM_TRAP_NONE on success, or a trap to end the call; a host
 * function that wants the instance to exit calls wasm_instance_exit() and
 * returns WASM_TRAP_HOST. */
typedef wasm_trap (*wasm_host_func)(wasm_instance *inst, void *env,
                                    const uint64_t *args, uint64_t *results);

wasm_linker *wasm_linker_new(void);
void wasm_linker_free(wasm_linker *l);
/* Define module.name as a host function. `signature` spells the function
 * type with i=i32 I=i64 f=f32 F=f64 v=v128 r=externref R=funcref, as
 * "(params)results", e.g. "(iiii)i". */
wasm_result wasm_linker_define_func(wasm_linker *l, const char *module, const char *name,
                                    const char *signature, wasm_host_func fn, void *env);
/* Make every export of `inst` importable under `module_name` (spec `register`). */
wasm_result wasm_linker_define_instance(wasm_linker *l, const char *module_name,
                                        wasm_instance *inst);

/* ---- instances ---- */

/* Allocate and initialise an instance, resolve its imports through `l` (may
 * be NULL when there are none), run the start function. `host_data` is the
 * embedder's per-instance pointer (wasm_instance_host_data). */
wasm_instance *wasm_instantiate(wasm_module *m, wasm_linker *l, const wasm_limits *limits,
                                void *host_data, wasm_error *err);
void wasm_instance_free(wasm_instance *inst);
void *wasm_instance_host_data(wasm_instance *inst);

/* Call an export by name. nargs/nresults must match its type. */
wasm_result wasm_call(wasm_instance *inst, const char *export_name,
                      const wasm_value *args, size_t nargs,
                      wasm_value *results, size_t nresults, wasm_error *err);

/* An exported function as a handle (valid while the instance lives), or
 * NULL. The name is name_len bytes and may contain NUL. */
typedef struct wasm_funcinst wasm_func;
wasm_func *wasm_instance_export_func(wasm_instance *inst, const char *name, size_t name_len);
/* Call a function handle (or a funcref value) on behalf of inst. */
wasm_result wasm_call_func(wasm_instance *inst, wasm_func *f,
                           const wasm_value *args, size_t nargs,
                           wasm_value *results, size_t nresults, wasm_error *err);

/* Read or write an exported global. */
wasm_result wasm_global_get(wasm_instance *inst, const char *export_name, wasm_value *out);

/* Memory 0 of the instance: base address and current size in bytes. The base
 * may change after memory.grow on platforms that cannot reserve; re-read it
 * after any call into WebAssembly. */
uint8_t *wasm_memory_base(wasm_instance *inst);
uint64_t wasm_memory_size(wasm_instance *inst);
/* True if [offset, offset+len) lies inside memory 0. Host functions check
 * every guest pointer with it before use. */
bool wasm_memory_check(wasm_instance *inst, uint64_t offset, uint64_t len);

/* Ask the instance to stop: the running (or next) call traps with
 * WASM_TRAP_INTERRUPTED soon. Safe to call from another thread. */
void wasm_instance_interrupt(wasm_instance *inst);
/* From inside a host function: end the current call with WASM_ERR_EXIT and
 * exit_code. */
void wasm_instance_exit(wasm_instance *inst, int exit_code);
/* Fuel left (when limits.fuel was set). */
uint64_t wasm_instance_fuel(wasm_instance *inst);

const char *wasm_trap_message(wasm_trap trap);   /* the spec's wording */

/* Modules loaded after wasm_runtime_set_checked(true) use explicit bounds
 * checks and heap memories, as on platforms without guard pages. They
 * cannot link with modules loaded in the other mode. */
void wasm_runtime_set_checked(bool on);

/* Which engine runs modules loaded from now on. The default is the JIT on
 * x86-64 CPUs with SSE4.1 (AVX2 and BMI used where present), else the
 * interpreter. WASM_ENGINE_JIT_BASELINE restricts the JIT to SSE4.1 code
 * (to test the paths other CPUs take). Modules loaded with checked bounds
 * are always interpreted. */
typedef enum wasm_engine {
    WASM_ENGINE_DEFAULT = 0,
    WASM_ENGINE_INTERP,
    WASM_ENGINE_JIT,
    WASM_ENGINE_JIT_BASELINE,
} wasm_engine;
void wasm_runtime_set_engine(wasm_engine engine);
/* True if modules loaded now would be compiled. */
bool wasm_runtime_jit_available(void);
/* The engine that runs m's functions: WASM_ENGINE_JIT or WASM_ENGINE_INTERP. */
wasm_engine wasm_module_engine(const wasm_module *m);
/* Why the JIT last declined a module (NULL if it compiled the last one). */
const char *wasm_jit_last_error(void);

#ifdef __cplusplus
}
#endif

#endif
