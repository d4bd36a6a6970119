/*
 * kernel/net/stack.c — a network stack instance: its lock, clock, random
 * numbers, timer heap, deferred (looped-back) input, and counters.
 */
#include "net/netpriv.h"

/* ---- creation ---- */

static void net_ktimer_fn(void *arg);

/* Returns a stack with a loopback interface, or NULL if memory is short. */
struct net_stack *net_stack_create(const char *name)
{
    struct net_stack *ns = kzalloc(sizeof(*ns));
    if (!ns)
        return NULL;
    mutex_init(&ns->lock, "net");
    strlcpy(ns->name, name ? name : "net", sizeof(ns->name));
    timer_init(&ns->ktimer, net_ktimer_fn, ns);
    list_init(&ns->netifs);
    list_init(&ns->deferred);
    list_init(&ns->reass);
    list_init(&ns->udp_pcbs);
    list_init(&ns->tcp_all);
    list_init(&ns->tcp_listeners);
    list_init(&ns->tcp_time_wait);
    for (int i = 0; i < NET_TCP_HASH_BUCKETS; i++)
        list_init(&ns->tcp_hash[i]);
    list_init(&ns->sockets);
    cond_init(&ns->poll_cv);
    ns->rng = time_ns() ^ ((uint64_t)(uintptr_t)ns << 16) ^ 0x9e3779b97f4a7c15ull;
    ns->ip_id = (uint16_t)net_random(ns);
    ns->icmp_tokens = NET_ICMP_ERRORS_PER_SEC;

    if (arp_init(ns) < 0 || ip_init(ns) < 0 || tcp_init(ns) < 0 || dns_init(ns) < 0 ||
        loopback_create(ns) < 0) {
        net_stack_destroy(ns);
        return NULL;
    }
    return ns;
}

/* Frees every protocol's state. Interfaces other than loopback must have been
 * removed; sockets still open are closed. */
void net_stack_destroy(struct net_stack *ns)
{
    if (!ns)
        return;
    net_lock(ns);
    ns->dying = true;
    if (timer_cancel(&ns->ktimer))
        ns->ktimer_deadline = 0;
    mutex_unlock(&ns->lock);
    /* A callback already on its way takes the lock, sees dying and clears the deadline. */
    for (;;) {
        mutex_lock(&ns->lock);
        bool idle = ns->ktimer_deadline == 0;
        mutex_unlock(&ns->lock);
        if (idle)
            break;
        thread_yield();
    }

    mutex_lock(&ns->lock);
    while (!list_empty(&ns->sockets)) {
        struct socket *s = list_entry(ns->sockets.next, struct socket, node);
        mutex_unlock(&ns->lock);
        sock_close(s);
        mutex_lock(&ns->lock);
    }
    dns_shutdown(ns);
    tcp_shutdown_all(ns);
    while (!list_empty(&ns->udp_pcbs))
        udp_free(list_entry(ns->udp_pcbs.next, struct udp_pcb, node));
    while (!list_empty(&ns->deferred)) {
        struct netbuf *nb = list_entry(ns->deferred.next, struct netbuf, node);
        list_remove(&nb->node);
        netbuf_free(nb);
    }
    ip_reass_shutdown(ns);
    arp_shutdown(ns);
    while (!list_empty(&ns->netifs)) {
        struct netif *nif = list_entry(ns->netifs.next, struct netif, node);
        list_remove(&nif->node);
        if (nif == ns->loopback)
            kfree(nif);
    }
    mutex_unlock(&ns->lock);
    kfree(ns->heap);
    kfree(ns);
}

/* ---- locking ---- */

void net_lock(struct net_stack *ns)
{
    mutex_lock(&ns->lock);
}

/* Arms the kernel timer for the earliest stack timer, unless it already fires
 * at or before then. */
static void net_rearm(struct net_stack *ns)
{
    if (ns->manual || ns->dying || ns->heap_len == 0)
        return;
    uint64_t next = ns->heap[0]->deadline;
    if (ns->ktimer_deadline != 0 && ns->ktimer_deadline <= next)
        return;
    ns->ktimer_deadline = next ? next : 1;
    timer_arm(&ns->ktimer, next);
}

void net_unlock(struct net_stack *ns)
{
    net_flush(ns);
    net_rearm(ns);
    mutex_unlock(&ns->lock);
}

bool net_wait(struct net_stack *ns, struct condvar *cv, uint64_t timeout_ns)
{
    /* Looped-back frames handled here may be the very event the caller
     * waits for (a connection refused on loopback): then return at once
     * instead of sleeping through a wake-up that already happened. Callers
     * re-check their condition in a loop. */
    bool had_input = !list_empty(&ns->deferred);
    net_flush(ns);
    net_rearm(ns);
    if (had_input)
        return true;
    if (timeout_ns == 0) {
        cond_wait(cv, &ns->lock);
        return true;
    }
    return cond_wait_timeout(cv, &ns->lock, timeout_ns);
}

void sock_wakeup(struct socket *s)
{
    if (!s)
        return;
    cond_broadcast(&s->cv);
    if (s->stack->pollers)
        cond_broadcast(&s->stack->poll_cv);
}

/* ---- deferred input (loopback) ---- */

void net_defer_input(struct net_stack *ns, struct netif *nif, struct netbuf *nb)
{
    if (ns->deferred_count >= NET_LOOPBACK_QUEUE_MAX) {
        nif->stats.rx_dropped++;
        netbuf_free(nb);
        return;
    }
    nb->netif = nif;
    list_push_back(&ns->deferred, &nb->node);
    ns->deferred_count++;
}

void net_flush(struct net_stack *ns)
{
    while (!list_empty(&ns->deferred)) {
        struct netbuf *nb = list_entry(ns->deferred.next, struct netbuf, node);
        list_remove(&nb->node);
        ns->deferred_count--;
        netif_receive(nb->netif, nb);
    }
}

/* ---- time ---- */

uint64_t net_now(struct net_stack *ns)
{
    return ns->clock ? ns->clock(ns->clock_arg) : time_ns();
}

void net_set_manual_clock(struct net_stack *ns, uint64_t (*clock)(void *), void *arg)
{
    net_lock(ns);
    ns->clock = clock;
    ns->clock_arg = arg;
    ns->manual = true;
    if (timer_cancel(&ns->ktimer))
        ns->ktimer_deadline = 0;
    net_unlock(ns);
}

static void heap_swap(struct net_stack *ns, uint32_t a, uint32_t b)
{
    struct net_timer *t = ns->heap[a];
    ns->heap[a] = ns->heap[b];
    ns->heap[b] = t;
    ns->heap[a]->heap_index = (int32_t)a;
    ns->heap[b]->heap_index = (int32_t)b;
}

static void heap_up(struct net_stack *ns, uint32_t i)
{
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (ns->heap[parent]->deadline <= ns->heap[i]->deadline)
            break;
        heap_swap(ns, i, parent);
        i = parent;
    }
}

static void heap_down(struct net_stack *ns, uint32_t i)
{
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < ns->heap_len && ns->heap[l]->deadline < ns->heap[m]->deadline)
            m = l;
        if (r < ns->heap_len && ns->heap[r]->deadline < ns->heap[m]->deadline)
            m = r;
        if (m == i)
            break;
        heap_swap(ns, i, m);
        i = m;
    }
}

/* Registers t with the stack and makes sure the heap can hold every
 * registered timer at once, so that arming never needs memory. */
int ntimer_init(struct net_stack *ns, struct net_timer *t,
                void (*fn)(struct net_stack *, struct net_timer *))
{
    t->deadline = 0;
    t->heap_index = -1;
    t->fn = fn;
    if (ns->timers_registered == ns->heap_cap) {
        uint32_t cap = ns->heap_cap ? ns->heap_cap * 2 : 64;
        struct net_timer **heap = krealloc(ns->heap, cap * sizeof(*heap));
        if (!heap)
            return -ENOMEM;
        ns->heap = heap;
        ns->heap_cap = cap;
    }
    ns->timers_registered++;
    return 0;
}

void ntimer_destroy(struct net_stack *ns, struct net_timer *t)
{
    ntimer_cancel(ns, t);
    ns->timers_registered--;
}

void ntimer_arm(struct net_stack *ns, struct net_timer *t, uint64_t deadline)
{
    if (t->heap_index >= 0) {
        uint64_t old = t->deadline;
        t->deadline = deadline;
        if (deadline < old)
            heap_up(ns, (uint32_t)t->heap_index);
        else
            heap_down(ns, (uint32_t)t->heap_index);
        return;
    }
    if (ns->heap_len >= ns->heap_cap)
        panic("net: timer heap overflow (%u timers)", ns->heap_len);
    t->deadline = deadline;
    t->heap_index = (int32_t)ns->heap_len;
    ns->heap[ns->heap_len++] = t;
    heap_up(ns, (uint32_t)t->heap_index);
}

void ntimer_cancel(struct net_stack *ns, struct net_timer *t)
{
    if (t->heap_index < 0)
        return;
    uint32_t i = (uint32_t)t->heap_index;
    uint32_t last = --ns->heap_len;
    if (i != last) {
        ns->heap[i] = ns->heap[last];
        ns->heap[i]->heap_index = (int32_t)i;
        heap_down(ns, i);
        heap_up(ns, i);
    }
    t->heap_index = -1;
}

uint64_t net_next_deadline(struct net_stack *ns)
{
    net_lock(ns);
    uint64_t d = ns->heap_len ? ns->heap[0]->deadline : UINT64_MAX;
    mutex_unlock(&ns->lock);
    return d;
}

/* Runs every expired timer; a handler may re-arm its own or others' timers. */
static void net_run_timers_locked(struct net_stack *ns)
{
    uint64_t now = net_now(ns);
    while (ns->heap_len && ns->heap[0]->deadline <= now) {
        struct net_timer *t = ns->heap[0];
        ntimer_cancel(ns, t);
        t->fn(ns, t);
    }
}

void net_run_timers(struct net_stack *ns)
{
    net_lock(ns);
    net_run_timers_locked(ns);
    net_unlock(ns);
}

static void net_ktimer_fn(void *arg)
{
    struct net_stack *ns = arg;
    mutex_lock(&ns->lock);
    ns->ktimer_deadline = 0;
    if (ns->dying) {
        mutex_unlock(&ns->lock);
        return;
    }
    net_run_timers_locked(ns);
    net_unlock(ns);
}

/* ---- random numbers: xorshift64* (Vigna 2014); not cryptographic, but the
 *      ISN also goes through a keyed hash (tcp.c). ---- */

void net_seed_random(struct net_stack *ns, uint64_t seed)
{
    net_lock(ns);
    ns->rng = seed ? seed : 1;
    net_unlock(ns);
}

uint32_t net_random(struct net_stack *ns)
{
    uint64_t x = ns->rng;
    if (!ns->manual)
        x ^= time_ns() & 0xff;   /* stir in timing noise on real clocks */
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    if (x == 0)
        x = 0x2545f4914f6cdd1dull;
    ns->rng = x;
    return (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
}

/* ---- counters ---- */

void net_get_counters(struct net_stack *ns, struct net_counters *out)
{
    net_lock(ns);
    *out = ns->counters;
    net_unlock(ns);
}

void net_get_usage(struct net_stack *ns, struct net_usage *out)
{
    memset(out, 0, sizeof(*out));
    net_lock(ns);
    struct list_node *pos;
    list_for_each(pos, &ns->tcp_all) {
        struct tcp_pcb *pcb = list_entry(pos, struct tcp_pcb, all_node);
        out->tcp_pcbs++;
        if (pcb->state == TCP_LISTEN)
            out->tcp_listeners++;
    }
    out->tcp_half_open = ns->tcp_half_open;
    out->tcp_time_wait = ns->tcp_time_wait_count;
    list_for_each(pos, &ns->udp_pcbs)
        out->udp_pcbs++;
    out->sockets = ns->socket_count;
    net_unlock(ns);
}

/* ---- dotted-quad text ---- */

int ip4_parse(const char *s, ip4_addr_t *out)
{
    uint32_t addr = 0;
    for (int part = 0; part < 4; part++) {
        if (*s < '0' || *s > '9')
            return -EINVAL;
        uint32_t v = 0;
        int digits = 0;
        while (*s >= '0' && *s <= '9') {
            v = v * 10 + (uint32_t)(*s++ - '0');
            if (++digits > 3 || v > 255)
                return -EINVAL;
        }
        addr = addr << 8 | v;
        if (part < 3 && *s++ != '.')
            return -EINVAL;
    }
    if (*s)
        return -EINVAL;
    *out = addr;
    return 0;
}

char *ip4_format(ip4_addr_t a, char buf[16])
{
    snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
    return buf;
}
