/*
 * kernel/mm/heap.c — slab caches and large allocations (see heap.h).
 *
 * A slab is a naturally aligned buddy block of 2^slab_order pages: a 64-byte
 * header, then objs_per_slab slots. Every frame of a slab is tagged
 * FRAME_SLAB with the slab order, so a pointer finds its slab header by
 * rounding its frame number down. Large allocations are buddy pages tagged
 * FRAME_LARGE with a 64-byte header in front of the caller's bytes.
 *
 * Size classes run from 16 to 4096 bytes (slabs of up to 8 pages).
 * Debug slots: [state u32][requested size u32][8 spare bytes][object + red zone].
 * The red zone is every byte of the slot after the requested size, at least 8.
 */
#include "lib/lib.h"
#include "core/log.h"
#include "mm/mm.h"
#include "mm/heap.h"

#define SLAB_MAGIC     0x534c4142u     /* "SLAB" */
#define LARGE_MAGIC    0x4c415247u     /* "LARG" */
#define SLAB_HDR_SIZE  64u
#define LARGE_HDR_SIZE 64u
#define DEBUG_HDR_SIZE 16u
#define REDZONE_MIN    8u
#define SLAB_MAX_ORDER 3u

#define STATE_ALLOC    0xa110c8edu
#define STATE_FREE     0xf7eef7eeu
#define REDZONE_BYTE   0xbb
#define POISON_BYTE    0x6b

struct slab {
    uint32_t magic;
    uint32_t inuse;
    struct kheap_cache *cache;
    struct list_node node;
    void *free;                 /* free slots, linked through their first word */
    uint8_t *slots;             /* first slot */
};
_Static_assert(sizeof(struct slab) <= SLAB_HDR_SIZE, "slab header too big");

struct debug_hdr {
    uint32_t state;
    uint32_t size;
    void *next_free;
};
_Static_assert(sizeof(struct debug_hdr) == DEBUG_HDR_SIZE, "debug header size");

struct large_hdr {
    uint32_t magic;
    uint32_t state;
    uint64_t npages;
    uint64_t size;              /* requested bytes */
};

static const uint32_t class_sizes[KHEAP_CLASSES] = {
    16, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 2048, 3072, 4096,
};

static inline void count_add(uint64_t *counter, int64_t delta)
{
    __atomic_fetch_add(counter, (uint64_t)delta, __ATOMIC_RELAXED);
}

static void report(struct kheap *h, const char *what, const void *ptr, const char *cache)
{
    count_add(&h->errors, 1);
    log_err("heap: %s at %p%s%s", what, ptr, cache ? " in cache " : "", cache ? cache : "");
}

static inline bool is_debug(const struct kheap_cache *c) { return c->flags & KHEAP_DEBUG; }

/* ---- slot layout ---- */

static inline struct debug_hdr *debug_hdr_of(uint8_t *slot) { return (struct debug_hdr *)slot; }

static inline uint8_t *obj_of_slot(const struct kheap_cache *c, uint8_t *slot)
{
    return is_debug(c) ? slot + DEBUG_HDR_SIZE : slot;
}

/* Bytes of the slot from the object start to the slot end. */
static inline uint32_t obj_room(const struct kheap_cache *c)
{
    return is_debug(c) ? c->slot_size - DEBUG_HDR_SIZE : c->slot_size;
}

/* Free-list link of a free slot. */
static inline void **link_of(const struct kheap_cache *c, uint8_t *slot)
{
    return is_debug(c) ? &debug_hdr_of(slot)->next_free : (void **)slot;
}

static bool bytes_are(const uint8_t *p, size_t n, uint8_t value)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != value)
            return false;
    return true;
}

/* Size class by (size + 15) / 16, for sizes up to KHEAP_SLAB_MAX: the
 * smallest class that holds it (class_sizes above). */
#define CLASS_RANGE(lo, hi, c) [(lo) ... (hi)] = (c)
const uint8_t kheap_class_table[KHEAP_SLAB_MAX / 16 + 1] = {
    CLASS_RANGE(0, 1, 0),     /* 16 */
    CLASS_RANGE(2, 2, 1),     /* 32 */
    CLASS_RANGE(3, 3, 2),     /* 48 */
    CLASS_RANGE(4, 4, 3),     /* 64 */
    CLASS_RANGE(5, 6, 4),     /* 96 */
    CLASS_RANGE(7, 8, 5),     /* 128 */
    CLASS_RANGE(9, 12, 6),    /* 192 */
    CLASS_RANGE(13, 16, 7),   /* 256 */
    CLASS_RANGE(17, 24, 8),   /* 384 */
    CLASS_RANGE(25, 32, 9),   /* 512 */
    CLASS_RANGE(33, 48, 10),  /* 768 */
    CLASS_RANGE(49, 64, 11),  /* 1024 */
    CLASS_RANGE(65, 128, 12), /* 2048 */
    CLASS_RANGE(129, 192, 13),/* 3072 */
    CLASS_RANGE(193, 256, 14),/* 4096 */
};

/* ---- caches ---- */

void kheap_cache_init(struct kheap_cache *c, struct kheap *h, const char *name,
                      size_t size, uint32_t flags)
{
    memset(c, 0, sizeof *c);
    strlcpy(c->name, name, sizeof c->name);
    c->heap = h;
    c->flags = flags;
    c->obj_size = (uint32_t)ALIGN_UP(size ? size : 1, KHEAP_ALIGN);
    c->slot_size = is_debug(c) ? DEBUG_HDR_SIZE + (uint32_t)ALIGN_UP(size + REDZONE_MIN, KHEAP_ALIGN)
                               : c->obj_size;
    /* The smallest slab that wastes at most 1/8 of itself and holds 4 objects. */
    for (c->slab_order = 0; c->slab_order < SLAB_MAX_ORDER; c->slab_order++) {
        uint32_t bytes = (uint32_t)(PAGE_SIZE << c->slab_order) - SLAB_HDR_SIZE;
        uint32_t n = bytes / c->slot_size;
        if (n >= 4 && (bytes - n * c->slot_size) * 8 <= bytes)
            break;
    }
    c->objs_per_slab = ((uint32_t)(PAGE_SIZE << c->slab_order) - SLAB_HDR_SIZE) / c->slot_size;
    spin_init(&c->lock, c->name);
    list_init(&c->partial);
    list_init(&c->full);
    c->empty_slabs = 0;
}

/* A new slab with every slot free, or NULL. Cache lock held. */
static struct slab *slab_create(struct kheap_cache *c)
{
    struct buddy *b = c->heap->buddy;
    uint64_t phys = buddy_alloc(b, c->slab_order);
    if (!phys)
        return NULL;
    uint64_t pfn = phys >> BUDDY_PAGE_SHIFT;
    for (uint64_t i = 0; i < (1ULL << c->slab_order); i++)
        buddy_tag_set(b, pfn + i, FRAME_SLAB, c->slab_order);
    struct slab *s = phys_to_virt(phys);
    /* Write the whole slab once. Besides a clean start, this makes QEMU's
     * TCG drop code it once translated from these frames (firmware code
     * lived here); until then every write to them takes its slow path. */
    memset(s, 0, PAGE_SIZE << c->slab_order);
    s->magic = SLAB_MAGIC;
    s->inuse = 0;
    s->cache = c;
    s->slots = (uint8_t *)s + SLAB_HDR_SIZE;
    s->free = NULL;
    for (uint32_t i = c->objs_per_slab; i-- > 0;) {
        uint8_t *slot = s->slots + (size_t)i * c->slot_size;
        if (is_debug(c)) {
            debug_hdr_of(slot)->state = STATE_FREE;
            debug_hdr_of(slot)->size = 0;
            memset(obj_of_slot(c, slot), POISON_BYTE, obj_room(c));
        }
        *link_of(c, slot) = s->free;
        s->free = slot;
    }
    c->slabs++;
    return s;
}

/* Give an empty slab back to the buddy allocator. Cache lock held. */
static void slab_destroy(struct kheap_cache *c, struct slab *s)
{
    struct buddy *b = c->heap->buddy;
    uint64_t phys = virt_to_phys(s);
    s->magic = 0;
    buddy_tag_set(b, phys >> BUDDY_PAGE_SHIFT, FRAME_USED, c->slab_order);
    buddy_free(b, phys, c->slab_order);
    c->slabs--;
}

/* Take a free slot from c (a new slab if none has one); NULL when memory
 * runs out. Cache lock held. */
static uint8_t *take_slot(struct kheap_cache *c)
{
    struct slab *s;
    if (!list_empty(&c->partial)) {
        s = list_entry(c->partial.next, struct slab, node);
        if (s->inuse == 0)
            c->empty_slabs--;
    } else {
        s = slab_create(c);
        if (!s)
            return NULL;
        list_push_front(&c->partial, &s->node);
    }
    uint8_t *slot = s->free;
    s->free = *link_of(c, slot);
    if (++s->inuse == c->objs_per_slab) {
        list_remove(&s->node);
        list_push_front(&c->full, &s->node);
    }
    c->live++;
    return slot;
}

/* Give slot back to its slab s. Cache lock held. */
static void put_slot(struct kheap_cache *c, struct slab *s, uint8_t *slot)
{
    bool was_full = s->inuse == c->objs_per_slab;
    *link_of(c, slot) = s->free;
    s->free = slot;
    s->inuse--;
    c->live--;
    if (s->inuse == 0) {
        /* Keep one wholly free slab, last on the list so partly used ones
         * fill first; give back any other. */
        list_remove(&s->node);
        if (c->empty_slabs == 0) {
            list_push_back(&c->partial, &s->node);
            c->empty_slabs = 1;
        } else {
            slab_destroy(c, s);
        }
    } else if (was_full) {
        list_remove(&s->node);
        list_push_front(&c->partial, &s->node);
    }
}

/* Allocate one slot; req is the size asked for (debug red zone starts there). */
static void *cache_alloc(struct kheap_cache *c, uint32_t req)
{
    uint64_t flags = spin_lock_irqsave(&c->lock);
    uint8_t *slot = take_slot(c);
    spin_unlock_irqrestore(&c->lock, flags);
    if (!slot)
        return NULL;
    uint8_t *obj = obj_of_slot(c, slot);
    if (is_debug(c)) {
        struct debug_hdr *dh = debug_hdr_of(slot);
        if (dh->state != STATE_FREE || !bytes_are(obj, obj_room(c), POISON_BYTE))
            report(c->heap, "write after free detected", obj, c->name);
        dh->state = STATE_ALLOC;
        dh->size = req;
        memset(obj + req, REDZONE_BYTE, obj_room(c) - req);
    }
    count_add(&c->heap->bytes_in_use, c->obj_size);
    count_add(&c->heap->allocations, 1);
    return obj;
}

void *kheap_cache_alloc(struct kheap_cache *c)
{
    return cache_alloc(c, c->obj_size);
}

/* The slot holding obj in slab s, or NULL if obj is not a slot's object. */
static uint8_t *slot_of(struct kheap_cache *c, struct slab *s, uint8_t *obj)
{
    uint8_t *slot = is_debug(c) ? obj - DEBUG_HDR_SIZE : obj;
    if (slot < s->slots)
        return NULL;
    size_t off = (size_t)(slot - s->slots);
    if (off % c->slot_size || off / c->slot_size >= c->objs_per_slab)
        return NULL;
    return slot;
}

/* Check a live debug object's red zone; reports and returns false if damaged. */
static bool redzone_ok(struct kheap_cache *c, uint8_t *slot)
{
    struct debug_hdr *dh = debug_hdr_of(slot);
    uint8_t *obj = obj_of_slot(c, slot);
    if (dh->size > obj_room(c) || !bytes_are(obj + dh->size, obj_room(c) - dh->size, REDZONE_BYTE)) {
        report(c->heap, "red zone overwritten (buffer overrun)", obj, c->name);
        return false;
    }
    return true;
}

static void cache_free_in(struct kheap_cache *c, struct slab *s, void *ptr)
{
    uint8_t *obj = ptr;
    uint8_t *slot = slot_of(c, s, obj);
    if (!slot) {
        report(c->heap, "free of a pointer inside an object", ptr, c->name);
        return;
    }
    uint64_t flags = spin_lock_irqsave(&c->lock);
    if (is_debug(c)) {
        struct debug_hdr *dh = debug_hdr_of(slot);
        if (dh->state == STATE_FREE) {
            spin_unlock_irqrestore(&c->lock, flags);
            report(c->heap, "double free", ptr, c->name);
            return;
        }
        if (dh->state != STATE_ALLOC) {
            spin_unlock_irqrestore(&c->lock, flags);
            report(c->heap, "free of an object with a damaged header", ptr, c->name);
            return;
        }
        redzone_ok(c, slot);
        dh->state = STATE_FREE;
        dh->size = 0;
        memset(obj, POISON_BYTE, obj_room(c));
    }
    put_slot(c, s, slot);
    spin_unlock_irqrestore(&c->lock, flags);
    count_add(&c->heap->bytes_in_use, -(int64_t)c->obj_size);
    count_add(&c->heap->allocations, -1);
}

/* The slab holding ptr, found through the frame tags, or NULL. */
static struct slab *slab_of(struct kheap *h, const void *ptr)
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
    struct slab *s = h->direct_base ? (struct slab *)(h->direct_base + head) : phys_to_virt(head);
    return s->magic == SLAB_MAGIC ? s : NULL;
}

void kheap_cache_free(struct kheap_cache *c, void *obj)
{
    if (!obj)
        return;
    struct slab *s = slab_of(c->heap, obj);
    if (!s || s->cache != c) {
        report(c->heap, "free of a pointer not from this cache", obj, c->name);
        return;
    }
    cache_free_in(c, s, obj);
}

unsigned kheap_cache_alloc_batch(struct kheap_cache *c, void **out, unsigned n)
{
    if (is_debug(c)) {
        unsigned k = 0;
        while (k < n && (out[k] = cache_alloc(c, c->obj_size)) != NULL)
            k++;
        return k;
    }
    unsigned k = 0;
    uint64_t flags = spin_lock_irqsave(&c->lock);
    for (uint8_t *slot; k < n && (slot = take_slot(c)) != NULL;)
        out[k++] = slot;
    spin_unlock_irqrestore(&c->lock, flags);
    count_add(&c->heap->bytes_in_use, (int64_t)k * c->obj_size);
    count_add(&c->heap->allocations, (int64_t)k);
    return k;
}

void kheap_cache_free_batch(struct kheap_cache *c, void **objs, unsigned n)
{
    if (is_debug(c)) {
        for (unsigned i = 0; i < n; i++)
            kheap_cache_free(c, objs[i]);
        return;
    }
    unsigned done = 0;
    uint64_t flags = spin_lock_irqsave(&c->lock);
    for (unsigned i = 0; i < n; i++) {
        struct slab *s = slab_of(c->heap, objs[i]);
        uint8_t *slot = s && s->cache == c ? slot_of(c, s, objs[i]) : NULL;
        if (!slot) {
            spin_unlock_irqrestore(&c->lock, flags);
            report(c->heap, "free of a pointer not from this cache", objs[i], c->name);
            flags = spin_lock_irqsave(&c->lock);
            continue;
        }
        put_slot(c, s, slot);
        done++;
    }
    spin_unlock_irqrestore(&c->lock, flags);
    count_add(&c->heap->bytes_in_use, -(int64_t)done * c->obj_size);
    count_add(&c->heap->allocations, -(int64_t)done);
}

int kheap_class_of(struct kheap *h, const void *ptr)
{
    struct slab *s = slab_of(h, ptr);
    if (!s || s->cache < h->classes || s->cache >= h->classes + KHEAP_CLASSES ||
        !slot_of(s->cache, s, (uint8_t *)ptr))
        return -1;      /* not a size-class object, or not the start of one */
    return (int)(s->cache - h->classes);
}

void kheap_cache_shrink(struct kheap_cache *c)
{
    uint64_t flags = spin_lock_irqsave(&c->lock);
    struct list_node *pos, *tmp;
    list_for_each_safe(pos, tmp, &c->partial) {
        struct slab *s = list_entry(pos, struct slab, node);
        if (s->inuse == 0) {
            list_remove(&s->node);
            slab_destroy(c, s);
        }
    }
    c->empty_slabs = 0;
    spin_unlock_irqrestore(&c->lock, flags);
}

/* Check every slot of one slab list. Cache lock held. */
static int check_list(struct kheap_cache *c, struct list_node *head)
{
    int damaged = 0;
    struct list_node *pos;
    list_for_each(pos, head) {
        struct slab *s = list_entry(pos, struct slab, node);
        for (uint32_t i = 0; i < c->objs_per_slab; i++) {
            uint8_t *slot = s->slots + (size_t)i * c->slot_size;
            struct debug_hdr *dh = debug_hdr_of(slot);
            if (dh->state == STATE_ALLOC) {
                damaged += !redzone_ok(c, slot);
            } else if (dh->state != STATE_FREE ||
                       !bytes_are(obj_of_slot(c, slot), obj_room(c), POISON_BYTE)) {
                report(c->heap, "free object damaged (write after free)", obj_of_slot(c, slot), c->name);
                damaged++;
            }
        }
    }
    return damaged;
}

int kheap_cache_check(struct kheap_cache *c)
{
    if (!is_debug(c))
        return 0;
    uint64_t flags = spin_lock_irqsave(&c->lock);
    int damaged = check_list(c, &c->partial) + check_list(c, &c->full);
    spin_unlock_irqrestore(&c->lock, flags);
    return damaged;
}

/* ---- the heap ---- */

void kheap_init(struct kheap *h, struct buddy *buddy, bool debug)
{
    memset(h, 0, sizeof *h);
    h->buddy = buddy;
    h->debug = debug;
    for (unsigned i = 0; i < KHEAP_CLASSES; i++) {
        char name[24];
        snprintf(name, sizeof name, "kmalloc-%u", class_sizes[i]);
        kheap_cache_init(&h->classes[i], h, name, class_sizes[i], debug ? KHEAP_DEBUG : 0);
    }
}

static struct kheap_cache *class_for(struct kheap *h, size_t size)
{
    if (size > KHEAP_SLAB_MAX)
        return NULL;
    return &h->classes[kheap_class_table[(size + 15) / 16]];
}

static void *large_alloc(struct kheap *h, size_t size)
{
    uint64_t npages = ALIGN_UP((uint64_t)size + LARGE_HDR_SIZE, PAGE_SIZE) / PAGE_SIZE;
    if (size > (PAGE_SIZE << BUDDY_MAX_ORDER))
        return NULL;
    uint64_t phys = buddy_alloc_pages(h->buddy, npages);
    if (!phys)
        return NULL;
    buddy_tag_set(h->buddy, phys >> BUDDY_PAGE_SHIFT, FRAME_LARGE, 0);
    struct large_hdr *lh = phys_to_virt(phys);
    lh->magic = LARGE_MAGIC;
    lh->state = STATE_ALLOC;
    lh->npages = npages;
    lh->size = size;
    uint8_t *obj = (uint8_t *)lh + LARGE_HDR_SIZE;
    if (h->debug)
        memset(obj + size, REDZONE_BYTE, npages * PAGE_SIZE - LARGE_HDR_SIZE - size);
    count_add(&h->bytes_in_use, (int64_t)(npages * PAGE_SIZE));
    count_add(&h->large_pages, (int64_t)npages);
    count_add(&h->allocations, 1);
    return obj;
}

/* The header of a large allocation at ptr, or NULL. */
static struct large_hdr *large_of(struct kheap *h, const void *ptr)
{
    uint64_t phys = virt_to_phys(ptr);
    if ((phys & (PAGE_SIZE - 1)) != LARGE_HDR_SIZE)
        return NULL;
    if (buddy_tag_get(h->buddy, phys >> BUDDY_PAGE_SHIFT, NULL) != FRAME_LARGE)
        return NULL;
    struct large_hdr *lh = (struct large_hdr *)((uint8_t *)ptr - LARGE_HDR_SIZE);
    return lh->magic == LARGE_MAGIC && lh->state == STATE_ALLOC ? lh : NULL;
}

static void large_free(struct kheap *h, struct large_hdr *lh)
{
    uint8_t *obj = (uint8_t *)lh + LARGE_HDR_SIZE;
    uint64_t bytes = lh->npages * PAGE_SIZE;
    if (h->debug && !bytes_are(obj + lh->size, bytes - LARGE_HDR_SIZE - lh->size, REDZONE_BYTE))
        report(h, "red zone overwritten (buffer overrun)", obj, NULL);
    uint64_t phys = virt_to_phys(lh);
    uint64_t npages = lh->npages;
    lh->state = STATE_FREE;
    lh->magic = 0;
    buddy_tag_set(h->buddy, phys >> BUDDY_PAGE_SHIFT, FRAME_USED, 0);
    buddy_free_pages(h->buddy, phys, npages);
    count_add(&h->bytes_in_use, -(int64_t)bytes);
    count_add(&h->large_pages, -(int64_t)npages);
    count_add(&h->allocations, -1);
}

void *kheap_alloc(struct kheap *h, size_t size)
{
    struct kheap_cache *c = class_for(h, size);
    if (c)
        return cache_alloc(c, (uint32_t)size);
    return large_alloc(h, size);
}

void *kheap_zalloc(struct kheap *h, size_t size)
{
    void *p = kheap_alloc(h, size);
    if (p)
        memset(p, 0, size);
    return p;
}

void kheap_free(struct kheap *h, void *ptr)
{
    if (!ptr)
        return;
    struct slab *s = slab_of(h, ptr);
    if (s) {
        cache_free_in(s->cache, s, ptr);
        return;
    }
    struct large_hdr *lh = large_of(h, ptr);
    if (lh) {
        large_free(h, lh);
        return;
    }
    report(h, "free of a pointer the heap does not own (double free?)", ptr, NULL);
}

size_t kheap_usable_size(struct kheap *h, const void *ptr)
{
    struct slab *s = slab_of(h, ptr);
    if (s) {
        struct kheap_cache *c = s->cache;
        uint8_t *slot = slot_of(c, s, (uint8_t *)ptr);
        if (!slot)
            return 0;
        return is_debug(c) ? debug_hdr_of(slot)->size : c->obj_size;
    }
    struct large_hdr *lh = large_of(h, ptr);
    if (lh)
        return h->debug ? lh->size : lh->npages * PAGE_SIZE - LARGE_HDR_SIZE;
    return 0;
}

void *kheap_realloc(struct kheap *h, void *ptr, size_t size)
{
    if (!ptr)
        return kheap_alloc(h, size);
    size_t old = kheap_usable_size(h, ptr);
    if (old == 0) {
        report(h, "realloc of a pointer the heap does not own", ptr, NULL);
        return NULL;
    }
    if (!h->debug && size <= old)
        return ptr;
    void *p = kheap_alloc(h, size);
    if (!p)
        return NULL;            /* the old block stays valid */
    memcpy(p, ptr, MIN(old, size));
    kheap_free(h, ptr);
    return p;
}

void kheap_shrink(struct kheap *h)
{
    for (unsigned i = 0; i < KHEAP_CLASSES; i++)
        kheap_cache_shrink(&h->classes[i]);
}

int kheap_check(struct kheap *h)
{
    int damaged = 0;
    for (unsigned i = 0; i < KHEAP_CLASSES; i++)
        damaged += kheap_cache_check(&h->classes[i]);
    return damaged;
}
