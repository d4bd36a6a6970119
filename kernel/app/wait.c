/*
 * kernel/app/wait.c — app threads and their waiting.
 *
 * An app thread is a kernel thread that runs one process's WebAssembly
 * (kpio_backend.thread_start). Everything an app blocks on in the kernel's
 * backends (a pipe, the console, a child, a timer) is waited for through
 * app_wait_*: the thread registers on the wait queues of the objects, checks
 * its condition, and sleeps on its own waiter until a queue is woken, a
 * deadline passes, or someone interrupts it (kill, a CPU-time limit): then
 * the blocking call returns -EINTR and the runtime stops the app at its next
 * instruction.
 */
#include "app/app.h"
#include "core/log.h"
#include "core/time.h"
#include "lib/lib.h"
#include "mm/mm.h"
#include "sched/thread.h"

#define APP_STACK_SIZE (64ull << 10)    /* WASI and VFS calls nest a few frames deep */

/* ---- waiters and queues ---- */

static void waiter_init(struct app_waiter *w)
{
    sem_init(&w->sem, 0);
    w->pending = 0;
}

static void waiter_wake(struct app_waiter *w)
{
    if (!__atomic_exchange_n(&w->pending, 1, __ATOMIC_ACQ_REL))
        sem_up(&w->sem);
}

void app_waitq_init(struct app_waitq *q)
{
    spin_init(&q->lock, "app-waitq");
    list_init(&q->entries);
}

void app_waitq_wake(struct app_waitq *q)
{
    uint64_t flags = spin_lock_irqsave(&q->lock);
    struct list_node *pos;
    list_for_each(pos, &q->entries) {
        waiter_wake(list_entry(pos, struct app_wait_entry, node)->waiter);
    }
    spin_unlock_irqrestore(&q->lock, flags);
}

struct app_thread *app_thread_current(void)
{
    return thread_current()->app_thread;
}

bool app_interrupted(void)
{
    struct app_thread *t = app_thread_current();
    return t && t->interrupted;
}

void app_wait_begin(struct app_wait *w, struct app_waitq *const *queues, int n)
{
    struct app_thread *t = app_thread_current();
    if (t) {
        w->waiter = &t->waiter;
    } else {
        waiter_init(&w->local);
        w->waiter = &w->local;
    }
    w->nentries = 0;
    for (int i = 0; i < n && w->nentries < APP_WAIT_MAX; i++) {
        if (!queues[i])
            continue;
        int k = w->nentries++;
        w->entry[k].waiter = w->waiter;
        w->entry[k].queue = queues[i];
        uint64_t flags = spin_lock_irqsave(&queues[i]->lock);
        list_push_back(&queues[i]->entries, &w->entry[k].node);
        spin_unlock_irqrestore(&queues[i]->lock, flags);
    }
}

int app_wait_sleep(struct app_wait *w, uint64_t deadline_ns)
{
    if (app_interrupted())
        return -EINTR;
    if (deadline_ns) {
        uint64_t now = time_ns();
        if (now >= deadline_ns || !sem_down_timeout(&w->waiter->sem, deadline_ns - now)) {
            __atomic_store_n(&w->waiter->pending, 0, __ATOMIC_RELEASE);
            return app_interrupted() ? -EINTR : -ETIMEDOUT;
        }
    } else {
        sem_down(&w->waiter->sem);
    }
    __atomic_store_n(&w->waiter->pending, 0, __ATOMIC_RELEASE);
    return app_interrupted() ? -EINTR : 0;
}

void app_wait_end(struct app_wait *w)
{
    for (int k = 0; k < w->nentries; k++) {
        struct app_waitq *q = w->entry[k].queue;
        uint64_t flags = spin_lock_irqsave(&q->lock);
        list_remove(&w->entry[k].node);
        spin_unlock_irqrestore(&q->lock, flags);
    }
    w->nentries = 0;
}

/* ---- app threads ---- */

static void release(struct app_thread *t)
{
    if (__atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL) == 0)
        kfree(t);
}

static void thread_main(void *arg)
{
    struct app_thread *t = arg;
    thread_current()->app_thread = t;
    t->fn(t->arg);
    thread_current()->app_thread = NULL;
    thread_current()->wasm_slot = NULL;
    release(t);
}

int app_thread_start(void (*fn)(void *), void *arg, struct app_thread **out)
{
    struct app_thread *t = kzalloc(sizeof *t);
    if (!t)
        return -ENOMEM;
    t->fn = fn;
    t->arg = arg;
    t->refs = 2;
    waiter_init(&t->waiter);
    struct thread_opts opts = { .stack_size = APP_STACK_SIZE, .cpu = -1 };
    t->thread = thread_create_opts("app", thread_main, t, PRIO_NORMAL, &opts);
    if (!t->thread) {
        kfree(t);
        return -ENOMEM;
    }
    *out = t;
    return 0;
}

void app_thread_join(struct app_thread *t)
{
    thread_join(t->thread);
    release(t);
}

void app_thread_detach(struct app_thread *t)
{
    thread_detach(t->thread);
    release(t);
}

void app_thread_interrupt(struct app_thread *t)
{
    t->interrupted = true;
    waiter_wake(&t->waiter);
}

/* Time t has run on a CPU; its current slice included when it runs now. */
static uint64_t cpu_ns_of(struct thread *th)
{
    uint64_t run = th->run_ns;
    if (th->state == THREAD_RUNNING) {
        uint64_t now = time_ns(), in = th->switched_in_ns;
        if (now > in)
            run += now - in;
    }
    return run;
}

uint64_t app_thread_cpu_ns(struct app_thread *t)
{
    return cpu_ns_of(t->thread);
}

uint64_t app_self_cpu_ns(void)
{
    return cpu_ns_of(thread_current());
}
