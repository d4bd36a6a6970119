/*
 * kernel/mm/kmalloc.c — kmalloc/kfree (mm.h) on the kernel heap (heap.c).
 *
 * Small requests from threads with interrupts on go through a per-CPU stack
 * of free objects for their size class ("magazine"), filled and emptied in
 * batches of half its size: most calls then take no shared lock and leave
 * interrupts alone. An interrupt handler (interrupts off) always uses the
 * heap directly, so it never meets a magazine half-updated by the code it
 * interrupted. In debug mode (heapdebug) every call goes to the heap, so each
 * free is checked. Above 4 MiB, kmalloc uses vmalloc.
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

_Static_assert(KMALLOC_MAG_CLASSES == KHEAP_CLASSES, "one magazine per size class");

static inline void mag_lock(struct kmalloc_mag *m)
{
    while (__atomic_exchange_n(&m->lock, 1, __ATOMIC_ACQUIRE))
        cpu_pause();
}

static inline void mag_unlock(struct kmalloc_mag *m) { __atomic_store_n(&m->lock, 0, __ATOMIC_RELEASE); }

/* May this call use the calling CPU's magazines? */
static bool use_magazines(void)
{
    return sched_percpu_ready && !mm_heap()->debug && irq_enabled();
}

static bool is_vmalloc_address(const void *p)
{
    uint64_t va = (uint64_t)(uintptr_t)p;
    return va >= KERNEL_REGION_BASE && va < KERNEL_REGION_END;
}

void *kmalloc(size_t size)
{
    if (size > KMALLOC_MAX_PAGES_BYTES)
        return vmalloc(size);
    struct kheap *h = mm_heap();
    int cls = kheap_class_for_size(size);
    if (cls < 0 || !use_magazines())
        return kheap_alloc(h, size);
    preempt_disable();
    struct kmalloc_mag *m = &this_cpu()->kmalloc_mags[cls];
    mag_lock(m);
    if (m->n == 0)
        m->n = kheap_cache_alloc_batch(&h->classes[cls], m->obj, KMALLOC_MAG_SIZE / 2);
    void *p = m->n ? m->obj[--m->n] : NULL;
    mag_unlock(m);
    preempt_enable();
    return p;
}

void *kzalloc(size_t size)
{
    if (size > KMALLOC_MAX_PAGES_BYTES)
        return vmalloc(size);   /* already zeroed */
    void *p = kmalloc(size);
    if (p)
        memset(p, 0, size);
    return p;
}

void kfree(void *ptr)
{
    if (!ptr)
        return;
    if (is_vmalloc_address(ptr)) {
        vfree(ptr);
        return;
    }
    struct kheap *h = mm_heap();
    int cls = use_magazines() ? kheap_class_of(h, ptr) : -1;
    if (cls < 0) {
        kheap_free(h, ptr);
        return;
    }
    preempt_disable();
    struct kmalloc_mag *m = &this_cpu()->kmalloc_mags[cls];
    mag_lock(m);
    if (m->n == KMALLOC_MAG_SIZE) {
        kheap_cache_free_batch(&h->classes[cls], m->obj + KMALLOC_MAG_SIZE / 2, KMALLOC_MAG_SIZE / 2);
        m->n = KMALLOC_MAG_SIZE / 2;
    }
    m->obj[m->n++] = ptr;
    mag_unlock(m);
    preempt_enable();
}

void *krealloc(void *ptr, size_t size)
{
    if (ptr && is_vmalloc_address(ptr)) {
        void *p = kmalloc(size);
        if (!p)
            return NULL;
        struct vm_region *r = vm_region_find(&kernel_space, (uint64_t)(uintptr_t)ptr);
        memcpy(p, ptr, MIN(size, r ? r->window_len : 0));
        vfree(ptr);
        return p;
    }
    if (size > KMALLOC_MAX_PAGES_BYTES) {
        void *p = vmalloc(size);
        if (!p)
            return NULL;
        if (ptr) {
            memcpy(p, ptr, kheap_usable_size(mm_heap(), ptr));
            kfree(ptr);
        }
        return p;
    }
    return kheap_realloc(mm_heap(), ptr, size);
}

void kmalloc_cached(uint64_t *objects, uint64_t *bytes)
{
    struct kheap *h = mm_heap();
    *objects = *bytes = 0;
    for (unsigned i = 0; i < cpu_count; i++) {
        if (!cpus[i])
            continue;
        for (unsigned c = 0; c < KHEAP_CLASSES; c++) {
            uint32_t n = __atomic_load_n(&cpus[i]->kmalloc_mags[c].n, __ATOMIC_RELAXED);
            *objects += n;
            *bytes += (uint64_t)n * h->classes[c].obj_size;
        }
    }
}

void mm_heap_shrink(void)
{
    struct kheap *h = mm_heap();
    for (unsigned i = 0; i < cpu_count; i++) {
        if (!cpus[i])
            continue;
        for (unsigned c = 0; c < KHEAP_CLASSES; c++) {
            struct kmalloc_mag *m = &cpus[i]->kmalloc_mags[c];
            mag_lock(m);
            kheap_cache_free_batch(&h->classes[c], m->obj, m->n);
            m->n = 0;
            mag_unlock(m);
        }
    }
    kheap_shrink(h);
}
