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

void app_memory_stats(struct app_memory_stats *out)
{
    uint64_t flags = spin_lock_irqsave(&budget_lock);
    out->commit_limit = commit_limit;
    out->committed = committed;
    out->reservations = reservations;
    spin_unlock_irqrestore(&budget_lock, flags);
    out->resident_pages = 0;
    /* resident pages are counted per region by the VM; walk them */
    struct list_node *pos;
    uint64_t lflags = spin_lock_irqsave(&kernel_space.lock);
    list_for_each(pos, &kernel_space.regions) {
        struct vm_region *r = list_entry(pos, struct vm_region, node);
        if (r->owner == (void *)&budget_lock)
            out->resident_pages += r->resident_pages;
    }
    spin_unlock_irqrestore(&kernel_space.lock, lflags);
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

/* The region of a reservation made here, or NULL. */
static struct vm_region *region_of(const void *addr)
{
    struct vm_region *r = vm_region_find(&kernel_space, (uint64_t)(uintptr_t)addr);
    return r && r->owner == (void *)&budget_lock ? r : NULL;
}

void *wasm_plat_reserve(size_t size)
{
    if (size == 0)
        return NULL;
    struct vm_region *r = vm_reserve(&kernel_space, "wasm", ALIGN_UP((uint64_t)size, PAGE_SIZE),
                                     region_fault, &budget_lock);
    if (!r)
        return NULL;
    uint64_t flags = spin_lock_irqsave(&budget_lock);
    reservations++;
    spin_unlock_irqrestore(&budget_lock, flags);
    return (void *)(uintptr_t)r->start;
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

/* Make the window of r the smallest range holding both the old window and
 * [off, off+len), with protection prot. The runtime commits contiguously
 * (a memory grows at its end, stacks commit once), so the hull adds nothing
 * it did not ask for. */
static bool widen_window(struct vm_region *r, uint64_t off, uint64_t len, unsigned prot)
{
    uint64_t lo = off, hi = off + len;
    if (r->window_len) {
        lo = MIN(lo, r->window_off);
        hi = MAX(hi, r->window_off + r->window_len);
    }
    int64_t delta = (int64_t)(hi - lo) - (int64_t)r->window_len;
    if (!charge(delta))
        return false;
    if (vm_region_set_window(r, lo, hi - lo, prot) != 0) {
        charge(-delta);
        return false;
    }
    return true;
}

bool wasm_plat_commit(void *addr, size_t size)
{
    struct vm_region *r = region_of(addr);
    uint64_t a = (uint64_t)(uintptr_t)addr;
    if (!r || (a | size) & (PAGE_SIZE - 1) || size > r->size - (a - r->start))
        return false;
    if (size == 0)
        return true;
    return widen_window(r, a - r->start, size, VM_READ | VM_WRITE);
}

bool wasm_plat_protect(void *addr, size_t size, int prot)
{
    struct vm_region *r = region_of(addr);
    if (!r)
        return false;
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
    struct vm_region *r = region_of(addr);
    if (!r)
        return false;
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

void wasm_plat_release(void *addr, size_t size)
{
    (void)size;
    struct vm_region *r = region_of(addr);
    if (!r)
        return;
    uint64_t flags = spin_lock_irqsave(&budget_lock);
    committed -= r->window_len;
    reservations--;
    spin_unlock_irqrestore(&budget_lock, flags);
    vm_release(r);
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
