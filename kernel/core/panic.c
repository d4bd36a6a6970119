/*
 * kernel/core/panic.c — panic() and the shared end of every fatal report.
 */
#include "core/panic.h"
#include "core/cmdline.h"
#include "core/console.h"
#include "core/log.h"
#include "arch/x86_64/cpu.h"
#include "lib/lib.h"

#define DEBUG_EXIT_PORT 0xf4
#define DEBUG_EXIT_BASE 0x10    /* QEMU exits with (value << 1) | 1: 33 for status 0 */

bool kernel_test_mode;

static volatile int panicking_cpu = -1;     /* APIC ID of the reporting CPU */
static void (*stop_others_hook)(void);

void panic_set_stop_others(void (*stop_others)(void))
{
    stop_others_hook = stop_others;
}

bool panic_in_progress(void)
{
    return panicking_cpu >= 0;
}

_Noreturn void qemu_exit(int status)
{
    outl(DEBUG_EXIT_PORT, DEBUG_EXIT_BASE + (uint32_t)status);
    cpu_halt_forever();         /* no isa-debug-exit device: just stop */
}

_Noreturn void panic_cpu_stop(void)
{
    cpu_halt_forever();
}

void panic_begin(void)
{
    irq_disable();
    int me = (int)cpu_apic_id();
    int expected = -1;
    if (!__atomic_compare_exchange_n(&panicking_cpu, &expected, me, false, __ATOMIC_SEQ_CST,
                                     __ATOMIC_SEQ_CST)) {
        if (expected != me)
            panic_cpu_stop();   /* someone else reports; we just stop */
        /* A fault while this CPU was already reporting: keep going, but do
         * not try to stop the others twice. */
        console_puts("\n(fault while reporting a fault)\n");
        panic_finish();
    }
    if (stop_others_hook)
        stop_others_hook();
    console_enter_panic();
}

_Noreturn void panic_finish(void)
{
    /* panic=halt keeps a test-mode machine up, e.g. for a screenshot. */
    const char *mode = cmdline_get("panic");
    if (kernel_test_mode && !(mode && strcmp(mode, "halt") == 0)) {
        console_puts("kernel: test mode, exiting QEMU with status 2 (panic)\n");
        qemu_exit(KPIO_EXIT_PANIC);
    }
    console_puts("System halted.\n");
    cpu_halt_forever();
}

_Noreturn void panic(const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    panic_begin();
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    console_printf("\n======== KERNEL PANIC on cpu %u ========\n%s\n", cpu_apic_id(), msg);
    backtrace_print((uint64_t)(uintptr_t)__builtin_return_address(0),
                    (uint64_t)(uintptr_t)__builtin_frame_address(0));
    panic_finish();
}
