/*
 * kernel/mm/mm.h — memory for the rest of the kernel.
 *   kmalloc/kfree: the kernel heap (slab caches for small sizes, pages beyond).
 *   frames:        physical 4 KiB pages from the buddy allocator.
 *   dma:           physically contiguous, zeroed memory for devices.
 * All allocation functions return NULL on failure; none of them panics.
 */
#ifndef KPIO_MM_H
#define KPIO_MM_H

#include <stddef.h>
#include <stdint.h>

#define PAGE_SIZE 4096ULL

void *kmalloc(size_t size);
void *kzalloc(size_t size);
void *krealloc(void *ptr, size_t size);
void kfree(void *ptr);

/* Physical frames: 2^order contiguous pages; returns the physical address or 0. */
uint64_t frame_alloc(unsigned order);
void frame_free(uint64_t phys, unsigned order);

/* Direct map: every physical address has a kernel virtual alias. */
void *phys_to_virt(uint64_t phys);
uint64_t virt_to_phys(const void *virt);

/* DMA: contiguous zeroed memory of at least `size` bytes; *phys gets its address. */
void *dma_alloc(size_t size, uint64_t *phys);
void dma_free(void *virt, size_t size);

/* Counters for leak checks (tests compare them before and after a workload). */
struct mm_stats {
    uint64_t frames_total;
    uint64_t frames_free;
    uint64_t heap_bytes_in_use;
    uint64_t heap_allocations;   /* live objects */
};
void mm_get_stats(struct mm_stats *out);

#endif
