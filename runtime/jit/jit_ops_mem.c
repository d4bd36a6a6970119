/*
 * runtime/jit/jit_ops_mem.c — memory instructions (Wasm 2.0 §4.4.7), table
 * instructions (§4.4.6) and bulk memory.
 *
 * Loads and stores have no bounds check: memory 0 is a guarded reservation
 * of 8 GiB (runtime/memory.c), so [r15 + u32 address + u32 offset] always
 * lands inside it and an access past the committed pages faults. Each
 * access instruction is recorded as a fault site, and the fault handler
 * turns a fault at one into the out-of-bounds trap (jit_runtime.c). The
 * bulk operations and growth call C helpers that check bounds themselves.
 */
#include "jit_internal.h"

/* The effective address of a memory access as an x64 operand. */
x64_mem jit_address(jit_compiler *c, jv *addr, uint32_t offset)
{
    if (addr->kind == JV_CONST) {
        uint64_t ea = (uint64_t)(uint32_t)addr->c[0] + offset;
        if (ea <= INT32_MAX)
            return x64_base(JIT_MEM, (int32_t)ea);
        x64_mov_imm(&c->b, JIT_TMP, ea);
        return x64_sib(JIT_MEM, JIT_TMP, 1, 0);
    }
    uint8_t r = jit_in_reg(c, addr);
    if (offset <= INT32_MAX)
        return x64_sib(JIT_MEM, r, 1, (int32_t)offset);
    x64_mov_imm(&c->b, JIT_TMP, offset);
    x64_alu_rr(&c->b, X64_ADD, true, JIT_TMP, r);
    return x64_sib(JIT_MEM, JIT_TMP, 1, 0);
}

/* Reads a memarg (§5.4.6): alignment (ignored) and offset. */
uint32_t jit_memarg(jit_compiler *c)
{
    jit_read_u32(c);
    return jit_read_u32(c);
}

static void load(jit_compiler *c, uint8_t op)
{
    uint32_t offset = jit_memarg(c);
    static const uint8_t result[] = {
        WASM_I32, WASM_I64, WASM_F32, WASM_F64, WASM_I32, WASM_I32, WASM_I32, WASM_I32,
        WASM_I64, WASM_I64, WASM_I64, WASM_I64, WASM_I64, WASM_I64,
    };
    uint8_t t = result[op - 0x28];
    jv addr = jit_pop(c);
    uint8_t d = jit_result_hint(c, t);
    if (d == X64_NOREG)
        d = jit_alloc_reg(c, t);
    x64_mem m = jit_address(c, &addr, offset);
    jit_site_here(c, WASM_TRAP_MEMORY_OOB);
    switch (op) {
    case 0x28: x64_load(&c->b, 4, d, m); break;
    case 0x29: x64_load(&c->b, 8, d, m); break;
    case 0x2A: x64_movss_load(&c->b, d, m); break;
    case 0x2B: x64_movsd_load(&c->b, d, m); break;
    case 0x2C: x64_load_sx(&c->b, 1, false, d, m); break;
    case 0x2D: x64_load(&c->b, 1, d, m); break;
    case 0x2E: x64_load_sx(&c->b, 2, false, d, m); break;
    case 0x2F: x64_load(&c->b, 2, d, m); break;
    case 0x30: x64_load_sx(&c->b, 1, true, d, m); break;
    case 0x31: x64_load(&c->b, 1, d, m); break;
    case 0x32: x64_load_sx(&c->b, 2, true, d, m); break;
    case 0x33: x64_load(&c->b, 2, d, m); break;
    case 0x34: x64_load_sx(&c->b, 4, true, d, m); break;
    default: x64_load(&c->b, 4, d, m); break;
    }
    jit_push_result(c, t, d);
}

static void store(jit_compiler *c, uint8_t op)
{
    uint32_t offset = jit_memarg(c);
    static const uint8_t size[] = { 4, 8, 4, 8, 1, 2, 1, 2, 4 };
    int n = size[op - 0x36];
    jv v = jit_pop(c);
    jv addr = jit_pop(c);
    bool xmm = op == 0x38 || op == 0x39;
    bool imm = !xmm && v.kind == JV_CONST && (n < 8 || (int64_t)v.c[0] == (int32_t)v.c[0]);
    uint8_t r = imm ? X64_NOREG : jit_in_reg(c, &v);
    x64_mem m = jit_address(c, &addr, offset);
    jit_site_here(c, WASM_TRAP_MEMORY_OOB);
    if (imm)
        x64_store_imm(&c->b, n, m, (int32_t)v.c[0]);
    else if (op == 0x38)
        x64_movss_store(&c->b, m, r);
    else if (op == 0x39)
        x64_movsd_store(&c->b, m, r);
    else
        x64_store(&c->b, n, m, r);
}

/* Calls helper h with the given argument values after ctx; pushes the
 * result (rax) as `result` unless it is 0. */
static void helper_call(jit_compiler *c, enum jit_helper h, jv *args, uint32_t n, uint8_t result)
{
    jit_before_call(c);
    jit_helper_args(c, args, n);
    jit_call_helper(c, h);
    jit_restore_pinned(c);
    jit_unlock_all(c);
    if (result) {
        c->gpr.state[X64_RAX] = RS_LOCKED;
        jit_push_reg(c, result, X64_RAX);
    }
}

static jv const_arg(uint64_t v)
{
    jv a;
    wasm_memset(&a, 0, sizeof(a));
    a.type = WASM_I64;
    a.kind = JV_CONST;
    a.c[0] = v;
    return a;
}

/* Pops n operands into args[first..first+n) in push order. */
static void pop_args(jit_compiler *c, jv *args, uint32_t first, uint32_t n)
{
    for (uint32_t i = n; i-- > 0;)
        args[first + i] = jit_pop(c);
}

/* r = ctx->tables[t] */
static void load_table(jit_compiler *c, uint8_t r, uint32_t t)
{
    x64_load(&c->b, 8, r, x64_base(JIT_CTX, offsetof(jit_ctx, tables)));
    x64_load(&c->b, 8, r, x64_base(r, (int32_t)(8 * t)));
}

/* table.get / table.set with the bounds check inline. */
static void table_access(jit_compiler *c, uint32_t t, bool set)
{
    jv val;
    if (set)
        val = jit_pop(c);
    jv idx = jit_pop(c);
    uint8_t vr = X64_NOREG;
    if (set && !(val.kind == JV_CONST && val.c[0] == 0))
        vr = jit_in_reg(c, &val);
    uint8_t ir = jit_in_reg(c, &idx);
    load_table(c, JIT_TMP, t);
    x64_alu_rm(&c->b, X64_CMP, false, ir, x64_base(JIT_TMP, offsetof(wasm_table, size)));
    x64_jcc(&c->b, X64_AE, jit_trap_label(c, WASM_TRAP_TABLE_OOB));
    x64_load(&c->b, 8, JIT_TMP, x64_base(JIT_TMP, offsetof(wasm_table, elems)));
    x64_mem slot = x64_sib(JIT_TMP, ir, 8, 0);
    if (set) {
        if (vr == X64_NOREG)
            x64_store_imm(&c->b, 8, slot, 0);
        else
            x64_store(&c->b, 8, slot, vr);
        return;
    }
    uint8_t d = jit_alloc_gpr(c);
    x64_load(&c->b, 8, d, slot);
    jit_push_reg(c, c->m->tables[t].reftype, d);
}

bool jit_op_memory(jit_compiler *c, uint8_t op)
{
    if (op >= 0x28 && op <= 0x35) {
        load(c, op);
        return true;
    }
    if (op >= 0x36 && op <= 0x3E) {
        store(c, op);
        return true;
    }
    switch (op) {
    case 0x3F: {    /* memory.size */
        c->p++;
        uint8_t d = jit_alloc_gpr(c);
        x64_load(&c->b, 8, d, x64_base(JIT_CTX, offsetof(jit_ctx, mem)));
        x64_load(&c->b, 4, d, x64_base(d, offsetof(wasm_memory, pages)));
        jit_push_reg(c, WASM_I32, d);
        return true;
    }
    case 0x40: {    /* memory.grow */
        c->p++;
        jv args[1];
        pop_args(c, args, 0, 1);
        helper_call(c, JH_MEMORY_GROW, args, 1, WASM_I32);
        return true;
    }
    case 0x25: table_access(c, jit_read_u32(c), false); return true;
    case 0x26: table_access(c, jit_read_u32(c), true); return true;
    default:
        return false;
    }
}

bool jit_op_fc(jit_compiler *c, uint32_t sub)
{
    if (jit_op_trunc_sat(c, sub))
        return true;
    jv args[5];
    switch (sub) {
    case 8: {       /* memory.init data 0x00: d s n */
        uint32_t seg = jit_read_u32(c);
        c->p++;
        args[0] = const_arg(seg);
        pop_args(c, args, 1, 3);
        helper_call(c, JH_MEMORY_INIT, args, 4, 0);
        return true;
    }
    case 9:         /* data.drop */
        args[0] = const_arg(jit_read_u32(c));
        helper_call(c, JH_DATA_DROP, args, 1, 0);
        return true;
    case 10:        /* memory.copy 0x00 0x00: d s n */
        c->p += 2;
        pop_args(c, args, 0, 3);
        helper_call(c, JH_MEMORY_COPY, args, 3, 0);
        return true;
    case 11:        /* memory.fill 0x00: d v n */
        c->p++;
        pop_args(c, args, 0, 3);
        helper_call(c, JH_MEMORY_FILL, args, 3, 0);
        return true;
    case 12: {      /* table.init elem table: d s n */
        uint32_t seg = jit_read_u32(c);
        uint32_t table = jit_read_u32(c);
        args[0] = const_arg(table | (uint64_t)seg << 32);
        pop_args(c, args, 1, 3);
        helper_call(c, JH_TABLE_INIT, args, 4, 0);
        return true;
    }
    case 13:        /* elem.drop */
        args[0] = const_arg(jit_read_u32(c));
        helper_call(c, JH_ELEM_DROP, args, 1, 0);
        return true;
    case 14: {      /* table.copy dst src: d s n */
        uint32_t dst = jit_read_u32(c);
        uint32_t src = jit_read_u32(c);
        args[0] = const_arg(dst | (uint64_t)src << 32);
        pop_args(c, args, 1, 3);
        helper_call(c, JH_TABLE_COPY, args, 4, 0);
        return true;
    }
    case 15: {      /* table.grow t: init delta */
        args[0] = const_arg(jit_read_u32(c));
        pop_args(c, args, 1, 2);
        helper_call(c, JH_TABLE_GROW, args, 3, WASM_I32);
        return true;
    }
    case 16: {      /* table.size t */
        uint32_t t = jit_read_u32(c);
        uint8_t d = jit_alloc_gpr(c);
        load_table(c, d, t);
        x64_load(&c->b, 4, d, x64_base(d, offsetof(wasm_table, size)));
        jit_push_reg(c, WASM_I32, d);
        return true;
    }
    case 17: {      /* table.fill t: i val n */
        args[0] = const_arg(jit_read_u32(c));
        pop_args(c, args, 1, 3);
        helper_call(c, JH_TABLE_FILL, args, 4, 0);
        return true;
    }
    default:
        return false;
    }
}
