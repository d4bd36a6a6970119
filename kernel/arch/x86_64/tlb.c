/*
 * kernel/arch/x86_64/tlb.c — TLB shootdown (Intel SDM vol. 3A §4.10.5): after
 * a mapping loses rights or disappears, every other CPU invalidates it too,
 * by IPI, and the initiator waits for all of them. One request at a time;
 * CPUs waiting for the request lock (or any spinlock) serve requests meant
 * for them, so two CPUs shooting at each other cannot deadlock.
 */
#include "lib/lib.h"
#include "mm/paging.h"
#include "mm/mm.h"
#include "sched/thread.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/trap.h"

#define FULL_FLUSH_PAGES 32     /* beyond this, reload CR3 instead of INVLPG */

static struct {
    volatile uint32_t locked;
    uint64_t start;
    uint64_t pages;
    volatile uint32_t pending;  /* CPUs that still have to acknowledge */
} request;

uint64_t tlb_shootdowns_sent;

static void flush_local(uint64_t start, uint64_t pages)
{
    if (pages > FULL_FLUSH_PAGES) {
        write_cr3(read_cr3());
        return;
    }
    for (uint64_t i = 0; i < pages; i++)
        invlpg(start + i * PAGE_SIZE);
}

void tlb_poll(void)
{
    struct cpu *c = this_cpu();
    if (!__atomic_load_n(&c->tlb_pending, __ATOMIC_ACQUIRE))
        return;
    __atomic_store_n(&c->tlb_pending, 0, __ATOMIC_RELAXED);
    flush_local(request.start, request.pages);
    c->tlb_shootdowns++;
    __atomic_fetch_sub(&request.pending, 1, __ATOMIC_RELEASE);
}

static bool tlb_trap(struct trap_frame *frame)
{
    (void)frame;
    tlb_poll();
    lapic_eoi();
    return true;
}

void tlb_shootdown(struct vm_space *s, uint64_t va, uint64_t pages)
{
    (void)s;    /* one shared kernel half: every CPU may cache any space's kernel part */
    if (!pages)
        return;
    flush_local(va, pages);
    if (cpus_online() <= 1)
        return;
    preempt_disable();
    struct cpu *self = this_cpu();
    while (__atomic_exchange_n(&request.locked, 1, __ATOMIC_ACQUIRE)) {
        cpu_pause();
        tlb_poll();
    }
    request.start = va;
    request.pages = pages;
    struct cpu *targets[MAX_CPUS];
    uint32_t n = 0;
    for (unsigned i = 0; i < cpu_count; i++)
        if (cpus[i] && cpus[i] != self && __atomic_load_n(&cpus[i]->online, __ATOMIC_ACQUIRE))
            targets[n++] = cpus[i];
    __atomic_store_n(&request.pending, n, __ATOMIC_RELEASE);
    for (uint32_t i = 0; i < n; i++) {
        __atomic_store_n(&targets[i]->tlb_pending, 1, __ATOMIC_RELEASE);
        lapic_send_ipi(targets[i]->apic_id, VEC_TLB);
    }
    while (__atomic_load_n(&request.pending, __ATOMIC_ACQUIRE)) {
        cpu_pause();
        tlb_poll();
    }
    tlb_shootdowns_sent++;
    __atomic_store_n(&request.locked, 0, __ATOMIC_RELEASE);
    preempt_enable();
}

void tlb_init(void) { trap_set_handler(VEC_TLB, tlb_trap); }
