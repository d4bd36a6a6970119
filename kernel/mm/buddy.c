/*
 * kernel/mm/buddy.c — binary buddy allocator (see buddy.h).
 *
 * A block of order k starts at a frame number that is a multiple of 2^k. Its
 * buddy is the block of the same order whose frame number differs only in
 * bit k. Freeing merges a block with its buddy while the buddy is free and of
 * the same order, so free memory stays in the largest aligned blocks.
 */
#include "lib/lib.h"
#include "core/log.h"
#include "mm/mm.h"
#include "mm/buddy.h"

#define TAG_BYTE(tag, order) ((uint8_t)(((unsigned)(tag) << 4) | (order)))

static inline uint64_t pfn_of(uint64_t phys) { return phys >> BUDDY_PAGE_SHIFT; }
static inline uint64_t phys_of(uint64_t pfn) { return pfn << BUDDY_PAGE_SHIFT; }

static inline bool covered(const struct buddy *b, uint64_t pfn)
{
    return pfn >= b->base_pfn && pfn - b->base_pfn < b->npfn;
}

static inline uint8_t *meta_of(struct buddy *b, uint64_t pfn) { return &b->meta[pfn - b->base_pfn]; }

static inline struct list_node *node_of(uint64_t pfn) { return phys_to_virt(phys_of(pfn)); }

static inline uint64_t pfn_of_node(struct list_node *n) { return pfn_of(virt_to_phys(n)); }

/* An allocator with empty lists over [base_pfn, base_pfn + npfn); the
 * metadata is left as it is. */
static void buddy_setup(struct buddy *b, uint64_t base_pfn, uint64_t npfn, uint8_t *meta)
{
    memset(b, 0, sizeof *b);
    spin_init(&b->lock, "buddy");
    b->base_pfn = base_pfn;
    b->npfn = npfn;
    b->meta = meta;
    for (unsigned k = 0; k <= BUDDY_MAX_ORDER; k++)
        list_init(&b->free_lists[k]);
}

void buddy_init(struct buddy *b, uint64_t base_pfn, uint64_t npfn, uint8_t *meta)
{
    buddy_setup(b, base_pfn, npfn, meta);
    memset(meta, TAG_BYTE(FRAME_NONE, 0), buddy_meta_size(npfn));
}

/* Put a block on its free list and tag it. Lock held. */
static void push_free(struct buddy *b, uint64_t pfn, unsigned order)
{
    *meta_of(b, pfn) = TAG_BYTE(FRAME_FREE, order);
    list_push_front(&b->free_lists[order], node_of(pfn));
    b->free_blocks[order]++;
    b->free_pages += 1ULL << order;
}

/* Take a block off its free list; its head becomes an untagged frame. Lock held. */
static void pull_free(struct buddy *b, uint64_t pfn, unsigned order)
{
    list_remove(node_of(pfn));
    *meta_of(b, pfn) = TAG_BYTE(FRAME_NONE, 0);
    b->free_blocks[order]--;
    b->free_pages -= 1ULL << order;
}

/* Free the block at pfn (already validated), merging with free buddies. Lock held. */
static void free_and_merge(struct buddy *b, uint64_t pfn, unsigned order)
{
    while (order < BUDDY_MAX_ORDER) {
        uint64_t buddy_pfn = pfn ^ (1ULL << order);
        if (!covered(b, buddy_pfn) || *meta_of(b, buddy_pfn) != TAG_BYTE(FRAME_FREE, order))
            break;
        pull_free(b, buddy_pfn, order);
        *meta_of(b, pfn) = TAG_BYTE(FRAME_NONE, 0);
        pfn &= ~(1ULL << order);
        order++;
    }
    push_free(b, pfn, order);
}

/* Largest order of an aligned block starting at pfn that fits in `pages`. */
static unsigned fit_order(uint64_t pfn, uint64_t pages)
{
    unsigned order = 0;
    while (order < BUDDY_MAX_ORDER && (pfn & (1ULL << order)) == 0 && (2ULL << order) <= pages)
        order++;
    return order;
}

/* The part of [pfn, end) that buddy_add_range would keep untouched, if any. */
static bool untouched_part(uint64_t pfn, uint64_t end, uint64_t *mid_start, uint64_t *mid_end)
{
    const uint64_t max = 1ULL << BUDDY_MAX_ORDER;
    *mid_start = ALIGN_UP(pfn, max);
    *mid_end = ALIGN_DOWN(end, max);
    return *mid_start < *mid_end;
}

/* Free [pfn, end) block by block onto the lists. Lock held. */
static void add_listed(struct buddy *b, uint64_t pfn, uint64_t end)
{
    while (pfn < end) {
        unsigned order = fit_order(pfn, end - pfn);
        b->total_pages += 1ULL << order;
        free_and_merge(b, pfn, order);
        pfn += 1ULL << order;
    }
}

void buddy_add_range(struct buddy *b, uint64_t phys, uint64_t pages)
{
    uint64_t pfn = pfn_of(phys);
    uint64_t end = pfn + pages;
    /* Clip to the covered range. */
    if (pfn < b->base_pfn)
        pfn = b->base_pfn;
    if (end > b->base_pfn + b->npfn)
        end = b->base_pfn + b->npfn;
    if (pfn >= end)
        return;
    uint64_t flags = spin_lock_irqsave(&b->lock);
    /* Whole max-order blocks in the middle stay untouched until needed. */
    uint64_t mid_start, mid_end;
    if (untouched_part(pfn, end, &mid_start, &mid_end) && b->untouched_count < BUDDY_UNTOUCHED_RANGES) {
        add_listed(b, pfn, mid_start);
        b->untouched[b->untouched_count].next_pfn = mid_start;
        b->untouched[b->untouched_count].end_pfn = mid_end;
        b->untouched_count++;
        b->untouched_pages += mid_end - mid_start;
        b->free_pages += mid_end - mid_start;
        b->total_pages += mid_end - mid_start;
        add_listed(b, mid_end, end);
    } else {
        add_listed(b, pfn, end);
    }
    spin_unlock_irqrestore(&b->lock, flags);
}

void buddy_init_from_ranges(struct buddy *b, uint64_t base_pfn, uint64_t npfn, uint8_t *meta,
                            const struct buddy_range *ranges, unsigned n)
{
    buddy_setup(b, base_pfn, npfn, meta);
    /* Clear the metadata everywhere except the parts that buddy_add_range
     * will keep untouched (the same test, in the same order). Unsorted or
     * overlapping ranges: clear it all. */
    uint64_t end_pfn = base_pfn + npfn;
    bool sorted = true;
    for (unsigned i = 1; i < n; i++)
        sorted &= ranges[i].phys >= ranges[i - 1].phys + ranges[i - 1].pages * PAGE_SIZE;
    uint64_t cleared_to = base_pfn;
    unsigned slots = 0;
    for (unsigned i = 0; i < n && sorted; i++) {
        uint64_t pfn = MAX(pfn_of(ranges[i].phys), base_pfn);
        uint64_t end = MIN(pfn_of(ranges[i].phys) + ranges[i].pages, end_pfn);
        uint64_t mid_start, mid_end;
        if (pfn >= end || !untouched_part(pfn, end, &mid_start, &mid_end) ||
            slots == BUDDY_UNTOUCHED_RANGES)
            continue;
        memset(meta_of(b, cleared_to), TAG_BYTE(FRAME_NONE, 0), mid_start - cleared_to);
        cleared_to = mid_end;
        slots++;
    }
    memset(meta_of(b, cleared_to), TAG_BYTE(FRAME_NONE, 0), end_pfn - cleared_to);
    for (unsigned i = 0; i < n; i++)
        buddy_add_range(b, ranges[i].phys, ranges[i].pages);
}

/* Move one untouched max-order block onto its list; false if none is left. Lock held. */
static bool list_untouched_block(struct buddy *b)
{
    for (unsigned i = 0; i < b->untouched_count; i++) {
        if (b->untouched[i].next_pfn < b->untouched[i].end_pfn) {
            uint64_t pfn = b->untouched[i].next_pfn;
            /* Its metadata was never initialised (buddy_init_from_ranges). */
            memset(meta_of(b, pfn), TAG_BYTE(FRAME_NONE, 0), 1ULL << BUDDY_MAX_ORDER);
            b->untouched[i].next_pfn += 1ULL << BUDDY_MAX_ORDER;
            b->untouched_pages -= 1ULL << BUDDY_MAX_ORDER;
            b->free_pages -= 1ULL << BUDDY_MAX_ORDER;   /* push_free counts it again */
            push_free(b, pfn, BUDDY_MAX_ORDER);
            return true;
        }
    }
    return false;
}

uint64_t buddy_alloc(struct buddy *b, unsigned order)
{
    if (order > BUDDY_MAX_ORDER)
        return 0;
    uint64_t flags = spin_lock_irqsave(&b->lock);
    unsigned k = order;
    while (k <= BUDDY_MAX_ORDER && list_empty(&b->free_lists[k]))
        k++;
    if (k > BUDDY_MAX_ORDER) {
        if (!list_untouched_block(b)) {
            spin_unlock_irqrestore(&b->lock, flags);
            return 0;
        }
        k = BUDDY_MAX_ORDER;
    }
    uint64_t pfn = pfn_of_node(b->free_lists[k].next);
    pull_free(b, pfn, k);
    /* Split: keep the lower half, free the upper half, until the order fits. */
    while (k > order) {
        k--;
        push_free(b, pfn + (1ULL << k), k);
    }
    *meta_of(b, pfn) = TAG_BYTE(FRAME_USED, order);
    spin_unlock_irqrestore(&b->lock, flags);
    return phys_of(pfn);
}

/* Is pfn the head of a used block of this order? */
static bool valid_used_head(struct buddy *b, uint64_t pfn, unsigned order)
{
    return order <= BUDDY_MAX_ORDER && covered(b, pfn) && (pfn & ((1ULL << order) - 1)) == 0 &&
           *meta_of(b, pfn) == TAG_BYTE(FRAME_USED, order);
}

int buddy_free(struct buddy *b, uint64_t phys, unsigned order)
{
    uint64_t pfn = pfn_of(phys);
    uint64_t flags = spin_lock_irqsave(&b->lock);
    if ((phys & (PAGE_SIZE - 1)) || !valid_used_head(b, pfn, order)) {
        b->bad_frees++;
        spin_unlock_irqrestore(&b->lock, flags);
        log_err("buddy: bad free of %#llx order %u (double free or not allocated)",
                (unsigned long long)phys, order);
        return -EINVAL;
    }
    free_and_merge(b, pfn, order);
    spin_unlock_irqrestore(&b->lock, flags);
    return 0;
}

/* Smallest order whose block holds npages. */
static unsigned order_for_pages(uint64_t npages)
{
    unsigned order = 0;
    while ((1ULL << order) < npages)
        order++;
    return order;
}

/* Tag the aligned pieces of [pfn, pfn + npages) as used blocks and free them. Lock held. */
static void free_piecewise(struct buddy *b, uint64_t pfn, uint64_t npages)
{
    uint64_t end = pfn + npages;
    while (pfn < end) {
        unsigned order = fit_order(pfn, end - pfn);
        free_and_merge(b, pfn, order);
        pfn += 1ULL << order;
    }
}

uint64_t buddy_alloc_pages(struct buddy *b, uint64_t npages)
{
    if (npages == 0 || npages > (1ULL << BUDDY_MAX_ORDER))
        return 0;
    unsigned order = order_for_pages(npages);
    uint64_t phys = buddy_alloc(b, order);
    if (!phys || npages == (1ULL << order))
        return phys;
    uint64_t flags = spin_lock_irqsave(&b->lock);
    free_piecewise(b, pfn_of(phys) + npages, (1ULL << order) - npages);
    spin_unlock_irqrestore(&b->lock, flags);
    return phys;
}

int buddy_free_pages(struct buddy *b, uint64_t phys, uint64_t npages)
{
    uint64_t pfn = pfn_of(phys);
    uint64_t flags = spin_lock_irqsave(&b->lock);
    bool ok = npages > 0 && npages <= (1ULL << BUDDY_MAX_ORDER) && !(phys & (PAGE_SIZE - 1)) &&
              covered(b, pfn) && covered(b, pfn + npages - 1) &&
              (*meta_of(b, pfn) >> 4) == FRAME_USED;
    if (!ok) {
        b->bad_frees++;
        spin_unlock_irqrestore(&b->lock, flags);
        log_err("buddy: bad free of %llu pages at %#llx", (unsigned long long)npages,
                (unsigned long long)phys);
        return -EINVAL;
    }
    *meta_of(b, pfn) = TAG_BYTE(FRAME_NONE, 0);
    free_piecewise(b, pfn, npages);
    spin_unlock_irqrestore(&b->lock, flags);
    return 0;
}

void buddy_tag_set(struct buddy *b, uint64_t pfn, enum frame_tag tag, unsigned order)
{
    if (covered(b, pfn))
        *meta_of(b, pfn) = TAG_BYTE(tag, order);
}

uint64_t buddy_free_count(struct buddy *b)
{
    return __atomic_load_n(&b->free_pages, __ATOMIC_RELAXED);
}

uint64_t buddy_free_count_order(struct buddy *b, unsigned order)
{
    uint64_t flags = spin_lock_irqsave(&b->lock);
    uint64_t pages = b->untouched_pages;
    for (unsigned k = order; k <= BUDDY_MAX_ORDER; k++)
        pages += b->free_blocks[k] << k;
    spin_unlock_irqrestore(&b->lock, flags);
    return pages;
}

int buddy_check(struct buddy *b)
{
    int problems = 0;
    uint64_t flags = spin_lock_irqsave(&b->lock);
    uint64_t pages = 0, heads = 0;
    for (unsigned k = 0; k <= BUDDY_MAX_ORDER; k++) {
        uint64_t blocks = 0;
        struct list_node *pos;
        list_for_each(pos, &b->free_lists[k]) {
            uint64_t pfn = pfn_of_node(pos);
            blocks++;
            if (!covered(b, pfn) || (pfn & ((1ULL << k) - 1)) ||
                *meta_of(b, pfn) != TAG_BYTE(FRAME_FREE, k)) {
                problems++;
                continue;
            }
            /* A free block whose buddy is free with the same order should have merged. */
            uint64_t buddy_pfn = pfn ^ (1ULL << k);
            if (k < BUDDY_MAX_ORDER && covered(b, buddy_pfn) &&
                *meta_of(b, buddy_pfn) == TAG_BYTE(FRAME_FREE, k))
                problems++;
            if (blocks > b->npfn)   /* a cycle */
                break;
        }
        if (blocks != b->free_blocks[k])
            problems++;
        pages += blocks << k;
    }
    for (uint64_t i = 0; i < b->npfn; i++) {
        bool untouched = false;
        for (unsigned r = 0; r < b->untouched_count && !untouched; r++)
            untouched = b->base_pfn + i >= b->untouched[r].next_pfn &&
                        b->base_pfn + i < b->untouched[r].end_pfn;
        if (!untouched && (b->meta[i] >> 4) == FRAME_FREE)
            heads++;
    }
    uint64_t listed = 0;
    for (unsigned k = 0; k <= BUDDY_MAX_ORDER; k++)
        listed += b->free_blocks[k];
    uint64_t untouched = 0;
    for (unsigned i = 0; i < b->untouched_count; i++) {
        if (b->untouched[i].next_pfn > b->untouched[i].end_pfn)
            problems++;
        else
            untouched += b->untouched[i].end_pfn - b->untouched[i].next_pfn;
    }
    if (untouched != b->untouched_pages)
        problems++;
    if (pages + untouched != b->free_pages || heads != listed || b->free_pages > b->total_pages)
        problems++;
    spin_unlock_irqrestore(&b->lock, flags);
    return -problems;
}
