/*
 * tests/unit/net/nettest.c — see nettest.h.
 */
#include "nettest.h"

#include <stdio.h>
#include <stdlib.h>

uint64_t nt_now = 1000 * NS_PER_S;

uint64_t nt_clock(void *arg)
{
    (void)arg;
    return nt_now;
}

const uint8_t NT_MAC_A[6] = { 0x02, 0, 0, 0, 0, 0x01 };
const uint8_t NT_MAC_B[6] = { 0x02, 0, 0, 0, 0, 0x02 };
const uint8_t NT_MAC_PEER[6] = { 0x02, 0, 0, 0, 0, 0x99 };

struct nt_frame {
    struct list_node node;
    uint64_t at;
    struct nt_port *to;
    uint32_t len;
    uint8_t data[];
};

static uint32_t wire_rand(struct nt_wire *w)
{
    w->rng ^= w->rng << 13;
    w->rng ^= w->rng >> 7;
    w->rng ^= w->rng << 17;
    return (uint32_t)(w->rng >> 11);
}

static void wire_queue(struct nt_wire *w, struct nt_port *to, const uint8_t *data, uint32_t len,
                       uint64_t at)
{
    struct nt_frame *f = malloc(sizeof(*f) + len);
    assert_non_null(f);
    f->at = at;
    f->to = to;
    f->len = len;
    memcpy(f->data, data, len);
    /* Keep in_flight sorted by delivery time (stable for equal times). */
    struct list_node *pos;
    for (pos = w->in_flight.prev; pos != &w->in_flight; pos = pos->prev)
        if (list_entry(pos, struct nt_frame, node)->at <= at)
            break;
    list_insert_between(&f->node, pos, pos->next);
}

static int wire_transmit(struct netif *nif, struct netbuf *nb)
{
    struct nt_port *port = container_of(nif, struct nt_port, nif);
    struct nt_wire *w = port->wire;
    if (!w) {
        list_push_back(&port->captured, &nb->node);
        port->ncaptured++;
        return 0;
    }
    /* Complete a checksum left to the "device", as a NIC would. */
    if (nb->flags & NETBUF_TX_CSUM) {
        uint8_t *l4 = nb->buf + nb->csum_start;
        uint32_t l4len = (uint32_t)(nb->data + nb->len - l4);
        uint16_t c = nt_csum(l4, l4len, 0);
        if (c == 0 && nb->csum_offset == 6)
            c = 0xffff;
        l4[nb->csum_offset] = (uint8_t)(c >> 8);
        l4[nb->csum_offset + 1] = (uint8_t)c;
    }
    w->frames++;
    bool from_a = port == &w->a;
    if (w->filter && !w->filter(w->filter_arg, from_a, nb->data, nb->len)) {
        netbuf_free(nb);
        return 0;
    }
    if (wire_rand(w) % 10000 < w->cfg.loss_pct_x100) {
        w->lost++;
        netbuf_free(nb);
        return 0;
    }
    uint64_t at = nt_now + w->cfg.delay_ns;
    if (wire_rand(w) % 10000 < w->cfg.reorder_pct_x100) {
        at += w->cfg.reorder_ns;
        w->reordered++;
    }
    wire_queue(w, port->peer, nb->data, nb->len, at);
    if (wire_rand(w) % 10000 < w->cfg.dup_pct_x100) {
        w->duplicated++;
        wire_queue(w, port->peer, nb->data, nb->len, at + 1000);
    }
    netbuf_free(nb);
    return 0;
}

static const struct netif_ops wire_ops = { .transmit = wire_transmit };

static void port_init(struct nt_port *port, const char *name, const uint8_t mac[6])
{
    memset(port, 0, sizeof(*port));
    strlcpy(port->nif.name, name, sizeof(port->nif.name));
    memcpy(port->nif.hwaddr, mac, 6);
    port->nif.mtu = 1500;
    port->nif.flags = NETIF_UP | NETIF_LINK_UP | NETIF_ETHERNET;
    port->nif.ops = &wire_ops;
    list_init(&port->captured);
}

static struct net_stack *stack_new(const char *name, uint64_t seed)
{
    struct net_stack *ns = net_stack_create(name);
    assert_non_null(ns);
    net_set_manual_clock(ns, nt_clock, NULL);
    net_seed_random(ns, seed);
    return ns;
}

void nt_pair_init(struct nt_pair *p, const struct nt_wire_cfg *cfg)
{
    struct nt_wire *w = calloc(1, sizeof(*w));
    assert_non_null(w);
    if (cfg)
        w->cfg = *cfg;
    w->rng = w->cfg.seed ? w->cfg.seed : 0x1234567;
    list_init(&w->in_flight);
    port_init(&w->a, "eth0", NT_MAC_A);
    port_init(&w->b, "eth0", NT_MAC_B);
    w->a.wire = w->b.wire = w;
    w->a.peer = &w->b;
    w->b.peer = &w->a;
    p->wire = w;
    p->a = stack_new("A", 11 + w->rng);
    p->b = stack_new("B", 22 + w->rng);
    assert_int_equal(netif_add(p->a, &w->a.nif), 0);
    assert_int_equal(netif_add(p->b, &w->b.nif), 0);
    assert_int_equal(netif_set_addr(&w->a.nif, IP4(10, 0, 0, 1), 24), 0);
    assert_int_equal(netif_set_addr(&w->b.nif, IP4(10, 0, 0, 2), 24), 0);
}

void nt_pair_destroy(struct nt_pair *p)
{
    struct nt_wire *w = p->wire;
    netif_remove(&w->a.nif);
    netif_remove(&w->b.nif);
    net_stack_destroy(p->a);
    net_stack_destroy(p->b);
    while (!list_empty(&w->in_flight)) {
        struct nt_frame *f = list_entry(w->in_flight.next, struct nt_frame, node);
        list_remove(&f->node);
        free(f);
    }
    free(w);
}

static void deliver(struct nt_port *to, const uint8_t *data, uint32_t len)
{
    struct netbuf *nb = netbuf_alloc(64, len);
    assert_non_null(nb);
    memcpy(nb->data, data, len);
    netif_input(&to->nif, nb);
}

bool nt_run(struct nt_pair *p, bool (*cond)(void *arg), void *arg, uint64_t max_ns)
{
    struct nt_wire *w = p->wire;
    uint64_t end = nt_now + max_ns;
    for (;;) {
        if (cond && cond(arg))
            return true;
        uint64_t next = UINT64_MAX;
        if (!list_empty(&w->in_flight))
            next = list_entry(w->in_flight.next, struct nt_frame, node)->at;
        next = MIN(next, net_next_deadline(p->a));
        next = MIN(next, net_next_deadline(p->b));
        /* The "applications" in cond also get a turn every 10 ms: loopback
         * traffic completes inside their calls and schedules nothing. */
        if (cond)
            next = MIN(next, nt_now + 10 * NS_PER_MS);
        if (next > end) {
            nt_now = end;
            net_run_timers(p->a);
            net_run_timers(p->b);
            return cond ? cond(arg) : true;
        }
        if (next > nt_now)
            nt_now = next;
        while (!list_empty(&w->in_flight)) {
            struct nt_frame *f = list_entry(w->in_flight.next, struct nt_frame, node);
            if (f->at > nt_now)
                break;
            list_remove(&f->node);
            deliver(f->to, f->data, f->len);
            free(f);
        }
        net_run_timers(p->a);
        net_run_timers(p->b);
    }
}

void nt_single_init(struct nt_single *s)
{
    s->ns = stack_new("S", 77);
    port_init(&s->port, "eth0", NT_MAC_A);
    assert_int_equal(netif_add(s->ns, &s->port.nif), 0);
    assert_int_equal(netif_set_addr(&s->port.nif, IP4(10, 0, 0, 1), 24), 0);
    nt_drain_sent(s);   /* the gratuitous ARP */
}

void nt_single_destroy(struct nt_single *s)
{
    nt_drain_sent(s);
    netif_remove(&s->port.nif);
    net_stack_destroy(s->ns);
    nt_drain_sent(s);
}

void nt_inject(struct nt_single *s, const uint8_t *frame, uint32_t len)
{
    deliver(&s->port, frame, len);
}

struct netbuf *nt_pop_sent(struct nt_single *s)
{
    if (list_empty(&s->port.captured))
        return NULL;
    struct netbuf *nb = list_entry(s->port.captured.next, struct netbuf, node);
    list_remove(&nb->node);
    s->port.ncaptured--;
    /* Finish offloaded checksums so tests see what a wire would carry. */
    if (nb->flags & NETBUF_TX_CSUM) {
        uint8_t *l4 = nb->buf + nb->csum_start;
        uint32_t l4len = (uint32_t)(nb->data + nb->len - l4);
        uint16_t c = nt_csum(l4, l4len, 0);
        if (c == 0 && nb->csum_offset == 6)
            c = 0xffff;
        l4[nb->csum_offset] = (uint8_t)(c >> 8);
        l4[nb->csum_offset + 1] = (uint8_t)c;
        nb->flags &= ~NETBUF_TX_CSUM;
    }
    return nb;
}

void nt_drain_sent(struct nt_single *s)
{
    struct netbuf *nb;
    while ((nb = nt_pop_sent(s)))
        netbuf_free(nb);
}

void nt_advance(struct nt_single *s, uint64_t dt)
{
    uint64_t end = nt_now + dt;
    for (;;) {
        uint64_t next = net_next_deadline(s->ns);
        if (next > end)
            break;
        if (next > nt_now)
            nt_now = next;
        net_run_timers(s->ns);
    }
    nt_now = end;
    net_run_timers(s->ns);
}

/* A plain RFC 1071 checksum, written separately from the stack's. */
uint16_t nt_csum(const uint8_t *p, size_t len, uint32_t initial)
{
    uint32_t sum = initial;
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)); put16(p + 2, (uint16_t)v); }

uint32_t nt_build_ip(uint8_t *f, const uint8_t dst_mac[6], const uint8_t src_mac[6],
                     uint32_t src, uint32_t dst, uint8_t proto, uint8_t ttl, uint16_t id,
                     uint16_t frag, const uint8_t *payload, uint32_t len)
{
    memcpy(f, dst_mac, 6);
    memcpy(f + 6, src_mac, 6);
    put16(f + 12, 0x0800);
    uint8_t *h = f + 14;
    memset(h, 0, 20);
    h[0] = 0x45;
    put16(h + 2, (uint16_t)(20 + len));
    put16(h + 4, id);
    put16(h + 6, frag);
    h[8] = ttl;
    h[9] = proto;
    put32(h + 12, src);
    put32(h + 16, dst);
    put16(h + 10, nt_csum(h, 20, 0));
    memcpy(h + 20, payload, len);
    return 14 + 20 + len;
}

static uint32_t pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint32_t len)
{
    return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + proto + len;
}

uint32_t nt_build_udp(uint8_t *frame, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
                      const uint8_t *data, uint32_t len)
{
    uint8_t seg[2048];
    assert_true(len + 8 <= sizeof(seg));
    put16(seg, sport);
    put16(seg + 2, dport);
    put16(seg + 4, (uint16_t)(8 + len));
    put16(seg + 6, 0);
    memcpy(seg + 8, data, len);
    uint16_t c = nt_csum(seg, 8 + len, pseudo(src, dst, 17, 8 + len));
    put16(seg + 6, c ? c : 0xffff);
    return nt_build_ip(frame, NT_MAC_A, NT_MAC_PEER, src, dst, 17, 64, 1, 0, seg, 8 + len);
}

uint32_t nt_build_tcp(uint8_t *frame, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
                      uint32_t seq, uint32_t ack, uint8_t flags, uint16_t wnd,
                      const uint8_t *opts, uint32_t optlen, const uint8_t *data, uint32_t len)
{
    uint8_t seg[2048];
    uint32_t hl = 20 + optlen;
    assert_true(optlen % 4 == 0 && hl + len <= sizeof(seg));
    memset(seg, 0, 20);
    put16(seg, sport);
    put16(seg + 2, dport);
    put32(seg + 4, seq);
    put32(seg + 8, ack);
    seg[12] = (uint8_t)((hl / 4) << 4);
    seg[13] = flags;
    put16(seg + 14, wnd);
    memcpy(seg + 20, opts, optlen);
    memcpy(seg + hl, data, len);
    put16(seg + 16, nt_csum(seg, hl + len, pseudo(src, dst, 6, hl + len)));
    return nt_build_ip(frame, NT_MAC_A, NT_MAC_PEER, src, dst, 6, 64, 2, 0, seg, hl + len);
}

bool nt_parse_ip(const struct netbuf *nb, struct nt_ip_view *v)
{
    const uint8_t *f = nb->data;
    if (nb->len < 34 || f[12] != 0x08 || f[13] != 0x00)
        return false;
    const uint8_t *h = f + 14;
    uint32_t hl = (uint32_t)(h[0] & 0xf) * 4;
    uint32_t total = (uint32_t)(h[2] << 8 | h[3]);
    if ((h[0] >> 4) != 4 || hl < 20 || total < hl || 14 + total > nb->len || nt_csum(h, hl, 0) != 0)
        return false;
    v->src = (uint32_t)h[12] << 24 | (uint32_t)h[13] << 16 | (uint32_t)h[14] << 8 | h[15];
    v->dst = (uint32_t)h[16] << 24 | (uint32_t)h[17] << 16 | (uint32_t)h[18] << 8 | h[19];
    v->proto = h[9];
    v->ttl = h[8];
    v->id = (uint16_t)(h[4] << 8 | h[5]);
    v->frag = (uint16_t)(h[6] << 8 | h[7]);
    v->l4 = h + hl;
    v->l4len = total - hl;
    return true;
}

void nt_leak_start(struct nt_leak *l)
{
    struct mm_stats st;
    mm_get_stats(&st);
    l->netbufs = netbuf_live();
    l->heap = st.heap_allocations;
}

void nt_leak_check(const struct nt_leak *l)
{
    struct mm_stats st;
    mm_get_stats(&st);
    assert_int_equal(netbuf_live(), l->netbufs);
    assert_int_equal(st.heap_allocations, l->heap);
}

int nt_report(const char *suite, int total, int failed)
{
    printf("%s: %d passed, %d failed\n", suite, total - failed, failed);
    return failed ? 1 : 0;
}
