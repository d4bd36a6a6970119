/*
 * kernel/mm/mm_cache_tests.c — in-kernel tests of the per-CPU caches in
 * front of the heap and the frame allocator: mm_get_stats stays exact while
 * another CPU refills and empties its caches, and memory resting in another
 * CPU's caches is taken back when an allocation would otherwise fail.
 */
#include "lib/lib.h"
#include "core/ktest.h"
#include "core/time.h"
#include "mm/buddy.h"
#include "mm/heap.h"
#include "mm/mm.h"
#include "mm/mm_boot.h"
#include "sched/thread.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"

/* The highest-numbered online CPU other than the calling thread's, or -1. */
static int other_cpu(void)
{
    preempt_disable();
    int me = (int)this_cpu_id();
    preempt_enable();
    for (int i = (int)cpu_count - 1; i >= 0; i--)
        if (i != me && cpus[i] && cpus[i]->online)
            return i;
    return -1;
}

static struct thread *start_on(int cpu, void (*fn)(void *), void *arg)
{
    struct thread_opts opts = { .stack_size = 0, .cpu = cpu };
    return thread_create_opts("mm-cache-test", fn, arg, PRIO_NORMAL, &opts);
}

static uint64_t heap_objects(void)
{
    struct mm_stats st;
    mm_get_stats(&st);
    return st.heap_allocations;
}

/* ---- exact counters ---- */

enum { CHURN_HELD = 20 };

struct churn {
    volatile int ready, go, stop;
    volatile uint64_t rounds;
};

/* Take CHURN_HELD objects and give them back, over and over: the CPU's
 * stack for the class is refilled and half emptied again and again. */
static void churn_main(void *arg)
{
    struct churn *c = arg;
    void *held[CHURN_HELD];
    c->ready = 1;
    while (!c->go)
        cpu_pause();
    while (!c->stop) {
        for (int i = 0; i < CHURN_HELD; i++)
            held[i] = kmalloc(64);
        for (int i = 0; i < CHURN_HELD; i++)
            kfree(held[i]);
        c->rounds++;
    }
}

/* While another CPU churns, every reading of the live-object count lies
 * between what it held at least and at most: objects moving in batches
 * between its cache and the slabs never show. (Before the per-CPU counters,
 * a reading could catch a batch half-moved and be off by a batch.) */
KTEST(mm_stats_exact_while_another_cpu_churns)
{
    int cpu = other_cpu();
    if (cpu < 0)
        return;                 /* one CPU: nothing runs beside the reader */
    static struct churn c;
    memset((void *)&c, 0, sizeof c);
    struct thread *t = start_on(cpu, churn_main, (void *)&c);
    KT_ASSERT(t != NULL);
    while (!c.ready)
        thread_yield();
    uint64_t base = heap_objects();
    c.go = 1;
    uint64_t lowest = base, highest = base, samples = 0;
    uint64_t start = time_ns();
    for (;;) {
        uint64_t now = time_ns();
        if ((now > start + NS_PER_S && c.rounds >= 100) || now > start + 10 * NS_PER_S)
            break;
        uint64_t n = heap_objects();
        lowest = MIN(lowest, n);
        highest = MAX(highest, n);
        samples++;
    }
    c.stop = 1;
    thread_join(t);
    KT_ASSERT(c.rounds >= 100);
    /* The thread's own structure is gone after the join; nothing else moved.
     * A background kernel thread may have an object or two out meanwhile. */
    KT_ASSERT(lowest + 2 >= base);
    KT_ASSERT(highest <= base + CHURN_HELD + 2);
    KT_ASSERT(samples > 1000);
}

/* ---- taking back what other CPUs' caches hold ---- */

/* Every free block of the frame allocator, held in a chain through the
 * blocks' first words (so no memory is needed to hold them). */
struct held_block {
    struct held_block *next;
    unsigned order;
};

static struct held_block *hold_everything(struct buddy *b)
{
    struct held_block *chain = NULL;
    for (int order = BUDDY_MAX_ORDER; order >= 0; order--) {
        uint64_t phys;
        while ((phys = buddy_alloc(b, (unsigned)order)) != 0) {
            struct held_block *h = phys_to_virt(phys);
            h->next = chain;
            h->order = (unsigned)order;
            chain = h;
        }
    }
    return chain;
}

static void release_everything(struct buddy *b, struct held_block *chain)
{
    while (chain) {
        struct held_block *next = chain->next;
        buddy_free(b, virt_to_phys(chain), chain->order);
        chain = next;
    }
}

struct cache_filler {
    struct semaphore go, done;
    uint64_t frames[2];
};

/* On the other CPU: free two frames, which rest in that CPU's frame cache. */
static void fill_frame_cache(void *arg)
{
    struct cache_filler *f = arg;
    sem_down(&f->go);
    frame_free(f->frames[0], 0);
    frame_free(f->frames[1], 0);
    sem_up(&f->done);
}

/* With every free block taken, the only two free pages in the machine are
 * buddies resting in another CPU's frame cache. A two-page allocation needs
 * them merged: it succeeds only if the allocator, finding nothing, has that
 * CPU empty its caches. Afterwards every frame comes back. */
KTEST(mm_reclaim_takes_back_other_cpus_caches)
{
    int cpu = other_cpu();
    if (cpu < 0)
        return;
    static struct cache_filler f;
    sem_init(&f.go, 0);
    sem_init(&f.done, 0);
    struct thread *t = start_on(cpu, fill_frame_cache, &f);
    KT_ASSERT(t != NULL);
    mm_heap_shrink();
    struct mm_stats before;
    mm_get_stats(&before);

    struct buddy *b = mm_buddy();
    struct held_block *chain = hold_everything(b);
    /* Split one held order-1 block (or larger) into order-0 halves. */
    struct held_block **pp = &chain;
    while (*pp && (*pp)->order == 0)
        pp = &(*pp)->next;
    KT_ASSERT(*pp != NULL);
    struct held_block *split = *pp;
    *pp = split->next;
    buddy_free(b, virt_to_phys(split), split->order);
    f.frames[0] = buddy_alloc(b, 0);
    f.frames[1] = buddy_alloc(b, 0);
    struct held_block *rest = hold_everything(b);      /* the rest of a larger split block */
    bool buddies = f.frames[0] && f.frames[1] && (f.frames[0] ^ f.frames[1]) == PAGE_SIZE;
    sem_up(&f.go);
    sem_down(&f.done);

    void *two_pages = buddies ? kmalloc(5000) : NULL;   /* a large allocation: 2 pages */
    bool other_emptied = cpus[cpu]->frames_cached == 0;
    for (unsigned c = 0; c < KHEAP_CLASSES; c++)
        other_emptied &= cpus[cpu]->kmalloc_mags[c].n == 0;

    kfree(two_pages);
    release_everything(b, rest);
    release_everything(b, chain);
    thread_join(t);
    KT_ASSERT(buddies);
    KT_ASSERT(two_pages != NULL);
    KT_ASSERT(other_emptied);
    mm_heap_shrink();
    struct mm_stats after;
    mm_get_stats(&after);
    KT_ASSERT_EQ(after.frames_free, before.frames_free);
    KT_ASSERT_EQ(buddy_check(b), 0);
}
