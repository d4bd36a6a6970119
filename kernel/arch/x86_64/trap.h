/*
 * kernel/arch/x86_64/trap.h — interrupts and exceptions. Every one of the 256
 * vectors enters through a stub (isr.S) that saves the registers as a struct
 * trap_frame and calls trap_dispatch(). Subsystems claim vectors with
 * trap_set_handler(): the LAPIC timer, IPIs, device IRQs, and the page-fault
 * handler for demand paging. An exception nobody handles is fatal: a report
 * (fault.c) and the machine stops.
 */
#ifndef KPIO_TRAP_H
#define KPIO_TRAP_H

#include <stdbool.h>
#include <stdint.h>

/* Exception vectors (Intel SDM vol. 3A §6.15). */
enum {
    VEC_DIVIDE = 0, VEC_DEBUG = 1, VEC_NMI = 2, VEC_BREAKPOINT = 3, VEC_OVERFLOW = 4,
    VEC_BOUND = 5, VEC_INVALID_OPCODE = 6, VEC_NO_FPU = 7, VEC_DOUBLE_FAULT = 8,
    VEC_INVALID_TSS = 10, VEC_SEGMENT_NOT_PRESENT = 11, VEC_STACK_FAULT = 12,
    VEC_GENERAL_PROTECTION = 13, VEC_PAGE_FAULT = 14, VEC_X87 = 16, VEC_ALIGNMENT = 17,
    VEC_MACHINE_CHECK = 18, VEC_SIMD = 19, VEC_VIRTUALIZATION = 20, VEC_CONTROL_PROTECTION = 21,
    VEC_FIRST_IRQ = 32,     /* 32..255 are free for the APIC code to assign */
};

/* Layout pushed by isr.S (lowest address first); the last five are the CPU's. */
struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;    /* error_code is 0 where the CPU pushes none */
    uint64_t rip, cs, rflags, rsp, ss;
};

/* A handler returns true if it dealt with the event. For exceptions, false
 * means "not mine": the exception is then fatal. */
typedef bool (*trap_handler_fn)(struct trap_frame *frame);

void trap_set_handler(unsigned vector, trap_handler_fn fn);
/* The handler installed for vector (NULL if none), e.g. to restore it. */
trap_handler_fn trap_get_handler(unsigned vector);
const char *trap_name(unsigned vector);

/* Called by isr.S only. */
void trap_dispatch(struct trap_frame *frame);

/* Report an exception the kernel cannot handle, stop the machine. */
_Noreturn void trap_fatal(const struct trap_frame *frame);

void idt_init(void);    /* fill the IDT once (boot CPU) */
void idt_load(void);    /* load it on the calling CPU */

#endif
