/*
 * runtime/translate_ops.c — the instructions the opcode tables describe
 * (numeric, memory, SIMD lanes: opcodes.c) and the 0xFC (bulk memory,
 * tables, saturating truncation) and 0xFD (SIMD) prefixed ones, validated
 * and translated with the helpers of translate.c. Includes the peephole
 * forms: immediate operands, constant stores, and an i32.add of a constant
 * folded into the memory access that uses it.
 */
#include "translate.h"

/* The immediate form of a binary instruction, if it has one. */
static uint32_t imm_form(uint32_t iop, bool *negate)
{
    *negate = false;
    switch (iop) {
    case IOP_I32_ADD: return IOP_I32_ADD_IMM;
    case IOP_I32_SUB: *negate = true; return IOP_I32_ADD_IMM;
    case IOP_I32_MUL: return IOP_I32_MUL_IMM;
    case IOP_I32_AND: return IOP_I32_AND_IMM;
    case IOP_I32_OR: return IOP_I32_OR_IMM;
    case IOP_I32_XOR: return IOP_I32_XOR_IMM;
    case IOP_I32_SHL: return IOP_I32_SHL_IMM;
    case IOP_I32_SHR_S: return IOP_I32_SHR_S_IMM;
    case IOP_I32_SHR_U: return IOP_I32_SHR_U_IMM;
    case IOP_I32_ROTL: return IOP_I32_ROTL_IMM;
    case IOP_I32_ROTR: return IOP_I32_ROTR_IMM;
    case IOP_I64_ADD: return IOP_I64_ADD_IMM;
    case IOP_I64_SUB: *negate = true; return IOP_I64_ADD_IMM;
    case IOP_I64_MUL: return IOP_I64_MUL_IMM;
    case IOP_I64_AND: return IOP_I64_AND_IMM;
    case IOP_I64_OR: return IOP_I64_OR_IMM;
    case IOP_I64_XOR: return IOP_I64_XOR_IMM;
    case IOP_I64_SHL: return IOP_I64_SHL_IMM;
    case IOP_I64_SHR_S: return IOP_I64_SHR_S_IMM;
    case IOP_I64_SHR_U: return IOP_I64_SHR_U_IMM;
    case IOP_I64_ROTL: return IOP_I64_ROTL_IMM;
    case IOP_I64_ROTR: return IOP_I64_ROTR_IMM;
    }
    if (iop >= IOP_I32_EQ && iop <= IOP_I32_GE_U)
        return IOP_I32_EQ_IMM + (iop - IOP_I32_EQ);
    if (iop >= IOP_I64_EQ && iop <= IOP_I64_GE_U)
        return IOP_I64_EQ_IMM + (iop - IOP_I64_EQ);
    return 0;
}

static bool commutative(uint32_t iop)
{
    switch (iop) {
    case IOP_I32_ADD: case IOP_I32_MUL: case IOP_I32_AND: case IOP_I32_OR: case IOP_I32_XOR:
    case IOP_I32_EQ: case IOP_I32_NE:
    case IOP_I64_ADD: case IOP_I64_MUL: case IOP_I64_AND: case IOP_I64_OR: case IOP_I64_XOR:
    case IOP_I64_EQ: case IOP_I64_NE:
        return true;
    }
    return false;
}

/* The form of a binary instruction with a loaded right operand (iops.def
 * _M), or 0; *load is the load it absorbs. */
static uint32_t load_op_form(uint32_t iop, uint32_t *load)
{
    static const struct { uint16_t op, fused, load; } forms[] = {
        { IOP_I32_ADD, IOP_I32_ADD_M, IOP_I32_LOAD }, { IOP_I32_SUB, IOP_I32_SUB_M, IOP_I32_LOAD },
        { IOP_I32_MUL, IOP_I32_MUL_M, IOP_I32_LOAD }, { IOP_I32_AND, IOP_I32_AND_M, IOP_I32_LOAD },
        { IOP_I32_OR, IOP_I32_OR_M, IOP_I32_LOAD }, { IOP_I32_XOR, IOP_I32_XOR_M, IOP_I32_LOAD },
        { IOP_I64_ADD, IOP_I64_ADD_M, IOP_I64_LOAD }, { IOP_I64_SUB, IOP_I64_SUB_M, IOP_I64_LOAD },
        { IOP_I64_MUL, IOP_I64_MUL_M, IOP_I64_LOAD }, { IOP_I64_AND, IOP_I64_AND_M, IOP_I64_LOAD },
        { IOP_I64_OR, IOP_I64_OR_M, IOP_I64_LOAD }, { IOP_I64_XOR, IOP_I64_XOR_M, IOP_I64_LOAD },
        { IOP_F32_ADD, IOP_F32_ADD_M, IOP_I32_LOAD }, { IOP_F32_SUB, IOP_F32_SUB_M, IOP_I32_LOAD },
        { IOP_F32_MUL, IOP_F32_MUL_M, IOP_I32_LOAD }, { IOP_F32_DIV, IOP_F32_DIV_M, IOP_I32_LOAD },
        { IOP_F64_ADD, IOP_F64_ADD_M, IOP_I64_LOAD }, { IOP_F64_SUB, IOP_F64_SUB_M, IOP_I64_LOAD },
        { IOP_F64_MUL, IOP_F64_MUL_M, IOP_I64_LOAD }, { IOP_F64_DIV, IOP_F64_DIV_M, IOP_I64_LOAD },
    };
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        if (forms[i].op == iop) {
            *load = forms[i].load;
            return forms[i].fused;
        }
    }
    return 0;
}

/* Whether the last instruction, an iop of nargs operands, wrote operand o
 * (stack index `index`, popped) and nothing was emitted after it. */
static bool computed_last(const wasm_translator *t, const operand *o, uint32_t index, uint32_t iop,
                          uint32_t nargs)
{
    return o->where == W_HOME && t->last.valid && t->last.iop == iop && t->last.index == index &&
           t->last.pos + wasm_iop_units(nargs) == t->ncode && t->code[t->last.pos + 2] == o->home;
}

/* Drops the last instruction (it is being folded into the next one). */
static void drop_last(wasm_translator *t)
{
    t->ncode = t->last.pos;
    t->last.valid = false;
    t->prev = t->prev2;
    t->prev2.pos = NO_POS;
}

static bool commutative(uint32_t iop);

/* Whether a and b may trade places: commutative integer operations, and
 * float add and mul (whose NaN results may carry either operand's payload,
 * Wasm 2.0 §4.3.3). */
static bool swappable(uint32_t iop)
{
    return commutative(iop) || iop == IOP_F32_ADD || iop == IOP_F32_MUL || iop == IOP_F64_ADD ||
           iop == IOP_F64_MUL;
}

/*
 * Load-op fusion: if the load just emitted produced one operand of binary
 * instruction iop (the right one, or either for a commutative iop), the
 * load is dropped and one _M instruction reads memory itself. a and b are
 * the popped operands (a at stack index t->nstack). Returns true if done.
 */
static bool fuse_load_op(wasm_translator *t, uint32_t iop, uint8_t rtype, operand *a, operand *b)
{
    uint32_t load;
    uint32_t fused = load_op_form(iop, &load);
    if (!fused || t->dead)
        return false;
    operand *other;
    if (computed_last(t, b, t->nstack + 1, load, 4))
        other = a;
    else if (swappable(iop) && computed_last(t, a, t->nstack, load, 4) && b->where != W_HOME)
        other = b;      /* b needs no code, so the load really is the last */
    else
        return false;
    const uint32_t *ld = &t->code[t->last.pos];
    uint32_t addr = ld[3], add = ld[4], offset = ld[5];
    drop_last(t);
    /* The other operand may need a constant written: its home is neither
     * the address slot nor the loaded value's home. */
    uint32_t sa = tr_src(t, other);
    operand *d = tr_push(t, rtype);
    tr_def(t, EMITV(t, fused, d->home, sa, addr, add, offset), fused);
    return true;
}

/* The first of the shift-operand forms of iop (iops.def I32_XOR_ROTL and
 * following: _ROTL, _SHL, _SHR_U), or 0. */
static uint32_t shift_op_form(uint32_t iop)
{
    switch (iop) {
    case IOP_I32_XOR: return IOP_I32_XOR_ROTL;
    case IOP_I32_OR: return IOP_I32_OR_ROTL;
    case IOP_I32_ADD: return IOP_I32_ADD_ROTL;
    case IOP_I32_AND: return IOP_I32_AND_ROTL;
    }
    return 0;
}

/* Whether the last instruction is an i32 shift or rotation by a constant
 * that computed operand o (stack index `index`, popped), nothing emitted
 * after it; *form is 0 (rotl), 1 (shl) or 2 (shr_u) and *k the count. */
static bool shifted_last(const wasm_translator *t, const operand *o, uint32_t index, uint32_t *form,
                         uint32_t *k)
{
    static const uint16_t shifts[] = { IOP_I32_ROTL_IMM, IOP_I32_ROTR_IMM, IOP_I32_SHL_IMM, IOP_I32_SHR_U_IMM };
    for (uint32_t i = 0; i < 4; i++) {
        if (computed_last(t, o, index, shifts[i], 3)) {
            uint32_t n = t->code[t->last.pos + 4] & 31;
            *form = i == 0 ? 0 : i - 1;
            *k = i == 1 ? (32 - n) & 31 : n;    /* rotr by n is rotl by 32 - n */
            return true;
        }
    }
    return false;
}

/*
 * Shift-op fusion: if the shift or rotation by a constant just emitted
 * produced one operand of a commutative i32 xor/or/add/and, the shift is
 * dropped and one instruction computes a OP (b SHIFT k). The other operand
 * must need no code of its own (not a constant: that has an immediate
 * form). Returns true if done.
 */
static bool fuse_shift_op(wasm_translator *t, uint32_t iop, operand *a, operand *b)
{
    uint32_t first = shift_op_form(iop), form, k;
    if (!first || t->dead)
        return false;
    operand *other;
    if (a->where != W_CONST && shifted_last(t, b, t->nstack + 1, &form, &k))
        other = a;
    else if (b->where == W_LOCAL && shifted_last(t, a, t->nstack, &form, &k))
        other = b;
    else
        return false;
    uint32_t src = t->code[t->last.pos + 3];
    drop_last(t);
    uint32_t sa = tr_src(t, other);
    operand *d = tr_push(t, WASM_I32);
    tr_def(t, EMITV(t, first + form, d->home, sa, src, k), first + form);
    return true;
}

/* Position of an i32 add, and, or or xor in the pair forms (iops.def
 * I32_ADD_THEN_ADD and following), or -1. */
static int pair_index(uint32_t iop)
{
    switch (iop) {
    case IOP_I32_ADD: return 0;
    case IOP_I32_AND: return 1;
    case IOP_I32_OR: return 2;
    case IOP_I32_XOR: return 3;
    }
    return -1;
}

/* Whether the last instruction is an i32 add/and/or/xor of two slots that
 * computed operand o (stack index `index`, popped); *first is its index. */
static bool paired_last(const wasm_translator *t, const operand *o, uint32_t index, int *first)
{
    static const uint16_t ops[] = { IOP_I32_ADD, IOP_I32_AND, IOP_I32_OR, IOP_I32_XOR };
    for (int i = 0; i < 4; i++) {
        if (computed_last(t, o, index, ops[i], 3)) {
            *first = i;
            return true;
        }
    }
    return false;
}

/*
 * Pair fusion: if the i32 add/and/or/xor just emitted produced one operand
 * of another (all four are commutative), both become one instruction
 * dst = (x OP1 y) OP2 z. The other operand must need no code of its own.
 * Returns true if done.
 */
static bool fuse_pair(wasm_translator *t, uint32_t iop, operand *a, operand *b)
{
    int second = pair_index(iop), first;
    if (second < 0 || t->dead)
        return false;
    operand *other;
    if (a->where != W_CONST && paired_last(t, b, t->nstack + 1, &first))
        other = a;
    else if (b->where == W_LOCAL && paired_last(t, a, t->nstack, &first))
        other = b;
    else
        return false;
    uint32_t x = t->code[t->last.pos + 3], y = t->code[t->last.pos + 4];
    drop_last(t);
    uint32_t z = tr_src(t, other);
    operand *d = tr_push(t, WASM_I32);
    uint32_t fused = IOP_I32_ADD_THEN_ADD + 4 * (uint32_t)first + (uint32_t)second;
    tr_def(t, EMITV(t, fused, d->home, x, y, z), fused);
    return true;
}

static void binop(wasm_translator *t, const wasm_opinfo *info)
{
    operand b = tr_pop(t, info->b);
    operand a = tr_pop(t, info->a);
    uint32_t iop = info->iop;
    if (fuse_load_op(t, iop, info->r, &a, &b) || fuse_shift_op(t, iop, &a, &b) || fuse_pair(t, iop, &a, &b))
        return;
    if (!t->dead && a.where == W_CONST && b.where != W_CONST && commutative(iop)) {
        operand tmp = a;   /* constant to the right (the result's home is fixed anyway) */
        a = b;
        b = tmp;
    }
    bool negate;
    uint32_t imm = imm_form(iop, &negate);
    if (imm && b.where == W_CONST) {
        bool is64 = info->a == WASM_I64;
        int64_t v = is64 ? (int64_t)b.c[0] : (int64_t)(int32_t)(uint32_t)b.c[0];
        if (negate)
            v = (int64_t)(0 - (uint64_t)v);
        if (!is64 || (v >= INT32_MIN && v <= INT32_MAX)) {
            uint32_t sa = tr_src(t, &a);
            operand *d = tr_push(t, info->r);
            tr_def(t, EMITV(t, imm, d->home, sa, (uint32_t)v), imm);
            return;
        }
    }
    uint32_t sa = tr_src(t, &a);
    uint32_t sb = tr_src(t, &b);
    operand *d = tr_push(t, info->r);
    tr_def(t, EMITV(t, iop, d->home, sa, sb), iop);
}

/* The form of a store that takes constant value v as an immediate, or 0. */
static uint32_t store_imm_form(uint32_t iop, const operand *v)
{
    if (v->where != W_CONST)
        return 0;
    switch (iop) {
    case IOP_I32_STORE:
        return IOP_I32_STORE_IMM;   /* also f32.store and i64.store32: low 32 bits */
    case IOP_I32_STORE8: return IOP_I32_STORE8_IMM;
    case IOP_I32_STORE16: return IOP_I32_STORE16_IMM;
    case IOP_I64_STORE: {
        int64_t x = (int64_t)v->c[0];
        return x >= INT32_MIN && x <= INT32_MAX ? IOP_I64_STORE_IMM : 0;
    }
    }
    return 0;
}

/* Whether the last instruction computed operand a (just popped) with iop
 * and nothing was emitted after it. */
static bool last_computed(wasm_translator *t, const operand *a, uint32_t iop, uint32_t nargs)
{
    return a->where == W_HOME && t->last.valid && t->last.iop == iop &&
           t->last.pos + wasm_iop_units(nargs) == t->ncode && t->code[t->last.pos + 2] == a->home &&
           t->nstack == t->last.index;
}

/*
 * The address operand a of a memory access (the last operand popped). If
 * the last instruction computed it as i32.add(base, constant), that
 * instruction is dropped and the access adds the constant itself (*add;
 * wrapping at 32 bits like the add did); a constant address becomes the
 * zero slot plus the constant. Returns the slot to read.
 */
static uint32_t address(wasm_translator *t, operand *a, uint32_t *add)
{
    *add = 0;
    if (a->where == W_CONST) {
        /* a constant address: the zero slot plus the constant */
        *add = (uint32_t)a->c[0];
        t->zero_slot_used = true;
        return t->zero_slot;
    }
    if (last_computed(t, a, IOP_I32_ADD_IMM, 3)) {
        uint32_t base = t->code[t->last.pos + 3];
        *add = t->code[t->last.pos + 4];
        drop_last(t);
        return base;
    }
    return tr_src(t, a);
}

/* The indexed form of an integer load (address = a + b), or 0. */
static uint32_t load_x_form(uint32_t iop)
{
    if (iop >= IOP_I32_LOAD && iop <= IOP_I64_LOAD32_U)
        return IOP_I32_LOAD_X + (iop - IOP_I32_LOAD);
    return 0;
}

/* Instructions described fully by the opcode tables. */
void tr_generic(wasm_translator *t, const wasm_opinfo *info)
{
    switch (info->kind) {
    case WASM_K_UNOP: {
        operand a = tr_pop(t, info->a);
        uint32_t sa = tr_src(t, &a);
        operand *d = tr_push(t, info->r);
        tr_def(t, EMITV(t, info->iop, d->home, sa), info->iop);
        break;
    }
    case WASM_K_BINOP:
        binop(t, info);
        break;
    case WASM_K_TERNOP: {
        operand c = tr_pop(t, info->c);
        operand b = tr_pop(t, info->b);
        operand a = tr_pop(t, info->a);
        uint32_t sa = tr_src(t, &a), sb = tr_src(t, &b), sc = tr_src(t, &c);
        operand *d = tr_push(t, info->r);
        tr_def(t, EMITV(t, info->iop, d->home, sa, sb, sc), info->iop);
        break;
    }
    case WASM_K_RETYPE: {
        /* Same bits, new type: the entry keeps its place. */
        operand a = tr_pop(t, info->a);
        operand *d = tr_push(t, info->r);
        uint8_t type = d->type;
        *d = a;
        d->type = type;
        if (d->where == W_LOCAL)
            t->local_refs[d->local]++;
        break;
    }
    case WASM_K_LOAD: {
        uint32_t offset = tr_read_memarg(t, info->arg);
        operand a = tr_pop(t, WASM_I32);
        uint32_t xiop = load_x_form(info->iop);
        if (xiop && last_computed(t, &a, IOP_I32_ADD, 3)) {
            /* address = i32.add(a, b) computed just before: one indexed load */
            uint32_t sa = t->code[t->last.pos + 3], sb = t->code[t->last.pos + 4];
            drop_last(t);
            operand *d = tr_push(t, info->r);
            tr_def(t, EMITV(t, xiop, d->home, sa, sb, offset), xiop);
            break;
        }
        uint32_t add = 0;
        uint32_t sa = address(t, &a, &add);
        operand *d = tr_push(t, info->r);
        tr_def(t, EMITV(t, info->iop, d->home, sa, add, offset), info->iop);
        break;
    }
    case WASM_K_STORE: {
        uint32_t offset = tr_read_memarg(t, info->arg);
        operand v = tr_pop(t, info->b);
        operand a = tr_pop(t, WASM_I32);
        uint32_t add = 0;
        uint32_t sa = address(t, &a, &add);
        uint32_t imm_iop = store_imm_form(info->iop, &v);
        if (imm_iop) {
            EMITV(t, imm_iop, sa, (uint32_t)v.c[0], add, offset);
            break;
        }
        uint32_t sv = tr_src(t, &v);
        EMITV(t, info->iop, sa, sv, add, offset);
        break;
    }
    case WASM_K_EXTRACT: {
        uint8_t lane = wasm_read_u8(&t->r);
        if (!t->r.failed && lane >= info->arg)
            tr_verr(t, "invalid lane index %u", lane);
        operand v = tr_pop(t, WASM_V128);
        uint32_t sv = tr_src(t, &v);
        operand *d = tr_push(t, info->r);
        tr_def(t, EMITV(t, info->iop, d->home, sv, lane), info->iop);
        break;
    }
    case WASM_K_REPLACE: {
        uint8_t lane = wasm_read_u8(&t->r);
        if (!t->r.failed && lane >= info->arg)
            tr_verr(t, "invalid lane index %u", lane);
        operand x = tr_pop(t, info->b);
        operand v = tr_pop(t, WASM_V128);
        uint32_t sv = tr_src(t, &v), sx = tr_src(t, &x);
        operand *d = tr_push(t, WASM_V128);
        tr_def(t, EMITV(t, info->iop, d->home, sv, sx, lane), info->iop);
        break;
    }
    case WASM_K_LOAD_LANE:
    case WASM_K_STORE_LANE: {
        uint32_t offset = tr_read_memarg(t, info->arg);
        uint8_t lane = wasm_read_u8(&t->r);
        if (!t->r.failed && lane >= 16u >> info->arg)
            tr_verr(t, "invalid lane index %u", lane);
        operand v = tr_pop(t, WASM_V128);
        operand a = tr_pop(t, WASM_I32);
        uint32_t add = 0;
        uint32_t sa = address(t, &a, &add);
        uint32_t sv = tr_src(t, &v);
        if (info->kind == WASM_K_LOAD_LANE) {
            operand *d = tr_push(t, WASM_V128);
            tr_def(t, EMITV(t, info->iop, d->home, sa, sv, add, offset, lane), info->iop);
        } else {
            EMITV(t, info->iop, sa, sv, add, offset, lane);
        }
        break;
    }
    default:
        wasm_malformed(&t->r, "illegal opcode");
        break;
    }
}

bool tr_check_table(wasm_translator *t, uint32_t x)
{
    if (x >= t->m->ntables) {
        tr_verr(t, "unknown table %u", x);
        return false;
    }
    return true;
}

/* Data segments memory.init and data.drop may name. Without a data count
 * section (§5.5.14) using them is malformed; an index that would be invalid
 * anyway is reported as invalid first, as a text-format module would be. */
static uint32_t data_count(const wasm_module *m)
{
    return m->has_datacount ? m->datacount : m->ndatas;
}

void tr_op_prefix_fc(wasm_translator *t)
{
    wasm_module *m = t->m;
    uint32_t sub = wasm_read_u32(&t->r);
    if (t->r.failed)
        return;
    if (sub >= 18) {
        wasm_malformed(&t->r, "illegal opcode 0xfc %u", sub);
        return;
    }
    const wasm_opinfo *info = &wasm_ops_fc[sub];
    if (info->kind != WASM_K_SPECIAL) {
        tr_generic(t, info);
        return;
    }
    switch (sub) {
    case 8: {   /* memory.init */
        uint32_t seg = tr_read_index(t);
        tr_read_zero_byte(t);
        if (t->r.failed)
            return;
        if (m->nmems == 0)
            tr_verr(t, "unknown memory 0");
        else if (seg >= data_count(m))
            tr_verr(t, "unknown data segment %u", seg);
        else if (!m->has_datacount)
            wasm_malformed(&t->r, "data count section required");
        operand n = tr_pop(t, WASM_I32), s = tr_pop(t, WASM_I32), d = tr_pop(t, WASM_I32);
        uint32_t sd = tr_src(t, &d), ss = tr_src(t, &s), sn = tr_src(t, &n);
        EMIT(t, MEMORY_INIT, seg, sd, ss, sn);
        break;
    }
    case 9: {   /* data.drop */
        uint32_t seg = tr_read_index(t);
        if (t->r.failed)
            return;
        if (seg >= data_count(m))
            tr_verr(t, "unknown data segment %u", seg);
        else if (!m->has_datacount)
            wasm_malformed(&t->r, "data count section required");
        EMIT(t, DATA_DROP, seg);
        break;
    }
    case 10:    /* memory.copy */
    case 11: {  /* memory.fill */
        tr_read_zero_byte(t);
        if (sub == 10)
            tr_read_zero_byte(t);
        if (t->r.failed)
            return;
        if (m->nmems == 0)
            tr_verr(t, "unknown memory 0");
        operand n = tr_pop(t, WASM_I32), v = tr_pop(t, WASM_I32), d = tr_pop(t, WASM_I32);
        uint32_t sd = tr_src(t, &d), sv = tr_src(t, &v), sn = tr_src(t, &n);
        if (sub == 10)
            EMIT(t, MEMORY_COPY, sd, sv, sn);
        else
            EMIT(t, MEMORY_FILL, sd, sv, sn);
        break;
    }
    case 12: {  /* table.init */
        uint32_t seg = tr_read_index(t);
        uint32_t x = tr_read_index(t);
        if (t->r.failed || !tr_check_table(t, x))
            return;
        if (seg >= m->nelems) {
            tr_verr(t, "unknown elem segment %u", seg);
            return;
        }
        if (m->elems[seg].reftype != m->tables[x].reftype)
            tr_verr(t, "type mismatch: element segment and table types differ");
        operand n = tr_pop(t, WASM_I32), s = tr_pop(t, WASM_I32), d = tr_pop(t, WASM_I32);
        uint32_t sd = tr_src(t, &d), ss = tr_src(t, &s), sn = tr_src(t, &n);
        EMIT(t, TABLE_INIT, x, seg, sd, ss, sn);
        break;
    }
    case 13: {  /* elem.drop */
        uint32_t seg = tr_read_index(t);
        if (t->r.failed)
            return;
        if (seg >= m->nelems)
            tr_verr(t, "unknown elem segment %u", seg);
        EMIT(t, ELEM_DROP, seg);
        break;
    }
    case 14: {  /* table.copy */
        uint32_t x = tr_read_index(t);
        uint32_t y = tr_read_index(t);
        if (t->r.failed || !tr_check_table(t, x) || !tr_check_table(t, y))
            return;
        if (m->tables[x].reftype != m->tables[y].reftype)
            tr_verr(t, "type mismatch: table types differ");
        operand n = tr_pop(t, WASM_I32), s = tr_pop(t, WASM_I32), d = tr_pop(t, WASM_I32);
        uint32_t sd = tr_src(t, &d), ss = tr_src(t, &s), sn = tr_src(t, &n);
        EMIT(t, TABLE_COPY, x, y, sd, ss, sn);
        break;
    }
    case 15: {  /* table.grow */
        uint32_t x = tr_read_index(t);
        if (t->r.failed || !tr_check_table(t, x))
            return;
        operand n = tr_pop(t, WASM_I32);
        operand v = tr_pop(t, m->tables[x].reftype);
        uint32_t sv = tr_src(t, &v), sn = tr_src(t, &n);
        operand *d = tr_push(t, WASM_I32);
        tr_def(t, EMIT(t, TABLE_GROW, d->home, x, sv, sn), IOP_TABLE_GROW);
        break;
    }
    case 16: {  /* table.size */
        uint32_t x = tr_read_index(t);
        if (t->r.failed || !tr_check_table(t, x))
            return;
        operand *d = tr_push(t, WASM_I32);
        tr_def(t, EMIT(t, TABLE_SIZE, d->home, x), IOP_TABLE_SIZE);
        break;
    }
    case 17: {  /* table.fill */
        uint32_t x = tr_read_index(t);
        if (t->r.failed || !tr_check_table(t, x))
            return;
        operand n = tr_pop(t, WASM_I32);
        operand v = tr_pop(t, m->tables[x].reftype);
        operand i = tr_pop(t, WASM_I32);
        uint32_t si = tr_src(t, &i), sv = tr_src(t, &v), sn = tr_src(t, &n);
        EMIT(t, TABLE_FILL, x, si, sv, sn);
        break;
    }
    }
}

void tr_op_prefix_fd(wasm_translator *t)
{
    uint32_t sub = wasm_read_u32(&t->r);
    if (t->r.failed)
        return;
    const wasm_opinfo *info = sub < 256 ? &wasm_ops_simd[sub] : NULL;
    if (!info || info->kind == WASM_K_ILLEGAL) {
        wasm_malformed(&t->r, "illegal opcode 0xfd %u", sub);
        return;
    }
    if (info->kind != WASM_K_SPECIAL) {
        tr_generic(t, info);
        return;
    }
    if (sub == 0x0C) {          /* v128.const */
        uint64_t lo = wasm_read_fixed64(&t->r);
        uint64_t hi = wasm_read_fixed64(&t->r);
        tr_push_const(t, WASM_V128, lo, hi);
        return;
    }
    /* i8x16.shuffle */
    uint32_t lanes[4] = { 0, 0, 0, 0 };
    for (int i = 0; i < 16; i++) {
        uint8_t l = wasm_read_u8(&t->r);
        if (!t->r.failed && l >= 32)
            tr_verr(t, "invalid lane index %u", l);
        lanes[i / 4] |= (uint32_t)l << (8 * (i % 4));
    }
    operand b = tr_pop(t, WASM_V128);
    operand a = tr_pop(t, WASM_V128);
    uint32_t sa = tr_src(t, &a), sb = tr_src(t, &b);
    operand *d = tr_push(t, WASM_V128);
    tr_def(t, EMIT(t, I8X16_SHUFFLE, d->home, sa, sb, lanes[0], lanes[1], lanes[2], lanes[3]),
        IOP_I8X16_SHUFFLE);
}
