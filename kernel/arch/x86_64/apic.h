/*
 * kernel/arch/x86_64/apic.h — local APIC (timer, IPIs, EOI), I/O APIC and
 * device interrupt routing. Intel SDM vol. 3A ch. 10 (xAPIC); 82093AA I/O
 * APIC datasheet.
 *
 * Vectors: 0x20-0x2f the masked 8259 PICs (spurious only), 0x30-0xdf device
 * interrupts (irq_install_*), 0xf0-0xff the kernel's own (below).
 */
#ifndef KPIO_APIC_H
#define KPIO_APIC_H

#include <stdbool.h>
#include <stdint.h>

#define VEC_PIC_BASE    0x20
#define VEC_IRQ_FIRST   0x30
#define VEC_IRQ_LAST    0xdf
#define VEC_TIMER       0xf0
#define VEC_RESCHED     0xf1
#define VEC_TLB         0xf2
#define VEC_CALL        0xf3
#define VEC_APIC_ERROR  0xfe
#define VEC_SPURIOUS    0xff

/* Boot CPU: the local APIC, the I/O APICs (all inputs masked), the legacy
 * PICs masked, the TLB shootdown vector. Interrupts may be enabled after it. */
void interrupts_init(void);
/* Map the local APIC (MADT address) and enable it on the boot CPU; mask the
 * legacy PICs. */
void lapic_init(void);
/* Enable the local APIC on an AP (the mapping already exists). */
void lapic_init_ap(void);
/* Measure the APIC timer's rate against time_ns(); boot CPU, after time_init. */
void lapic_timer_calibrate(void);
uint32_t lapic_id(void);
void lapic_eoi(void);

/* IPIs. Each waits until the APIC has accepted the previous one. */
void lapic_send_ipi(uint32_t apic_id, uint8_t vector);
void lapic_send_nmi(uint32_t apic_id);
void lapic_send_init(uint32_t apic_id);
void lapic_send_startup(uint32_t apic_id, uint8_t page);

/* One-shot timer interrupt (VEC_TIMER) ns from now on this CPU; 0 stops it. */
void lapic_timer_oneshot(uint64_t ns);
uint64_t lapic_timer_hz(void);

/* ---- device interrupts ---- */
typedef void (*irq_fn)(void *ctx);

/* Route an ISA IRQ (0-15; MADT overrides applied) to fn on the boot CPU.
 * Returns the vector, or -errno. */
int irq_install_isa(unsigned isa_irq, irq_fn fn, void *ctx);
/* Route a GSI with the given trigger/polarity. Returns the vector or -errno. */
int irq_install_gsi(uint32_t gsi, bool level, bool active_low, irq_fn fn, void *ctx);
/* A free vector calling fn (for MSI); returns the vector or -errno. */
int irq_alloc_vector(irq_fn fn, void *ctx);
void irq_mask_gsi(uint32_t gsi, bool masked);
/* Give back a vector from irq_alloc_vector (mask its source first). */
void irq_free_vector(int vector);

/* Parse-time set-up of the I/O APICs from the MADT; all inputs masked. */
void ioapic_init(void);

/* Called when an interrupt handler is done: EOI already sent; preempt if the
 * scheduler asked for it. */
struct trap_frame;
void irq_exit(struct trap_frame *frame);

#endif
