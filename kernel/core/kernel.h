/*
 * kernel/core/kernel.h — what the init sequence (main.c) leaves for others.
 */
#ifndef KPIO_KERNEL_H
#define KPIO_KERNEL_H

#include <stdint.h>
#include <kpio/boot.h>

#define KPIO_VERSION "0.1"

/* The loader's boot info, copied into the kernel image before anything else
 * (so the loader's memory can be reclaimed). */
extern struct kpio_boot_info boot_info;

/* TSC at the kernel's first C instruction, and where it would show the prompt. */
extern uint64_t kernel_entry_tsc;
extern uint64_t kernel_prompt_tsc;

/* The TSC rate in Hz, measured against the PIT the first time (about 50 ms;
 * boot_time.c). For reports and benchmarks; time_ns() is the kernel's clock. */
uint64_t boot_tsc_hz(void);

#endif
