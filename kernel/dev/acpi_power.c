/*
 * kernel/dev/acpi_power.c — the ACPI tables at boot, and power control:
 * soft-off by writing SLP_TYPx | SLP_EN to PM1x_CNT (ACPI 6.5 §4.8.3.2.1,
 * §7.4.2), reset through the FADT reset register (§4.8.3.6), with the 8042
 * pulse and a triple fault as fallbacks.
 */
#include "lib/lib.h"
#include "core/log.h"
#include "mm/mm.h"
#include "dev/acpi.h"
#include "arch/x86_64/cpu.h"

#define PM1_SCI_EN   (1u << 0)
#define PM1_SLP_EN   (1u << 13)
#define PM1_SLP_TYP_SHIFT 10

struct acpi_info acpi;

/* The kernel's map callback: every table lies in the direct map. */
static const void *direct_map(void *ctx, uint64_t phys, uint64_t len)
{
    (void)ctx;
    /* The direct map covers at least 4 GiB and all of RAM; firmware tables
     * live in RAM below that. Refuse anything absurd rather than fault. */
    if (phys + len < phys || phys + len > (64ULL << 30))
        return NULL;
    return phys_to_virt(phys);
}

int acpi_init(uint64_t rsdp_phys)
{
    int rc = acpi_parse(rsdp_phys, direct_map, NULL, &acpi);
    if (rc != 0) {
        log_err("acpi: no usable tables: one CPU, no power control");
        return rc;
    }
    log_info("acpi: %s rev %u, %u tables (%u bad): %u CPUs, %u I/O APICs, %s%s%s%s",
             acpi.oem_id, acpi.revision, acpi.table_count, acpi.bad_tables, acpi.cpu_count,
             acpi.ioapic_count, acpi.has_fadt ? "FADT " : "", acpi.has_hpet ? "HPET " : "",
             acpi.mcfg_count ? "MCFG " : "", acpi.has_s5 ? "\\_S5" : "");
    return 0;
}

static uint32_t gas_read(const struct acpi_gas *g)
{
    if (g->space != ACPI_GAS_IO || !g->address)
        return 0;
    return g->bit_width == 32 ? inl((uint16_t)g->address) : inw((uint16_t)g->address);
}

static void gas_write(const struct acpi_gas *g, uint32_t v)
{
    if (!g->address)
        return;
    if (g->space == ACPI_GAS_IO) {
        if (g->bit_width == 8)
            outb((uint16_t)g->address, (uint8_t)v);
        else if (g->bit_width == 32)
            outl((uint16_t)g->address, v);
        else
            outw((uint16_t)g->address, (uint16_t)v);
    } else if (g->space == ACPI_GAS_MEMORY) {
        volatile uint8_t *p = phys_to_virt(g->address);
        *p = (uint8_t)v;
    }
}

/* Put the platform in ACPI mode if firmware left it in legacy mode (§4.8.2.5). */
static void acpi_enable_mode(void)
{
    if (acpi.hw_reduced || !acpi.smi_cmd || !acpi.acpi_enable_value)
        return;
    if (gas_read(&acpi.pm1a_cnt) & PM1_SCI_EN)
        return;
    outb((uint16_t)acpi.smi_cmd, acpi.acpi_enable_value);
    for (int i = 0; i < 1000000 && !(gas_read(&acpi.pm1a_cnt) & PM1_SCI_EN); i++)
        cpu_pause();
}

void acpi_poweroff(void)
{
    if (!acpi.has_fadt || !acpi.pm1a_cnt.address) {
        log_err("acpi: no PM1 control register: cannot power off");
        return;
    }
    if (!acpi.has_s5)
        log_warn("acpi: no \\_S5 in the DSDT: trying SLP_TYP 0 (QEMU's value)");
    acpi_enable_mode();
    irq_disable();
    uint32_t a = (gas_read(&acpi.pm1a_cnt) & ~(7u << PM1_SLP_TYP_SHIFT)) |
                 (uint32_t)acpi.s5_typ_a << PM1_SLP_TYP_SHIFT;
    uint32_t b = (gas_read(&acpi.pm1b_cnt) & ~(7u << PM1_SLP_TYP_SHIFT)) |
                 (uint32_t)acpi.s5_typ_b << PM1_SLP_TYP_SHIFT;
    gas_write(&acpi.pm1a_cnt, a | PM1_SLP_EN);
    if (acpi.pm1b_cnt.address)
        gas_write(&acpi.pm1b_cnt, b | PM1_SLP_EN);
    /* The machine should be off now; give it a moment. */
    for (int i = 0; i < 100000000; i++)
        cpu_pause();
    irq_enable();
    log_err("acpi: the machine did not power off");
}

_Noreturn void acpi_reboot(void)
{
    irq_disable();
    if (acpi.has_reset_reg)
        gas_write(&acpi.reset_reg, acpi.reset_value);
    for (int i = 0; i < 10000000; i++)
        cpu_pause();
    /* The keyboard controller's reset line (pulse output port bit 0). */
    for (int i = 0; i < 100000 && (inb(0x64) & 0x02); i++)
        cpu_pause();
    outb(0x64, 0xfe);
    for (int i = 0; i < 10000000; i++)
        cpu_pause();
    /* Last resort: an empty IDT and an exception make a triple fault. */
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) empty = { 0, 0 };
    __asm__ volatile("lidt %0; int3" : : "m"(empty));
    for (;;)
        cpu_halt();
}
