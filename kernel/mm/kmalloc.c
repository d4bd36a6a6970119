/*
 * kernel/mm/kmalloc.c — kmalloc/kfree (mm.h) on the kernel heap (heap.c).
 *
 * Small requests go through a per-CPU stack of free objects for their size
 * class ("magazine"): the fast path is a pop or a push on this CPU's stack
 * with interrupts off for those few instructions: no lock, no atomic
 * operation, and interrupt handlers may use it too. An empty stack is
 * refilled, a full one half emptied, in one batch from the size class's
 * slabs. Objects resting in the stacks are not allocations: the heap's
 * counters leave them out and each CPU counts what its stacks hand out and
 * take back, so mm_get_stats is exact at any moment (mm_init.c).
 *
 * A CPU's stacks are only ever touched by that CPU; another CPU that needs
 * them emptied (memory pressure, mm_heap_shrink) asks it through
 * smp_call_others. In debug mode (heapdebug) every call goes to the heap, so
 * each free is checked. Above 4 MiB, kmalloc uses vmalloc.
 */
#include "lib/lib.h"
#include "mm/heap.h"
#include "mm/mm.h"
#include "mm/mm_boot.h"
#include "mm/vm.h"
#include "sched/thread.h"
#include "sched/sched_internal.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/smp.h"

_Static_assert(KMALLOC_MAG_CLASSES == KHEAP_CLASSES, "one magazine per size class");

/* Per-CPU stacks in use: the per-CPU data exists and the heap is not in
 * debug mode (set once, by mm_percpu_ready). */
static bool magazines_on;

/* kmalloc'd blocks above KMALLOC_MAX_PAGES_BYTES (vmalloc regions, marked
 * with this owner), counted for mm_get_stats. */
static const char kmalloc_big_owner[] = "kmalloc";
static uint64_t big_live, big_live_bytes;

void mm_percpu_ready(void) { magazines_on = !mm_heap()->debug; }

static bool is_vmalloc_address(const void *p)
{
    uint64_t va = (uint64_t)(uintptr_t)p;
    return va >= KERNEL_REGION_BASE && va < KERNEL_REGION_END;
}

static void *big_alloc(size_t size)
{
    void *p = vmalloc(size);
    if (!p)
        return NULL;
    struct vm_region *r = vm_region_find(&kernel_space, (uint64_t)(uintptr_t)p);
    r->owner = (void *)kmalloc_big_owner;
    __atomic_fetch_add(&big_live, 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&big_live_bytes, r->window_len, __ATOMIC_RELAXED);
    return p;
}

static void big_free(void *p)
{
    struct vm_region *r = vm_region_find(&kernel_space, (uint64_t)(uintptr_t)p);
    if (r && r->owner == kmalloc_big_owner) {
        __atomic_fetch_sub(&big_live, 1, __ATOMIC_RELAXED);
        __atomic_fetch_sub(&big_live_bytes, r->window_len, __ATOMIC_RELAXED);
    }
    vfree(p);
}

/* ---- the slow paths (not inline: the fast paths stay small) ---- */

/* Refill this CPU's empty stack for cls and pop one object, or fall back
 * to the heap; on failure, reclaim cached memory and try once more. */
static __attribute__((noinline)) void *kmalloc_slow(size_t size, int cls)
{
    struct kheap *h = mm_heap();
    for (int attempt = 0; attempt < 2; attempt++) {
        if (cls >= 0 && magazines_on) {
            uint64_t flags = irq_save();
            struct cpu *c = this_cpu();
            struct kmalloc_mag *m = &c->kmalloc_mags[cls];
            if (m->n == 0)
                m->n = kheap_cache_take_batch(&h->classes[cls], m->obj, KMALLOC_MAG_SIZE / 2);
            void *p = m->n ? m->obj[--m->n] : NULL;
            if (p) {
                c->kmalloc_live++;
                c->kmalloc_live_bytes += h->classes[cls].obj_size;
            }
            irq_restore(flags);
            if (p)
                return p;
        } else {
            void *p = size > KMALLOC_MAX_PAGES_BYTES ? big_alloc(size) : kheap_alloc(h, size);
            if (p)
                return p;
        }
        if (attempt == 0 && !mm_reclaim())
            break;
    }
    return NULL;
}

/* Give back half of this CPU's full stack for cls, then push ptr; or free
 * ptr to the heap (debug mode, early boot, not a size-class object). */
static __attribute__((noinline)) void kfree_slow(void *ptr, int cls)
{
    struct kheap *h = mm_heap();
    if (is_vmalloc_address(ptr)) {
        big_free(ptr);
        return;
    }
    if (cls < 0) {
        kheap_free(h, ptr);
        return;
    }
    uint64_t flags = irq_save();
    struct cpu *c = this_cpu();
    struct kmalloc_mag *m = &c->kmalloc_mags[cls];
    if (m->n == KMALLOC_MAG_SIZE) {
        kheap_cache_give_batch(&h->classes[cls], m->obj + KMALLOC_MAG_SIZE / 2, KMALLOC_MAG_SIZE / 2);
        m->n = KMALLOC_MAG_SIZE / 2;
    }
    m->obj[m->n++] = ptr;
    c->kmalloc_live--;
    c->kmalloc_live_bytes -= h->classes[cls].obj_size;
    irq_restore(flags);
}

/* ---- mm.h ---- */

void *kmalloc(size_t size)
{
    int cls = kheap_class_for_size(size);
    if (cls >= 0 && magazines_on) {
        uint64_t flags = irq_save();
        struct cpu *c = this_cpu();
        struct kmalloc_mag *m = &c->kmalloc_mags[cls];
        if (m->n) {
            void *p = m->obj[--m->n];
            c->kmalloc_live++;
            c->kmalloc_live_bytes += mm_heap()->classes[cls].obj_size;
            irq_restore(flags);
            return p;
        }
        irq_restore(flags);
    }
    return kmalloc_slow(size, cls);
}

void kfree(void *ptr)
{
    if (!ptr)
        return;
    int cls = magazines_on ? kheap_class_of(mm_heap(), ptr) : -1;
    if (cls >= 0) {
        uint64_t flags = irq_save();
        struct cpu *c = this_cpu();
        struct kmalloc_mag *m = &c->kmalloc_mags[cls];
        if (m->n < KMALLOC_MAG_SIZE) {
            m->obj[m->n++] = ptr;
            c->kmalloc_live--;
            c->kmalloc_live_bytes -= mm_heap()->classes[cls].obj_size;
            irq_restore(flags);
            return;
        }
        irq_restore(flags);
    }
    kfree_slow(ptr, cls);
}

void *kzalloc(size_t size)
{
    void *p = kmalloc(size);
    if (p && size <= KMALLOC_MAX_PAGES_BYTES)
        memset(p, 0, size);     /* vmalloc memory is zeroed already */
    return p;
}

void *krealloc(void *ptr, size_t size)
{
    if (!ptr)
        return kmalloc(size);
    size_t old;
    if (is_vmalloc_address(ptr)) {
        struct vm_region *r = vm_region_find(&kernel_space, (uint64_t)(uintptr_t)ptr);
        old = r ? r->window_len : 0;
    } else {
        old = kheap_usable_size(mm_heap(), ptr);
        if (old == 0)
            return kheap_realloc(mm_heap(), ptr, size);     /* reports the bad pointer */
        if (size <= old && !mm_heap()->debug)
            return ptr;
    }
    void *p = kmalloc(size);
    if (!p)
        return NULL;            /* the old block stays valid */
    memcpy(p, ptr, MIN(old, size));
    kfree(ptr);
    return p;
}

/* ---- counters and draining ---- */

void kmalloc_counts(int64_t *objects, int64_t *bytes)
{
    int64_t n = (int64_t)__atomic_load_n(&big_live, __ATOMIC_RELAXED);
    int64_t b = (int64_t)__atomic_load_n(&big_live_bytes, __ATOMIC_RELAXED);
    for (unsigned i = 0; i < cpu_count; i++) {
        if (cpus[i]) {
            n += __atomic_load_n(&cpus[i]->kmalloc_live, __ATOMIC_RELAXED);
            b += __atomic_load_n(&cpus[i]->kmalloc_live_bytes, __ATOMIC_RELAXED);
        }
    }
    *objects = n;
    *bytes = b;
}

void kmalloc_drain_local(void)
{
    if (!sched_percpu_ready)
        return;
    struct kheap *h = mm_heap();
    uint64_t flags = irq_save();
    struct cpu *c = this_cpu();
    for (unsigned cls = 0; cls < KHEAP_CLASSES; cls++) {
        struct kmalloc_mag *m = &c->kmalloc_mags[cls];
        kheap_cache_give_batch(&h->classes[cls], m->obj, m->n);
        m->n = 0;
    }
    irq_restore(flags);
}
