/*
 * kernel/mm/mm_tests.c — in-kernel tests of memory management: frames, the
 * heap and its debug mode, DMA, demand-paged reservations with their fault
 * callbacks, protections, user address spaces; and the kmalloc benchmarks.
 */
#include "lib/lib.h"
#include "core/ktest.h"
#include "core/time.h"
#include "mm/buddy.h"
#include "mm/heap.h"
#include "mm/mm.h"
#include "mm/mm_boot.h"
#include "mm/vm.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"

static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545f4914f6cdd1dULL;
}

/* Free frames once the heap has given back its cached empty slabs, so that
 * counts taken before and after a workload compare exactly. */
static uint64_t frames_free(void)
{
    mm_heap_shrink();
    struct mm_stats st;
    mm_get_stats(&st);
    return st.frames_free;
}

/* 100,000 frame allocations of orders 0-3, up to 4096 held at once, each
 * written and checked; afterwards every frame is back. */
KTEST(mm_frames_100k_no_leak)
{
    enum { SLOTS = 4096 };
    uint64_t before = frames_free();
    uint64_t *phys = kzalloc(SLOTS * sizeof *phys);
    uint8_t *order = kzalloc(SLOTS);
    KT_ASSERT(phys && order);
    uint64_t rng = 42, allocs = 0;
    while (allocs < 100000) {
        unsigned s = (unsigned)(rng_next(&rng) % SLOTS);
        if (phys[s]) {
            uint64_t *p = phys_to_virt(phys[s]);
            KT_ASSERT_EQ(p[0], phys[s]);
            KT_ASSERT_EQ(p[(4096u << order[s]) / 8 - 1], ~phys[s]);
            frame_free(phys[s], order[s]);
            phys[s] = 0;
            continue;
        }
        order[s] = (uint8_t)(rng_next(&rng) % 4);
        phys[s] = frame_alloc(order[s]);
        KT_ASSERT(phys[s] != 0);
        KT_ASSERT((phys[s] & ((4096u << order[s]) - 1)) == 0);
        uint64_t *p = phys_to_virt(phys[s]);
        p[0] = phys[s];
        p[(4096u << order[s]) / 8 - 1] = ~phys[s];
        allocs++;
    }
    for (unsigned s = 0; s < SLOTS; s++)
        if (phys[s])
            frame_free(phys[s], order[s]);
    kfree(phys);
    kfree(order);
    KT_ASSERT_EQ(frames_free(), before);
    KT_ASSERT_EQ(buddy_check(mm_buddy()), 0);
}

static void fill(uint8_t *p, size_t n, unsigned key)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(key * 7 + i);
}

static bool filled(const uint8_t *p, size_t n, unsigned key)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (uint8_t)(key * 7 + i))
            return false;
    return true;
}

/* Random sizes (mostly small, some up to 64 KiB) through a debug heap over
 * the real frame allocator: contents survive, red zones stay intact, and
 * all memory comes back. Then the same through kmalloc itself. */
KTEST(mm_heap_stress_redzones)
{
    enum { SLOTS = 512 };
    uint64_t before = frames_free();
    static struct kheap h;
    kheap_init(&h, mm_buddy(), true);
    static uint8_t *ptr[SLOTS];
    static size_t len[SLOTS];
    uint64_t rng = 7;
    for (int round = 0; round < 2; round++) {
        memset(ptr, 0, sizeof ptr);
        for (int op = 0; op < 20000; op++) {
            unsigned s = (unsigned)(rng_next(&rng) % SLOTS);
            if (ptr[s]) {
                KT_ASSERT(filled(ptr[s], len[s], s));
                round == 0 ? kheap_free(&h, ptr[s]) : kfree(ptr[s]);
                ptr[s] = NULL;
                continue;
            }
            uint64_t r = rng_next(&rng);
            len[s] = (r & 15) == 0 ? (size_t)(r >> 8) % 65536 : (size_t)(r >> 8) % 700;
            ptr[s] = round == 0 ? kheap_alloc(&h, len[s]) : kmalloc(len[s]);
            KT_ASSERT(ptr[s] != NULL);
            KT_ASSERT(((uintptr_t)ptr[s] & 15) == 0);
            fill(ptr[s], len[s], s);
            if (op % 5000 == 0 && round == 0)
                KT_ASSERT_EQ(kheap_check(&h), 0);
        }
        for (unsigned s = 0; s < SLOTS; s++)
            if (ptr[s]) {
                KT_ASSERT(filled(ptr[s], len[s], s));
                round == 0 ? kheap_free(&h, ptr[s]) : kfree(ptr[s]);
            }
    }
    KT_ASSERT_EQ(h.errors, 0);
    KT_ASSERT_EQ(h.allocations, 0);
    kheap_shrink(&h);
    KT_ASSERT_EQ(frames_free(), before);
}

/* The debug heap catches a one-byte overrun, a double free and a write after
 * free, and keeps working. */
KTEST(mm_heap_debug_catches_errors)
{
    static struct kheap h;
    kheap_init(&h, mm_buddy(), true);
    uint8_t *a = kheap_alloc(&h, 100);
    uint8_t *keep = kheap_alloc(&h, 100);
    KT_ASSERT(a && keep);
    a[100] = 0x55;                      /* one byte past the end */
    KT_ASSERT_EQ(kheap_check(&h), 1);
    kheap_free(&h, a);                  /* reported at free too */
    KT_ASSERT_EQ(h.errors, 2);
    kheap_free(&h, a);                  /* double free */
    KT_ASSERT_EQ(h.errors, 3);
    a[3] = 1;                           /* write after free */
    KT_ASSERT_EQ(kheap_check(&h), 1);
    uint8_t *b = kheap_alloc(&h, 5000);
    b[5000] = 1;
    kheap_free(&h, b);
    KT_ASSERT_EQ(h.errors, 5);
    kheap_free(&h, keep);
    kheap_shrink(&h);
}

/* DMA memory is zeroed and physically contiguous, and goes back. */
KTEST(mm_dma_contiguous)
{
    uint64_t before = frames_free();
    uint64_t phys;
    uint8_t *v = dma_alloc(5 * 4096 + 100, &phys);
    KT_ASSERT(v != NULL);
    KT_ASSERT((phys & 4095) == 0);
    for (unsigned i = 0; i < 6; i++)
        KT_ASSERT_EQ(virt_to_phys(v + i * 4096), phys + i * 4096);
    for (unsigned i = 0; i < 6 * 4096; i++)
        KT_ASSERT(v[i] == 0);
    memset(v, 0xff, 6 * 4096);
    dma_free(v, 5 * 4096 + 100);
    KT_ASSERT_EQ(frames_free(), before);
}

/* ---- reservations and their fault callback ---- */

static volatile uint64_t fault_count, fault_addr, recover_rip;
static volatile bool fault_write;

/* Redirect the faulting code to recover_rip, as a WebAssembly runtime turns
 * an out-of-bounds access into a trap. */
static bool test_fault(struct vm_region *r, uint64_t addr, bool write, struct trap_frame *f)
{
    (void)r;
    fault_count++;
    fault_addr = addr;
    fault_write = write;
    f->rip = recover_rip;
    return true;
}

/* Write 64-bit v at p; returns false if the write faulted (and was skipped). */
static bool try_write(volatile uint64_t *p, uint64_t v)
{
    uint64_t before = fault_count;
    __asm__ volatile("lea 1f(%%rip), %%rax\n\t"
                     "mov %%rax, %0\n\t"
                     "movq %2, (%1)\n"
                     "1:"
                     : "=m"(recover_rip) : "r"(p), "r"(v) : "rax", "memory");
    return fault_count == before;
}

static bool try_read(volatile uint64_t *p, uint64_t *out)
{
    uint64_t before = fault_count, v = 0;
    __asm__ volatile("lea 1f(%%rip), %%rax\n\t"
                     "mov %%rax, %1\n\t"
                     "movq (%2), %0\n"
                     "1:"
                     : "+r"(v), "=m"(recover_rip) : "r"(p) : "rax", "memory");
    *out = v;
    return fault_count == before;
}

/* A WebAssembly-style memory: 8 GiB reserved plus a 2 GiB guard, backed page
 * by page on first touch inside the window; touches outside reach the
 * callback; growing and shrinking the window; releasing frees everything. */
KTEST(mm_reserve_demand_paging)
{
    const uint64_t GiB = 1ULL << 30;
    uint64_t before = frames_free();
    struct vm_region *r = vm_reserve(&kernel_space, "test-wasm", 10 * GiB, test_fault, NULL);
    KT_ASSERT(r != NULL);
    KT_ASSERT_EQ(vm_region_set_window(r, 0, GiB, VM_READ | VM_WRITE), 0);
    KT_ASSERT_EQ(r->resident_pages, 0);
    uint8_t *base = (uint8_t *)(uintptr_t)r->start;
    fault_count = 0;
    for (uint64_t i = 0; i < 100; i++) {
        volatile uint64_t *p = (volatile uint64_t *)(base + i * (GiB / 100 & ~4095ULL) + 8);
        KT_ASSERT(try_write(p, i * 3));
    }
    KT_ASSERT_EQ(r->resident_pages, 100);
    KT_ASSERT_EQ(fault_count, 0);
    /* A fresh page reads as zero; written ones keep their values. */
    uint64_t v = 1;
    KT_ASSERT(try_read((volatile uint64_t *)(base + GiB - 8), &v));
    KT_ASSERT_EQ(v, 0);
    KT_ASSERT(try_read((volatile uint64_t *)(base + 7 * (GiB / 100 & ~4095ULL) + 8), &v));
    KT_ASSERT_EQ(v, 21);
    /* Beyond the window, and in the guard: the callback, not a page. */
    volatile uint64_t *beyond = (volatile uint64_t *)(base + GiB + 4096);
    KT_ASSERT(!try_write(beyond, 5));
    KT_ASSERT_EQ(fault_count, 1);
    KT_ASSERT_EQ(fault_addr, (uint64_t)(uintptr_t)beyond);
    KT_ASSERT(fault_write);
    KT_ASSERT(!try_read((volatile uint64_t *)(base + 9 * GiB), &v));
    KT_ASSERT_EQ(fault_count, 2);
    KT_ASSERT(!fault_write);
    /* memory.grow: the window extends and the same address works. */
    KT_ASSERT_EQ(vm_region_set_window(r, 0, 2 * GiB, VM_READ | VM_WRITE), 0);
    KT_ASSERT(try_write(beyond, 5));
    KT_ASSERT_EQ(r->resident_pages, 102);
    /* Shrinking frees the pages that leave the window. */
    KT_ASSERT_EQ(vm_region_set_window(r, 0, 4 << 20, VM_READ | VM_WRITE), 0);
    KT_ASSERT(r->resident_pages <= 2);
    KT_ASSERT(!try_read((volatile uint64_t *)(base + 7 * (GiB / 100 & ~4095ULL) + 8), &v));
    /* Read-only window: reads work, writes reach the callback. */
    KT_ASSERT_EQ(vm_region_set_window(r, 0, 4 << 20, VM_READ), 0);
    KT_ASSERT(try_read((volatile uint64_t *)(base + 8), &v));
    KT_ASSERT_EQ(v, 0);
    KT_ASSERT(!try_write((volatile uint64_t *)(base + 8), 1));
    vm_release(r);
    KT_ASSERT_EQ(frames_free(), before);
}

/* vm_map / vm_protect / vm_translate / vm_unmap on a page inside a
 * reservation: protection changes take effect at once. */
KTEST(mm_map_protect_unmap)
{
    uint64_t before = frames_free();
    /* 2 MiB: a region that size owns its page table, so it is freed with it. */
    struct vm_region *r = vm_reserve(&kernel_space, "test-map", 2 << 20, test_fault, NULL);
    KT_ASSERT(r != NULL);
    uint64_t frame = frame_alloc(0);
    KT_ASSERT(frame != 0);
    uint64_t va = r->start + 4096;
    KT_ASSERT_EQ(vm_map(&kernel_space, va, frame, 4096, VM_READ | VM_WRITE), 0);
    KT_ASSERT_EQ(vm_map(&kernel_space, va, frame, 4096, VM_READ), -EEXIST);
    KT_ASSERT_EQ(vm_map(&kernel_space, va + 1, frame, 4096, VM_READ), -EINVAL);
    uint64_t pa;
    unsigned prot;
    KT_ASSERT_EQ(vm_translate(&kernel_space, va + 12, &pa, &prot), 0);
    KT_ASSERT_EQ(pa, frame + 12);
    KT_ASSERT_EQ(prot, VM_READ | VM_WRITE);
    fault_count = 0;
    KT_ASSERT(try_write((volatile uint64_t *)(uintptr_t)va, 0x1234));
    KT_ASSERT_EQ(*(uint64_t *)phys_to_virt(frame), 0x1234);
    KT_ASSERT_EQ(vm_protect(&kernel_space, va, 4096, VM_READ), 0);
    KT_ASSERT(!try_write((volatile uint64_t *)(uintptr_t)va, 1));
    uint64_t v;
    KT_ASSERT(try_read((volatile uint64_t *)(uintptr_t)va, &v));
    KT_ASSERT_EQ(v, 0x1234);
    KT_ASSERT_EQ(vm_protect(&kernel_space, va, 4096, 0), 0);    /* no access at all */
    KT_ASSERT(!try_read((volatile uint64_t *)(uintptr_t)va, &v));
    KT_ASSERT_EQ(vm_translate(&kernel_space, va, &pa, &prot), 0);
    KT_ASSERT_EQ(prot, 0);
    KT_ASSERT_EQ(vm_unmap(&kernel_space, va, 4096), 0);
    KT_ASSERT_EQ(vm_translate(&kernel_space, va, &pa, &prot), -ENOENT);
    KT_ASSERT_EQ(fault_count, 2);
    frame_free(frame, 0);
    vm_release(r);
    KT_ASSERT_EQ(frames_free(), before);
}

/* No kernel page is both writable and executable. */
KTEST(mm_no_writable_executable_page)
{
    KT_ASSERT_EQ(vm_audit_wx(), 0);
    unsigned prot;
    uint64_t pa;
    KT_ASSERT_EQ(vm_translate(&kernel_space, (uint64_t)(uintptr_t)frame_alloc, &pa, &prot), 0);
    KT_ASSERT_EQ(prot, VM_READ | VM_EXEC);
    static const int constant = 5;
    KT_ASSERT_EQ(vm_translate(&kernel_space, (uint64_t)(uintptr_t)&constant, &pa, &prot), 0);
    KT_ASSERT_EQ(prot, VM_READ);
    static int variable;
    KT_ASSERT_EQ(vm_translate(&kernel_space, (uint64_t)(uintptr_t)&variable, &pa, &prot), 0);
    KT_ASSERT_EQ(prot, VM_READ | VM_WRITE);
}

/* vmalloc memory is mapped, zeroed, writable, and all of it comes back. */
KTEST(mm_vmalloc)
{
    uint64_t before = frames_free();
    uint8_t *p = vmalloc(10 << 20);             /* more than kmalloc's largest block */
    KT_ASSERT(p != NULL);
    for (uint64_t i = 0; i < (10 << 20); i += 4096)
        KT_ASSERT(p[i] == 0);
    memset(p, 0x5a, 10 << 20);
    uint8_t *q = kmalloc(6 << 20);              /* kmalloc passes big requests to vmalloc */
    KT_ASSERT(q != NULL);
    q[(6 << 20) - 1] = 1;
    kfree(q);
    vfree(p);
    KT_ASSERT_EQ(frames_free(), before);
}

/* A user address space: its own lower half, the kernel's upper half. */
KTEST(mm_user_space)
{
    uint64_t before = frames_free();
    struct vm_space *s = vm_space_create();
    KT_ASSERT(s != NULL);
    uint64_t frame = frame_alloc(0);
    KT_ASSERT_EQ(vm_map(s, 0x400000, frame, 4096, VM_READ | VM_WRITE), 0);
    uint64_t pa;
    unsigned prot;
    KT_ASSERT_EQ(vm_translate(s, 0x400000, &pa, &prot), 0);
    KT_ASSERT_EQ(pa, frame);
    KT_ASSERT(prot & VM_USER);
    KT_ASSERT_EQ(vm_translate(&kernel_space, 0x400000, &pa, &prot), -ENOENT);
    KT_ASSERT_EQ(vm_map(s, 0xffff900000000000ULL, frame, 4096, VM_READ), -EINVAL);
    /* The kernel half is visible through it. */
    KT_ASSERT_EQ(vm_translate(s, (uint64_t)(uintptr_t)frame_alloc, &pa, &prot), 0);
    struct vm_region *r = vm_reserve(s, "user-heap", 1 << 20, NULL, NULL);
    KT_ASSERT(r && r->start >= USER_SPACE_BASE && r->start < USER_SPACE_END);
    vm_space_destroy(s);
    frame_free(frame, 0);
    KT_ASSERT_EQ(frames_free(), before);
}

/* ---- benchmarks (the Linux guest runs the same workloads with malloc) ---- */

static void sort_u64(uint64_t *v, unsigned n)
{
    for (unsigned i = 1; i < n; i++)
        for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
}

static volatile void *sink;

/* kmalloc(64) + kfree, median of 5 runs of 200,000 pairs: ns per pair. */
KBENCH(kmalloc_free_64)
{
    const uint64_t ops = 200000;
    uint64_t runs[5];
    for (int r = 0; r < 5; r++) {
        uint64_t t0 = time_ns();
        for (uint64_t i = 0; i < ops; i++) {
            void *p = kmalloc(64);
            sink = p;
            kfree(p);
        }
        runs[r] = time_ns() - t0;
    }
    sort_u64(runs, 5);
    kbench_report("kmalloc_free_64", runs[2], ops, "ns");
}

/* Random sizes 16..4096 with up to 1024 live blocks (the Linux guest's
 * malloc-bench workload, same generator): ns per free+malloc. */
KBENCH(kmalloc_free_mixed)
{
    const uint64_t ops = 200000;
    static void *live[1024];
    uint64_t runs[5];
    for (int r = 0; r < 5; r++) {
        unsigned seed = 12345;
        uint64_t t0 = time_ns();
        for (uint64_t i = 0; i < ops; i++) {
            seed = seed * 1103515245u + 12345u;
            unsigned slot = (seed >> 8) % 1024;
            kfree(live[slot]);
            live[slot] = kmalloc(16 + (seed >> 16) % 4081);
        }
        runs[r] = time_ns() - t0;
        for (int i = 0; i < 1024; i++) {
            kfree(live[i]);
            live[i] = NULL;
        }
    }
    sort_u64(runs, 5);
    kbench_report("kmalloc_free_mixed", runs[2], ops, "ns");
}
