/*
 * kernel/arch/x86_64/percpu.h — per-CPU data. Each CPU's GS base points at its
 * struct cpu, whose first word points at itself, so this_cpu() is one load.
 * IA32_GS_BASE is written by percpu_install(); ring-3 entries swap it in.
 */
#ifndef KPIO_PERCPU_H
#define KPIO_PERCPU_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/x86_64/arch.h"
#include "lib/list.h"
#include "sched/sched.h"

#define MAX_CPUS ARCH_MAX_CPUS
#define SCHED_PRIORITIES 4

struct thread;
struct vm_space;

/* kmalloc's per-CPU stack of free objects for one size class (kmalloc.c). */
#define KMALLOC_MAG_SIZE 16
#define KMALLOC_MAG_CLASSES 15      /* KHEAP_CLASSES */
struct kmalloc_mag {
    volatile uint32_t lock;         /* taken by its CPU, or by a drain from another */
    uint32_t n;
    void *obj[KMALLOC_MAG_SIZE];
};

/* A CPU's run queue: one FIFO per priority (sched.c). */
struct runqueue {
    spinlock_t lock;
    struct list_node ready[SCHED_PRIORITIES];
    unsigned nr_ready;              /* threads on the lists (not the running one) */
    struct list_node sleepers;      /* threads with a wake-up deadline, earliest first */
};

struct cpu {
    struct cpu *self;               /* gs:0 */
    struct thread *current;         /* gs:8 */
    unsigned id;                    /* 0 = the boot CPU; index into cpus[] */
    uint32_t apic_id;
    volatile bool online;
    int preempt_count;              /* >0: no preemption on this CPU */
    volatile bool need_resched;
    volatile bool polling;          /* idle and watching its run queue: no IPI needed */
    bool in_irq;
    struct thread *idle;
    struct runqueue rq;
    uint64_t timer_deadline_ns;     /* when the LAPIC timer is set to fire, 0 = off */
    uint64_t slice_end_ns;          /* end of the current thread's time slice */

    /* Statistics for `cpus` and tests. */
    uint64_t context_switches;
    uint64_t timer_irqs;
    uint64_t idle_ns;               /* time spent in the idle thread */
    uint64_t idle_since_ns;
    uint64_t irqs;
    uint64_t tlb_shootdowns;        /* requests served */

    struct vm_space *space;         /* active user address space, NULL = kernel only */
    /* TLB shootdown request for this CPU (tlb.c). */
    volatile uint32_t tlb_pending;
    struct kmalloc_mag kmalloc_mags[KMALLOC_MAG_CLASSES];
    /* Order-0 frames kept for quick reuse on this CPU (mm_init.c). */
    uint64_t frame_cache[32];
    unsigned frames_cached;
    /* Stacks for the IST slots (double fault, NMI, machine check). */
    uint64_t ist_top[ARCH_IST_COUNT];
};

extern struct cpu *cpus[MAX_CPUS];  /* by CPU number; NULL past cpu_count */
extern unsigned cpu_count;          /* CPUs found in the MADT and started */

static inline struct cpu *this_cpu(void)
{
    struct cpu *c;
    __asm__ volatile("movq %%gs:0, %0" : "=r"(c));
    return c;
}

static inline unsigned this_cpu_id(void) { return this_cpu()->id; }

/* Point GS at c on the calling CPU. */
void percpu_install(struct cpu *c);

#endif
