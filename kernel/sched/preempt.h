/*
 * kernel/sched/preempt.h — preemption control, inline: spinlocks and the
 * kmalloc caches use it on every call, and under QEMU's TCG a function call
 * and return cost more than the work. Each operation is one instruction on
 * this CPU's struct cpu (GS-relative), so an interrupt cannot split it.
 */
#ifndef KPIO_PREEMPT_H
#define KPIO_PREEMPT_H

#include <stdbool.h>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"

extern bool sched_percpu_ready;     /* GS points at per-CPU data */
extern bool sched_running;          /* threads are being scheduled */

/* Reschedule if this CPU was asked to and it is allowed here (sched.c). */
void preempt_resched(void);

#define PREEMPT_COUNT_OFFSET __builtin_offsetof(struct cpu, preempt_count)
#define NEED_RESCHED_OFFSET  __builtin_offsetof(struct cpu, need_resched)

static inline void preempt_disable(void)
{
    if (sched_percpu_ready)
        __asm__ volatile("incl %%gs:%c0" : : "i"(PREEMPT_COUNT_OFFSET) : "memory");
}

static inline void preempt_enable_no_resched(void)
{
    if (sched_percpu_ready)
        __asm__ volatile("decl %%gs:%c0" : : "i"(PREEMPT_COUNT_OFFSET) : "memory");
}

static inline bool preempt_enabled(void)
{
    if (!sched_percpu_ready)
        return false;
    int count;
    __asm__ volatile("movl %%gs:%c1, %0" : "=r"(count) : "i"(PREEMPT_COUNT_OFFSET));
    return count == 0;
}

/* Reschedule now if asked to; the common case (not asked) is one load. If an
 * interrupt sets the flag right after, its own exit path reschedules. */
static inline void preempt_check(void)
{
    if (!sched_running)
        return;
    bool asked;
    __asm__ volatile("movb %%gs:%c1, %0" : "=q"(asked) : "i"(NEED_RESCHED_OFFSET));
    if (asked)
        preempt_resched();
}

static inline void preempt_enable(void)
{
    preempt_enable_no_resched();
    preempt_check();
}

#endif
