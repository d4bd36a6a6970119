/*
 * runtime/translate.h — private to the translator (translate.c, the body
 * validator and register-form code generator, and translate_ops.c, the
 * table-driven and prefixed instructions): its state and shared helpers.
 */
#ifndef WASM_TRANSLATE_H
#define WASM_TRANSLATE_H

#include "reader.h"
#include "iops.h"

enum { W_HOME, W_LOCAL, W_CONST };

/* What the translator knows about a declared local. Locals start at zero,
 * but the frame is not cleared on entry: the function's prologue zeroes
 * those that may be read (or relied on) before a write that always runs. */
enum {
    LF_ZERO = 1,            /* still holds its initial zero (while zero_known) */
    LF_WRITTEN = 2,         /* written at the function's top level: every later read sees a write */
    LF_NEEDS_ZERO = 4,      /* may be read before such a write: the prologue zeroes it */
};

typedef struct operand {
    uint8_t type;
    uint8_t where;
    uint32_t home;
    uint32_t local;         /* W_LOCAL: local index */
    uint64_t c[2];          /* W_CONST: value bits */
} operand;

enum { C_FUNC, C_BLOCK, C_LOOP, C_IF, C_ELSE };

typedef struct ctrl {
    uint8_t kind;
    bool unreachable;       /* validation: the rest of the block is stack-polymorphic */
    bool dead_entry;        /* no code was being emitted when the block began */
    bool label_used;        /* some reachable branch targets the label */
    uint32_t nparams, nresults;
    const uint8_t *params, *results;
    uint32_t height;        /* operand stack height below the block's params */
    uint32_t label_slot;    /* home slot of the first label value */
    uint32_t loop_pc;       /* loop: code index of the loop's first instruction */
    uint32_t patches;       /* forward branches to the end: linked list of fields, +1 */
    uint32_t else_patch;    /* if: the branch to the else part, +1 */
} ctrl;

#define NO_POS UINT32_MAX

struct wasm_translator {
    wasm_module *m;
    const void *const *handlers;    /* NULL: switch dispatch, handler word = iop */
    bool emit;                      /* false: validate only, no code is produced */
    uint32_t *code;
    uint32_t ncode, cap_code;
    wasm_code *codes;               /* one per defined function */

    /* the function being translated */
    wasm_reader r;
    wasm_error *err;
    bool invalid, nomem;
    char where[48];
    uint32_t func_index;
    const wasm_functype *ftype;
    uint8_t *local_types;
    uint32_t *local_slot, *local_refs;
    uint32_t nlocals, cap_local_types, cap_local_slot, cap_local_refs;
    operand *stack;
    uint32_t nstack, cap_stack;
    ctrl *ctrls;
    uint32_t nctrls, cap_ctrls;
    uint32_t *tmp;                  /* br_table labels */
    uint32_t cap_tmp;
    uint32_t temp_base, max_slot;
    bool dead;                      /* code here is unreachable: emit nothing */
    struct {
        bool valid;                 /* the last instruction defined stack entry `index` */
        uint16_t iop;
        uint32_t pos, index;
    } last;
    struct {                        /* the last two instructions emitted (NO_POS: a label since) */
        uint32_t pos;
        uint16_t iop;
    } prev, prev2;
    uint8_t *local_flags;           /* LF_* per local */
    uint32_t cap_local_flags;
    bool zero_known;                /* no merge point yet: LF_ZERO is valid */
    uint32_t zero_slot;             /* a slot that stays zero (constant addresses) */
    bool zero_slot_used;
    operand scratch;
};

/* Emits an instruction with the listed operand words. */
#define ARGS(...) (uint32_t)(sizeof((uint32_t[]){ __VA_ARGS__ }) / sizeof(uint32_t)), (uint32_t[]){ __VA_ARGS__ }
#define EMIT(t, iop, ...) tr_emit((t), IOP_##iop, ARGS(__VA_ARGS__))
#define EMITV(t, iop, ...) tr_emit((t), (iop), ARGS(__VA_ARGS__))

/* Helpers (translate.c) used by translate_ops.c. */
__attribute__((format(printf, 2, 3)))
void tr_verr(wasm_translator *t, const char *fmt, ...);
bool tr_failed(const wasm_translator *t);
uint32_t tr_emit(wasm_translator *t, uint32_t iop, uint32_t n, const uint32_t *args);
void tr_def(wasm_translator *t, uint32_t pos, uint32_t iop);
operand *tr_push(wasm_translator *t, uint8_t type);
void tr_push_const(wasm_translator *t, uint8_t type, uint64_t lo, uint64_t hi);
operand tr_pop(wasm_translator *t, uint8_t expect);
uint32_t tr_src(wasm_translator *t, operand *o);
uint32_t tr_read_index(wasm_translator *t);
uint32_t tr_read_memarg(wasm_translator *t, uint32_t natural);
void tr_read_zero_byte(wasm_translator *t);

/* translate_ops.c */
void tr_generic(wasm_translator *t, const wasm_opinfo *info);
void tr_op_prefix_fc(wasm_translator *t);
void tr_op_prefix_fd(wasm_translator *t);
bool tr_check_table(wasm_translator *t, uint32_t x);

#endif
