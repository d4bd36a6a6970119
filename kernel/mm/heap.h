/*
 * kernel/mm/heap.h — the kernel heap: slab caches for small objects and
 * page-backed large allocations, over a buddy allocator (portable; kmalloc.c
 * wraps one global heap as kmalloc/kfree).
 *
 * Debug mode (per cache, or the whole heap) adds to every object a header
 * (state and requested size) and a red zone filling the rest of its slot;
 * freed objects are poisoned. kfree then catches double frees, frees of
 * foreign pointers and overruns, and allocation catches writes after free.
 * A caught error is logged, counted in heap->errors and the operation is
 * refused (the memory is leaked rather than corrupted).
 */
#ifndef KPIO_MM_HEAP_H
#define KPIO_MM_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/list.h"
#include "sched/sched.h"
#include "mm/buddy.h"

#define KHEAP_ALIGN        16           /* every object is 16-byte aligned */
#define KHEAP_SLAB_MAX     4096         /* larger requests get their own pages */
#define KHEAP_DEBUG        1u           /* cache flag: red zones and poisoning */

struct kheap;

struct kheap_cache {
    char name[24];
    struct kheap *heap;
    uint32_t flags;
    uint32_t obj_size;          /* bytes usable by the caller */
    uint32_t slot_size;         /* bytes per object in a slab, with debug header/red zone */
    uint32_t slab_order;        /* slabs are 2^slab_order pages, naturally aligned */
    uint32_t objs_per_slab;
    spinlock_t lock;
    struct list_node partial;   /* slabs with a free object (at most one wholly free) */
    struct list_node full;      /* slabs with no free object */
    unsigned empty_slabs;       /* wholly free slabs kept on partial: 0 or 1 */
    uint64_t live;              /* objects handed out */
    uint64_t slabs;             /* slabs held, including the empty one */
};

#define KHEAP_CLASSES 15

struct kheap {
    struct buddy *buddy;
    bool debug;
    /* Where physical memory is mapped, if one offset maps it all (the
     * kernel's direct map): pointer checks are then arithmetic instead of
     * calls to virt_to_phys/phys_to_virt. 0 = use those. */
    uintptr_t direct_base;
    struct kheap_cache classes[KHEAP_CLASSES];
    /* Counters, updated atomically. */
    uint64_t bytes_in_use;      /* slot or page bytes behind live allocations */
    uint64_t allocations;       /* live allocations */
    uint64_t large_pages;       /* pages held by large allocations */
    uint64_t errors;            /* double frees, overruns, bad pointers caught */
};

/* Set up a heap over buddy; debug turns on red zones for every size class. */
void kheap_init(struct kheap *h, struct buddy *buddy, bool debug);

/* size bytes, 16-byte aligned; NULL if size is 0 is not an error: returns a
 * unique minimal object. NULL only when memory runs out. */
void *kheap_alloc(struct kheap *h, size_t size);
void *kheap_zalloc(struct kheap *h, size_t size);
void *kheap_realloc(struct kheap *h, void *ptr, size_t size);
void kheap_free(struct kheap *h, void *ptr);
/* Bytes the caller may use at ptr (at least what was asked for); 0 for a bad pointer. */
size_t kheap_usable_size(struct kheap *h, const void *ptr);

/* Object caches for subsystems that allocate many objects of one size. */
void kheap_cache_init(struct kheap_cache *c, struct kheap *h, const char *name,
                      size_t size, uint32_t flags);
void *kheap_cache_alloc(struct kheap_cache *c);
void kheap_cache_free(struct kheap_cache *c, void *obj);
/* Up to n objects in one go (one lock round): the number allocated. */
unsigned kheap_cache_alloc_batch(struct kheap_cache *c, void **out, unsigned n);
/* Free n objects of c in one go. */
void kheap_cache_free_batch(struct kheap_cache *c, void **objs, unsigned n);
/* The size class (index into heap->classes) of a heap object, -1 if it is
 * not a size-class object; the class serving size bytes, -1 above
 * KHEAP_SLAB_MAX. */
int kheap_class_of(struct kheap *h, const void *ptr);
extern const uint8_t kheap_class_table[KHEAP_SLAB_MAX / 16 + 1];
static inline int kheap_class_for_size(size_t size)
{
    return size <= KHEAP_SLAB_MAX ? kheap_class_table[(size + 15) / 16] : -1;
}

/* Give every empty slab back to the buddy allocator. */
void kheap_cache_shrink(struct kheap_cache *c);
/* Give back every empty slab of every size class. */
void kheap_shrink(struct kheap *h);

/* Check every object of a debug cache for red-zone or poison damage; returns
 * the number of damaged objects found (each also logged and counted). */
int kheap_cache_check(struct kheap_cache *c);
int kheap_check(struct kheap *h);

#endif
