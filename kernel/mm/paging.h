/*
 * kernel/mm/paging.h — x86-64 4-level page tables (Intel SDM vol. 3A §4.5),
 * private to kernel/mm. Levels: 3 = PML4, 2 = PDPT, 1 = PD, 0 = PT.
 */
#ifndef KPIO_PAGING_H
#define KPIO_PAGING_H

#include <stdbool.h>
#include <stdint.h>
#include "mm/vm.h"

#define PTE_P        (1ULL << 0)
#define PTE_W        (1ULL << 1)
#define PTE_U        (1ULL << 2)
#define PTE_PWT      (1ULL << 3)
#define PTE_PCD      (1ULL << 4)
#define PTE_A        (1ULL << 5)
#define PTE_D        (1ULL << 6)
#define PTE_PS       (1ULL << 7)     /* 2 MiB / 1 GiB page at PD / PDPT level */
#define PTE_G        (1ULL << 8)
#define PTE_PROTNONE (1ULL << 9)     /* software: frame kept, access removed */
#define PTE_NX       (1ULL << 63)
#define PTE_ADDR     0x000ffffffffff000ULL

#define PAGE_2M      (2ULL << 20)
#define PAGE_1G      (1ULL << 30)

static inline unsigned pt_index(uint64_t va, int level) { return (unsigned)(va >> (12 + 9 * level)) & 511; }
static inline bool va_is_kernel(uint64_t va) { return va >= 0xffff800000000000ULL; }
static inline bool va_is_canonical(uint64_t va)
{
    return va < 0x0000800000000000ULL || va >= 0xffff800000000000ULL;
}

/* PTE bits for a VM_* protection (present unless prot has no access bits). */
uint64_t pte_bits(unsigned prot);
/* VM_* protection of a leaf PTE. */
unsigned pte_prot(uint64_t pte);

/* The PT entry for va in s, creating tables if create; NULL if a table is
 * missing (create false), memory ran out, or a large page covers va.
 * s->lock held. */
uint64_t *pt_walk(struct vm_space *s, uint64_t va, bool create);

/* Invalidate [va, va + pages*4K) on every CPU that may cache s. */
void tlb_shootdown(struct vm_space *s, uint64_t va, uint64_t pages);
/* Serve this CPU's pending shootdown request, if any (IPI handler, spin loops). */
void tlb_poll(void);

/* Add (true) or remove a user space from the list that gets kernel-half
 * PML4 entries; adding copies the current ones. */
void vm_space_link(struct vm_space *s, bool add);

/* Allocate a zeroed page-table page; returns its physical address or 0. */
uint64_t pt_alloc_table(void);

#endif
