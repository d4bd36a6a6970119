/*
 * tests/unit/kshim/kshim.c — kernel services for host unit tests and fuzzers:
 * log and panic on stderr, clocks from clock_gettime, the heap and "frames"
 * from malloc (the direct map is the identity), threads and locks from
 * pthreads, timers from one timer thread.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/lib.h"
#include "core/log.h"
#include "core/time.h"
#include "mm/mm.h"
#include "sched/sched.h"

/* ---- lib: what glibc 2.36 lacks ---- */
#if !defined(__GLIBC__) || __GLIBC__ < 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ < 38)
size_t strlcpy(char *dst, const char *src, size_t size)
{
    size_t len = strlen(src);
    if (size) {
        size_t n = len < size - 1 ? len : size - 1;
        memcpy(dst, src, n);
        dst[n] = 0;
    }
    return len;
}
#endif

/* ---- log ---- */
int kshim_log_level = KLOG_WARN;   /* tests may raise it */

void klog(int level, const char *fmt, ...)
{
    if (level > kshim_log_level)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (fmt[0] && fmt[strlen(fmt) - 1] != '\n')
        fputc('\n', stderr);
}

_Noreturn void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "PANIC: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

/* ---- time ---- */
uint64_t time_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

int64_t time_unix_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * (int64_t)NS_PER_S + ts.tv_nsec;
}

/* ---- memory ---- */
static atomic_long live_allocations;
static atomic_long live_frames;

void *kmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (p)
        atomic_fetch_add(&live_allocations, 1);
    return p;
}

void *kzalloc(size_t size)
{
    void *p = calloc(1, size ? size : 1);
    if (p)
        atomic_fetch_add(&live_allocations, 1);
    return p;
}

void *krealloc(void *ptr, size_t size)
{
    if (!ptr)
        return kmalloc(size);
    return realloc(ptr, size ? size : 1);
}

void kfree(void *ptr)
{
    if (ptr)
        atomic_fetch_sub(&live_allocations, 1);
    free(ptr);
}

uint64_t frame_alloc(unsigned order)
{
    size_t bytes = (size_t)PAGE_SIZE << order;
    void *p = aligned_alloc(PAGE_SIZE, bytes);
    if (!p)
        return 0;
    atomic_fetch_add(&live_frames, 1L << order);
    return (uint64_t)(uintptr_t)p;
}

void frame_free(uint64_t phys, unsigned order)
{
    atomic_fetch_sub(&live_frames, 1L << order);
    free((void *)(uintptr_t)phys);
}

void *phys_to_virt(uint64_t phys) { return (void *)(uintptr_t)phys; }
uint64_t virt_to_phys(const void *virt) { return (uint64_t)(uintptr_t)virt; }

void *dma_alloc(size_t size, uint64_t *phys)
{
    size_t bytes = ALIGN_UP(size, PAGE_SIZE);
    void *p = aligned_alloc(PAGE_SIZE, bytes);
    if (!p)
        return NULL;
    memset(p, 0, bytes);
    atomic_fetch_add(&live_frames, (long)(bytes / PAGE_SIZE));
    *phys = (uint64_t)(uintptr_t)p;
    return p;
}

void dma_free(void *virt, size_t size)
{
    atomic_fetch_sub(&live_frames, (long)(ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE));
    free(virt);
}

void mm_get_stats(struct mm_stats *out)
{
    memset(out, 0, sizeof *out);
    out->frames_total = 1u << 20;
    out->frames_free = out->frames_total - (uint64_t)atomic_load(&live_frames);
    out->heap_allocations = (uint64_t)atomic_load(&live_allocations);
}

/* ---- locks ---- */
void spin_init(spinlock_t *lock, const char *name) { (void)name; pthread_mutex_init(&lock->m, NULL); }
void spin_lock(spinlock_t *lock) { pthread_mutex_lock(&lock->m); }
void spin_unlock(spinlock_t *lock) { pthread_mutex_unlock(&lock->m); }
uint64_t spin_lock_irqsave(spinlock_t *lock) { spin_lock(lock); return 0; }
void spin_unlock_irqrestore(spinlock_t *lock, uint64_t flags) { (void)flags; spin_unlock(lock); }

void mutex_init(struct mutex *m, const char *name) { (void)name; pthread_mutex_init(&m->m, NULL); }
void mutex_lock(struct mutex *m) { pthread_mutex_lock(&m->m); }
bool mutex_trylock(struct mutex *m) { return pthread_mutex_trylock(&m->m) == 0; }
void mutex_unlock(struct mutex *m) { pthread_mutex_unlock(&m->m); }

/* Absolute CLOCK_REALTIME deadline for pthread timed waits. */
static struct timespec deadline_after(uint64_t ns)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t total = (uint64_t)ts.tv_nsec + ns % NS_PER_S;
    ts.tv_sec += (time_t)(ns / NS_PER_S + total / NS_PER_S);
    ts.tv_nsec = (long)(total % NS_PER_S);
    return ts;
}

void sem_init(struct semaphore *s, int64_t count)
{
    pthread_mutex_init(&s->m, NULL);
    pthread_cond_init(&s->c, NULL);
    s->count = count;
}

void sem_down(struct semaphore *s)
{
    pthread_mutex_lock(&s->m);
    while (s->count <= 0)
        pthread_cond_wait(&s->c, &s->m);
    s->count--;
    pthread_mutex_unlock(&s->m);
}

bool sem_down_timeout(struct semaphore *s, uint64_t timeout_ns)
{
    struct timespec ts = deadline_after(timeout_ns);
    bool got = true;
    pthread_mutex_lock(&s->m);
    while (s->count <= 0) {
        if (pthread_cond_timedwait(&s->c, &s->m, &ts) == ETIMEDOUT && s->count <= 0) {
            got = false;
            break;
        }
    }
    if (got)
        s->count--;
    pthread_mutex_unlock(&s->m);
    return got;
}

void sem_up(struct semaphore *s)
{
    pthread_mutex_lock(&s->m);
    s->count++;
    pthread_cond_signal(&s->c);
    pthread_mutex_unlock(&s->m);
}

void cond_init(struct condvar *c) { pthread_cond_init(&c->c, NULL); }
void cond_wait(struct condvar *c, struct mutex *m) { pthread_cond_wait(&c->c, &m->m); }
bool cond_wait_timeout(struct condvar *c, struct mutex *m, uint64_t timeout_ns)
{
    struct timespec ts = deadline_after(timeout_ns);
    return pthread_cond_timedwait(&c->c, &m->m, &ts) != ETIMEDOUT;
}
void cond_signal(struct condvar *c) { pthread_cond_signal(&c->c); }
void cond_broadcast(struct condvar *c) { pthread_cond_broadcast(&c->c); }

/* ---- threads ---- */
struct thread {
    pthread_t pt;
    void (*fn)(void *);
    void *arg;
    int exit_code;
};

static __thread struct thread *current_thread;

static void *thread_trampoline(void *p)
{
    struct thread *t = p;
    current_thread = t;
    t->fn(t->arg);
    return NULL;
}

struct thread *thread_create(const char *name, void (*fn)(void *), void *arg, int priority)
{
    (void)name;
    (void)priority;
    struct thread *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->fn = fn;
    t->arg = arg;
    if (pthread_create(&t->pt, NULL, thread_trampoline, t) != 0) {
        free(t);
        return NULL;
    }
    return t;
}

int thread_join(struct thread *t)
{
    pthread_join(t->pt, NULL);
    int code = t->exit_code;
    free(t);
    return code;
}

void thread_detach(struct thread *t) { pthread_detach(t->pt); }

_Noreturn void thread_exit(int code)
{
    if (current_thread)
        current_thread->exit_code = code;
    pthread_exit(NULL);
}

void thread_yield(void) { sched_yield(); }

void thread_sleep_ns(uint64_t ns)
{
    struct timespec ts = { (time_t)(ns / NS_PER_S), (long)(ns % NS_PER_S) };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

struct thread *thread_current(void) { return current_thread; }

/* ---- timers: one thread runs expired timers in deadline order ---- */
static pthread_mutex_t timer_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t timer_cond = PTHREAD_COND_INITIALIZER;
static struct list_node timer_list = LIST_INIT(timer_list);
static pthread_once_t timer_once = PTHREAD_ONCE_INIT;

static void *timer_thread(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&timer_lock);
    for (;;) {
        if (list_empty(&timer_list)) {
            pthread_cond_wait(&timer_cond, &timer_lock);
            continue;
        }
        struct ktimer *first = list_entry(timer_list.next, struct ktimer, node);
        uint64_t now = time_ns();
        if (first->deadline_ns > now) {
            struct timespec ts = deadline_after(first->deadline_ns - now);
            pthread_cond_timedwait(&timer_cond, &timer_lock, &ts);
            continue;
        }
        list_remove(&first->node);
        first->armed = false;
        pthread_mutex_unlock(&timer_lock);
        first->fn(first->arg);
        pthread_mutex_lock(&timer_lock);
    }
    return NULL;
}

static void timer_start(void)
{
    pthread_t pt;
    pthread_create(&pt, NULL, timer_thread, NULL);
    pthread_detach(pt);
}

void timer_init(struct ktimer *t, void (*fn)(void *), void *arg)
{
    list_init(&t->node);
    t->fn = fn;
    t->arg = arg;
    t->armed = false;
    t->deadline_ns = 0;
}

void timer_arm(struct ktimer *t, uint64_t deadline_ns)
{
    pthread_once(&timer_once, timer_start);
    pthread_mutex_lock(&timer_lock);
    if (t->armed)
        list_remove(&t->node);
    t->deadline_ns = deadline_ns;
    t->armed = true;
    struct list_node *pos;
    list_for_each(pos, &timer_list) {
        if (list_entry(pos, struct ktimer, node)->deadline_ns > deadline_ns)
            break;
    }
    list_insert_between(&t->node, pos->prev, pos);
    pthread_cond_signal(&timer_cond);
    pthread_mutex_unlock(&timer_lock);
}

bool timer_cancel(struct ktimer *t)
{
    pthread_mutex_lock(&timer_lock);
    bool was = t->armed;
    if (was) {
        list_remove(&t->node);
        t->armed = false;
    }
    pthread_mutex_unlock(&timer_lock);
    return was;
}
