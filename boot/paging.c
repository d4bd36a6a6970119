/*
 * boot/paging.c — the page tables the kernel starts on (Intel SDM vol. 3A
 * §4.5, 4-level paging): the identity map (so the loader survives loading
 * CR3), the direct map at KPIO_DIRECT_MAP_BASE (2 MiB pages, NX), the kernel
 * segments at their link addresses (4 KiB pages, the ELF's permissions) and
 * the boot stack (with unmapped guard pages around it).
 */
#include "loader.h"
#include "lib/lib.h"

#define PTE_PRESENT  (1ULL << 0)
#define PTE_WRITABLE (1ULL << 1)
#define PTE_LARGE    (1ULL << 7)
#define PTE_NX       (1ULL << 63)
#define PTE_ADDR     0x000ffffffffff000ULL

#define SIZE_2M (2ULL << 20)
#define SIZE_1G (1ULL << 30)

/* Page-table pages come from one block allocated up front, so that building
 * the tables is a pure computation over identity-mapped memory. */
struct table_pool {
    uint64_t base;
    uint64_t used, total;   /* pages */
};

static uint64_t *table_new(struct table_pool *pool)
{
    if (pool->used == pool->total)
        return NULL;
    uint64_t *t = (uint64_t *)(uintptr_t)(pool->base + pool->used++ * 4096);
    memset(t, 0, 4096);
    return t;
}

/* Return the table that entry index of table t points to, creating it if needed.
 * Intermediate entries are writable and executable: the leaf decides. */
static uint64_t *table_next(struct table_pool *pool, uint64_t *t, unsigned index)
{
    if (!(t[index] & PTE_PRESENT)) {
        uint64_t *n = table_new(pool);
        if (!n)
            return NULL;
        t[index] = (uint64_t)(uintptr_t)n | PTE_PRESENT | PTE_WRITABLE;
    }
    return (uint64_t *)(uintptr_t)(t[index] & PTE_ADDR);
}

/* Map [virt, virt+size) to phys with the given leaf flags, using 2 MiB pages
 * when large (all three must then be 2 MiB aligned) and 4 KiB pages otherwise.
 * Returns 0, or -1 when the pool runs out. */
static int map_range(struct table_pool *pool, uint64_t *pml4, uint64_t virt, uint64_t phys,
                     uint64_t size, uint64_t flags, bool large)
{
    uint64_t step = large ? SIZE_2M : 4096;
    for (uint64_t off = 0; off < size; off += step) {
        uint64_t v = virt + off;
        uint64_t *pdpt = table_next(pool, pml4, (v >> 39) & 511);
        uint64_t *pd = pdpt ? table_next(pool, pdpt, (v >> 30) & 511) : NULL;
        if (!pd)
            return -1;
        if (large) {
            pd[(v >> 21) & 511] = (phys + off) | flags | PTE_PRESENT | PTE_LARGE;
            continue;
        }
        uint64_t *pt = table_next(pool, pd, (v >> 21) & 511);
        if (!pt)
            return -1;
        pt[(v >> 12) & 511] = (phys + off) | flags | PTE_PRESENT;
    }
    return 0;
}

/* An upper bound on the table pages paging_build needs. */
uint64_t paging_pages_needed(const struct paging_plan *plan)
{
    uint64_t gigs = plan->direct_map_size / SIZE_1G;
    uint64_t pdpts = (plan->direct_map_size + (512 * SIZE_1G) - 1) / (512 * SIZE_1G);
    uint64_t kernel_span = plan->image->vend - plan->image->vbase;
    uint64_t kernel_tables = 2 + kernel_span / SIZE_2M + 2;   /* PDPT, PD, PTs */
    uint64_t stack_tables = 2;                                /* PD, PT */
    return 1 + 2 * (gigs + pdpts) + kernel_tables + stack_tables + 4;
}

int paging_build(const struct paging_plan *plan, uint64_t pool_base, uint64_t pool_pages,
                 uint64_t *pml4_phys)
{
    struct table_pool pool = { pool_base, 0, pool_pages };
    uint64_t *pml4 = table_new(&pool);
    if (!pml4)
        return -1;

    /* Identity map (executable: the loader's code runs there for a few more
     * instructions) and the direct map (never executable). */
    if (map_range(&pool, pml4, 0, 0, plan->direct_map_size, PTE_WRITABLE, true) < 0 ||
        map_range(&pool, pml4, KPIO_DIRECT_MAP_BASE, 0, plan->direct_map_size,
                  PTE_WRITABLE | PTE_NX, true) < 0)
        return -1;

    for (unsigned i = 0; i < plan->image->segment_count; i++) {
        const struct elf_segment *s = &plan->image->segments[i];
        uint64_t flags = (s->writable ? PTE_WRITABLE : 0) | (s->executable ? 0 : PTE_NX);
        uint64_t phys = plan->kernel_phys + (s->vaddr - plan->image->vbase);
        if (map_range(&pool, pml4, s->vaddr, phys, ALIGN_UP(s->memsz, 4096), flags, false) < 0)
            return -1;
    }

    if (map_range(&pool, pml4, KPIO_BOOT_STACK_TOP - KPIO_BOOT_STACK_SIZE, plan->stack_phys,
                  KPIO_BOOT_STACK_SIZE, PTE_WRITABLE | PTE_NX, false) < 0)
        return -1;

    *pml4_phys = (uint64_t)(uintptr_t)pml4;
    return 0;
}
