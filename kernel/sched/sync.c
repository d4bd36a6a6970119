/*
 * kernel/sched/sync.c — spinlocks, mutexes, semaphores and condition
 * variables (sched.h).
 *
 * Sleeping locks keep their waiters (struct waiter, on each waiting thread's
 * stack) on a list under their own spinlock. A waker takes the first waiter
 * off the list, marks it woken and makes its thread runnable; the woken
 * thread re-checks its condition, so a wake-up is never lost and a thread
 * that timed out at the same moment just takes what is there.
 */
#include "lib/lib.h"
#include "core/log.h"
#include "core/time.h"
#include "sched/thread.h"
#include "sched/sched_internal.h"
#include "mm/paging.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"

/* ---- spinlocks ---- */

static inline int cpu_id_or_none(void) { return sched_percpu_ready ? (int)this_cpu()->id : -1; }

void spin_init(spinlock_t *lock, const char *name)
{
    lock->locked = 0;
    lock->cpu = -1;
    lock->name = name;
}

void spin_lock(spinlock_t *lock)
{
    preempt_disable();
    int me = cpu_id_or_none();
    if (me >= 0 && lock->locked && lock->cpu == me)
        panic("spinlock %s: taken twice on CPU %d", lock->name ? lock->name : "?", me);
    while (__atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE)) {
        while (__atomic_load_n(&lock->locked, __ATOMIC_RELAXED)) {
            cpu_pause();
            /* Serve TLB shootdowns while spinning: the lock holder may be
             * waiting for this CPU's acknowledgement. */
            if (sched_percpu_ready)
                tlb_poll();
        }
    }
    lock->cpu = me;
}

void spin_unlock(spinlock_t *lock)
{
    lock->cpu = -1;
    __atomic_store_n(&lock->locked, 0, __ATOMIC_RELEASE);
    preempt_enable();
}

uint64_t spin_lock_irqsave(spinlock_t *lock)
{
    uint64_t flags = irq_save();
    spin_lock(lock);
    return flags;
}

void spin_unlock_irqrestore(spinlock_t *lock, uint64_t flags)
{
    lock->cpu = -1;
    __atomic_store_n(&lock->locked, 0, __ATOMIC_RELEASE);
    preempt_enable_no_resched();
    irq_restore(flags);
    preempt_check();
}

/* ---- waiter lists ---- */

bool waiters_wake_one(struct list_node *waiters)
{
    if (list_empty(waiters))
        return false;
    /* The waiter lives on its thread's stack; that thread cannot return
     * from wait_on() before we drop the list's lock. */
    struct waiter *w = list_entry(waiters->next, struct waiter, node);
    struct thread *t = w->thread;
    list_remove(&w->node);
    w->woken = true;
    sched_wake(t);      /* false if it already woke by timeout: it sees `woken` */
    return true;
}

unsigned waiters_wake_all(struct list_node *waiters)
{
    unsigned n = 0;
    while (waiters_wake_one(waiters))
        n++;
    return n;
}

/* Queue the current thread on `waiters` and block until woken or the
 * deadline (0 = none). `lock` is held (taken with irqsave) and held again on
 * return. Returns true if woken by a waker, false on timeout. */
static bool wait_on(struct list_node *waiters, spinlock_t *lock, uint64_t deadline)
{
    struct waiter w = { .thread = thread_current(), .woken = false };
    list_push_back(waiters, &w.node);
    sched_block(lock, deadline);
    spin_lock(lock);
    if (!w.woken)
        list_remove(&w.node);
    return w.woken;
}

/* Blocking is a bug with interrupts off (flags: the caller's RFLAGS before
 * it took the object's lock) or with another spinlock held (the object's own
 * lock accounts for one level of preempt count). */
static void check_may_sleep(const char *what, uint64_t flags)
{
    if (!sched_running)
        return;
    bool irqs_were_on = flags & RFLAGS_IF;
    if (!irqs_were_on || this_cpu()->preempt_count > 1)
        panic("%s: may sleep, called with %s", what,
              !irqs_were_on ? "interrupts off" : "a spinlock held");
}

/* ---- mutexes ---- */

void mutex_init(struct mutex *m, const char *name)
{
    spin_init(&m->lock, name);
    m->owner = NULL;
    list_init(&m->waiters);
    m->name = name;
}

void mutex_lock(struct mutex *m)
{
    struct thread *self = thread_current();
    uint64_t flags = spin_lock_irqsave(&m->lock);
    if (m->owner == self && self)
        panic("mutex %s: locked twice by thread %s", m->name ? m->name : "?", self->name);
    if (m->owner)
        check_may_sleep("mutex_lock", flags);
    while (m->owner)
        wait_on(&m->waiters, &m->lock, 0);
    m->owner = self;
    spin_unlock_irqrestore(&m->lock, flags);
}

bool mutex_trylock(struct mutex *m)
{
    uint64_t flags = spin_lock_irqsave(&m->lock);
    bool got = m->owner == NULL;
    if (got)
        m->owner = thread_current();
    spin_unlock_irqrestore(&m->lock, flags);
    return got;
}

void mutex_unlock(struct mutex *m)
{
    uint64_t flags = spin_lock_irqsave(&m->lock);
    if (m->owner != thread_current())
        panic("mutex %s: unlocked by a thread that does not own it", m->name ? m->name : "?");
    m->owner = NULL;
    waiters_wake_one(&m->waiters);
    spin_unlock_irqrestore(&m->lock, flags);
}

/* ---- semaphores ---- */

void sem_init(struct semaphore *s, int64_t count)
{
    spin_init(&s->lock, "semaphore");
    s->count = count;
    list_init(&s->waiters);
}

void sem_down(struct semaphore *s)
{
    uint64_t flags = spin_lock_irqsave(&s->lock);
    if (s->count <= 0)
        check_may_sleep("sem_down", flags);
    while (s->count <= 0)
        wait_on(&s->waiters, &s->lock, 0);
    s->count--;
    spin_unlock_irqrestore(&s->lock, flags);
}

bool sem_down_timeout(struct semaphore *s, uint64_t timeout_ns)
{
    uint64_t deadline = time_ns() + timeout_ns;
    uint64_t flags = spin_lock_irqsave(&s->lock);
    if (s->count <= 0 && timeout_ns)
        check_may_sleep("sem_down_timeout", flags);
    while (s->count <= 0 && time_ns() < deadline)
        wait_on(&s->waiters, &s->lock, deadline);
    bool got = s->count > 0;
    if (got)
        s->count--;
    spin_unlock_irqrestore(&s->lock, flags);
    return got;
}

void sem_up(struct semaphore *s)
{
    uint64_t flags = spin_lock_irqsave(&s->lock);
    s->count++;
    waiters_wake_one(&s->waiters);
    spin_unlock_irqrestore(&s->lock, flags);
}

/* ---- condition variables ---- */

void cond_init(struct condvar *c)
{
    spin_init(&c->lock, "condvar");
    list_init(&c->waiters);
}

/* Wait on c with m held; deadline 0 = none. True unless the deadline passed. */
static bool cond_wait_until(struct condvar *c, struct mutex *m, uint64_t deadline)
{
    uint64_t flags = spin_lock_irqsave(&c->lock);
    check_may_sleep("cond_wait", flags);
    struct waiter w = { .thread = thread_current(), .woken = false };
    list_push_back(&c->waiters, &w.node);
    /* Release m while holding c->lock, so a signal between the two cannot
     * be missed (the signaller needs c->lock to find us). */
    mutex_unlock(m);
    sched_block(&c->lock, deadline);
    spin_lock(&c->lock);
    if (!w.woken)
        list_remove(&w.node);
    spin_unlock_irqrestore(&c->lock, flags);
    mutex_lock(m);
    return w.woken;
}

void cond_wait(struct condvar *c, struct mutex *m) { cond_wait_until(c, m, 0); }

bool cond_wait_timeout(struct condvar *c, struct mutex *m, uint64_t timeout_ns)
{
    return cond_wait_until(c, m, time_ns() + (timeout_ns ? timeout_ns : 1));
}

void cond_signal(struct condvar *c)
{
    uint64_t flags = spin_lock_irqsave(&c->lock);
    waiters_wake_one(&c->waiters);
    spin_unlock_irqrestore(&c->lock, flags);
}

void cond_broadcast(struct condvar *c)
{
    uint64_t flags = spin_lock_irqsave(&c->lock);
    waiters_wake_all(&c->waiters);
    spin_unlock_irqrestore(&c->lock, flags);
}
