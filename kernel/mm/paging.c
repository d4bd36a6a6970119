/*
 * kernel/mm/paging.c — page tables: walking, mapping, unmapping, protection,
 * translation; building the kernel's own tables at boot; the W^X audit.
 * Intel SDM vol. 3A §4.5 (4-level paging), §4.6 (access rights), §4.10 (TLBs).
 */
#include "lib/lib.h"
#include "core/log.h"
#include "mm/mm.h"
#include "mm/paging.h"
#include "arch/x86_64/cpu.h"
#include <kpio/boot.h>

struct vm_space kernel_space;

/* User address spaces share the kernel half by copying its PML4 entries;
 * an entry the kernel adds later is copied into each of them here. */
static spinlock_t spaces_lock = SPINLOCK_INIT("vm_spaces");
static struct list_node user_spaces = LIST_INIT(user_spaces);

void vm_space_link(struct vm_space *s, bool add)
{
    uint64_t flags = spin_lock_irqsave(&spaces_lock);
    if (add) {
        uint64_t *pml4 = phys_to_virt(s->pml4_phys);
        const uint64_t *kpml4 = phys_to_virt(kernel_space.pml4_phys);
        for (unsigned i = 256; i < 512; i++)
            pml4[i] = kpml4[i];
        list_push_back(&user_spaces, &s->link);
    } else {
        list_remove(&s->link);
    }
    spin_unlock_irqrestore(&spaces_lock, flags);
}

/* A new kernel-half PML4 entry: give it to every user space too. */
static void sync_kernel_entry(unsigned index, uint64_t entry)
{
    uint64_t flags = spin_lock_irqsave(&spaces_lock);
    struct list_node *pos;
    list_for_each(pos, &user_spaces) {
        uint64_t *pml4 = phys_to_virt(list_entry(pos, struct vm_space, link)->pml4_phys);
        __atomic_store_n(&pml4[index], entry, __ATOMIC_RELEASE);
    }
    spin_unlock_irqrestore(&spaces_lock, flags);
}

uint64_t pte_bits(unsigned prot)
{
    if (!(prot & (VM_READ | VM_WRITE | VM_EXEC)))
        return 0;
    uint64_t pte = PTE_P;
    if (prot & VM_WRITE)
        pte |= PTE_W;
    if (prot & VM_USER)
        pte |= PTE_U;
    if (!(prot & VM_EXEC))
        pte |= PTE_NX;
    if (prot & VM_UNCACHED)
        pte |= PTE_PCD | PTE_PWT;
    return pte;
}

unsigned pte_prot(uint64_t pte)
{
    if (!(pte & PTE_P))
        return 0;
    unsigned prot = VM_READ;
    if (pte & PTE_W)
        prot |= VM_WRITE;
    if (pte & PTE_U)
        prot |= VM_USER;
    if (!(pte & PTE_NX))
        prot |= VM_EXEC;
    if (pte & PTE_PCD)
        prot |= VM_UNCACHED;
    return prot;
}

uint64_t pt_alloc_table(void)
{
    uint64_t phys = frame_alloc(0);
    if (phys)
        memset(phys_to_virt(phys), 0, PAGE_SIZE);
    return phys;
}

uint64_t *pt_walk(struct vm_space *s, uint64_t va, bool create)
{
    uint64_t *table = phys_to_virt(s->pml4_phys);
    for (int level = 3; level > 0; level--) {
        uint64_t *e = &table[pt_index(va, level)];
        if (!(*e & PTE_P)) {
            if (!create)
                return NULL;
            uint64_t phys = pt_alloc_table();
            if (!phys)
                return NULL;
            /* Upper levels grant everything; the leaf decides. */
            *e = phys | PTE_P | PTE_W | (va_is_kernel(va) ? 0 : PTE_U);
            if (level == 3 && s->is_kernel)
                sync_kernel_entry(pt_index(va, 3), *e);
        } else if (*e & PTE_PS) {
            return NULL;
        }
        table = phys_to_virt(*e & PTE_ADDR);
    }
    return &table[pt_index(va, 0)];
}

/* Is [va, va+size) a page-aligned, non-empty range in the half s manages? */
static bool range_ok(struct vm_space *s, uint64_t va, uint64_t size)
{
    if (!size || (va | size) & (PAGE_SIZE - 1) || va + size < va)
        return false;
    uint64_t last = va + size - 1;
    if (!va_is_canonical(va) || !va_is_canonical(last))
        return false;
    return s->is_kernel ? va_is_kernel(va) : (va >= USER_SPACE_BASE && last < USER_SPACE_END);
}

int vm_map(struct vm_space *s, uint64_t va, uint64_t pa, uint64_t size, unsigned prot)
{
    if (!range_ok(s, va, size) || (pa & (PAGE_SIZE - 1)))
        return -EINVAL;
    if (!s->is_kernel && !(prot & VM_USER))
        prot |= VM_USER;
    uint64_t bits = pte_bits(prot);
    if (!bits)
        return -EINVAL;
    uint64_t flags = spin_lock_irqsave(&s->lock);
    for (uint64_t off = 0; off < size; off += PAGE_SIZE) {
        uint64_t *pte = pt_walk(s, va + off, false);
        if (pte && (*pte & (PTE_P | PTE_PROTNONE))) {
            spin_unlock_irqrestore(&s->lock, flags);
            return -EEXIST;
        }
    }
    for (uint64_t off = 0; off < size; off += PAGE_SIZE) {
        uint64_t *pte = pt_walk(s, va + off, true);
        if (!pte) {
            /* Out of memory for a table: undo what was mapped. */
            for (uint64_t undo = 0; undo < off; undo += PAGE_SIZE)
                *pt_walk(s, va + undo, false) = 0;
            spin_unlock_irqrestore(&s->lock, flags);
            return -ENOMEM;
        }
        *pte = ((pa + off) & PTE_ADDR) | bits;
    }
    spin_unlock_irqrestore(&s->lock, flags);
    return 0;
}

int vm_unmap(struct vm_space *s, uint64_t va, uint64_t size)
{
    if (!range_ok(s, va, size))
        return -EINVAL;
    uint64_t flags = spin_lock_irqsave(&s->lock);
    for (uint64_t off = 0; off < size; off += PAGE_SIZE) {
        uint64_t *pte = pt_walk(s, va + off, false);
        if (pte)
            *pte = 0;
    }
    spin_unlock_irqrestore(&s->lock, flags);
    tlb_shootdown(s, va, size / PAGE_SIZE);
    return 0;
}

int vm_protect(struct vm_space *s, uint64_t va, uint64_t size, unsigned prot)
{
    if (!range_ok(s, va, size))
        return -EINVAL;
    if (!s->is_kernel && (prot & (VM_READ | VM_WRITE | VM_EXEC)))
        prot |= VM_USER;
    uint64_t bits = pte_bits(prot);
    uint64_t flags = spin_lock_irqsave(&s->lock);
    for (uint64_t off = 0; off < size; off += PAGE_SIZE) {
        uint64_t *pte = pt_walk(s, va + off, false);
        if (!pte || !(*pte & (PTE_P | PTE_PROTNONE)))
            continue;
        uint64_t frame = *pte & PTE_ADDR;
        *pte = frame | (bits ? bits : PTE_PROTNONE);
    }
    spin_unlock_irqrestore(&s->lock, flags);
    tlb_shootdown(s, va, size / PAGE_SIZE);
    return 0;
}

int vm_translate(struct vm_space *s, uint64_t va, uint64_t *pa, unsigned *prot)
{
    if (!va_is_canonical(va))
        return -EINVAL;
    uint64_t flags = spin_lock_irqsave(&s->lock);
    uint64_t *table = phys_to_virt(s->pml4_phys);
    int rc = -ENOENT;
    for (int level = 3; level >= 0; level--) {
        uint64_t e = table[pt_index(va, level)];
        if (!(e & (PTE_P | (level == 0 ? PTE_PROTNONE : 0))))
            break;
        if (level == 0 || (e & PTE_PS)) {
            uint64_t page_mask = (1ULL << (12 + 9 * level)) - 1;
            if (pa)
                *pa = (e & PTE_ADDR & ~page_mask) | (va & page_mask);
            if (prot)
                *prot = pte_prot(e);
            rc = 0;
            break;
        }
        table = phys_to_virt(e & PTE_ADDR);
    }
    spin_unlock_irqrestore(&s->lock, flags);
    return rc;
}

/* ---- boot: the kernel's page tables ---- */

/* Copy the loader's mappings of the top 512 GiB (kernel image, boot stack)
 * into s, page by page, keeping their frames and access bits. */
static void copy_kernel_image_mappings(struct vm_space *s, uint64_t loader_pml4)
{
    const uint64_t *pml4 = phys_to_virt(loader_pml4);
    uint64_t e3 = pml4[511];
    if (!(e3 & PTE_P))
        panic("vm: the loader did not map the kernel image");
    const uint64_t *pdpt = phys_to_virt(e3 & PTE_ADDR);
    for (unsigned i2 = 0; i2 < 512; i2++) {
        if (!(pdpt[i2] & PTE_P) || (pdpt[i2] & PTE_PS))
            continue;
        const uint64_t *pd = phys_to_virt(pdpt[i2] & PTE_ADDR);
        for (unsigned i1 = 0; i1 < 512; i1++) {
            if (!(pd[i1] & PTE_P))
                continue;
            uint64_t va = 0xffffff8000000000ULL | (uint64_t)i2 << 30 | (uint64_t)i1 << 21;
            if (pd[i1] & PTE_PS) {
                /* A 2 MiB kernel page: split it so each 4 KiB page can differ later. */
                for (unsigned i0 = 0; i0 < 512; i0++) {
                    uint64_t *pte = pt_walk(s, va + (uint64_t)i0 * PAGE_SIZE, true);
                    if (!pte)
                        panic("vm: out of memory building kernel page tables");
                    *pte = ((pd[i1] & PTE_ADDR) + (uint64_t)i0 * PAGE_SIZE) |
                           (pd[i1] & (PTE_P | PTE_W | PTE_NX));
                }
                continue;
            }
            const uint64_t *pt = phys_to_virt(pd[i1] & PTE_ADDR);
            for (unsigned i0 = 0; i0 < 512; i0++) {
                if (!(pt[i0] & PTE_P))
                    continue;
                uint64_t *pte = pt_walk(s, va + (uint64_t)i0 * PAGE_SIZE, true);
                if (!pte)
                    panic("vm: out of memory building kernel page tables");
                *pte = pt[i0] & (PTE_ADDR | PTE_P | PTE_W | PTE_NX | PTE_PCD | PTE_PWT);
            }
        }
    }
}

/* Map physical [0, size) at the direct map base with 2 MiB pages, RW and NX. */
static void build_direct_map(struct vm_space *s, uint64_t size)
{
    uint64_t *pml4 = phys_to_virt(s->pml4_phys);
    for (uint64_t pa = 0; pa < size; pa += PAGE_2M) {
        uint64_t va = KPIO_DIRECT_MAP_BASE + pa;
        uint64_t *e3 = &pml4[pt_index(va, 3)];
        if (!(*e3 & PTE_P)) {
            uint64_t table = pt_alloc_table();
            if (!table)
                panic("vm: out of memory building the direct map");
            *e3 = table | PTE_P | PTE_W;
        }
        uint64_t *pdpt = phys_to_virt(*e3 & PTE_ADDR);
        uint64_t *e2 = &pdpt[pt_index(va, 2)];
        if (!(*e2 & PTE_P)) {
            uint64_t table = pt_alloc_table();
            if (!table)
                panic("vm: out of memory building the direct map");
            *e2 = table | PTE_P | PTE_W;
        }
        uint64_t *pd = phys_to_virt(*e2 & PTE_ADDR);
        pd[pt_index(va, 1)] = pa | PTE_P | PTE_W | PTE_PS | PTE_NX;
    }
}

void vm_init(const struct kpio_boot_info *bi, uint64_t direct_map_size)
{
    (void)bi;
    struct vm_space *s = &kernel_space;
    memset(s, 0, sizeof *s);
    spin_init(&s->lock, "kernel_space");
    list_init(&s->regions);
    s->is_kernel = true;
    s->region_lo = KERNEL_REGION_BASE;
    s->region_hi = KERNEL_REGION_END;
    s->pml4_phys = pt_alloc_table();
    if (!s->pml4_phys)
        panic("vm: no memory for the kernel PML4");
    build_direct_map(s, direct_map_size);
    copy_kernel_image_mappings(s, read_cr3() & PTE_ADDR);
    /* EFER.NXE was set by the loader; keep write protection for ring 0. */
    write_cr0(read_cr0() | (1ULL << 16));   /* CR0.WP */
    write_cr3(s->pml4_phys);
}

/* Walk every leaf mapping of the kernel half; count pages writable and executable. */
uint64_t vm_audit_wx(void)
{
    struct vm_space *s = &kernel_space;
    uint64_t bad = 0;
    uint64_t flags = spin_lock_irqsave(&s->lock);
    const uint64_t *pml4 = phys_to_virt(s->pml4_phys);
    for (unsigned i3 = 256; i3 < 512; i3++) {
        if (!(pml4[i3] & PTE_P))
            continue;
        const uint64_t *pdpt = phys_to_virt(pml4[i3] & PTE_ADDR);
        for (unsigned i2 = 0; i2 < 512; i2++) {
            uint64_t e2 = pdpt[i2];
            if (!(e2 & PTE_P))
                continue;
            if (e2 & PTE_PS) {
                bad += (e2 & PTE_W) && !(e2 & PTE_NX) ? 512 * 512 : 0;
                continue;
            }
            const uint64_t *pd = phys_to_virt(e2 & PTE_ADDR);
            for (unsigned i1 = 0; i1 < 512; i1++) {
                uint64_t e1 = pd[i1];
                if (!(e1 & PTE_P))
                    continue;
                if (e1 & PTE_PS) {
                    bad += (e1 & PTE_W) && !(e1 & PTE_NX) ? 512 : 0;
                    continue;
                }
                const uint64_t *pt = phys_to_virt(e1 & PTE_ADDR);
                for (unsigned i0 = 0; i0 < 512; i0++) {
                    uint64_t e0 = pt[i0];
                    if ((e0 & PTE_P) && (e0 & PTE_W) && !(e0 & PTE_NX)) {
                        if (bad < 4)
                            log_err("vm: W+X page at %#llx",
                                    (unsigned long long)(0xffff000000000000ULL | (uint64_t)i3 << 39 |
                                                         (uint64_t)i2 << 30 | (uint64_t)i1 << 21 |
                                                         (uint64_t)i0 << 12));
                        bad++;
                    }
                }
            }
        }
    }
    spin_unlock_irqrestore(&s->lock, flags);
    return bad;
}
