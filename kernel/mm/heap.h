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
#include "mm/mm.h"

#define KHEAP_ALIGN        16           /* every object is 16-byte aligned */
#define KHEAP_SLAB_MAX     4096         /* larger requests get their own pages */
#define KHEAP_DEBUG        1u           /* cache flag: red zones and poisoning */
#define KHEAP_DEBUG_HDR    16u          /* debug header in front of each object */

struct kheap;

struct kheap_cache {
    char name[24];
    struct kheap *heap;
    uint32_t flags;
    uint32_t obj_size;          /* bytes usable by the caller */
    uint32_t slot_size;         /* bytes per object in a slab, with debug header/red zone */
    uint32_t slab_order;        /* slabs are 2^slab_order pages, naturally aligned */
    uint32_t objs_per_slab;
    uint32_t slot_recip;        /* ceil(2^32 / slot_size): offset / slot_size by multiplying */
    spinlock_t lock;
    struct list_node partial;   /* slabs with a free object (at most one wholly free) */
    struct list_node full;      /* slabs with no free object */
    unsigned empty_slabs;       /* wholly free slabs kept on partial: 0 or 1 */
    uint64_t live;              /* objects handed out */
    uint64_t slabs;             /* slabs held, including the empty one */
};

#define KHEAP_CLASSES 15

/* A slab: a naturally aligned buddy block of 2^slab_order pages starting
 * with this header (KHEAP_SLAB_HDR bytes), then the slots. Every frame of a
 * slab is tagged FRAME_SLAB with the slab's order, so a pointer finds its
 * slab by rounding its frame number down (kheap_class_of, inline below). */
#define KHEAP_SLAB_HDR 64u
#define KHEAP_SLAB_MAGIC 0x534c4142u       /* "SLAB" */
struct kheap_slab {
    uint32_t magic;
    uint32_t inuse;
    struct kheap_cache *cache;
    struct list_node node;
    void *free;                 /* free slots, linked through their first word */
    uint8_t *slots;             /* first slot */
};
_Static_assert(sizeof(struct kheap_slab) <= KHEAP_SLAB_HDR, "slab header too big");

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
/* For caches of free objects kept outside the heap (kmalloc's per-CPU
 * stacks): take up to n objects of c in one go (one lock round), or give n
 * back. Objects in such a cache are not allocations yet: the heap's counters
 * leave them out, and whoever hands them out counts them. Take returns the
 * number taken. */
unsigned kheap_cache_take_batch(struct kheap_cache *c, void **out, unsigned n);
void kheap_cache_give_batch(struct kheap_cache *c, void **objs, unsigned n);
/* Count objects (and their bytes) handed out or taken back outside the
 * heap's own calls, e.g. by a cache filled with kheap_cache_take_batch. */
void kheap_count(struct kheap *h, int64_t objects, int64_t bytes);

/* The slab holding ptr, or NULL (inline: kfree looks one up on every call). */
static inline struct kheap_slab *kheap_slab_of(struct kheap *h, const void *ptr)
{
    uintptr_t va = (uintptr_t)ptr;
    uint64_t phys;
    if (!h->direct_base)
        phys = virt_to_phys(ptr);
    else if (va >= h->direct_base)
        phys = va - h->direct_base;
    else
        return NULL;            /* not in the direct map: not a heap object */
    uint64_t pfn = phys >> BUDDY_PAGE_SHIFT;
    unsigned order;
    if (buddy_tag_get(h->buddy, pfn, &order) != FRAME_SLAB)
        return NULL;
    uint64_t head = (pfn & ~((1ULL << order) - 1)) << BUDDY_PAGE_SHIFT;
    struct kheap_slab *s = h->direct_base ? (struct kheap_slab *)(h->direct_base + head)
                                          : (struct kheap_slab *)phys_to_virt(head);
    return s->magic == KHEAP_SLAB_MAGIC ? s : NULL;
}

/* Is ptr the start of one of slab s's slots? */
static inline bool kheap_is_slot(const struct kheap_slab *s, const void *ptr)
{
    const struct kheap_cache *c = s->cache;
    const uint8_t *p = (const uint8_t *)ptr - ((c->flags & KHEAP_DEBUG) ? KHEAP_DEBUG_HDR : 0);
    if (p < s->slots)
        return false;
    uint64_t off = (uint64_t)(p - s->slots);
    uint64_t slot = off * c->slot_recip >> 32;      /* exact: off < 2^32 / slot_size */
    return slot * c->slot_size == off && slot < c->objs_per_slab;
}

/* The size class (index into heap->classes) of a heap object, -1 if it is
 * not the start of a size-class object. */
static inline int kheap_class_of(struct kheap *h, const void *ptr)
{
    struct kheap_slab *s = kheap_slab_of(h, ptr);
    if (!s || s->cache < h->classes || s->cache >= h->classes + KHEAP_CLASSES || !kheap_is_slot(s, ptr))
        return -1;
    return (int)(s->cache - h->classes);
}

/* The class serving size bytes, -1 above KHEAP_SLAB_MAX. */
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
