/*
 * kernel/sched/sched.c — per-CPU run queues and the scheduler proper.
 *
 * Each CPU has a run queue with one FIFO per priority; it always runs the
 * first thread of the highest non-empty priority, round-robin within a
 * priority in time slices of SLICE_NS. The LAPIC timer is one-shot: armed for
 * the earliest of the end of the slice (only if another thread could use the
 * CPU) and the first sleeper's deadline, so an idle CPU gets no ticks.
 *
 * Locking: a CPU's run-queue lock covers its queues, its sleepers, and the
 * state and cpu fields of the threads on them. schedule() holds it across
 * the switch; the next thread releases it (finish_switch). A thread can be
 * READY and queued while it is still finishing on its CPU (woken before it
 * switched away): on_cpu tells thieves to leave such a thread alone.
 *
 * Balancing: new threads go to the least loaded CPU; an idle CPU steals
 * ready threads from busy ones, and is kicked by an IPI when a busy CPU gets
 * more work than it can run.
 */
#include "lib/lib.h"
#include "core/log.h"
#include "core/time.h"
#include "mm/mm.h"
#include "mm/vm.h"
#include "sched/thread.h"
#include "sched/sched_internal.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/trap.h"

#define SLICE_NS (10 * NS_PER_MS)

static struct cpu cpu0;
struct cpu *cpus[MAX_CPUS];
unsigned cpu_count = 1;
bool sched_percpu_ready;
bool sched_running;                 /* sched_start has run: blocking is allowed */
static volatile uint64_t idle_mask; /* CPUs running their idle thread */

void percpu_install(struct cpu *c)
{
    c->self = c;
    wrmsr(MSR_GS_BASE, (uint64_t)(uintptr_t)c);
}

static void rq_init(struct runqueue *rq)
{
    spin_init(&rq->lock, "runqueue");
    for (unsigned p = 0; p < SCHED_PRIORITIES; p++)
        list_init(&rq->ready[p]);
    list_init(&rq->sleepers);
    rq->nr_ready = 0;
}

/* CPU 0's per-CPU data; from here on spinlocks keep preemption counts. */
void sched_early_init(void)
{
    cpu0.id = 0;
    cpu0.apic_id = cpu_apic_id();
    rq_init(&cpu0.rq);
    cpus[0] = &cpu0;
    percpu_install(&cpu0);
    sched_percpu_ready = true;
}

struct cpu *sched_cpu_alloc(unsigned id, uint32_t apic_id)
{
    if (id >= MAX_CPUS)
        return NULL;
    struct cpu *c = kzalloc(sizeof *c);
    if (!c)
        return NULL;
    c->id = id;
    c->apic_id = apic_id;
    c->self = c;
    rq_init(&c->rq);
    cpus[id] = c;
    return c;
}

/* ---- run queue operations (rq lock held) ---- */

static inline bool is_sleeping(struct thread *t) { return t->sleep_node.next != &t->sleep_node; }

static void rq_enqueue(struct cpu *c, struct thread *t)
{
    list_push_back(&c->rq.ready[t->priority], &t->rq_node);
    c->rq.nr_ready++;
}

static void rq_dequeue(struct cpu *c, struct thread *t)
{
    list_remove(&t->rq_node);
    c->rq.nr_ready--;
}

/* Highest priority with a ready thread, or -1. */
static int rq_best_priority(struct cpu *c)
{
    for (int p = SCHED_PRIORITIES - 1; p >= 0; p--)
        if (!list_empty(&c->rq.ready[p]))
            return p;
    return -1;
}

static void sleeper_insert(struct cpu *c, struct thread *t, uint64_t deadline)
{
    t->wake_at_ns = deadline;
    struct list_node *pos;
    list_for_each(pos, &c->rq.sleepers) {
        if (list_entry(pos, struct thread, sleep_node)->wake_at_ns > deadline)
            break;
    }
    list_insert_between(&t->sleep_node, pos->prev, pos);
}

/* Would a ready thread on c deserve the CPU over its current thread? */
static bool should_preempt(struct cpu *c)
{
    struct thread *cur = c->current;
    int best = rq_best_priority(c);
    if (best < 0)
        return false;
    return cur == c->idle || best > cur->priority;
}

/* Make sure this CPU's one-shot timer fires no later than its next event
 * (the first sleeper's deadline, or the end of the slice when another thread
 * could use the CPU). A timer already set to fire earlier is left alone: it
 * fires, finds nothing due, and re-arms. Writing the APIC is an exit to the
 * emulator under QEMU, so switches that only push the slice end later cost
 * nothing here. rq lock held, c local. */
static void rearm_timer(struct cpu *c)
{
    uint64_t next = 0;
    if (!list_empty(&c->rq.sleepers))
        next = list_entry(c->rq.sleepers.next, struct thread, sleep_node)->wake_at_ns;
    struct thread *cur = c->current;
    if (cur && cur != c->idle && rq_best_priority(c) >= cur->priority &&
        (next == 0 || c->slice_end_ns < next))
        next = c->slice_end_ns;
    if (next == 0 || (c->timer_deadline_ns != 0 && c->timer_deadline_ns <= next))
        return;
    c->timer_deadline_ns = next;
    uint64_t now = time_ns();
    lapic_timer_oneshot(next > now ? next - now : 1);
}

/* Find an idle CPU other than `not` to help; NULL if none. */
static struct cpu *find_idle_cpu(struct cpu *not)
{
    uint64_t mask = __atomic_load_n(&idle_mask, __ATOMIC_RELAXED);
    if (not)
        mask &= ~(1ULL << not->id);
    return mask ? cpus[__builtin_ctzll(mask)] : NULL;
}

/* t was just queued on c (rq lock of c held): make sure someone runs it
 * soon. Returns the CPU to send a reschedule IPI to after unlocking, or NULL. */
static struct cpu *after_enqueue(struct cpu *c, struct thread *t)
{
    struct cpu *self = this_cpu();
    if (c == self) {
        if (should_preempt(c))
            c->need_resched = true;
        else
            rearm_timer(c);     /* a slice timer may now be needed */
    } else if (should_preempt(c) || c->rq.nr_ready == 1) {
        return c;
    }
    /* More runnable threads than this CPU can run now: wake an idle helper. */
    if (c->current != c->idle && t->pinned_cpu < 0)
        return find_idle_cpu(c);
    return NULL;
}

static void kick(struct cpu *c)
{
    if (!c || !c->online || c == this_cpu())
        return;
    /* An idle CPU still polling its queue will see the new thread by itself.
     * The fence orders our queue update before reading its flag; the idle
     * loop does the mirror image (clear the flag, fence, re-check). */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (__atomic_load_n(&c->polling, __ATOMIC_RELAXED))
        return;
    lapic_send_ipi(c->apic_id, VEC_RESCHED);
}

/* ---- blocking and waking ---- */

enum wake_reason sched_block(spinlock_t *held, uint64_t deadline_ns)
{
    if (!sched_running)
        panic("a thread would block before the scheduler runs");
    struct cpu *c = this_cpu();
    struct thread *t = c->current;
    spin_lock(&c->rq.lock);
    t->state = THREAD_BLOCKED;
    t->wake_reason = WAKE_NONE;
    if (deadline_ns) {
        sleeper_insert(c, t, deadline_ns);
        rearm_timer(c);
    }
    spin_unlock(&c->rq.lock);
    if (held)
        spin_unlock(held);
    schedule();
    return t->wake_reason;
}

/* Wake t with a reason; the rq lock of its CPU is taken here. */
static bool wake(struct thread *t, enum wake_reason why)
{
    uint64_t flags = irq_save();
    struct cpu *c;
    for (;;) {
        c = __atomic_load_n(&t->cpu, __ATOMIC_ACQUIRE);
        spin_lock(&c->rq.lock);
        if (t->cpu == c)
            break;
        spin_unlock(&c->rq.lock);
    }
    struct cpu *to_kick = NULL;
    bool woke = t->state == THREAD_BLOCKED;
    if (woke) {
        if (is_sleeping(t))
            list_remove(&t->sleep_node);
        t->wake_reason = why;
        t->state = THREAD_READY;
        rq_enqueue(c, t);
        to_kick = after_enqueue(c, t);
    }
    spin_unlock(&c->rq.lock);
    kick(to_kick);
    irq_restore(flags);
    preempt_check();
    return woke;
}

bool sched_wake(struct thread *t) { return wake(t, WAKE_SIGNALED); }

/* ---- switching ---- */

static void set_idle(struct cpu *c, bool idle)
{
    if (idle)
        __atomic_or_fetch(&idle_mask, 1ULL << c->id, __ATOMIC_RELAXED);
    else
        __atomic_and_fetch(&idle_mask, ~(1ULL << c->id), __ATOMIC_RELAXED);
}

/* Runs on the new thread's stack right after a switch: restore its FPU state,
 * release the previous thread and the run-queue lock. */
void finish_switch(struct thread *last)
{
    struct cpu *c = this_cpu();
    fpu_restore(c->current->fpu);
    bool reap = last->state == THREAD_DEAD && reaper_should_take(last);
    __atomic_store_n(&last->on_cpu, 0, __ATOMIC_RELEASE);
    spin_unlock(&c->rq.lock);
    if (reap)
        reaper_wake();
}

void schedule(void)
{
    struct cpu *c = this_cpu();
    struct thread *prev = c->current;
    spin_lock(&c->rq.lock);
    c->need_resched = false;
    if (prev->state == THREAD_RUNNING && prev != c->idle) {
        prev->state = THREAD_READY;
        rq_enqueue(c, prev);
    }
    struct thread *next = NULL;
    int best = rq_best_priority(c);
    if (best >= 0) {
        next = list_entry(c->rq.ready[best].next, struct thread, rq_node);
        rq_dequeue(c, next);
    } else {
        next = c->idle;
    }
    next->state = THREAD_RUNNING;
    uint64_t now = time_ns();
    if (next == prev) {
        rearm_timer(c);
        spin_unlock(&c->rq.lock);
        return;
    }
    prev->run_ns += now - prev->switched_in_ns;
    if (prev == c->idle) {
        c->idle_ns += now - c->idle_since_ns;
        set_idle(c, false);
        /* Interrupted while polling: wakers must send IPIs again. */
        __atomic_store_n(&c->polling, false, __ATOMIC_RELAXED);
    }
    if (next == c->idle) {
        c->idle_since_ns = now;
        set_idle(c, true);
    }
    next->switched_in_ns = now;
    next->switches++;
    next->cpu = c;
    next->last_cpu = c->id;
    next->on_cpu = 1;
    c->current = next;
    c->context_switches++;
    c->slice_end_ns = now + SLICE_NS;
    rearm_timer(c);
    fpu_save(prev->fpu);
    if (next->space != prev->space)
        vm_space_activate(next->space);
    struct thread *last = switch_to(prev, next);
    finish_switch(last);
}

/* First code of every new thread (from thread_entry_trampoline). */
_Noreturn void thread_start(struct thread *last)
{
    finish_switch(last);
    irq_enable();
    struct thread *t = thread_current();
    t->fn(t->arg);
    thread_exit(0);
}

/* ---- preemption ---- */

void preempt_resched(void)
{
    if (!preempt_enabled() || !irq_enabled())
        return;
    uint64_t flags = irq_save();
    if (this_cpu()->need_resched && this_cpu()->preempt_count == 0)
        schedule();
    irq_restore(flags);
}

void sched_irq_exit(struct trap_frame *frame)
{
    (void)frame;
    struct cpu *c = this_cpu();
    if (sched_running && c->need_resched && c->preempt_count == 0)
        schedule();
}

void irq_exit(struct trap_frame *frame)
{
    this_cpu()->irqs++;
    sched_irq_exit(frame);
}

/* ---- timer and reschedule interrupts ---- */

void sched_timer_irq(void)
{
    struct cpu *c = this_cpu();
    c->timer_irqs++;
    spin_lock(&c->rq.lock);
    c->timer_deadline_ns = 0;
    uint64_t now = time_ns();
    while (!list_empty(&c->rq.sleepers)) {
        struct thread *t = list_entry(c->rq.sleepers.next, struct thread, sleep_node);
        if (t->wake_at_ns > now)
            break;
        list_remove(&t->sleep_node);
        if (t->state == THREAD_BLOCKED) {
            t->state = THREAD_READY;
            t->wake_reason = WAKE_TIMEOUT;
            rq_enqueue(c, t);
        }
    }
    struct thread *cur = c->current;
    if (should_preempt(c)) {
        c->need_resched = true;
    } else if (cur != c->idle && now >= c->slice_end_ns) {
        if (rq_best_priority(c) >= cur->priority)
            c->need_resched = true;         /* round-robin within the priority */
        else
            c->slice_end_ns = now + SLICE_NS;
    }
    rearm_timer(c);
    spin_unlock(&c->rq.lock);
}

static bool timer_trap(struct trap_frame *frame)
{
    sched_timer_irq();
    lapic_eoi();
    irq_exit(frame);
    return true;
}

static bool resched_trap(struct trap_frame *frame)
{
    struct cpu *c = this_cpu();
    lapic_eoi();
    spin_lock(&c->rq.lock);
    if (should_preempt(c))
        c->need_resched = true;
    rearm_timer(c);
    spin_unlock(&c->rq.lock);
    irq_exit(frame);
    return true;
}

/* ---- idle and stealing ---- */

/* Take a ready thread from another CPU for c; NULL if there is none to take. */
static struct thread *steal(struct cpu *c)
{
    for (unsigned k = 1; k < cpu_count; k++) {
        struct cpu *victim = cpus[(c->id + k) % cpu_count];
        if (!victim || !victim->online || __atomic_load_n(&victim->rq.nr_ready, __ATOMIC_RELAXED) == 0)
            continue;
        struct thread *found = NULL;
        spin_lock(&victim->rq.lock);
        for (int p = SCHED_PRIORITIES - 1; p >= 0 && !found; p--) {
            struct list_node *pos;
            list_for_each(pos, &victim->rq.ready[p]) {
                struct thread *t = list_entry(pos, struct thread, rq_node);
                if (t->pinned_cpu < 0 && !__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE)) {
                    rq_dequeue(victim, t);
                    t->cpu = c;
                    found = t;
                    break;
                }
            }
        }
        spin_unlock(&victim->rq.lock);
        if (found)
            return found;
    }
    return NULL;
}

/* How long an idle CPU watches its run queue before it halts. Waking a
 * halted CPU takes an IPI, and under QEMU a host thread wake-up that costs far
 * more than this; work handed over soon after going idle is common (a thread
 * blocking on another that runs elsewhere). */
#define IDLE_POLL_NS (200 * NS_PER_US)

static bool has_work(struct cpu *c)
{
    return __atomic_load_n(&c->rq.nr_ready, __ATOMIC_RELAXED) > 0 || c->need_resched;
}

_Noreturn void sched_idle_loop(void)
{
    for (;;) {
        irq_disable();
        struct cpu *c = this_cpu();
        if (c->rq.nr_ready == 0) {
            struct thread *t = steal(c);
            if (t) {
                spin_lock(&c->rq.lock);
                rq_enqueue(c, t);
                spin_unlock(&c->rq.lock);
            }
        }
        if (has_work(c)) {
            schedule();
            irq_enable();
            continue;
        }
        __atomic_store_n(&c->polling, true, __ATOMIC_RELAXED);
        irq_enable();
        uint64_t end = time_ns() + IDLE_POLL_NS;
        while (!has_work(c) && time_ns() < end)
            cpu_pause();
        irq_disable();
        __atomic_store_n(&c->polling, false, __ATOMIC_RELAXED);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (has_work(c))
            continue;
        /* STI's one-instruction delay makes "sti; hlt" atomic: a wake-up IPI
         * that arrived since the check ends the hlt. */
        __asm__ volatile("sti; hlt" : : : "memory");
    }
}

/* ---- start-up ---- */

/* Make the code running now on CPU c into a thread (the boot flow on CPU 0,
 * or an AP's idle thread). */
static struct thread *adopt_boot_context(struct cpu *c, const char *name, int priority)
{
    struct thread *t = thread_alloc_struct(name);
    if (!t)
        panic("sched: no memory for thread %s", name);
    t->priority = priority;
    t->cpu = c;
    t->on_cpu = 1;
    t->state = THREAD_RUNNING;
    t->switched_in_ns = time_ns();
    thread_register(t);
    c->current = t;
    return t;
}

static void idle_main(void *unused)
{
    (void)unused;
    sched_idle_loop();
}

void sched_init(void)
{
    sched_early_init();
    fpu_init();
    lapic_timer_calibrate();
    thread_subsystem_init();
    /* The boot flow (kernel_main) goes on as the thread "main", kept on
     * the boot CPU (device set-up and the monitor then always run there);
     * CPU 0 gets an idle thread of its own, run when nothing else is ready. */
    struct thread *main_thread = adopt_boot_context(&cpu0, "main", PRIO_NORMAL);
    main_thread->pinned_cpu = 0;
    cpu0.online = true;
    struct thread_opts opts = { .stack_size = 0, .cpu = 0 };
    cpu0.idle = thread_create_idle("idle0", idle_main, &opts);
    if (!cpu0.idle)
        panic("sched: cannot create the idle thread");
    trap_set_handler(VEC_TIMER, timer_trap);
    trap_set_handler(VEC_RESCHED, resched_trap);
    trap_set_handler(VEC_DOUBLE_FAULT, sched_double_fault);
    sched_running = true;
    reaper_start();
    ktimer_start();
    irq_enable();
    log_info("sched: running, %zu-byte FPU save areas", fpu_area_size());
}

_Noreturn void sched_ap_start(unsigned id)
{
    struct cpu *c = cpus[id];
    char name[THREAD_NAME_MAX];
    snprintf(name, sizeof name, "idle%u", id);
    struct thread *t = adopt_boot_context(c, name, PRIO_IDLE);
    t->pinned_cpu = (int)id;
    c->idle = t;
    c->idle_since_ns = time_ns();
    set_idle(c, true);
    __atomic_store_n(&c->online, true, __ATOMIC_RELEASE);
    sched_idle_loop();
}

unsigned cpus_online(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < cpu_count; i++)
        n += cpus[i] && __atomic_load_n(&cpus[i]->online, __ATOMIC_ACQUIRE);
    return n;
}

/* ---- placement of new threads ---- */

/* The CPU a new thread should start on: pinned, else the least loaded. */
static struct cpu *pick_cpu(struct thread *t)
{
    if (t->pinned_cpu >= 0 && (unsigned)t->pinned_cpu < cpu_count && cpus[t->pinned_cpu])
        return cpus[t->pinned_cpu];
    struct cpu *self = this_cpu(), *best = self;
    unsigned best_load = ~0u;
    for (unsigned i = 0; i < cpu_count; i++) {
        struct cpu *c = cpus[(self->id + i) % cpu_count];
        if (!c || !c->online)
            continue;
        unsigned load = __atomic_load_n(&c->rq.nr_ready, __ATOMIC_RELAXED) + (c->current != c->idle);
        if (load < best_load) {
            best_load = load;
            best = c;
        }
    }
    return best;
}

void sched_enqueue_new(struct thread *t)
{
    uint64_t flags = irq_save();
    struct cpu *c = pick_cpu(t);
    spin_lock(&c->rq.lock);
    t->cpu = c;
    t->state = THREAD_READY;
    rq_enqueue(c, t);
    struct cpu *to_kick = sched_running ? after_enqueue(c, t) : NULL;
    spin_unlock(&c->rq.lock);
    kick(to_kick);
    irq_restore(flags);
    preempt_check();
}

void sched_yield_current(void)
{
    uint64_t flags = irq_save();
    schedule();
    irq_restore(flags);
}

enum wake_reason sched_sleep_until(uint64_t deadline_ns)
{
    uint64_t flags = irq_save();
    enum wake_reason why = sched_block(NULL, deadline_ns);
    irq_restore(flags);
    return why;
}

bool sched_wake_timeout(struct thread *t) { return wake(t, WAKE_TIMEOUT); }
