/*
 * kernel/arch/x86_64/smp_call.c — run a function on every other CPU, in its
 * interrupt handler (VEC_CALL), and wait until all have run it. For work that
 * only a CPU may do to its own data, such as emptying its per-CPU caches.
 * One request at a time; a CPU waiting to make a request serves the current
 * one meanwhile, so two CPUs calling each other cannot deadlock.
 */
#include "arch/x86_64/smp.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/trap.h"
#include "sched/thread.h"

static struct {
    volatile uint32_t locked;
    void (*fn)(void);
    volatile uint64_t pending;      /* CPUs (bit per id) that have not run fn yet */
} call;

/* Run the current request if this CPU still owes it (interrupts off). */
static void serve(void)
{
    uint64_t bit = 1ULL << this_cpu_id();
    if (__atomic_load_n(&call.pending, __ATOMIC_ACQUIRE) & bit) {
        call.fn();
        __atomic_and_fetch(&call.pending, ~bit, __ATOMIC_RELEASE);
    }
}

static bool call_trap(struct trap_frame *frame)
{
    (void)frame;
    serve();
    lapic_eoi();
    return true;
}

void smp_call_init(void) { trap_set_handler(VEC_CALL, call_trap); }

void smp_call_others(void (*fn)(void))
{
    if (cpus_online() <= 1)
        return;
    preempt_disable();
    while (__atomic_exchange_n(&call.locked, 1, __ATOMIC_ACQUIRE)) {
        cpu_pause();
        uint64_t flags = irq_save();
        serve();
        irq_restore(flags);
    }
    struct cpu *self = this_cpu();
    uint64_t targets = 0;
    for (unsigned i = 0; i < cpu_count; i++)
        if (cpus[i] && cpus[i] != self && __atomic_load_n(&cpus[i]->online, __ATOMIC_ACQUIRE))
            targets |= 1ULL << i;
    call.fn = fn;
    __atomic_store_n(&call.pending, targets, __ATOMIC_RELEASE);
    for (unsigned i = 0; i < cpu_count; i++)
        if (targets & (1ULL << i))
            lapic_send_ipi(cpus[i]->apic_id, VEC_CALL);
    while (__atomic_load_n(&call.pending, __ATOMIC_ACQUIRE))
        cpu_pause();
    __atomic_store_n(&call.locked, 0, __ATOMIC_RELEASE);
    preempt_enable();
}
