/*
 * runtime/translate.c — validates a function body (Wasm 2.0 §3.3, with the
 * algorithm of the appendix "Validation Algorithm") and, in the same pass,
 * translates it into the interpreter's register form (iops.def).
 *
 * Register form: every operand-stack position has a fixed "home" slot in
 * the frame, after the params and locals. Stack entries are lazy where that
 * saves work: local.get pushes a reference to the local's slot, a constant
 * stays an immediate, and only an instruction that must have the value in
 * its home (a call argument, a value at a block boundary) copies it there.
 * An instruction reads its operands from whatever slots hold them and writes
 * its result to the home of the new top entry, or, when a local.set follows,
 * straight into the local. A comparison followed by br_if or if becomes one
 * compare-and-branch instruction. Branch targets are resolved here, so the
 * interpreter never scans for block ends.
 */
#include "translate.h"

/* Block types that are a single value type point into this table. */
static const uint8_t single_type[256] = {
    [WASM_I32] = WASM_I32, [WASM_I64] = WASM_I64, [WASM_F32] = WASM_F32, [WASM_F64] = WASM_F64,
    [WASM_V128] = WASM_V128, [WASM_FUNCREF] = WASM_FUNCREF, [WASM_EXTERNREF] = WASM_EXTERNREF,
};

/* ---- errors ---- */

/* Records a validation error (the first one wins). */
__attribute__((format(printf, 2, 3)))
void tr_verr(wasm_translator *t, const char *fmt, ...)
{
    if (t->invalid || t->r.failed || t->nomem)
        return;
    t->invalid = true;
    char msg[160];
    va_list ap;
    va_start(ap, fmt);
    wasm_vfmt(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    wasm_error_set(t->err, WASM_ERR_INVALID, "%s, offset 0x%x: %s", t->where,
                   wasm_reader_offset(&t->r), msg);
}

static void oom(wasm_translator *t)
{
    if (!t->nomem && !t->invalid && !t->r.failed)
        wasm_error_set(t->err, WASM_ERR_NOMEM, "%s: out of memory", t->where);
    t->nomem = true;
}

bool tr_failed(const wasm_translator *t)
{
    return t->invalid || t->nomem || t->r.failed;
}

/* ---- code emission ---- */

static void write_handler(wasm_translator *t, uint32_t pos, uint32_t iop)
{
    uint64_t h = t->handlers ? (uint64_t)(uintptr_t)t->handlers[iop] : iop;
    wasm_memcpy(&t->code[pos], &h, 8);
}

/* Appends instruction iop with n operand words; returns its position or
 * NO_POS when nothing is emitted (dead code, out of memory). */
uint32_t tr_emit(wasm_translator *t, uint32_t iop, uint32_t n, const uint32_t *args)
{
    t->last.valid = false;
    if (t->dead || !t->emit || tr_failed(t))
        return NO_POS;
    uint32_t size = wasm_iop_units(n);
    if (!wasm_grow_array((void **)&t->code, &t->cap_code, t->ncode + size, sizeof(uint32_t))) {
        oom(t);
        return NO_POS;
    }
    uint32_t pos = t->ncode;
    write_handler(t, pos, iop);
    for (uint32_t i = 0; i < n; i++)
        t->code[pos + 2 + i] = args[i];
    if (2 + n < size)
        t->code[pos + 2 + n] = 0;
    t->ncode += size;
    t->prev2 = t->prev;
    t->prev.pos = pos;
    t->prev.iop = (uint16_t)iop;
    return pos;
}

/* The current position is a branch target: instructions before it must
 * not be fused with ones after it. */
static void label_here(wasm_translator *t)
{
    t->prev.pos = t->prev2.pos = NO_POS;
    t->last.valid = false;
}


/* Notes that the instruction at pos wrote the top stack entry (for fusion). */
void tr_def(wasm_translator *t, uint32_t pos, uint32_t iop)
{
    if (pos == NO_POS)
        return;
    t->last.valid = true;
    t->last.iop = (uint16_t)iop;
    t->last.pos = pos;
    t->last.index = t->nstack - 1;
}

/* Resolves the branch offset at `field` to the current position. */
static void bind_here(wasm_translator *t, uint32_t field)
{
    t->code[field] = (uint32_t)(int32_t)(t->ncode - field);
    label_here(t);
}

/* Points the branch offset word at `field` to the label of block c. */
static void link_label(wasm_translator *t, ctrl *c, uint32_t field)
{
    if (field == NO_POS)
        return;
    if (c->kind == C_LOOP) {
        t->code[field] = (uint32_t)(int32_t)(c->loop_pc - field);
    } else {
        t->code[field] = c->patches;
        c->patches = field + 1;
    }
    c->label_used = true;
}

/* Resolves every forward branch to the end of block c. */
static void bind_label(wasm_translator *t, ctrl *c)
{
    uint32_t p = c->patches;
    while (p) {
        uint32_t field = p - 1;
        p = t->code[field];
        bind_here(t, field);
    }
    c->patches = 0;
    t->last.valid = false;
}

/* ---- the operand stack ---- */

/* Home slot of stack position pos. */
static uint32_t home_at(const wasm_translator *t, uint32_t pos)
{
    if (pos == 0)
        return t->temp_base;
    const operand *o = &t->stack[pos - 1];
    return o->home + wasm_slots(o->type);
}

operand *tr_push(wasm_translator *t, uint8_t type)
{
    if (!wasm_grow_array((void **)&t->stack, &t->cap_stack, t->nstack + 1, sizeof(operand))) {
        oom(t);
        return &t->scratch;
    }
    /* an entry taking the place of the one the last instruction defined
     * (after a drop) must not be fused with that instruction */
    if (t->last.valid && t->last.index >= t->nstack)
        t->last.valid = false;
    operand *o = &t->stack[t->nstack];
    o->type = type;
    o->where = W_HOME;
    o->home = home_at(t, t->nstack);
    t->nstack++;
    uint32_t end = o->home + wasm_slots(type);
    if (end > t->max_slot)
        t->max_slot = end;
    return o;
}

void tr_push_const(wasm_translator *t, uint8_t type, uint64_t lo, uint64_t hi)
{
    operand *o = tr_push(t, type);
    o->where = W_CONST;
    o->c[0] = lo;
    o->c[1] = hi;
}

static ctrl *top_ctrl(wasm_translator *t) { return &t->ctrls[t->nctrls - 1]; }

/* Pops an operand of type `expect` (WASM_T_UNKNOWN accepts any). Below the
 * current block's height the stack is empty, or polymorphic after an
 * unreachable instruction (it then yields unknowns). */
operand tr_pop(wasm_translator *t, uint8_t expect)
{
    ctrl *c = top_ctrl(t);
    operand o;
    if (t->nstack <= c->height) {
        if (!c->unreachable)
            tr_verr(t, "type mismatch: expected %s, but the stack is empty",
                 expect ? wasm_type_name(expect) : "a value");
        wasm_memset(&o, 0, sizeof(o));
        o.type = WASM_T_UNKNOWN;
        o.home = home_at(t, t->nstack);
        return o;
    }
    o = t->stack[--t->nstack];
    if (o.where == W_LOCAL)
        t->local_refs[o.local]--;
    if (expect != WASM_T_UNKNOWN && o.type != WASM_T_UNKNOWN && o.type != expect)
        tr_verr(t, "type mismatch: expected %s, found %s", wasm_type_name(expect), wasm_type_name(o.type));
    return o;
}

/* Pops the values of a type list, last first. */
static void pop_types(wasm_translator *t, uint32_t n, const uint8_t *types)
{
    for (uint32_t i = n; i-- > 0;)
        tr_pop(t, types[i]);
}

static void push_types(wasm_translator *t, uint32_t n, const uint8_t *types)
{
    for (uint32_t i = 0; i < n; i++)
        tr_push(t, types[i]);
}

static void emit_const(wasm_translator *t, uint32_t dst, uint8_t type, const uint64_t *c)
{
    if (type == WASM_V128)
        EMIT(t, CONST_V128, dst, (uint32_t)c[0], (uint32_t)(c[0] >> 32), (uint32_t)c[1], (uint32_t)(c[1] >> 32));
    else if (c[0] >> 32 == 0)
        EMIT(t, CONST32, dst, (uint32_t)c[0]);
    else
        EMIT(t, CONST64, dst, (uint32_t)c[0], (uint32_t)(c[0] >> 32));
}

static void emit_copy(wasm_translator *t, uint8_t type, uint32_t dst, uint32_t src)
{
    if (dst == src)
        return;
    if (type == WASM_V128) {
        EMIT(t, COPY_V128, dst, src);
        return;
    }
    /* Two copies in a row become one COPY2 (done in the same order). */
    if (t->emit && !t->dead && !tr_failed(t) && t->prev.pos != NO_POS && t->prev.iop == IOP_COPY &&
        t->prev.pos + wasm_iop_units(2) == t->ncode &&
        wasm_grow_array((void **)&t->code, &t->cap_code, t->ncode + 2, sizeof(uint32_t))) {
        write_handler(t, t->prev.pos, IOP_COPY2);
        t->code[t->ncode++] = dst;
        t->code[t->ncode++] = src;
        t->prev.iop = IOP_COPY2;
        t->last.valid = false;
        return;
    }
    EMIT(t, COPY, dst, src);
}

/* The slot holding a popped operand's value; a constant is first written to
 * its home (free, since the operand was popped). */
uint32_t tr_src(wasm_translator *t, operand *o)
{
    switch (o->where) {
    case W_LOCAL:
        return t->local_slot[o->local];
    case W_CONST:
        emit_const(t, o->home, o->type, o->c);
        o->where = W_HOME;
        return o->home;
    default:
        return o->home;
    }
}

/* Puts stack entry i into its home slot. */
static void materialize(wasm_translator *t, uint32_t i)
{
    operand *o = &t->stack[i];
    if (o->where == W_LOCAL) {
        emit_copy(t, o->type, o->home, t->local_slot[o->local]);
        t->local_refs[o->local]--;
    } else if (o->where == W_CONST) {
        emit_const(t, o->home, o->type, o->c);
    }
    o->where = W_HOME;
}

static void materialize_top(wasm_translator *t, uint32_t n)
{
    uint32_t base = t->nstack >= n ? t->nstack - n : 0;
    for (uint32_t i = base; i < t->nstack; i++)
        materialize(t, i);
}

/* Writes operand o (a value of `type`) to slot dst. */
static void move_to(wasm_translator *t, const operand *o, uint32_t dst)
{
    switch (o->where) {
    case W_LOCAL: emit_copy(t, o->type, dst, t->local_slot[o->local]); break;
    case W_CONST: emit_const(t, dst, o->type, o->c); break;
    default: emit_copy(t, o->type, dst, o->home); break;
    }
}

/* ---- reading immediates ---- */

uint32_t tr_read_index(wasm_translator *t) { return wasm_read_u32(&t->r); }

/* blocktype ::= 0x40 | valtype | s33 type index (§5.4.1). */
static void read_blocktype(wasm_translator *t, uint32_t *np, const uint8_t **p,
                           uint32_t *nr, const uint8_t **r)
{
    *np = *nr = 0;
    *p = *r = NULL;
    if (wasm_at_end(&t->r)) {
        wasm_read_u8(&t->r);
        return;
    }
    uint8_t b = *t->r.p;
    if (b == 0x40) {
        t->r.p++;
    } else if (wasm_is_valtype(b)) {
        t->r.p++;
        *nr = 1;
        *r = &single_type[b];
    } else {
        int64_t x = wasm_read_sleb(&t->r, 33);
        if (t->r.failed)
            return;
        if (x < 0) {
            wasm_malformed(&t->r, "malformed value type");
            return;
        }
        if ((uint64_t)x >= t->m->ntypes) {
            tr_verr(t, "unknown type %lld", (long long)x);
            return;
        }
        const wasm_functype *ft = &t->m->types[x];
        *np = ft->nparams;
        *p = ft->params;
        *nr = ft->nresults;
        *r = ft->results;
    }
}

/* memarg ::= align:u32 offset:u32 (§5.4.6); checks memory 0 and alignment. */
uint32_t tr_read_memarg(wasm_translator *t, uint32_t natural)
{
    uint32_t align = wasm_read_u32(&t->r);
    uint32_t offset = wasm_read_u32(&t->r);
    if (t->r.failed)
        return 0;
    if (t->m->nmems == 0)
        tr_verr(t, "unknown memory 0");
    else if (align > natural)
        tr_verr(t, "alignment must not be larger than natural");
    return offset;
}

void tr_read_zero_byte(wasm_translator *t)
{
    uint8_t b = wasm_read_u8(&t->r);
    if (!t->r.failed && b != 0)
        wasm_malformed(&t->r, "zero byte expected");
}

/* ---- blocks and branches ---- */

static uint32_t push_ctrl(wasm_translator *t, uint8_t kind, uint32_t np, const uint8_t *p,
                          uint32_t nr, const uint8_t *r)
{
    if (!wasm_grow_array((void **)&t->ctrls, &t->cap_ctrls, t->nctrls + 1, sizeof(ctrl))) {
        oom(t);
        return t->nctrls - 1;
    }
    ctrl *c = &t->ctrls[t->nctrls++];
    wasm_memset(c, 0, sizeof(*c));
    c->kind = kind;
    c->dead_entry = t->dead;
    c->nparams = np;
    c->params = p;
    c->nresults = nr;
    c->results = r;
    c->height = t->nstack;
    c->label_slot = home_at(t, t->nstack);
    c->loop_pc = t->ncode;
    push_types(t, np, p);
    t->last.valid = false;
    return t->nctrls - 1;
}

static void label_types(const ctrl *c, uint32_t *n, const uint8_t **types)
{
    if (c->kind == C_LOOP) {
        *n = c->nparams;
        *types = c->params;
    } else {
        *n = c->nresults;
        *types = c->results;
    }
}

/* Marks the rest of the current block unreachable (§3.3.5 polymorphism). */
static void set_unreachable(wasm_translator *t)
{
    ctrl *c = top_ctrl(t);
    while (t->nstack > c->height) {
        operand *o = &t->stack[--t->nstack];
        if (o->where == W_LOCAL)
            t->local_refs[o->local]--;
    }
    c->unreachable = true;
    t->dead = true;
    t->last.valid = false;
}

/* Whether the top n stack entries exist above the current block's height
 * (they may not in unreachable code or in an invalid body). */
static bool have_values(wasm_translator *t, uint32_t n)
{
    return t->nstack >= top_ctrl(t)->height + n;
}

/* Type-checks the top n entries against a label's types without moving
 * them (§A.4): br_if pops the label types and pushes them back
 * (retype = true: unknown entries take the label's types); br_table pushes
 * back what it popped (unknowns stay unknown). */
static void check_label_values(wasm_translator *t, uint32_t n, const uint8_t *types, bool retype)
{
    if (!have_values(t, n)) {
        /* Only in unreachable code (else it is an error): the k entries
         * present sit on the polymorphic bottom, which yields unknowns. */
        uint32_t k = t->nstack - top_ctrl(t)->height;
        if (!top_ctrl(t)->unreachable) {
            tr_verr(t, "type mismatch: the branch needs %u value(s), the stack has %u", n, k);
            return;
        }
        for (uint32_t i = 0; i < n; i++) {
            if (i < n - k)
                continue;
            uint8_t have = t->stack[t->nstack - n + i].type;
            if (have != WASM_T_UNKNOWN && have != types[i])
                tr_verr(t, "type mismatch: branch expects %s, found %s", wasm_type_name(types[i]),
                     wasm_type_name(have));
        }
        /* Put n - k unknowns below the present entries (no code is
         * emitted here, so slots do not matter). */
        for (uint32_t i = 0; i < n - k; i++)
            tr_push(t, WASM_T_UNKNOWN);
        if (tr_failed(t))
            return;
        operand *top = &t->stack[t->nstack - n];
        wasm_memmove(top + (n - k), top, k * sizeof(operand));
        for (uint32_t i = 0; i < n; i++) {
            if (i < n - k) {
                wasm_memset(&top[i], 0, sizeof(operand));
                top[i].type = WASM_T_UNKNOWN;
            }
            if (retype)
                top[i].type = types[i];
        }
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        operand *o = &t->stack[t->nstack - n + i];
        if (o->type == WASM_T_UNKNOWN) {
            if (retype)
                o->type = types[i];
        } else if (o->type != types[i]) {
            tr_verr(t, "type mismatch: branch expects %s, found %s", wasm_type_name(types[i]),
                 wasm_type_name(o->type));
        }
    }
}

/* Whether branching to block c needs copies of the top label values. */
static bool label_needs_copies(wasm_translator *t, const ctrl *c)
{
    uint32_t n;
    const uint8_t *types;
    label_types(c, &n, &types);
    uint32_t dst = c->label_slot;
    for (uint32_t i = 0; i < n; i++) {
        const operand *o = &t->stack[t->nstack - n + i];
        if (o->where != W_HOME || o->home != dst)
            return true;
        dst += wasm_slots(types[i]);
    }
    return false;
}

/* Returns from the function with the top results (§4.4.8 return). The
 * stack entries are left as they are: this code may sit on one path only
 * (br_if, br_table stubs). */
static void emit_return(wasm_translator *t)
{
    const wasm_functype *ft = t->ftype;
    uint32_t n = ft->nresults;
    if (n == 0) {
        EMIT(t, RETURN);
        return;
    }
    if (n == 1) {
        operand o = t->stack[t->nstack - 1];
        uint32_t s = tr_src(t, &o);
        if (o.type == WASM_V128)
            EMIT(t, RETURN1_V128, s);
        else
            EMIT(t, RETURN1, s);
        return;
    }
    /* Results go to slots 0.. which may hold locals still to be read: such
     * locals first move to their homes, then everything is copied upwards
     * in order (each home is at or above its target). */
    uint32_t first = t->nstack - n;
    for (uint32_t i = first; i < t->nstack; i++) {
        const operand *o = &t->stack[i];
        if (o->where == W_LOCAL && t->local_slot[o->local] < ft->result_slots)
            emit_copy(t, o->type, o->home, t->local_slot[o->local]);
    }
    uint32_t dst = 0;
    for (uint32_t i = first; i < t->nstack; i++) {
        operand o = t->stack[i];
        if (o.where == W_LOCAL && t->local_slot[o.local] < ft->result_slots)
            o.where = W_HOME;
        move_to(t, &o, dst);
        dst += wasm_slots(o.type);
    }
    EMIT(t, RETURN);
}

/* Unconditional branch to block ctrls[ci] with the label values on top. */
static void emit_branch(wasm_translator *t, uint32_t ci)
{
    ctrl *c = &t->ctrls[ci];
    if (c->kind == C_FUNC) {
        emit_return(t);
        return;
    }
    uint32_t n;
    const uint8_t *types;
    label_types(c, &n, &types);
    uint32_t dst = c->label_slot;
    for (uint32_t i = 0; i < n; i++) {
        move_to(t, &t->stack[t->nstack - n + i], dst);
        dst += wasm_slots(types[i]);
    }
    uint32_t pos = EMIT(t, BR, 0);
    if (pos != NO_POS)
        link_label(t, c, pos + 2);
}

/*
 * Loop-end fusion: the i32 comparison at pos (comparing slot a with a slot
 * or, if imm, an immediate b; condition index cmp) directly follows an
 * i32.add whose result is a. Both become one add-compare-branch
 * instruction at the add's place. Returns its offset field, or NO_POS.
 */
static uint32_t fuse_add_branch(wasm_translator *t, uint32_t pos, bool imm, uint32_t cmp)
{
    uint32_t add = t->prev2.pos;
    if (add == NO_POS || t->prev.pos != pos || (t->prev2.iop != IOP_I32_ADD_IMM && t->prev2.iop != IOP_I32_ADD) ||
        add + wasm_iop_units(3) != pos || t->code[add + 2] != t->code[pos + 3])
        return NO_POS;
    static const uint16_t first[2][2] = {           /* [add is imm][compare is imm] */
        { IOP_BR_ADD_EQ, IOP_BR_ADD_IMM_EQ }, { IOP_BR_ADDI_EQ, IOP_BR_ADDI_IMM_EQ },
    };
    uint32_t iop = first[t->prev2.iop == IOP_I32_ADD_IMM][imm] + cmp;
    uint32_t b = t->code[pos + 4];
    /* [h][dst][a][imm|b][cmp b][off]: the add's words stay where they are */
    write_handler(t, add, iop);
    t->code[add + 5] = b;
    t->code[add + 6] = 0;
    t->code[add + 7] = 0;
    t->ncode = add + wasm_iop_units(5);
    t->prev.pos = add;
    t->prev.iop = (uint16_t)iop;
    t->prev2.pos = NO_POS;
    return add + 6;
}

/* Compare-and-branch fusion: if the condition (stack index k, just popped)
 * was computed by the last instruction, rewrite that instruction into a
 * branch taken when the condition is true (or false). Returns the offset
 * field to link, or NO_POS. */
static uint32_t fuse_branch(wasm_translator *t, uint32_t k, bool when_true)
{
    if (t->dead || !t->last.valid || t->last.index != k)
        return NO_POS;
    uint32_t pos = t->last.pos;
    uint32_t *c = &t->code[pos];
    uint32_t iop = t->last.iop;
    t->last.valid = false;
    if (iop == IOP_I32_EQZ || iop == IOP_I64_EQZ) {
        bool i32 = iop == IOP_I32_EQZ;
        /* eqz is true when zero */
        uint32_t br = when_true ? (i32 ? IOP_BR_IFZ : IOP_BR_I64_EQZ) : (i32 ? IOP_BR_IF : IOP_BR_I64_NEZ);
        write_handler(t, pos, br);
        c[2] = c[3];
        t->prev.iop = (uint16_t)br;
        return pos + 3;
    }
    /* EQ NE LT_S LT_U GT_S GT_U LE_S LE_U GE_S GE_U, and the negation of each. */
    static const uint8_t negate[10] = { 1, 0, 8, 9, 6, 7, 4, 5, 2, 3 };
    static const struct { uint16_t first, branch; } families[4] = {
        { IOP_I32_EQ, IOP_BR_I32_EQ }, { IOP_I32_EQ_IMM, IOP_BR_I32_IMM_EQ },
        { IOP_I64_EQ, IOP_BR_I64_EQ }, { IOP_I64_EQ_IMM, IOP_BR_I64_IMM_EQ },
    };
    for (int f = 0; f < 4; f++) {
        if (iop >= families[f].first && iop < families[f].first + 10u) {
            uint32_t cmp = iop - families[f].first;
            if (!when_true)
                cmp = negate[cmp];
            if (f < 2) {
                uint32_t field = fuse_add_branch(t, pos, f == 1, cmp);
                if (field != NO_POS)
                    return field;
            }
            write_handler(t, pos, families[f].branch + cmp);
            c[2] = c[3];
            c[3] = c[4];
            t->prev.iop = (uint16_t)(families[f].branch + cmp);
            return pos + 4;
        }
    }
    return NO_POS;
}

/* A conditional branch on cond (popped from stack index k), taken when the
 * condition is true or false. Returns the offset field to link. */
static uint32_t emit_cond_branch(wasm_translator *t, operand *cond, uint32_t k, bool when_true)
{
    uint32_t field = fuse_branch(t, k, when_true);
    if (field != NO_POS)
        return field;
    uint32_t s = tr_src(t, cond);
    uint32_t pos = when_true ? EMIT(t, BR_IF, s, 0) : EMIT(t, BR_IFZ, s, 0);
    return pos == NO_POS ? NO_POS : pos + 3;
}

/* ---- variables ---- */

/* local.set x with value v (already popped). */
static void set_local(wasm_translator *t, uint32_t x, operand *v)
{
    uint32_t slot = t->local_slot[x];
    if (t->dead)
        return;
    if (v->where == W_LOCAL && v->local == x)
        return;
    /* Declared locals start at zero: before the first merge point, storing
     * zero into one not yet written changes nothing (common at function
     * entry in compiled C). */
    bool zero = v->where == W_CONST && v->c[0] == 0 && v->c[1] == 0;
    uint8_t *flags = &t->local_flags[x];
    if (t->zero_known && (*flags & LF_ZERO) && zero) {
        if (!(*flags & LF_WRITTEN))
            *flags |= LF_NEEDS_ZERO;    /* relies on the initial zero */
        return;
    }
    *flags &= (uint8_t)~LF_ZERO;
    if (t->nctrls == 1)
        *flags |= LF_WRITTEN;           /* runs before anything after it */
    if (t->local_refs[x]) {
        /* Pending reads of the old value move to their homes first. */
        for (uint32_t i = 0; i < t->nstack; i++)
            if (t->stack[i].where == W_LOCAL && t->stack[i].local == x)
                materialize(t, i);
    } else if (v->where == W_HOME && t->last.valid && t->last.index == t->nstack &&
               t->code[t->last.pos + 2] == v->home) {
        /* The instruction that computed v writes the local directly. */
        t->code[t->last.pos + 2] = slot;
        t->last.valid = false;
        return;
    }
    move_to(t, v, slot);
}

/* ---- generic instructions (opcodes.c tables) ---- */

/* ---- special instructions ---- */

static void op_block(wasm_translator *t, uint8_t kind)
{
    uint32_t np, nr;
    const uint8_t *p, *r;
    read_blocktype(t, &np, &p, &nr, &r);
    if (tr_failed(t))
        return;
    operand cond;
    uint32_t k = 0;
    if (kind == C_IF) {
        cond = tr_pop(t, WASM_I32);
        k = t->nstack;
    }
    /* At a block boundary every value lives in its home. */
    if (!t->dead)
        materialize_top(t, t->nstack);
    uint32_t else_field = NO_POS;
    if (kind == C_IF && !t->dead)
        else_field = emit_cond_branch(t, &cond, k, false);
    pop_types(t, np, p);
    uint32_t ci = push_ctrl(t, kind, np, p, nr, r);
    if (tr_failed(t))
        return;
    ctrl *c = &t->ctrls[ci];
    if (kind == C_LOOP) {
        c->loop_pc = t->ncode;
        t->zero_known = false;      /* the loop head is a merge point */
        label_here(t);
    }
    if (else_field != NO_POS)
        c->else_patch = else_field + 1;
}

/* Checks that the stack holds exactly block c's results (§A.4 pop_ctrl). */
static void check_block_end(wasm_translator *t, ctrl *c)
{
    pop_types(t, c->nresults, c->results);
    if (t->nstack != c->height)
        tr_verr(t, "type mismatch: %u value(s) left on the stack at the end of the block",
             t->nstack - c->height);
}

static void op_else(wasm_translator *t)
{
    ctrl *c = top_ctrl(t);
    if (c->kind != C_IF) {
        wasm_malformed(&t->r, "else without if");
        return;
    }
    if (!t->dead) {
        materialize_top(t, c->nresults);
        uint32_t pos = EMIT(t, BR, 0);
        if (pos != NO_POS)
            link_label(t, c, pos + 2);
    }
    check_block_end(t, c);
    if (c->else_patch) {
        bind_here(t, c->else_patch - 1);
        c->else_patch = 0;
    }
    t->nstack = c->height;
    push_types(t, c->nparams, c->params);
    c->kind = C_ELSE;
    c->unreachable = false;
    t->zero_known = false;
    t->dead = c->dead_entry;
    t->last.valid = false;
}

/* Returns true when the function's final `end` was reached. */
static bool op_end(wasm_translator *t)
{
    ctrl *c = top_ctrl(t);
    if (c->kind == C_IF &&
        (c->nparams != c->nresults || wasm_memcmp(c->params, c->results, c->nparams) != 0))
        tr_verr(t, "type mismatch: if without else must leave its parameters unchanged");
    bool fall = !t->dead;
    if (c->kind == C_FUNC) {
        if (fall && have_values(t, c->nresults))
            emit_return(t);
        check_block_end(t, c);
        t->nctrls--;
        return true;
    }
    if (fall)
        materialize_top(t, c->nresults);
    check_block_end(t, c);
    t->zero_known = false;
    if (c->kind != C_LOOP)
        bind_label(t, c);
    if (c->else_patch)
        bind_here(t, c->else_patch - 1);
    bool reach = fall || (c->kind != C_LOOP && c->label_used) || (c->kind == C_IF && !c->dead_entry);
    t->nstack = c->height;
    t->nctrls--;
    push_types(t, c->nresults, c->results);
    t->dead = !reach;
    t->last.valid = false;
    return false;
}

static void op_br(wasm_translator *t, uint32_t l)
{
    if (l >= t->nctrls) {
        tr_verr(t, "unknown label %u", l);
        return;
    }
    uint32_t ci = t->nctrls - 1 - l;
    uint32_t n;
    const uint8_t *types;
    label_types(&t->ctrls[ci], &n, &types);
    if (!t->dead && have_values(t, n))
        emit_branch(t, ci);
    pop_types(t, n, types);
    set_unreachable(t);
}

static void op_br_if(wasm_translator *t, uint32_t l)
{
    if (l >= t->nctrls) {
        tr_verr(t, "unknown label %u", l);
        return;
    }
    uint32_t ci = t->nctrls - 1 - l;
    uint32_t n;
    const uint8_t *types;
    label_types(&t->ctrls[ci], &n, &types);
    operand cond = tr_pop(t, WASM_I32);
    uint32_t k = t->nstack;
    check_label_values(t, n, types, true);
    if (t->dead || tr_failed(t) || !have_values(t, n))
        return;
    ctrl *c = &t->ctrls[ci];
    if (c->kind != C_FUNC && !label_needs_copies(t, c)) {
        link_label(t, c, emit_cond_branch(t, &cond, k, true));
    } else {
        uint32_t skip = emit_cond_branch(t, &cond, k, false);
        emit_branch(t, ci);
        if (skip != NO_POS)
            bind_here(t, skip);
    }
    t->last.valid = false;
}

static void op_br_table(wasm_translator *t)
{
    uint32_t n = wasm_read_count(&t->r, 1);
    if (t->r.failed)
        return;
    if (!wasm_grow_array((void **)&t->tmp, &t->cap_tmp, n + 1, sizeof(uint32_t))) {
        oom(t);
        return;
    }
    for (uint32_t i = 0; i <= n; i++)
        t->tmp[i] = tr_read_index(t);
    if (t->r.failed)
        return;
    operand cond = tr_pop(t, WASM_I32);
    uint32_t arity = 0;
    for (uint32_t i = 0; i <= n; i++) {
        uint32_t l = t->tmp[n - i];   /* the default label first */
        if (l >= t->nctrls) {
            tr_verr(t, "unknown label %u", l);
            return;
        }
        uint32_t k;
        const uint8_t *types;
        label_types(&t->ctrls[t->nctrls - 1 - l], &k, &types);
        if (i == 0)
            arity = k;
        else if (k != arity) {
            tr_verr(t, "type mismatch: br_table labels have different arities");
            return;
        }
        check_label_values(t, k, types, false);
    }
    if (!t->dead && !tr_failed(t) && have_values(t, arity)) {
        uint32_t s = tr_src(t, &cond);
        /* [handler][index][n][n+1 offsets]: a table entry whose target needs
         * copies (or is the function's return) points at a stub below. */
        uint32_t nargs = 2 + n + 1;
        if (!wasm_grow_array((void **)&t->tmp, &t->cap_tmp, n + 1 + nargs, sizeof(uint32_t))) {
            oom(t);
            return;
        }
        uint32_t *args = t->tmp + n + 1;
        wasm_memset(args, 0, nargs * sizeof(uint32_t));
        args[0] = s;
        args[1] = n;
        uint32_t pos = tr_emit(t, IOP_BR_TABLE, nargs, args);
        for (uint32_t i = 0; pos != NO_POS && i <= n; i++) {
            uint32_t ci = t->nctrls - 1 - t->tmp[i];
            ctrl *c = &t->ctrls[ci];
            uint32_t field = pos + 4 + i;
            if (c->kind != C_FUNC && !label_needs_copies(t, c)) {
                link_label(t, c, field);
            } else {
                bind_here(t, field);
                emit_branch(t, ci);
            }
        }
    }
    set_unreachable(t);
}

static void op_call(wasm_translator *t, const wasm_functype *ft, uint32_t iop, uint32_t a0,
                    uint32_t a1, operand *index)
{
    uint32_t base = 0;
    bool emit_it = !t->dead && have_values(t, ft->nparams);
    if (emit_it) {
        materialize_top(t, ft->nparams);
        base = home_at(t, t->nstack - ft->nparams);
    }
    pop_types(t, ft->nparams, ft->params);
    if (emit_it) {
        if (iop == IOP_CALL)
            EMIT(t, CALL, a0, base);
        else
            EMIT(t, CALL_INDIRECT, a0, a1, base, tr_src(t, index));
    }
    push_types(t, ft->nresults, ft->results);
    t->last.valid = false;
}

static void op_select(wasm_translator *t, bool typed)
{
    uint8_t want = WASM_T_UNKNOWN;
    if (typed) {
        uint32_t n = wasm_read_u32(&t->r);
        if (t->r.failed)
            return;
        if (n != 1) {
            tr_verr(t, "invalid result arity");
            return;
        }
        want = wasm_read_u8(&t->r);
        if (!t->r.failed && !wasm_is_valtype(want)) {
            wasm_malformed(&t->r, "malformed value type");
            return;
        }
    }
    operand cond = tr_pop(t, WASM_I32);
    operand b = tr_pop(t, want);
    operand a = tr_pop(t, want);
    uint8_t type = want;
    if (!typed) {
        bool ok_a = a.type == WASM_T_UNKNOWN || wasm_is_num(a.type) || a.type == WASM_V128;
        bool ok_b = b.type == WASM_T_UNKNOWN || wasm_is_num(b.type) || b.type == WASM_V128;
        if (!ok_a || !ok_b)
            tr_verr(t, "type mismatch: select needs numeric or vector operands");
        else if (a.type != b.type && a.type != WASM_T_UNKNOWN && b.type != WASM_T_UNKNOWN)
            tr_verr(t, "type mismatch: select operands differ");
        type = a.type == WASM_T_UNKNOWN ? b.type : a.type;
    }
    uint32_t sa = tr_src(t, &a), sb = tr_src(t, &b), sc = tr_src(t, &cond);
    operand *d = tr_push(t, type);
    uint32_t iop = type == WASM_V128 ? IOP_SELECT_V128 : IOP_SELECT;
    tr_def(t, EMITV(t, iop, d->home, sa, sb, sc), iop);
}

/* Validates and translates one instruction. Returns true at the function's end. */
static bool translate_instr(wasm_translator *t)
{
    wasm_module *m = t->m;
    uint8_t op = wasm_read_u8(&t->r);
    if (t->r.failed)
        return false;
    const wasm_opinfo *info = &wasm_ops_main[op];
    if (info->kind != WASM_K_SPECIAL) {
        if (info->kind == WASM_K_ILLEGAL)
            wasm_malformed(&t->r, "illegal opcode 0x%x", op);
        else
            tr_generic(t, info);
        return false;
    }
    switch (op) {
    case 0x00:  /* unreachable */
        EMIT(t, UNREACHABLE);
        set_unreachable(t);
        break;
    case 0x01:  /* nop */
        break;
    case 0x02: op_block(t, C_BLOCK); break;
    case 0x03: op_block(t, C_LOOP); break;
    case 0x04: op_block(t, C_IF); break;
    case 0x05: op_else(t); break;
    case 0x0B: return op_end(t);
    case 0x0C: op_br(t, tr_read_index(t)); break;
    case 0x0D: op_br_if(t, tr_read_index(t)); break;
    case 0x0E: op_br_table(t); break;
    case 0x0F:  /* return */
        if (!t->dead && have_values(t, t->ftype->nresults))
            emit_return(t);
        pop_types(t, t->ftype->nresults, t->ftype->results);
        set_unreachable(t);
        break;
    case 0x10: {  /* call */
        uint32_t x = tr_read_index(t);
        if (t->r.failed)
            break;
        if (x >= m->nfuncs) {
            tr_verr(t, "unknown function %u", x);
            break;
        }
        op_call(t, m->funcs[x].type, IOP_CALL, x, 0, NULL);
        break;
    }
    case 0x11: {  /* call_indirect */
        uint32_t ti = tr_read_index(t);
        uint32_t x = tr_read_index(t);
        if (t->r.failed || !tr_check_table(t, x))
            break;
        if (m->tables[x].reftype != WASM_FUNCREF) {
            tr_verr(t, "type mismatch: call_indirect needs a funcref table");
            break;
        }
        if (ti >= m->ntypes) {
            tr_verr(t, "unknown type %u", ti);
            break;
        }
        operand index = tr_pop(t, WASM_I32);
        op_call(t, &m->types[m->type_canon[ti]], IOP_CALL_INDIRECT, x, m->type_canon[ti], &index);
        break;
    }
    case 0x1A:  /* drop */
        tr_pop(t, WASM_T_UNKNOWN);
        break;
    case 0x1B: op_select(t, false); break;
    case 0x1C: op_select(t, true); break;
    case 0x20: {  /* local.get */
        uint32_t x = tr_read_index(t);
        if (t->r.failed)
            break;
        if (x >= t->nlocals) {
            tr_verr(t, "unknown local %u", x);
            break;
        }
        operand *o = tr_push(t, t->local_types[x]);
        if (!t->dead) {
            o->where = W_LOCAL;
            o->local = x;
            t->local_refs[x]++;
            if (!(t->local_flags[x] & LF_WRITTEN))
                t->local_flags[x] |= LF_NEEDS_ZERO;
        }
        break;
    }
    case 0x21:    /* local.set */
    case 0x22: {  /* local.tee */
        uint32_t x = tr_read_index(t);
        if (t->r.failed)
            break;
        if (x >= t->nlocals) {
            tr_verr(t, "unknown local %u", x);
            break;
        }
        operand v = tr_pop(t, t->local_types[x]);
        set_local(t, x, &v);
        if (op == 0x22) {
            operand *o = tr_push(t, t->local_types[x]);
            if (!t->dead) {
                o->where = W_LOCAL;
                o->local = x;
                t->local_refs[x]++;
            }
        }
        t->last.valid = false;
        break;
    }
    case 0x23: {  /* global.get */
        uint32_t x = tr_read_index(t);
        if (t->r.failed)
            break;
        if (x >= m->nglobals) {
            tr_verr(t, "unknown global %u", x);
            break;
        }
        uint8_t type = m->globals[x].type.type;
        operand *d = tr_push(t, type);
        uint32_t iop = type == WASM_V128 ? IOP_GLOBAL_GET_V128 : IOP_GLOBAL_GET;
        tr_def(t, EMITV(t, iop, d->home, x), iop);
        break;
    }
    case 0x24: {  /* global.set */
        uint32_t x = tr_read_index(t);
        if (t->r.failed)
            break;
        if (x >= m->nglobals) {
            tr_verr(t, "unknown global %u", x);
            break;
        }
        if (!m->globals[x].type.mutable_)
            tr_verr(t, "global is immutable");
        uint8_t type = m->globals[x].type.type;
        operand v = tr_pop(t, type);
        uint32_t s = tr_src(t, &v);
        if (type == WASM_V128)
            EMIT(t, GLOBAL_SET_V128, x, s);
        else
            EMIT(t, GLOBAL_SET, x, s);
        break;
    }
    case 0x25: {  /* table.get */
        uint32_t x = tr_read_index(t);
        if (t->r.failed || !tr_check_table(t, x))
            break;
        operand i = tr_pop(t, WASM_I32);
        uint32_t si = tr_src(t, &i);
        operand *d = tr_push(t, m->tables[x].reftype);
        tr_def(t, EMIT(t, TABLE_GET, d->home, x, si), IOP_TABLE_GET);
        break;
    }
    case 0x26: {  /* table.set */
        uint32_t x = tr_read_index(t);
        if (t->r.failed || !tr_check_table(t, x))
            break;
        operand v = tr_pop(t, m->tables[x].reftype);
        operand i = tr_pop(t, WASM_I32);
        uint32_t si = tr_src(t, &i), sv = tr_src(t, &v);
        EMIT(t, TABLE_SET, x, si, sv);
        break;
    }
    case 0x3F:    /* memory.size */
    case 0x40: {  /* memory.grow */
        tr_read_zero_byte(t);
        if (t->r.failed)
            break;
        if (m->nmems == 0)
            tr_verr(t, "unknown memory 0");
        if (op == 0x3F) {
            operand *d = tr_push(t, WASM_I32);
            tr_def(t, EMIT(t, MEMORY_SIZE, d->home), IOP_MEMORY_SIZE);
        } else {
            operand n = tr_pop(t, WASM_I32);
            uint32_t sn = tr_src(t, &n);
            operand *d = tr_push(t, WASM_I32);
            tr_def(t, EMIT(t, MEMORY_GROW, d->home, sn), IOP_MEMORY_GROW);
        }
        break;
    }
    case 0x41:
        tr_push_const(t, WASM_I32, (uint32_t)(int32_t)wasm_read_sleb(&t->r, 32), 0);
        break;
    case 0x42:
        tr_push_const(t, WASM_I64, (uint64_t)wasm_read_sleb(&t->r, 64), 0);
        break;
    case 0x43:
        tr_push_const(t, WASM_F32, wasm_read_fixed32(&t->r), 0);
        break;
    case 0x44:
        tr_push_const(t, WASM_F64, wasm_read_fixed64(&t->r), 0);
        break;
    case 0xD0: {  /* ref.null */
        uint8_t type = wasm_read_u8(&t->r);
        if (t->r.failed)
            break;
        if (!wasm_is_ref(type)) {
            wasm_malformed(&t->r, "malformed reference type");
            break;
        }
        tr_push_const(t, type, 0, 0);
        break;
    }
    case 0xD1: {  /* ref.is_null */
        operand v = tr_pop(t, WASM_T_UNKNOWN);
        if (v.type != WASM_T_UNKNOWN && !wasm_is_ref(v.type))
            tr_verr(t, "type mismatch: ref.is_null needs a reference, found %s", wasm_type_name(v.type));
        uint32_t s = tr_src(t, &v);
        operand *d = tr_push(t, WASM_I32);
        tr_def(t, EMIT(t, REF_IS_NULL, d->home, s), IOP_REF_IS_NULL);
        break;
    }
    case 0xD2: {  /* ref.func */
        uint32_t x = tr_read_index(t);
        if (t->r.failed)
            break;
        if (x >= m->nfuncs) {
            tr_verr(t, "unknown function %u", x);
            break;
        }
        if (!(m->declared_refs[x / 8] & (1u << (x % 8))))
            tr_verr(t, "undeclared function reference %u", x);
        operand *d = tr_push(t, WASM_FUNCREF);
        tr_def(t, EMIT(t, REF_FUNC, d->home, x), IOP_REF_FUNC);
        break;
    }
    case 0xFC: tr_op_prefix_fc(t); break;
    case 0xFD: tr_op_prefix_fd(t); break;
    }
    return false;
}

/* ---- per function ---- */

/* Reads the locals declarations (§5.5.13) and lays out the frame. */
static bool read_locals(wasm_translator *t)
{
    const wasm_functype *ft = t->ftype;
    uint32_t groups = wasm_read_count(&t->r, 2);
    uint64_t total = ft->nparams;
    const uint8_t *save = t->r.p;
    for (uint32_t g = 0; g < groups && !t->r.failed; g++) {
        total += wasm_read_u32(&t->r);
        wasm_read_u8(&t->r);
    }
    if (t->r.failed)
        return false;
    if (total > UINT32_MAX) {
        wasm_malformed(&t->r, "too many locals");
        return false;
    }
    /* A frame must fit in the value stack. */
    if (total > WASM_STACK_SLOTS / 4) {
        wasm_error_set(t->err, WASM_ERR_LIMIT, "%s: %llu locals exceed the runtime's limit", t->where,
                       (unsigned long long)total);
        t->nomem = true;
        return false;
    }
    uint32_t n = (uint32_t)total;
    if (!wasm_grow_array((void **)&t->local_types, &t->cap_local_types, n + 1, 1) ||
        !wasm_grow_array((void **)&t->local_slot, &t->cap_local_slot, n + 1, sizeof(uint32_t)) ||
        !wasm_grow_array((void **)&t->local_refs, &t->cap_local_refs, n + 1, sizeof(uint32_t))) {
        oom(t);
        return false;
    }
    uint32_t i = 0;
    for (; i < ft->nparams; i++)
        t->local_types[i] = ft->params[i];
    t->r.p = save;
    for (uint32_t g = 0; g < groups; g++) {
        uint32_t count = wasm_read_u32(&t->r);
        uint8_t type = wasm_read_u8(&t->r);
        if (!wasm_is_valtype(type)) {
            wasm_malformed(&t->r, "malformed value type 0x%x", type);
            return false;
        }
        for (uint32_t k = 0; k < count; k++)
            t->local_types[i++] = type;
    }
    if (!wasm_grow_array((void **)&t->local_flags, &t->cap_local_flags, n + 1, 1)) {
        oom(t);
        return false;
    }
    t->nlocals = n;
    uint32_t slot = 0;
    for (i = 0; i < n; i++) {
        /* parameters count as written: the caller put them there */
        t->local_flags[i] = i >= ft->nparams ? LF_ZERO : LF_WRITTEN;
        t->local_slot[i] = slot;
        t->local_refs[i] = 0;
        slot += wasm_slots(t->local_types[i]);
    }
    /* One more slot that is always zero: a memory access at a constant
     * address reads it as its base and adds the constant. */
    t->zero_slot = slot;
    t->zero_slot_used = false;
    if (t->m->nmems)
        slot++;
    t->temp_base = slot;
    t->max_slot = slot;
    return true;
}

wasm_translator *wasm_translator_new(wasm_module *m, bool emit)
{
    wasm_translator *t = wasm_zalloc(sizeof(*t));
    if (!t)
        return NULL;
    t->m = m;
    t->emit = emit;
    t->handlers = emit ? wasm_interp_handlers(m->checked) : NULL;
    return t;
}

void wasm_translator_free(wasm_translator *t)
{
    if (!t)
        return;
    wasm_free(t->code);
    wasm_free(t->local_types);
    wasm_free(t->local_slot);
    wasm_free(t->local_refs);
    wasm_free(t->local_flags);
    wasm_free(t->stack);
    wasm_free(t->ctrls);
    wasm_free(t->tmp);
    wasm_free(t);
}

/* Fills in the prologue at `pos` to zero the slots from the first to the
 * last local that needs it (and the zero slot if used). A single slot is
 * left to the call instead (*zero1 = 1 + the slot: one store there costs
 * less than an instruction's dispatch). Returns false when the prologue
 * instruction is not needed. */
static bool finish_prologue(wasm_translator *t, uint32_t pos, uint32_t *zero1)
{
    uint32_t lo = UINT32_MAX, hi = 0;
    for (uint32_t i = t->ftype->nparams; i < t->nlocals; i++) {
        if (!(t->local_flags[i] & LF_NEEDS_ZERO))
            continue;
        uint32_t s = t->local_slot[i];
        if (s < lo)
            lo = s;
        if (s + wasm_slots(t->local_types[i]) > hi)
            hi = s + wasm_slots(t->local_types[i]);
    }
    if (t->zero_slot_used) {
        if (t->zero_slot < lo)
            lo = t->zero_slot;
        if (t->zero_slot + 1 > hi)
            hi = t->zero_slot + 1;
    }
    if (lo >= hi)
        return false;
    uint32_t n = hi - lo;
    if (n == 1) {
        *zero1 = lo + 1;
        return false;
    }
    static const uint16_t fixed[5] = { 0, IOP_ZERO_1, IOP_ZERO_2, IOP_ZERO_3, IOP_ZERO_4 };
    write_handler(t, pos, n <= 4 ? fixed[n] : IOP_ZERO_N);
    t->code[pos + 2] = lo;
    t->code[pos + 3] = n;
    return true;
}

/* Validates the body of defined function func_index and, unless the
 * translator only validates, translates it. The function's wasm_code (its
 * frame layout) is made by the first pass over it; a later translating pass
 * fills in the code of the same record. */
wasm_result wasm_translate_func(wasm_translator *t, uint32_t func_index, const wasm_body *body,
                                wasm_error *err)
{
    wasm_module *m = t->m;
    wasm_fmt(t->where, sizeof(t->where), "section code, function %u", func_index);
    t->r.base = body->start - body->offset;
    t->r.p = body->start;
    t->r.end = body->end;
    t->r.err = err;
    t->r.where = t->where;
    t->r.failed = false;
    t->err = err;
    t->invalid = t->nomem = false;
    t->func_index = func_index;
    t->ftype = m->funcs[func_index].type;
    t->nstack = t->nctrls = 0;
    t->dead = false;
    t->last.valid = false;
    t->prev.pos = t->prev2.pos = NO_POS;
    t->zero_known = true;
    if (!read_locals(t))
        return t->r.failed ? WASM_ERR_MALFORMED : err ? err->result : WASM_ERR_NOMEM;

    uint32_t start = t->ncode;
    /* Room for the prologue (ZERO_*), filled in at the end. */
    bool prologue = t->temp_base > t->ftype->param_slots;
    if (prologue) {
        EMIT(t, ZERO_N, 0, 0);
        label_here(t);
    }
    push_ctrl(t, C_FUNC, 0, NULL, t->ftype->nresults, t->ftype->results);
    t->ctrls[0].label_slot = 0;
    bool done = false;
    while (!done && !tr_failed(t)) {
        if (wasm_at_end(&t->r)) {
            wasm_malformed(&t->r, "unexpected end of function (END opcode expected)");
            break;
        }
        done = translate_instr(t);
    }
    if (!tr_failed(t) && !wasm_at_end(&t->r))
        wasm_malformed(&t->r, "section size mismatch (bytes after the function's end)");
    if (t->r.failed)
        return WASM_ERR_MALFORMED;
    if (t->invalid)
        return WASM_ERR_INVALID;
    if (t->nomem)
        return err ? err->result : WASM_ERR_NOMEM;
    wasm_code layout = {
        .param_slots = t->ftype->param_slots,
        .local_slots = t->temp_base - t->ftype->param_slots,
        .frame_slots = t->max_slot > t->ftype->result_slots ? t->max_slot : t->ftype->result_slots,
        .body_offset = body->offset,
    };
    wasm_code *code = m->funcs[func_index].code;
    if (code) {
        /* Instances copied the layout already: it must not change (the
         * operand slots depend on the types only, not on the code made). */
        if (code->param_slots != layout.param_slots || code->local_slots != layout.local_slots ||
            code->frame_slots != layout.frame_slots) {
            wasm_error_set(err, WASM_ERR_NOMEM, "%s: frame layout changed", t->where);
            return WASM_ERR_NOMEM;
        }
    } else {
        code = wasm_arena_alloc(&m->arena, sizeof(wasm_code));
        if (!code) {
            wasm_error_set(err, WASM_ERR_NOMEM, "%s: out of memory", t->where);
            return WASM_ERR_NOMEM;
        }
        *code = layout;
        m->funcs[func_index].code = code;
    }
    if (t->emit) {
        uint32_t zero1 = 0;
        if (prologue && !finish_prologue(t, start, &zero1))
            start += wasm_iop_units(2);     /* nothing to zero here: skip it */
        code->ops_offset = start;
        code->ops_units = t->ncode - start;
        code->zero1 = zero1;
    }
    return WASM_OK;
}

/* Hands the code buffer to the module and points each function at its code
 * (nothing to do after validation only). */
wasm_result wasm_translator_finish(wasm_translator *t, wasm_error *err)
{
    wasm_module *m = t->m;
    (void)err;
    if (!t->emit)
        return WASM_OK;
    m->code_buf = t->code;
    m->code_units = t->ncode;
    t->code = NULL;
    t->ncode = t->cap_code = 0;
    for (uint32_t i = m->nfunc_imports; i < m->nfuncs; i++) {
        wasm_code *c = m->funcs[i].code;
        if (c)
            c->ops = m->code_buf + c->ops_offset;
    }
    return WASM_OK;
}
