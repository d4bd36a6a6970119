/*
 * kernel/sched/sched_tests.c — in-kernel tests of threads, preemption,
 * priorities, locks, sleeping, timers, FPU state and stack overflows; and
 * the context-switch benchmarks.
 */
#include "lib/lib.h"
#include "core/ktest.h"
#include "core/log.h"
#include "core/time.h"
#include "mm/heap.h"
#include "mm/mm.h"
#include "mm/mm_boot.h"
#include "sched/thread.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/percpu.h"

/* The highest-numbered online CPU (not the boot CPU when there are two). */
static int last_cpu(void)
{
    for (int i = (int)cpu_count - 1; i >= 0; i--)
        if (cpus[i] && cpus[i]->online)
            return i;
    return 0;
}

static struct thread *spawn_on(const char *name, void (*fn)(void *), void *arg, int prio, int cpu)
{
    struct thread_opts opts = { .stack_size = 0, .cpu = cpu };
    return thread_create_opts(name, fn, arg, prio, &opts);
}

/* ---- creation and join ---- */

static volatile uint64_t started_count;

static void count_and_exit(void *arg)
{
    __atomic_fetch_add(&started_count, 1, __ATOMIC_RELAXED);
    thread_exit((int)(uintptr_t)arg);
}

/* 1000 threads alive at once, each joined with its exit code; their memory
 * (stacks beyond the stack cache, FPU areas, structures) all comes back. */
KTEST(sched_1000_threads_created_and_joined)
{
    enum { N = 1000 };
    struct thread **t = kzalloc(N * sizeof *t);
    KT_ASSERT(t != NULL);
    /* Warm the stack cache so the memory comparison below is exact. */
    for (int i = 0; i < 100; i++)
        t[i] = thread_create("warm", count_and_exit, (void *)(uintptr_t)i, PRIO_NORMAL);
    for (int i = 0; i < 100; i++)
        KT_ASSERT_EQ(thread_join(t[i]), i);
    mm_heap_shrink();
    struct mm_stats before, after;
    mm_get_stats(&before);
    unsigned threads_before = sched_thread_count();
    started_count = 0;
    for (int i = 0; i < N; i++) {
        t[i] = thread_create("many", count_and_exit, (void *)(uintptr_t)(i * 3), PRIO_NORMAL);
        KT_ASSERT(t[i] != NULL);
    }
    for (int i = 0; i < N; i++)
        KT_ASSERT_EQ(thread_join(t[i]), i * 3);
    KT_ASSERT_EQ(started_count, N);
    KT_ASSERT_EQ(sched_thread_count(), threads_before);
    kfree(t);
    mm_heap_shrink();
    mm_get_stats(&after);
    /* The array was allocated before `before`: one allocation fewer now. */
    KT_ASSERT_EQ(after.heap_allocations + 1, before.heap_allocations);
}

static void spin_briefly(void *arg)
{
    (void)arg;
    uint64_t end = time_ns() + 2 * NS_PER_MS;
    while (time_ns() < end)
        cpu_pause();
}

/* Detached threads are freed by the reaper once they exit. */
KTEST(sched_detached_threads_are_reaped)
{
    unsigned before = sched_thread_count();
    for (int i = 0; i < 50; i++) {
        struct thread *t = thread_create("detached", i % 2 ? spin_briefly : count_and_exit, NULL, PRIO_NORMAL);
        KT_ASSERT(t != NULL);
        thread_detach(t);
    }
    uint64_t deadline = time_ns() + 5 * NS_PER_S;
    while (sched_thread_count() != before && time_ns() < deadline)
        thread_sleep_ns(NS_PER_MS);
    KT_ASSERT_EQ(sched_thread_count(), before);
}

/* ---- preemption and priorities ---- */

static volatile int busy_started, busy_saw_flag, flag;

static void busy_until_flag(void *arg)
{
    (void)arg;
    busy_started = 1;
    uint64_t end = time_ns() + 5 * NS_PER_S;
    while (!__atomic_load_n(&flag, __ATOMIC_ACQUIRE) && time_ns() < end)
        ;   /* no pause, no yield: only the timer can take the CPU away */
    busy_saw_flag = flag;
}

static void set_flag(void *arg)
{
    (void)arg;
    __atomic_store_n(&flag, 1, __ATOMIC_RELEASE);
}

/* A thread that never yields is preempted: another thread of the same
 * priority, on the same CPU, gets to run and stops it. */
KTEST(sched_busy_thread_is_preempted)
{
    int cpu = last_cpu();
    busy_started = busy_saw_flag = flag = 0;
    struct thread *busy = spawn_on("busy", busy_until_flag, NULL, PRIO_NORMAL, cpu);
    while (!busy_started)
        thread_sleep_ns(NS_PER_MS);
    struct thread *setter = spawn_on("setter", set_flag, NULL, PRIO_NORMAL, cpu);
    thread_join(setter);
    thread_join(busy);
    KT_ASSERT(busy_saw_flag);
}

static struct semaphore high_sem;
static volatile uint64_t high_woke_at, low_done_at;

static void high_waiter(void *arg)
{
    (void)arg;
    sem_down(&high_sem);
    high_woke_at = time_ns();
}

static void low_spinner(void *arg)
{
    (void)arg;
    uint64_t end = time_ns() + 300 * NS_PER_MS;
    while (time_ns() < end)
        ;
    low_done_at = time_ns();
}

/* A high-priority thread woken while a low-priority one spins on its CPU
 * runs at once, not at the end of the spinner's slice or run. */
KTEST(sched_high_priority_preempts_at_once)
{
    int cpu = last_cpu();
    sem_init(&high_sem, 0);
    high_woke_at = low_done_at = 0;
    struct thread *high = spawn_on("high", high_waiter, NULL, PRIO_HIGH, cpu);
    thread_sleep_ns(10 * NS_PER_MS);            /* let it block */
    struct thread *low = spawn_on("low", low_spinner, NULL, PRIO_LOW, cpu);
    thread_sleep_ns(50 * NS_PER_MS);            /* the spinner owns the CPU now */
    uint64_t posted = time_ns();
    sem_up(&high_sem);
    thread_join(high);
    thread_join(low);
    KT_ASSERT(high_woke_at != 0 && low_done_at != 0);
    KT_ASSERT(high_woke_at < low_done_at);
    KT_ASSERT(high_woke_at - posted < 50 * NS_PER_MS);
}

/* Threads spread over every CPU: the scheduler places and steals work. */
static volatile uint64_t cpu_seen_mask;

static void note_cpus(void *arg)
{
    (void)arg;
    uint64_t end = time_ns() + 100 * NS_PER_MS;
    while (time_ns() < end) {
        preempt_disable();
        __atomic_or_fetch(&cpu_seen_mask, 1ULL << this_cpu_id(), __ATOMIC_RELAXED);
        preempt_enable();
    }
}

KTEST(sched_work_reaches_every_cpu)
{
    unsigned n = cpus_online();
    struct thread *t[2 * MAX_CPUS];
    cpu_seen_mask = 0;
    for (unsigned i = 0; i < 2 * n; i++)
        t[i] = thread_create("spread", note_cpus, NULL, PRIO_NORMAL);
    for (unsigned i = 0; i < 2 * n; i++)
        thread_join(t[i]);
    KT_ASSERT_EQ(__builtin_popcountll(cpu_seen_mask), n);
}

/* ---- locks ---- */

struct counter_job {
    struct mutex *m;
    volatile uint64_t *counter;
    int cpu;
    bool wrong_cpu;
};

static void count_under_mutex(void *arg)
{
    struct counter_job *job = arg;
    for (int i = 0; i < 20000; i++) {
        mutex_lock(job->m);
        uint64_t v = *job->counter;     /* a deliberately wide read-modify-write */
        for (volatile int d = 0; d < 10; d++)
            ;
        *job->counter = v + 1;
        mutex_unlock(job->m);
        if (i % 1000 == 0) {
            preempt_disable();
            job->wrong_cpu |= (int)this_cpu_id() != job->cpu;
            preempt_enable();
        }
    }
}

/* Two threads on every CPU add to one counter under a mutex: the total is
 * exact, and each thread really ran on its CPU. */
KTEST(sched_mutex_counter_on_every_cpu)
{
    static struct mutex m;
    static volatile uint64_t counter;
    static struct counter_job jobs[2 * MAX_CPUS];
    struct thread *t[2 * MAX_CPUS];
    mutex_init(&m, "test-counter");
    counter = 0;
    unsigned n = 0;
    for (unsigned c = 0; c < cpu_count; c++) {
        if (!cpus[c] || !cpus[c]->online)
            continue;
        for (int k = 0; k < 2; k++) {
            jobs[n] = (struct counter_job){ &m, &counter, (int)c, false };
            t[n] = spawn_on("counter", count_under_mutex, &jobs[n], PRIO_NORMAL, (int)c);
            KT_ASSERT(t[n] != NULL);
            n++;
        }
    }
    for (unsigned i = 0; i < n; i++)
        thread_join(t[i]);
    KT_ASSERT_EQ(counter, (uint64_t)n * 20000);
    for (unsigned i = 0; i < n; i++)
        KT_ASSERT(!jobs[i].wrong_cpu);
    KT_ASSERT(mutex_trylock(&m));
    KT_ASSERT(!mutex_trylock(&m));
    mutex_unlock(&m);
}

static struct semaphore sem_a;

static void post_after_10ms(void *arg)
{
    (void)arg;
    thread_sleep_ns(10 * NS_PER_MS);
    sem_up(&sem_a);
}

/* sem_down_timeout gives up after its timeout, and succeeds when posted. */
KTEST(sched_semaphore_timeout)
{
    sem_init(&sem_a, 0);
    uint64_t t0 = time_ns();
    KT_ASSERT(!sem_down_timeout(&sem_a, 20 * NS_PER_MS));
    uint64_t waited = time_ns() - t0;
    KT_ASSERT(waited >= 20 * NS_PER_MS);
    KT_ASSERT(waited < 500 * NS_PER_MS);
    struct thread *t = thread_create("poster", post_after_10ms, NULL, PRIO_NORMAL);
    KT_ASSERT(sem_down_timeout(&sem_a, 5 * NS_PER_S));
    thread_join(t);
    sem_up(&sem_a);
    sem_up(&sem_a);
    sem_down(&sem_a);
    KT_ASSERT(sem_down_timeout(&sem_a, 0));
    KT_ASSERT(!sem_down_timeout(&sem_a, 0));
}

static struct mutex q_lock;
static struct condvar q_cond;
static volatile int queue_len, consumed;

static void consumer(void *arg)
{
    int want = (int)(uintptr_t)arg;
    for (int i = 0; i < want; i++) {
        mutex_lock(&q_lock);
        while (queue_len == 0)
            cond_wait(&q_cond, &q_lock);
        queue_len--;
        consumed++;
        mutex_unlock(&q_lock);
    }
}

/* Producer/consumers on a condition variable: every item is taken once;
 * cond_wait_timeout returns false when nothing comes. */
KTEST(sched_condition_variable)
{
    mutex_init(&q_lock, "queue");
    cond_init(&q_cond);
    queue_len = consumed = 0;
    struct thread *c[4];
    for (int i = 0; i < 4; i++)
        c[i] = thread_create("consumer", consumer, (void *)(uintptr_t)250, PRIO_NORMAL);
    for (int i = 0; i < 1000; i++) {
        mutex_lock(&q_lock);
        queue_len++;
        if (i % 7 == 0)
            cond_broadcast(&q_cond);
        else
            cond_signal(&q_cond);
        mutex_unlock(&q_lock);
        if (i % 50 == 0)
            thread_yield();
    }
    for (int i = 0; i < 4; i++)
        thread_join(c[i]);
    KT_ASSERT_EQ(consumed, 1000);
    KT_ASSERT_EQ(queue_len, 0);
    mutex_lock(&q_lock);
    uint64_t t0 = time_ns();
    KT_ASSERT(!cond_wait_timeout(&q_cond, &q_lock, 15 * NS_PER_MS));
    KT_ASSERT(time_ns() - t0 >= 15 * NS_PER_MS);
    mutex_unlock(&q_lock);
}

/* ---- time ---- */

/* Sleeps end at or after their target, and typically (the median of 30
 * sleeps of 1-20 ms) within 2 ms of it. A single late wake-up can be the
 * host descheduling the emulated CPU, so one is not a failure; a scheduler
 * that rounds sleeps to a coarse tick would be. */
KTEST(sched_sleep_within_2ms)
{
    enum { N = 30 };
    uint64_t late[N];
    static const uint64_t lengths_ms[] = { 1, 3, 5, 10, 20 };
    unsigned within = 0;
    for (int i = 0; i < N; i++) {
        uint64_t want = lengths_ms[i % 5] * NS_PER_MS;
        uint64_t t0 = time_ns();
        thread_sleep_ns(want);
        uint64_t got = time_ns() - t0;
        KT_ASSERT(got >= want);
        late[i] = got - want;
        within += late[i] <= 2 * NS_PER_MS;
    }
    for (int i = 1; i < N; i++)
        for (int j = i; j > 0 && late[j - 1] > late[j]; j--) {
            uint64_t t = late[j];
            late[j] = late[j - 1];
            late[j - 1] = t;
        }
    log_info("sleep: lateness median %llu us, max %llu us, %u of %d within 2 ms",
             (unsigned long long)(late[N / 2] / 1000), (unsigned long long)(late[N - 1] / 1000),
             within, N);
    KT_ASSERT(late[N / 2] <= 2 * NS_PER_MS);
}

struct timer_probe {
    struct ktimer timer;
    uint64_t deadline;
    volatile uint64_t fired_at;
    volatile int order;
};
static volatile int fire_seq;

static void probe_fired(void *arg)
{
    struct timer_probe *p = arg;
    p->fired_at = time_ns();
    p->order = ++fire_seq;
}

/* Kernel timers fire in deadline order, never early; a cancelled one never. */
KTEST(sched_ktimer_order_and_cancel)
{
    static struct timer_probe p[4];
    static const int ms[] = { 30, 10, 20, 15 };
    fire_seq = 0;
    uint64_t now = time_ns();
    for (int i = 0; i < 4; i++) {
        timer_init(&p[i].timer, probe_fired, &p[i]);
        p[i].fired_at = 0;
        p[i].order = 0;
        p[i].deadline = now + (uint64_t)ms[i] * NS_PER_MS;
        timer_arm(&p[i].timer, p[i].deadline);
    }
    KT_ASSERT(timer_cancel(&p[3].timer));
    KT_ASSERT(!timer_cancel(&p[3].timer));
    thread_sleep_ns(80 * NS_PER_MS);
    KT_ASSERT_EQ(p[1].order, 1);
    KT_ASSERT_EQ(p[2].order, 2);
    KT_ASSERT_EQ(p[0].order, 3);
    KT_ASSERT_EQ(p[3].order, 0);
    for (int i = 0; i < 3; i++)
        KT_ASSERT(p[i].fired_at >= p[i].deadline);
    KT_ASSERT(!timer_cancel(&p[0].timer));
}

/* ---- FPU state ---- */

struct fpu_job {
    uint8_t pattern;
    bool avx;
    int cpu;
    volatile bool bad;
};

/* Load xmm0-15 (and the upper ymm halves) with pattern-derived bytes, yield
 * many times (and spin through preemptions), and check they survive. */
static void fpu_worker(void *arg)
{
    struct fpu_job *job = arg;
    uint8_t in[16 * 32] __attribute__((aligned(32))), out[16 * 32] __attribute__((aligned(32)));
    for (unsigned i = 0; i < sizeof in; i++)
        in[i] = (uint8_t)(job->pattern ^ (i * 13));
    for (int round = 0; round < 200 && !job->bad; round++) {
        if (job->avx) {
            __asm__ volatile(
                "vmovdqu 0(%0), %%ymm0\n vmovdqu 32(%0), %%ymm1\n vmovdqu 64(%0), %%ymm2\n"
                "vmovdqu 96(%0), %%ymm3\n vmovdqu 128(%0), %%ymm4\n vmovdqu 160(%0), %%ymm5\n"
                "vmovdqu 192(%0), %%ymm6\n vmovdqu 224(%0), %%ymm7\n vmovdqu 256(%0), %%ymm8\n"
                "vmovdqu 288(%0), %%ymm9\n vmovdqu 320(%0), %%ymm10\n vmovdqu 352(%0), %%ymm11\n"
                "vmovdqu 384(%0), %%ymm12\n vmovdqu 416(%0), %%ymm13\n vmovdqu 448(%0), %%ymm14\n"
                "vmovdqu 480(%0), %%ymm15\n" : : "r"(in) : "memory");
        } else {
            __asm__ volatile(
                "movdqu 0(%0), %%xmm0\n movdqu 32(%0), %%xmm1\n movdqu 64(%0), %%xmm2\n"
                "movdqu 96(%0), %%xmm3\n movdqu 128(%0), %%xmm4\n movdqu 160(%0), %%xmm5\n"
                "movdqu 192(%0), %%xmm6\n movdqu 224(%0), %%xmm7\n movdqu 256(%0), %%xmm8\n"
                "movdqu 288(%0), %%xmm9\n movdqu 320(%0), %%xmm10\n movdqu 352(%0), %%xmm11\n"
                "movdqu 384(%0), %%xmm12\n movdqu 416(%0), %%xmm13\n movdqu 448(%0), %%xmm14\n"
                "movdqu 480(%0), %%xmm15\n" : : "r"(in) : "memory");
        }
        if (round % 2)
            thread_yield();
        else
            for (volatile int spin = 0; spin < 20000; spin++)
                ;
        memset(out, 0, sizeof out);
        if (job->avx) {
            __asm__ volatile(
                "vmovdqu %%ymm0, 0(%0)\n vmovdqu %%ymm1, 32(%0)\n vmovdqu %%ymm2, 64(%0)\n"
                "vmovdqu %%ymm3, 96(%0)\n vmovdqu %%ymm4, 128(%0)\n vmovdqu %%ymm5, 160(%0)\n"
                "vmovdqu %%ymm6, 192(%0)\n vmovdqu %%ymm7, 224(%0)\n vmovdqu %%ymm8, 256(%0)\n"
                "vmovdqu %%ymm9, 288(%0)\n vmovdqu %%ymm10, 320(%0)\n vmovdqu %%ymm11, 352(%0)\n"
                "vmovdqu %%ymm12, 384(%0)\n vmovdqu %%ymm13, 416(%0)\n vmovdqu %%ymm14, 448(%0)\n"
                "vmovdqu %%ymm15, 480(%0)\n" : : "r"(out) : "memory");
            if (memcmp(in, out, sizeof in) != 0)
                job->bad = true;
        } else {
            __asm__ volatile(
                "movdqu %%xmm0, 0(%0)\n movdqu %%xmm1, 32(%0)\n movdqu %%xmm2, 64(%0)\n"
                "movdqu %%xmm3, 96(%0)\n movdqu %%xmm4, 128(%0)\n movdqu %%xmm5, 160(%0)\n"
                "movdqu %%xmm6, 192(%0)\n movdqu %%xmm7, 224(%0)\n movdqu %%xmm8, 256(%0)\n"
                "movdqu %%xmm9, 288(%0)\n movdqu %%xmm10, 320(%0)\n movdqu %%xmm11, 352(%0)\n"
                "movdqu %%xmm12, 384(%0)\n movdqu %%xmm13, 416(%0)\n movdqu %%xmm14, 448(%0)\n"
                "movdqu %%xmm15, 480(%0)\n" : : "r"(out) : "memory");
            for (unsigned r = 0; r < 16; r++)
                if (memcmp(in + 32 * r, out + 32 * r, 16) != 0)
                    job->bad = true;
        }
    }
}

/* Three threads sharing one CPU keep their own vector registers (XSAVE on
 * every switch, voluntary or preempted). */
KTEST(sched_fpu_state_survives_switches)
{
    bool avx = fpu_xcr0() & 4;
    int cpu = last_cpu();
    static struct fpu_job jobs[3];
    struct thread *t[3];
    for (int i = 0; i < 3; i++) {
        jobs[i] = (struct fpu_job){ .pattern = (uint8_t)(0x11 * (i + 1)), .avx = avx, .cpu = cpu };
        t[i] = spawn_on("fpu", fpu_worker, &jobs[i], PRIO_NORMAL, cpu);
    }
    for (int i = 0; i < 3; i++)
        thread_join(t[i]);
    for (int i = 0; i < 3; i++)
        KT_ASSERT(!jobs[i].bad);
    log_info("fpu test: %s registers checked", avx ? "ymm0-15" : "xmm0-15");
}

/* ---- stack overflow ---- */

static volatile uint64_t recursion_sink;

static uint64_t recurse(uint64_t depth)
{
    volatile uint8_t frame[512];
    if (depth > (1ULL << 40))       /* never: the stack ends long before */
        return 0;
    frame[0] = (uint8_t)depth;
    frame[511] = (uint8_t)(depth >> 8);
    recursion_sink += frame[0] + frame[511];
    return depth + recurse(depth + 1) + frame[100];
}

static void overflow_stack(void *arg)
{
    (void)arg;
    recursion_sink = recurse(0);
}

/* Runaway recursion hits the guard below the thread's stack: the thread is
 * reported and killed, its joiner sees THREAD_KILLED, the kernel goes on. */
KTEST(sched_stack_overflow_kills_only_the_thread)
{
    struct thread *t = thread_create("overflow", overflow_stack, NULL, PRIO_NORMAL);
    KT_ASSERT(t != NULL);
    KT_ASSERT_EQ(thread_join(t), THREAD_KILLED);
    char *log = kmalloc(65 * 1024);
    KT_ASSERT(log != NULL);
    size_t n = log_snapshot(log, 65 * 1024);
    bool reported = false;
    for (size_t i = 0; i + 22 <= n && !reported; i++)
        reported = memcmp(log + i, "kernel stack overflow", 21) == 0;
    kfree(log);
    KT_ASSERT(reported);
    /* Still working: a new thread runs and joins. */
    struct thread *u = thread_create("after", count_and_exit, (void *)7, PRIO_NORMAL);
    KT_ASSERT_EQ(thread_join(u), 7);
}

/* ---- benchmarks ---- */

struct pingpong {
    struct semaphore to_a, to_b;
    uint64_t rounds;
    uint64_t ns;
};

static void pong(void *arg)
{
    struct pingpong *pp = arg;
    for (uint64_t i = 0; i < pp->rounds + 100; i++) {
        sem_down(&pp->to_b);
        sem_up(&pp->to_a);
    }
}

static void ping(void *arg)
{
    struct pingpong *pp = arg;
    for (int i = 0; i < 100; i++) {         /* warm up */
        sem_up(&pp->to_b);
        sem_down(&pp->to_a);
    }
    uint64_t t0 = time_ns();
    for (uint64_t i = 0; i < pp->rounds; i++) {
        sem_up(&pp->to_b);
        sem_down(&pp->to_a);
    }
    pp->ns = time_ns() - t0;
}

/* ns per round trip between two threads on one CPU, passing the turn through
 * two semaphores (two switches per round trip: the analogue of Linux's pipe
 * ping-pong between two processes pinned to one CPU). Median of 5 runs. */
static uint64_t pingpong_run(int cpu_a, int cpu_b, uint64_t rounds)
{
    static struct pingpong pp;
    sem_init(&pp.to_a, 0);
    sem_init(&pp.to_b, 0);
    pp.rounds = rounds;
    struct thread *b = spawn_on("pong", pong, &pp, PRIO_NORMAL, cpu_b);
    struct thread *a = spawn_on("ping", ping, &pp, PRIO_NORMAL, cpu_a);
    thread_join(a);
    thread_join(b);
    return pp.ns;
}

static uint64_t median5(uint64_t *v)
{
    for (int i = 1; i < 5; i++)
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return v[2];
}

KBENCH(ctxsw_roundtrip)
{
    const uint64_t rounds = 20000;
    uint64_t v[5];
    for (int i = 0; i < 5; i++)
        v[i] = pingpong_run(0, 0, rounds);
    kbench_report("ctxsw_roundtrip", median5(v), rounds, "ns");
    if (cpus_online() > 1) {
        /* Across CPUs every hand-over wakes a halted vCPU: under QEMU that
         * is the host's thread wake-up latency, so fewer rounds. */
        for (int i = 0; i < 5; i++)
            v[i] = pingpong_run(0, last_cpu(), 200);
        kbench_report("ctxsw_roundtrip_2cpu", median5(v), 200, "ns");
    }
}

static volatile int yield_stop;
static void yielder(void *arg)
{
    (void)arg;
    while (!yield_stop)
        thread_yield();
}

static void yield_measure(void *arg)
{
    uint64_t *out = arg;
    const uint64_t rounds = 20000;
    uint64_t t0 = time_ns();
    for (uint64_t i = 0; i < rounds; i++)
        thread_yield();
    *out = time_ns() - t0;
}

/* One switch each way through thread_yield (no semaphores): ns per round trip. */
KBENCH(yield_roundtrip)
{
    uint64_t v[5];
    for (int i = 0; i < 5; i++) {
        yield_stop = 0;
        uint64_t ns = 0;
        struct thread *other = spawn_on("yielder", yielder, NULL, PRIO_NORMAL, 0);
        struct thread *me = spawn_on("yield-measure", yield_measure, &ns, PRIO_NORMAL, 0);
        thread_join(me);
        yield_stop = 1;
        thread_join(other);
        v[i] = ns;
    }
    kbench_report("yield_roundtrip", median5(v), 20000, "ns");
}

static void nothing(void *arg) { (void)arg; }

/* thread_create + thread_join of a thread that returns at once. */
KBENCH(thread_create_join)
{
    const uint64_t n = 2000;
    uint64_t t0 = time_ns();
    for (uint64_t i = 0; i < n; i++)
        thread_join(thread_create("short", nothing, NULL, PRIO_NORMAL));
    kbench_report("thread_create_join", time_ns() - t0, n, "ns");
}
