/*
 * runtime/jit/jit_internal.h — the JIT's private structures: the instance
 * context compiled code runs against, the compiled module, and the compiler
 * state shared by the jit_*.c files.
 *
 * Machine conventions of compiled code (x86-64):
 *   r14  the instance context (jit_ctx), r15 the base of linear memory 0
 *   r11, xmm15  assembler scratch, never allocated
 *   rsp  16-byte aligned in function bodies (after the prologue)
 * Calls between compiled functions: integer-class arguments (i32, i64,
 * references) in rdi, rsi, rdx, rcx, r8, r9, float-class (f32, f64, v128) in
 * xmm0-xmm7, the rest in the caller's outgoing area [rsp + 8k] at the call;
 * the first integer result in rax, the first float result in xmm0, the rest
 * written by the callee to the same outgoing area. rbx, rbp, r12-r15 are
 * preserved (as in the SysV ABI, so C helpers can be called directly);
 * everything else, XMM included, is clobbered.
 * A function keeps its most used locals in registers for its whole body
 * (rbx, rbp, r12, r13 first, then rsi, rdi, r8, r9; xmm6-xmm14), the
 * rest in its frame; operand-stack values live in the remaining registers
 * and spill to fixed frame slots per stack position.
 */
#ifndef WASM_JIT_INTERNAL_H
#define WASM_JIT_INTERNAL_H

#include "jit.h"
#include "x64/x64_asm.h"
#include "../iops.h"

#define JIT_CTX  X64_R14
#define JIT_MEM  X64_R15
#define JIT_TMP  X64_R11
#define JIT_XTMP 15

/* ---- CPU features (jit_cpu.c) ---- */
enum {
    JIT_F_SSE41 = 1 << 0,
    JIT_F_SSE42 = 1 << 1,
    JIT_F_POPCNT = 1 << 2,
    JIT_F_LZCNT = 1 << 3,
    JIT_F_BMI1 = 1 << 4,     /* tzcnt */
    JIT_F_BMI2 = 1 << 5,     /* shlx/shrx/sarx */
    JIT_F_AVX = 1 << 6,
    JIT_F_AVX2 = 1 << 7,
};
uint32_t jit_cpu_features(void);        /* what this CPU and OS support */
uint32_t jit_features(void);            /* what the JIT uses now (engine setting) */
bool jit_engine_jit(void);              /* the engine setting asks for the JIT */

/* ---- the instance context (r14 points at it) ---- */

typedef struct jit_ctx {
    uint8_t *mem_base;                  /* memory 0's base (guarded: never moves) */
    wasm_memory *mem;
    volatile int32_t stop;              /* nonzero: the next check calls jit_check */
    uintptr_t stack_limit;              /* lowest rsp a frame may reach */
    int64_t fuel;                       /* metered code: fuel left */
    wasm_instance *inst;
    wasm_table **tables;
    const wasm_functype **types;        /* canonical types by index */
    wasm_funcinst **funcs;
    struct jit_ctx *volatile running;   /* another instance's code running under this one */
    struct jit_module *jm;
    uint8_t *stack;                     /* this instance's machine stack (reserved lazily) */
    size_t stack_size;
    struct wasm_activation *act;        /* the activation running this code (jit_enter) */
    /* then: a pointer per imported global, a wasm_global cell per own one */
    uint64_t globals[];
} jit_ctx;

/* Where global i lives: the context offset of its cell pointer (imported)
 * or of the cell itself (own). */
typedef struct jit_global_loc {
    uint32_t offset;
    bool indirect;
} jit_global_loc;

/* A faulting instruction in compiled code and the trap it means. */
typedef struct jit_site {
    uint32_t offset;                    /* from the start of the module's code */
    uint32_t trap;
} jit_site;

/* A module's machine code: one executable region. */
typedef struct jit_module {
    uint8_t *code;                      /* read + execute after compilation */
    size_t code_size, region_size;
    uint32_t tramp_offset;              /* the C-to-compiled entry trampoline */
    uint32_t *func_offset;              /* per function index: entry (imports: 0) */
    jit_site *sites;                    /* sorted by offset */
    uint32_t nsites;
    jit_global_loc *globals;
    size_t ctx_size;
    uint32_t features;
    bool metered;                       /* counts fuel at every check */
    uint32_t max_frame;                 /* largest frame + pushes + return address */
    wasm_arena arena;                   /* signature layouts */
    struct jit_sig *sigs;               /* per type index */
} jit_module;

/* Register image for the entry trampoline (layout known to jit_tramp). */
typedef struct jit_regs {
    uint64_t gpr[6];                    /* rdi rsi rdx rcx r8 r9 */
    uint8_t xmm[8][16];                 /* xmm0-7 */
    uint64_t ret_gpr;                   /* rax after the call */
    uint8_t ret_xmm[16];                /* xmm0 after the call */
    uint64_t stack_size;                /* bytes of stack arguments/results (multiple of 16) */
    uint8_t *stack;                     /* their image */
} jit_regs;

/* How a function type's values are passed (see the conventions above). */
typedef struct jit_sig {
    uint32_t nparams, nresults;
    uint8_t *param_loc;                 /* per param: JIT_LOC_GPR+k, JIT_LOC_XMM+k or JIT_LOC_STACK */
    uint32_t *param_off;                /* stack offset when on the stack */
    uint8_t *result_loc;
    uint32_t *result_off;
    uint32_t stack_bytes;               /* outgoing area needed (16-aligned) */
} jit_sig;
enum { JIT_LOC_GPR = 0, JIT_LOC_XMM = 16, JIT_LOC_STACK = 32 };
extern const uint8_t jit_arg_gprs[6];

/* Computes the layout of type t into s (arrays from the arena); false on OOM. */
bool jit_sig_layout(wasm_arena *a, const wasm_functype *t, jit_sig *s);
static inline bool jit_is_float_class(uint8_t t)
{
    return t == WASM_F32 || t == WASM_F64 || t == WASM_V128;
}

/* ---- helpers compiled code calls (jit_runtime.c) ---- */
enum jit_helper {
    JH_TRAP,                /* (ctx, trap) noreturn */
    JH_CHECK,               /* (ctx): interrupt / fuel */
    JH_CALL_SLOW,           /* (ctx, funcinst, slots, expected type or NULL) */
    JH_MEMORY_GROW,         /* (ctx, delta) -> old pages or -1 */
    JH_MEMORY_FILL,         /* (ctx, d, v, n) */
    JH_MEMORY_COPY,         /* (ctx, d, s, n) */
    JH_MEMORY_INIT,         /* (ctx, seg, d, s, n) */
    JH_DATA_DROP,           /* (ctx, seg) */
    JH_TABLE_GROW,          /* (ctx, table, init, delta) -> old or -1 */
    JH_TABLE_FILL,          /* (ctx, table, i, val, n) */
    JH_TABLE_COPY,          /* (ctx, dst, src, d, s, n) packed: (ctx, tables, d, s, n) */
    JH_TABLE_INIT,          /* (ctx, table|seg<<32, d, s, n) */
    JH_ELEM_DROP,           /* (ctx, seg) */
    JH_COUNT
};
extern void *const jit_helpers[JH_COUNT];

/* ---- code memory (jit_code.c) ---- */

/* Copies code into a new executable region (write, then read+execute). */
bool jit_code_install(jit_module *jm, const uint8_t *code, size_t size);
void jit_code_release(jit_module *jm);
/* The trap of a faulting instruction at pc in jm's code, or WASM_TRAP_NONE. */
wasm_trap jit_code_trap_at(const jit_module *jm, uintptr_t pc);

/* Emits the entry trampoline: (ctx, jit_regs *, code, new_sp) in SysV. */
void jit_emit_trampoline(x64_buf *b);
typedef void (*jit_tramp_fn)(jit_ctx *ctx, jit_regs *regs, const void *code, void *new_sp);

/* ---- the compiler ---- */

/* An operand-stack entry. */
enum { JV_CONST, JV_REG, JV_LOCAL, JV_SPILL, JV_CMP };
typedef struct jv {
    uint8_t type;           /* wasm value type */
    uint8_t kind;
    uint8_t reg;            /* JV_REG */
    uint8_t cond;           /* JV_CMP: x64 condition meaning "true" */
    uint8_t fcmp;           /* JV_CMP after ucomis: 1 = also needs NP, 2 = or P */
    uint32_t local;         /* JV_LOCAL */
    uint32_t slot;          /* spill slot index (8-byte units) of this position */
    uint64_t c[2];          /* JV_CONST */
} jv;

/* Register file states. */
enum { RS_FREE, RS_RESERVED, RS_PINNED, RS_STACK, RS_LOCKED };

typedef struct jit_regfile {
    uint8_t state[16];
    uint32_t owner[16];     /* RS_STACK: stack index */
} jit_regfile;

/* A control frame (Wasm 2.0 §3.3.10 "control stack"). */
enum { JC_FUNC, JC_BLOCK, JC_LOOP, JC_IF };
typedef struct jctl {
    uint8_t kind;
    bool has_else;
    bool label_used;        /* some branch targets the label */
    bool entry_dead;        /* the block began in unreachable code */
    uint32_t height;        /* stack height below the block's params */
    uint32_t nparams, nresults;
    const uint8_t *params, *results;
    x64_label label;        /* loop: its head; others: the end */
    x64_label else_label;   /* if: start of the else part */
} jctl;

typedef struct jit_local {
    uint8_t type;
    uint8_t reg;            /* pinned register or X64_NOREG */
    uint32_t offset;        /* frame slot (always present: the save slot when pinned) */
    uint32_t weight;        /* uses, weighted by loop depth (jit_scan.c) */
    uint32_t refs;          /* JV_LOCAL entries on the stack naming it */
} jit_local;

/* Per-type trampolines from the register convention to the slow call
 * helper (imports, and call_indirect to another instance or a host). */
typedef struct jit_thunk {
    x64_label import_entry;         /* r10 = funcinst */
    x64_label indirect_entry;       /* r10 = funcinst, checks the signature */
    bool used;
} jit_thunk;

/* Out-of-line code emitted after a function body. */
enum { STUB_CHECK, STUB_CALL_SLOW };
typedef struct jit_stub {
    uint8_t kind;
    uint32_t type_index;            /* STUB_CALL_SLOW: the thunk's type */
    x64_label label, back;
} jit_stub;

typedef struct jit_compiler {
    wasm_module *m;
    jit_module *jm;
    x64_buf b;
    uint32_t features;
    jit_sig *sigs;                  /* per type index (jm->sigs) */
    x64_label *func_labels;         /* per function index */
    jit_thunk *thunks;              /* per canonical type index: slow calls */
    x64_label helper_labels[JH_COUNT];  /* each helper's address, at the end */
    jit_site *sites;
    uint32_t nsites, cap_sites;
    bool failed;                    /* out of memory or an internal limit */
    const char *fail_reason;

    /* the function being compiled */
    uint32_t func_index;
    const wasm_functype *ftype;
    const jit_sig *fsig;
    const uint8_t *p, *end;         /* body reader (validated code) */
    jit_local *locals;
    uint32_t nlocals, cap_locals;
    jv *stack;
    uint32_t nstack, cap_stack;
    jctl *ctls;
    uint32_t nctls, cap_ctls;
    jit_regfile gpr, xmm;
    uint32_t pinned_saved_gprs;     /* callee-saved registers the prologue pushes (mask) */
    uint32_t npushed;
    uint32_t out_size;              /* outgoing area */
    uint32_t spill_base;            /* frame offset of spill slot 0 */
    uint32_t max_spill;             /* spill slots used (8-byte units) */
    uint32_t *frame_patches;        /* disp32 fields that get the frame size added */
    uint32_t nframe_patches, cap_frame_patches;
    x64_label epilogue;
    x64_label trap_labels[WASM_TRAP_HOST + 1];
    x64_label check_entry;          /* shared interrupt/fuel slow path */
    jit_stub *stubs;
    uint32_t nstubs, cap_stubs;
    bool has_calls;
    bool dead;                      /* current code is unreachable */
    uint32_t dead_depth;            /* blocks opened inside dead code */
    /* constants of this function (emitted after it) */
    struct jit_const { x64_label label; uint64_t v[2]; } *consts;
    uint32_t nconsts, cap_consts;
    uint32_t check_count;            /* instructions since the last check */
    x64_label *tmp_labels;          /* br_table */
    uint32_t cap_tmp_labels;
    uint32_t hint_local;            /* local a result is being computed into */
    uint32_t frame_neg_patch;       /* the prologue's -frame displacement */
} jit_compiler;

/* Compiles module m into jm (features and metering set); *why on failure. */
bool jit_compile(wasm_module *m, jit_module *jm, const wasm_body *bodies, const char **why);
void jit_push_ctl(jit_compiler *c, uint8_t kind, uint32_t np, const uint8_t *p, uint32_t nr, const uint8_t *r);
bool jit_op_control(jit_compiler *c, uint8_t op);
bool jit_op_variable(jit_compiler *c, uint8_t op);
jit_stub *jit_add_stub(jit_compiler *c, uint8_t kind);
void jit_emit_check(jit_compiler *c);
/* Loads from / stores to the caller's outgoing area (our stack arguments
 * and results) at offset off. */
void jit_load_caller_area(jit_compiler *c, uint8_t type, uint8_t reg, uint32_t off);
void jit_store_caller_area(jit_compiler *c, uint8_t type, uint32_t off, jv *v);

/* jit_compile.c */
void jit_fail(jit_compiler *c, const char *why);
const jit_sig *jit_sig_of(jit_compiler *c, uint32_t type_index);
/* A label for the out-of-line code that raises trap t in this function. */
x64_label jit_trap_label(jit_compiler *c, wasm_trap t);
/* Records that the instruction about to be emitted may fault as trap t. */
void jit_site_here(jit_compiler *c, wasm_trap t);
/* A 16-byte constant in this function's pool, as a RIP-relative operand. */
x64_mem jit_const128(jit_compiler *c, uint64_t lo, uint64_t hi);
/* A frame-relative memory operand. */
static inline x64_mem jit_frame(uint32_t off) { return x64_base(X64_RSP, (int32_t)off); }

/* jit_scan.c: a first pass over the body: local types and weights,
 * whether it calls, and the outgoing area it needs. */
bool jit_scan_function(jit_compiler *c, const uint8_t *body, const uint8_t *end);
/* Reads a block type (§5.4.1). */
void jit_read_blocktype(jit_compiler *c, uint32_t *np, const uint8_t **p, uint32_t *nr, const uint8_t **r);
uint32_t jit_read_u32(jit_compiler *c);
int64_t jit_read_sleb(jit_compiler *c);

/* jit_values.c: the operand stack and registers. */
void jit_regs_reset(jit_compiler *c);
void jit_unlock_all(jit_compiler *c);
jv *jit_push(jit_compiler *c, uint8_t type, uint8_t kind);
void jit_push_reg(jit_compiler *c, uint8_t type, uint8_t reg);
void jit_push_const(jit_compiler *c, uint8_t type, uint64_t lo, uint64_t hi);
void jit_push_local(jit_compiler *c, uint32_t local);
void jit_push_cmp(jit_compiler *c, x64_cond cond, uint8_t fcmp);
jv jit_pop(jit_compiler *c);
jv *jit_top(jit_compiler *c, uint32_t depth);
uint8_t jit_alloc_gpr(jit_compiler *c);
uint8_t jit_alloc_xmm(jit_compiler *c);
uint8_t jit_alloc_reg(jit_compiler *c, uint8_t type);
/* Makes register r free for this instruction (moving what it holds). */
void jit_claim_gpr(jit_compiler *c, uint8_t r);
void jit_lock(jit_compiler *c, uint8_t type, uint8_t reg);
/* The register holding the entry's value (loading it into a new register
 * when it is elsewhere); the register may be a pinned local's (read only). */
uint8_t jit_in_reg(jit_compiler *c, jv *v);
/* The value in a register the caller may overwrite (its own). */
uint8_t jit_in_own_reg(jit_compiler *c, jv *v);
/* x64 operand for the value: register or memory (constants: loaded). */
x64_rm jit_rm(jit_compiler *c, jv *v);
bool jit_is_const(const jv *v);
/* Loads / stores a value of `type` between any jv and a register. */
void jit_load_value(jit_compiler *c, uint8_t reg, jv *v);
/* Moves reg (holding a value of type) into the frame or register home dst. */
void jit_move_reg(jit_compiler *c, uint8_t type, uint8_t dst, uint8_t src);
void jit_store_to_mem(jit_compiler *c, uint8_t type, x64_mem dst, jv *v);
void jit_materialize_cmp(jit_compiler *c);
void jit_spill_entry(jit_compiler *c, uint32_t i);
/* Puts every non-constant entry below `top_keep` entries from the top into
 * its spill slot (block boundaries, calls). */
void jit_flush(jit_compiler *c, uint32_t keep_top);
/* Before local i is written: entries that name it get their own copy. */
void jit_detach_local(jit_compiler *c, uint32_t i);
/* Saves / reloads locals pinned in registers a call clobbers. */
void jit_save_pinned(jit_compiler *c);
void jit_restore_pinned(jit_compiler *c);
x64_mem jit_spill_mem(jit_compiler *c, uint32_t slot);
uint32_t jit_spill_slot_at(jit_compiler *c, uint32_t stack_pos);
void jit_set_local(jit_compiler *c, uint32_t i, jv *v);

/* A parallel move to registers/frame: each destination gets a value. */
typedef struct jit_move {
    uint8_t type;
    bool to_reg;
    uint8_t dst_reg;
    x64_mem dst_mem;
    jv src;
} jit_move;
void jit_parallel_move(jit_compiler *c, jit_move *moves, uint32_t n);

/* jit_ops_int.c, jit_ops_float.c, jit_ops_mem.c, jit_simd.c: one opcode
 * each; false if the opcode is not theirs. */
bool jit_op_int(jit_compiler *c, uint8_t op);
bool jit_op_float(jit_compiler *c, uint8_t op);
bool jit_op_conv(jit_compiler *c, uint8_t op);
bool jit_op_memory(jit_compiler *c, uint8_t op);
bool jit_op_fc(jit_compiler *c, uint32_t sub);
bool jit_op_simd(jit_compiler *c, uint32_t sub);
bool jit_op_trunc_sat(jit_compiler *c, uint32_t sub);
/* The operand [r15 + address + offset] of a memory access. */
x64_mem jit_address(jit_compiler *c, jv *addr, uint32_t offset);
uint32_t jit_memarg(jit_compiler *c);
/* Emits a call to helper h; args already in rdi.. (flushes and saves). */
void jit_call_helper(jit_compiler *c, enum jit_helper h);
/* Prepares for a call: flushes the stack and saves pinned registers. */
void jit_before_call(jit_compiler *c);
/* Loads helper arguments (jv values or immediates) into the SysV registers. */
void jit_helper_args(jit_compiler *c, jv *args, uint32_t n);

/* The local.set/tee target of the next instruction when the result may be
 * computed straight into its register (X64_NOREG if none). */
uint8_t jit_result_hint(jit_compiler *c, uint8_t type);
/* Pushes reg as the result; if it is a hinted local's register, as that local. */
void jit_push_result(jit_compiler *c, uint8_t type, uint8_t reg);

/* SSE/AVX emission: dst = a op b with the AVX 3-operand form when present. */
void jit_vop(jit_compiler *c, x64_sseop op, uint8_t dst, uint8_t a, x64_rm b, int imm);

#endif
