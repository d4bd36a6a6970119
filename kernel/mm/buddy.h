/*
 * kernel/mm/buddy.h — a binary buddy allocator over physical frames.
 *
 * Portable: it sees memory only through phys_to_virt() (mm.h) and locks
 * through sched.h, so the host unit tests run it over a malloc'd arena.
 *
 * Every frame the allocator covers has one byte of metadata: a tag (what
 * the frame is used for) and an order. Only the first frame of a block
 * (its head) carries a meaningful tag; the heap uses the tags to find the
 * slab or large allocation behind a pointer. Free blocks are kept on one
 * list per order, the list node stored inside the free block itself.
 *
 * Whole largest-order blocks handed over at start-up are not put on a list
 * (which would write into every one of them) but kept as "untouched" ranges
 * and listed only when the lists run dry: memory nobody has used yet stays
 * untouched, which under QEMU keeps the host from backing it at boot.
 */
#ifndef KPIO_MM_BUDDY_H
#define KPIO_MM_BUDDY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/list.h"
#include "sched/sched.h"

#define BUDDY_MAX_ORDER 10          /* largest block: 2^10 pages = 4 MiB */
#define BUDDY_UNTOUCHED_RANGES 32
#define BUDDY_PAGE_SHIFT 12

enum frame_tag {
    FRAME_NONE  = 0,    /* not managed, or inside a block (not a head) */
    FRAME_FREE  = 1,    /* head of a free block */
    FRAME_USED  = 2,    /* head of an allocated block */
    FRAME_SLAB  = 3,    /* any frame of a heap slab (order = slab order) */
    FRAME_LARGE = 4,    /* head of a large heap allocation */
};

struct buddy {
    spinlock_t lock;
    uint64_t base_pfn;              /* first frame number covered by meta[] */
    uint64_t npfn;                  /* frames covered */
    uint8_t *meta;                  /* one byte per frame: tag << 4 | order */
    struct list_node free_lists[BUDDY_MAX_ORDER + 1];
    uint64_t free_blocks[BUDDY_MAX_ORDER + 1];
    struct {
        uint64_t next_pfn, end_pfn; /* whole free max-order blocks, never listed yet */
    } untouched[BUDDY_UNTOUCHED_RANGES];
    unsigned untouched_count;
    uint64_t untouched_pages;
    uint64_t total_pages;           /* pages ever added */
    uint64_t free_pages;            /* listed and untouched */
    uint64_t bad_frees;             /* rejected frees (double, misaligned, foreign) */
};

/* Bytes of metadata needed to cover npfn frames. */
static inline size_t buddy_meta_size(uint64_t npfn) { return (size_t)npfn; }

/* Set up an empty allocator covering frames [base_pfn, base_pfn + npfn);
 * meta must hold buddy_meta_size(npfn) bytes. No memory is free yet. */
void buddy_init(struct buddy *b, uint64_t base_pfn, uint64_t npfn, uint8_t *meta);

struct buddy_range {
    uint64_t phys;      /* page aligned */
    uint64_t pages;
};
/* buddy_init plus buddy_add_range for each of n sorted, disjoint ranges, but
 * the metadata of the whole blocks that stay untouched is not written either
 * (it is initialised when such a block is first listed): at boot this writes
 * a few pages instead of one byte per frame of RAM. */
void buddy_init_from_ranges(struct buddy *b, uint64_t base_pfn, uint64_t npfn, uint8_t *meta,
                            const struct buddy_range *ranges, unsigned n);

/* Hand the page-aligned range [phys, phys + pages*4K) to the allocator as
 * free memory. Frames outside the covered range are ignored. */
void buddy_add_range(struct buddy *b, uint64_t phys, uint64_t pages);

/* 2^order contiguous, naturally aligned pages: the physical address, or 0. */
uint64_t buddy_alloc(struct buddy *b, unsigned order);

/* Give back a block from buddy_alloc. Returns 0, or -EINVAL (and counts a bad
 * free, leaving memory untouched) if phys is not the head of a used block of
 * that order: a double free, a wrong order or a foreign address. */
int buddy_free(struct buddy *b, uint64_t phys, unsigned order);

/* npages contiguous pages (any count up to 2^BUDDY_MAX_ORDER): the block is
 * rounded up to a power of two and the unused tail is given back at once.
 * Returns the physical address or 0. */
uint64_t buddy_alloc_pages(struct buddy *b, uint64_t npages);
/* Give back npages pages from buddy_alloc_pages. 0 or -EINVAL. */
int buddy_free_pages(struct buddy *b, uint64_t phys, uint64_t npages);

/* Frame tags, for the heap. buddy_tag_get returns FRAME_NONE outside the
 * range (inline: kfree looks one up on every call). */
static inline enum frame_tag buddy_tag_get(const struct buddy *b, uint64_t pfn, unsigned *order)
{
    uint8_t m = pfn >= b->base_pfn && pfn - b->base_pfn < b->npfn ? b->meta[pfn - b->base_pfn] : 0;
    if (order)
        *order = m & 0xf;
    return (enum frame_tag)(m >> 4);
}
void buddy_tag_set(struct buddy *b, uint64_t pfn, enum frame_tag tag, unsigned order);

/* Pages free at the moment, and in blocks of at least `order`. */
uint64_t buddy_free_count(struct buddy *b);
uint64_t buddy_free_count_order(struct buddy *b, unsigned order);

/* Check every invariant (lists, tags, counts); returns 0 or a negative count of
 * problems found. Slow: for tests and the `mem check` monitor command. */
int buddy_check(struct buddy *b);

#endif
