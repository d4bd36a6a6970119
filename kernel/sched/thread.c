/*
 * kernel/sched/thread.c — kernel threads: creation with a guarded stack and
 * an XSAVE area, exit, join, detach (a reaper thread frees detached threads),
 * sleep, yield; and killing a thread whose stack overflowed.
 */
#include "lib/lib.h"
#include "core/log.h"
#include "core/time.h"
#include "mm/mm.h"
#include "mm/heap.h"
#include "mm/mm_boot.h"
#include "mm/vm.h"
#include "sched/thread.h"
#include "sched/sched_internal.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/trap.h"

static struct kheap_cache fpu_cache;
static spinlock_t threads_lock = SPINLOCK_INIT("threads");
static struct list_node all_threads = LIST_INIT(all_threads);
static unsigned thread_count;
static int next_tid = 1;

static spinlock_t zombies_lock = SPINLOCK_INIT("zombies");
static struct list_node zombies = LIST_INIT(zombies);
static struct semaphore reaper_sem;
static struct thread *reaper;

void thread_subsystem_init(void)
{
    kheap_cache_init(&fpu_cache, mm_heap(), "fpu", fpu_area_size(), 0);
    sem_init(&reaper_sem, 0);
}

struct thread *thread_alloc_struct(const char *name)
{
    struct thread *t = kzalloc(sizeof *t);
    if (!t)
        return NULL;
    t->fpu = kheap_cache_alloc(&fpu_cache);
    if (!t->fpu) {
        kfree(t);
        return NULL;
    }
    fpu_area_init(t->fpu);
    strlcpy(t->name, name, sizeof t->name);
    list_init(&t->rq_node);
    list_init(&t->sleep_node);
    list_init(&t->all_node);
    list_init(&t->joiners);
    spin_init(&t->lock, "thread");
    t->pinned_cpu = -1;
    t->created_ns = time_ns();
    return t;
}

void thread_register(struct thread *t)
{
    uint64_t flags = spin_lock_irqsave(&threads_lock);
    t->tid = next_tid++;
    list_push_back(&all_threads, &t->all_node);
    thread_count++;
    spin_unlock_irqrestore(&threads_lock, flags);
}

/* Free everything a dead thread owns. It must be off every CPU. */
static void thread_free(struct thread *t)
{
    while (__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE))
        cpu_pause();
    uint64_t flags = spin_lock_irqsave(&threads_lock);
    list_remove(&t->all_node);
    thread_count--;
    spin_unlock_irqrestore(&threads_lock, flags);
    if (t->stack_size)
        kstack_free(t->stack_base, t->stack_size);
    kheap_cache_free(&fpu_cache, t->fpu);
    kfree(t);
}

/* A thread with its stack and first frame, registered but not queued. */
static struct thread *thread_build(const char *name, void (*fn)(void *), void *arg, int priority,
                                   const struct thread_opts *opts)
{
    if (opts && opts->cpu >= 0 &&
        ((unsigned)opts->cpu >= cpu_count || !cpus[opts->cpu] || !cpus[opts->cpu]->online)) {
        log_err("thread_create: %s: CPU %d is not online", name, opts->cpu);
        return NULL;
    }
    struct thread *t = thread_alloc_struct(name);
    if (!t)
        return NULL;
    t->stack_size = ALIGN_UP(opts && opts->stack_size ? opts->stack_size : THREAD_STACK_DEFAULT, PAGE_SIZE);
    t->stack_base = kstack_alloc(t->stack_size);
    if (!t->stack_base) {
        kheap_cache_free(&fpu_cache, t->fpu);
        kfree(t);
        return NULL;
    }
    t->fn = fn;
    t->arg = arg;
    t->priority = priority < PRIO_IDLE ? PRIO_IDLE : priority > PRIO_HIGH ? PRIO_HIGH : priority;
    if (opts && opts->cpu >= 0)
        t->pinned_cpu = opts->cpu;
    /* The first switch_to pops six zeroed callee-saved registers and
     * returns into thread_entry_trampoline; a zero return address above it
     * ends backtraces. */
    uint64_t *sp = (uint64_t *)(uintptr_t)(t->stack_base + t->stack_size);
    *--sp = 0;
    *--sp = (uint64_t)(uintptr_t)thread_entry_trampoline;
    for (int i = 0; i < 6; i++)
        *--sp = 0;
    t->rsp = (uint64_t)(uintptr_t)sp;
    thread_register(t);
    return t;
}

struct thread *thread_create_opts(const char *name, void (*fn)(void *), void *arg, int priority,
                                  const struct thread_opts *opts)
{
    struct thread *t = thread_build(name, fn, arg, priority, opts);
    if (t)
        sched_enqueue_new(t);
    return t;
}

struct thread *thread_create_idle(const char *name, void (*fn)(void *), const struct thread_opts *opts)
{
    struct thread *t = thread_build(name, fn, NULL, PRIO_IDLE, opts);
    if (t)
        t->state = THREAD_READY;    /* runnable, but only ever picked as the idle thread */
    return t;
}

struct thread *thread_create(const char *name, void (*fn)(void *), void *arg, int priority)
{
    return thread_create_opts(name, fn, arg, priority, NULL);
}

struct thread *thread_current(void)
{
    if (!sched_percpu_ready)
        return NULL;
    struct thread *t;
    __asm__ volatile("movq %%gs:%c1, %0" : "=r"(t) : "i"(__builtin_offsetof(struct cpu, current)));
    return t;
}

_Noreturn void thread_exit(int code)
{
    struct thread *t = thread_current();
    uint64_t flags = spin_lock_irqsave(&t->lock);
    (void)flags;
    t->exit_code = code;
    t->exited = true;
    if (t->detached)
        t->reap_on_exit = true;
    waiters_wake_all(&t->joiners);
    spin_unlock(&t->lock);          /* interrupts stay off until we are gone */
    t->state = THREAD_DEAD;
    schedule();
    panic("thread %s ran after its exit", t->name);
}

int thread_join(struct thread *t)
{
    uint64_t flags = spin_lock_irqsave(&t->lock);
    if (t->detached || t->joined || t == thread_current()) {
        spin_unlock_irqrestore(&t->lock, flags);
        log_err("thread_join: %s cannot be joined", t->name);
        return -EINVAL;
    }
    t->joined = true;
    while (!t->exited) {
        struct waiter w = { .thread = thread_current() };
        list_push_back(&t->joiners, &w.node);
        sched_block(&t->lock, 0);
        spin_lock(&t->lock);
        if (!w.woken)
            list_remove(&w.node);
    }
    spin_unlock_irqrestore(&t->lock, flags);
    int code = t->exit_code;
    thread_free(t);
    return code;
}

void thread_detach(struct thread *t)
{
    uint64_t flags = spin_lock_irqsave(&t->lock);
    bool dead = t->exited;
    t->detached = true;
    spin_unlock_irqrestore(&t->lock, flags);
    if (dead)
        thread_free(t);     /* it exited before it was detached: nobody else will */
}

void thread_yield(void) { sched_yield_current(); }

void thread_sleep_ns(uint64_t ns)
{
    if (!sched_running) {
        /* Start-up code before the scheduler runs: nothing else to run. */
        uint64_t end = time_ns() + ns;
        while (time_ns() < end)
            cpu_pause();
        return;
    }
    if (ns == 0) {
        thread_yield();
        return;
    }
    uint64_t deadline = time_ns() + ns;
    while (time_ns() < deadline)
        sched_sleep_until(deadline);
}

/* ---- the reaper ---- */

bool reaper_should_take(struct thread *t)
{
    if (!t->reap_on_exit || !t->detached)
        return false;
    spin_lock(&zombies_lock);
    list_push_back(&zombies, &t->rq_node);
    spin_unlock(&zombies_lock);
    return true;
}

void reaper_wake(void) { sem_up(&reaper_sem); }

static void reaper_main(void *unused)
{
    (void)unused;
    for (;;) {
        sem_down(&reaper_sem);
        for (;;) {
            uint64_t flags = spin_lock_irqsave(&zombies_lock);
            struct thread *t = NULL;
            if (!list_empty(&zombies)) {
                t = list_entry(zombies.next, struct thread, rq_node);
                list_remove(&t->rq_node);
            }
            spin_unlock_irqrestore(&zombies_lock, flags);
            if (!t)
                break;
            thread_free(t);
        }
    }
}

void reaper_start(void)
{
    reaper = thread_create("reaper", reaper_main, NULL, PRIO_HIGH);
    if (!reaper)
        panic("sched: cannot start the reaper");
}

/* ---- listing ---- */

void sched_for_each_thread(void (*fn)(struct thread *t, void *ctx), void *ctx)
{
    uint64_t flags = spin_lock_irqsave(&threads_lock);
    struct list_node *pos;
    list_for_each(pos, &all_threads)
        fn(list_entry(pos, struct thread, all_node), ctx);
    spin_unlock_irqrestore(&threads_lock, flags);
}

unsigned sched_thread_count(void) { return __atomic_load_n(&thread_count, __ATOMIC_RELAXED); }

const char *thread_state_name(enum thread_state s)
{
    static const char *const names[] = { "running", "ready", "blocked", "dead" };
    return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "?";
}

/* ---- faults ---- */

_Noreturn void sched_kill_current(const char *why, uint64_t addr)
{
    struct thread *t = thread_current();
    irq_disable();
    log_err("%s in thread %d '%s' at %#llx: thread killed", why, t->tid, t->name,
            (unsigned long long)addr);
    /* A fault inside a spinlock section leaves the count raised: the lock is
     * lost, but this CPU must still be able to schedule. */
    this_cpu()->preempt_count = 0;
    thread_exit(THREAD_KILLED);
}

bool sched_double_fault(struct trap_frame *frame)
{
    (void)frame;
    struct thread *t = thread_current();
    uint64_t cr2 = read_cr2();
    /* A kernel stack overflow: a fault on the guard below the stack could not
     * push its own frame. CR2 holds the guard address. */
    if (t && t->stack_size && cr2 < t->stack_base && t->stack_base - cr2 <= (64ULL << 10) &&
        t != this_cpu()->idle)
        sched_kill_current("kernel stack overflow (guard page hit)", cr2);
    return false;
}

/* Fault callback of kernel stack regions: a touch of the guard area below
 * the current thread's stack that did not escalate to a double fault. */
bool sched_stack_guard_fault(struct vm_region *r, uint64_t addr, bool write, struct trap_frame *frame)
{
    (void)r;
    (void)write;
    (void)frame;
    struct thread *t = thread_current();
    if (t && t->stack_size && addr < t->stack_base && t->stack_base - addr <= (64ULL << 10) &&
        t != this_cpu()->idle)
        sched_kill_current("kernel stack overflow (guard page hit)", addr);
    return false;
}
