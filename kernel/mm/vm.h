/*
 * kernel/mm/vm.h — virtual memory: address spaces, page mappings and
 * reserved regions backed on demand.
 *
 * Layout of the kernel half (every address space shares it):
 *   0xffff800000000000  direct map of physical memory (RW, NX, 2 MiB pages)
 *   0xffffc00000000000  kernel regions: stacks, MMIO, vmalloc, reservations
 *   0xffffffff80000000  kernel image (text RX, rodata R, data RW+NX)
 * The lower half (below 0x0000800000000000) belongs to user address spaces.
 *
 * A region is a range of virtual addresses a subsystem owns. A reservation
 * (vm_reserve) maps nothing up front: the first touch of a page inside its
 * accessible window gets a zeroed frame from the page-fault handler; a touch
 * outside the window (a guard area, or beyond a WebAssembly memory's current
 * size) calls the region's fault callback, which may redirect the faulting
 * thread (to turn the access into a WebAssembly trap) or refuse, making the
 * fault fatal.
 *
 * All functions return 0 or a negative errno; none panics on bad arguments.
 */
#ifndef KPIO_VM_H
#define KPIO_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/list.h"
#include "sched/sched.h"

#define KERNEL_REGION_BASE 0xffffc00000000000ULL
#define KERNEL_REGION_END  0xffffe00000000000ULL
#define USER_SPACE_BASE    0x0000000000010000ULL
#define USER_SPACE_END     0x0000800000000000ULL

/* Protection bits. */
#define VM_READ     0x01u
#define VM_WRITE    0x02u
#define VM_EXEC     0x04u
#define VM_USER     0x08u       /* reachable from ring 3 */
#define VM_UNCACHED 0x10u       /* device memory: PCD|PWT */

struct trap_frame;
struct vm_region;

struct vm_space {
    uint64_t pml4_phys;
    spinlock_t lock;            /* page tables and the region list */
    struct list_node regions;   /* struct vm_region, sorted by start */
    uint64_t region_lo, region_hi;  /* where regions of this space may live */
    bool is_kernel;
    uint64_t resident_pages;    /* pages mapped by demand paging */
    struct list_node link;      /* user spaces: on the list that shares the kernel half */
};

/* The fault callback of a reservation: addr is inside r but outside its
 * accessible window (or a write to a read-only window). Return true if the
 * fault was dealt with (e.g. frame->rip changed to a recovery point); false
 * makes it a fatal kernel fault. Runs in the page-fault handler, interrupts
 * off: it must not sleep or touch unmapped memory. */
typedef bool (*vm_fault_fn)(struct vm_region *r, uint64_t addr, bool write,
                            struct trap_frame *frame);

enum vm_region_kind { VM_REGION_RESERVE, VM_REGION_STACK, VM_REGION_MMIO, VM_REGION_VMALLOC };

struct vm_region {
    struct list_node node;
    struct vm_space *space;
    uint64_t start;             /* first byte */
    uint64_t size;              /* bytes, page multiple */
    uint64_t window_off;        /* accessible window: [start + off, start + off + len) */
    uint64_t window_len;
    unsigned prot;              /* protection of the window */
    enum vm_region_kind kind;
    char name[24];
    vm_fault_fn on_fault;
    void *owner;                /* for the callback */
    uint64_t resident_pages;    /* pages backed right now */
    uint64_t faults;            /* demand faults served */
};

extern struct vm_space kernel_space;

/* ---- page mappings (any space; the caller owns the frames) ---- */

/* Map [va, va+size) to [pa, pa+size); -EEXIST if any page is already mapped
 * (then nothing changes), -ENOMEM, -EINVAL for unaligned or wrong-half ranges. */
int vm_map(struct vm_space *s, uint64_t va, uint64_t pa, uint64_t size, unsigned prot);
/* Remove mappings in [va, va+size) (holes are fine); TLBs are shot down. */
int vm_unmap(struct vm_space *s, uint64_t va, uint64_t size);
/* Change the protection of every mapped page in the range. */
int vm_protect(struct vm_space *s, uint64_t va, uint64_t size, unsigned prot);
/* Physical address and protection behind va; -ENOENT if unmapped. */
int vm_translate(struct vm_space *s, uint64_t va, uint64_t *pa, unsigned *prot);

/* ---- regions ---- */

/* Reserve size bytes (rounded up to pages) of address space in s, nothing
 * mapped. The accessible window starts empty: see vm_region_set_window. */
struct vm_region *vm_reserve(struct vm_space *s, const char *name, uint64_t size,
                             vm_fault_fn on_fault, void *owner);
/* Make [start + off, start + off + len) accessible with prot, backed on
 * demand; pages that leave the window are unmapped and freed, pages that stay
 * take the new protection. */
int vm_region_set_window(struct vm_region *r, uint64_t off, uint64_t len, unsigned prot);
/* Back the pages of [off, off+len) (inside the window) now instead of on first touch. */
int vm_region_populate(struct vm_region *r, uint64_t off, uint64_t len);
/* Unmap and free everything in the region and give back its addresses. */
void vm_release(struct vm_region *r);
/* The offset of the first page of r at or after off that is backed right
 * now, or r->size if there is none (to visit resident pages without
 * touching the others). */
uint64_t vm_region_next_resident(struct vm_region *r, uint64_t off);
/* The region of s containing va, or NULL. */
struct vm_region *vm_region_find(struct vm_space *s, uint64_t va);

/* ---- kernel conveniences ---- */

/* Device registers: an uncached mapping of [phys, phys+size); NULL on failure. */
void *mmio_map(uint64_t phys, uint64_t size);
void mmio_unmap(void *va);
/* Virtually contiguous, page-backed, zeroed kernel memory (for buffers too
 * big for kmalloc); guard pages around it. */
void *vmalloc(uint64_t size);
void vfree(void *va);

/* Kernel stacks: size bytes mapped RW+NX below an unmapped guard area; returns
 * the lowest address (the stack top is base + size) or 0. */
uint64_t kstack_alloc(uint64_t size);
void kstack_free(uint64_t base, uint64_t size);
/* If addr is in the guard area of a kernel stack, return that stack's region. */
struct vm_region *kstack_guard_hit(uint64_t addr);

/* ---- user address spaces (for later ring-3 processes) ---- */
struct vm_space *vm_space_create(void);
void vm_space_destroy(struct vm_space *s);
void vm_space_activate(struct vm_space *s);

/* ---- page faults ---- */
/* Page-fault handler (vector 14): demand paging and reservation callbacks. */
bool vm_page_fault(struct trap_frame *frame);

/* Boot: build the kernel page tables (direct map, kernel image with W^X) and
 * switch to them. Called by mm_init. */
struct kpio_boot_info;
void vm_init(const struct kpio_boot_info *bi, uint64_t direct_map_size);
/* Check that no kernel mapping is writable and executable; returns the number
 * of offending pages (0 is good), logging the first few. */
uint64_t vm_audit_wx(void);

#endif
