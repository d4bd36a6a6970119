/*
 * tests/unit/kcore/test_acpi.c — the ACPI table parser on tables built in a
 * fake physical memory: what it finds in good tables, and that corrupt ones
 * are skipped without reading out of bounds (ASan watches every access).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "lib/lib.h"
#include "dev/acpi.h"
#include "acpi_build.h"

static struct fake_mem mem;
static struct acpi_info info;

static int parse(void) { return acpi_parse(AT_RSDP, fake_map, &mem, &info); }

static void check_full_machine(void)
{
    assert_int_equal(info.table_count, 4);
    assert_int_equal(info.bad_tables, 0);
    assert_string_equal(info.oem_id, "KPIOTS");
    /* MADT */
    assert_true(info.has_madt);
    assert_int_equal(info.lapic_phys, 0xfee00000);
    assert_true(info.has_8259);
    assert_int_equal(info.cpu_count, 3);
    for (unsigned i = 0; i < 3; i++) {
        assert_int_equal(info.cpus[i].apic_id, i);
        assert_true(info.cpus[i].enabled);
    }
    assert_int_equal(info.ioapic_count, 1);
    assert_int_equal(info.ioapics[0].phys, 0xfec00000);
    assert_int_equal(info.ioapics[0].gsi_base, 0);
    assert_int_equal(info.override_count, 2);
    assert_int_equal(info.overrides[0].source_irq, 0);
    assert_int_equal(info.overrides[0].gsi, 2);
    assert_false(info.overrides[0].level);
    assert_int_equal(info.overrides[1].source_irq, 9);
    assert_true(info.overrides[1].level);
    assert_false(info.overrides[1].active_low);
    /* FADT */
    assert_true(info.has_fadt);
    assert_false(info.hw_reduced);
    assert_int_equal(info.sci_irq, 9);
    assert_int_equal(info.pm1a_cnt.space, ACPI_GAS_IO);
    assert_int_equal(info.pm1a_cnt.address, 0x604);
    assert_int_equal(info.pm1b_cnt.address, 0);
    assert_int_equal(info.pm_timer.address, 0x608);
    assert_true(info.pm_timer_32bit);
    assert_int_equal(info.century_index, 0x32);
    assert_true(info.has_reset_reg);
    assert_int_equal(info.reset_reg.space, ACPI_GAS_IO);
    assert_int_equal(info.reset_reg.address, 0xcf9);
    assert_int_equal(info.reset_value, 6);
    assert_true(info.has_s5);
    assert_int_equal(info.s5_typ_a, 5);
    assert_int_equal(info.s5_typ_b, 0);
    /* HPET, MCFG */
    assert_true(info.has_hpet);
    assert_int_equal(info.hpet_phys, 0xfed00000);
    assert_int_equal(info.hpet_min_tick, 128);
    assert_int_equal(info.mcfg_count, 1);
    assert_int_equal(info.mcfg[0].base, 0xb0000000);
    assert_int_equal(info.mcfg[0].bus_end, 255);
}

static void test_xsdt_machine(void **state)
{
    (void)state;
    build_machine(&mem, 2);
    assert_int_equal(parse(), 0);
    assert_int_equal(info.revision, 2);
    check_full_machine();
}

static void test_rsdt_machine(void **state)
{
    (void)state;
    build_machine(&mem, 0);
    assert_int_equal(parse(), 0);
    assert_int_equal(info.revision, 0);
    check_full_machine();
}

static void test_bad_rsdp_is_refused(void **state)
{
    (void)state;
    build_machine(&mem, 2);
    mem.bytes[AT_RSDP + 9] ^= 1;            /* breaks both checksums */
    assert_int_equal(parse(), -EINVAL);
    assert_int_equal(info.cpu_count, 0);
    build_machine(&mem, 2);
    mem.bytes[AT_RSDP + 24] ^= 1;           /* breaks only the extended checksum */
    assert_int_equal(parse(), -EINVAL);
    build_machine(&mem, 2);
    memcpy(mem.bytes + AT_RSDP, "RSD PTX ", 8);
    assert_int_equal(parse(), -EINVAL);
    assert_int_equal(acpi_parse(0, fake_map, &mem, &info), -EINVAL);
    assert_int_equal(acpi_parse(FAKE_MEM_SIZE - 4, fake_map, &mem, &info), -EINVAL);
}

static void test_bad_xsdt_is_refused(void **state)
{
    (void)state;
    build_machine(&mem, 2);
    mem.bytes[AT_XSDT + 40] ^= 0x10;        /* an entry changes: checksum fails */
    assert_int_equal(parse(), -EINVAL);
    build_machine(&mem, 2);
    memcpy(mem.bytes + AT_XSDT, "RSDT", 4);
    fix_checksum(&mem, AT_XSDT);
    assert_int_equal(parse(), -EINVAL);
}

static void test_bad_madt_checksum_skips_only_madt(void **state)
{
    (void)state;
    build_machine(&mem, 2);
    mem.bytes[AT_MADT + 50] ^= 0xff;
    assert_int_equal(parse(), 0);
    assert_int_equal(info.bad_tables, 1);
    assert_false(info.has_madt);
    assert_int_equal(info.cpu_count, 0);
    assert_true(info.has_fadt);
    assert_true(info.has_hpet);
}

static void test_madt_entry_lengths_are_bounded(void **state)
{
    (void)state;
    /* Second CPU entry claims length 0: the parser stops there. */
    build_machine(&mem, 2);
    mem.bytes[AT_MADT + 44 + 8 + 1] = 0;
    fix_checksum(&mem, AT_MADT);
    assert_int_equal(parse(), 0);
    assert_int_equal(info.cpu_count, 1);
    /* An entry running past the table end is not read. */
    build_machine(&mem, 2);
    uint32_t len = mem.bytes[AT_MADT + 4];
    mem.bytes[AT_MADT + 44 + 1] = (uint8_t)(len);
    fix_checksum(&mem, AT_MADT);
    assert_int_equal(parse(), 0);
    assert_int_equal(info.cpu_count, 0);
}

static void test_table_lengths_are_checked(void **state)
{
    (void)state;
    build_machine(&mem, 2);
    put32(mem.bytes + AT_HPET + 4, 0x7fffffff);     /* huge (refused before any checksum) */
    put32(mem.bytes + AT_MCFG + 4, 10);             /* shorter than a header */
    fix_checksum(&mem, AT_MCFG);
    assert_int_equal(parse(), 0);
    assert_int_equal(info.bad_tables, 2);
    assert_false(info.has_hpet);
    assert_int_equal(info.mcfg_count, 0);
    assert_true(info.has_madt);
}

static void test_pointers_outside_memory_are_skipped(void **state)
{
    (void)state;
    build_machine(&mem, 2);
    put64(mem.bytes + AT_XSDT + 36 + 8, 0xffffffffffff0000ULL);   /* MADT entry */
    fix_checksum(&mem, AT_XSDT);
    put64(mem.bytes + AT_FADT + 140, FAKE_MEM_SIZE - 8);          /* X_DSDT */
    fix_checksum(&mem, AT_FADT);
    assert_int_equal(parse(), 0);
    assert_false(info.has_madt);
    assert_true(info.has_fadt);
    assert_false(info.has_s5);
    assert_int_equal(info.bad_tables, 2);
}

static void test_short_fadt_has_no_reset_register(void **state)
{
    (void)state;
    build_machine(&mem, 2);
    put32(mem.bytes + AT_FADT + 4, 116);            /* an ACPI 1.0 FADT */
    fix_checksum(&mem, AT_FADT);
    assert_int_equal(parse(), 0);
    assert_true(info.has_fadt);
    assert_false(info.has_reset_reg);
    assert_int_equal(info.pm1a_cnt.address, 0x604);
    assert_true(info.has_s5);                       /* 32-bit DSDT pointer still used */
}

static void test_s5_encodings(void **state)
{
    (void)state;
    uint8_t a, b;
    const uint8_t zero_ops[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00 };
    assert_true(acpi_find_s5(zero_ops, sizeof zero_ops, &a, &b));
    assert_int_equal(a, 0);
    assert_int_equal(b, 0);
    const uint8_t rooted[] = { 0x08, '\\', '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, 0x07, 0x0a, 0x03, 0, 0 };
    assert_true(acpi_find_s5(rooted, sizeof rooted, &a, &b));
    assert_int_equal(a, 7);
    assert_int_equal(b, 3);
    const uint8_t method_call[] = { 0x14, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00 };
    assert_false(acpi_find_s5(method_call, sizeof method_call, &a, &b));   /* not a Name */
    const uint8_t truncated[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06 };
    assert_false(acpi_find_s5(truncated, sizeof truncated, &a, &b));
    const uint8_t other_object[] = { 0x08, '_', 'S', '5', '_', 0x0d, 'x', 0 };
    assert_false(acpi_find_s5(other_object, sizeof other_object, &a, &b));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xsdt_machine),
        cmocka_unit_test(test_rsdt_machine),
        cmocka_unit_test(test_bad_rsdp_is_refused),
        cmocka_unit_test(test_bad_xsdt_is_refused),
        cmocka_unit_test(test_bad_madt_checksum_skips_only_madt),
        cmocka_unit_test(test_madt_entry_lengths_are_bounded),
        cmocka_unit_test(test_table_lengths_are_checked),
        cmocka_unit_test(test_pointers_outside_memory_are_skipped),
        cmocka_unit_test(test_short_fadt_has_no_reset_register),
        cmocka_unit_test(test_s5_encodings),
    };
    UNIT_RUN(tests, NULL, NULL);
}
