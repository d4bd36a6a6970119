/*
 * tests/fuzz/fuzz_acpi.c — libFuzzer target for the ACPI table parser.
 *
 * The input patches a well-formed fake machine (tests/unit/kcore/acpi_build.h)
 * so mutations start from real table shapes. Byte 0 holds flags: bit 0 fixes
 * every table checksum after patching (so the parser gets past checksums),
 * bit 1 uses an RSDT instead of an XSDT. The rest is a list of patches:
 * [offset lo][offset hi][length][bytes...].
 */
#include <stddef.h>
#include <stdint.h>

#include "lib/lib.h"
#include "dev/acpi.h"
#include "acpi_build.h"

extern int kshim_log_level;

static struct fake_mem mem;
static struct acpi_info info;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    kshim_log_level = -1;       /* the parser's warnings are expected here */
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t flags = data[0];
    build_machine(&mem, (flags & 2) ? 0 : 2);
    size_t i = 1;
    while (i + 3 <= size) {
        uint32_t off = (uint32_t)data[i] | (uint32_t)data[i + 1] << 8;
        size_t len = data[i + 2];
        i += 3;
        if (len > size - i)
            len = size - i;
        if (off + len > FAKE_MEM_SIZE)
            break;
        memcpy(mem.bytes + off, data + i, len);
        i += len;
    }
    if (flags & 1) {
        static const uint32_t tables[] = { AT_XSDT, AT_RSDT, AT_MADT, AT_FADT, AT_DSDT, AT_HPET, AT_MCFG };
        for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
            uint8_t *p = mem.bytes + tables[t];
            uint32_t len = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
            if (len >= 36 && len <= FAKE_MEM_SIZE - tables[t])
                fix_checksum(&mem, tables[t]);
        }
    }
    acpi_parse(AT_RSDP, fake_map, &mem, &info);
    /* Whatever was found stays within the declared limits. */
    if (info.cpu_count > ACPI_MAX_CPUS || info.ioapic_count > ACPI_MAX_IOAPICS ||
        info.override_count > ACPI_MAX_OVERRIDES || info.mcfg_count > ACPI_MAX_MCFG)
        __builtin_trap();
    return 0;
}
