/*
 * kernel/arch/x86_64/arch_tests.c — in-kernel tests of the descriptor tables,
 * interrupt dispatch and the page-table permissions the kernel runs with.
 */
#include "arch/x86_64/arch.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"
#include "core/kernel.h"
#include "core/ktest.h"
#include "lib/lib.h"
#include <kpio/boot.h>

static volatile unsigned breakpoint_hits;
static volatile uint64_t breakpoint_rip;

static bool on_breakpoint(struct trap_frame *f)
{
    breakpoint_hits++;
    breakpoint_rip = f->rip;
    f->rbx += 1;            /* visible to the interrupted code after iretq */
    return true;
}

/* int3 goes through the IDT, the stub and trap_dispatch to a registered
 * handler, and comes back with every register restored (and rbx changed by
 * the handler through the frame). */
KTEST(trap_handler_roundtrip)
{
    uint64_t rbx = 41, r12 = 0x1234, after;
    trap_handler_fn previous = trap_get_handler(VEC_BREAKPOINT);
    trap_set_handler(VEC_BREAKPOINT, on_breakpoint);
    breakpoint_hits = 0;
    __asm__ volatile("mov %2, %%r12\n\t"
                     "int3\n\t"
                     "lea 0(%%rip), %1\n\t"
                     "mov %%r12, %2"
                     : "+b"(rbx), "=r"(after), "+r"(r12) : : "r12", "memory");
    trap_set_handler(VEC_BREAKPOINT, previous);
    KT_ASSERT_EQ(breakpoint_hits, 1);
    KT_ASSERT_EQ(rbx, 42);
    KT_ASSERT_EQ(r12, 0x1234);
    /* int3 is a trap: the saved rip is the next instruction, the lea. */
    KT_ASSERT(breakpoint_rip < after && after - breakpoint_rip < 16);
}

static volatile uint64_t fault_cr2, fault_error, recover_at;

static bool on_page_fault(struct trap_frame *f)
{
    fault_cr2 = read_cr2();
    fault_error = f->error_code;
    f->rip = recover_at;    /* skip the faulting load */
    return true;
}

/* The hook demand paging uses: a #PF handler sees the address and the error
 * code, and resolves the fault; the kernel carries on. */
KTEST(page_fault_hook)
{
    volatile uint64_t *guard = (volatile uint64_t *)(uintptr_t)(KPIO_BOOT_STACK_TOP + 0x40);
    uint64_t value = 7;
    trap_handler_fn previous = trap_get_handler(VEC_PAGE_FAULT);    /* demand paging's */
    trap_set_handler(VEC_PAGE_FAULT, on_page_fault);
    __asm__ volatile("lea 1f(%%rip), %%rax\n\t"
                     "mov %%rax, %1\n\t"
                     "mov (%2), %0\n"
                     "1:"
                     : "+r"(value), "=m"(recover_at) : "r"(guard) : "rax", "memory");
    trap_set_handler(VEC_PAGE_FAULT, previous);
    KT_ASSERT_EQ(fault_cr2, (uint64_t)(uintptr_t)guard);
    KT_ASSERT_EQ(fault_error, 0);       /* read, not present, kernel mode */
    KT_ASSERT_EQ(value, 7);
}

/* Walk the live page tables (Intel SDM vol. 3A §4.5) for va: returns the
 * leaf entry with W cleared / NX set if any level forbids it, 0 if unmapped. */
static uint64_t effective_pte(uint64_t va)
{
    uint64_t table = read_cr3() & 0x000ffffffffff000ULL, rw = 2, nx = 0;
    for (int level = 3; level >= 0; level--) {
        const uint64_t *t = (const uint64_t *)(uintptr_t)(KPIO_DIRECT_MAP_BASE + table);
        uint64_t e = t[(va >> (12 + 9 * level)) & 511];
        if (!(e & 1))
            return 0;
        rw &= e;
        nx |= e & (1ULL << 63);
        if (level == 0 || (e & 0x80))
            return (e & ~2ULL) | rw | nx;
        table = e & 0x000ffffffffff000ULL;
    }
    return 0;
}

extern const char __text_start[], __rodata_start[], __data_start[], __bss_end[];

/* W^X on the kernel image: text read-only and executable, rodata read-only
 * and NX, data and bss writable and NX; NX is enabled in EFER. */
KTEST(kernel_w_xor_x)
{
    const uint64_t W = 2, NX = 1ULL << 63;
    KT_ASSERT(rdmsr(MSR_EFER) & (1u << 11));
    uint64_t text = effective_pte((uint64_t)(uintptr_t)__text_start);
    uint64_t rodata = effective_pte((uint64_t)(uintptr_t)__rodata_start);
    uint64_t data = effective_pte((uint64_t)(uintptr_t)__data_start);
    uint64_t bss = effective_pte((uint64_t)(uintptr_t)(__bss_end - 1));
    KT_ASSERT(text && !(text & W) && !(text & NX));
    KT_ASSERT(rodata && !(rodata & W) && (rodata & NX));
    KT_ASSERT(data && (data & W) && (data & NX));
    KT_ASSERT(bss && (bss & W) && (bss & NX));
    /* The direct map is never executable. */
    uint64_t direct = effective_pte(KPIO_DIRECT_MAP_BASE + 0x100000);
    KT_ASSERT(direct && (direct & NX));
}

/* The task register and IST slots are in place on this CPU. */
KTEST(tss_loaded)
{
    uint16_t tr;
    __asm__ volatile("str %0" : "=r"(tr));
    KT_ASSERT_EQ(tr, SEL_TSS);
    uint16_t cs;
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    KT_ASSERT_EQ(cs, SEL_KERNEL_CODE);
}

static bool count_breakpoint(struct trap_frame *f)
{
    (void)f;
    breakpoint_hits++;
    return true;
}

/* Cost of an exception round trip through the IDT, the entry stub, the C
 * dispatcher and iretq: the floor under every interrupt and fault. */
KBENCH(trap_roundtrip)
{
    const unsigned rounds = 20000;
    trap_set_handler(VEC_BREAKPOINT, count_breakpoint);
    breakpoint_hits = 0;
    uint64_t t0 = rdtsc();
    for (unsigned i = 0; i < rounds; i++)
        __asm__ volatile("int3" : : : "memory");
    uint64_t ticks = rdtsc() - t0;
    trap_set_handler(VEC_BREAKPOINT, NULL);
    KT_ASSERT_EQ(breakpoint_hits, rounds);
    kbench_report("trap_roundtrip", ticks * 1000 / (boot_tsc_hz() / 1000000), rounds, "ns");
}
