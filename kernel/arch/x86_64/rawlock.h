/*
 * kernel/arch/x86_64/rawlock.h — the simplest IRQ-safe spinlock, for the few
 * places that must work before the scheduler and per-CPU data exist and in
 * panic paths (console, log). Everything else uses spinlock_t (sched.h).
 */
#ifndef KPIO_RAWLOCK_H
#define KPIO_RAWLOCK_H

#include <stdint.h>
#include "arch/x86_64/cpu.h"

typedef struct {
    volatile uint32_t locked;
} rawlock_t;

#define RAWLOCK_INIT { 0 }

/* Disable interrupts, take the lock; returns the RFLAGS to restore. */
static inline uint64_t rawlock_acquire(rawlock_t *l)
{
    uint64_t flags = irq_save();
    while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE)) {
        while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
            cpu_pause();
    }
    return flags;
}

static inline void rawlock_release(rawlock_t *l, uint64_t flags)
{
    __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
    irq_restore(flags);
}

#endif
