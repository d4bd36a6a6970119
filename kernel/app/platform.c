/*
 * kernel/app/platform.c — the WebAssembly runtime's platform interface
 * (runtime/include/kpio_wasm_platform.h) in the kernel.
 *
 * Every reservation the runtime makes (a linear memory: 8 GiB plus guard; a
 * value stack; JIT code) is a vm_reserve() region of the kernel address
 * space. Its accessible window is what the runtime has committed; pages in
 * it are backed by zeroed frames on first touch. A touch outside the window
 * calls region_fault(), which asks the runtime whether the faulting thread
 * was running WebAssembly that owns the region: if so, the thread resumes
 * in the runtime's trap path (the app gets "out of bounds memory access"),
 * otherwise the fault is a kernel bug and fatal.
 *
 * Committing is budgeted: the bytes made accessible across all apps may not
 * exceed a limit set at boot (free memory less a reserve for the kernel), so
 * an app that grows without end gets memory.grow = -1 (malloc returns NULL)
 * instead of starving the kernel of frames.
 */
#include "app/app.h"
#include "arch/x86_64/trap.h"
#include "core/log.h"
#include "core/time.h"
#include "lib/lib.h"
#include "mm/mm.h"
#include "mm/vm.h"
#include "sched/thread.h"
#include "kpio_wasm_platform.h"

#define KERNEL_RESERVE_MIN (64ull << 20)

static spinlock_t budget_lock = SPINLOCK_INIT("app-commit");
static uint64_t commit_limit, committed, reservations;

void app_platform_init(void)
{
    struct mm_stats st;
    mm_get_stats(&st);
    uint64_t free_bytes = st.frames_free * PAGE_SIZE;
    uint64_t reserve = MAX(KERNEL_RESERVE_MIN, st.frames_total * PAGE_SIZE / 8);
    commit_limit = free_bytes > reserve ? free_bytes - reserve : free_bytes / 2;
}

/* ---- heap ---- */

void *wasm_plat_alloc(size_t size)
{
    return kmalloc(size);
}

void *wasm_plat_realloc(void *ptr, size_t size)
{
    return krealloc(ptr, size);
}

void wasm_plat_free(void *ptr)
{
    kfree(ptr);
}

/* ---- reservations ---- */

/* What the platform keeps about each of its reservations (the region's
 * owner). fresh: handed out again from the pool and not committed since, so
 * the first commit says exactly what is accessible. */
struct reservation {
    struct vm_region *region;
    bool fresh;
};

/* Released reservations kept for reuse, their pages zeroed but still
 * backed: giving pages back to the frame allocator means unmapping them,
 * and unmapping kernel addresses means a TLB shootdown on every CPU, an IPI
 * round trip that costs milliseconds when the other CPU is idle under QEMU.
 * An app that starts and ends (every command in a pipeline) would pay it
 * for its memory and its stacks. From the pool, the next instance of a
 * program of the same size finds its pages ready. */
#define POOL_SLOTS       16
#define POOL_WINDOW_MAX  (16ull << 20)      /* bigger windows are given back */
static struct reservation *pool[POOL_SLOTS];
static unsigned pooled;

size_t wasm_plat_page_size(void)
{
    return PAGE_SIZE;
}

/* The page-fault hook of every runtime reservation: a touch outside the
 * committed window (a guard page, memory beyond the current size) by
 * WebAssembly running on this thread becomes a trap of that app. */
static bool region_fault(struct vm_region *r, uint64_t addr, bool write, struct trap_frame *frame)
{
    (void)r;
    (void)write;
    if (frame->cs & 3)
        return false;           /* apps never run in ring 3 */
    uintptr_t pc = frame->rip, sp = frame->rsp;
    if (!wasm_fault_redirect(addr, &pc, &sp))
        return false;
    frame->rip = pc;
    frame->rsp = sp;
    return true;
}

/* The reservation made here that holds addr, or NULL. */
static struct reservation *reservation_of(const void *addr)
{
    struct vm_region *r = vm_region_find(&kernel_space, (uint64_t)(uintptr_t)addr);
    return r && r->on_fault == region_fault ? r->owner : NULL;
}

/* Charge (or with a negative delta, refund) the budget; false if over it. */
static bool charge(int64_t delta)
{
    uint64_t flags = spin_lock_irqsave(&budget_lock);
    bool ok = true;
    if (delta > 0 && committed + (uint64_t)delta > commit_limit)
        ok = false;
    else
        committed += (uint64_t)delta;
    spin_unlock_irqrestore(&budget_lock, flags);
    return ok;
}

/* Give a reservation back for good: pages freed, addresses released. */
static void destroy(struct reservation *res)
{
    uint64_t flags = spin_lock_irqsave(&budget_lock);
    committed -= res->region->window_len;
    reservations--;
    spin_unlock_irqrestore(&budget_lock, flags);
    vm_release(res->region);
    kfree(res);
}

/* A pooled reservation of this size, or NULL. */
static struct reservation *from_pool(uint64_t size)
{
    struct reservation *found = NULL;
    uint64_t flags = spin_lock_irqsave(&budget_lock);
    for (unsigned i = 0; i < pooled && !found; i++) {
        if (pool[i]->region->size == size) {
            found = pool[i];
            pool[i] = pool[--pooled];
        }
    }
    spin_unlock_irqrestore(&budget_lock, flags);
    return found;
}

void app_platform_trim(void)
{
    for (;;) {
        uint64_t flags = spin_lock_irqsave(&budget_lock);
        struct reservation *res = pooled ? pool[--pooled] : NULL;
        spin_unlock_irqrestore(&budget_lock, flags);
        if (!res)
            return;
        destroy(res);
    }
}

void *wasm_plat_reserve(size_t size)
{
    if (size == 0)
        return NULL;
    /* vm_reserve's rounding: whole 2 MiB blocks for big regions */
    uint64_t rounded = size >= (2ull << 20) ? ALIGN_UP((uint64_t)size, 2ull << 20)
                                           : ALIGN_UP((uint64_t)size, PAGE_SIZE);
    struct reservation *res = from_pool(rounded);
    if (res) {
        res->fresh = true;
        return (void *)(uintptr_t)res->region->start;
    }
    res = kzalloc(sizeof *res);
    if (!res)
        return NULL;
    res->region = vm_reserve(&kernel_space, "wasm", rounded, region_fault, res);
    if (!res->region) {
        kfree(res);
        return NULL;
    }
    uint64_t flags = spin_lock_irqsave(&budget_lock);
    reservations++;
    spin_unlock_irqrestore(&budget_lock, flags);
    return (void *)(uintptr_t)res->region->start;
}

/* Make the window of r [lo, hi) with protection prot, charging the
 * difference. */
static bool set_window(struct vm_region *r, uint64_t lo, uint64_t hi, unsigned prot)
{
    int64_t delta = (int64_t)(hi - lo) - (int64_t)r->window_len;
    if (!charge(delta)) {
        /* the pool holds budget too: give it back and try again */
        app_platform_trim();
        if (!charge(delta))
            return false;
    }
    if (vm_region_set_window(r, lo, hi - lo, prot) != 0) {
        charge(-delta);
        return false;
    }
    return true;
}

bool wasm_plat_commit(void *addr, size_t size)
{
    struct reservation *res = reservation_of(addr);
    uint64_t a = (uint64_t)(uintptr_t)addr;
    if (!res)
        return false;
    struct vm_region *r = res->region;
    if ((a | size) & (PAGE_SIZE - 1) || size > r->size - (a - r->start))
        return false;
    uint64_t lo = a - r->start, hi = lo + size;
    if (res->fresh) {
        /* the first commit after reuse: exactly this is accessible (a
         * window already that size keeps its zeroed pages) */
        res->fresh = false;
        if (lo == r->window_off && size == r->window_len && r->prot == (VM_READ | VM_WRITE))
            return true;
        return set_window(r, size ? lo : 0, size ? hi : 0, VM_READ | VM_WRITE);
    }
    if (size == 0)
        return true;
    /* The runtime commits contiguously (a memory grows at its end, stacks
     * commit once), so the hull of the old window and the new range adds
     * nothing it did not ask for. */
    if (r->window_len) {
        lo = MIN(lo, r->window_off);
        hi = MAX(hi, r->window_off + r->window_len);
    }
    return set_window(r, lo, hi, VM_READ | VM_WRITE);
}

/* The page-fault handler runs on the stack that faulted (no IST): a JIT
 * stack page first touched by a push would end in a double fault. So the
 * whole stack is backed now (a recycled reservation keeps its frames). */
bool wasm_plat_commit_stack(void *addr, size_t size)
{
    if (!wasm_plat_commit(addr, size))
        return false;
    struct reservation *res = reservation_of(addr);
    struct vm_region *r = res->region;
    if (size && vm_region_populate(r, (uint64_t)(uintptr_t)addr - r->start, size) != 0) {
        wasm_plat_decommit(addr, size);
        return false;
    }
    return true;
}

bool wasm_plat_protect(void *addr, size_t size, int prot)
{
    struct reservation *res = reservation_of(addr);
    if (!res)
        return false;
    struct vm_region *r = res->region;
    /* Only whole windows change protection (JIT code: written, then made
     * read-only and executable). Never writable and executable at once. */
    if ((uint64_t)(uintptr_t)addr != r->start + r->window_off || size != r->window_len)
        return false;
    if ((prot & WASM_PROT_WRITE) && (prot & WASM_PROT_EXEC))
        return false;
    unsigned vp = (prot & WASM_PROT_READ ? VM_READ : 0) | (prot & WASM_PROT_WRITE ? VM_WRITE : 0) |
                  (prot & WASM_PROT_EXEC ? VM_EXEC : 0);
    return vm_region_set_window(r, r->window_off, r->window_len, vp) == 0;
}

bool wasm_plat_decommit(void *addr, size_t size)
{
    struct reservation *res = reservation_of(addr);
    if (!res)
        return false;
    struct vm_region *r = res->region;
    uint64_t off = (uint64_t)(uintptr_t)addr - r->start;
    uint64_t wend = r->window_off + r->window_len;
    /* The window shrinks from its end (or goes entirely). */
    if (off + size != wend || off < r->window_off)
        return false;
    uint64_t newlen = off - r->window_off;
    if (vm_region_set_window(r, newlen ? r->window_off : 0, newlen, r->prot) != 0)
        return false;
    charge(-(int64_t)size);
    return true;
}

/* Zero the pages of r that are backed now (they stay backed). */
static void scrub(struct vm_region *r)
{
    uint64_t end = r->window_off + r->window_len;
    for (uint64_t off = vm_region_next_resident(r, r->window_off); off < end;
         off = vm_region_next_resident(r, off + PAGE_SIZE))
        memset((void *)(uintptr_t)(r->start + off), 0, PAGE_SIZE);
}

void wasm_plat_release(void *addr, size_t size)
{
    (void)size;
    struct reservation *res = reservation_of(addr);
    if (!res)
        return;
    struct vm_region *r = res->region;
    /* Read-write windows of a modest size go to the pool, zeroed. */
    if (r->prot == (VM_READ | VM_WRITE) && r->window_len <= POOL_WINDOW_MAX) {
        if (!res->fresh)
            scrub(r);
        uint64_t flags = spin_lock_irqsave(&budget_lock);
        bool kept = pooled < POOL_SLOTS;
        if (kept)
            pool[pooled++] = res;
        spin_unlock_irqrestore(&budget_lock, flags);
        if (kept)
            return;
    }
    destroy(res);
}

/* ---- threads and time ---- */

void **wasm_plat_thread_slot(void)
{
    return &thread_current()->wasm_slot;
}

uint64_t wasm_plat_time_ns(void)
{
    return time_ns();
}

bool wasm_plat_fault_init(void)
{
    return true;    /* region_fault is every reservation's page-fault hook */
}

void app_memory_stats(struct app_memory_stats *out)
{
    uint64_t flags = spin_lock_irqsave(&budget_lock);
    out->commit_limit = commit_limit;
    out->committed = committed;
    out->reservations = reservations;
    out->pooled = pooled;
    spin_unlock_irqrestore(&budget_lock, flags);
    out->resident_pages = 0;
    /* resident pages are counted per region by the VM; walk them */
    struct list_node *pos;
    uint64_t lflags = spin_lock_irqsave(&kernel_space.lock);
    list_for_each(pos, &kernel_space.regions) {
        struct vm_region *r = list_entry(pos, struct vm_region, node);
        if (r->on_fault == region_fault)
            out->resident_pages += r->resident_pages;
    }
    spin_unlock_irqrestore(&kernel_space.lock, lflags);
}
