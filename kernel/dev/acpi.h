/*
 * kernel/dev/acpi.h — what the kernel learns from the ACPI tables, and the
 * power functions built on them (ACPI 6.5: §5.2.5 RSDP, §5.2.8 XSDT, §5.2.9
 * FADT, §5.2.12 MADT; the HPET table from the IA-PC HPET spec 1.0a §3.2.4;
 * MCFG from the PCI Firmware spec 3.2 §4.1.2).
 *
 * acpi_parse() is portable: it reads "physical memory" only through a map
 * callback, so host tests and the fuzzer feed it tables from a buffer. A bad
 * table (checksum, length, field out of range) is reported and skipped;
 * nothing in a table can make the parser read outside what map() grants.
 */
#ifndef KPIO_ACPI_H
#define KPIO_ACPI_H

#include <stdbool.h>
#include <stdint.h>

#define ACPI_MAX_CPUS     256
#define ACPI_MAX_IOAPICS  16
#define ACPI_MAX_OVERRIDES 32
#define ACPI_MAX_MCFG     16
#define ACPI_MAX_TABLE    (4u << 20)    /* longer tables are refused */

/* Generic Address Structure (ACPI 6.5 §5.2.3.2). */
struct acpi_gas {
    uint8_t space;          /* 0 system memory, 1 system I/O */
    uint8_t bit_width;
    uint8_t bit_offset;
    uint8_t access_size;
    uint64_t address;
};
#define ACPI_GAS_MEMORY 0
#define ACPI_GAS_IO     1

struct acpi_cpu {
    uint32_t apic_id;
    uint32_t uid;
    bool enabled;           /* usable now (else online-capable only, or absent) */
};

struct acpi_ioapic {
    uint32_t id;
    uint32_t phys;
    uint32_t gsi_base;
};

/* An ISA IRQ that is wired to another GSI or with other polarity/trigger. */
struct acpi_override {
    uint8_t source_irq;
    uint32_t gsi;
    bool active_low;
    bool level;
};

struct acpi_mcfg {
    uint64_t base;          /* ECAM base for bus 0 of this segment */
    uint16_t segment;
    uint8_t bus_start, bus_end;
};

struct acpi_info {
    uint8_t revision;       /* RSDP revision: 0 = ACPI 1.0 (RSDT), 2+ = XSDT */
    char oem_id[7];
    unsigned table_count;   /* tables listed by the RSDT/XSDT */
    unsigned bad_tables;    /* tables skipped for a bad checksum or length */

    /* MADT */
    bool has_madt;
    uint64_t lapic_phys;
    bool has_8259;          /* dual 8259 PICs present (mask them) */
    struct acpi_cpu cpus[ACPI_MAX_CPUS];
    unsigned cpu_count;
    struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
    unsigned ioapic_count;
    struct acpi_override overrides[ACPI_MAX_OVERRIDES];
    unsigned override_count;

    /* FADT */
    bool has_fadt;
    bool hw_reduced;
    uint16_t sci_irq;
    uint32_t smi_cmd;
    uint8_t acpi_enable_value;
    struct acpi_gas pm1a_cnt, pm1b_cnt;     /* address 0 when absent */
    struct acpi_gas pm_timer;
    bool pm_timer_32bit;
    uint8_t century_index;  /* CMOS register holding the century, 0 if none */
    uint16_t boot_arch;     /* IA-PC boot architecture flags */
    bool has_reset_reg;
    struct acpi_gas reset_reg;
    uint8_t reset_value;
    uint64_t dsdt_phys;

    /* \_S5 from the DSDT: SLP_TYPa / SLP_TYPb for soft-off */
    bool has_s5;
    uint8_t s5_typ_a, s5_typ_b;

    /* HPET */
    bool has_hpet;
    uint64_t hpet_phys;
    uint16_t hpet_min_tick;

    /* MCFG: PCI Express ECAM windows */
    struct acpi_mcfg mcfg[ACPI_MAX_MCFG];
    unsigned mcfg_count;
};

/* Returns a pointer to len readable bytes at physical address phys, or NULL. */
typedef const void *(*acpi_map_fn)(void *ctx, uint64_t phys, uint64_t len);

/* Parse every table reachable from the RSDP into *out. Returns 0, or -EINVAL
 * if the RSDP itself or the XSDT/RSDT is unusable (then *out has nothing). */
int acpi_parse(uint64_t rsdp_phys, acpi_map_fn map, void *ctx, struct acpi_info *out);

/* Find \_S5 in an AML byte stream (the DSDT body); true and the two sleep
 * types if found. Exposed for tests. */
bool acpi_find_s5(const uint8_t *aml, uint64_t len, uint8_t *typ_a, uint8_t *typ_b);

/* ---- kernel side (kernel/dev/acpi_power.c) ---- */

/* The tables parsed at boot (valid after acpi_init). */
extern struct acpi_info acpi;

/* Parse the tables from the boot RSDP; logs a summary. 0 or -errno. */
int acpi_init(uint64_t rsdp_phys);
/* Soft-off through PM1 control (S5); returns only if that did not work. */
void acpi_poweroff(void);
/* Reset through the FADT reset register, then the 8042 and a triple fault. */
_Noreturn void acpi_reboot(void);

#endif
