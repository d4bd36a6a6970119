/*
 * kernel/dev/acpi_tables.c — parse the static ACPI tables (see acpi.h).
 *
 * Every field is read with explicit offsets from the spec and bounds-checked
 * against the table's own length, so corrupt firmware tables give a warning,
 * never a wild read.
 */
#include "lib/lib.h"
#include "core/log.h"
#include "dev/acpi.h"

#define SDT_HEADER_LEN 36

struct parser {
    acpi_map_fn map;
    void *ctx;
    struct acpi_info *info;
};

static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t rd32(const uint8_t *p) { return (uint32_t)rd16(p) | (uint32_t)rd16(p + 2) << 16; }
static inline uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32; }

static uint8_t checksum(const uint8_t *p, uint64_t len)
{
    uint8_t sum = 0;
    for (uint64_t i = 0; i < len; i++)
        sum = (uint8_t)(sum + p[i]);
    return sum;
}

/* Map a whole system description table at phys after checking its header:
 * the length covers the header, is sane, and the checksum is right. Returns
 * the table (length in *len) or NULL (counted as a bad table). */
static const uint8_t *map_table(struct parser *ps, uint64_t phys, uint32_t *len)
{
    const uint8_t *hdr = ps->map(ps->ctx, phys, SDT_HEADER_LEN);
    if (!hdr) {
        ps->info->bad_tables++;
        return NULL;
    }
    uint32_t length = rd32(hdr + 4);
    if (length < SDT_HEADER_LEN || length > ACPI_MAX_TABLE) {
        log_warn("acpi: table %.4s at %#llx has bad length %u", (const char *)hdr,
                 (unsigned long long)phys, length);
        ps->info->bad_tables++;
        return NULL;
    }
    const uint8_t *t = ps->map(ps->ctx, phys, length);
    if (!t || checksum(t, length) != 0) {
        log_warn("acpi: table %.4s at %#llx has a bad checksum", (const char *)hdr,
                 (unsigned long long)phys);
        ps->info->bad_tables++;
        return NULL;
    }
    *len = length;
    return t;
}

static struct acpi_gas read_gas(const uint8_t *p)
{
    struct acpi_gas g = {
        .space = p[0], .bit_width = p[1], .bit_offset = p[2], .access_size = p[3],
        .address = rd64(p + 4),
    };
    return g;
}

/* An I/O-port GAS from a legacy 32-bit block address. */
static struct acpi_gas io_gas(uint32_t port, uint8_t bytes)
{
    struct acpi_gas g = { .space = ACPI_GAS_IO, .bit_width = (uint8_t)(bytes * 8), .address = port };
    return g;
}

/* ---- MADT (ACPI 6.5 §5.2.12) ---- */

static void add_cpu(struct acpi_info *a, uint32_t apic_id, uint32_t uid, uint32_t flags)
{
    /* Neither enabled (bit 0) nor online-capable (bit 1): not a usable CPU. */
    if (!(flags & 3) || a->cpu_count >= ACPI_MAX_CPUS)
        return;
    for (unsigned i = 0; i < a->cpu_count; i++)
        if (a->cpus[i].apic_id == apic_id)
            return;     /* listed twice (LAPIC and x2APIC entries) */
    a->cpus[a->cpu_count++] = (struct acpi_cpu){ apic_id, uid, (flags & 1) != 0 };
}

static void parse_madt(struct acpi_info *a, const uint8_t *t, uint32_t len)
{
    if (len < 44)
        return;
    a->has_madt = true;
    a->lapic_phys = rd32(t + 36);
    a->has_8259 = rd32(t + 40) & 1;
    for (uint32_t off = 44; off + 2 <= len;) {
        uint8_t type = t[off], elen = t[off + 1];
        if (elen < 2 || off + elen > len) {
            log_warn("acpi: MADT entry at offset %u has bad length %u", off, elen);
            return;
        }
        const uint8_t *e = t + off;
        switch (type) {
        case 0:     /* Processor Local APIC */
            if (elen >= 8)
                add_cpu(a, e[3], e[2], rd32(e + 4));
            break;
        case 1:     /* I/O APIC */
            if (elen >= 12 && a->ioapic_count < ACPI_MAX_IOAPICS)
                a->ioapics[a->ioapic_count++] = (struct acpi_ioapic){ e[2], rd32(e + 4), rd32(e + 8) };
            break;
        case 2:     /* Interrupt Source Override */
            if (elen >= 10 && e[2] == 0 && a->override_count < ACPI_MAX_OVERRIDES) {
                uint16_t flags = rd16(e + 8);
                a->overrides[a->override_count++] = (struct acpi_override){
                    .source_irq = e[3], .gsi = rd32(e + 4),
                    .active_low = (flags & 3) == 3, .level = ((flags >> 2) & 3) == 3,
                };
            }
            break;
        case 5:     /* Local APIC Address Override */
            if (elen >= 12)
                a->lapic_phys = rd64(e + 4);
            break;
        case 9:     /* Processor Local x2APIC */
            if (elen >= 16)
                add_cpu(a, rd32(e + 4), rd32(e + 12), rd32(e + 8));
            break;
        default:
            break;
        }
        off += elen;
    }
}

/* ---- FADT (ACPI 6.5 §5.2.9) ---- */

static void parse_fadt(struct parser *ps, const uint8_t *t, uint32_t len)
{
    struct acpi_info *a = ps->info;
    if (len < 116)
        return;     /* too short even for ACPI 1.0 */
    a->has_fadt = true;
    a->dsdt_phys = rd32(t + 40);
    a->sci_irq = rd16(t + 46);
    a->smi_cmd = rd32(t + 48);
    a->acpi_enable_value = t[52];
    uint8_t pm1_cnt_len = t[89];
    if (rd32(t + 64))
        a->pm1a_cnt = io_gas(rd32(t + 64), pm1_cnt_len);
    if (rd32(t + 68))
        a->pm1b_cnt = io_gas(rd32(t + 68), pm1_cnt_len);
    if (rd32(t + 76) && t[91] == 4)
        a->pm_timer = io_gas(rd32(t + 76), 4);
    a->century_index = t[108];
    a->boot_arch = rd16(t + 109);
    uint32_t flags = rd32(t + 112);
    a->pm_timer_32bit = flags & (1u << 8);
    a->hw_reduced = flags & (1u << 20);
    if (len >= 129 && (flags & (1u << 10))) {
        a->reset_reg = read_gas(t + 116);
        a->reset_value = t[128];
        a->has_reset_reg = a->reset_reg.address != 0;
    }
    /* ACPI 2.0+ 64-bit fields override the legacy ones when set. */
    if (len >= 148 && rd64(t + 140))
        a->dsdt_phys = rd64(t + 140);
    if (len >= 184 && read_gas(t + 172).address)
        a->pm1a_cnt = read_gas(t + 172);
    if (len >= 196 && read_gas(t + 184).address)
        a->pm1b_cnt = read_gas(t + 184);
    if (len >= 220 && read_gas(t + 208).address)
        a->pm_timer = read_gas(t + 208);
}

/* Decode an AML PkgLength (ACPI 6.5 §20.2.4) at p; returns its byte count or 0. */
static unsigned pkg_length_bytes(const uint8_t *p, uint64_t avail)
{
    if (avail < 1)
        return 0;
    unsigned n = 1 + (p[0] >> 6);
    return n <= avail ? n : 0;
}

/* One small integer data object (ZeroOp, OneOp, BytePrefix n, WordPrefix n);
 * returns bytes consumed, or 0 if it is something else. */
static unsigned aml_small_int(const uint8_t *p, uint64_t avail, uint8_t *value)
{
    if (avail >= 1 && (p[0] == 0x00 || p[0] == 0x01)) {
        *value = p[0];
        return 1;
    }
    if (avail >= 2 && p[0] == 0x0a) {
        *value = p[1];
        return 2;
    }
    if (avail >= 3 && p[0] == 0x0b) {
        *value = p[1];
        return 3;
    }
    return 0;
}

bool acpi_find_s5(const uint8_t *aml, uint64_t len, uint8_t *typ_a, uint8_t *typ_b)
{
    /* NameOp (0x08) [optional root prefix '\'] "_S5_" PackageOp (0x12)
     * PkgLength NumElements SLP_TYPa SLP_TYPb ... */
    for (uint64_t i = 1; i + 4 <= len; i++) {
        if (memcmp(aml + i, "_S5_", 4) != 0)
            continue;
        bool named = aml[i - 1] == 0x08 || (aml[i - 1] == '\\' && i >= 2 && aml[i - 2] == 0x08);
        if (!named)
            continue;
        uint64_t p = i + 4;
        if (p >= len || aml[p] != 0x12)
            continue;
        p++;
        unsigned n = pkg_length_bytes(aml + p, len - p);
        if (!n)
            continue;
        p += n + 1;     /* PkgLength, NumElements */
        if (p >= len)
            continue;
        unsigned used = aml_small_int(aml + p, len - p, typ_a);
        if (!used)
            continue;
        p += used;
        if (!aml_small_int(aml + p, len - p, typ_b))
            *typ_b = 0;
        return true;
    }
    return false;
}

static void parse_dsdt(struct parser *ps)
{
    struct acpi_info *a = ps->info;
    uint32_t len;
    const uint8_t *t = a->dsdt_phys ? map_table(ps, a->dsdt_phys, &len) : NULL;
    if (!t || memcmp(t, "DSDT", 4) != 0)
        return;
    a->has_s5 = acpi_find_s5(t + SDT_HEADER_LEN, len - SDT_HEADER_LEN, &a->s5_typ_a, &a->s5_typ_b);
}

/* ---- HPET (IA-PC HPET 1.0a §3.2.4) and MCFG (PCI Firmware 3.2 §4.1.2) ---- */

static void parse_hpet(struct acpi_info *a, const uint8_t *t, uint32_t len)
{
    if (len < 56 || a->has_hpet)
        return;
    struct acpi_gas g = read_gas(t + 40);
    if (g.space != ACPI_GAS_MEMORY || g.address == 0)
        return;
    a->has_hpet = true;
    a->hpet_phys = g.address;
    a->hpet_min_tick = rd16(t + 53);
}

static void parse_mcfg(struct acpi_info *a, const uint8_t *t, uint32_t len)
{
    for (uint32_t off = 44; off + 16 <= len && a->mcfg_count < ACPI_MAX_MCFG; off += 16) {
        const uint8_t *e = t + off;
        if (e[11] < e[10])
            continue;   /* end bus before start bus */
        a->mcfg[a->mcfg_count++] = (struct acpi_mcfg){ rd64(e), rd16(e + 8), e[10], e[11] };
    }
}

static void parse_table(struct parser *ps, uint64_t phys)
{
    uint32_t len;
    const uint8_t *t = map_table(ps, phys, &len);
    if (!t)
        return;
    if (memcmp(t, "APIC", 4) == 0)
        parse_madt(ps->info, t, len);
    else if (memcmp(t, "FACP", 4) == 0)
        parse_fadt(ps, t, len);
    else if (memcmp(t, "HPET", 4) == 0)
        parse_hpet(ps->info, t, len);
    else if (memcmp(t, "MCFG", 4) == 0)
        parse_mcfg(ps->info, t, len);
}

int acpi_parse(uint64_t rsdp_phys, acpi_map_fn map, void *ctx, struct acpi_info *out)
{
    memset(out, 0, sizeof *out);
    struct parser ps = { map, ctx, out };
    const uint8_t *rsdp = rsdp_phys ? map(ctx, rsdp_phys, 20) : NULL;
    if (!rsdp || memcmp(rsdp, "RSD PTR ", 8) != 0 || checksum(rsdp, 20) != 0) {
        log_err("acpi: no valid RSDP at %#llx", (unsigned long long)rsdp_phys);
        return -EINVAL;
    }
    out->revision = rsdp[15];
    memcpy(out->oem_id, rsdp + 9, 6);
    uint64_t root;
    unsigned entry_size;
    const char *root_sig;
    if (out->revision >= 2) {
        const uint8_t *r2 = map(ctx, rsdp_phys, 36);
        if (!r2 || rd32(r2 + 20) < 36 || checksum(r2, 36) != 0) {
            log_err("acpi: RSDP 2.0 extended checksum is wrong");
            return -EINVAL;
        }
        root = rd64(r2 + 24);
        entry_size = 8;
        root_sig = "XSDT";
    } else {
        root = rd32(rsdp + 16);
        entry_size = 4;
        root_sig = "RSDT";
    }
    uint32_t len;
    const uint8_t *rt = map_table(&ps, root, &len);
    if (!rt || memcmp(rt, root_sig, 4) != 0) {
        log_err("acpi: no valid %s at %#llx", root_sig, (unsigned long long)root);
        return -EINVAL;
    }
    /* Copy the entry list: parsing a table may reuse the mapping window. */
    uint64_t entries[128];
    unsigned count = 0;
    for (uint32_t off = SDT_HEADER_LEN; off + entry_size <= len && count < ARRAY_SIZE(entries);
         off += entry_size)
        entries[count++] = entry_size == 8 ? rd64(rt + off) : rd32(rt + off);
    out->table_count = count;
    for (unsigned i = 0; i < count; i++)
        parse_table(&ps, entries[i]);
    if (out->has_fadt)
        parse_dsdt(&ps);
    return 0;
}
