/*
 * kernel/arch/x86_64/apic.c — the local APIC in xAPIC mode (Intel SDM vol. 3A
 * ch. 10): enable, EOI, IPIs through the ICR (§10.6), the one-shot timer
 * (§10.5.4), and masking the 8259 PICs it replaces.
 */
#include "lib/lib.h"
#include "core/log.h"
#include "core/time.h"
#include "mm/mm.h"
#include "mm/vm.h"
#include "dev/acpi.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"

/* Register offsets (Intel SDM vol. 3A Table 10-1). */
#define LAPIC_ID        0x020
#define LAPIC_VERSION   0x030
#define LAPIC_TPR       0x080
#define LAPIC_EOI       0x0b0
#define LAPIC_SVR       0x0f0
#define LAPIC_ESR       0x280
#define LAPIC_ICR_LOW   0x300
#define LAPIC_ICR_HIGH  0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3e0

#define SVR_ENABLE      (1u << 8)
#define LVT_MASKED      (1u << 16)
#define ICR_PENDING     (1u << 12)
#define ICR_ASSERT      (1u << 14)
#define ICR_FIXED       (0u << 8)
#define ICR_NMI         (4u << 8)
#define ICR_INIT        (5u << 8)
#define ICR_STARTUP     (6u << 8)
#define MSR_APIC_BASE   0x1b

static volatile uint32_t *lapic;
static uint64_t timer_hz;           /* APIC timer ticks per second at divide-by-16 */
static uint64_t ticks_per_ns_q32;   /* timer_hz / 1e9 as a 32.32 fixed-point number */

static inline uint32_t lapic_read(uint32_t reg) { return lapic[reg / 4]; }
static inline void lapic_write(uint32_t reg, uint32_t v) { lapic[reg / 4] = v; }

uint32_t lapic_id(void) { return lapic_read(LAPIC_ID) >> 24; }

void lapic_eoi(void) { lapic_write(LAPIC_EOI, 0); }

static bool spurious_handler(struct trap_frame *f)
{
    (void)f;
    return true;    /* no EOI for spurious interrupts (SDM §10.9) */
}

static bool error_handler(struct trap_frame *f)
{
    (void)f;
    lapic_write(LAPIC_ESR, 0);
    uint32_t esr = lapic_read(LAPIC_ESR);
    lapic_eoi();
    log_warn("apic: error interrupt, ESR %#x", esr);
    return true;
}

/* The 8259 PICs: remap them to 0x20-0x2f (away from exceptions), then mask
 * every line; spurious IRQ 7/15 then land on harmless vectors. */
static void pic_disable(void)
{
    outb(0x20, 0x11); outb(0xa0, 0x11);                  /* ICW1: init, ICW4 follows */
    outb(0x21, VEC_PIC_BASE); outb(0xa1, VEC_PIC_BASE + 8);   /* ICW2: vector bases */
    outb(0x21, 0x04); outb(0xa1, 0x02);                  /* ICW3: cascade on IRQ 2 */
    outb(0x21, 0x01); outb(0xa1, 0x01);                  /* ICW4: 8086 mode */
    outb(0x21, 0xff); outb(0xa1, 0xff);                  /* mask all */
}

static bool pic_spurious(struct trap_frame *f)
{
    (void)f;
    return true;
}

/* Enable the local APIC of the calling CPU. */
static void lapic_enable(void)
{
    wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1u << 11));   /* global enable */
    lapic_write(LAPIC_TPR, 0);
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
    lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
    lapic_write(LAPIC_LVT_LINT1, 4u << 8);                   /* LINT1: NMI */
    lapic_write(LAPIC_LVT_ERROR, VEC_APIC_ERROR);
    lapic_write(LAPIC_ESR, 0);
    lapic_write(LAPIC_ESR, 0);
    lapic_write(LAPIC_TIMER_DIV, 0x3);                       /* divide by 16 */
    lapic_write(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
    lapic_eoi();
}

void lapic_init(void)
{
    uint64_t phys = acpi.has_madt ? acpi.lapic_phys : (rdmsr(MSR_APIC_BASE) & ~0xfffULL);
    lapic = mmio_map(phys, PAGE_SIZE);
    if (!lapic)
        panic("apic: cannot map the local APIC at %#llx", (unsigned long long)phys);
    if (acpi.has_8259 || !acpi.has_madt)
        pic_disable();
    for (unsigned v = VEC_PIC_BASE; v < VEC_PIC_BASE + 16; v++)
        trap_set_handler(v, pic_spurious);
    trap_set_handler(VEC_SPURIOUS, spurious_handler);
    trap_set_handler(VEC_APIC_ERROR, error_handler);
    lapic_enable();
    log_info("apic: local APIC %u at %#llx, version %#x", lapic_id(), (unsigned long long)phys,
             lapic_read(LAPIC_VERSION) & 0xff);
}

void lapic_init_ap(void) { lapic_enable(); }

void lapic_timer_calibrate(void)
{
    /* Count down from the maximum for 10 ms of the calibrated clock. */
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
    lapic_write(LAPIC_TIMER_INIT, 0xffffffffu);
    uint64_t t0 = time_ns();
    while (time_ns() - t0 < 10 * NS_PER_MS)
        cpu_pause();
    uint32_t left = lapic_read(LAPIC_TIMER_CUR);
    uint64_t t1 = time_ns();
    lapic_write(LAPIC_TIMER_INIT, 0);
    timer_hz = (uint64_t)(0xffffffffu - left) * NS_PER_S / (t1 - t0);
    if (timer_hz == 0 || timer_hz >= (1ULL << 32))
        panic("apic: the local APIC timer rate %llu Hz is unusable", (unsigned long long)timer_hz);
    ticks_per_ns_q32 = (timer_hz << 32) / NS_PER_S;
    log_info("apic: timer %llu kHz (divide by 16)", (unsigned long long)(timer_hz / 1000));
}

uint64_t lapic_timer_hz(void) { return timer_hz; }

void lapic_timer_oneshot(uint64_t ns)
{
    if (ns == 0) {
        lapic_write(LAPIC_TIMER_INIT, 0);
        return;
    }
    uint64_t ticks = (uint64_t)(((unsigned __int128)ns * ticks_per_ns_q32) >> 32);
    if (ticks == 0)
        ticks = 1;
    if (ticks > 0xffffffffu)
        ticks = 0xffffffffu;
    lapic_write(LAPIC_LVT_TIMER, VEC_TIMER);                 /* one-shot, unmasked */
    lapic_write(LAPIC_TIMER_INIT, (uint32_t)ticks);
}

/* Write the ICR: destination first, then the command that sends it. */
static void icr_send(uint32_t apic_id, uint32_t command)
{
    uint64_t flags = irq_save();
    while (lapic_read(LAPIC_ICR_LOW) & ICR_PENDING)
        cpu_pause();
    lapic_write(LAPIC_ICR_HIGH, apic_id << 24);
    lapic_write(LAPIC_ICR_LOW, command);
    irq_restore(flags);
}

void lapic_send_ipi(uint32_t apic_id, uint8_t vector) { icr_send(apic_id, ICR_FIXED | ICR_ASSERT | vector); }
void lapic_send_nmi(uint32_t apic_id) { icr_send(apic_id, ICR_NMI | ICR_ASSERT); }
void lapic_send_init(uint32_t apic_id) { icr_send(apic_id, ICR_INIT | ICR_ASSERT); }
void lapic_send_startup(uint32_t apic_id, uint8_t page) { icr_send(apic_id, ICR_STARTUP | ICR_ASSERT | page); }

void tlb_init(void);

void interrupts_init(void)
{
    lapic_init();
    ioapic_init();
    tlb_init();
    smp_call_init();
}
