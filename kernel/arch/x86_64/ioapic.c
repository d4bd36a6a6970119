/*
 * kernel/arch/x86_64/ioapic.c — I/O APICs (82093AA datasheet §3.2: IOREGSEL at
 * +0x00, IOWIN at +0x10, redirection entries at registers 0x10 + 2n) and the
 * table of device interrupt vectors.
 */
#include "lib/lib.h"
#include "core/log.h"
#include "mm/mm.h"
#include "mm/vm.h"
#include "dev/acpi.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/rawlock.h"

#define IOAPIC_REG_VER   0x01
#define IOAPIC_REDIR(n)  (0x10 + 2 * (n))
#define REDIR_MASKED     (1u << 16)
#define REDIR_LEVEL      (1u << 15)
#define REDIR_ACTIVE_LOW (1u << 13)

struct ioapic {
    volatile uint32_t *regs;
    uint32_t gsi_base;
    uint32_t inputs;
};

static struct ioapic ioapics[ACPI_MAX_IOAPICS];
static unsigned ioapic_count;
static rawlock_t ioapic_lock = RAWLOCK_INIT;

struct irq_slot {
    irq_fn fn;
    void *ctx;
};
static struct irq_slot slots[256];
static rawlock_t slot_lock = RAWLOCK_INIT;

static uint32_t ioapic_read(struct ioapic *io, uint32_t reg)
{
    io->regs[0] = reg;
    return io->regs[4];
}

static void ioapic_write(struct ioapic *io, uint32_t reg, uint32_t v)
{
    io->regs[0] = reg;
    io->regs[4] = v;
}

void ioapic_init(void)
{
    for (unsigned i = 0; i < acpi.ioapic_count && ioapic_count < ACPI_MAX_IOAPICS; i++) {
        struct ioapic *io = &ioapics[ioapic_count];
        io->regs = mmio_map(acpi.ioapics[i].phys, PAGE_SIZE);
        if (!io->regs) {
            log_err("ioapic: cannot map %#x", acpi.ioapics[i].phys);
            continue;
        }
        io->gsi_base = acpi.ioapics[i].gsi_base;
        io->inputs = ((ioapic_read(io, IOAPIC_REG_VER) >> 16) & 0xff) + 1;
        for (uint32_t n = 0; n < io->inputs; n++) {
            ioapic_write(io, IOAPIC_REDIR(n) + 1, 0);
            ioapic_write(io, IOAPIC_REDIR(n), REDIR_MASKED);
        }
        log_info("ioapic: %u at %#x, GSIs %u-%u", acpi.ioapics[i].id, acpi.ioapics[i].phys,
                 io->gsi_base, io->gsi_base + io->inputs - 1);
        ioapic_count++;
    }
    if (!ioapic_count)
        log_warn("ioapic: none found: no device interrupts");
}

static struct ioapic *ioapic_for(uint32_t gsi)
{
    for (unsigned i = 0; i < ioapic_count; i++)
        if (gsi >= ioapics[i].gsi_base && gsi - ioapics[i].gsi_base < ioapics[i].inputs)
            return &ioapics[i];
    return NULL;
}

/* The trap handler behind every device vector. */
static bool irq_trap(struct trap_frame *frame)
{
    struct irq_slot *s = &slots[frame->vector & 0xff];
    irq_fn fn = __atomic_load_n(&s->fn, __ATOMIC_ACQUIRE);
    if (fn)
        fn(s->ctx);
    lapic_eoi();
    irq_exit(frame);
    return true;
}

int irq_alloc_vector(irq_fn fn, void *ctx)
{
    uint64_t flags = rawlock_acquire(&slot_lock);
    for (unsigned v = VEC_IRQ_FIRST; v <= VEC_IRQ_LAST; v++) {
        if (!slots[v].fn) {
            slots[v].ctx = ctx;
            __atomic_store_n(&slots[v].fn, fn, __ATOMIC_RELEASE);
            rawlock_release(&slot_lock, flags);
            trap_set_handler(v, irq_trap);
            return (int)v;
        }
    }
    rawlock_release(&slot_lock, flags);
    return -EBUSY;
}

void irq_free_vector(int vector)
{
    if (vector < VEC_IRQ_FIRST || vector > VEC_IRQ_LAST)
        return;
    uint64_t flags = rawlock_acquire(&slot_lock);
    __atomic_store_n(&slots[vector].fn, NULL, __ATOMIC_RELEASE);
    slots[vector].ctx = NULL;
    rawlock_release(&slot_lock, flags);
}

int irq_install_gsi(uint32_t gsi, bool level, bool active_low, irq_fn fn, void *ctx)
{
    struct ioapic *io = ioapic_for(gsi);
    if (!io)
        return -ENODEV;
    int vector = irq_alloc_vector(fn, ctx);
    if (vector < 0)
        return vector;
    uint32_t low = (uint32_t)vector | (level ? REDIR_LEVEL : 0) | (active_low ? REDIR_ACTIVE_LOW : 0);
    uint32_t n = gsi - io->gsi_base;
    uint64_t flags = rawlock_acquire(&ioapic_lock);
    ioapic_write(io, IOAPIC_REDIR(n) + 1, lapic_id() << 24);    /* physical destination: this CPU */
    ioapic_write(io, IOAPIC_REDIR(n), low);
    rawlock_release(&ioapic_lock, flags);
    return vector;
}

int irq_install_isa(unsigned isa_irq, irq_fn fn, void *ctx)
{
    if (isa_irq > 15)
        return -EINVAL;
    /* ISA defaults: edge-triggered, active high, GSI = IRQ (ACPI 6.5 §5.2.12.5). */
    uint32_t gsi = isa_irq;
    bool level = false, active_low = false;
    for (unsigned i = 0; i < acpi.override_count; i++) {
        if (acpi.overrides[i].source_irq == isa_irq) {
            gsi = acpi.overrides[i].gsi;
            level = acpi.overrides[i].level;
            active_low = acpi.overrides[i].active_low;
        }
    }
    return irq_install_gsi(gsi, level, active_low, fn, ctx);
}

void irq_mask_gsi(uint32_t gsi, bool masked)
{
    struct ioapic *io = ioapic_for(gsi);
    if (!io)
        return;
    uint32_t n = gsi - io->gsi_base;
    uint64_t flags = rawlock_acquire(&ioapic_lock);
    uint32_t low = ioapic_read(io, IOAPIC_REDIR(n));
    ioapic_write(io, IOAPIC_REDIR(n), masked ? low | REDIR_MASKED : low & ~REDIR_MASKED);
    rawlock_release(&ioapic_lock, flags);
}
