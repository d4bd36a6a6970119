/*
 * tests/unit/boot/test_paging.c — boot/paging.c builds tables in host memory
 * (the "physical" addresses are host pointers); a software page walk
 * (Intel SDM vol. 3A §4.5) then checks every kind of mapping and its
 * permissions, and that the guard pages stay unmapped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "loader.h"

#define P (1ULL << 0)
#define W (1ULL << 1)
#define PS (1ULL << 7)
#define NX (1ULL << 63)
#define ADDR 0x000ffffffffff000ULL

struct walk {
    bool present;
    uint64_t phys;
    bool writable, nx;
};

/* Translate va through the tables at pml4: permissions combine over levels
 * (writable only if every level allows, NX if any level forbids). */
static struct walk translate(uint64_t pml4, uint64_t va)
{
    struct walk w = { false, 0, true, false };
    uint64_t *table = (uint64_t *)(uintptr_t)pml4;
    for (int level = 3; level >= 0; level--) {
        uint64_t e = table[(va >> (12 + 9 * level)) & 511];
        if (!(e & P))
            return w;
        w.writable = w.writable && (e & W);
        w.nx = w.nx || (e & NX);
        if (level == 0 || (level == 1 && (e & PS))) {
            uint64_t page = level ? (2ULL << 20) : 4096;
            w.present = true;
            w.phys = (e & ADDR & ~(page - 1)) + (va & (page - 1));
            return w;
        }
        assert_false(level == 2 && (e & PS));   /* we never make 1 GiB pages */
        table = (uint64_t *)(uintptr_t)(e & ADDR);
    }
    return w;
}

static struct elf_image image(void)
{
    struct elf_image img = { .entry = KPIO_KERNEL_BASE, .vbase = KPIO_KERNEL_BASE,
                             .vend = KPIO_KERNEL_BASE + 0x205000, .segment_count = 3 };
    img.segments[0] = (struct elf_segment){ KPIO_KERNEL_BASE, 0x3000, 0x1000, 0x3000, false, true };
    img.segments[1] = (struct elf_segment){ KPIO_KERNEL_BASE + 0x3000, 0x1000, 0x4000, 0x1000, false, false };
    /* Data crosses a 2 MiB boundary, so it needs a second page table. */
    img.segments[2] = (struct elf_segment){ KPIO_KERNEL_BASE + 0x5000, 0x200000, 0x5000, 0x10, true, false };
    return img;
}

static void test_layout(void **state)
{
    (void)state;
    struct elf_image img = image();
    const uint64_t kernel_phys = 0x1000000, stack_phys = 0x2000000;
    struct paging_plan plan = { 8ULL << 30, &img, kernel_phys, stack_phys };
    uint64_t pages = paging_pages_needed(&plan);
    void *pool = aligned_alloc(4096, pages * 4096);
    uint64_t pml4;
    assert_int_equal(paging_build(&plan, (uint64_t)(uintptr_t)pool, pages, &pml4), 0);

    /* Kernel segments: text RX, rodata R, data RW, all at kernel_phys + offset. */
    struct walk t = translate(pml4, KPIO_KERNEL_BASE + 0x1234);
    assert_true(t.present && !t.writable && !t.nx);
    assert_int_equal(t.phys, kernel_phys + 0x1234);
    t = translate(pml4, KPIO_KERNEL_BASE + 0x3008);
    assert_true(t.present && !t.writable && t.nx);
    t = translate(pml4, KPIO_KERNEL_BASE + 0x204ff8);
    assert_true(t.present && t.writable && t.nx);
    assert_int_equal(t.phys, kernel_phys + 0x204ff8);
    /* The gap between rodata and data is not mapped, nor is anything past the end. */
    assert_false(translate(pml4, KPIO_KERNEL_BASE + 0x4000).present);
    assert_false(translate(pml4, KPIO_KERNEL_BASE + 0x205000).present);

    /* Boot stack: RW NX, guard pages on both sides. */
    t = translate(pml4, KPIO_BOOT_STACK_TOP - 8);
    assert_true(t.present && t.writable && t.nx);
    assert_int_equal(t.phys, stack_phys + KPIO_BOOT_STACK_SIZE - 8);
    t = translate(pml4, KPIO_BOOT_STACK_TOP - KPIO_BOOT_STACK_SIZE);
    assert_int_equal(t.phys, stack_phys);
    assert_false(translate(pml4, KPIO_BOOT_STACK_TOP).present);
    assert_false(translate(pml4, KPIO_BOOT_STACK_TOP - KPIO_BOOT_STACK_SIZE - 1).present);

    /* Direct map: everything up to the size, NX; nothing beyond. */
    t = translate(pml4, KPIO_DIRECT_MAP_BASE + 0x12345678);
    assert_true(t.present && t.writable && t.nx);
    assert_int_equal(t.phys, 0x12345678);
    t = translate(pml4, KPIO_DIRECT_MAP_BASE + (8ULL << 30) - 1);
    assert_int_equal(t.phys, (8ULL << 30) - 1);
    assert_false(translate(pml4, KPIO_DIRECT_MAP_BASE + (8ULL << 30)).present);

    /* Identity map: executable (the loader still runs there). */
    t = translate(pml4, 0x7654321);
    assert_true(t.present && !t.nx);
    assert_int_equal(t.phys, 0x7654321);
    free(pool);
}

static void test_pool_too_small(void **state)
{
    (void)state;
    struct elf_image img = image();
    struct paging_plan plan = { 4ULL << 30, &img, 0x1000000, 0x2000000 };
    uint64_t pages = paging_pages_needed(&plan);
    void *pool = aligned_alloc(4096, pages * 4096);
    uint64_t pml4;
    for (uint64_t n = 0; n < 8; n++)
        assert_int_equal(paging_build(&plan, (uint64_t)(uintptr_t)pool, n, &pml4), -1);
    assert_int_equal(paging_build(&plan, (uint64_t)(uintptr_t)pool, pages, &pml4), 0);
    free(pool);
}

static void test_estimate_covers_large_memory(void **state)
{
    (void)state;
    struct elf_image img = image();
    for (uint64_t gib = 4; gib <= 512; gib *= 2) {
        struct paging_plan plan = { gib << 30, &img, 0x1000000, 0x2000000 };
        uint64_t pages = paging_pages_needed(&plan);
        void *pool = aligned_alloc(4096, pages * 4096);
        uint64_t pml4;
        assert_int_equal(paging_build(&plan, (uint64_t)(uintptr_t)pool, pages, &pml4), 0);
        assert_int_equal(translate(pml4, KPIO_DIRECT_MAP_BASE + (gib << 30) - 4096).phys,
                         (gib << 30) - 4096);
        free(pool);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_pool_too_small),
        cmocka_unit_test(test_estimate_covers_large_memory),
    };
    return cmocka_run_group_tests_name("loader page tables", tests, NULL, NULL);
}
