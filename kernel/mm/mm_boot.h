/*
 * kernel/mm/mm_boot.h — memory management entry points for the kernel's own
 * start-up code and the monitor (not for drivers: they use mm.h and vm.h).
 */
#ifndef KPIO_MM_BOOT_H
#define KPIO_MM_BOOT_H

#include <stdbool.h>
#include <stdint.h>
#include <kpio/boot.h>

/* kmalloc requests above this go to vmalloc (page-mapped, not contiguous). */
#define KMALLOC_MAX_PAGES_BYTES ((4ULL << 20) - 64)

/* Frames from the memory map, the kernel's page tables (switching to them),
 * the heap (with red zones everywhere if the command line says heapdebug).
 * bi must stay valid (main.c's copy). Boot CPU, before anything allocates. */
void mm_init(const struct kpio_boot_info *bi);
/* Give the loader's memory (its page tables, the original boot info) to the
 * frame allocator; nothing may use them afterwards. */
void mm_reclaim_boot_memory(void);
/* `pages` usable pages below 1 MiB (never handed out by frame_alloc); for the
 * AP start-up trampoline. 0 or -ENOMEM. */
int mm_low_memory(uint64_t pages, uint64_t *phys);
/* Print the boot memory map, one region a line. */
void mm_print_map(void (*print)(const char *fmt, ...));

struct buddy *mm_buddy(void);
extern struct kheap kernel_heap;        /* what kmalloc uses */
static inline struct kheap *mm_heap(void) { return &kernel_heap; }

/* kmalloc.c: objects and bytes sitting in the per-CPU kmalloc caches (free
 * to callers, allocated to the heap). */
void kmalloc_cached(uint64_t *objects, uint64_t *bytes);
/* Empty every CPU's kmalloc cache into the heap and give the heap's empty
 * slabs back: afterwards frame counts reflect live objects only. */
void mm_heap_shrink(void);

#endif
