/*
 * runtime/jit/jit_values.c — the compiler's model of the WebAssembly operand
 * stack and of the machine registers.
 *
 * Each stack entry says where its value is right now: a constant not yet
 * materialised, a register, a local (local.get costs nothing until the value
 * is used), its spill slot in the frame, or the flags of a comparison not yet
 * turned into 0/1. Registers are free, reserved, pinned to a local for the
 * whole function, held by a stack entry, or locked by the instruction being
 * compiled (operands it popped and scratch it took; all unlocked when the
 * next instruction starts). When no register is free, the entry deepest in
 * the stack that holds one is spilled: it is the one needed last.
 */
#include "jit_internal.h"

/* Allocation order of temporaries: never-pinned registers first. */
static const uint8_t gpr_order[] = { X64_RAX, X64_RCX, X64_RDX, X64_R10, X64_RSI, X64_RDI,
                                     X64_R8, X64_R9, X64_RBX, X64_RBP, X64_R12, X64_R13 };
static const uint8_t xmm_order[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14 };

static bool is_xmm_type(uint8_t t) { return jit_is_float_class(t); }

static jit_regfile *file_of(jit_compiler *c, uint8_t type)
{
    return is_xmm_type(type) ? &c->xmm : &c->gpr;
}

void jit_regs_reset(jit_compiler *c)
{
    for (int r = 0; r < 16; r++) {
        c->gpr.state[r] = RS_FREE;
        c->xmm.state[r] = RS_FREE;
    }
    c->gpr.state[X64_RSP] = RS_RESERVED;
    c->gpr.state[JIT_CTX] = RS_RESERVED;
    c->gpr.state[JIT_MEM] = RS_RESERVED;
    c->gpr.state[JIT_TMP] = RS_RESERVED;
    c->xmm.state[JIT_XTMP] = RS_RESERVED;
    /* callee-saved registers are usable only when the prologue saves them */
    static const uint8_t callee_saved[] = { X64_RBX, X64_RBP, X64_R12, X64_R13 };
    for (unsigned i = 0; i < sizeof(callee_saved); i++)
        if (!(c->pinned_saved_gprs & (1u << callee_saved[i])))
            c->gpr.state[callee_saved[i]] = RS_RESERVED;
    for (uint32_t i = 0; i < c->nlocals; i++) {
        const jit_local *l = &c->locals[i];
        if (l->reg != X64_NOREG)
            file_of(c, l->type)->state[l->reg] = RS_PINNED;
    }
}

/* Frees f's locked registers. Runs before every instruction: written
 * without branches so that the compiler makes it a few vector operations. */
static void unlock_file(jit_regfile *f)
{
    for (int r = 0; r < 16; r++)
        f->state[r] = f->state[r] == RS_LOCKED ? (uint8_t)RS_FREE : f->state[r];
}

void jit_unlock_all(jit_compiler *c)
{
    unlock_file(&c->gpr);
    unlock_file(&c->xmm);
}

void jit_lock(jit_compiler *c, uint8_t type, uint8_t reg)
{
    jit_regfile *f = file_of(c, type);
    if (f->state[reg] == RS_FREE)
        f->state[reg] = RS_LOCKED;
}

/* ---- pushing and popping ---- */

jv *jit_push(jit_compiler *c, uint8_t type, uint8_t kind)
{
    if (!wasm_grow_array((void **)&c->stack, &c->cap_stack, c->nstack + 1, sizeof(jv))) {
        jit_fail(c, "out of memory");
        c->nstack = 0;
        static jv dummy;
        return &dummy;
    }
    jv *v = &c->stack[c->nstack];
    wasm_memset(v, 0, sizeof(*v));
    v->type = type;
    v->kind = kind;
    v->slot = c->nstack ? c->stack[c->nstack - 1].slot + wasm_slots(c->stack[c->nstack - 1].type) : 0;
    uint32_t end = v->slot + wasm_slots(type);
    if (end > c->max_spill)
        c->max_spill = end;
    c->nstack++;
    return v;
}

void jit_push_reg(jit_compiler *c, uint8_t type, uint8_t reg)
{
    jv *v = jit_push(c, type, JV_REG);
    v->reg = reg;
    jit_regfile *f = file_of(c, type);
    f->state[reg] = RS_STACK;
    f->owner[reg] = c->nstack - 1;
}

void jit_push_const(jit_compiler *c, uint8_t type, uint64_t lo, uint64_t hi)
{
    jv *v = jit_push(c, type, JV_CONST);
    v->c[0] = lo;
    v->c[1] = hi;
}

void jit_push_local(jit_compiler *c, uint32_t local)
{
    jv *v = jit_push(c, c->locals[local].type, JV_LOCAL);
    v->local = local;
    c->locals[local].refs++;
}

void jit_push_cmp(jit_compiler *c, x64_cond cond, uint8_t fcmp)
{
    jv *v = jit_push(c, WASM_I32, JV_CMP);
    v->cond = (uint8_t)cond;
    v->fcmp = fcmp;
}

jv jit_pop(jit_compiler *c)
{
    if (!c->nstack) {
        jit_fail(c, "operand stack underflow");
        jv z;
        wasm_memset(&z, 0, sizeof(z));
        z.kind = JV_CONST;
        z.type = WASM_I32;
        return z;
    }
    jv v = c->stack[--c->nstack];
    if (v.kind == JV_REG)
        file_of(c, v.type)->state[v.reg] = RS_LOCKED;
    else if (v.kind == JV_LOCAL)
        c->locals[v.local].refs--;
    return v;
}

jv *jit_top(jit_compiler *c, uint32_t depth)
{
    return &c->stack[c->nstack - 1 - depth];
}

bool jit_is_const(const jv *v)
{
    return v->kind == JV_CONST;
}

/* ---- frame slots ---- */

x64_mem jit_spill_mem(jit_compiler *c, uint32_t slot)
{
    return jit_frame(c->spill_base + slot * 8);
}

uint32_t jit_spill_slot_at(jit_compiler *c, uint32_t pos)
{
    return pos < c->nstack ? c->stack[pos].slot
         : pos == 0 ? 0 : c->stack[pos - 1].slot + wasm_slots(c->stack[pos - 1].type);
}

/* Stores register src holding a value of `type` to memory. */
static void store_reg(jit_compiler *c, uint8_t type, x64_mem dst, uint8_t src)
{
    switch (type) {
    case WASM_F32: x64_movss_store(&c->b, dst, src); break;
    case WASM_F64: x64_movsd_store(&c->b, dst, src); break;
    case WASM_V128: x64_movdqu_store(&c->b, dst, src); break;
    default: x64_store(&c->b, 8, dst, src); break;
    }
}

static void load_reg(jit_compiler *c, uint8_t type, uint8_t dst, x64_mem src)
{
    switch (type) {
    case WASM_I32: x64_load(&c->b, 4, dst, src); break;
    case WASM_F32: x64_movss_load(&c->b, dst, src); break;
    case WASM_F64: x64_movsd_load(&c->b, dst, src); break;
    case WASM_V128: x64_movdqu_load(&c->b, dst, src); break;
    default: x64_load(&c->b, 8, dst, src); break;
    }
}

void jit_move_reg(jit_compiler *c, uint8_t type, uint8_t dst, uint8_t src)
{
    if (dst == src)
        return;
    if (is_xmm_type(type))
        x64_movaps_rr(&c->b, dst, src);
    else
        x64_mov_rr(&c->b, type != WASM_I32, dst, src);
}

/* Loads constant bits into an XMM register (never touches the flags). */
static void load_xmm_const(jit_compiler *c, uint8_t dst, uint8_t type, const uint64_t *v)
{
    uint64_t hi = type == WASM_V128 ? v[1] : 0;
    uint64_t lo = type == WASM_F32 ? (uint32_t)v[0] : v[0];
    if (lo == 0 && hi == 0) {
        x64_sse(&c->b, X64_SSE(X64_PP_NONE, X64_MAP_0F, 0x57), dst, x64_r(dst), -1);   /* xorps */
    } else if (type == WASM_V128 && lo == ~0ull && hi == ~0ull) {
        x64_sse(&c->b, X64_SSE(X64_PP_66, X64_MAP_0F, 0x76), dst, x64_r(dst), -1);     /* pcmpeqd */
    } else if (type == WASM_V128) {
        x64_movdqu_load(&c->b, dst, jit_const128(c, lo, hi));
    } else if (type == WASM_F64) {
        x64_movsd_load(&c->b, dst, jit_const128(c, lo, 0));
    } else {
        x64_movss_load(&c->b, dst, jit_const128(c, lo, 0));
    }
}

/* setcc for a comparison entry into an 8-bit register, then zero-extends. */
static void cmp_to_reg(jit_compiler *c, const jv *v, uint8_t dst)
{
    if (v->fcmp == 1) {         /* equal and ordered */
        x64_setcc(&c->b, (x64_cond)v->cond, dst);
        x64_setcc(&c->b, X64_NP, JIT_TMP);
        x64_alu_rr(&c->b, X64_AND, false, dst, JIT_TMP);
    } else if (v->fcmp == 2) {  /* not equal or unordered */
        x64_setcc(&c->b, (x64_cond)v->cond, dst);
        x64_setcc(&c->b, X64_P, JIT_TMP);
        x64_alu_rr(&c->b, X64_OR, false, dst, JIT_TMP);
    } else {
        x64_setcc(&c->b, (x64_cond)v->cond, dst);
    }
    x64_movzx_rr(&c->b, 1, dst, dst);
}

void jit_load_value(jit_compiler *c, uint8_t reg, jv *v)
{
    uint8_t t = v->type;
    switch (v->kind) {
    case JV_REG:
        jit_move_reg(c, t, reg, v->reg);
        break;
    case JV_LOCAL: {
        const jit_local *l = &c->locals[v->local];
        if (l->reg != X64_NOREG)
            jit_move_reg(c, t, reg, l->reg);
        else
            load_reg(c, t, reg, jit_frame(l->offset));
        break;
    }
    case JV_SPILL:
        load_reg(c, t, reg, jit_spill_mem(c, v->slot));
        break;
    case JV_CONST:
        if (is_xmm_type(t))
            load_xmm_const(c, reg, t, v->c);
        else
            x64_mov_imm(&c->b, reg, t == WASM_I32 ? (uint32_t)v->c[0] : v->c[0]);
        break;
    case JV_CMP:
        cmp_to_reg(c, v, reg);
        break;
    }
}

/* Stores any value to memory as a full 8-byte slot (i32/f32 zero-extended
 * where cheap) or 16 bytes for v128. */
void jit_store_to_mem(jit_compiler *c, uint8_t type, x64_mem dst, jv *v)
{
    if (v->kind == JV_CONST && !is_xmm_type(type)) {
        uint64_t bits = type == WASM_I32 ? (uint32_t)v->c[0] : v->c[0];
        if ((int64_t)bits == (int64_t)(int32_t)bits) {
            x64_store_imm(&c->b, 8, dst, (int32_t)bits);
        } else {
            x64_mov_imm(&c->b, JIT_TMP, bits);
            x64_store(&c->b, 8, dst, JIT_TMP);
        }
        return;
    }
    if (v->kind == JV_CONST && type == WASM_F32) {
        x64_store_imm(&c->b, 8, dst, 0);
        x64_store_imm(&c->b, 4, dst, (int32_t)(uint32_t)v->c[0]);
        return;
    }
    if (v->kind == JV_CONST && type == WASM_F64 && (int64_t)v->c[0] == (int32_t)v->c[0]) {
        x64_store_imm(&c->b, 8, dst, (int32_t)v->c[0]);
        return;
    }
    uint8_t r;
    if (v->kind == JV_REG) {
        r = v->reg;
    } else if (v->kind == JV_LOCAL && c->locals[v->local].reg != X64_NOREG) {
        r = c->locals[v->local].reg;
    } else {
        r = is_xmm_type(type) ? JIT_XTMP : JIT_TMP;
        jit_load_value(c, r, v);
    }
    store_reg(c, type, dst, r);
}

/* ---- registers ---- */

/* Spills the deepest stack entry that holds a register of file f. */
static bool spill_one(jit_compiler *c, jit_regfile *f)
{
    for (uint32_t i = 0; i < c->nstack; i++) {
        jv *v = &c->stack[i];
        if (v->kind == JV_REG && file_of(c, v->type) == f) {
            jit_spill_entry(c, i);
            return true;
        }
    }
    return false;
}

static uint8_t alloc_in(jit_compiler *c, jit_regfile *f, const uint8_t *order, unsigned n)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        for (unsigned i = 0; i < n; i++) {
            if (f->state[order[i]] == RS_FREE) {
                f->state[order[i]] = RS_LOCKED;
                return order[i];
            }
        }
        if (!spill_one(c, f))
            break;
    }
    jit_fail(c, "out of registers");
    return f == &c->gpr ? X64_RAX : 0;
}

uint8_t jit_alloc_gpr(jit_compiler *c)
{
    return alloc_in(c, &c->gpr, gpr_order, sizeof(gpr_order));
}

uint8_t jit_alloc_xmm(jit_compiler *c)
{
    return alloc_in(c, &c->xmm, xmm_order, sizeof(xmm_order));
}

uint8_t jit_alloc_reg(jit_compiler *c, uint8_t type)
{
    return is_xmm_type(type) ? jit_alloc_xmm(c) : jit_alloc_gpr(c);
}

void jit_claim_gpr(jit_compiler *c, uint8_t r)
{
    jit_regfile *f = &c->gpr;
    if (f->state[r] == RS_STACK) {
        uint32_t owner = f->owner[r];
        jv *v = &c->stack[owner];
        /* move the value to another register if one is free, else spill */
        uint8_t nr = X64_NOREG;
        for (unsigned i = 0; i < sizeof(gpr_order); i++)
            if (f->state[gpr_order[i]] == RS_FREE) {
                nr = gpr_order[i];
                break;
            }
        if (nr != X64_NOREG) {
            jit_move_reg(c, v->type, nr, r);
            v->reg = nr;
            f->state[nr] = RS_STACK;
            f->owner[nr] = owner;
            f->state[r] = RS_FREE;
        } else {
            jit_spill_entry(c, owner);
        }
    }
    if (f->state[r] == RS_LOCKED) {
        /* a popped operand of this very instruction sits there: the caller
         * must have moved it out first */
        jit_fail(c, "register claimed twice");
    }
    if (f->state[r] == RS_FREE)
        f->state[r] = RS_LOCKED;
}

uint8_t jit_in_reg(jit_compiler *c, jv *v)
{
    if (v->kind == JV_REG)
        return v->reg;
    if (v->kind == JV_LOCAL && c->locals[v->local].reg != X64_NOREG)
        return c->locals[v->local].reg;
    uint8_t r = jit_alloc_reg(c, v->type);
    jit_load_value(c, r, v);
    if (v->kind == JV_LOCAL)
        c->locals[v->local].refs += 0;      /* v is a popped copy: no ref to drop */
    v->kind = JV_REG;
    v->reg = r;
    return r;
}

uint8_t jit_in_own_reg(jit_compiler *c, jv *v)
{
    if (v->kind == JV_REG)
        return v->reg;
    uint8_t r = jit_alloc_reg(c, v->type);
    jit_load_value(c, r, v);
    v->kind = JV_REG;
    v->reg = r;
    return r;
}

x64_rm jit_rm(jit_compiler *c, jv *v)
{
    switch (v->kind) {
    case JV_REG:
        return x64_r(v->reg);
    case JV_LOCAL: {
        const jit_local *l = &c->locals[v->local];
        return l->reg != X64_NOREG ? x64_r(l->reg) : x64_m(jit_frame(l->offset));
    }
    case JV_SPILL:
        return x64_m(jit_spill_mem(c, v->slot));
    default:
        return x64_r(jit_in_reg(c, v));
    }
}

void jit_materialize_cmp(jit_compiler *c)
{
    if (c->nstack && c->stack[c->nstack - 1].kind == JV_CMP) {
        jv *v = &c->stack[c->nstack - 1];
        uint8_t r = jit_alloc_gpr(c);
        cmp_to_reg(c, v, r);
        v->kind = JV_REG;
        v->reg = r;
        c->gpr.state[r] = RS_STACK;
        c->gpr.owner[r] = c->nstack - 1;
    }
}

void jit_spill_entry(jit_compiler *c, uint32_t i)
{
    jv *v = &c->stack[i];
    x64_mem m = jit_spill_mem(c, v->slot);
    switch (v->kind) {
    case JV_REG:
        store_reg(c, v->type, m, v->reg);
        file_of(c, v->type)->state[v->reg] = RS_FREE;
        break;
    case JV_LOCAL:
        jit_store_to_mem(c, v->type, m, v);
        c->locals[v->local].refs--;
        break;
    case JV_CMP:
        cmp_to_reg(c, v, JIT_TMP);
        x64_store(&c->b, 8, m, JIT_TMP);
        break;
    default:
        return;
    }
    v->kind = JV_SPILL;
}

void jit_flush(jit_compiler *c, uint32_t keep_top)
{
    if (c->nstack && c->stack[c->nstack - 1].kind == JV_CMP)
        jit_materialize_cmp(c);
    uint32_t n = c->nstack >= keep_top ? c->nstack - keep_top : 0;
    for (uint32_t i = 0; i < n; i++)
        if (c->stack[i].kind != JV_CONST && c->stack[i].kind != JV_SPILL)
            jit_spill_entry(c, i);
}

void jit_detach_local(jit_compiler *c, uint32_t local)
{
    if (!c->locals[local].refs)
        return;
    for (uint32_t i = 0; i < c->nstack && c->locals[local].refs; i++) {
        jv *v = &c->stack[i];
        if (v->kind != JV_LOCAL || v->local != local)
            continue;
        /* copy into a free register if there is one, else into the spill slot */
        jit_regfile *f = file_of(c, v->type);
        const uint8_t *order = f == &c->gpr ? gpr_order : xmm_order;
        unsigned n = f == &c->gpr ? sizeof(gpr_order) : sizeof(xmm_order);
        uint8_t nr = X64_NOREG;
        for (unsigned k = 0; k < n; k++)
            if (f->state[order[k]] == RS_FREE) {
                nr = order[k];
                break;
            }
        if (nr == X64_NOREG) {
            jit_spill_entry(c, i);
            continue;
        }
        jit_load_value(c, nr, v);
        c->locals[local].refs--;
        v->kind = JV_REG;
        v->reg = nr;
        f->state[nr] = RS_STACK;
        f->owner[nr] = i;
    }
}

/* Writes value v into local i (after jit_detach_local). */
void jit_set_local(jit_compiler *c, uint32_t i, jv *v)
{
    jit_local *l = &c->locals[i];
    if (v->kind == JV_LOCAL && v->local == i)
        return;
    if (l->reg != X64_NOREG) {
        jit_load_value(c, l->reg, v);
        return;
    }
    jit_store_to_mem(c, l->type, jit_frame(l->offset), v);
}

/* Pinned locals in registers a call clobbers: all but rbx, rbp, r12, r13. */
static bool clobbered_pin(const jit_local *l)
{
    if (l->reg == X64_NOREG)
        return false;
    if (is_xmm_type(l->type))
        return true;
    return !(l->reg == X64_RBX || l->reg == X64_RBP || l->reg == X64_R12 || l->reg == X64_R13);
}

void jit_save_pinned(jit_compiler *c)
{
    for (uint32_t i = 0; i < c->nlocals; i++) {
        const jit_local *l = &c->locals[i];
        if (clobbered_pin(l))
            store_reg(c, l->type, jit_frame(l->offset), l->reg);
    }
}

void jit_restore_pinned(jit_compiler *c)
{
    for (uint32_t i = 0; i < c->nlocals; i++) {
        const jit_local *l = &c->locals[i];
        if (clobbered_pin(l))
            load_reg(c, l->type, l->reg, jit_frame(l->offset));
    }
}

/* ---- parallel moves ---- */

/* The register a move reads, or X64_NOREG if it reads memory or a constant. */
static uint8_t src_reg(jit_compiler *c, const jit_move *m)
{
    if (m->src.kind == JV_REG)
        return m->src.reg;
    if (m->src.kind == JV_LOCAL && c->locals[m->src.local].reg != X64_NOREG)
        return c->locals[m->src.local].reg;
    return X64_NOREG;
}

/*
 * Performs all moves as if at once. Memory destinations first (they can
 * only be read by nobody: outgoing areas), then register-to-register moves
 * ordered so that no source is overwritten before it is read (a cycle is
 * broken through the scratch register), then loads from memory and
 * constants. GPR and XMM moves are independent.
 */
void jit_parallel_move(jit_compiler *c, jit_move *moves, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (moves[i].src.kind == JV_CMP) {
            uint8_t r = jit_alloc_gpr(c);
            cmp_to_reg(c, &moves[i].src, r);
            moves[i].src.kind = JV_REG;
            moves[i].src.reg = r;
        }
    for (uint32_t i = 0; i < n; i++)
        if (!moves[i].to_reg)
            jit_store_to_mem(c, moves[i].type, moves[i].dst_mem, &moves[i].src);

    bool done[64];
    if (n > 64) {
        jit_fail(c, "too many register moves");
        return;
    }
    for (uint32_t i = 0; i < n; i++)
        done[i] = !moves[i].to_reg || src_reg(c, &moves[i]) == X64_NOREG;
    for (;;) {
        bool progress = false, pending = false;
        for (uint32_t i = 0; i < n; i++) {
            if (done[i])
                continue;
            pending = true;
            jit_move *m = &moves[i];
            bool xmm = is_xmm_type(m->type);
            /* blocked if another pending move still reads our destination */
            bool blocked = false;
            for (uint32_t k = 0; k < n && !blocked; k++)
                if (k != i && !done[k] && is_xmm_type(moves[k].type) == xmm &&
                    src_reg(c, &moves[k]) == m->dst_reg)
                    blocked = true;
            if (blocked)
                continue;
            jit_move_reg(c, m->type, m->dst_reg, src_reg(c, m));
            done[i] = true;
            progress = true;
        }
        if (!pending)
            break;
        if (!progress) {
            /* a cycle: park one source in the scratch register */
            for (uint32_t i = 0; i < n; i++) {
                if (done[i])
                    continue;
                jit_move *m = &moves[i];
                bool xmm = is_xmm_type(m->type);
                uint8_t tmp = xmm ? JIT_XTMP : JIT_TMP;
                uint8_t old = src_reg(c, m);
                jit_move_reg(c, xmm ? WASM_V128 : WASM_I64, tmp, old);
                for (uint32_t k = 0; k < n; k++)
                    if (!done[k] && is_xmm_type(moves[k].type) == xmm && src_reg(c, &moves[k]) == old) {
                        moves[k].src.kind = JV_REG;
                        moves[k].src.reg = tmp;
                    }
                break;
            }
        }
    }
    for (uint32_t i = 0; i < n; i++)
        if (moves[i].to_reg && src_reg(c, &moves[i]) == X64_NOREG)
            jit_load_value(c, moves[i].dst_reg, &moves[i].src);
}
