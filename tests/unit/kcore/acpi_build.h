/*
 * tests/unit/kcore/acpi_build.h — build ACPI tables in a fake physical memory
 * for the ACPI parser's unit tests and fuzzer seeds. Layouts follow ACPI 6.5
 * §5.2 (header, RSDP, XSDT/RSDT, MADT, FADT), the HPET spec and PCI Firmware.
 */
#ifndef KCORE_ACPI_BUILD_H
#define KCORE_ACPI_BUILD_H

#include <stdint.h>
#include <string.h>

#define FAKE_MEM_SIZE 0x10000

struct fake_mem {
    uint8_t bytes[FAKE_MEM_SIZE];
};

/* acpi_map_fn over a fake_mem: physical address = offset. */
static inline const void *fake_map(void *ctx, uint64_t phys, uint64_t len)
{
    struct fake_mem *m = ctx;
    if (phys > FAKE_MEM_SIZE || len > FAKE_MEM_SIZE - phys)
        return NULL;
    return m->bytes + phys;
}

static inline void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }
static inline void put64(uint8_t *p, uint64_t v) { put32(p, (uint32_t)v); put32(p + 4, (uint32_t)(v >> 32)); }

static inline uint8_t sum8(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    while (n--)
        s = (uint8_t)(s + *p++);
    return s;
}

/* Write a table with a standard 36-byte header and fix its checksum. */
static inline void put_table(struct fake_mem *m, uint32_t at, const char *sig,
                             const uint8_t *body, uint32_t body_len)
{
    uint8_t *t = m->bytes + at;
    memset(t, 0, 36);
    memcpy(t, sig, 4);
    put32(t + 4, 36 + body_len);
    t[8] = 2;                       /* revision */
    memcpy(t + 10, "KPIOTS", 6);
    memcpy(t + 16, "TESTTBL ", 8);
    memcpy(t + 36, body, body_len);
    t[9] = (uint8_t)(0x100 - sum8(t, 36 + body_len));
}

/* Recompute the checksum of the table at `at` after editing it. */
static inline void fix_checksum(struct fake_mem *m, uint32_t at)
{
    uint8_t *t = m->bytes + at;
    uint32_t len = (uint32_t)t[4] | (uint32_t)t[5] << 8 | (uint32_t)t[6] << 16 | (uint32_t)t[7] << 24;
    t[9] = 0;
    t[9] = (uint8_t)(0x100 - sum8(t, len));
}

static inline void put_rsdp(struct fake_mem *m, uint32_t at, uint8_t revision, uint64_t root)
{
    uint8_t *r = m->bytes + at;
    memset(r, 0, 36);
    memcpy(r, "RSD PTR ", 8);
    memcpy(r + 9, "KPIOTS", 6);
    r[15] = revision;
    if (revision >= 2) {
        put32(r + 20, 36);
        put64(r + 24, root);
    } else {
        put32(r + 16, (uint32_t)root);
    }
    r[8] = (uint8_t)(0x100 - sum8(r, 20));
    r[32] = (uint8_t)(0x100 - sum8(r, 36));
}

/* Memory layout of the standard fake machine. */
enum {
    AT_RSDP = 0x100, AT_XSDT = 0x1000, AT_RSDT = 0x1800, AT_MADT = 0x2000, AT_FADT = 0x3000,
    AT_DSDT = 0x4000, AT_HPET = 0x5000, AT_MCFG = 0x6000,
};

/* A machine like QEMU q35 with 4 CPUs (one disabled), an IOAPIC, two
 * overrides, FADT with reset register, DSDT with \_S5, HPET and MCFG. */
static inline void build_machine(struct fake_mem *m, int revision)
{
    memset(m, 0, sizeof *m);
    uint8_t b[512];
    uint8_t full[512];              /* a whole table: offsets below are the spec's */
    uint8_t *f = full, *h = full;

    /* MADT */
    memset(b, 0, sizeof b);
    put32(b + 0, 0xfee00000);       /* local APIC address */
    put32(b + 4, 1);                /* PCAT_COMPAT */
    uint8_t *e = b + 8;
    for (int i = 0; i < 4; i++, e += 8) {
        e[0] = 0; e[1] = 8; e[2] = (uint8_t)i; e[3] = (uint8_t)i;
        put32(e + 4, i == 3 ? 0 : 1);    /* CPU 3 neither enabled nor online-capable */
    }
    e[0] = 1; e[1] = 12; e[2] = 0; put32(e + 4, 0xfec00000); put32(e + 8, 0); e += 12;
    e[0] = 2; e[1] = 10; e[2] = 0; e[3] = 0; put32(e + 4, 2); put16(e + 8, 0); e += 10;
    e[0] = 2; e[1] = 10; e[2] = 0; e[3] = 9; put32(e + 4, 9); put16(e + 8, 0xd); e += 10;
    e[0] = 4; e[1] = 6; e[2] = 0xff; put16(e + 3, 0); e[5] = 1; e += 6;     /* LAPIC NMI */
    e[0] = 9; e[1] = 16; put32(e + 4, 1); put32(e + 8, 1); put32(e + 12, 1); e += 16;  /* dup of CPU 1 */
    put_table(m, AT_MADT, "APIC", b, (uint32_t)(e - b));

    /* DSDT: some AML, then Name(_S5, Package(4){0x05, Zero, Zero, Zero}) */
    static const uint8_t aml[] = {
        0x10, 0x05, '_', 'S', 'B', '_', 0x00,       /* a Scope */
        0x08, '_', 'S', '3', '_', 0x12, 0x06, 0x04, 0x01, 0x01, 0x00, 0x00,
        0x08, '_', 'S', '5', '_', 0x12, 0x07, 0x04, 0x0a, 0x05, 0x00, 0x00, 0x00,
    };
    put_table(m, AT_DSDT, "DSDT", aml, sizeof aml);

    /* FADT, 244 bytes of body (ACPI 6 length 276) */
    memset(full, 0, sizeof full);
    put32(f + 40, AT_DSDT);
    put16(f + 46, 9);
    put32(f + 48, 0xb2);
    f[52] = 0xf1;
    put32(f + 64, 0x604);
    f[89] = 2;
    put32(f + 76, 0x608);
    f[91] = 4;
    f[108] = 0x32;
    put16(f + 109, 0x0002);         /* 8042 present */
    put32(f + 112, (1u << 10) | (1u << 8));  /* RESET_REG_SUP, TMR_VAL_EXT */
    f[116] = 1; f[117] = 8; put64(f + 120, 0xcf9); f[128] = 0x06;
    put64(f + 140, AT_DSDT);
    put_table(m, AT_FADT, "FACP", full + 36, 276 - 36);

    /* HPET */
    memset(full, 0, sizeof full);
    put32(h + 36, 0x8086a201);
    h[40] = 0; h[41] = 64; put64(h + 44, 0xfed00000);
    put16(h + 53, 128);
    put_table(m, AT_HPET, "HPET", full + 36, 56 - 36);

    /* MCFG: one window, buses 0-255 */
    memset(b, 0, sizeof b);
    put64(b + 8, 0xb0000000);
    put16(b + 16, 0); b[18] = 0; b[19] = 0xff;
    put_table(m, AT_MCFG, "MCFG", b, 8 + 16);

    /* XSDT and RSDT listing all four */
    uint32_t list[] = { AT_FADT, AT_MADT, AT_HPET, AT_MCFG };
    memset(b, 0, sizeof b);
    for (int i = 0; i < 4; i++)
        put64(b + 8 * i, list[i]);
    put_table(m, AT_XSDT, "XSDT", b, 32);
    memset(b, 0, sizeof b);
    for (int i = 0; i < 4; i++)
        put32(b + 4 * i, list[i]);
    put_table(m, AT_RSDT, "RSDT", b, 16);

    put_rsdp(m, AT_RSDP, (uint8_t)revision, revision >= 2 ? AT_XSDT : AT_RSDT);
}

#endif
