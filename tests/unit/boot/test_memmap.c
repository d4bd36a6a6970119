/*
 * tests/unit/boot/test_memmap.c — boot/memmap.c: UEFI memory descriptors
 * (with the firmware's descriptor stride, not sizeof) to sorted, merged
 * KPIO regions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "loader.h"
#include "efi.h"

#define STRIDE 48       /* OVMF's descriptor size: larger than the structure */

static uint8_t map[64 * STRIDE];
static size_t map_count;

static void add(uint32_t type, uint64_t base, uint64_t pages)
{
    efi_memory_descriptor d = { .type = type, .physical_start = base, .number_of_pages = pages };
    memset(map + map_count * STRIDE, 0xa5, STRIDE);     /* junk in the padding */
    memcpy(map + map_count * STRIDE, &d, sizeof(d));
    map_count++;
}

static void reset(void)
{
    map_count = 0;
}

static void test_types_and_merging(void **state)
{
    (void)state;
    struct kpio_mem_region r[16];
    reset();
    add(EFI_CONVENTIONAL_MEMORY, 0x0, 0xa0);
    add(EFI_BOOT_SERVICES_DATA, 0x100000, 0x10);          /* usable, and ... */
    add(EFI_LOADER_CODE, 0x110000, 0x10);                 /* ... merges with this */
    add(EFI_KPIO_KERNEL_MEMORY, 0x120000, 0x20);
    add(EFI_KPIO_LOADER_MEMORY, 0x140000, 0x4);
    add(EFI_ACPI_RECLAIM_MEMORY, 0x144000, 0x1);
    add(EFI_ACPI_MEMORY_NVS, 0x145000, 0x1);
    add(EFI_RUNTIME_SERVICES_DATA, 0x146000, 0x1);
    add(EFI_MEMORY_MAPPED_IO, 0xffc00000, 0x400);
    add(EFI_UNUSABLE_MEMORY, 0x200000, 0x1);
    add(EFI_PERSISTENT_MEMORY, 0x300000, 0x1);
    int n = memmap_convert(map, map_count, STRIDE, r, 16);
    assert_int_equal(n, 10);
    const struct { uint64_t base, pages; uint32_t type; } expect[] = {
        { 0x0, 0xa0, KPIO_MEM_USABLE },
        { 0x100000, 0x20, KPIO_MEM_USABLE },
        { 0x120000, 0x20, KPIO_MEM_KERNEL },
        { 0x140000, 0x4, KPIO_MEM_LOADER },
        { 0x144000, 0x1, KPIO_MEM_ACPI_RECLAIM },
        { 0x145000, 0x1, KPIO_MEM_ACPI_NVS },
        { 0x146000, 0x1, KPIO_MEM_RESERVED },
        { 0x200000, 0x1, KPIO_MEM_BAD },
        { 0x300000, 0x1, KPIO_MEM_RESERVED },
        { 0xffc00000, 0x400, KPIO_MEM_MMIO },
    };
    for (int i = 0; i < n; i++) {
        assert_int_equal(r[i].base, expect[i].base);
        assert_int_equal(r[i].pages, expect[i].pages);
        assert_int_equal(r[i].type, expect[i].type);
    }
    assert_int_equal(memmap_top(map, map_count, STRIDE), 0x100000000ULL);
}

static void test_unsorted_input(void **state)
{
    (void)state;
    struct kpio_mem_region r[16];
    reset();
    add(EFI_CONVENTIONAL_MEMORY, 0x300000, 0x100);
    add(EFI_CONVENTIONAL_MEMORY, 0x100000, 0x100);
    add(EFI_CONVENTIONAL_MEMORY, 0x200000, 0x100);         /* joins the two around it */
    add(EFI_RESERVED_MEMORY, 0x0, 0x1);
    add(EFI_CONVENTIONAL_MEMORY, 0x500000, 0x0);           /* empty: dropped */
    int n = memmap_convert(map, map_count, STRIDE, r, 16);
    assert_int_equal(n, 2);
    assert_int_equal(r[0].base, 0);
    assert_int_equal(r[0].type, KPIO_MEM_RESERVED);
    assert_int_equal(r[1].base, 0x100000);
    assert_int_equal(r[1].pages, 0x300);
    assert_int_equal(r[1].type, KPIO_MEM_USABLE);
}

static void test_too_many_regions(void **state)
{
    (void)state;
    struct kpio_mem_region r[4];
    reset();
    for (int i = 0; i < 6; i++)     /* alternating types never merge */
        add(i % 2 ? EFI_RESERVED_MEMORY : EFI_CONVENTIONAL_MEMORY, (uint64_t)i << 20, 1);
    assert_int_equal(memmap_convert(map, map_count, STRIDE, r, 4), -1);
    reset();
    assert_int_equal(memmap_convert(map, 0, STRIDE, r, 4), 0);
    assert_int_equal(memmap_top(map, 0, STRIDE), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_types_and_merging),
        cmocka_unit_test(test_unsorted_input),
        cmocka_unit_test(test_too_many_regions),
    };
    return cmocka_run_group_tests_name("loader memory map", tests, NULL, NULL);
}
