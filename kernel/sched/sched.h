/*
 * kernel/sched/sched.h — threads, locks and timers.
 *
 * This header is the contract used by every kernel subsystem. Portable kernel
 * code (fs/, net/) is also unit-tested on the host, where tests/unit/kshim/
 * provides a header of the same name and the same functions over pthreads.
 *
 * Rules: spinlocks protect short sections and may be taken in IRQ handlers
 * (use the _irqsave forms there); mutexes, semaphores and condition variables
 * may sleep and are for thread context only.
 */
#ifndef KPIO_SCHED_H
#define KPIO_SCHED_H

#include <stdbool.h>
#include <stdint.h>
#include "lib/list.h"

struct thread;

/* ---- spinlocks ---- */
typedef struct spinlock {
    volatile uint32_t locked;
    int32_t cpu;            /* owner, for debugging; -1 when free */
    const char *name;
} spinlock_t;

#define SPINLOCK_INIT(n) { 0, -1, (n) }
void spin_init(spinlock_t *lock, const char *name);
void spin_lock(spinlock_t *lock);
void spin_unlock(spinlock_t *lock);
uint64_t spin_lock_irqsave(spinlock_t *lock);           /* returns saved RFLAGS */
void spin_unlock_irqrestore(spinlock_t *lock, uint64_t flags);

/* ---- sleeping locks ---- */
struct mutex {
    spinlock_t lock;
    struct thread *owner;
    struct list_node waiters;
    const char *name;
};
void mutex_init(struct mutex *m, const char *name);
void mutex_lock(struct mutex *m);
bool mutex_trylock(struct mutex *m);
void mutex_unlock(struct mutex *m);

struct semaphore {
    spinlock_t lock;
    int64_t count;
    struct list_node waiters;
};
void sem_init(struct semaphore *s, int64_t count);
void sem_down(struct semaphore *s);
bool sem_down_timeout(struct semaphore *s, uint64_t timeout_ns);   /* false on timeout */
void sem_up(struct semaphore *s);

struct condvar {
    spinlock_t lock;
    struct list_node waiters;
};
void cond_init(struct condvar *c);
void cond_wait(struct condvar *c, struct mutex *m);
bool cond_wait_timeout(struct condvar *c, struct mutex *m, uint64_t timeout_ns);  /* false on timeout */
void cond_signal(struct condvar *c);
void cond_broadcast(struct condvar *c);

/* ---- threads ---- */
enum thread_priority { PRIO_IDLE = 0, PRIO_LOW = 1, PRIO_NORMAL = 2, PRIO_HIGH = 3 };

/* Create a runnable kernel thread; NULL if out of memory. */
struct thread *thread_create(const char *name, void (*fn)(void *), void *arg, int priority);
/* Wait for t to exit and free it; returns its exit code. Each thread is joined once. */
int thread_join(struct thread *t);
/* Mark t as never joined: it frees itself when it exits. */
void thread_detach(struct thread *t);
_Noreturn void thread_exit(int code);
void thread_yield(void);
void thread_sleep_ns(uint64_t ns);
struct thread *thread_current(void);

/* ---- timers: fn(arg) runs once in thread context (a timer thread) at or
 *      after the deadline; it may take mutexes but must not block for long. ---- */
struct ktimer {
    struct list_node node;
    uint64_t deadline_ns;   /* time_ns() clock */
    void (*fn)(void *arg);
    void *arg;
    bool armed;
};
void timer_init(struct ktimer *t, void (*fn)(void *), void *arg);
void timer_arm(struct ktimer *t, uint64_t deadline_ns);   /* re-arms if armed */
bool timer_cancel(struct ktimer *t);                       /* true if it was pending */

#endif
