/*
 * kernel/sched/sched_internal.h — glue between the files of kernel/sched.
 */
#ifndef KPIO_SCHED_INTERNAL_H
#define KPIO_SCHED_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include "sched/thread.h"

extern bool sched_percpu_ready;     /* GS points at per-CPU data */
extern bool sched_running;          /* threads are being scheduled */

/* sched.c */
void sched_early_init(void);
void finish_switch(struct thread *last);
_Noreturn void sched_idle_loop(void);
void sched_enqueue_new(struct thread *t);
void sched_yield_current(void);
enum wake_reason sched_sleep_until(uint64_t deadline_ns);
bool sched_wake_timeout(struct thread *t);

/* thread.c */
void thread_subsystem_init(void);
struct thread *thread_alloc_struct(const char *name);
/* An idle thread: a stack and an entry like any thread, never queued. */
struct thread *thread_create_idle(const char *name, void (*fn)(void *), const struct thread_opts *opts);
void thread_register(struct thread *t);
/* Called by finish_switch for a dead thread: true if the reaper frees it. */
bool reaper_should_take(struct thread *t);
void reaper_wake(void);
void reaper_start(void);

/* ktimer.c */
void ktimer_start(void);

#endif
