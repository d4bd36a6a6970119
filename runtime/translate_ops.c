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

static void binop(wasm_translator *t, const wasm_opinfo *info)
{
    operand b = tr_pop(t, info->b);
    operand a = tr_pop(t, info->a);
    uint32_t iop = info->iop;
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

/* Drops the last instruction (it is being folded into the next one). */
static void drop_last(wasm_translator *t)
{
    t->ncode = t->last.pos;
    t->last.valid = false;
    t->prev = t->prev2;
    t->prev2.pos = NO_POS;
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
