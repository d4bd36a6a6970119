/*
 * kernel/net/tcp.c — TCP connections (RFC 9293): creating, binding,
 * listening, connecting, reading and writing, closing, the connection table,
 * initial sequence numbers (RFC 6528), TIME_WAIT, and the per-connection
 * timer (retransmission per RFC 6298, delayed ACK, zero-window probes,
 * keepalive, TIME_WAIT and FIN_WAIT_2 expiry).
 */
#include "net/netpriv.h"

const char *const tcp_state_names[] = {
    "CLOSED", "LISTEN", "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED", "FIN_WAIT_1",
    "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT",
};

static void tcp_timer_fn(struct net_stack *ns, struct net_timer *t);

int tcp_init(struct net_stack *ns)
{
    for (int i = 0; i < 4; i++)
        ns->isn_secret[i] = net_random(ns);
    return 0;
}

/* Returns a CLOSED pcb with default buffers, offering timestamps, SACK and
 * window scaling; NULL if memory is short. */
struct tcp_pcb *tcp_new(struct net_stack *ns)
{
    struct tcp_pcb *pcb = kzalloc(sizeof(*pcb));
    if (!pcb)
        return NULL;
    if (ntimer_init(ns, &pcb->timer, tcp_timer_fn) < 0) {
        kfree(pcb);
        return NULL;
    }
    pcb->stack = ns;
    pcb->state = TCP_CLOSED;
    list_init(&pcb->hash_node);
    list_init(&pcb->queue_node);
    list_init(&pcb->accept_q);
    list_init(&pcb->half_open_q);
    pcb->rto_ms = NET_TCP_RTO_INIT_MS;
    pcb->mss = NET_TCP_DEFAULT_MSS;
    pcb->peer_mss = NET_TCP_DEFAULT_MSS;
    pcb->snd_buf_size = NET_TCP_SNDBUF;
    pcb->rcv_buf_size = NET_TCP_RCVBUF;
    pcb->flags = TF_TS | TF_SACK | TF_WSCALE;
    list_push_back(&ns->tcp_all, &pcb->all_node);
    ns->tcp_count++;
    return pcb;
}

static void tcp_free(struct tcp_pcb *pcb)
{
    struct net_stack *ns = pcb->stack;
    ntimer_destroy(ns, &pcb->timer);
    tcp_ring_free(&pcb->snd);
    tcp_ring_free(&pcb->rcv);
    list_remove(&pcb->all_node);
    ns->tcp_count--;
    kfree(pcb);
}

/* ---- the connection table ---- */

static uint32_t tcp_hash(ip4_addr_t laddr, uint16_t lport, ip4_addr_t raddr, uint16_t rport)
{
    uint32_t h = laddr * 2654435761u ^ raddr * 2246822519u ^ ((uint32_t)lport << 16 | rport) * 3266489917u;
    h ^= h >> 15;
    return h % NET_TCP_HASH_BUCKETS;
}

void tcp_hash_insert(struct tcp_pcb *pcb)
{
    struct net_stack *ns = pcb->stack;
    uint32_t b = tcp_hash(pcb->local_addr, pcb->local_port, pcb->remote_addr, pcb->remote_port);
    list_push_back(&ns->tcp_hash[b], &pcb->hash_node);
    pcb->hashed = true;
}

void tcp_hash_remove(struct tcp_pcb *pcb)
{
    if (pcb->hashed) {
        list_remove(&pcb->hash_node);
        pcb->hashed = false;
    }
}

struct tcp_pcb *tcp_lookup(struct net_stack *ns, ip4_addr_t laddr, uint16_t lport,
                           ip4_addr_t raddr, uint16_t rport)
{
    struct list_node *head = &ns->tcp_hash[tcp_hash(laddr, lport, raddr, rport)];
    struct list_node *pos;
    list_for_each(pos, head) {
        struct tcp_pcb *p = list_entry(pos, struct tcp_pcb, hash_node);
        if (p->local_port == lport && p->remote_port == rport && p->local_addr == laddr &&
            p->remote_addr == raddr)
            return p;
    }
    return NULL;
}

/* A listener on lport, preferring one bound to laddr over a wildcard. */
struct tcp_pcb *tcp_lookup_listener(struct net_stack *ns, ip4_addr_t laddr, uint16_t lport)
{
    struct tcp_pcb *wild = NULL;
    struct list_node *pos;
    list_for_each(pos, &ns->tcp_listeners) {
        struct tcp_pcb *p = list_entry(pos, struct tcp_pcb, hash_node);
        if (p->local_port != lport)
            continue;
        if (p->local_addr == laddr)
            return p;
        if (p->local_addr == 0)
            wild = p;
    }
    return wild;
}

/* ---- initial sequence numbers: RFC 6528, M + F(4-tuple, secret) with F =
 *      SipHash-2-4 (Aumasson and Bernstein, 2012) and M a 4 µs clock. ---- */

static uint64_t rotl64(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

#define SIPROUND(v0, v1, v2, v3) do { \
        v0 += v1; v1 = rotl64(v1, 13); v1 ^= v0; v0 = rotl64(v0, 32); \
        v2 += v3; v3 = rotl64(v3, 16); v3 ^= v2; \
        v0 += v3; v3 = rotl64(v3, 21); v3 ^= v0; \
        v2 += v1; v1 = rotl64(v1, 17); v1 ^= v2; v2 = rotl64(v2, 32); \
    } while (0)

/* SipHash-2-4 of two 64-bit words (a 16-byte message) under key k. */
static uint64_t siphash_2words(const uint32_t k[4], uint64_t m0, uint64_t m1)
{
    uint64_t k0 = (uint64_t)k[1] << 32 | k[0], k1 = (uint64_t)k[3] << 32 | k[2];
    uint64_t v0 = k0 ^ 0x736f6d6570736575ull, v1 = k1 ^ 0x646f72616e646f6dull;
    uint64_t v2 = k0 ^ 0x6c7967656e657261ull, v3 = k1 ^ 0x7465646279746573ull;
    uint64_t words[3] = { m0, m1, 16ull << 56 };
    for (int i = 0; i < 3; i++) {
        v3 ^= words[i];
        SIPROUND(v0, v1, v2, v3);
        SIPROUND(v0, v1, v2, v3);
        v0 ^= words[i];
    }
    v2 ^= 0xff;
    for (int i = 0; i < 4; i++)
        SIPROUND(v0, v1, v2, v3);
    return v0 ^ v1 ^ v2 ^ v3;
}

uint32_t tcp_new_isn(struct net_stack *ns, ip4_addr_t laddr, uint16_t lport,
                     ip4_addr_t raddr, uint16_t rport)
{
    uint64_t f = siphash_2words(ns->isn_secret, (uint64_t)laddr << 32 | raddr,
                                (uint64_t)lport << 16 | rport);
    return (uint32_t)(net_now(ns) / 4000) + (uint32_t)f;
}

/* The timestamp clock's offset for a connection (RFC 7323 §5.4): a keyed
 * hash of the 4-tuple rather than a random number, so that a new
 * incarnation of the same 4-tuple carries larger timestamps than the old
 * one and a peer's TIME_WAIT lets it in (RFC 6191) instead of PAWS
 * rejecting its SYN. */
uint32_t tcp_ts_offset(struct net_stack *ns, ip4_addr_t laddr, uint16_t lport,
                       ip4_addr_t raddr, uint16_t rport)
{
    uint64_t h = siphash_2words(ns->isn_secret, (uint64_t)raddr << 32 | laddr,
                                (uint64_t)rport << 16 | lport | 1ull << 63);
    return (uint32_t)(h >> 32);
}

uint32_t tcp_ts_now(struct tcp_pcb *pcb)
{
    return (uint32_t)(net_now(pcb->stack) / NS_PER_MS) + pcb->ts_offset;
}

/* ---- ports ---- */

static bool tcp_port_in_use(struct net_stack *ns, ip4_addr_t laddr, uint16_t port, bool reuse)
{
    struct list_node *pos;
    list_for_each(pos, &ns->tcp_all) {
        struct tcp_pcb *p = list_entry(pos, struct tcp_pcb, all_node);
        if (p->local_port != port || (p->local_addr && laddr && p->local_addr != laddr))
            continue;
        /* Listeners and bound, never connected pcbs always hold the port;
         * connections only without SOCKOPT_REUSEADDR. */
        if (p->state == TCP_LISTEN || (p->state == TCP_CLOSED && p->remote_port == 0) || !reuse)
            return true;
    }
    return false;
}

/* An ephemeral port free for connecting to raddr:rport; 0 if none. Ports
 * are shared between different peers, as the 4-tuple stays unique. */
static uint16_t tcp_alloc_port(struct net_stack *ns, ip4_addr_t laddr, ip4_addr_t raddr,
                               uint16_t rport)
{
    uint32_t range = NET_EPHEMERAL_LAST - NET_EPHEMERAL_FIRST + 1;
    uint32_t start = net_random(ns) % range;
    for (uint32_t i = 0; i < range; i++) {
        uint16_t port = (uint16_t)(NET_EPHEMERAL_FIRST + (start + i) % range);
        bool used = false;
        struct list_node *pos;
        list_for_each(pos, &ns->tcp_all) {
            struct tcp_pcb *p = list_entry(pos, struct tcp_pcb, all_node);
            if (p->local_port == port &&
                (p->state == TCP_LISTEN || (p->state == TCP_CLOSED && p->remote_port == 0) || raddr == 0 ||
                 (p->remote_addr == raddr && p->remote_port == rport && p->local_addr == laddr))) {
                used = true;
                break;
            }
        }
        if (!used)
            return port;
    }
    return 0;
}

int tcp_bind(struct tcp_pcb *pcb, ip4_addr_t addr, uint16_t port)
{
    struct net_stack *ns = pcb->stack;
    if (pcb->state != TCP_CLOSED || pcb->local_port)
        return -EINVAL;
    if (addr && !netif_is_local_addr(ns, addr))
        return -EADDRNOTAVAIL;
    if (port == 0) {
        port = tcp_alloc_port(ns, addr, 0, 0);
        if (port == 0)
            return -EADDRINUSE;
    } else if (tcp_port_in_use(ns, addr, port, pcb->flags & TF_REUSEADDR)) {
        return -EADDRINUSE;
    }
    pcb->local_addr = addr;
    pcb->local_port = port;
    return 0;
}

int tcp_listen(struct tcp_pcb *pcb, int backlog)
{
    if (pcb->state == TCP_LISTEN) {
        pcb->backlog = (uint16_t)MAX(1, MIN(backlog, NET_TCP_BACKLOG_MAX));
        return 0;
    }
    if (pcb->state != TCP_CLOSED)
        return -EINVAL;
    if (!pcb->local_port) {
        int r = tcp_bind(pcb, 0, 0);
        if (r < 0)
            return r;
    }
    pcb->backlog = (uint16_t)MAX(1, MIN(backlog, NET_TCP_BACKLOG_MAX));
    pcb->state = TCP_LISTEN;
    list_push_back(&pcb->stack->tcp_listeners, &pcb->hash_node);
    return 0;
}

/* The scale that lets the window field cover the receive buffer (RFC 7323 §2.3). */
static uint8_t tcp_wscale_for(uint32_t bufsize)
{
    uint8_t s = 0;
    while (s < 14 && (bufsize >> s) > 65535)
        s++;
    return s;
}

int tcp_alloc_buffers(struct tcp_pcb *pcb)
{
    if (pcb->snd.buf)
        return 0;
    if (tcp_ring_alloc(&pcb->snd, pcb->snd_buf_size) < 0)
        return -ENOMEM;
    /* Room for the rounding up of a scaled window (see tcp_send_segment). */
    if (tcp_ring_alloc(&pcb->rcv, pcb->rcv_buf_size + (1u << pcb->rcv_wscale)) < 0) {
        tcp_ring_free(&pcb->snd);
        return -ENOMEM;
    }
    return 0;
}

/* Effective send MSS: the peer's limit and our path's, less the timestamp
 * option that every segment carries (RFC 9293 §3.7.1, RFC 7323 §3). */
static void tcp_set_mss(struct tcp_pcb *pcb)
{
    uint32_t mss = MIN((uint32_t)pcb->peer_mss,
                       (uint32_t)ip_mtu_to(pcb->stack, pcb->remote_addr) - IP_HLEN - TCP_HLEN);
    if (pcb->flags & TF_TS)
        mss -= 12;
    pcb->mss = (uint16_t)MAX(mss, 64u);
}

int tcp_connect(struct tcp_pcb *pcb, ip4_addr_t addr, uint16_t port)
{
    struct net_stack *ns = pcb->stack;
    if (pcb->state != TCP_CLOSED)
        return pcb->state == TCP_SYN_SENT ? -EALREADY : -EISCONN;
    if (addr == 0 || addr == IP4_BROADCAST || (addr >> 28) == 0xe || port == 0)
        return -EINVAL;
    ip4_addr_t laddr = pcb->local_addr ? pcb->local_addr : ip_select_source(ns, addr);
    if (laddr == 0)
        return -ENETUNREACH;
    uint16_t lport = pcb->local_port;
    if (!lport) {
        lport = tcp_alloc_port(ns, laddr, addr, port);
        if (!lport)
            return -EADDRNOTAVAIL;
    }
    struct tcp_pcb *other = tcp_lookup(ns, laddr, lport, addr, port);
    if (other) {
        if (other->state != TCP_TIME_WAIT)
            return -EADDRINUSE;
        tcp_pcb_closed(other, 0);             /* reuse the 4-tuple */
    }
    pcb->local_addr = laddr;
    pcb->local_port = lport;
    pcb->remote_addr = addr;
    pcb->remote_port = port;
    pcb->rcv_wscale = tcp_wscale_for(pcb->rcv_buf_size);
    pcb->peer_mss = (uint16_t)(ip_mtu_to(ns, addr) - IP_HLEN - TCP_HLEN);
    tcp_set_mss(pcb);
    int r = tcp_alloc_buffers(pcb);
    if (r < 0)
        return r;
    pcb->iss = tcp_new_isn(ns, laddr, lport, addr, port);
    pcb->snd_una = pcb->snd_nxt = pcb->snd_max = pcb->iss;
    pcb->recover = pcb->iss;
    pcb->ts_offset = tcp_ts_offset(ns, laddr, lport, addr, port);
    pcb->state = TCP_SYN_SENT;
    pcb->error = 0;
    tcp_hash_insert(pcb);
    NET_STAT(ns, tcp_active_opens);
    pcb->rtt_start = net_now(ns);
    tcp_send_syn(pcb);
    tcp_timer_update(pcb);
    return 0;
}

/* ---- data ---- */

uint32_t tcp_send_space(const struct tcp_pcb *pcb)
{
    if (!pcb->snd.buf)
        return 0;
    return pcb->snd_buf_size - pcb->snd.len;
}

uint32_t tcp_readable(const struct tcp_pcb *pcb)
{
    return pcb->rcv.buf ? pcb->rcv.len : 0;
}

bool tcp_is_connected(const struct tcp_pcb *pcb)
{
    return pcb->state >= TCP_ESTABLISHED;
}

long tcp_write(struct tcp_pcb *pcb, const uint8_t *data, size_t len)
{
    uint32_t n = (uint32_t)MIN((size_t)tcp_send_space(pcb), len);
    if (n == 0)
        return 0;
    tcp_ring_write_at(&pcb->snd, pcb->snd.len, data, n);
    pcb->snd.len += n;
    return n;
}

long tcp_read(struct tcp_pcb *pcb, uint8_t *data, size_t len, bool peek)
{
    uint32_t n = (uint32_t)MIN((size_t)tcp_readable(pcb), len);
    if (n == 0)
        return 0;
    tcp_ring_read_at(&pcb->rcv, 0, data, n);
    if (peek)
        return n;
    uint32_t promised = seq_gt(pcb->rcv_adv, pcb->rcv_nxt) ? pcb->rcv_adv - pcb->rcv_nxt : 0;
    tcp_ring_consume(&pcb->rcv, n);
    /* Tell a peer that may be held back by our window that it opened. */
    if (promised < pcb->rcv_buf_size / 2 &&
        seq_gt(pcb->rcv_nxt + tcp_rcv_window(pcb), pcb->rcv_adv) &&
        pcb->state >= TCP_ESTABLISHED && !(pcb->flags & TF_FIN_RCVD)) {
        pcb->flags |= TF_WIN_UPDATE;
        tcp_output(pcb);
    }
    return n;
}

/* ---- closing ---- */

/* Removes pcb from its listener's queue, if it is on one. */
static void tcp_unqueue(struct tcp_pcb *pcb)
{
    struct tcp_pcb *l = pcb->listener;
    if (!l)
        return;
    list_remove(&pcb->queue_node);
    if (pcb->state == TCP_SYN_RECEIVED) {
        l->half_open_count--;
        pcb->stack->tcp_half_open--;
    } else {
        l->accept_count--;
    }
    pcb->listener = NULL;
}

void tcp_pcb_closed(struct tcp_pcb *pcb, int err)
{
    struct net_stack *ns = pcb->stack;
    tcp_unqueue(pcb);
    if (pcb->state == TCP_LISTEN)
        list_remove(&pcb->hash_node);
    tcp_hash_remove(pcb);
    if (pcb->state == TCP_TIME_WAIT) {
        list_remove(&pcb->queue_node);
        ns->tcp_time_wait_count--;
    }
    pcb->state = TCP_CLOSED;
    pcb->rto_deadline = pcb->persist_deadline = pcb->delack_deadline = 0;
    pcb->wait_deadline = pcb->keepalive_deadline = pcb->tlp_deadline = 0;
    ntimer_cancel(ns, &pcb->timer);
    if (err && !pcb->error)
        pcb->error = err;
    if (pcb->sock)
        sock_wakeup(pcb->sock);
    else
        tcp_free(pcb);
}

void tcp_enter_time_wait(struct tcp_pcb *pcb)
{
    struct net_stack *ns = pcb->stack;
    pcb->state = TCP_TIME_WAIT;
    pcb->rto_deadline = pcb->persist_deadline = pcb->delack_deadline = 0;
    pcb->keepalive_deadline = pcb->tlp_deadline = 0;
    pcb->wait_deadline = net_now(ns) + 2ull * NET_TCP_MSL_MS * NS_PER_MS;
    if (!pcb->sock) {
        tcp_ring_free(&pcb->snd);
        tcp_ring_free(&pcb->rcv);
    }
    list_push_back(&ns->tcp_time_wait, &pcb->queue_node);
    ns->tcp_time_wait_count++;
    if (ns->tcp_time_wait_count > NET_TCP_TIME_WAIT_MAX) {
        struct tcp_pcb *old = list_entry(ns->tcp_time_wait.next, struct tcp_pcb, queue_node);
        NET_STAT(ns, tcp_time_wait_recycled);
        if (old != pcb)
            tcp_pcb_closed(old, 0);
    }
    sock_wakeup(pcb->sock);
    tcp_timer_update(pcb);
}

/* The connection is up: fix the MSS, start congestion control, and hand a
 * passive connection to its listener's accept queue. */
void tcp_established(struct tcp_pcb *pcb)
{
    tcp_set_mss(pcb);
    tcp_cc_init(pcb);
    pcb->state = (pcb->flags & TF_FIN_QUEUED) ? TCP_FIN_WAIT_1 : TCP_ESTABLISHED;
    pcb->last_rx = net_now(pcb->stack);
    if (pcb->flags & TF_KEEPALIVE)
        pcb->keepalive_deadline = pcb->last_rx + NET_TCP_KEEPALIVE_IDLE_MS * NS_PER_MS;
    struct tcp_pcb *l = pcb->listener;
    if (l) {
        list_remove(&pcb->queue_node);
        l->half_open_count--;
        pcb->stack->tcp_half_open--;
        list_push_back(&l->accept_q, &pcb->queue_node);
        l->accept_count++;
        sock_wakeup(l->sock);
    }
    sock_wakeup(pcb->sock);
}

/* Resets a synchronized connection and reports err. */
void tcp_reset(struct tcp_pcb *pcb, int err)
{
    if (pcb->state >= TCP_SYN_RECEIVED && pcb->state != TCP_TIME_WAIT)
        tcp_send_rst(pcb->stack, pcb->local_addr, pcb->remote_addr, pcb->local_port,
                     pcb->remote_port, pcb->snd_nxt, pcb->rcv_nxt, true);
    tcp_pcb_closed(pcb, err);
}

void tcp_abort(struct tcp_pcb *pcb)
{
    tcp_reset(pcb, -ECONNABORTED);
}

void tcp_shutdown_write(struct tcp_pcb *pcb)
{
    if (pcb->flags & TF_FIN_QUEUED)
        return;
    pcb->flags |= TF_FIN_QUEUED;
    if (pcb->state == TCP_ESTABLISHED)
        pcb->state = TCP_FIN_WAIT_1;
    else if (pcb->state == TCP_CLOSE_WAIT)
        pcb->state = TCP_LAST_ACK;
    tcp_output(pcb);
}

/* The user lets go of pcb. Unread data or SOCKOPT_LINGER_ZERO reset the
 * connection (RFC 2525 §2.17); otherwise it closes gracefully as an orphan. */
void tcp_close(struct tcp_pcb *pcb)
{
    pcb->sock = NULL;
    switch (pcb->state) {
    case TCP_CLOSED:
        tcp_free(pcb);
        return;
    case TCP_LISTEN:
        while (!list_empty(&pcb->half_open_q))
            tcp_reset(list_entry(pcb->half_open_q.next, struct tcp_pcb, queue_node), 0);
        while (!list_empty(&pcb->accept_q))
            tcp_reset(list_entry(pcb->accept_q.next, struct tcp_pcb, queue_node), 0);
        tcp_pcb_closed(pcb, 0);
        return;
    case TCP_SYN_SENT:
        tcp_pcb_closed(pcb, 0);
        return;
    case TCP_TIME_WAIT:
        tcp_ring_free(&pcb->snd);
        tcp_ring_free(&pcb->rcv);
        return;
    default:
        break;
    }
    if (tcp_readable(pcb) > 0 || (pcb->flags & TF_LINGER_ZERO)) {
        tcp_reset(pcb, 0);
        return;
    }
    pcb->flags |= TF_SHUT_RD;
    tcp_shutdown_write(pcb);
    if (pcb->state == TCP_FIN_WAIT_2 && !pcb->wait_deadline) {
        pcb->wait_deadline = net_now(pcb->stack) + NET_TCP_FIN_WAIT2_MS * NS_PER_MS;
        tcp_timer_update(pcb);
    }
}

struct tcp_pcb *tcp_accept_next(struct tcp_pcb *listener)
{
    if (list_empty(&listener->accept_q))
        return NULL;
    struct tcp_pcb *pcb = list_entry(listener->accept_q.next, struct tcp_pcb, queue_node);
    list_remove(&pcb->queue_node);
    listener->accept_count--;
    pcb->listener = NULL;
    return pcb;
}

/* ICMP errors (RFC 1122 §4.2.3.9): port and protocol unreachable are hard
 * errors while connecting; the rest are soft and only remembered. */
void tcp_icmp_error(struct net_stack *ns, ip4_addr_t dst, uint16_t dport, uint16_t sport,
                    uint8_t code)
{
    struct tcp_pcb *pcb = tcp_lookup(ns, ip_select_source(ns, dst), sport, dst, dport);
    if (!pcb)
        return;
    bool hard = code == ICMP_UNREACH_PORT || code == ICMP_UNREACH_PROTOCOL;
    if (pcb->state == TCP_SYN_SENT && hard) {
        tcp_pcb_closed(pcb, -ECONNREFUSED);
    } else if (pcb->state == TCP_SYN_SENT && code != 0xff && code != ICMP_UNREACH_NEEDFRAG) {
        pcb->error = -EHOSTUNREACH;   /* reported if the connection attempt times out */
    }
}

/* Frees every connection without sending anything (stack teardown). */
void tcp_shutdown_all(struct net_stack *ns)
{
    /* Forget every queue and table first, so no unlink touches freed memory. */
    struct list_node *pos;
    list_for_each(pos, &ns->tcp_all) {
        struct tcp_pcb *pcb = list_entry(pos, struct tcp_pcb, all_node);
        list_init(&pcb->queue_node);
        list_init(&pcb->hash_node);
        pcb->hashed = false;
    }
    for (int i = 0; i < NET_TCP_HASH_BUCKETS; i++)
        list_init(&ns->tcp_hash[i]);
    list_init(&ns->tcp_listeners);
    list_init(&ns->tcp_time_wait);
    while (!list_empty(&ns->tcp_all))
        tcp_free(list_entry(ns->tcp_all.next, struct tcp_pcb, all_node));
    ns->tcp_half_open = 0;
    ns->tcp_time_wait_count = 0;
}

/* ---- timers ---- */

void tcp_timer_update(struct tcp_pcb *pcb)
{
    uint64_t d[] = { pcb->rto_deadline, pcb->persist_deadline, pcb->delack_deadline,
                     pcb->wait_deadline, pcb->keepalive_deadline, pcb->tlp_deadline };
    uint64_t next = UINT64_MAX;
    for (size_t i = 0; i < ARRAY_SIZE(d); i++)
        if (d[i] && d[i] < next)
            next = d[i];
    if (next == UINT64_MAX)
        ntimer_cancel(pcb->stack, &pcb->timer);
    else if (!ntimer_armed(&pcb->timer) || next < pcb->timer.deadline)
        ntimer_arm(pcb->stack, &pcb->timer, next);
}

/* The retransmission timer fired (RFC 6298 §5.4-5.7). Returns false if the
 * connection is gone. */
static bool tcp_rto_expired(struct tcp_pcb *pcb)
{
    struct net_stack *ns = pcb->stack;
    pcb->retries++;
    NET_STAT(ns, tcp_timeouts);
    if (pcb->state == TCP_SYN_SENT || pcb->state == TCP_SYN_RECEIVED) {
        if (pcb->retries > NET_TCP_SYN_RETRIES) {
            int err = pcb->error ? pcb->error : -ETIMEDOUT;
            pcb->error = 0;
            tcp_pcb_closed(pcb, err);
            return false;
        }
        pcb->rto_ms = MIN(pcb->rto_ms * 2, (uint32_t)NET_TCP_RTO_MAX_MS);
        NET_STAT(ns, tcp_retransmits);
        tcp_send_syn(pcb);
        return true;
    }
    if (pcb->snd_una == pcb->snd_max)
        return true;
    if (pcb->retries > NET_TCP_MAX_RETRIES) {
        tcp_reset(pcb, -ETIMEDOUT);
        return false;
    }
    tcp_cc_timeout(pcb);
    pcb->rto_ms = MIN(pcb->rto_ms * 2, (uint32_t)NET_TCP_RTO_MAX_MS);
    if (!(pcb->flags & TF_LOSS))
        pcb->snd_nxt = pcb->snd_una;          /* no SACK: go back and resend everything */
    pcb->rto_deadline = net_now(ns) + (uint64_t)pcb->rto_ms * NS_PER_MS;
    tcp_output(pcb);
    return true;
}

static void tcp_timer_fn(struct net_stack *ns, struct net_timer *t)
{
    struct tcp_pcb *pcb = container_of(t, struct tcp_pcb, timer);
    uint64_t now = net_now(ns);

    if (pcb->wait_deadline && pcb->wait_deadline <= now) {
        /* TIME_WAIT over, or an orphan gave up waiting in FIN_WAIT_2. */
        tcp_pcb_closed(pcb, 0);
        return;
    }
    if (pcb->rto_deadline && pcb->rto_deadline <= now) {
        pcb->rto_deadline = 0;
        pcb->tlp_deadline = 0;
        if (!tcp_rto_expired(pcb))
            return;
    }
    if (pcb->tlp_deadline && pcb->tlp_deadline <= now) {
        pcb->tlp_deadline = 0;
        tcp_send_tlp(pcb);
    }
    if (pcb->delack_deadline && pcb->delack_deadline <= now) {
        pcb->delack_deadline = 0;
        if (pcb->flags & TF_DELACK)
            tcp_send_ack(pcb);
    }
    if (pcb->persist_deadline && pcb->persist_deadline <= now) {
        pcb->persist_deadline = 0;
        if (pcb->snd.len > pcb->snd_nxt - pcb->snd_una) {
            if (pcb->snd_wnd == 0) {
                tcp_send_probe(pcb);
                if (pcb->persist_backoff < 16)
                    pcb->persist_backoff++;
            } else {
                pcb->flags |= TF_FORCE;       /* fill the small window after all */
            }
            tcp_output(pcb);                  /* re-arms the persist timer if needed */
        }
    }
    if (pcb->keepalive_deadline && pcb->keepalive_deadline <= now) {
        if (pcb->keepalive_probes >= NET_TCP_KEEPALIVE_PROBES) {
            tcp_reset(pcb, -ETIMEDOUT);
            return;
        }
        pcb->keepalive_probes++;
        tcp_send_probe(pcb);
        pcb->keepalive_deadline = now + NET_TCP_KEEPALIVE_INTVL_MS * NS_PER_MS;
    }
    tcp_timer_update(pcb);
}
