/*
 * tests/unit/jit/test_x64_asm.c — the JIT's x86-64 encoder checked against
 * the system disassembler (GNU objdump, Intel syntax).
 *
 * Each test emits instructions and states, for each one, the assembly text it
 * must be; the bytes go through `objdump -D -b binary -m i386:x86-64 -M intel`
 * and every decoded line must match its expectation at the same offset (and
 * nothing may decode differently or as "(bad)"). Most groups run over every
 * register combination, so REX/VEX extension bits, the rsp/rbp/r12/r13
 * special cases of ModRM/SIB and every displacement size are all exercised.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../../runtime/jit/x64/x64_asm.h"

static const char *r64[16] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                               "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };
static const char *r32[16] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
                               "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d" };
static const char *r16[16] = { "ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
                               "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w" };
static const char *r8n[16] = { "al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
                               "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b" };
static const char *alu_names[8] = { "add", "or", "adc", "sbb", "and", "sub", "xor", "cmp" };
static const char *cc_names[16] = { "o", "no", "b", "ae", "e", "ne", "be", "a",
                                    "s", "ns", "p", "np", "l", "ge", "le", "g" };

/* ---- expectations and the disassembler ---- */

typedef struct expect {
    size_t off;
    char text[112];
} expect;

static x64_buf buf;
static expect *exps;
static size_t nexps, cap_exps;

static void begin(void)
{
    x64_init(&buf);
    nexps = 0;
}

/* Records what the instruction emitted since `off` must disassemble to. */
static void expectf(size_t off, const char *fmt, ...)
{
    if (nexps == cap_exps) {
        cap_exps = cap_exps ? cap_exps * 2 : 1024;
        exps = realloc(exps, cap_exps * sizeof(*exps));
        assert_non_null(exps);
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(exps[nexps].text, sizeof(exps[nexps].text), fmt, ap);
    va_end(ap);
    exps[nexps].off = off;
    nexps++;
}

#define EMIT(call, ...) do { size_t o_ = buf.len; call; expectf(o_, __VA_ARGS__); } while (0)

/* Collapses runs of blanks, drops comments ("# ..." and "<...>"). */
static void normalize(char *s)
{
    char *hash = strchr(s, '#');
    if (hash)
        *hash = 0;
    char *lt = strchr(s, '<');
    if (lt)
        *lt = 0;
    char *w = s;
    bool space = false;
    for (char *r = s; *r; r++) {
        if (*r == ' ' || *r == '\t' || *r == '\n') {
            space = w != s;
            continue;
        }
        if (space)
            *w++ = ' ';
        space = false;
        *w++ = *r;
    }
    *w = 0;
}

/* Disassembles the buffer and compares line by line. */
static void check(void)
{
    assert_false(buf.failed);
    assert_true(x64_resolve(&buf));
    char path[] = "/tmp/x64asm-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, buf.code, buf.len), (ssize_t)buf.len);
    close(fd);
    char cmd[256];
    snprintf(cmd, sizeof(cmd),
             "objdump -D -z -b binary -m i386:x86-64 -M intel --no-show-raw-insn %s", path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[512];
    size_t next = 0, mismatches = 0;
    while (fgets(line, sizeof(line), p)) {
        char *colon = strchr(line, ':');
        if (!colon || line[0] != ' ')
            continue;
        char *end;
        size_t off = strtoul(line, &end, 16);
        if (end != colon)
            continue;
        char *text = colon + 1;
        normalize(text);
        if (next >= nexps || exps[next].off != off) {
            if (mismatches++ < 20)
                fprintf(stderr, "unexpected instruction at 0x%zx: '%s' (expected %s at 0x%zx)\n", off,
                        text, next < nexps ? exps[next].text : "nothing",
                        next < nexps ? exps[next].off : 0);
            continue;
        }
        char want[112];
        snprintf(want, sizeof(want), "%s", exps[next].text);
        normalize(want);
        if (strcmp(text, want) != 0 && mismatches++ < 20)
            fprintf(stderr, "at 0x%zx: got '%s', expected '%s'\n", off, text, want);
        next++;
    }
    pclose(p);
    unlink(path);
    if (next != nexps && mismatches++ < 20)
        fprintf(stderr, "%zu of %zu instructions found\n", next, nexps);
    x64_free(&buf);
    assert_int_equal(mismatches, 0);
}

/* ---- operand text ---- */

static const char *size_ptr(int size)
{
    return size == 1 ? "BYTE PTR " : size == 2 ? "WORD PTR " : size == 4 ? "DWORD PTR " :
           size == 8 ? "QWORD PTR " : size == 16 ? "XMMWORD PTR " : "";
}

/* Formats a memory operand the way objdump prints it. */
static const char *mem_text(x64_mem m, int size)
{
    static char out[8][96];
    static int k;
    char *s = out[k++ & 7];
    char inner[80] = "";
    size_t n = 0;
    if (m.base != X64_NOREG)
        n += snprintf(inner + n, sizeof(inner) - n, "%s", r64[m.base]);
    if (m.index != X64_NOREG)
        n += snprintf(inner + n, sizeof(inner) - n, "%s%s*%d", n ? "+" : "", r64[m.index], m.scale);
    bool show_zero = m.base == X64_NOREG || (m.base & 7) == 5;
    if (m.disp > 0 || (m.disp == 0 && show_zero))
        snprintf(inner + n, sizeof(inner) - n, "+0x%x", m.disp);
    else if (m.disp < 0)
        snprintf(inner + n, sizeof(inner) - n, "-0x%x", (unsigned)-(int64_t)m.disp);
    snprintf(s, 96, "%s[%s]", size_ptr(size), inner);
    return s;
}

static const char *imm_text(int64_t v, int size)
{
    static char out[8][32];
    static int k;
    char *s = out[k++ & 7];
    uint64_t u = (uint64_t)v;
    if (size < 8)
        u &= (1ull << (size * 8)) - 1;
    snprintf(s, 32, "0x%llx", (unsigned long long)u);
    return s;
}

/* A spread of memory operands: every base, with and without an index,
 * every displacement size, every scale. */
static size_t mem_samples(x64_mem *out)
{
    size_t n = 0;
    static const int32_t disps[] = { 0, 8, -8, 127, 128, -129, 0x12345678, -0x1000 };
    for (int base = 0; base < 16; base++)
        for (size_t d = 0; d < sizeof(disps) / sizeof(disps[0]); d++)
            out[n++] = x64_base((uint8_t)base, disps[d]);
    for (int base = 0; base < 16; base++)
        for (int index = 0; index < 16; index++) {
            if (index == X64_RSP)
                continue;
            static const uint8_t scales[] = { 1, 2, 4, 8 };
            out[n++] = x64_sib((uint8_t)base, (uint8_t)index, scales[(base + index) & 3],
                               (base * 37 + index * 11) % 3 == 0 ? 0 : (base & 1) ? 0x40 : 0x4000);
        }
    for (int index = 0; index < 16; index++)
        if (index != X64_RSP)
            out[n++] = x64_sib(X64_NOREG, (uint8_t)index, 4, 0x100);
    return n;
}

/* ---- general-purpose groups ---- */

static void test_alu_rr(void **state)
{
    (void)state;
    begin();
    for (int op = 0; op < 8; op++)
        for (int d = 0; d < 16; d++)
            for (int s = 0; s < 16; s++) {
                EMIT(x64_alu_rr(&buf, (x64_alu)op, true, (uint8_t)d, (uint8_t)s), "%s %s,%s",
                     alu_names[op], r64[d], r64[s]);
                EMIT(x64_alu_rr(&buf, (x64_alu)op, false, (uint8_t)d, (uint8_t)s), "%s %s,%s",
                     alu_names[op], r32[d], r32[s]);
            }
    check();
}

static void test_alu_imm(void **state)
{
    (void)state;
    static const int32_t imms[] = { 0, 1, -1, 127, -128, 128, -129, 0x7fffffff, (int32_t)0x80000000 };
    begin();
    for (int op = 0; op < 8; op++)
        for (int d = 0; d < 16; d++)
            for (size_t i = 0; i < sizeof(imms) / sizeof(imms[0]); i++) {
                EMIT(x64_alu_ri(&buf, (x64_alu)op, true, (uint8_t)d, imms[i]), "%s %s,%s", alu_names[op],
                     r64[d], imm_text(imms[i], 8));
                EMIT(x64_alu_ri(&buf, (x64_alu)op, false, (uint8_t)d, imms[i]), "%s %s,%s", alu_names[op],
                     r32[d], imm_text(imms[i], 4));
            }
    check();
}

static void test_alu_mem(void **state)
{
    (void)state;
    static x64_mem ms[400];
    size_t n = mem_samples(ms);
    begin();
    for (size_t i = 0; i < n; i++) {
        int op = (int)(i % 8), r = (int)(i * 7 % 16);
        EMIT(x64_alu_rm(&buf, (x64_alu)op, true, (uint8_t)r, ms[i]), "%s %s,%s", alu_names[op], r64[r],
             mem_text(ms[i], 8));
        EMIT(x64_alu_mr(&buf, (x64_alu)op, false, ms[i], (uint8_t)r), "%s %s,%s", alu_names[op],
             mem_text(ms[i], 4), r32[r]);
        static const int sizes[] = { 1, 2, 4, 8 };
        int size = sizes[i & 3];
        int32_t imm = (i & 4) ? 3 : (size == 1 ? 0x55 : 0x1234);
        EMIT(x64_alu_mi(&buf, (x64_alu)op, size, ms[i], imm), "%s %s,%s", alu_names[op],
             mem_text(ms[i], size), imm_text(imm, size));
    }
    check();
}

static void test_mov(void **state)
{
    (void)state;
    static x64_mem ms[400];
    size_t n = mem_samples(ms);
    begin();
    for (int d = 0; d < 16; d++)
        for (int s = 0; s < 16; s++) {
            EMIT(x64_mov_rr(&buf, true, (uint8_t)d, (uint8_t)s), "mov %s,%s", r64[d], r64[s]);
            EMIT(x64_mov_rr(&buf, false, (uint8_t)d, (uint8_t)s), "mov %s,%s", r32[d], r32[s]);
        }
    for (size_t i = 0; i < n; i++) {
        int r = (int)(i * 5 % 16);
        EMIT(x64_load(&buf, 8, (uint8_t)r, ms[i]), "mov %s,%s", r64[r], mem_text(ms[i], 8));
        EMIT(x64_load(&buf, 4, (uint8_t)r, ms[i]), "mov %s,%s", r32[r], mem_text(ms[i], 4));
        EMIT(x64_load(&buf, 2, (uint8_t)r, ms[i]), "movzx %s,%s", r32[r], mem_text(ms[i], 2));
        EMIT(x64_load(&buf, 1, (uint8_t)r, ms[i]), "movzx %s,%s", r32[r], mem_text(ms[i], 1));
        EMIT(x64_load_sx(&buf, 1, true, (uint8_t)r, ms[i]), "movsx %s,%s", r64[r], mem_text(ms[i], 1));
        EMIT(x64_load_sx(&buf, 2, false, (uint8_t)r, ms[i]), "movsx %s,%s", r32[r], mem_text(ms[i], 2));
        EMIT(x64_load_sx(&buf, 4, true, (uint8_t)r, ms[i]), "movsxd %s,%s", r64[r], mem_text(ms[i], 4));
        EMIT(x64_store(&buf, 8, ms[i], (uint8_t)r), "mov %s,%s", mem_text(ms[i], 8), r64[r]);
        EMIT(x64_store(&buf, 4, ms[i], (uint8_t)r), "mov %s,%s", mem_text(ms[i], 4), r32[r]);
        EMIT(x64_store(&buf, 2, ms[i], (uint8_t)r), "mov %s,%s", mem_text(ms[i], 2), r16[r]);
        EMIT(x64_store(&buf, 1, ms[i], (uint8_t)r), "mov %s,%s", mem_text(ms[i], 1), r8n[r]);
        EMIT(x64_store_imm(&buf, 1, ms[i], 0x7f), "mov %s,0x7f", mem_text(ms[i], 1));
        EMIT(x64_store_imm(&buf, 2, ms[i], 0x1234), "mov %s,0x1234", mem_text(ms[i], 2));
        EMIT(x64_store_imm(&buf, 4, ms[i], -2), "mov %s,0xfffffffe", mem_text(ms[i], 4));
        EMIT(x64_store_imm(&buf, 8, ms[i], -2), "mov %s,0xfffffffffffffffe", mem_text(ms[i], 8));
        EMIT(x64_lea(&buf, true, (uint8_t)r, ms[i]), "lea %s,%s", r64[r], mem_text(ms[i], 0));
        EMIT(x64_lea(&buf, false, (uint8_t)r, ms[i]), "lea %s,%s", r32[r], mem_text(ms[i], 0));
    }
    for (int d = 0; d < 16; d++) {
        EMIT(x64_mov_imm(&buf, (uint8_t)d, 0), "mov %s,0x0", r32[d]);
        EMIT(x64_mov_imm(&buf, (uint8_t)d, 0xffffffffu), "mov %s,0xffffffff", r32[d]);
        EMIT(x64_mov_imm(&buf, (uint8_t)d, (uint64_t)-5), "mov %s,0xfffffffffffffffb", r64[d]);
        EMIT(x64_mov_imm(&buf, (uint8_t)d, 0x123456789abcull), "movabs %s,0x123456789abc", r64[d]);
        for (int s = 0; s < 16; s++) {
            EMIT(x64_movzx_rr(&buf, 1, (uint8_t)d, (uint8_t)s), "movzx %s,%s", r32[d], r8n[s]);
            EMIT(x64_movzx_rr(&buf, 2, (uint8_t)d, (uint8_t)s), "movzx %s,%s", r32[d], r16[s]);
            EMIT(x64_movsx_rr(&buf, 1, true, (uint8_t)d, (uint8_t)s), "movsx %s,%s", r64[d], r8n[s]);
            EMIT(x64_movsx_rr(&buf, 2, false, (uint8_t)d, (uint8_t)s), "movsx %s,%s", r32[d], r16[s]);
            EMIT(x64_movsx_rr(&buf, 4, true, (uint8_t)d, (uint8_t)s), "movsxd %s,%s", r64[d], r32[s]);
            EMIT(x64_xchg_rr(&buf, true, (uint8_t)d, (uint8_t)s), "xchg %s,%s", r64[s], r64[d]);
        }
    }
    check();
}

static void test_arith(void **state)
{
    (void)state;
    static const char *shift_names[8] = { "rol", "ror", "", "", "shl", "shr", "", "sar" };
    static const x64_shift shifts[] = { X64_ROL, X64_ROR, X64_SHL, X64_SHR, X64_SAR };
    static const char *un_names[8] = { "", "", "not", "neg", "mul", "imul", "div", "idiv" };
    static const char *bit_names[] = { "bsf", "bsr", "tzcnt", "lzcnt", "popcnt" };
    begin();
    for (int d = 0; d < 16; d++) {
        for (size_t k = 0; k < 5; k++) {
            x64_shift sh = shifts[k];
            EMIT(x64_shift_ri(&buf, sh, true, (uint8_t)d, 1), "%s %s,1", shift_names[sh], r64[d]);
            EMIT(x64_shift_ri(&buf, sh, false, (uint8_t)d, 31), "%s %s,0x1f", shift_names[sh], r32[d]);
            EMIT(x64_shift_cl(&buf, sh, true, (uint8_t)d), "%s %s,cl", shift_names[sh], r64[d]);
        }
        for (int u = X64_NOT; u <= X64_IDIV; u++) {
            EMIT(x64_unary(&buf, (x64_unop)u, true, x64_r((uint8_t)d)), "%s %s", un_names[u], r64[d]);
            EMIT(x64_unary(&buf, (x64_unop)u, false, x64_r((uint8_t)d)), "%s %s", un_names[u], r32[d]);
        }
        EMIT(x64_unary(&buf, X64_NEG, true, x64_m(x64_base((uint8_t)d, 16))), "neg %s",
             mem_text(x64_base((uint8_t)d, 16), 8));
        for (int s = 0; s < 16; s += 3) {
            EMIT(x64_imul_rr(&buf, true, (uint8_t)d, x64_r((uint8_t)s)), "imul %s,%s", r64[d], r64[s]);
            EMIT(x64_imul_rr(&buf, false, (uint8_t)d, x64_m(x64_base((uint8_t)s, -4))), "imul %s,%s", r32[d],
                 mem_text(x64_base((uint8_t)s, -4), 4));
            EMIT(x64_imul_rri(&buf, false, (uint8_t)d, x64_r((uint8_t)s), 10), "imul %s,%s,0xa", r32[d], r32[s]);
            EMIT(x64_imul_rri(&buf, true, (uint8_t)d, x64_r((uint8_t)s), 1000), "imul %s,%s,0x3e8", r64[d],
                 r64[s]);
            for (int k = 0; k < 5; k++) {
                EMIT(x64_bitop(&buf, (x64_bitopc)k, true, (uint8_t)d, x64_r((uint8_t)s)), "%s %s,%s",
                     bit_names[k], r64[d], r64[s]);
                EMIT(x64_bitop(&buf, (x64_bitopc)k, false, (uint8_t)d, x64_r((uint8_t)s)), "%s %s,%s",
                     bit_names[k], r32[d], r32[s]);
            }
            EMIT(x64_test_rr(&buf, true, (uint8_t)d, (uint8_t)s), "test %s,%s", r64[d], r64[s]);
            EMIT(x64_test_rr(&buf, false, (uint8_t)d, (uint8_t)s), "test %s,%s", r32[d], r32[s]);
            EMIT(x64_shiftx(&buf, X64_SHL, false, (uint8_t)d, x64_r((uint8_t)s), (uint8_t)(15 - d)),
                 "shlx %s,%s,%s", r32[d], r32[s], r32[15 - d]);
            EMIT(x64_shiftx(&buf, X64_SHR, true, (uint8_t)d, x64_r((uint8_t)s), (uint8_t)(15 - s)),
                 "shrx %s,%s,%s", r64[d], r64[s], r64[15 - s]);
            EMIT(x64_shiftx(&buf, X64_SAR, true, (uint8_t)d, x64_r((uint8_t)s), (uint8_t)s), "sarx %s,%s,%s",
                 r64[d], r64[s], r64[s]);
            for (int c = 0; c < 16; c++)
                EMIT(x64_cmov(&buf, (x64_cond)c, (c & 1) != 0, (uint8_t)d, x64_r((uint8_t)s)), "cmov%s %s,%s",
                     cc_names[c], (c & 1) ? r64[d] : r32[d], (c & 1) ? r64[s] : r32[s]);
        }
        EMIT(x64_test_ri(&buf, false, (uint8_t)d, 0x100), "test %s,0x100", r32[d]);
        EMIT(x64_test_ri(&buf, true, (uint8_t)d, -1), "test %s,0xffffffffffffffff", r64[d]);
        EMIT(x64_test_mi(&buf, 4, x64_base((uint8_t)d, 8), 1), "test %s,0x1", mem_text(x64_base((uint8_t)d, 8), 4));
        EMIT(x64_test_mi(&buf, 1, x64_base((uint8_t)d, 0), 0x80), "test %s,0x80",
             mem_text(x64_base((uint8_t)d, 0), 1));
        for (int c = 0; c < 16; c++)
            EMIT(x64_setcc(&buf, (x64_cond)c, (uint8_t)d), "set%s %s", cc_names[c], r8n[d]);
        EMIT(x64_push(&buf, (uint8_t)d), "push %s", r64[d]);
        EMIT(x64_pop(&buf, (uint8_t)d), "pop %s", r64[d]);
        EMIT(x64_call_rm(&buf, x64_r((uint8_t)d)), "call %s", r64[d]);
        EMIT(x64_jmp_rm(&buf, x64_m(x64_base((uint8_t)d, 24))), "jmp %s", mem_text(x64_base((uint8_t)d, 24), 8));
    }
    EMIT(x64_cdq(&buf, false), "cdq");
    EMIT(x64_cdq(&buf, true), "cqo");
    EMIT(x64_ret(&buf), "ret");
    EMIT(x64_ud2(&buf), "ud2");
    EMIT(x64_int3(&buf), "int3");
    EMIT(x64_rep_movsb(&buf), "rep movs BYTE PTR es:[rdi],BYTE PTR ds:[rsi]");
    EMIT(x64_rep_stosq(&buf), "rep stos QWORD PTR es:[rdi],rax");
    check();
}

/* Branches: short and near forms, backward and forward, and RIP-relative
 * operands that refer to labels (with an immediate after the displacement). */
static void test_branches(void **state)
{
    (void)state;
    begin();
    x64_label top = x64_label_new(&buf);
    x64_label fwd = x64_label_new(&buf);
    x64_label data = x64_label_new(&buf);
    x64_bind(&buf, top);
    EMIT(x64_jmp(&buf, top), "jmp 0x0");
    EMIT(x64_jcc(&buf, X64_NE, top), "jne 0x0");
    for (int c = 0; c < 16; c++)
        EMIT(x64_jcc(&buf, (x64_cond)c, fwd), "j%s 0x%x", cc_names[c], 0);   /* fixed below */
    size_t first_fwd = nexps - 16;
    EMIT(x64_jmp(&buf, fwd), "jmp");
    EMIT(x64_call_label(&buf, fwd), "call");
    EMIT(x64_alu_rm(&buf, X64_ADD, true, X64_R9, x64_rip(data)), "add r9,QWORD PTR [rip+0x0]");
    size_t rip1 = nexps - 1;
    EMIT(x64_alu_mi(&buf, X64_CMP, 4, x64_rip(data), 7), "cmp DWORD PTR [rip+0x0],0x7");
    size_t rip2 = nexps - 1;
    EMIT(x64_sse(&buf, X64_SSE(X64_PP_66, X64_MAP_0F3A, 0x0F), 3, x64_m(x64_rip(data)), 4),
         "palignr xmm3,XMMWORD PTR [rip+0x0],0x4");
    size_t rip3 = nexps - 1;
    /* 200 bytes of filler so that a backward branch needs the near form */
    for (int i = 0; i < 50; i++)
        EMIT(x64_alu_rr(&buf, X64_ADD, false, X64_RAX, X64_RCX), "add eax,ecx");
    EMIT(x64_jmp(&buf, top), "jmp 0x0");
    EMIT(x64_jcc(&buf, X64_L, top), "jl 0x0");
    x64_bind(&buf, fwd);
    size_t fwd_pos = buf.len;
    EMIT(x64_ret(&buf), "ret");
    size_t pad_start = buf.len;
    x64_align(&buf, 16, false);
    for (size_t k = pad_start; k < buf.len; k++)
        expectf(k, "int3");
    x64_bind(&buf, data);
    size_t data_pos = buf.len;
    x64_u64(&buf, 0);
    /* the data disassembles as four "add BYTE PTR [rax],al" */
    for (size_t k = 0; k < 8; k += 2)
        expectf(data_pos + k, "add BYTE PTR [rax],al");
    /* fill in the forward targets now that they are known */
    for (int c = 0; c < 16; c++)
        snprintf(exps[first_fwd + c].text, sizeof(exps[0].text), "j%s 0x%zx", cc_names[c], fwd_pos);
    snprintf(exps[first_fwd + 16].text, sizeof(exps[0].text), "jmp 0x%zx", fwd_pos);
    snprintf(exps[first_fwd + 17].text, sizeof(exps[0].text), "call 0x%zx", fwd_pos);
    /* objdump shows each RIP-relative displacement: data - end of instruction */
    size_t idx[3] = { rip1, rip2, rip3 };
    const char *fmt[3] = { "add r9,QWORD PTR [rip+0x%zx]", "cmp DWORD PTR [rip+0x%zx],0x7",
                           "palignr xmm3,XMMWORD PTR [rip+0x%zx],0x4" };
    for (int i = 0; i < 3; i++)
        snprintf(exps[idx[i]].text, sizeof(exps[0].text), fmt[i], data_pos - exps[idx[i] + 1].off);
    check();
}

/* ---- SSE / AVX ---- */

static void test_sse(void **state)
{
    (void)state;
    static x64_mem ms[400];
    size_t n = mem_samples(ms);
    begin();
    for (int d = 0; d < 16; d++)
        for (int s = 0; s < 16; s++) {
            EMIT(x64_sse(&buf, X64_SSE(X64_PP_F3, X64_MAP_0F, 0x58), (uint8_t)d, x64_r((uint8_t)s), -1),
                 "addss xmm%d,xmm%d", d, s);
            EMIT(x64_sse(&buf, X64_SSE(X64_PP_66, X64_MAP_0F38, 0x40), (uint8_t)d, x64_r((uint8_t)s), -1),
                 "pmulld xmm%d,xmm%d", d, s);
            EMIT(x64_sse(&buf, X64_SSE(X64_PP_66, X64_MAP_0F3A, 0x0A), (uint8_t)d, x64_r((uint8_t)s), 9),
                 "roundss xmm%d,xmm%d,0x9", d, s);
            EMIT(x64_vex(&buf, X64_SSE(X64_PP_F2, X64_MAP_0F, 0x59), false, (uint8_t)d, (uint8_t)(s ^ 5),
                         x64_r((uint8_t)s), -1), "vmulsd xmm%d,xmm%d,xmm%d", d, s ^ 5, s);
            EMIT(x64_vex(&buf, X64_SSE(X64_PP_66, X64_MAP_0F38, 0x00), false, (uint8_t)d, (uint8_t)(15 - s),
                         x64_r((uint8_t)s), -1), "vpshufb xmm%d,xmm%d,xmm%d", d, 15 - s, s);
            EMIT(x64_vex(&buf, X64_SSE(X64_PP_66, X64_MAP_0F38, 0x58), true, (uint8_t)d, 0, x64_r((uint8_t)s), -1),
                 "vpbroadcastd ymm%d,xmm%d", d, s);
            EMIT(x64_movaps_rr(&buf, (uint8_t)d, (uint8_t)s), "movaps xmm%d,xmm%d", d, s);
            EMIT(x64_movq_xr(&buf, true, (uint8_t)d, (uint8_t)s), "movq xmm%d,%s", d, r64[s]);
            EMIT(x64_movq_xr(&buf, false, (uint8_t)d, (uint8_t)s), "movd xmm%d,%s", d, r32[s]);
            EMIT(x64_movq_rx(&buf, true, (uint8_t)s, (uint8_t)d), "movq %s,xmm%d", r64[s], d);
            EMIT(x64_movq_rx(&buf, false, (uint8_t)s, (uint8_t)d), "movd %s,xmm%d", r32[s], d);
            EMIT(x64_sse(&buf, X64_SSEW(X64_PP_66, X64_MAP_0F3A, 0x22), (uint8_t)d, x64_r((uint8_t)s), 1),
                 "pinsrq xmm%d,%s,0x1", d, r64[s]);
            EMIT(x64_vex(&buf, X64_SSEW(X64_PP_66, X64_MAP_0F3A, 0x22), false, (uint8_t)d, (uint8_t)(d ^ 3),
                         x64_r((uint8_t)s), 1), "vpinsrq xmm%d,xmm%d,%s,0x1", d, d ^ 3, r64[s]);
        }
    for (int d = 0; d < 16; d++) {
        EMIT(x64_sse_shift_imm(&buf, 0x72, 4, (uint8_t)d, 3), "psrad xmm%d,0x3", d);
        EMIT(x64_sse_shift_imm(&buf, 0x73, 7, (uint8_t)d, 8), "pslldq xmm%d,0x8", d);
        EMIT(x64_vex_shift_imm(&buf, 0x71, 6, (uint8_t)d, (uint8_t)(15 - d), 5), "vpsllw xmm%d,xmm%d,0x5", d, 15 - d);
    }
    for (size_t i = 0; i < n; i++) {
        int r = (int)(i * 3 % 16);
        EMIT(x64_movdqu_load(&buf, (uint8_t)r, ms[i]), "movdqu xmm%d,%s", r, mem_text(ms[i], 16));
        EMIT(x64_movdqu_store(&buf, ms[i], (uint8_t)r), "movdqu %s,xmm%d", mem_text(ms[i], 16), r);
        EMIT(x64_movss_load(&buf, (uint8_t)r, ms[i]), "movss xmm%d,%s", r, mem_text(ms[i], 4));
        EMIT(x64_movsd_store(&buf, ms[i], (uint8_t)r), "movsd %s,xmm%d", mem_text(ms[i], 8), r);
        EMIT(x64_vex(&buf, X64_SSE(X64_PP_66, X64_MAP_0F, 0xFE), false, (uint8_t)r, (uint8_t)(r ^ 9), x64_m(ms[i]), -1),
             "vpaddd xmm%d,xmm%d,%s", r, r ^ 9, mem_text(ms[i], 16));
    }
    check();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alu_rr),
        cmocka_unit_test(test_alu_imm),
        cmocka_unit_test(test_alu_mem),
        cmocka_unit_test(test_mov),
        cmocka_unit_test(test_arith),
        cmocka_unit_test(test_branches),
        cmocka_unit_test(test_sse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
