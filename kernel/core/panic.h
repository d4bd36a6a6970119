/*
 * kernel/core/panic.h — stopping the machine: panic() (log.h) and fatal CPU
 * exceptions both end here. One CPU reports, the others are stopped through a
 * hook the SMP code installs, and in test mode QEMU exits with a status.
 */
#ifndef KPIO_PANIC_H
#define KPIO_PANIC_H

#include <stdbool.h>
#include <stdint.h>

/* Guest exit statuses written to QEMU's isa-debug-exit device (port 0xf4).
 * tools/kpio-qemu exits with the same numbers. */
enum kpio_exit_status {
    KPIO_EXIT_PASS = 0,     /* every test passed / benchmark done */
    KPIO_EXIT_FAIL = 1,     /* some test failed */
    KPIO_EXIT_PANIC = 2,    /* panic or fatal exception */
};

/* Exit QEMU with status (tests only; without the device, halt instead). */
_Noreturn void qemu_exit(int status);

/* Set when the command line asks for tests or benchmarks: fatal errors then
 * exit QEMU with KPIO_EXIT_PANIC instead of halting for a human to read. */
extern bool kernel_test_mode;

/* Begin a fatal report on this CPU: interrupts off, other CPUs stopped,
 * consoles in panic mode. If another CPU is already reporting, this CPU
 * halts inside (it never returns then). */
void panic_begin(void);
/* End the report: exit QEMU in test mode, otherwise halt for good. */
_Noreturn void panic_finish(void);
bool panic_in_progress(void);

/* The SMP code installs a function that makes every other CPU call
 * panic_cpu_stop() (an NMI broadcast; vector 2 goes there while a panic is in
 * progress). Without it (one CPU) nothing needs stopping. */
void panic_set_stop_others(void (*stop_others)(void));
_Noreturn void panic_cpu_stop(void);

/* Print "  #n 0x... symbol+0xoff" lines walking the frame-pointer chain from rbp. */
void backtrace_print(uint64_t rip, uint64_t rbp);

#endif
