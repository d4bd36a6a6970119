/*
 * kernel/sched/thread.h — the thread structure and the scheduler's internal
 * interface (for kernel/sched, the arch code, the monitor and tests; other
 * subsystems use sched.h).
 */
#ifndef KPIO_THREAD_H
#define KPIO_THREAD_H

#include <stdbool.h>
#include <stdint.h>
#include "lib/list.h"
#include "sched/sched.h"
#include "sched/preempt.h"

struct cpu;
struct vm_space;
struct trap_frame;

enum thread_state {
    THREAD_RUNNING = 0,     /* on a CPU right now */
    THREAD_READY = 1,       /* on a run queue */
    THREAD_BLOCKED = 2,     /* waiting (maybe with a deadline) */
    THREAD_DEAD = 3,        /* exited; waiting to be joined or reaped */
};

enum wake_reason { WAKE_NONE = 0, WAKE_SIGNALED = 1, WAKE_TIMEOUT = 2 };

#define THREAD_NAME_MAX     24
#define THREAD_STACK_DEFAULT (16ULL << 10)
#define THREAD_KILLED       (-14)       /* exit code of a thread killed by a fault (-EFAULT) */

struct thread {
    uint64_t rsp;                   /* saved stack pointer: switch.S relies on offset 0 */
    void *fpu;                      /* XSAVE area */
    struct cpu *cpu;                /* the CPU whose run queue holds it, or that runs it */
    volatile int on_cpu;            /* 1 until its CPU has fully switched away from it */
    enum thread_state state;
    enum wake_reason wake_reason;
    int priority;
    int pinned_cpu;                 /* -1: may run anywhere */
    int tid;
    char name[THREAD_NAME_MAX];

    struct list_node rq_node;       /* run queue */
    struct list_node sleep_node;    /* cpu->rq.sleepers while a deadline is armed */
    uint64_t wake_at_ns;
    struct list_node all_node;      /* every thread, for `threads` */

    void (*fn)(void *);
    void *arg;
    int exit_code;
    bool exited;
    bool detached;
    bool joined;
    bool reap_on_exit;              /* set by thread_exit under lock: detached, the reaper frees it */
    spinlock_t lock;                /* exited, joiners */
    struct list_node joiners;       /* struct waiter */

    uint64_t stack_base;            /* lowest address of the stack (guard below it) */
    uint64_t stack_size;
    struct vm_space *space;         /* user address space, NULL for kernel threads */

    /* WebAssembly apps (kernel/app): the runtime's per-thread slot
     * (wasm_plat_thread_slot) and the app thread this kernel thread runs;
     * NULL in other threads. */
    void *wasm_slot;
    void *app_thread;

    uint64_t created_ns;
    uint64_t run_ns;                /* time on a CPU */
    uint64_t switched_in_ns;
    uint64_t switches;
    unsigned last_cpu;
};

/* A thread waiting on something; lives on the waiting thread's stack. */
struct waiter {
    struct list_node node;
    struct thread *thread;
    bool woken;
};

struct thread_opts {
    uint64_t stack_size;            /* 0: THREAD_STACK_DEFAULT */
    int cpu;                        /* >= 0: run only on this CPU (it must be online) */
};

/* thread_create with options (stack size, CPU pinning); NULL if out of
 * memory or the CPU is not online. */
struct thread *thread_create_opts(const char *name, void (*fn)(void *), void *arg, int priority,
                                  const struct thread_opts *opts);

/* ---- scheduler internals ---- */

/* Boot CPU, after mm, interrupts and clocks: per-CPU data, the FPU, the
 * LAPIC timer rate; the code running now becomes the thread "main", CPU 0
 * gets its idle thread, the reaper and ktimerd start, interrupts go on. */
void sched_init(void);
/* An AP's entry into the scheduler (after its tables, APIC and FPU are set
 * up): it becomes the idle thread of CPU `cpu`. Never returns. */
_Noreturn void sched_ap_start(unsigned cpu);
/* Allocate and register per-CPU data for AP number cpu (its stack is set up by smp.c). */
struct cpu *sched_cpu_alloc(unsigned cpu, uint32_t apic_id);

/* Block the current thread. Interrupts must be off and `held` (if not NULL)
 * locked by the caller: it is released once the thread is marked blocked.
 * With deadline_ns != 0 the thread also wakes at that time_ns(). Returns the
 * wake reason; interrupts are still off and `held` is not locked on return. */
enum wake_reason sched_block(spinlock_t *held, uint64_t deadline_ns);
/* Make a blocked thread runnable; false if it was not blocked. Any context. */
bool sched_wake(struct thread *t);

/* Switch to the best runnable thread (interrupts off, preempt count 0). */
void schedule(void);
/* Timer interrupt work: wake sleepers, end time slices, re-arm the timer. */
void sched_timer_irq(void);
/* Interrupt exit: preempt the current thread if asked to. */
void sched_irq_exit(struct trap_frame *frame);


/* The waiter list helpers: wake one / all; called with the list's lock held. */
bool waiters_wake_one(struct list_node *waiters);
unsigned waiters_wake_all(struct list_node *waiters);

/* Visit every thread (for `threads`); fn runs with the thread list locked. */
void sched_for_each_thread(void (*fn)(struct thread *t, void *ctx), void *ctx);
unsigned sched_thread_count(void);
/* CPUs started and scheduling. */
unsigned cpus_online(void);
const char *thread_state_name(enum thread_state s);

/* Kill the current thread after a fatal fault it caused (stack overflow):
 * report, then exit with THREAD_KILLED. Never returns. */
_Noreturn void sched_kill_current(const char *why, uint64_t addr);
/* #DF and guard-page #PF handlers for kernel stack overflows. */
bool sched_double_fault(struct trap_frame *frame);
struct vm_region;
bool sched_stack_guard_fault(struct vm_region *r, uint64_t addr, bool write, struct trap_frame *frame);

/* arch/x86_64/switch.S */
struct thread *switch_to(struct thread *prev, struct thread *next);
void thread_entry_trampoline(void);

#endif
