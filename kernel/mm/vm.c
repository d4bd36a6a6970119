/*
 * kernel/mm/vm.c — regions of an address space: reservations backed on
 * demand, kernel stacks with guard areas, MMIO mappings, vmalloc; the page
 * fault handler; user address spaces.
 */
#include "lib/lib.h"
#include "core/log.h"
#include "mm/mm.h"
#include "mm/paging.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/trap.h"
#include "sched/thread.h"
#include "sched/sched_internal.h"
#include <kpio/boot.h>

#define REGION_GAP      PAGE_SIZE           /* unmapped page between regions */
#define KSTACK_GUARD    (16ULL << 10)       /* unmapped bytes below every stack */
#define VMALLOC_GUARD   PAGE_SIZE
#define KSTACK_CACHE    64

/* Page-fault error code bits (Intel SDM vol. 3A §4.7). */
#define PF_PRESENT  (1u << 0)
#define PF_WRITE    (1u << 1)
#define PF_USER     (1u << 2)
#define PF_RSVD     (1u << 3)
#define PF_INSTR    (1u << 4)

/* ---- walking ranges ---- */

/* Call fn on every leaf PTE that is present (or PROTNONE) in [start, end),
 * skipping missing tables quickly. s->lock held. */
static void pt_range_apply(struct vm_space *s, uint64_t start, uint64_t end,
                           void (*fn)(uint64_t *pte, uint64_t va, void *ctx), void *ctx)
{
    uint64_t va = start;
    while (va < end) {
        uint64_t *table = phys_to_virt(s->pml4_phys);
        int level = 3;
        bool skipped = false;
        while (level > 0) {
            uint64_t e = table[pt_index(va, level)];
            if (!(e & PTE_P) || (e & PTE_PS)) {
                /* Nothing below this entry: jump to the next one. */
                uint64_t span = 1ULL << (12 + 9 * level);
                uint64_t next = (va & ~(span - 1)) + span;
                va = next > va ? next : end;
                skipped = true;
                break;
            }
            table = phys_to_virt(e & PTE_ADDR);
            level--;
        }
        if (skipped)
            continue;
        uint64_t *pte = &table[pt_index(va, 0)];
        if (*pte & (PTE_P | PTE_PROTNONE))
            fn(pte, va, ctx);
        va += PAGE_SIZE;
    }
}

static bool table_empty(const uint64_t *t)
{
    for (unsigned i = 0; i < 512; i++)
        if (t[i])
            return false;
    return true;
}

/* Free the page tables (PTs, then PDs) that overlap [start, end) and have
 * no entries left: those covered only in part too, once empty (no other
 * region has pages there), so that regions coming and going at changing
 * addresses leave no tables behind. s->lock held; the caller flushes TLBs
 * after. */
static void pt_free_empty(struct vm_space *s, uint64_t start, uint64_t end)
{
    uint64_t *pml4 = phys_to_virt(s->pml4_phys);
    for (uint64_t va = ALIGN_DOWN(start, PAGE_2M); va < end && va + PAGE_2M > va; va += PAGE_2M) {
        uint64_t e3 = pml4[pt_index(va, 3)];
        if (!(e3 & PTE_P))
            continue;
        uint64_t *pdpt = phys_to_virt(e3 & PTE_ADDR);
        uint64_t e2 = pdpt[pt_index(va, 2)];
        if (!(e2 & PTE_P) || (e2 & PTE_PS))
            continue;
        uint64_t *pd = phys_to_virt(e2 & PTE_ADDR);
        uint64_t *e1 = &pd[pt_index(va, 1)];
        if ((*e1 & PTE_P) && !(*e1 & PTE_PS) && table_empty(phys_to_virt(*e1 & PTE_ADDR))) {
            frame_free(*e1 & PTE_ADDR, 0);
            *e1 = 0;
        }
    }
    for (uint64_t va = ALIGN_DOWN(start, PAGE_1G); va < end && va + PAGE_1G > va; va += PAGE_1G) {
        uint64_t e3 = pml4[pt_index(va, 3)];
        if (!(e3 & PTE_P))
            continue;
        uint64_t *pdpt = phys_to_virt(e3 & PTE_ADDR);
        uint64_t *e2 = &pdpt[pt_index(va, 2)];
        if ((*e2 & PTE_P) && !(*e2 & PTE_PS) && table_empty(phys_to_virt(*e2 & PTE_ADDR))) {
            frame_free(*e2 & PTE_ADDR, 0);
            *e2 = 0;
        }
    }
}

/* ---- regions ---- */

static struct vm_region *find_locked(struct vm_space *s, uint64_t va)
{
    struct list_node *pos;
    list_for_each(pos, &s->regions) {
        struct vm_region *r = list_entry(pos, struct vm_region, node);
        if (va < r->start)
            return NULL;
        if (va - r->start < r->size)
            return r;
    }
    return NULL;
}

struct vm_region *vm_region_find(struct vm_space *s, uint64_t va)
{
    uint64_t flags = spin_lock_irqsave(&s->lock);
    struct vm_region *r = find_locked(s, va);
    spin_unlock_irqrestore(&s->lock, flags);
    return r;
}

/* Find room for size bytes aligned to align; insert r there. s->lock held. */
static bool place_region(struct vm_space *s, struct vm_region *r, uint64_t size, uint64_t align)
{
    uint64_t cursor = s->region_lo;
    struct list_node *pos;
    list_for_each(pos, &s->regions) {
        struct vm_region *next = list_entry(pos, struct vm_region, node);
        uint64_t start = ALIGN_UP(cursor + REGION_GAP, align);
        if (start + size + REGION_GAP <= next->start && start + size > start) {
            r->start = start;
            list_insert_between(&r->node, pos->prev, pos);
            return true;
        }
        cursor = next->start + next->size;
    }
    uint64_t start = ALIGN_UP(cursor + REGION_GAP, align);
    if (start + size > start && start + size <= s->region_hi) {
        r->start = start;
        list_push_back(&s->regions, &r->node);
        return true;
    }
    return false;
}

struct vm_region *vm_reserve(struct vm_space *s, const char *name, uint64_t size,
                             vm_fault_fn on_fault, void *owner)
{
    /* Big regions start on a 2 MiB boundary and span whole 2 MiB blocks, so
     * they own their page tables and free them when released. */
    uint64_t align = size >= PAGE_2M ? PAGE_2M : PAGE_SIZE;
    size = ALIGN_UP(size, align);
    if (!size)
        return NULL;
    struct vm_region *r = kzalloc(sizeof *r);
    if (!r)
        return NULL;
    strlcpy(r->name, name, sizeof r->name);
    r->space = s;
    r->size = size;
    r->kind = VM_REGION_RESERVE;
    r->on_fault = on_fault;
    r->owner = owner;
    list_init(&r->node);
    uint64_t flags = spin_lock_irqsave(&s->lock);
    bool placed = place_region(s, r, size, align);
    spin_unlock_irqrestore(&s->lock, flags);
    if (!placed) {
        kfree(r);
        return NULL;
    }
    return r;
}

struct window_change {
    struct vm_region *r;
    uint64_t new_start, new_end;    /* absolute addresses */
    uint64_t bits;                  /* PTE bits for pages that stay */
    uint64_t batch[64];             /* frames to free after the shootdown */
    unsigned batch_len;
    uint64_t batch_lo, batch_hi;    /* address range the batch covers */
    bool reduced;                   /* some page lost rights: shoot down */
};

/* Shoot down the batch's range, then free its frames. s->lock held. */
static void flush_batch(struct window_change *wc)
{
    if (!wc->batch_len)
        return;
    tlb_shootdown(wc->r->space, wc->batch_lo, (wc->batch_hi - wc->batch_lo) / PAGE_SIZE);
    for (unsigned i = 0; i < wc->batch_len; i++)
        frame_free(wc->batch[i], 0);
    wc->r->resident_pages -= wc->batch_len;
    wc->r->space->resident_pages -= wc->batch_len;
    wc->batch_len = 0;
}

static void change_page(uint64_t *pte, uint64_t va, void *ctx)
{
    struct window_change *wc = ctx;
    uint64_t frame = *pte & PTE_ADDR;
    if (va < wc->new_start || va >= wc->new_end || !wc->bits) {
        *pte = 0;
        if (wc->batch_len == 0)
            wc->batch_lo = va;
        wc->batch_hi = va + PAGE_SIZE;
        wc->batch[wc->batch_len++] = frame;
        if (wc->batch_len == ARRAY_SIZE(wc->batch))
            flush_batch(wc);
        return;
    }
    uint64_t old = *pte & ~PTE_ADDR & ~(PTE_A | PTE_D);
    if (old != wc->bits) {
        if ((old & PTE_W) && !(wc->bits & PTE_W))
            wc->reduced = true;
        if (!(old & PTE_NX) && (wc->bits & PTE_NX))
            wc->reduced = true;
        *pte = frame | wc->bits;
    }
}

int vm_region_set_window(struct vm_region *r, uint64_t off, uint64_t len, unsigned prot)
{
    if ((off | len) & (PAGE_SIZE - 1) || off > r->size || len > r->size - off)
        return -EINVAL;
    struct vm_space *s = r->space;
    if (!s->is_kernel && (prot & (VM_READ | VM_WRITE | VM_EXEC)))
        prot |= VM_USER;
    struct window_change wc = {
        .r = r, .new_start = r->start + off, .new_end = r->start + off + len,
        .bits = len ? pte_bits(prot) : 0,
    };
    uint64_t flags = spin_lock_irqsave(&s->lock);
    uint64_t old_start = r->start + r->window_off;
    pt_range_apply(s, old_start, old_start + r->window_len, change_page, &wc);
    flush_batch(&wc);
    r->window_off = off;
    r->window_len = len;
    r->prot = prot;
    if (wc.reduced)
        tlb_shootdown(s, r->start, r->size / PAGE_SIZE);
    spin_unlock_irqrestore(&s->lock, flags);
    return 0;
}

/* Back one page of r at va with a zeroed frame. s->lock held. 0 or -errno. */
static int back_page(struct vm_region *r, uint64_t va)
{
    struct vm_space *s = r->space;
    uint64_t *pte = pt_walk(s, va, true);
    if (!pte)
        return -ENOMEM;
    if (*pte & PTE_P)
        return 0;
    uint64_t frame = frame_alloc(0);
    if (!frame)
        return -ENOMEM;
    memset(phys_to_virt(frame), 0, PAGE_SIZE);
    *pte = frame | pte_bits(r->prot);
    r->resident_pages++;
    s->resident_pages++;
    return 0;
}

int vm_region_populate(struct vm_region *r, uint64_t off, uint64_t len)
{
    if ((off | len) & (PAGE_SIZE - 1) || off < r->window_off ||
        off + len > r->window_off + r->window_len || off + len < off)
        return -EINVAL;
    if (!pte_bits(r->prot))
        return -EACCES;
    uint64_t flags = spin_lock_irqsave(&r->space->lock);
    int rc = 0;
    for (uint64_t o = off; o < off + len && rc == 0; o += PAGE_SIZE)
        rc = back_page(r, r->start + o);
    spin_unlock_irqrestore(&r->space->lock, flags);
    return rc;
}

uint64_t vm_region_next_resident(struct vm_region *r, uint64_t off)
{
    struct vm_space *s = r->space;
    uint64_t va = r->start + ALIGN_UP(off, PAGE_SIZE), end = r->start + r->size;
    uint64_t flags = spin_lock_irqsave(&s->lock);
    while (va < end) {
        uint64_t *table = phys_to_virt(s->pml4_phys);
        int level = 3;
        while (level > 0) {
            uint64_t e = table[pt_index(va, level)];
            if (!(e & PTE_P) || (e & PTE_PS))
                break;
            table = phys_to_virt(e & PTE_ADDR);
            level--;
        }
        if (level > 0) {
            /* no table below: skip what it would have covered */
            uint64_t span = 1ULL << (12 + 9 * level);
            uint64_t next = (va & ~(span - 1)) + span;
            va = next > va ? next : end;
            continue;
        }
        if (table[pt_index(va, 0)] & PTE_P)
            break;
        va += PAGE_SIZE;
    }
    spin_unlock_irqrestore(&s->lock, flags);
    return va < end ? va - r->start : r->size;
}

void vm_release(struct vm_region *r)
{
    if (!r)
        return;
    struct vm_space *s = r->space;
    if (r->kind == VM_REGION_MMIO) {
        vm_unmap(s, r->start, r->size);
    } else {
        vm_region_set_window(r, 0, 0, 0);
    }
    uint64_t flags = spin_lock_irqsave(&s->lock);
    pt_free_empty(s, r->start, r->start + r->size);
    list_remove(&r->node);
    tlb_shootdown(s, r->start, r->size / PAGE_SIZE);
    spin_unlock_irqrestore(&s->lock, flags);
    kfree(r);
}

/* ---- page faults ---- */

static struct vm_space *active_space(void);

bool vm_page_fault(struct trap_frame *frame)
{
    uint64_t addr = read_cr2();
    uint32_t err = (uint32_t)frame->error_code;
    if (err & PF_RSVD)
        return false;       /* corrupt page tables: fatal */
    struct vm_space *s = va_is_kernel(addr) ? &kernel_space : active_space();
    if (!s || !va_is_canonical(addr))
        return false;
    bool write = err & PF_WRITE, instr = err & PF_INSTR;
    uint64_t flags = spin_lock_irqsave(&s->lock);
    struct vm_region *r = find_locked(s, addr);
    if (!r) {
        spin_unlock_irqrestore(&s->lock, flags);
        return false;
    }
    uint64_t off = addr - r->start;
    bool in_window = off >= r->window_off && off - r->window_off < r->window_len;
    bool allowed = in_window && pte_bits(r->prot) && (!write || (r->prot & VM_WRITE)) &&
                   (!instr || (r->prot & VM_EXEC)) && r->kind != VM_REGION_MMIO;
    if (allowed) {
        uint64_t *pte = pt_walk(s, addr, false);
        if (pte && (*pte & PTE_P)) {
            /* Another CPU backed it first, or our TLB held an older entry. */
            invlpg(addr);
            spin_unlock_irqrestore(&s->lock, flags);
            return true;
        }
        int rc = back_page(r, ALIGN_DOWN(addr, PAGE_SIZE));
        if (rc == 0)
            r->faults++;
        spin_unlock_irqrestore(&s->lock, flags);
        if (rc == 0)
            return true;
        log_err("vm: out of memory backing %#llx in region %s", (unsigned long long)addr, r->name);
    } else {
        spin_unlock_irqrestore(&s->lock, flags);
    }
    return r->on_fault ? r->on_fault(r, addr, write, frame) : false;
}

/* ---- MMIO, vmalloc, kernel stacks ---- */

void *mmio_map(uint64_t phys, uint64_t size)
{
    uint64_t base = ALIGN_DOWN(phys, PAGE_SIZE);
    uint64_t len = ALIGN_UP(phys + size, PAGE_SIZE) - base;
    struct vm_region *r = vm_reserve(&kernel_space, "mmio", len, NULL, NULL);
    if (!r)
        return NULL;
    r->kind = VM_REGION_MMIO;
    r->window_len = len;
    r->prot = VM_READ | VM_WRITE | VM_UNCACHED;
    if (vm_map(&kernel_space, r->start, base, len, r->prot) != 0) {
        r->kind = VM_REGION_RESERVE;
        r->window_len = 0;
        vm_release(r);
        return NULL;
    }
    return (void *)(uintptr_t)(r->start + (phys - base));
}

void mmio_unmap(void *va)
{
    struct vm_region *r = vm_region_find(&kernel_space, (uint64_t)(uintptr_t)va);
    if (r && r->kind == VM_REGION_MMIO)
        vm_release(r);
}

void *vmalloc(uint64_t size)
{
    size = ALIGN_UP(size ? size : 1, PAGE_SIZE);
    struct vm_region *r = vm_reserve(&kernel_space, "vmalloc", size + 2 * VMALLOC_GUARD, NULL, NULL);
    if (!r)
        return NULL;
    r->kind = VM_REGION_VMALLOC;
    if (vm_region_set_window(r, VMALLOC_GUARD, size, VM_READ | VM_WRITE) != 0 ||
        vm_region_populate(r, VMALLOC_GUARD, size) != 0) {
        vm_release(r);
        return NULL;
    }
    return (void *)(uintptr_t)(r->start + VMALLOC_GUARD);
}

void vfree(void *va)
{
    if (!va)
        return;
    struct vm_region *r = vm_region_find(&kernel_space, (uint64_t)(uintptr_t)va);
    if (!r || r->kind != VM_REGION_VMALLOC || (uint64_t)(uintptr_t)va != r->start + r->window_off) {
        log_err("vfree: %p was not returned by vmalloc", va);
        return;
    }
    vm_release(r);
}

static spinlock_t kstack_cache_lock = SPINLOCK_INIT("kstack_cache");
static struct vm_region *kstack_cache[KSTACK_CACHE];
static unsigned kstack_cached;

uint64_t kstack_alloc(uint64_t size)
{
    size = ALIGN_UP(size, PAGE_SIZE);
    uint64_t flags = spin_lock_irqsave(&kstack_cache_lock);
    for (unsigned i = 0; i < kstack_cached; i++) {
        struct vm_region *r = kstack_cache[i];
        if (r->window_len == size) {
            kstack_cache[i] = kstack_cache[--kstack_cached];
            spin_unlock_irqrestore(&kstack_cache_lock, flags);
            return r->start + r->window_off;
        }
    }
    spin_unlock_irqrestore(&kstack_cache_lock, flags);
    struct vm_region *r = vm_reserve(&kernel_space, "kstack", size + KSTACK_GUARD,
                                     sched_stack_guard_fault, NULL);
    if (!r)
        return 0;
    r->kind = VM_REGION_STACK;
    if (vm_region_set_window(r, KSTACK_GUARD, size, VM_READ | VM_WRITE) != 0 ||
        vm_region_populate(r, KSTACK_GUARD, size) != 0) {
        vm_release(r);
        return 0;
    }
    return r->start + KSTACK_GUARD;
}

void kstack_free(uint64_t base, uint64_t size)
{
    struct vm_region *r = vm_region_find(&kernel_space, base);
    if (!r || r->kind != VM_REGION_STACK || base != r->start + r->window_off ||
        ALIGN_UP(size, PAGE_SIZE) != r->window_len) {
        log_err("kstack_free: %#llx is not a kernel stack", (unsigned long long)base);
        return;
    }
    uint64_t flags = spin_lock_irqsave(&kstack_cache_lock);
    if (kstack_cached < KSTACK_CACHE) {
        kstack_cache[kstack_cached++] = r;
        spin_unlock_irqrestore(&kstack_cache_lock, flags);
        return;
    }
    spin_unlock_irqrestore(&kstack_cache_lock, flags);
    vm_release(r);
}

struct vm_region *kstack_guard_hit(uint64_t addr)
{
    struct vm_region *r = vm_region_find(&kernel_space, addr);
    if (r && r->kind == VM_REGION_STACK && addr - r->start < r->window_off)
        return r;
    return NULL;
}

/* ---- user address spaces ---- */

static struct vm_space *active_space(void)
{
    return sched_percpu_ready ? this_cpu()->space : NULL;
}

struct vm_space *vm_space_create(void)
{
    struct vm_space *s = kzalloc(sizeof *s);
    if (!s)
        return NULL;
    s->pml4_phys = pt_alloc_table();
    if (!s->pml4_phys) {
        kfree(s);
        return NULL;
    }
    spin_init(&s->lock, "user_space");
    list_init(&s->regions);
    s->region_lo = USER_SPACE_BASE;
    s->region_hi = USER_SPACE_END;
    vm_space_link(s, true);
    return s;
}

/* Free a lower-half page table and every table below it (level 0 = PT). The
 * frames that vm_map() entries point at belong to their callers. */
static void free_tables(uint64_t table_phys, int level)
{
    uint64_t *t = phys_to_virt(table_phys);
    if (level > 0) {
        for (unsigned i = 0; i < 512; i++)
            if ((t[i] & PTE_P) && !(t[i] & PTE_PS))
                free_tables(t[i] & PTE_ADDR, level - 1);
    }
    frame_free(table_phys, 0);
}

void vm_space_destroy(struct vm_space *s)
{
    if (!s || s->is_kernel)
        return;
    vm_space_link(s, false);
    while (!list_empty(&s->regions))
        vm_release(list_entry(s->regions.next, struct vm_region, node));
    uint64_t *pml4 = phys_to_virt(s->pml4_phys);
    for (unsigned i = 0; i < 256; i++)
        if (pml4[i] & PTE_P)
            free_tables(pml4[i] & PTE_ADDR, 2);
    frame_free(s->pml4_phys, 0);
    kfree(s);
}

void vm_space_activate(struct vm_space *s)
{
    struct cpu *c = this_cpu();
    struct vm_space *target = s ? s : &kernel_space;
    if ((read_cr3() & PTE_ADDR) != target->pml4_phys)
        write_cr3(target->pml4_phys);
    c->space = s;
}
