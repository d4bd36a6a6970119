/*
 * runtime/jit/jit_compile.c — compiles a validated module to x86-64 in one
 * pass per function: the module driver, function prologue and epilogue,
 * out-of-line stubs, and the main instruction loop. Control flow and calls
 * are in jit_control.c; numeric, memory and SIMD instructions in the
 * jit_ops_*.c and jit_simd.c files.
 */
#include "jit_internal.h"
#include "../reader.h"

/* Placeholder that forces a 32-bit field, replaced by the frame size. */
#define FRAME_PLACEHOLDER 0x10000000

void jit_fail(jit_compiler *c, const char *why)
{
    if (!c->failed)
        c->fail_reason = why;
    c->failed = true;
}

/* ---- signatures ---- */

const uint8_t jit_arg_gprs[6] = { X64_RDI, X64_RSI, X64_RDX, X64_RCX, X64_R8, X64_R9 };

bool jit_sig_layout(wasm_arena *a, const wasm_functype *t, jit_sig *s)
{
    s->nparams = t->nparams;
    s->nresults = t->nresults;
    s->param_loc = wasm_arena_alloc(a, t->nparams + 1);
    s->param_off = wasm_arena_alloc(a, sizeof(uint32_t) * (t->nparams + 1));
    s->result_loc = wasm_arena_alloc(a, t->nresults + 1);
    s->result_off = wasm_arena_alloc(a, sizeof(uint32_t) * (t->nresults + 1));
    if (!s->param_loc || !s->param_off || !s->result_loc || !s->result_off)
        return false;
    uint32_t ng = 0, nx = 0, off = 0;
    for (uint32_t i = 0; i < t->nparams; i++) {
        uint8_t ty = t->params[i];
        if (jit_is_float_class(ty) && nx < 8) {
            s->param_loc[i] = (uint8_t)(JIT_LOC_XMM + nx++);
        } else if (!jit_is_float_class(ty) && ng < 6) {
            s->param_loc[i] = (uint8_t)(JIT_LOC_GPR + ng++);
        } else {
            s->param_loc[i] = JIT_LOC_STACK;
            s->param_off[i] = off;
            off += ty == WASM_V128 ? 16 : 8;
        }
    }
    uint32_t args_bytes = off;
    bool g = false, x = false;
    off = 0;
    for (uint32_t i = 0; i < t->nresults; i++) {
        uint8_t ty = t->results[i];
        if (jit_is_float_class(ty) && !x) {
            s->result_loc[i] = JIT_LOC_XMM;
            x = true;
        } else if (!jit_is_float_class(ty) && !g) {
            s->result_loc[i] = JIT_LOC_GPR;
            g = true;
        } else {
            s->result_loc[i] = JIT_LOC_STACK;
            s->result_off[i] = off;
            off += ty == WASM_V128 ? 16 : 8;
        }
    }
    uint32_t bytes = args_bytes > off ? args_bytes : off;
    s->stack_bytes = (bytes + 15) & ~15u;
    return true;
}

const jit_sig *jit_sig_of(jit_compiler *c, uint32_t type_index)
{
    if (type_index >= c->m->ntypes) {
        jit_fail(c, "bad type index");
        return NULL;
    }
    return &c->sigs[type_index];
}

/* ---- pieces of the current function ---- */

x64_label jit_trap_label(jit_compiler *c, wasm_trap t)
{
    if (c->trap_labels[t] == UINT32_MAX)
        c->trap_labels[t] = x64_label_new(&c->b);
    return c->trap_labels[t];
}

void jit_site_here(jit_compiler *c, wasm_trap t)
{
    if (!wasm_grow_array((void **)&c->sites, &c->cap_sites, c->nsites + 1, sizeof(jit_site))) {
        jit_fail(c, "out of memory");
        return;
    }
    c->sites[c->nsites++] = (jit_site){ (uint32_t)c->b.len, (uint32_t)t };
}

x64_mem jit_const128(jit_compiler *c, uint64_t lo, uint64_t hi)
{
    for (uint32_t i = 0; i < c->nconsts; i++)
        if (c->consts[i].v[0] == lo && c->consts[i].v[1] == hi)
            return x64_rip(c->consts[i].label);
    if (!wasm_grow_array((void **)&c->consts, &c->cap_consts, c->nconsts + 1, sizeof(*c->consts))) {
        jit_fail(c, "out of memory");
        return x64_rip(0);
    }
    struct jit_const *k = &c->consts[c->nconsts++];
    k->label = x64_label_new(&c->b);
    k->v[0] = lo;
    k->v[1] = hi;
    return x64_rip(k->label);
}

/* Records that the last 4 bytes emitted are a displacement or immediate
 * that gets (frame size - FRAME_PLACEHOLDER) added at the end. */
static void frame_patch_last(jit_compiler *c)
{
    if (!wasm_grow_array((void **)&c->frame_patches, &c->cap_frame_patches, c->nframe_patches + 1,
                         sizeof(uint32_t))) {
        jit_fail(c, "out of memory");
        return;
    }
    c->frame_patches[c->nframe_patches++] = (uint32_t)c->b.len - 4;
}

/* [rsp + off] in the caller's outgoing area (our incoming arguments and
 * outgoing results): above our frame, pushes and return address. The frame
 * size is added by the patch; the caller emits the access with this operand
 * and then calls frame_patch_last (the displacement must be last). */
static x64_mem caller_area(jit_compiler *c, uint32_t off)
{
    return x64_base(X64_RSP, (int32_t)(FRAME_PLACEHOLDER + 8 * c->npushed + 8 + off));
}

void jit_load_caller_area(jit_compiler *c, uint8_t type, uint8_t reg, uint32_t off)
{
    x64_mem m = caller_area(c, off);
    switch (type) {
    case WASM_I32: x64_load(&c->b, 4, reg, m); break;
    case WASM_F32: x64_movss_load(&c->b, reg, m); break;
    case WASM_F64: x64_movsd_load(&c->b, reg, m); break;
    case WASM_V128: x64_movdqu_load(&c->b, reg, m); break;
    default: x64_load(&c->b, 8, reg, m); break;
    }
    frame_patch_last(c);
}

void jit_store_caller_area(jit_compiler *c, uint8_t type, uint32_t off, jv *v)
{
    bool x = jit_is_float_class(type);
    uint8_t r = x ? JIT_XTMP : JIT_TMP;
    jit_load_value(c, r, v);
    x64_mem m = caller_area(c, off);
    switch (type) {
    case WASM_F32: x64_movss_store(&c->b, m, r); break;
    case WASM_F64: x64_movsd_store(&c->b, m, r); break;
    case WASM_V128: x64_movdqu_store(&c->b, m, r); break;
    default: x64_store(&c->b, 8, m, r); break;
    }
    frame_patch_last(c);
}

jit_stub *jit_add_stub(jit_compiler *c, uint8_t kind)
{
    if (!wasm_grow_array((void **)&c->stubs, &c->cap_stubs, c->nstubs + 1, sizeof(jit_stub))) {
        jit_fail(c, "out of memory");
        static jit_stub dummy;
        return &dummy;
    }
    jit_stub *s = &c->stubs[c->nstubs++];
    s->kind = kind;
    s->type_index = 0;
    s->label = x64_label_new(&c->b);
    s->back = x64_label_new(&c->b);
    return s;
}

/* ---- helper calls ---- */

void jit_before_call(jit_compiler *c)
{
    jit_flush(c, 0);
    jit_save_pinned(c);
}

void jit_helper_args(jit_compiler *c, jv *args, uint32_t n)
{
    jit_move moves[5];
    if (n > 5) {
        jit_fail(c, "too many helper arguments");
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        moves[i].type = args[i].type == WASM_I32 ? WASM_I32 : WASM_I64;
        moves[i].to_reg = true;
        moves[i].dst_reg = jit_arg_gprs[i + 1];
        moves[i].src = args[i];
    }
    jit_parallel_move(c, moves, n);
    x64_mov_rr(&c->b, true, X64_RDI, JIT_CTX);
}

void jit_call_helper(jit_compiler *c, enum jit_helper h)
{
    x64_call_rm(&c->b, x64_m(x64_rip(c->helper_labels[h])));
}

/* ---- interrupt and fuel checks ---- */

void jit_emit_check(jit_compiler *c)
{
    jit_stub *s = jit_add_stub(c, STUB_CHECK);
    if (c->jm->metered) {
        uint32_t n = c->check_count ? c->check_count : 1;
        x64_alu_mi(&c->b, X64_SUB, 8, x64_base(JIT_CTX, offsetof(jit_ctx, fuel)), (int32_t)n);
        x64_jcc(&c->b, X64_L, s->label);
    }
    x64_alu_mi(&c->b, X64_CMP, 4, x64_base(JIT_CTX, offsetof(jit_ctx, stop)), 0);
    x64_jcc(&c->b, X64_NE, s->label);
    x64_bind(&c->b, s->back);
    c->check_count = 0;
}

/* ---- prologue and epilogue ---- */

static const uint8_t callee_saved[4] = { X64_RBX, X64_RBP, X64_R12, X64_R13 };

/* Zeroes [rsp + from, rsp + to) (8-byte multiples); clear_tmp: xmm15 must
 * be zeroed first. */
static void zero_frame(jit_compiler *c, uint32_t from, uint32_t to, bool clear_tmp)
{
    if (to <= from)
        return;
    uint32_t n = to - from;
    if (clear_tmp)
        x64_sse(&c->b, X64_SSE(X64_PP_NONE, X64_MAP_0F, 0x57), JIT_XTMP, x64_r(JIT_XTMP), -1);
    if (n <= 16 * 16) {
        uint32_t off = from;
        for (; off + 16 <= to; off += 16)
            x64_movdqu_store(&c->b, jit_frame(off), JIT_XTMP);
        if (off < to)
            x64_store_imm(&c->b, 8, jit_frame(off), 0);
        return;
    }
    /* lea r11, [rsp + from]; mov eax, n/16; loop: movdqu [r11], x; add r11, 16; dec eax; jnz loop */
    x64_lea(&c->b, true, JIT_TMP, jit_frame(from));
    x64_mov_imm(&c->b, X64_RAX, n / 16);
    x64_label loop = x64_label_new(&c->b);
    x64_bind(&c->b, loop);
    x64_movdqu_store(&c->b, x64_base(JIT_TMP, 0), JIT_XTMP);
    x64_alu_ri(&c->b, X64_ADD, true, JIT_TMP, 16);
    x64_alu_ri(&c->b, X64_SUB, false, X64_RAX, 1);
    x64_jcc(&c->b, X64_NE, loop);
    if (n % 16)
        x64_store_imm(&c->b, 8, x64_base(JIT_TMP, 0), 0);
}

static void emit_prologue(jit_compiler *c)
{
    c->npushed = 0;
    for (int i = 0; i < 4; i++)
        if (c->pinned_saved_gprs & (1u << callee_saved[i])) {
            x64_push(&c->b, callee_saved[i]);
            c->npushed++;
        }
    /* lea rax, [rsp - frame]; cmp rax, [ctx.stack_limit]; jb exhausted; mov rsp, rax */
    x64_lea(&c->b, true, X64_RAX, x64_base(X64_RSP, -FRAME_PLACEHOLDER));
    c->frame_neg_patch = (uint32_t)c->b.len - 4;
    x64_alu_rm(&c->b, X64_CMP, true, X64_RAX, x64_base(JIT_CTX, offsetof(jit_ctx, stack_limit)));
    x64_jcc(&c->b, X64_B, jit_trap_label(c, WASM_TRAP_STACK_EXHAUSTED));
    x64_mov_rr(&c->b, true, X64_RSP, X64_RAX);

    /* parameters to their homes: registers first, then stack arguments */
    const jit_sig *s = c->fsig;
    jit_move moves[64];
    uint32_t n = 0;
    for (uint32_t i = 0; i < s->nparams && n < 64; i++) {
        uint8_t loc = s->param_loc[i];
        if (loc == JIT_LOC_STACK)
            continue;
        const jit_local *l = &c->locals[i];
        jit_move *mv = &moves[n++];
        mv->type = l->type;
        mv->to_reg = l->reg != X64_NOREG;
        mv->dst_reg = l->reg;
        mv->dst_mem = jit_frame(l->offset);
        wasm_memset(&mv->src, 0, sizeof(mv->src));
        mv->src.type = l->type;
        mv->src.kind = JV_REG;
        mv->src.reg = loc >= JIT_LOC_XMM ? (uint8_t)(loc - JIT_LOC_XMM) : jit_arg_gprs[loc];
    }
    jit_parallel_move(c, moves, n);
    for (uint32_t i = 0; i < s->nparams; i++) {
        if (s->param_loc[i] != JIT_LOC_STACK)
            continue;
        const jit_local *l = &c->locals[i];
        bool x = jit_is_float_class(l->type);
        uint8_t r = l->reg != X64_NOREG ? l->reg : x ? JIT_XTMP : JIT_TMP;
        jit_load_caller_area(c, l->type, r, s->param_off[i]);
        if (l->reg == X64_NOREG) {
            jv v;
            wasm_memset(&v, 0, sizeof(v));
            v.type = l->type;
            v.kind = JV_REG;
            v.reg = r;
            jit_store_to_mem(c, l->type, jit_frame(l->offset), &v);
        }
    }
    /* declared locals start at zero: a run of frame slots at a time */
    uint32_t first = c->ftype->nparams;
    bool cleared = false;
    for (uint32_t i = first; i < c->nlocals;) {
        if (c->locals[i].reg != X64_NOREG) {
            i++;
            continue;
        }
        uint32_t j = i;
        while (j < c->nlocals && c->locals[j].reg == X64_NOREG)
            j++;
        uint32_t end = j < c->nlocals ? c->locals[j].offset : c->spill_base;
        zero_frame(c, c->locals[i].offset, end, !cleared);
        cleared = true;
        i = j;
    }
    for (uint32_t i = first; i < c->nlocals; i++) {
        const jit_local *l = &c->locals[i];
        if (l->reg == X64_NOREG)
            continue;
        if (jit_is_float_class(l->type))
            x64_sse(&c->b, X64_SSE(X64_PP_NONE, X64_MAP_0F, 0x57), l->reg, x64_r(l->reg), -1);
        else
            x64_alu_rr(&c->b, X64_XOR, false, l->reg, l->reg);
    }
}

static void emit_epilogue(jit_compiler *c)
{
    x64_bind(&c->b, c->epilogue);
    x64_alu_ri(&c->b, X64_ADD, true, X64_RSP, FRAME_PLACEHOLDER);
    frame_patch_last(c);
    for (int i = 3; i >= 0; i--)
        if (c->pinned_saved_gprs & (1u << callee_saved[i]))
            x64_pop(&c->b, callee_saved[i]);
    x64_ret(&c->b);
}

/* Emits the out-of-line code of the function: stubs, traps, constants. */
static void emit_out_of_line(jit_compiler *c)
{
    bool need_check = false;
    for (uint32_t i = 0; i < c->nstubs; i++) {
        jit_stub *s = &c->stubs[i];
        x64_bind(&c->b, s->label);
        if (s->kind == STUB_CHECK) {
            x64_call_label(&c->b, c->check_entry);
            need_check = true;
        } else {
            jit_thunk *t = &c->thunks[s->type_index];
            t->used = true;
            x64_call_label(&c->b, t->indirect_entry);
        }
        x64_jmp(&c->b, s->back);
    }
    if (need_check) {
        /* called with rsp = body rsp - 8; pinned registers to their slots */
        x64_bind(&c->b, c->check_entry);
        x64_alu_ri(&c->b, X64_SUB, true, X64_RSP, 8);
        for (uint32_t i = 0; i < c->nlocals; i++) {
            const jit_local *l = &c->locals[i];
            if (l->reg == X64_NOREG)
                continue;
            x64_mem m = jit_frame(l->offset + 16);
            if (jit_is_float_class(l->type))
                x64_movdqu_store(&c->b, m, l->reg);
            else
                x64_store(&c->b, 8, m, l->reg);
        }
        x64_mov_rr(&c->b, true, X64_RDI, JIT_CTX);
        jit_call_helper(c, JH_CHECK);
        for (uint32_t i = 0; i < c->nlocals; i++) {
            const jit_local *l = &c->locals[i];
            if (l->reg == X64_NOREG)
                continue;
            x64_mem m = jit_frame(l->offset + 16);
            if (jit_is_float_class(l->type))
                x64_movdqu_load(&c->b, l->reg, m);
            else
                x64_load(&c->b, 8, l->reg, m);
        }
        x64_alu_ri(&c->b, X64_ADD, true, X64_RSP, 8);
        x64_ret(&c->b);
    }
    for (int t = 0; t <= WASM_TRAP_HOST; t++) {
        if (c->trap_labels[t] == UINT32_MAX)
            continue;
        x64_bind(&c->b, c->trap_labels[t]);
        x64_alu_ri(&c->b, X64_AND, true, X64_RSP, -16);
        x64_mov_rr(&c->b, true, X64_RDI, JIT_CTX);
        x64_mov_imm(&c->b, X64_RSI, (uint64_t)t);
        jit_call_helper(c, JH_TRAP);
        x64_ud2(&c->b);
    }
    if (c->nconsts) {
        x64_align(&c->b, 16, false);
        for (uint32_t i = 0; i < c->nconsts; i++) {
            x64_bind(&c->b, c->consts[i].label);
            x64_u64(&c->b, c->consts[i].v[0]);
            x64_u64(&c->b, c->consts[i].v[1]);
        }
    }
}

/* Replaces the frame-size placeholders now that the spill area is known. */
static void patch_frame(jit_compiler *c)
{
    uint32_t size = c->spill_base + c->max_spill * 8;
    /* 8 (return address) + pushes + frame must be a multiple of 16 */
    uint32_t above = 8 + 8 * c->npushed;
    uint32_t frame = ((size + above + 15) & ~15u) - above;
    if (frame > (64u << 20)) {
        jit_fail(c, "frame too large");
        return;
    }
    for (uint32_t i = 0; i < c->nframe_patches; i++) {
        uint32_t pos = c->frame_patches[i], v;
        wasm_memcpy(&v, c->b.code + pos, 4);
        x64_patch32(&c->b, pos, v - FRAME_PLACEHOLDER + frame);
    }
    x64_patch32(&c->b, c->frame_neg_patch, (uint32_t)-(int32_t)frame);
    if (frame + above > c->jm->max_frame)
        c->jm->max_frame = frame + above;
}

/* ---- the instruction loop ---- */

/* Skips the immediates of an instruction in unreachable code; returns true
 * when it ends the unreachable region (else/end of the current block). */
static bool skip_dead(jit_compiler *c, uint8_t op)
{
    switch (op) {
    case 0x02: case 0x03: case 0x04: {
        uint32_t np, nr;
        const uint8_t *p, *r;
        jit_read_blocktype(c, &np, &p, &nr, &r);
        c->dead_depth++;
        return false;
    }
    case 0x05:
        return c->dead_depth == 0;
    case 0x0B:
        if (c->dead_depth == 0)
            return true;
        c->dead_depth--;
        return false;
    default: {
        wasm_reader r = { c->p, c->p, c->end, NULL, "jit", false };
        uint32_t d = 0;
        wasm_scan_instr(&r, c->m, op, &d);
        c->p = r.p;
        if (r.failed)
            jit_fail(c, "cannot decode body");
        return false;
    }
    }
}

/* Instructions that consume a comparison's flags directly. */
static bool uses_flags(uint8_t op)
{
    return op == 0x04 || op == 0x0D || op == 0x1B || op == 0x1C || op == 0x45;
}

/* The instruction groups, tried in turn for an opcode that is not in the
 * table below (each returns false, doing nothing, for opcodes not its own). */
typedef bool (*jit_op_fn)(jit_compiler *c, uint8_t op);
static const jit_op_fn op_groups[] = {
    jit_op_control, jit_op_variable, jit_op_int, jit_op_float, jit_op_conv, jit_op_memory,
};

/* Which group compiles each single-byte opcode (Wasm 2.0 §5.4): a direct
 * call instead of up to six switches per instruction. (Ranges use the
 * GNU "[a ... b]" designator, which gcc and clang both accept.) */
static const jit_op_fn op_table[256] = {
    [0x00 ... 0x11] = jit_op_control,
    [0x1A ... 0x24] = jit_op_variable,
    [0x25 ... 0x26] = jit_op_memory,
    [0x28 ... 0x40] = jit_op_memory,
    [0x41 ... 0x44] = jit_op_variable,
    [0x45 ... 0x5A] = jit_op_int,
    [0x5B ... 0x66] = jit_op_float,
    [0x67 ... 0x8A] = jit_op_int,
    [0x8B ... 0xA6] = jit_op_float,
    [0xA7] = jit_op_int,
    [0xA8 ... 0xAB] = jit_op_conv,
    [0xAC ... 0xAD] = jit_op_int,
    [0xAE ... 0xBF] = jit_op_conv,
    [0xC0 ... 0xC4] = jit_op_int,
    [0xD0 ... 0xD2] = jit_op_variable,
};

/* Compiles one single-byte-opcode instruction; false if no group has it. */
static bool compile_op(jit_compiler *c, uint8_t op)
{
    jit_op_fn fn = op_table[op];
    if (fn && fn(c, op))
        return true;
    for (size_t i = 0; i < sizeof(op_groups) / sizeof(op_groups[0]); i++)
        if (op_groups[i] != fn && op_groups[i](c, op))
            return true;
    return false;
}

static void compile_body(jit_compiler *c)
{
    while (c->p < c->end && !c->failed && c->nctls) {
        uint8_t op = *c->p++;
        if (c->dead) {
            if (!skip_dead(c, op))
                continue;
        }
        jit_unlock_all(c);
        if (!uses_flags(op))
            jit_materialize_cmp(c);
        c->check_count++;
        if (compile_op(c, op))
            continue;
        if (op == 0xFC) {
            if (!jit_op_fc(c, jit_read_u32(c)))
                jit_fail(c, "unsupported 0xFC instruction");
            continue;
        }
        if (op == 0xFD) {
            if (!jit_op_simd(c, jit_read_u32(c)))
                jit_fail(c, "unsupported SIMD instruction");
            continue;
        }
        jit_fail(c, "unsupported instruction");
    }
    if (!c->failed && c->nctls)
        jit_fail(c, "function body ended early");
}

/* Compiles defined function fi, whose body is [body, end). */
static void compile_function(jit_compiler *c, uint32_t fi, const uint8_t *body, const uint8_t *end)
{
    wasm_module *m = c->m;
    c->func_index = fi;
    c->ftype = m->funcs[fi].type;
    c->fsig = jit_sig_of(c, m->type_canon[m->funcs[fi].type_index]);
    c->nstack = c->nctls = c->nstubs = c->nconsts = c->nframe_patches = 0;
    c->max_spill = 0;
    c->dead = false;
    c->dead_depth = 0;
    c->check_count = 0;
    for (int t = 0; t <= WASM_TRAP_HOST; t++)
        c->trap_labels[t] = UINT32_MAX;
    if (!c->fsig || !jit_scan_function(c, body, end))
        return;
    jit_regs_reset(c);
    c->epilogue = x64_label_new(&c->b);
    c->check_entry = x64_label_new(&c->b);

    x64_align(&c->b, 16, true);
    x64_bind(&c->b, c->func_labels[fi]);
    c->jm->func_offset[fi] = (uint32_t)c->b.len;
    emit_prologue(c);
    jit_push_ctl(c, JC_FUNC, 0, NULL, c->ftype->nresults, c->ftype->results);
    c->ctls[0].label = c->epilogue;
    jit_emit_check(c);
    compile_body(c);
    if (c->failed)
        return;
    emit_epilogue(c);
    emit_out_of_line(c);
    patch_frame(c);
}

/* ---- thunks and the module ---- */

/* A thunk from the register convention to wasm_jit_call_slow(ctx, r10
 * funcinst, slots, r11 expected type or NULL) for function type ti. */
static void emit_thunk(jit_compiler *c, uint32_t ti)
{
    jit_thunk *t = &c->thunks[ti];
    const wasm_functype *ft = &c->m->types[ti];
    const jit_sig *s = jit_sig_of(c, ti);
    if (!s)
        return;
    x64_label common = x64_label_new(&c->b);
    x64_align(&c->b, 16, true);
    x64_bind(&c->b, t->import_entry);
    x64_alu_rr(&c->b, X64_XOR, false, JIT_TMP, JIT_TMP);
    x64_jmp(&c->b, common);
    x64_bind(&c->b, t->indirect_entry);
    x64_load(&c->b, 8, JIT_TMP, x64_base(JIT_CTX, offsetof(jit_ctx, types)));
    x64_load(&c->b, 8, JIT_TMP, x64_base(JIT_TMP, (int32_t)(8 * ti)));
    x64_bind(&c->b, common);
    uint32_t nslots = ft->param_slots > ft->result_slots ? ft->param_slots : ft->result_slots;
    uint32_t frame = ((nslots ? nslots : 1) * 8 + 15) / 16 * 16 + 8;
    x64_alu_ri(&c->b, X64_SUB, true, X64_RSP, (int32_t)frame);
    uint32_t slot = 0;
    for (uint32_t i = 0; i < ft->nparams; i++) {
        uint8_t ty = ft->params[i], loc = s->param_loc[i];
        x64_mem dst = x64_base(X64_RSP, (int32_t)(8 * slot));
        if (loc == JIT_LOC_STACK) {
            x64_mem src = x64_base(X64_RSP, (int32_t)(frame + 8 + s->param_off[i]));
            if (ty == WASM_V128) {
                x64_movdqu_load(&c->b, JIT_XTMP, src);
                x64_movdqu_store(&c->b, dst, JIT_XTMP);
            } else {
                x64_load(&c->b, ty == WASM_I32 || ty == WASM_F32 ? 4 : 8, X64_RAX, src);
                x64_store(&c->b, 8, dst, X64_RAX);
            }
        } else if (loc >= JIT_LOC_XMM) {
            uint8_t xr = (uint8_t)(loc - JIT_LOC_XMM);
            if (ty == WASM_V128) {
                x64_movdqu_store(&c->b, dst, xr);
            } else if (ty == WASM_F64) {
                x64_movsd_store(&c->b, dst, xr);
            } else {
                x64_movq_rx(&c->b, false, X64_RAX, xr);
                x64_store(&c->b, 8, dst, X64_RAX);
            }
        } else {
            x64_store(&c->b, 8, dst, jit_arg_gprs[loc]);
        }
        slot += wasm_slots(ty);
    }
    x64_mov_rr(&c->b, true, X64_RDI, JIT_CTX);
    x64_mov_rr(&c->b, true, X64_RSI, X64_R10);
    x64_mov_rr(&c->b, true, X64_RDX, X64_RSP);
    x64_mov_rr(&c->b, true, X64_RCX, JIT_TMP);
    jit_call_helper(c, JH_CALL_SLOW);
    /* results: stack ones first (through r11/xmm15), then rax and xmm0 */
    slot = 0;
    for (uint32_t i = 0; i < ft->nresults; i++) {
        uint8_t ty = ft->results[i], loc = s->result_loc[i];
        x64_mem src = x64_base(X64_RSP, (int32_t)(8 * slot));
        if (loc == JIT_LOC_STACK) {
            x64_mem dst = x64_base(X64_RSP, (int32_t)(frame + 8 + s->result_off[i]));
            if (ty == WASM_V128) {
                x64_movdqu_load(&c->b, JIT_XTMP, src);
                x64_movdqu_store(&c->b, dst, JIT_XTMP);
            } else {
                x64_load(&c->b, 8, JIT_TMP, src);
                x64_store(&c->b, 8, dst, JIT_TMP);
            }
        }
        slot += wasm_slots(ty);
    }
    slot = 0;
    for (uint32_t i = 0; i < ft->nresults; i++) {
        uint8_t ty = ft->results[i], loc = s->result_loc[i];
        x64_mem src = x64_base(X64_RSP, (int32_t)(8 * slot));
        if (loc == JIT_LOC_GPR)
            x64_load(&c->b, ty == WASM_I32 ? 4 : 8, X64_RAX, src);
        else if (loc == JIT_LOC_XMM)
            ty == WASM_V128 ? x64_movdqu_load(&c->b, 0, src) : x64_movsd_load(&c->b, 0, src);
        slot += wasm_slots(ty);
    }
    x64_alu_ri(&c->b, X64_ADD, true, X64_RSP, (int32_t)frame);
    x64_ret(&c->b);
}

/* Lays out the instance context: imported global pointers, then own cells. */
static bool layout_globals(jit_compiler *c)
{
    wasm_module *m = c->m;
    jit_module *jm = c->jm;
    jm->globals = wasm_zalloc(sizeof(jit_global_loc) * (m->nglobals ? m->nglobals : 1));
    if (!jm->globals)
        return false;
    size_t off = sizeof(jit_ctx);
    for (uint32_t i = 0; i < m->nglobal_imports; i++) {
        jm->globals[i].offset = (uint32_t)off;
        jm->globals[i].indirect = true;
        off += 8;
    }
    off = (off + 15) & ~(size_t)15;
    for (uint32_t i = m->nglobal_imports; i < m->nglobals; i++) {
        jm->globals[i].offset = (uint32_t)off;
        jm->globals[i].indirect = false;
        off += (sizeof(wasm_global) + 15) & ~(size_t)15;
    }
    jm->ctx_size = off;
    return off < (1u << 30);
}

static void compiler_free(jit_compiler *c)
{
    x64_free(&c->b);
    wasm_free(c->func_labels);
    wasm_free(c->thunks);
    wasm_free(c->sites);
    wasm_free(c->locals);
    wasm_free(c->stack);
    wasm_free(c->ctls);
    wasm_free(c->frame_patches);
    wasm_free(c->consts);
    wasm_free(c->stubs);
    wasm_free(c->tmp_labels);
}

/* Compiles module m into jm (features and metering already set). */
bool jit_compile(wasm_module *m, jit_module *jm, const wasm_body *bodies, const char **why)
{
    jit_compiler cc, *c = &cc;
    wasm_memset(c, 0, sizeof(*c));
    c->m = m;
    c->jm = jm;
    c->features = jm->features;
    x64_init(&c->b);
    /* Machine code comes to about 2-2.5 bytes per byte of WebAssembly: one
     * buffer of that size up front instead of copies while it doubles. */
    size_t wasm_bytes = 0;
    for (uint32_t i = m->nfunc_imports; i < m->nfuncs; i++)
        wasm_bytes += (size_t)(bodies[i - m->nfunc_imports].end - bodies[i - m->nfunc_imports].start);
    x64_reserve(&c->b, wasm_bytes * 5 / 2 + 4096);
    uint32_t nt = m->ntypes ? m->ntypes : 1, nf = m->nfuncs ? m->nfuncs : 1;
    jm->sigs = wasm_arena_alloc(&jm->arena, sizeof(jit_sig) * nt);
    c->sigs = jm->sigs;
    bool sigs_ok = jm->sigs != NULL;
    for (uint32_t i = 0; sigs_ok && i < m->ntypes; i++)
        sigs_ok = jit_sig_layout(&jm->arena, &m->types[i], &jm->sigs[i]);
    c->thunks = wasm_zalloc(sizeof(jit_thunk) * nt);
    c->func_labels = wasm_zalloc(sizeof(x64_label) * nf);
    jm->func_offset = wasm_zalloc(sizeof(uint32_t) * nf);
    if (!sigs_ok || !c->thunks || !c->func_labels || !jm->func_offset || !layout_globals(c)) {
        compiler_free(c);
        *why = "out of memory";
        return false;
    }
    for (uint32_t i = 0; i < m->nfuncs; i++)
        c->func_labels[i] = x64_label_new(&c->b);
    for (uint32_t i = 0; i < m->ntypes; i++) {
        c->thunks[i].import_entry = x64_label_new(&c->b);
        c->thunks[i].indirect_entry = x64_label_new(&c->b);
    }
    for (int h = 0; h < JH_COUNT; h++)
        c->helper_labels[h] = x64_label_new(&c->b);

    jm->tramp_offset = 0;
    jit_emit_trampoline(&c->b);
    for (uint32_t i = m->nfunc_imports; i < m->nfuncs && !c->failed; i++) {
        const wasm_body *body = &bodies[i - m->nfunc_imports];
        compile_function(c, i, body->start, body->end);
    }
    for (uint32_t i = 0; i < m->ntypes && !c->failed; i++)
        if (c->thunks[i].used)
            emit_thunk(c, i);
    x64_align(&c->b, 8, false);
    for (int h = 0; h < JH_COUNT; h++) {
        x64_bind(&c->b, c->helper_labels[h]);
        x64_u64(&c->b, (uint64_t)(uintptr_t)jit_helpers[h]);
    }
    /* labels of thunks never used must still resolve if referenced: bind the
     * unused ones to the helper table (they are not referenced) */
    bool ok = !c->failed && x64_resolve(&c->b);
    if (ok) {
        jm->sites = c->sites;
        jm->nsites = c->nsites;
        c->sites = NULL;
        ok = jit_code_install(jm, c->b.code, c->b.len);
        if (!ok)
            c->fail_reason = "cannot map code memory";
    } else if (!c->failed) {
        c->fail_reason = c->b.failed ? "out of memory" : "unresolved label";
    }
    *why = c->fail_reason;
    compiler_free(c);
    return ok;
}
