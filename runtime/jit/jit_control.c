/*
 * runtime/jit/jit_control.c — control instructions (Wasm 2.0 §4.4.8),
 * calls, and the variable, reference and parametric instructions.
 *
 * Merges: at the start of a block, loop or if, every operand-stack value
 * below the block's parameters goes to its spill slot (constants stay
 * constants), so nothing inside the block can move it; a loop's or an if's
 * parameters go to their slots too. Every edge into a label delivers the
 * label's values in the spill slots of their stack positions; a block whose
 * end is reached only by falling through keeps its results where they are.
 * Code after br, br_table, return and unreachable is skipped until the
 * enclosing block ends.
 */
#include "jit_internal.h"

/* ---- the control stack ---- */

void jit_push_ctl(jit_compiler *c, uint8_t kind, uint32_t np, const uint8_t *p, uint32_t nr, const uint8_t *r)
{
    if (!wasm_grow_array((void **)&c->ctls, &c->cap_ctls, c->nctls + 1, sizeof(jctl))) {
        jit_fail(c, "out of memory");
        return;
    }
    jctl *b = &c->ctls[c->nctls++];
    wasm_memset(b, 0, sizeof(*b));
    b->kind = kind;
    b->nparams = np;
    b->params = p;
    b->nresults = nr;
    b->results = r;
    b->height = c->nstack >= np ? c->nstack - np : 0;
    b->label = x64_label_new(&c->b);
    b->else_label = UINT32_MAX;
}

/* Drops stack entries above `height`, releasing their registers. */
static void truncate_stack(jit_compiler *c, uint32_t height)
{
    while (c->nstack > height) {
        jv v = jit_pop(c);
        (void)v;
    }
    jit_unlock_all(c);
}

/* Pushes n values of the given types that sit in their spill slots. */
static void push_spilled(jit_compiler *c, uint32_t n, const uint8_t *types)
{
    for (uint32_t i = 0; i < n; i++)
        jit_push(c, types[i], JV_SPILL);
}

/* Puts the top n entries into their spill slots, constants included. */
static void spill_top(jit_compiler *c, uint32_t n)
{
    for (uint32_t i = c->nstack - n; i < c->nstack; i++) {
        jv *v = &c->stack[i];
        if (v->kind == JV_CONST) {
            jit_store_to_mem(c, v->type, jit_spill_mem(c, v->slot), v);
            v->kind = JV_SPILL;
        } else if (v->kind != JV_SPILL) {
            jit_spill_entry(c, i);
        }
    }
}

/* The number of values a branch to b carries and their types. */
static uint32_t label_arity(const jctl *b, const uint8_t **types)
{
    if (b->kind == JC_LOOP) {
        *types = b->params;
        return b->nparams;
    }
    *types = b->results;
    return b->nresults;
}

/* Copies the top n stack values into the spill slots of positions
 * [height, height + n) (the label's canonical places); the entries stay. */
static void move_to_label(jit_compiler *c, const jctl *b, uint32_t n)
{
    uint32_t from = c->nstack - n;
    uint32_t slot = jit_spill_slot_at(c, b->height);
    for (uint32_t i = 0; i < n; i++) {
        jv *v = &c->stack[from + i];
        if (!(v->kind == JV_SPILL && v->slot == slot))
            jit_store_to_mem(c, v->type, jit_spill_mem(c, slot), v);
        slot += wasm_slots(v->type);
    }
}

/* The function's results to their return locations, then the epilogue. */
static void emit_return(jit_compiler *c)
{
    const jit_sig *s = c->fsig;
    uint32_t n = s->nresults;
    uint32_t from = c->nstack - n;
    for (uint32_t i = 0; i < n; i++)
        if (s->result_loc[i] == JIT_LOC_STACK)
            jit_store_caller_area(c, c->stack[from + i].type, s->result_off[i], &c->stack[from + i]);
    jit_move moves[2];
    uint32_t nm = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (s->result_loc[i] == JIT_LOC_STACK)
            continue;
        jit_move *mv = &moves[nm++];
        mv->type = c->stack[from + i].type;
        mv->to_reg = true;
        mv->dst_reg = s->result_loc[i] == JIT_LOC_GPR ? X64_RAX : 0;
        mv->src = c->stack[from + i];
    }
    jit_parallel_move(c, moves, nm);
    /* the epilogue follows the function's final end directly */
    if (!(c->nctls == 1 && c->p >= c->end))
        x64_jmp(&c->b, c->epilogue);
}

/* An unconditional branch to label depth d (values on the stack top). */
static void branch_to(jit_compiler *c, uint32_t d)
{
    jctl *b = &c->ctls[c->nctls - 1 - d];
    if (b->kind == JC_FUNC) {
        emit_return(c);
        return;
    }
    const uint8_t *types;
    uint32_t n = label_arity(b, &types);
    move_to_label(c, b, n);
    x64_jmp(&c->b, b->label);
    b->label_used = true;
}

/* Marks the rest of the block unreachable. */
static void go_dead(jit_compiler *c)
{
    truncate_stack(c, c->ctls[c->nctls - 1].height);
    c->dead = true;
    c->dead_depth = 0;
}

/* Emits a jump to l taken when cond is (when_true) true / false. */
static void jump_if(jit_compiler *c, jv *cond, bool when_true, x64_label l)
{
    if (cond->kind == JV_CONST) {
        if (((uint32_t)cond->c[0] != 0) == when_true)
            x64_jmp(&c->b, l);
        return;
    }
    if (cond->kind == JV_CMP) {
        x64_cond cc = (x64_cond)cond->cond;
        uint8_t f = cond->fcmp;
        if (!when_true) {
            cc = x64_cond_not(cc);
            f = f == 1 ? 2 : f == 2 ? 1 : 0;
        }
        if (f == 1) {           /* cc and not parity */
            x64_label skip = x64_label_new(&c->b);
            x64_jcc(&c->b, X64_P, skip);
            x64_jcc(&c->b, cc, l);
            x64_bind(&c->b, skip);
        } else if (f == 2) {    /* cc or parity */
            x64_jcc(&c->b, X64_P, l);
            x64_jcc(&c->b, cc, l);
        } else {
            x64_jcc(&c->b, cc, l);
        }
        return;
    }
    x64_rm rm = jit_rm(c, cond);
    if (rm.is_reg)
        x64_test_rr(&c->b, false, rm.reg, rm.reg);
    else
        x64_alu_mi(&c->b, X64_CMP, 4, rm.mem, 0);
    x64_jcc(&c->b, when_true ? X64_NE : X64_E, l);
}

/* ---- blocks ---- */

static void op_block(jit_compiler *c, uint8_t kind)
{
    uint32_t np, nr;
    const uint8_t *p, *r;
    jit_read_blocktype(c, &np, &p, &nr, &r);
    if (kind == JC_IF) {
        jv cond = jit_pop(c);
        jit_flush(c, 0);
        spill_top(c, np);
        jit_push_ctl(c, kind, np, p, nr, r);
        jctl *b = &c->ctls[c->nctls - 1];
        b->else_label = x64_label_new(&c->b);
        jump_if(c, &cond, false, b->else_label);
        return;
    }
    jit_flush(c, np);
    if (kind == JC_LOOP)
        spill_top(c, np);
    jit_push_ctl(c, kind, np, p, nr, r);
    if (kind == JC_LOOP) {
        x64_align(&c->b, 16, true);
        x64_bind(&c->b, c->ctls[c->nctls - 1].label);
        jit_emit_check(c);
    }
}

static void op_else(jit_compiler *c)
{
    jctl *b = &c->ctls[c->nctls - 1];
    if (!c->dead) {
        move_to_label(c, b, b->nresults);
        x64_jmp(&c->b, b->label);
        b->label_used = true;
    }
    truncate_stack(c, b->height);
    push_spilled(c, b->nparams, b->params);
    x64_bind(&c->b, b->else_label);
    b->has_else = true;
    c->dead = false;
}

static void op_end(jit_compiler *c)
{
    jctl *b = &c->ctls[c->nctls - 1];
    if (b->kind == JC_FUNC) {
        if (!c->dead)
            emit_return(c);
        c->nctls--;
        return;
    }
    bool live = !c->dead;
    if (b->kind == JC_LOOP) {
        c->nctls--;
        if (!live) {
            /* the code after the loop is as unreachable as its end */
            return;
        }
        return;
    }
    bool implicit_else = b->kind == JC_IF && !b->has_else;
    if (b->label_used || implicit_else) {
        if (live)
            move_to_label(c, b, b->nresults);
        if (implicit_else)
            x64_bind(&c->b, b->else_label);
        x64_bind(&c->b, b->label);
        truncate_stack(c, b->height);
        push_spilled(c, b->nresults, b->results);
        c->dead = false;
    } else if (live) {
        x64_bind(&c->b, b->label);
    }
    c->nctls--;
    if (c->dead) {
        /* still unreachable: skip to the end of the enclosing block */
        c->dead_depth = 0;
    }
}

/* br_table (§4.4.8.9): index in a register, then a jump table. */
static void op_br_table(jit_compiler *c)
{
    uint32_t n = jit_read_u32(c);
    if (!wasm_grow_array((void **)&c->tmp_labels, &c->cap_tmp_labels, n + 1, sizeof(x64_label))) {
        jit_fail(c, "out of memory");
        return;
    }
    uint32_t *depths = (uint32_t *)c->tmp_labels;
    for (uint32_t i = 0; i <= n; i++)
        depths[i] = jit_read_u32(c);
    jv idx = jit_pop(c);
    const uint8_t *types;
    uint32_t arity = label_arity(&c->ctls[c->nctls - 1 - depths[0]], &types);
    if (idx.kind == JV_CONST) {
        uint32_t i = (uint32_t)idx.c[0];
        branch_to(c, depths[i < n ? i : n]);
        go_dead(c);
        return;
    }
    uint8_t r = jit_in_own_reg(c, &idx);
    /* each target gets a stub that moves the values and jumps */
    x64_label *targets = wasm_plat_alloc(sizeof(x64_label) * (n + 1));
    if (!targets) {
        jit_fail(c, "out of memory");
        return;
    }
    for (uint32_t i = 0; i <= n; i++) {
        jctl *b = &c->ctls[c->nctls - 1 - depths[i]];
        if (arity == 0 && b->kind != JC_FUNC) {
            targets[i] = b->label;
            b->label_used = true;
        } else {
            targets[i] = x64_label_new(&c->b);
        }
    }
    x64_label table = x64_label_new(&c->b);
    uint8_t t = jit_alloc_gpr(c);
    x64_alu_ri(&c->b, X64_CMP, false, r, (int32_t)n);
    x64_jcc(&c->b, X64_AE, targets[n]);
    /* target = entry address + 4 + entry (entries are relative to their end) */
    x64_lea(&c->b, true, JIT_TMP, x64_rip(table));
    x64_load_sx(&c->b, 4, true, t, x64_sib(JIT_TMP, r, 4, 0));
    x64_lea(&c->b, true, JIT_TMP, x64_sib(JIT_TMP, r, 4, 4));
    x64_alu_rr(&c->b, X64_ADD, true, t, JIT_TMP);
    x64_jmp_rm(&c->b, x64_r(t));
    x64_align(&c->b, 4, false);
    x64_bind(&c->b, table);
    for (uint32_t i = 0; i < n; i++)
        x64_rel32_to(&c->b, targets[i]);
    /* stubs for targets that need moves (or are the function's end) */
    for (uint32_t i = 0; i <= n; i++) {
        jctl *b = &c->ctls[c->nctls - 1 - depths[i]];
        if (arity == 0 && b->kind != JC_FUNC)
            continue;
        x64_bind(&c->b, targets[i]);
        branch_to(c, depths[i]);
    }
    wasm_free(targets);
    go_dead(c);
}

/* ---- calls ---- */

/* Pops a call's arguments and moves them to the places of signature s. */
static void pass_arguments(jit_compiler *c, const jit_sig *s, const wasm_functype *ft)
{
    uint32_t n = ft->nparams;
    jit_move *moves = wasm_plat_alloc(sizeof(jit_move) * (n ? n : 1));
    if (!moves) {
        jit_fail(c, "out of memory");
        return;
    }
    for (uint32_t i = n; i-- > 0;) {
        jit_move *mv = &moves[i];
        mv->src = jit_pop(c);
        mv->type = ft->params[i];
        uint8_t loc = s->param_loc[i];
        mv->to_reg = loc != JIT_LOC_STACK;
        mv->dst_reg = loc >= JIT_LOC_XMM ? (uint8_t)(loc - JIT_LOC_XMM) : loc < 6 ? jit_arg_gprs[loc] : 0;
        mv->dst_mem = jit_frame(s->param_off[i]);
    }
    jit_before_call(c);
    if (n > 64) {
        /* stack arguments first in small groups; the register ones last */
        uint32_t done = 0;
        for (uint32_t i = 0; i < n; i++)
            if (!moves[i].to_reg) {
                jit_store_to_mem(c, moves[i].type, moves[i].dst_mem, &moves[i].src);
                done++;
            }
        uint32_t k = 0;
        for (uint32_t i = 0; i < n; i++)
            if (moves[i].to_reg)
                moves[k++] = moves[i];
        jit_parallel_move(c, moves, k);
    } else {
        jit_parallel_move(c, moves, n);
    }
    wasm_free(moves);
}

/* After a call returned: reload pinned locals, push the results. */
static void take_results(jit_compiler *c, const jit_sig *s, const wasm_functype *ft)
{
    jit_restore_pinned(c);
    jit_unlock_all(c);
    for (uint32_t i = 0; i < ft->nresults; i++) {
        uint8_t ty = ft->results[i];
        if (s->result_loc[i] == JIT_LOC_GPR) {
            c->gpr.state[X64_RAX] = RS_LOCKED;
            jit_push_reg(c, ty, X64_RAX);
        } else if (s->result_loc[i] == JIT_LOC_XMM) {
            c->xmm.state[0] = RS_LOCKED;
            jit_push_reg(c, ty, 0);
        } else {
            jv *v = jit_push(c, ty, JV_SPILL);
            x64_mem src = jit_frame(s->result_off[i]);
            x64_mem dst = jit_spill_mem(c, v->slot);
            if (ty == WASM_V128) {
                x64_movdqu_load(&c->b, JIT_XTMP, src);
                x64_movdqu_store(&c->b, dst, JIT_XTMP);
            } else {
                x64_load(&c->b, 8, JIT_TMP, src);
                x64_store(&c->b, 8, dst, JIT_TMP);
            }
        }
    }
}

static void op_call(jit_compiler *c)
{
    uint32_t fi = jit_read_u32(c);
    wasm_module *m = c->m;
    uint32_t ti = m->type_canon[m->funcs[fi].type_index];
    const jit_sig *s = jit_sig_of(c, ti);
    if (!s)
        return;
    const wasm_functype *ft = m->funcs[fi].type;
    pass_arguments(c, s, ft);
    if (fi >= m->nfunc_imports) {
        x64_call_label(&c->b, c->func_labels[fi]);
    } else {
        x64_load(&c->b, 8, X64_R10, x64_base(JIT_CTX, offsetof(jit_ctx, funcs)));
        x64_load(&c->b, 8, X64_R10, x64_base(X64_R10, (int32_t)(8 * fi)));
        c->thunks[ti].used = true;
        x64_call_label(&c->b, c->thunks[ti].import_entry);
    }
    take_results(c, s, ft);
}

/* call_indirect (§4.4.8.11): table bounds, null and signature checked inline;
 * a function of this instance is called directly, anything else through
 * the slow path. */
static void op_call_indirect(jit_compiler *c)
{
    uint32_t type_index = jit_read_u32(c);
    uint32_t table = jit_read_u32(c);
    wasm_module *m = c->m;
    uint32_t ti = m->type_canon[type_index];
    const jit_sig *s = jit_sig_of(c, ti);
    if (!s)
        return;
    const wasm_functype *ft = &m->types[ti];
    /* the index goes to rax, which argument passing does not touch */
    jit_claim_gpr(c, X64_RAX);
    jv idx = jit_pop(c);
    jit_load_value(c, X64_RAX, &idx);
    pass_arguments(c, s, ft);
    x64_load(&c->b, 8, JIT_TMP, x64_base(JIT_CTX, offsetof(jit_ctx, tables)));
    x64_load(&c->b, 8, JIT_TMP, x64_base(JIT_TMP, (int32_t)(8 * table)));
    x64_alu_rm(&c->b, X64_CMP, false, X64_RAX, x64_base(JIT_TMP, offsetof(wasm_table, size)));
    x64_jcc(&c->b, X64_AE, jit_trap_label(c, WASM_TRAP_TABLE_OOB));
    x64_load(&c->b, 8, JIT_TMP, x64_base(JIT_TMP, offsetof(wasm_table, elems)));
    x64_load(&c->b, 8, X64_R10, x64_sib(JIT_TMP, X64_RAX, 8, 0));
    x64_test_rr(&c->b, true, X64_R10, X64_R10);
    x64_jcc(&c->b, X64_E, jit_trap_label(c, WASM_TRAP_INDIRECT_NULL));
    jit_stub *slow = jit_add_stub(c, STUB_CALL_SLOW);
    slow->type_index = ti;
    x64_load(&c->b, 8, JIT_TMP, x64_base(JIT_CTX, offsetof(jit_ctx, types)));
    x64_load(&c->b, 8, JIT_TMP, x64_base(JIT_TMP, (int32_t)(8 * ti)));
    x64_alu_rm(&c->b, X64_CMP, true, JIT_TMP, x64_base(X64_R10, offsetof(wasm_funcinst, type)));
    x64_jcc(&c->b, X64_NE, slow->label);
    x64_load(&c->b, 8, JIT_TMP, x64_base(JIT_CTX, offsetof(jit_ctx, inst)));
    x64_alu_rm(&c->b, X64_CMP, true, JIT_TMP, x64_base(X64_R10, offsetof(wasm_funcinst, inst)));
    x64_jcc(&c->b, X64_NE, slow->label);
    x64_call_rm(&c->b, x64_m(x64_base(X64_R10, offsetof(wasm_funcinst, jit_code))));
    x64_bind(&c->b, slow->back);
    take_results(c, s, ft);
}

/* ---- control dispatch ---- */

bool jit_op_control(jit_compiler *c, uint8_t op)
{
    switch (op) {
    case 0x00:      /* unreachable */
        x64_jmp(&c->b, jit_trap_label(c, WASM_TRAP_UNREACHABLE));
        go_dead(c);
        return true;
    case 0x01:      /* nop */
        return true;
    case 0x02: op_block(c, JC_BLOCK); return true;
    case 0x03: op_block(c, JC_LOOP); return true;
    case 0x04: op_block(c, JC_IF); return true;
    case 0x05: op_else(c); return true;
    case 0x0B: op_end(c); return true;
    case 0x0C:      /* br */
        branch_to(c, jit_read_u32(c));
        go_dead(c);
        return true;
    case 0x0D: {    /* br_if */
        uint32_t d = jit_read_u32(c);
        jv cond = jit_pop(c);
        jctl *b = &c->ctls[c->nctls - 1 - d];
        const uint8_t *types;
        uint32_t n = label_arity(b, &types);
        if (n == 0 && b->kind != JC_FUNC) {
            jump_if(c, &cond, true, b->label);
            b->label_used = true;
        } else if (n == 0) {
            jump_if(c, &cond, true, c->epilogue);
        } else {
            x64_label skip = x64_label_new(&c->b);
            jump_if(c, &cond, false, skip);
            branch_to(c, d);
            x64_bind(&c->b, skip);
        }
        return true;
    }
    case 0x0E: op_br_table(c); return true;
    case 0x0F:      /* return */
        emit_return(c);
        go_dead(c);
        return true;
    case 0x10: op_call(c); return true;
    case 0x11: op_call_indirect(c); return true;
    default:
        return false;
    }
}

/* ---- variables, references, parametric ---- */

/* Where global i is, as a memory operand (an imported one's cell address is
 * loaded into r11 first). */
static x64_mem global_mem(jit_compiler *c, uint32_t i)
{
    const jit_global_loc *g = &c->jm->globals[i];
    if (!g->indirect)
        return x64_base(JIT_CTX, (int32_t)g->offset);
    x64_load(&c->b, 8, JIT_TMP, x64_base(JIT_CTX, (int32_t)g->offset));
    return x64_base(JIT_TMP, 0);
}

static void op_global_get(jit_compiler *c, uint32_t i)
{
    uint8_t t = c->m->globals[i].type.type;
    uint8_t r = jit_result_hint(c, t);
    if (r == X64_NOREG)
        r = jit_alloc_reg(c, t);
    x64_mem m = global_mem(c, i);
    switch (t) {
    case WASM_I32: x64_load(&c->b, 4, r, m); break;
    case WASM_F32: x64_movss_load(&c->b, r, m); break;
    case WASM_F64: x64_movsd_load(&c->b, r, m); break;
    case WASM_V128: x64_movdqu_load(&c->b, r, m); break;
    default: x64_load(&c->b, 8, r, m); break;
    }
    jit_push_result(c, t, r);
}

static void op_global_set(jit_compiler *c, uint32_t i)
{
    uint8_t t = c->m->globals[i].type.type;
    jv v = jit_pop(c);
    bool x = jit_is_float_class(t);
    if (v.kind == JV_CONST && !x && (int64_t)v.c[0] == (int32_t)v.c[0] && !(t == WASM_I32 && (v.c[0] >> 31))) {
        x64_store_imm(&c->b, t == WASM_I32 ? 4 : 8, global_mem(c, i), (int32_t)v.c[0]);
        return;
    }
    /* the value's register first: an imported global's address takes r11 */
    uint8_t r = jit_in_reg(c, &v);
    x64_mem m = global_mem(c, i);
    switch (t) {
    case WASM_I32: x64_store(&c->b, 4, m, r); break;
    case WASM_F32: x64_movss_store(&c->b, m, r); break;
    case WASM_F64: x64_movsd_store(&c->b, m, r); break;
    case WASM_V128: x64_movdqu_store(&c->b, m, r); break;
    default: x64_store(&c->b, 8, m, r); break;
    }
}

/* select (§4.4.4.2): cond ? a : b. */
static void op_select(jit_compiler *c)
{
    jv cond = jit_pop(c);
    jv b = jit_pop(c);
    jv a = jit_pop(c);
    uint8_t t = a.type ? a.type : b.type;
    if (cond.kind == JV_CONST) {
        jv *keep = (uint32_t)cond.c[0] ? &a : &b;
        uint8_t r = jit_in_own_reg(c, keep);
        jit_push_reg(c, t, r);
        return;
    }
    bool x = jit_is_float_class(t);
    if (!x && cond.kind == JV_CMP && cond.fcmp == 0) {
        /* flags are live: only flag-neutral moves before the cmov */
        uint8_t r = jit_in_own_reg(c, &a);
        x64_rm brm = b.kind == JV_CONST ? x64_r(jit_in_reg(c, &b)) : jit_rm(c, &b);
        x64_cmov(&c->b, x64_cond_not((x64_cond)cond.cond), t != WASM_I32, r, brm);
        jit_push_reg(c, t, r);
        return;
    }
    if (cond.kind == JV_CMP) {
        /* a float compare: materialize it first (clobbers flags) */
        uint8_t cr = jit_alloc_gpr(c);
        jv tmp = cond;
        jit_load_value(c, cr, &tmp);
        cond.kind = JV_REG;
        cond.reg = cr;
    }
    uint8_t r = jit_in_own_reg(c, &a);
    x64_rm brm = jit_rm(c, &b);
    x64_rm crm = jit_rm(c, &cond);
    if (crm.is_reg)
        x64_test_rr(&c->b, false, crm.reg, crm.reg);
    else
        x64_alu_mi(&c->b, X64_CMP, 4, crm.mem, 0);
    if (!x) {
        if (!brm.is_reg && b.kind == JV_CONST)
            brm = x64_r(jit_in_reg(c, &b));
        x64_cmov(&c->b, X64_E, t != WASM_I32, r, brm);
    } else {
        x64_label skip = x64_label_new(&c->b);
        x64_jcc(&c->b, X64_NE, skip);
        jit_load_value(c, r, &b);
        x64_bind(&c->b, skip);
    }
    jit_push_reg(c, t, r);
}

bool jit_op_variable(jit_compiler *c, uint8_t op)
{
    switch (op) {
    case 0x1A:      /* drop */
        jit_pop(c);
        return true;
    case 0x1B:      /* select */
        op_select(c);
        return true;
    case 0x1C: {    /* select t* */
        uint32_t n = jit_read_u32(c);
        c->p += n;
        op_select(c);
        return true;
    }
    case 0x20:      /* local.get */
        jit_push_local(c, jit_read_u32(c));
        return true;
    case 0x21: {    /* local.set */
        uint32_t i = jit_read_u32(c);
        jv v = jit_pop(c);
        jit_detach_local(c, i);
        jit_set_local(c, i, &v);
        return true;
    }
    case 0x22: {    /* local.tee */
        uint32_t i = jit_read_u32(c);
        jv v = jit_pop(c);
        jit_detach_local(c, i);
        jit_set_local(c, i, &v);
        jit_push_local(c, i);
        return true;
    }
    case 0x23: op_global_get(c, jit_read_u32(c)); return true;
    case 0x24: op_global_set(c, jit_read_u32(c)); return true;
    case 0x41: jit_push_const(c, WASM_I32, (uint32_t)jit_read_sleb(c), 0); return true;
    case 0x42: jit_push_const(c, WASM_I64, (uint64_t)jit_read_sleb(c), 0); return true;
    case 0x43: {
        uint32_t v;
        wasm_memcpy(&v, c->p, 4);
        c->p += 4;
        jit_push_const(c, WASM_F32, v, 0);
        return true;
    }
    case 0x44: {
        uint64_t v;
        wasm_memcpy(&v, c->p, 8);
        c->p += 8;
        jit_push_const(c, WASM_F64, v, 0);
        return true;
    }
    case 0xD0: {    /* ref.null t */
        uint8_t t = *c->p++;
        jit_push_const(c, t, 0, 0);
        return true;
    }
    case 0xD1: {    /* ref.is_null */
        jv v = jit_pop(c);
        if (v.kind == JV_CONST) {
            jit_push_const(c, WASM_I32, v.c[0] == 0, 0);
            return true;
        }
        x64_rm rm = jit_rm(c, &v);
        if (rm.is_reg)
            x64_test_rr(&c->b, true, rm.reg, rm.reg);
        else
            x64_alu_mi(&c->b, X64_CMP, 8, rm.mem, 0);
        jit_push_cmp(c, X64_E, 0);
        return true;
    }
    case 0xD2: {    /* ref.func */
        uint32_t fi = jit_read_u32(c);
        uint8_t r = jit_alloc_gpr(c);
        x64_load(&c->b, 8, r, x64_base(JIT_CTX, offsetof(jit_ctx, funcs)));
        x64_load(&c->b, 8, r, x64_base(r, (int32_t)(8 * fi)));
        jit_push_reg(c, WASM_FUNCREF, r);
        return true;
    }
    default:
        return false;
    }
}

/* ---- result placement ---- */

uint8_t jit_result_hint(jit_compiler *c, uint8_t type)
{
    if (c->p >= c->end || (*c->p != 0x21 && *c->p != 0x22))
        return X64_NOREG;
    const uint8_t *save = c->p;
    c->p++;
    uint32_t i = jit_read_u32(c);
    c->p = save;
    if (i >= c->nlocals)
        return X64_NOREG;
    const jit_local *l = &c->locals[i];
    if (l->reg == X64_NOREG || l->refs || l->type != type)
        return X64_NOREG;
    c->hint_local = i;
    return l->reg;
}

void jit_push_result(jit_compiler *c, uint8_t type, uint8_t reg)
{
    if (c->hint_local < c->nlocals && c->locals[c->hint_local].reg == reg &&
        c->locals[c->hint_local].type == type) {
        jit_push_local(c, c->hint_local);
        c->hint_local = UINT32_MAX;
        return;
    }
    c->hint_local = UINT32_MAX;
    jit_push_reg(c, type, reg);
}
