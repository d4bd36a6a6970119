/*
 * kernel/mm/mm_init.c — memory at boot and the mm.h functions: the buddy
 * allocator over the boot memory map, the kernel's page tables, the heap,
 * DMA allocations and statistics.
 */
#include "lib/lib.h"
#include "core/cmdline.h"
#include "core/kernel.h"
#include "core/log.h"
#include "mm/mm.h"
#include "mm/mm_boot.h"
#include "mm/buddy.h"
#include "mm/heap.h"
#include "mm/vm.h"
#include "sched/sched_internal.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/trap.h"
#include <kpio/boot.h>

#define LOW_MEMORY_END (1ULL << 20)     /* below 1 MiB: kept for the AP trampoline */

static struct buddy frames;
struct kheap kernel_heap;
static uint64_t direct_map_size;
static bool mm_ready;

void *phys_to_virt(uint64_t phys) { return (void *)(uintptr_t)(KPIO_DIRECT_MAP_BASE + phys); }

uint64_t virt_to_phys(const void *virt)
{
    uint64_t va = (uint64_t)(uintptr_t)virt;
    if (va >= KPIO_DIRECT_MAP_BASE && va - KPIO_DIRECT_MAP_BASE < direct_map_size)
        return va - KPIO_DIRECT_MAP_BASE;
    uint64_t pa;
    if (mm_ready && vm_translate(&kernel_space, va, &pa, NULL) == 0)
        return pa;
    return ~0ULL;
}

static const char *mem_type_name(uint32_t type)
{
    static const char *const names[] = {
        "?", "usable", "reserved", "acpi-reclaim", "acpi-nvs", "mmio", "loader", "kernel", "bad",
    };
    return type < ARRAY_SIZE(names) ? names[type] : "?";
}

/* Is this a kind of RAM the direct map must cover? */
static bool is_ram(uint32_t type)
{
    return type == KPIO_MEM_USABLE || type == KPIO_MEM_LOADER || type == KPIO_MEM_KERNEL ||
           type == KPIO_MEM_ACPI_RECLAIM || type == KPIO_MEM_ACPI_NVS;
}

/* Append usable RAM [base, base + pages*4K) to ranges, minus low memory and
 * the hole [hole, hole_end). Returns the new count. */
static unsigned usable_ranges(struct buddy_range *ranges, unsigned n, uint64_t base, uint64_t pages,
                              uint64_t hole, uint64_t hole_end)
{
    uint64_t end = base + pages * PAGE_SIZE;
    if (base < LOW_MEMORY_END)
        base = LOW_MEMORY_END;
    if (base >= end)
        return n;
    if (hole < end && hole_end > base) {
        if (hole > base)
            ranges[n++] = (struct buddy_range){ base, (hole - base) / PAGE_SIZE };
        if (hole_end < end)
            ranges[n++] = (struct buddy_range){ hole_end, (end - hole_end) / PAGE_SIZE };
        return n;
    }
    ranges[n++] = (struct buddy_range){ base, (end - base) / PAGE_SIZE };
    return n;
}

void mm_init(const struct kpio_boot_info *bi)
{
    bool heap_debug = cmdline_get("heapdebug") != NULL;
    uint32_t count = MIN(bi->mem_region_count, (uint32_t)KPIO_MEM_REGIONS_MAX);

    /* How much physical memory is there, and where can the metadata go? */
    uint64_t top = 0, usable = 0;
    for (uint32_t i = 0; i < count; i++) {
        const struct kpio_mem_region *r = &bi->mem_regions[i];
        uint64_t end = r->base + r->pages * PAGE_SIZE;
        if (is_ram(r->type) && end > top)
            top = end;
        if (r->type == KPIO_MEM_USABLE)
            usable += r->pages;
    }
    uint64_t npfn = top / PAGE_SIZE;
    uint64_t meta_bytes = ALIGN_UP(buddy_meta_size(npfn), PAGE_SIZE);
    uint64_t meta_phys = 0;
    for (uint32_t i = 0; i < count && !meta_phys; i++) {
        const struct kpio_mem_region *r = &bi->mem_regions[i];
        uint64_t base = MAX(r->base, LOW_MEMORY_END);
        uint64_t end = r->base + r->pages * PAGE_SIZE;
        if (r->type == KPIO_MEM_USABLE && end > base && end - base >= meta_bytes)
            meta_phys = base;
    }
    if (!meta_phys)
        panic("mm: no room for %llu KiB of frame metadata", (unsigned long long)meta_bytes / 1024);

    /* The loader's direct map is live: the metadata can be used right away. */
    static struct buddy_range ranges[KPIO_MEM_REGIONS_MAX + 1];
    unsigned n = 0;
    for (uint32_t i = 0; i < count && n + 2 <= ARRAY_SIZE(ranges); i++) {
        const struct kpio_mem_region *r = &bi->mem_regions[i];
        if (r->type == KPIO_MEM_USABLE)
            n = usable_ranges(ranges, n, r->base, r->pages, meta_phys, meta_phys + meta_bytes);
    }
    buddy_init_from_ranges(&frames, 0, npfn, phys_to_virt(meta_phys), ranges, n);

    direct_map_size = MAX(ALIGN_UP(top, 1ULL << 30), 4ULL << 30);
    vm_init(bi, direct_map_size);
    trap_set_handler(VEC_PAGE_FAULT, vm_page_fault);
    kheap_init(&kernel_heap, &frames, heap_debug);
    kernel_heap.direct_base = KPIO_DIRECT_MAP_BASE;
    mm_ready = true;
    /* main.c copied the boot info and we left the loader's page tables. */
    mm_reclaim_boot_memory();
    log_info("mm: %llu MiB usable of %llu MiB, %llu MiB free after boot, heap debug %s",
             (unsigned long long)(usable * PAGE_SIZE >> 20), (unsigned long long)(top >> 20),
             (unsigned long long)(buddy_free_count(&frames) * PAGE_SIZE >> 20),
             heap_debug ? "on" : "off");
}

void mm_reclaim_boot_memory(void)
{
    uint64_t pages = 0;
    for (uint32_t i = 0; i < MIN(boot_info.mem_region_count, (uint32_t)KPIO_MEM_REGIONS_MAX); i++) {
        const struct kpio_mem_region *r = &boot_info.mem_regions[i];
        if (r->type == KPIO_MEM_LOADER) {
            struct buddy_range range[2];
            if (usable_ranges(range, 0, r->base, r->pages, 0, 0))
                buddy_add_range(&frames, range[0].phys, range[0].pages);
            pages += r->pages;
        }
    }
    log_info("mm: reclaimed %llu KiB of loader memory", (unsigned long long)(pages * PAGE_SIZE / 1024));
}

int mm_low_memory(uint64_t pages, uint64_t *phys)
{
    for (uint32_t i = 0; i < MIN(boot_info.mem_region_count, (uint32_t)KPIO_MEM_REGIONS_MAX); i++) {
        const struct kpio_mem_region *r = &boot_info.mem_regions[i];
        uint64_t base = MAX(r->base, PAGE_SIZE);   /* never page 0 */
        uint64_t end = MIN(r->base + r->pages * PAGE_SIZE, LOW_MEMORY_END);
        if (r->type == KPIO_MEM_USABLE && end > base && (end - base) / PAGE_SIZE >= pages) {
            *phys = base;
            return 0;
        }
    }
    return -ENOMEM;
}

void mm_print_map(void (*print)(const char *fmt, ...))
{
    for (uint32_t i = 0; i < MIN(boot_info.mem_region_count, (uint32_t)KPIO_MEM_REGIONS_MAX); i++) {
        const struct kpio_mem_region *r = &boot_info.mem_regions[i];
        print("  %#014llx-%#014llx %8llu KiB %s\n", (unsigned long long)r->base,
              (unsigned long long)(r->base + r->pages * PAGE_SIZE),
              (unsigned long long)(r->pages * 4), mem_type_name(r->type));
    }
}

struct buddy *mm_buddy(void) { return &frames; }

/* ---- mm.h ---- */

/* Single frames come and go through a small per-CPU stack in front of the
 * buddy allocator: no lock, no split and merge. A cached frame is tagged
 * FRAME_NONE, so freeing it twice is still caught. */
#define FRAME_CACHE_MAX ARRAY_SIZE(((struct cpu *)0)->frame_cache)

uint64_t frame_alloc(unsigned order)
{
    if (order == 0 && sched_percpu_ready) {
        uint64_t flags = irq_save();
        struct cpu *c = this_cpu();
        uint64_t phys = c->frames_cached ? c->frame_cache[--c->frames_cached] : 0;
        irq_restore(flags);
        if (phys) {
            buddy_tag_set(&frames, phys >> BUDDY_PAGE_SHIFT, FRAME_USED, 0);
            return phys;
        }
    }
    return buddy_alloc(&frames, order);
}

void frame_free(uint64_t phys, unsigned order)
{
    unsigned tag_order;
    if (order == 0 && sched_percpu_ready && !(phys & (PAGE_SIZE - 1)) &&
        buddy_tag_get(&frames, phys >> BUDDY_PAGE_SHIFT, &tag_order) == FRAME_USED && tag_order == 0) {
        uint64_t flags = irq_save();
        struct cpu *c = this_cpu();
        if (c->frames_cached < FRAME_CACHE_MAX) {
            buddy_tag_set(&frames, phys >> BUDDY_PAGE_SHIFT, FRAME_NONE, 0);
            c->frame_cache[c->frames_cached++] = phys;
            irq_restore(flags);
            return;
        }
        irq_restore(flags);
    }
    buddy_free(&frames, phys, order);
}

static uint64_t frames_in_caches(void)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < cpu_count; i++)
        if (cpus[i])
            n += __atomic_load_n(&cpus[i]->frames_cached, __ATOMIC_RELAXED);
    return n;
}

void *dma_alloc(size_t size, uint64_t *phys)
{
    uint64_t pages = ALIGN_UP((uint64_t)size, PAGE_SIZE) / PAGE_SIZE;
    uint64_t pa = buddy_alloc_pages(&frames, pages ? pages : 1);
    if (!pa)
        return NULL;
    void *va = phys_to_virt(pa);
    memset(va, 0, pages * PAGE_SIZE);
    *phys = pa;
    return va;
}

void dma_free(void *virt, size_t size)
{
    if (!virt)
        return;
    uint64_t pages = ALIGN_UP((uint64_t)size, PAGE_SIZE) / PAGE_SIZE;
    buddy_free_pages(&frames, virt_to_phys(virt), pages ? pages : 1);
}

void mm_get_stats(struct mm_stats *out)
{
    out->frames_total = frames.total_pages;
    out->frames_free = buddy_free_count(&frames) + frames_in_caches();
    uint64_t cached_objects, cached_bytes;
    kmalloc_cached(&cached_objects, &cached_bytes);
    out->heap_bytes_in_use = __atomic_load_n(&kernel_heap.bytes_in_use, __ATOMIC_RELAXED) - cached_bytes;
    out->heap_allocations = __atomic_load_n(&kernel_heap.allocations, __ATOMIC_RELAXED) - cached_objects;
}
