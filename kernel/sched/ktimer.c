/*
 * kernel/sched/ktimer.c — kernel timers (struct ktimer in sched.h): a list
 * sorted by deadline and one high-priority thread, "ktimerd", that sleeps
 * until the first deadline and runs the callbacks that are due, in order.
 */
#include "lib/lib.h"
#include "core/log.h"
#include "core/time.h"
#include "sched/thread.h"
#include "sched/sched_internal.h"

static spinlock_t ktimer_lock = SPINLOCK_INIT("ktimer");
static struct list_node ktimers = LIST_INIT(ktimers);
static struct semaphore ktimer_kick;
static uint64_t ktimer_fired;

void timer_init(struct ktimer *t, void (*fn)(void *), void *arg)
{
    list_init(&t->node);
    t->deadline_ns = 0;
    t->fn = fn;
    t->arg = arg;
    t->armed = false;
}

void timer_arm(struct ktimer *t, uint64_t deadline_ns)
{
    uint64_t flags = spin_lock_irqsave(&ktimer_lock);
    if (t->armed)
        list_remove(&t->node);
    t->deadline_ns = deadline_ns;
    t->armed = true;
    struct list_node *pos;
    list_for_each(pos, &ktimers) {
        if (list_entry(pos, struct ktimer, node)->deadline_ns > deadline_ns)
            break;
    }
    list_insert_between(&t->node, pos->prev, pos);
    bool first = ktimers.next == &t->node;
    spin_unlock_irqrestore(&ktimer_lock, flags);
    if (first)
        sem_up(&ktimer_kick);   /* ktimerd may be sleeping until a later deadline */
}

bool timer_cancel(struct ktimer *t)
{
    uint64_t flags = spin_lock_irqsave(&ktimer_lock);
    bool was = t->armed;
    if (was) {
        list_remove(&t->node);
        t->armed = false;
    }
    spin_unlock_irqrestore(&ktimer_lock, flags);
    return was;
}

static void ktimerd(void *unused)
{
    (void)unused;
    for (;;) {
        uint64_t flags = spin_lock_irqsave(&ktimer_lock);
        uint64_t next = 0;
        while (!list_empty(&ktimers)) {
            struct ktimer *t = list_entry(ktimers.next, struct ktimer, node);
            if (t->deadline_ns > time_ns()) {
                next = t->deadline_ns;
                break;
            }
            list_remove(&t->node);
            t->armed = false;
            void (*fn)(void *) = t->fn;
            void *arg = t->arg;
            spin_unlock_irqrestore(&ktimer_lock, flags);
            fn(arg);            /* may re-arm or free t */
            ktimer_fired++;
            flags = spin_lock_irqsave(&ktimer_lock);
        }
        spin_unlock_irqrestore(&ktimer_lock, flags);
        if (next) {
            uint64_t now = time_ns();
            sem_down_timeout(&ktimer_kick, next > now ? next - now : 0);
        } else {
            sem_down(&ktimer_kick);
        }
    }
}

void ktimer_start(void)
{
    sem_init(&ktimer_kick, 0);
    if (!thread_create("ktimerd", ktimerd, NULL, PRIO_HIGH))
        panic("sched: cannot start ktimerd");
}
