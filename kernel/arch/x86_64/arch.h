/*
 * kernel/arch/x86_64/arch.h — per-CPU descriptor tables and the boot CPU's
 * first steps. Segment selectors are fixed (gdt.c): kernel code 0x08, kernel
 * data 0x10, user 32-bit code 0x1b, user data 0x23, user code 0x2b, TSS 0x30
 * (the order SYSCALL/SYSRET need with STAR[63:48] = 0x1b).
 */
#ifndef KPIO_ARCH_H
#define KPIO_ARCH_H

#include <stdint.h>

#define ARCH_MAX_CPUS 64

#define SEL_KERNEL_CODE 0x08
#define SEL_KERNEL_DATA 0x10
#define SEL_USER_CODE32 0x1b
#define SEL_USER_DATA   0x23
#define SEL_USER_CODE   0x2b
#define SEL_TSS         0x30

/* Interrupt stack table slots (TSS.IST1..3): these exceptions always switch to
 * a known-good stack, so a kernel stack overflow still gets reported. */
#define IST_DOUBLE_FAULT  1
#define IST_NMI           2
#define IST_MACHINE_CHECK 3
#define ARCH_IST_COUNT    3
#define ARCH_IST_STACK_SIZE 16384

/* Load CPU number cpu's own GDT and TSS and the shared IDT on the calling CPU.
 * ist_top[i] is the top of the stack for IST slot i+1 (each at least
 * ARCH_IST_STACK_SIZE bytes; the SMP code allocates them for each AP; the boot
 * CPU uses static ones through arch_init_boot_cpu). */
void arch_cpu_tables_init(unsigned cpu, const uint64_t ist_top[ARCH_IST_COUNT]);

/* The stack the CPU switches to on an interrupt from ring 3 (TSS.RSP0). */
void arch_set_kernel_stack(unsigned cpu, uint64_t rsp0);

/* Boot CPU: build the IDT and load everything for CPU 0. */
void arch_init_boot_cpu(void);

#endif
