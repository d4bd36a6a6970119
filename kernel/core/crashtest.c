/*
 * kernel/core/crashtest.c — deliberate crashes for the system tests of the
 * fatal-error path: `crash=KIND` on the command line (which also turns on
 * test mode, so the report ends with QEMU exiting with status 2).
 *
 *   panic      panic() with a message
 *   pagefault  a write to the unmapped guard page above the boot stack
 *   ud         an invalid opcode (ud2)
 *   gp         a load from a non-canonical address
 *   divide     an integer division by zero
 *   stack      unbounded recursion into the guard page below the boot stack:
 *              a double fault, reported from its IST stack
 *   triple     an exception with an empty IDT: the CPU resets (a triple
 *              fault), which tools/kpio-qemu reports as status 65
 *   hang       interrupts off, halt: only the runner's timeout ends this
 *   smp        a panic while every other CPU is busy printing: they must stop
 *              (arch/x86_64/smp.c, smp_crashtest)
 */
#include "core/crashtest.h"
#include "core/cmdline.h"
#include "core/log.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/smp.h"
#include "lib/lib.h"
#include <kpio/boot.h>

__attribute__((noinline)) static void crash_pagefault(void)
{
    volatile uint64_t *guard = (volatile uint64_t *)(uintptr_t)(KPIO_BOOT_STACK_TOP + 0x10);
    *guard = 0x6b70696f;
}

__attribute__((noinline)) static void crash_invalid_opcode(void)
{
    __asm__ volatile("ud2");
}

__attribute__((noinline)) static void crash_general_protection(void)
{
    volatile uint64_t *noncanonical = (volatile uint64_t *)(uintptr_t)0x8000000000000000ULL;
    (void)*noncanonical;
}

__attribute__((noinline)) static void crash_divide(void)
{
    volatile unsigned zero = 0;
    volatile unsigned result = 100 / zero;
    (void)result;
}

/* Each frame keeps 512 bytes live so the compiler cannot turn it into a loop. */
__attribute__((noinline)) static unsigned crash_recurse(unsigned depth)
{
    volatile uint8_t frame[512];
    frame[depth % sizeof(frame)] = (uint8_t)depth;
    if (depth > (1u << 30))         /* never: the stack ends long before */
        return 0;
    return crash_recurse(depth + 1) + frame[0];
}

__attribute__((noinline)) static void crash_triple_fault(void)
{
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) empty = { 0, 0 };
    __asm__ volatile("cli\n\tlidt %0\n\tud2" : : "m"(empty));
}

void crashtest_main(void)
{
    const char *kind = cmdline_get("crash");
    if (!kind)
        return;
    log_info("crash test: %s", kind);
    if (strcmp(kind, "panic") == 0)
        panic("crash test: deliberate panic (%s)", "crash=panic");
    else if (strcmp(kind, "pagefault") == 0)
        crash_pagefault();
    else if (strcmp(kind, "ud") == 0)
        crash_invalid_opcode();
    else if (strcmp(kind, "gp") == 0)
        crash_general_protection();
    else if (strcmp(kind, "divide") == 0)
        crash_divide();
    else if (strcmp(kind, "stack") == 0)
        crash_recurse(0);
    else if (strcmp(kind, "triple") == 0)
        crash_triple_fault();
    else if (strcmp(kind, "hang") == 0)
        cpu_halt_forever();
    else if (strcmp(kind, "smp") == 0)
        smp_crashtest();
    panic("crash test: '%s' did not crash (unknown kind?)", kind);
}
