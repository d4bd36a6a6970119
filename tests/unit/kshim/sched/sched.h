/*
 * tests/unit/kshim/sched/sched.h — the host's stand-in for kernel/sched/sched.h.
 * Same functions, built on pthreads, so that portable kernel code (fs/, net/)
 * runs in host unit tests and fuzzers. Keep it in step with the kernel header.
 */
#ifndef KPIO_SCHED_H
#define KPIO_SCHED_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include "lib/list.h"

struct thread;

typedef struct spinlock {
    pthread_mutex_t m;
} spinlock_t;
#define SPINLOCK_INIT(n) { PTHREAD_MUTEX_INITIALIZER }
void spin_init(spinlock_t *lock, const char *name);
void spin_lock(spinlock_t *lock);
void spin_unlock(spinlock_t *lock);
uint64_t spin_lock_irqsave(spinlock_t *lock);
void spin_unlock_irqrestore(spinlock_t *lock, uint64_t flags);

struct mutex {
    pthread_mutex_t m;
};
void mutex_init(struct mutex *m, const char *name);
void mutex_lock(struct mutex *m);
bool mutex_trylock(struct mutex *m);
void mutex_unlock(struct mutex *m);

struct semaphore {
    pthread_mutex_t m;
    pthread_cond_t c;
    int64_t count;
};
void sem_init(struct semaphore *s, int64_t count);
void sem_down(struct semaphore *s);
bool sem_down_timeout(struct semaphore *s, uint64_t timeout_ns);
void sem_up(struct semaphore *s);

struct condvar {
    pthread_cond_t c;
};
void cond_init(struct condvar *c);
void cond_wait(struct condvar *c, struct mutex *m);
bool cond_wait_timeout(struct condvar *c, struct mutex *m, uint64_t timeout_ns);
void cond_signal(struct condvar *c);
void cond_broadcast(struct condvar *c);

enum thread_priority { PRIO_IDLE = 0, PRIO_LOW = 1, PRIO_NORMAL = 2, PRIO_HIGH = 3 };
struct thread *thread_create(const char *name, void (*fn)(void *), void *arg, int priority);
int thread_join(struct thread *t);
void thread_detach(struct thread *t);
_Noreturn void thread_exit(int code);
void thread_yield(void);
void thread_sleep_ns(uint64_t ns);
struct thread *thread_current(void);

struct ktimer {
    struct list_node node;
    uint64_t deadline_ns;
    void (*fn)(void *arg);
    void *arg;
    bool armed;
};
void timer_init(struct ktimer *t, void (*fn)(void *), void *arg);
void timer_arm(struct ktimer *t, uint64_t deadline_ns);
bool timer_cancel(struct ktimer *t);

#endif
