/*
 * runtime/jit/jit_code.c — executable memory for compiled modules, the
 * fault-site table, and the trampoline that enters compiled code from C.
 *
 * W^X: the code is copied into pages that are writable and not executable,
 * then made read + execute; no page is ever writable and executable at once,
 * and compiled code is never patched afterwards.
 */
#include "jit_internal.h"

bool jit_code_install(jit_module *jm, const uint8_t *code, size_t size)
{
    size_t page = wasm_plat_page_size();
    size_t region = (size + page - 1) & ~(page - 1);
    if (!region)
        region = page;
    uint8_t *p = wasm_plat_reserve(region);
    if (!p)
        return false;
    if (!wasm_plat_commit(p, region)) {
        wasm_plat_release(p, region);
        return false;
    }
    wasm_memcpy(p, code, size);
    if (!wasm_plat_protect(p, region, WASM_PROT_READ | WASM_PROT_EXEC)) {
        wasm_plat_release(p, region);
        return false;
    }
    jm->code = p;
    jm->code_size = size;
    jm->region_size = region;
    return true;
}

void jit_code_release(jit_module *jm)
{
    if (jm->code)
        wasm_plat_release(jm->code, jm->region_size);
    jm->code = NULL;
}

wasm_trap jit_code_trap_at(const jit_module *jm, uintptr_t pc)
{
    if (!jm || !jm->code || pc < (uintptr_t)jm->code || pc >= (uintptr_t)jm->code + jm->code_size)
        return WASM_TRAP_NONE;
    uint32_t off = (uint32_t)(pc - (uintptr_t)jm->code);
    uint32_t lo = 0, hi = jm->nsites;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (jm->sites[mid].offset < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < jm->nsites && jm->sites[lo].offset == off)
        return (wasm_trap)jm->sites[lo].trap;
    return WASM_TRAP_NONE;
}

/*
 * The entry trampoline, SysV: (rdi ctx, rsi jit_regs *, rdx code, rcx new
 * stack top or 0). Saves the callee-saved registers, switches to the new
 * stack if one is given, copies the stack-argument image below it, loads the
 * argument registers, calls the code, and stores the result registers and
 * the stack-result image back.
 */
void jit_emit_trampoline(x64_buf *b)
{
    static const uint8_t saved[6] = { X64_RBP, X64_RBX, X64_R12, X64_R13, X64_R14, X64_R15 };
    for (int i = 0; i < 6; i++)
        x64_push(b, saved[i]);
    x64_mov_rr(b, true, X64_RBX, X64_RSI);
    x64_mov_rr(b, true, X64_RBP, X64_RSP);
    x64_label same = x64_label_new(b);
    x64_test_rr(b, true, X64_RCX, X64_RCX);
    x64_jcc(b, X64_E, same);
    x64_mov_rr(b, true, X64_RSP, X64_RCX);
    x64_bind(b, same);
    x64_alu_ri(b, X64_AND, true, X64_RSP, -16);
    x64_mov_rr(b, true, JIT_CTX, X64_RDI);
    x64_load(b, 8, JIT_MEM, x64_base(JIT_CTX, offsetof(jit_ctx, mem_base)));
    x64_mov_rr(b, true, X64_R12, X64_RDX);
    /* stack arguments */
    x64_load(b, 8, X64_RCX, x64_base(X64_RBX, offsetof(jit_regs, stack_size)));
    x64_alu_rr(b, X64_SUB, true, X64_RSP, X64_RCX);
    x64_mov_rr(b, true, X64_RDI, X64_RSP);
    x64_load(b, 8, X64_RSI, x64_base(X64_RBX, offsetof(jit_regs, stack)));
    x64_rep_movsb(b);
    for (int i = 0; i < 6; i++)
        x64_load(b, 8, jit_arg_gprs[i], x64_base(X64_RBX, (int32_t)(offsetof(jit_regs, gpr) + 8 * i)));
    for (int i = 0; i < 8; i++)
        x64_movdqu_load(b, (uint8_t)i, x64_base(X64_RBX, (int32_t)(offsetof(jit_regs, xmm) + 16 * i)));
    x64_call_rm(b, x64_r(X64_R12));
    x64_store(b, 8, x64_base(X64_RBX, offsetof(jit_regs, ret_gpr)), X64_RAX);
    x64_movdqu_store(b, x64_base(X64_RBX, offsetof(jit_regs, ret_xmm)), 0);
    /* stack results */
    x64_load(b, 8, X64_RCX, x64_base(X64_RBX, offsetof(jit_regs, stack_size)));
    x64_mov_rr(b, true, X64_RSI, X64_RSP);
    x64_load(b, 8, X64_RDI, x64_base(X64_RBX, offsetof(jit_regs, stack)));
    x64_rep_movsb(b);
    x64_mov_rr(b, true, X64_RSP, X64_RBP);
    for (int i = 5; i >= 0; i--)
        x64_pop(b, saved[i]);
    x64_ret(b);
}
