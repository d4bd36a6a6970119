/*
 * kernel/arch/x86_64/fault.c — the report for an exception the kernel cannot
 * handle: which exception, its error code spelled out, every register, the
 * control registers and a symbolized backtrace, on every console; then the
 * machine stops (panic.c).
 */
#include "arch/x86_64/trap.h"
#include "arch/x86_64/cpu.h"
#include "core/console.h"
#include "core/panic.h"
#include "lib/lib.h"

static const char *const exception_names[32] = {
    [0] = "#DE divide error",           [1] = "#DB debug",
    [2] = "NMI",                        [3] = "#BP breakpoint",
    [4] = "#OF overflow",               [5] = "#BR bound range exceeded",
    [6] = "#UD invalid opcode",         [7] = "#NM device not available",
    [8] = "#DF double fault",           [9] = "coprocessor segment overrun",
    [10] = "#TS invalid TSS",           [11] = "#NP segment not present",
    [12] = "#SS stack fault",           [13] = "#GP general protection",
    [14] = "#PF page fault",            [16] = "#MF x87 floating-point error",
    [17] = "#AC alignment check",       [18] = "#MC machine check",
    [19] = "#XM SIMD floating-point",   [20] = "#VE virtualization",
    [21] = "#CP control protection",    [28] = "#HV hypervisor injection",
    [29] = "#VC VMM communication",     [30] = "#SX security",
};

const char *trap_name(unsigned vector)
{
    if (vector < 32)
        return exception_names[vector] ? exception_names[vector] : "reserved exception";
    return "interrupt";
}

/* Spell out an error code: page-fault bits (SDM §4.7) or a selector index. */
static void describe_error(const struct trap_frame *f, char *buf, size_t size)
{
    uint64_t e = f->error_code;
    if (f->vector == VEC_PAGE_FAULT) {
        snprintf(buf, size, "%s, %s, %s mode%s%s%s",
                 e & 1 ? "protection violation" : "page not present",
                 e & 16 ? "instruction fetch" : e & 2 ? "write" : "read",
                 e & 4 ? "user" : "kernel",
                 e & 8 ? ", reserved bit set" : "",
                 e & 32 ? ", protection key" : "",
                 e & (1u << 15) ? ", SGX" : "");
    } else if ((f->vector >= 10 && f->vector <= 13) && e) {
        snprintf(buf, size, "%s selector index %llu%s",
                 (e & 6) == 0 ? "GDT" : (e & 2) ? "IDT" : "LDT",
                 (unsigned long long)((e >> 3) & 0x1fff), e & 1 ? ", external" : "");
    } else {
        buf[0] = 0;
    }
}

_Noreturn void trap_fatal(const struct trap_frame *f)
{
    char why[128];
    panic_begin();
    describe_error(f, why, sizeof(why));
    console_printf("\n======== KERNEL EXCEPTION on cpu %u ========\n", cpu_apic_id());
    console_printf("%s (vector %llu), error code 0x%llx%s%s%s\n", trap_name((unsigned)f->vector),
                   (unsigned long long)f->vector, (unsigned long long)f->error_code,
                   why[0] ? " (" : "", why, why[0] ? ")" : "");
    if (f->vector == VEC_PAGE_FAULT)
        console_printf("faulting address (cr2) 0x%016llx\n", (unsigned long long)read_cr2());
    if (f->vector == VEC_DOUBLE_FAULT)
        console_printf("(a double fault in the kernel is most often a stack overflow)\n");
    console_printf("rip %016llx  cs %04llx  rflags %016llx  %s mode\n",
                   (unsigned long long)f->rip, (unsigned long long)f->cs,
                   (unsigned long long)f->rflags, (f->cs & 3) ? "user" : "kernel");
    console_printf("rsp %016llx  ss %04llx\n", (unsigned long long)f->rsp,
                   (unsigned long long)f->ss);
    console_printf("rax %016llx  rbx %016llx  rcx %016llx\n", (unsigned long long)f->rax,
                   (unsigned long long)f->rbx, (unsigned long long)f->rcx);
    console_printf("rdx %016llx  rsi %016llx  rdi %016llx\n", (unsigned long long)f->rdx,
                   (unsigned long long)f->rsi, (unsigned long long)f->rdi);
    console_printf("rbp %016llx  r8  %016llx  r9  %016llx\n", (unsigned long long)f->rbp,
                   (unsigned long long)f->r8, (unsigned long long)f->r9);
    console_printf("r10 %016llx  r11 %016llx  r12 %016llx\n", (unsigned long long)f->r10,
                   (unsigned long long)f->r11, (unsigned long long)f->r12);
    console_printf("r13 %016llx  r14 %016llx  r15 %016llx\n", (unsigned long long)f->r13,
                   (unsigned long long)f->r14, (unsigned long long)f->r15);
    console_printf("cr0 %016llx  cr2 %016llx  cr3 %016llx  cr4 %016llx\n",
                   (unsigned long long)read_cr0(), (unsigned long long)read_cr2(),
                   (unsigned long long)read_cr3(), (unsigned long long)read_cr4());
    if ((f->cs & 3) == 0)
        backtrace_print(f->rip, f->rbp);
    panic_finish();
}
