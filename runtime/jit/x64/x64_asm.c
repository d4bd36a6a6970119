/*
 * runtime/jit/x64/x64_asm.c — the x86-64 encoder (see x64_asm.h).
 *
 * Every instruction is built from the same pieces (Intel SDM Vol. 2 §2.1):
 * legacy prefixes, REX or VEX, opcode bytes, ModRM, SIB, displacement,
 * immediate. modrm() writes the ModRM/SIB/displacement part for either a
 * register or a memory operand; prefix_rex() the REX byte when one is needed.
 */
#include "x64_asm.h"
#include "../../wasm_internal.h"

/* ---- buffer ---- */

void x64_init(x64_buf *b)
{
    wasm_memset(b, 0, sizeof(*b));
}

void x64_free(x64_buf *b)
{
    wasm_free(b->code);
    wasm_free(b->labels);
    wasm_free(b->fixups);
    wasm_memset(b, 0, sizeof(*b));
}

void x64_reset_labels(x64_buf *b)
{
    b->nlabels = 0;
    b->nfixups = 0;
}

bool x64_reserve(x64_buf *b, size_t n)
{
    if (b->failed)
        return false;
    if (b->len + n <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n)
        cap *= 2;
    uint8_t *nc = wasm_plat_realloc(b->code, cap);
    if (!nc) {
        b->failed = true;
        return false;
    }
    b->code = nc;
    b->cap = cap;
    return true;
}

/* Every instruction is at most 15 bytes: one reservation per instruction
 * lets the emitters below write without checking each byte. */
#define ROOM(b) do { if (!x64_reserve((b), 16)) return; } while (0)
#define PUT(b, v) ((b)->code[(b)->len++] = (uint8_t)(v))

void x64_byte(x64_buf *b, uint8_t v)
{
    if (x64_reserve(b, 1))
        PUT(b, v);
}

void x64_u16(x64_buf *b, uint16_t v)
{
    if (x64_reserve(b, 2)) {
        PUT(b, v);
        PUT(b, v >> 8);
    }
}

void x64_u32(x64_buf *b, uint32_t v)
{
    if (x64_reserve(b, 4)) {
        wasm_memcpy(b->code + b->len, &v, 4);
        b->len += 4;
    }
}

void x64_u64(x64_buf *b, uint64_t v)
{
    if (x64_reserve(b, 8)) {
        wasm_memcpy(b->code + b->len, &v, 8);
        b->len += 8;
    }
}

void x64_patch32(x64_buf *b, size_t pos, uint32_t v)
{
    if (!b->failed && pos + 4 <= b->len)
        wasm_memcpy(b->code + pos, &v, 4);
}

/* The recommended multi-byte NOPs (SDM Vol. 2B, NOP), by length. */
static const uint8_t nops[9][9] = {
    { 0 },
    { 0x90 },
    { 0x66, 0x90 },
    { 0x0F, 0x1F, 0x00 },
    { 0x0F, 0x1F, 0x40, 0x00 },
    { 0x0F, 0x1F, 0x44, 0x00, 0x00 },
    { 0x66, 0x0F, 0x1F, 0x44, 0x00, 0x00 },
    { 0x0F, 0x1F, 0x80, 0x00, 0x00, 0x00, 0x00 },
    { 0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00 },
};

void x64_align(x64_buf *b, uint32_t align, bool use_nops)
{
    size_t pad = (align - (b->len & (align - 1))) & (align - 1);
    if (!x64_reserve(b, pad))
        return;
    while (pad) {
        size_t n = pad > 8 ? 8 : pad;
        for (size_t i = 0; i < n; i++)
            PUT(b, use_nops ? nops[n][i] : 0xCC);
        pad -= n;
    }
}

/* ---- labels ---- */

x64_label x64_label_new(x64_buf *b)
{
    if (!wasm_grow_array((void **)&b->labels, &b->cap_labels, b->nlabels + 1, sizeof(int32_t))) {
        b->failed = true;
        return 0;
    }
    b->labels[b->nlabels] = -1;
    return b->nlabels++;
}

void x64_bind(x64_buf *b, x64_label l)
{
    if (l < b->nlabels)
        b->labels[l] = (int32_t)b->len;
}

bool x64_bound(const x64_buf *b, x64_label l)
{
    return l < b->nlabels && b->labels[l] >= 0;
}

int32_t x64_label_pos(const x64_buf *b, x64_label l)
{
    return l < b->nlabels ? b->labels[l] : -1;
}

/* Records a 32-bit field at the current position that refers to l. */
static void add_fixup(x64_buf *b, x64_label l, uint32_t tail)
{
    if (!wasm_grow_array((void **)&b->fixups, &b->cap_fixups, b->nfixups + 1, sizeof(x64_fixup))) {
        b->failed = true;
        return;
    }
    b->fixups[b->nfixups++] = (x64_fixup){ (uint32_t)b->len, l, tail };
}

bool x64_resolve(x64_buf *b)
{
    if (b->failed)
        return false;
    for (uint32_t i = 0; i < b->nfixups; i++) {
        const x64_fixup *f = &b->fixups[i];
        if (f->label >= b->nlabels || b->labels[f->label] < 0)
            return false;
        int64_t rel = (int64_t)b->labels[f->label] - ((int64_t)f->pos + 4 + f->tail);
        x64_patch32(b, f->pos, (uint32_t)(int32_t)rel);
    }
    b->nfixups = 0;
    return true;
}

void x64_rel32_to(x64_buf *b, x64_label l)
{
    if (!x64_reserve(b, 4))
        return;
    add_fixup(b, l, 0);
    x64_u32(b, 0);
}

/* ---- encoding pieces ---- */

static bool fits8(int64_t v) { return v >= -128 && v <= 127; }

static uint8_t rex_bits(bool w, uint8_t reg, x64_rm rm)
{
    uint8_t rex = (uint8_t)((w ? 8 : 0) | ((reg & 8) ? 4 : 0));
    if (rm.is_reg) {
        rex |= (rm.reg & 8) ? 1 : 0;
    } else {
        if (rm.mem.index != X64_NOREG && (rm.mem.index & 8))
            rex |= 2;
        if (rm.mem.base < 16 && (rm.mem.base & 8))
            rex |= 1;
    }
    return rex;
}

/* Writes REX if any bit is set or `force` (byte access to spl/bpl/sil/dil). */
static void prefix_rex(x64_buf *b, bool w, uint8_t reg, x64_rm rm, bool force)
{
    uint8_t rex = rex_bits(w, reg, rm);
    if (rex || force)
        PUT(b, 0x40 | rex);
}

/* Whether an 8-bit access to register r needs a REX prefix to mean the low
 * byte (sil/dil/spl/bpl rather than dh/bh/ch/ah). */
static bool byte_reg(uint8_t r) { return r >= 4 && r < 8; }

/* ModRM (+ SIB + displacement) for reg and rm; `tail` is the number of
 * immediate bytes that will follow (for RIP-relative displacements). */
static void modrm(x64_buf *b, uint8_t reg, x64_rm rm, uint32_t tail)
{
    uint8_t r = (uint8_t)((reg & 7) << 3);
    if (rm.is_reg) {
        PUT(b, 0xC0 | r | (rm.reg & 7));
        return;
    }
    const x64_mem *m = &rm.mem;
    if (m->base == X64_RIP) {
        PUT(b, 0x05 | r);
        add_fixup(b, (x64_label)m->disp, tail);
        PUT(b, 0); PUT(b, 0); PUT(b, 0); PUT(b, 0);
        return;
    }
    uint8_t ss = m->scale == 8 ? 3 : m->scale == 4 ? 2 : m->scale == 2 ? 1 : 0;
    if (m->base == X64_NOREG) {
        /* [index*scale + disp32] or [disp32]: SIB with no base */
        PUT(b, 0x04 | r);
        uint8_t idx = m->index == X64_NOREG ? 4 : (m->index & 7);
        PUT(b, (uint8_t)(ss << 6 | idx << 3 | 5));
        uint32_t d = (uint32_t)m->disp;
        wasm_memcpy(b->code + b->len, &d, 4);
        b->len += 4;
        return;
    }
    uint8_t mod;
    if (m->disp == 0 && (m->base & 7) != 5)
        mod = 0;
    else if (fits8(m->disp))
        mod = 1;
    else
        mod = 2;
    if (m->index == X64_NOREG && (m->base & 7) != 4) {
        PUT(b, (uint8_t)(mod << 6) | r | (m->base & 7));
    } else {
        uint8_t idx = m->index == X64_NOREG ? 4 : (m->index & 7);
        PUT(b, (uint8_t)(mod << 6) | r | 4);
        PUT(b, (uint8_t)(ss << 6 | idx << 3 | (m->base & 7)));
    }
    if (mod == 1) {
        PUT(b, (uint8_t)(int8_t)m->disp);
    } else if (mod == 2) {
        uint32_t d = (uint32_t)m->disp;
        wasm_memcpy(b->code + b->len, &d, 4);
        b->len += 4;
    }
}

/* [66] [REX] opcode... modrm: the common shape of general-purpose instructions. */
static void op_rm(x64_buf *b, bool p66, bool w, const uint8_t *opc, int nopc, uint8_t reg, x64_rm rm,
                  bool force_rex, uint32_t tail)
{
    if (p66)
        PUT(b, 0x66);
    prefix_rex(b, w, reg, rm, force_rex);
    for (int i = 0; i < nopc; i++)
        PUT(b, opc[i]);
    modrm(b, reg, rm, tail);
}

static void op1(x64_buf *b, bool w, uint8_t opc, uint8_t reg, x64_rm rm, uint32_t tail)
{
    op_rm(b, false, w, &opc, 1, reg, rm, false, tail);
}

static void op2(x64_buf *b, bool w, uint8_t opc2, uint8_t reg, x64_rm rm, bool force_rex)
{
    uint8_t opc[2] = { 0x0F, opc2 };
    op_rm(b, false, w, opc, 2, reg, rm, force_rex, 0);
}

static void imm32(x64_buf *b, int32_t v)
{
    uint32_t u = (uint32_t)v;
    wasm_memcpy(b->code + b->len, &u, 4);
    b->len += 4;
}

/* ---- general-purpose instructions ---- */

void x64_alu_rr(x64_buf *b, x64_alu op, bool w64, uint8_t dst, uint8_t src)
{
    ROOM(b);
    op1(b, w64, (uint8_t)(op * 8 + 1), src, x64_r(dst), 0);
}

void x64_alu_rm(x64_buf *b, x64_alu op, bool w64, uint8_t dst, x64_mem src)
{
    ROOM(b);
    op1(b, w64, (uint8_t)(op * 8 + 3), dst, x64_m(src), 0);
}

void x64_alu_mr(x64_buf *b, x64_alu op, bool w64, x64_mem dst, uint8_t src)
{
    ROOM(b);
    op1(b, w64, (uint8_t)(op * 8 + 1), src, x64_m(dst), 0);
}

void x64_alu_ri(x64_buf *b, x64_alu op, bool w64, uint8_t dst, int32_t imm)
{
    ROOM(b);
    if (fits8(imm)) {
        op1(b, w64, 0x83, (uint8_t)op, x64_r(dst), 0);
        PUT(b, (uint8_t)(int8_t)imm);
    } else {
        op1(b, w64, 0x81, (uint8_t)op, x64_r(dst), 0);
        imm32(b, imm);
    }
}

void x64_alu_mi(x64_buf *b, x64_alu op, int size, x64_mem dst, int32_t imm)
{
    ROOM(b);
    if (size == 1) {
        uint8_t opc = 0x80;
        op_rm(b, false, false, &opc, 1, (uint8_t)op, x64_m(dst), false, 1);
        PUT(b, (uint8_t)imm);
    } else if (fits8(imm)) {
        uint8_t opc = 0x83;
        op_rm(b, size == 2, size == 8, &opc, 1, (uint8_t)op, x64_m(dst), false, 1);
        PUT(b, (uint8_t)(int8_t)imm);
    } else {
        uint8_t opc = 0x81;
        op_rm(b, size == 2, size == 8, &opc, 1, (uint8_t)op, x64_m(dst), false, size == 2 ? 2 : 4);
        if (size == 2) {
            PUT(b, imm);
            PUT(b, imm >> 8);
        } else {
            imm32(b, imm);
        }
    }
}

void x64_test_rr(x64_buf *b, bool w64, uint8_t a, uint8_t c)
{
    ROOM(b);
    op1(b, w64, 0x85, c, x64_r(a), 0);
}

void x64_test_ri(x64_buf *b, bool w64, uint8_t a, int32_t imm)
{
    ROOM(b);
    op1(b, w64, 0xF7, 0, x64_r(a), 0);
    imm32(b, imm);
}

void x64_test_mi(x64_buf *b, int size, x64_mem m, int32_t imm)
{
    ROOM(b);
    uint8_t opc = size == 1 ? 0xF6 : 0xF7;
    uint32_t tail = size == 1 ? 1 : size == 2 ? 2 : 4;
    op_rm(b, size == 2, size == 8, &opc, 1, 0, x64_m(m), false, tail);
    if (size == 1) {
        PUT(b, imm);
    } else if (size == 2) {
        PUT(b, imm);
        PUT(b, imm >> 8);
    } else {
        imm32(b, imm);
    }
}

void x64_mov_rr(x64_buf *b, bool w64, uint8_t dst, uint8_t src)
{
    ROOM(b);
    op1(b, w64, 0x89, src, x64_r(dst), 0);
}

void x64_load(x64_buf *b, int size, uint8_t dst, x64_mem src)
{
    ROOM(b);
    switch (size) {
    case 1: op2(b, false, 0xB6, dst, x64_m(src), false); break;
    case 2: op2(b, false, 0xB7, dst, x64_m(src), false); break;
    case 4: op1(b, false, 0x8B, dst, x64_m(src), 0); break;
    default: op1(b, true, 0x8B, dst, x64_m(src), 0); break;
    }
}

void x64_load_sx(x64_buf *b, int size, bool w64, uint8_t dst, x64_mem src)
{
    ROOM(b);
    switch (size) {
    case 1: op2(b, w64, 0xBE, dst, x64_m(src), false); break;
    case 2: op2(b, w64, 0xBF, dst, x64_m(src), false); break;
    default: op1(b, true, 0x63, dst, x64_m(src), 0); break;
    }
}

void x64_store(x64_buf *b, int size, x64_mem dst, uint8_t src)
{
    ROOM(b);
    uint8_t opc = size == 1 ? 0x88 : 0x89;
    op_rm(b, size == 2, size == 8, &opc, 1, src, x64_m(dst), size == 1 && byte_reg(src), 0);
}

void x64_store_imm(x64_buf *b, int size, x64_mem dst, int32_t imm)
{
    ROOM(b);
    uint8_t opc = size == 1 ? 0xC6 : 0xC7;
    uint32_t tail = size == 1 ? 1 : size == 2 ? 2 : 4;
    op_rm(b, size == 2, size == 8, &opc, 1, 0, x64_m(dst), false, tail);
    if (size == 1) {
        PUT(b, imm);
    } else if (size == 2) {
        PUT(b, imm);
        PUT(b, imm >> 8);
    } else {
        imm32(b, imm);
    }
}

void x64_mov_imm(x64_buf *b, uint8_t dst, uint64_t imm)
{
    ROOM(b);
    if (imm <= 0xFFFFFFFFu) {
        if (dst & 8)
            PUT(b, 0x41);
        PUT(b, 0xB8 + (dst & 7));
        imm32(b, (int32_t)(uint32_t)imm);
    } else if ((int64_t)imm == (int64_t)(int32_t)imm) {
        op1(b, true, 0xC7, 0, x64_r(dst), 0);
        imm32(b, (int32_t)imm);
    } else {
        PUT(b, 0x48 | ((dst & 8) ? 1 : 0));
        PUT(b, 0xB8 + (dst & 7));
        wasm_memcpy(b->code + b->len, &imm, 8);
        b->len += 8;
    }
}

void x64_movzx_rr(x64_buf *b, int size, uint8_t dst, uint8_t src)
{
    ROOM(b);
    op2(b, false, size == 1 ? 0xB6 : 0xB7, dst, x64_r(src), size == 1 && byte_reg(src));
}

void x64_movsx_rr(x64_buf *b, int size, bool w64, uint8_t dst, uint8_t src)
{
    ROOM(b);
    if (size == 4)
        op1(b, true, 0x63, dst, x64_r(src), 0);
    else
        op2(b, w64, size == 1 ? 0xBE : 0xBF, dst, x64_r(src), size == 1 && byte_reg(src));
}

void x64_lea(x64_buf *b, bool w64, uint8_t dst, x64_mem m)
{
    ROOM(b);
    op1(b, w64, 0x8D, dst, x64_m(m), 0);
}

void x64_shift_ri(x64_buf *b, x64_shift op, bool w64, uint8_t dst, uint8_t imm)
{
    ROOM(b);
    if (imm == 1) {
        op1(b, w64, 0xD1, (uint8_t)op, x64_r(dst), 0);
    } else {
        op1(b, w64, 0xC1, (uint8_t)op, x64_r(dst), 0);
        PUT(b, imm);
    }
}

void x64_shift_cl(x64_buf *b, x64_shift op, bool w64, uint8_t dst)
{
    ROOM(b);
    op1(b, w64, 0xD3, (uint8_t)op, x64_r(dst), 0);
}

void x64_shiftx(x64_buf *b, x64_shift op, bool w64, uint8_t dst, x64_rm src, uint8_t count)
{
    /* SHLX: VEX.LZ.66.0F38.W F7; SHRX: F2; SARX: F3 (SDM Vol. 2B). */
    uint8_t pp = op == X64_SHL ? X64_PP_66 : op == X64_SHR ? X64_PP_F2 : X64_PP_F3;
    x64_sseop o = { pp, X64_MAP_0F38, 0xF7, (uint8_t)(w64 ? 1 : 0) };
    x64_vex(b, o, false, dst, count, src, -1);
}

void x64_unary(x64_buf *b, x64_unop op, bool w64, x64_rm a)
{
    ROOM(b);
    op1(b, w64, 0xF7, (uint8_t)op, a, 0);
}

void x64_imul_rr(x64_buf *b, bool w64, uint8_t dst, x64_rm src)
{
    ROOM(b);
    op2(b, w64, 0xAF, dst, src, false);
}

void x64_imul_rri(x64_buf *b, bool w64, uint8_t dst, x64_rm src, int32_t imm)
{
    ROOM(b);
    if (fits8(imm)) {
        op1(b, w64, 0x6B, dst, src, 1);
        PUT(b, (uint8_t)(int8_t)imm);
    } else {
        op1(b, w64, 0x69, dst, src, 4);
        imm32(b, imm);
    }
}

void x64_cdq(x64_buf *b, bool w64)
{
    ROOM(b);
    if (w64)
        PUT(b, 0x48);
    PUT(b, 0x99);
}

void x64_bitop(x64_buf *b, x64_bitopc op, bool w64, uint8_t dst, x64_rm src)
{
    ROOM(b);
    static const uint8_t opc[] = { 0xBC, 0xBD, 0xBC, 0xBD, 0xB8 };
    if (op >= X64_TZCNT)
        PUT(b, 0xF3);
    op2(b, w64, opc[op], dst, src, false);
}

void x64_setcc(x64_buf *b, x64_cond c, uint8_t dst)
{
    ROOM(b);
    op2(b, false, (uint8_t)(0x90 + c), 0, x64_r(dst), byte_reg(dst));
}

void x64_cmov(x64_buf *b, x64_cond c, bool w64, uint8_t dst, x64_rm src)
{
    ROOM(b);
    op2(b, w64, (uint8_t)(0x40 + c), dst, src, false);
}

void x64_xchg_rr(x64_buf *b, bool w64, uint8_t a, uint8_t c)
{
    ROOM(b);
    op1(b, w64, 0x87, a, x64_r(c), 0);
}

void x64_push(x64_buf *b, uint8_t r)
{
    ROOM(b);
    if (r & 8)
        PUT(b, 0x41);
    PUT(b, 0x50 + (r & 7));
}

void x64_pop(x64_buf *b, uint8_t r)
{
    ROOM(b);
    if (r & 8)
        PUT(b, 0x41);
    PUT(b, 0x58 + (r & 7));
}

void x64_ret(x64_buf *b) { x64_byte(b, 0xC3); }
void x64_int3(x64_buf *b) { x64_byte(b, 0xCC); }

void x64_ud2(x64_buf *b)
{
    ROOM(b);
    PUT(b, 0x0F);
    PUT(b, 0x0B);
}

void x64_rep_movsb(x64_buf *b)
{
    ROOM(b);
    PUT(b, 0xF3);
    PUT(b, 0xA4);
}

void x64_rep_stosq(x64_buf *b)
{
    ROOM(b);
    PUT(b, 0xF3);
    PUT(b, 0x48);
    PUT(b, 0xAB);
}

/* ---- branches ---- */

/* Emits a branch with short opcode `op8` / near opcode bytes `op32`: the
 * short form for a bound label in reach, else rel32 (fixed up if unbound). */
static void branch(x64_buf *b, x64_label l, uint8_t op8, const uint8_t *op32, int n32)
{
    ROOM(b);
    if (x64_bound(b, l)) {
        int64_t rel8 = (int64_t)b->labels[l] - ((int64_t)b->len + 2);
        if (op8 && fits8(rel8)) {
            PUT(b, op8);
            PUT(b, (uint8_t)(int8_t)rel8);
            return;
        }
        for (int i = 0; i < n32; i++)
            PUT(b, op32[i]);
        int64_t rel = (int64_t)b->labels[l] - ((int64_t)b->len + 4);
        imm32(b, (int32_t)rel);
        return;
    }
    for (int i = 0; i < n32; i++)
        PUT(b, op32[i]);
    add_fixup(b, l, 0);
    imm32(b, 0);
}

void x64_jmp(x64_buf *b, x64_label l)
{
    static const uint8_t op[] = { 0xE9 };
    branch(b, l, 0xEB, op, 1);
}

void x64_jcc(x64_buf *b, x64_cond c, x64_label l)
{
    uint8_t op[] = { 0x0F, (uint8_t)(0x80 + c) };
    branch(b, l, (uint8_t)(0x70 + c), op, 2);
}

void x64_call_label(x64_buf *b, x64_label l)
{
    static const uint8_t op[] = { 0xE8 };
    branch(b, l, 0, op, 1);
}

void x64_jmp_rm(x64_buf *b, x64_rm target)
{
    ROOM(b);
    op1(b, false, 0xFF, 4, target, 0);
}

void x64_call_rm(x64_buf *b, x64_rm target)
{
    ROOM(b);
    op1(b, false, 0xFF, 2, target, 0);
}

/* ---- SSE and AVX ---- */

static const uint8_t pp_byte[4] = { 0, 0x66, 0xF3, 0xF2 };

void x64_sse(x64_buf *b, x64_sseop op, uint8_t reg, x64_rm rm, int imm)
{
    ROOM(b);
    if (op.pp)
        PUT(b, pp_byte[op.pp]);
    prefix_rex(b, op.w, reg, rm, false);
    PUT(b, 0x0F);
    if (op.map == X64_MAP_0F38)
        PUT(b, 0x38);
    else if (op.map == X64_MAP_0F3A)
        PUT(b, 0x3A);
    PUT(b, op.op);
    modrm(b, reg, rm, imm >= 0 ? 1 : 0);
    if (imm >= 0)
        PUT(b, (uint8_t)imm);
}

void x64_vex(x64_buf *b, x64_sseop op, bool l256, uint8_t reg, uint8_t vvvv, x64_rm rm, int imm)
{
    ROOM(b);
    uint8_t rex = rex_bits(false, reg, rm);
    bool r = rex & 4, x = rex & 2, bb = rex & 1;
    uint8_t tail = (uint8_t)(((~vvvv & 15) << 3) | (l256 ? 4 : 0) | op.pp);
    if (op.map == X64_MAP_0F && !op.w && !x && !bb) {
        PUT(b, 0xC5);
        PUT(b, (uint8_t)((r ? 0 : 0x80) | tail));
    } else {
        PUT(b, 0xC4);
        PUT(b, (uint8_t)((r ? 0 : 0x80) | (x ? 0 : 0x40) | (bb ? 0 : 0x20) | op.map));
        PUT(b, (uint8_t)((op.w ? 0x80 : 0) | tail));
    }
    PUT(b, op.op);
    modrm(b, reg, rm, imm >= 0 ? 1 : 0);
    if (imm >= 0)
        PUT(b, (uint8_t)imm);
}

void x64_sse_shift_imm(x64_buf *b, uint8_t op, uint8_t digit, uint8_t xmm, uint8_t imm)
{
    x64_sse(b, X64_SSE(X64_PP_66, X64_MAP_0F, op), digit, x64_r(xmm), imm);
}

void x64_vex_shift_imm(x64_buf *b, uint8_t op, uint8_t digit, uint8_t dst, uint8_t src, uint8_t imm)
{
    x64_vex(b, X64_SSE(X64_PP_66, X64_MAP_0F, op), false, digit, dst, x64_r(src), imm);
}

void x64_movaps_rr(x64_buf *b, uint8_t dst, uint8_t src)
{
    x64_sse(b, X64_SSE(X64_PP_NONE, X64_MAP_0F, 0x28), dst, x64_r(src), -1);
}

void x64_movdqu_load(x64_buf *b, uint8_t dst, x64_mem src)
{
    x64_sse(b, X64_SSE(X64_PP_F3, X64_MAP_0F, 0x6F), dst, x64_m(src), -1);
}

void x64_movdqu_store(x64_buf *b, x64_mem dst, uint8_t src)
{
    x64_sse(b, X64_SSE(X64_PP_F3, X64_MAP_0F, 0x7F), src, x64_m(dst), -1);
}

void x64_movss_load(x64_buf *b, uint8_t dst, x64_mem src)
{
    x64_sse(b, X64_SSE(X64_PP_F3, X64_MAP_0F, 0x10), dst, x64_m(src), -1);
}

void x64_movsd_load(x64_buf *b, uint8_t dst, x64_mem src)
{
    x64_sse(b, X64_SSE(X64_PP_F2, X64_MAP_0F, 0x10), dst, x64_m(src), -1);
}

void x64_movss_store(x64_buf *b, x64_mem dst, uint8_t src)
{
    x64_sse(b, X64_SSE(X64_PP_F3, X64_MAP_0F, 0x11), src, x64_m(dst), -1);
}

void x64_movsd_store(x64_buf *b, x64_mem dst, uint8_t src)
{
    x64_sse(b, X64_SSE(X64_PP_F2, X64_MAP_0F, 0x11), src, x64_m(dst), -1);
}

void x64_movq_xr(x64_buf *b, bool w64, uint8_t xmm, uint8_t gpr)
{
    x64_sseop op = { X64_PP_66, X64_MAP_0F, 0x6E, (uint8_t)(w64 ? 1 : 0) };
    x64_sse(b, op, xmm, x64_r(gpr), -1);
}

void x64_movq_rx(x64_buf *b, bool w64, uint8_t gpr, uint8_t xmm)
{
    x64_sseop op = { X64_PP_66, X64_MAP_0F, 0x7E, (uint8_t)(w64 ? 1 : 0) };
    x64_sse(b, op, xmm, x64_r(gpr), -1);
}
