/*
 * tests/unit/net/test_tcp.c — TCP between two stacks over the in-process
 * wire, in virtual time: handshake and options, bulk transfers checked byte
 * by byte in both directions (clean, with loss, duplication, reordering and
 * delay, with and without SACK/timestamps), zero windows, closing in every
 * order, TIME_WAIT, resets, backlog, simultaneous open, timeouts, loopback
 * and many connections at once; memory is checked for leaks after each.
 */
#include "nettest.h"

static struct nt_leak L;

static int setup(void **state) { (void)state; nt_leak_start(&L); return 0; }
static int teardown(void **state) { (void)state; nt_leak_check(&L); return 0; }

/* Byte i of a test stream (a per-stream seed keeps streams apart). */
static uint8_t pattern(uint32_t seed, uint64_t i)
{
    uint64_t x = (i + 1) * 0x9e3779b97f4a7c15ull ^ seed;
    x ^= x >> 29;
    return (uint8_t)(x * 0xbf58476d1ce4e5b9ull >> 56);
}

struct endpoint {
    struct socket *s;
    uint32_t seed;        /* of the stream this side sends */
    uint64_t to_send, sent;
    uint64_t to_recv, received;
    uint32_t peer_seed;
    bool corrupt, eof, shut_after;
};

/* Moves as much data as the socket takes or gives, checking every byte. */
static void pump(struct endpoint *e)
{
    uint8_t buf[8192];
    while (e->sent < e->to_send) {
        size_t n = (size_t)MIN((uint64_t)sizeof(buf), e->to_send - e->sent);
        for (size_t i = 0; i < n; i++)
            buf[i] = pattern(e->seed, e->sent + i);
        long r = sock_send(e->s, buf, n, SOCK_DONTWAIT);
        if (r <= 0)
            break;
        e->sent += (uint64_t)r;
    }
    if (e->shut_after && e->sent == e->to_send) {
        sock_shutdown(e->s, SOCK_SHUT_WR);
        e->shut_after = false;
    }
    for (;;) {
        long r = sock_recv(e->s, buf, sizeof(buf), SOCK_DONTWAIT);
        if (r == 0) {
            e->eof = true;
            break;
        }
        if (r < 0)
            break;
        for (long i = 0; i < r; i++)
            if (buf[i] != pattern(e->peer_seed, e->received + (uint64_t)i))
                e->corrupt = true;
        e->received += (uint64_t)r;
    }
}

struct duo {
    struct endpoint a, b;
};

static bool duo_done(void *arg)
{
    struct duo *d = arg;
    pump(&d->a);
    pump(&d->b);
    return d->a.received >= d->a.to_recv && d->b.received >= d->b.to_recv &&
           d->a.sent == d->a.to_send && d->b.sent == d->b.to_send;
}

struct accept_ctx {
    struct socket *listener, *client, *accepted;
};

static bool accepted_and_connected(void *arg)
{
    struct accept_ctx *c = arg;
    if (!c->accepted && sock_accept(c->listener, &c->accepted, NULL) < 0)
        c->accepted = NULL;
    return c->accepted && (sock_poll(c->client) & SOCK_POLLOUT);
}

static struct socket *listen_on(struct net_stack *ns, uint16_t port, int backlog)
{
    struct socket *l;
    assert_int_equal(sock_open(ns, SOCK_TCP, &l), 0);
    sock_setopt(l, SOCKOPT_NONBLOCK, 1);
    sock_setopt(l, SOCKOPT_REUSEADDR, 1);
    struct sock_addr a = { 0, port };
    assert_int_equal(sock_bind(l, &a), 0);
    assert_int_equal(sock_listen(l, backlog), 0);
    return l;
}

static struct socket *connect_to(struct net_stack *ns, ip4_addr_t addr, uint16_t port)
{
    struct socket *c;
    assert_int_equal(sock_open(ns, SOCK_TCP, &c), 0);
    sock_setopt(c, SOCKOPT_NONBLOCK, 1);
    struct sock_addr a = { addr, port };
    assert_int_equal(sock_connect(c, &a), -EINPROGRESS);
    return c;
}

/* A connection from stack A (client) to B (server, port 80). */
static void establish(struct nt_pair *p, struct socket **client, struct socket **server,
                      struct socket **listener)
{
    struct accept_ctx c = { .listener = listen_on(p->b, 80, 16) };
    c.client = connect_to(p->a, IP4(10, 0, 0, 2), 80);
    assert_true(nt_run(p, accepted_and_connected, &c, 10 * NS_PER_S));
    int err = 1;
    assert_int_equal(sock_getopt(c.client, SOCKOPT_ERROR, &err), 0);
    assert_int_equal(err, 0);
    *client = c.client;
    *server = c.accepted;
    *listener = c.listener;
}

static bool both_gone(void *arg)
{
    struct nt_pair *p = arg;
    struct net_usage ua, ub;
    net_get_usage(p->a, &ua);
    net_get_usage(p->b, &ub);
    return ua.tcp_pcbs == 0 && ub.tcp_pcbs == 0;
}

/* Closes everything and lets TIME_WAIT run out. */
static void finish(struct nt_pair *p, struct socket *a, struct socket *b, struct socket *l)
{
    if (a) sock_close(a);
    if (b) sock_close(b);
    if (l) sock_close(l);
    assert_true(nt_run(p, both_gone, p, 5 * 60 * NS_PER_S));
    nt_pair_destroy(p);
}

static void run_transfer(const struct nt_wire_cfg *cfg, uint64_t a_to_b, uint64_t b_to_a,
                         uint64_t limit_ns, struct net_counters *ca_out)
{
    struct nt_pair p;
    nt_pair_init(&p, cfg);
    struct socket *a, *b, *l;
    establish(&p, &a, &b, &l);
    struct duo d = {
        .a = { .s = a, .seed = 1, .to_send = a_to_b, .to_recv = b_to_a, .peer_seed = 2 },
        .b = { .s = b, .seed = 2, .to_send = b_to_a, .to_recv = a_to_b, .peer_seed = 1 },
    };
    assert_true(nt_run(&p, duo_done, &d, limit_ns));
    assert_false(d.a.corrupt);
    assert_false(d.b.corrupt);
    assert_int_equal(d.b.received, a_to_b);
    assert_int_equal(d.a.received, b_to_a);
    if (ca_out)
        net_get_counters(p.a, ca_out);
    finish(&p, a, b, l);
}

static void test_handshake_negotiates_options(void **state)
{
    (void)state;
    struct nt_pair p;
    nt_pair_init(&p, NULL);
    struct socket *a, *b, *l;
    establish(&p, &a, &b, &l);
    struct tcp_pcb *ca = a->tcp, *cb = b->tcp;
    assert_int_equal(ca->state, TCP_ESTABLISHED);
    assert_int_equal(cb->state, TCP_ESTABLISHED);
    uint32_t both = TF_TS | TF_SACK | TF_WSCALE;
    assert_int_equal(ca->flags & both, both);
    assert_int_equal(cb->flags & both, both);
    assert_int_equal(ca->mss, 1460 - 12);                         /* MSS less the timestamp option */
    assert_int_equal(ca->rcv_wscale, 3);                          /* 256 KiB needs a shift of 3 */
    assert_int_equal(ca->snd_wscale, cb->rcv_wscale);
    /* B's SYN-ACK carried an unscaled window (RFC 7323 §2.2); A's ACK a scaled one. */
    assert_int_equal(ca->snd_wnd, 65535);
    assert_int_equal(cb->snd_wnd, NET_TCP_RCVBUF);
    assert_int_equal(ca->snd_una, ca->iss + 1);
    assert_int_equal(cb->rcv_nxt, ca->iss + 1);
    assert_int_equal(ca->rcv_nxt, cb->iss + 1);
    assert_int_not_equal(ca->iss, cb->iss);
    struct sock_addr la, ra;
    sock_getname(b, &la, &ra);
    assert_int_equal(la.addr, IP4(10, 0, 0, 2));
    assert_int_equal(la.port, 80);
    assert_int_equal(ra.addr, IP4(10, 0, 0, 1));
    assert_true(ra.port >= NET_EPHEMERAL_FIRST);
    finish(&p, a, b, l);
}

static void test_bulk_both_directions_clean(void **state)
{
    (void)state;
    struct nt_wire_cfg cfg = { .delay_ns = 1 * NS_PER_MS };
    struct net_counters c;
    run_transfer(&cfg, 4u << 20, 3u << 20, 120 * NS_PER_S, &c);
    assert_int_equal(c.tcp_retransmits, 0);
    assert_int_equal(c.tcp_timeouts, 0);
}

static void test_bulk_with_loss_dup_reorder(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 4; seed++) {
        struct nt_wire_cfg cfg = {
            .loss_pct_x100 = 500, .dup_pct_x100 = 300, .reorder_pct_x100 = 500,
            .delay_ns = 10 * NS_PER_MS, .reorder_ns = 3 * NS_PER_MS, .seed = seed * 7919,
        };
        struct net_counters c;
        run_transfer(&cfg, 1u << 20, 256u << 10, 600 * NS_PER_S, &c);
        assert_true(c.tcp_retransmits > 0);
        assert_true(c.tcp_fast_retransmits > 0);      /* SACK recovery, not only timeouts */
    }
}

static void test_bulk_with_heavy_loss(void **state)
{
    (void)state;
    struct nt_wire_cfg cfg = { .loss_pct_x100 = 2000, .delay_ns = 5 * NS_PER_MS, .seed = 99 };
    struct net_counters c;
    run_transfer(&cfg, 256u << 10, 64u << 10, 3600 * NS_PER_S, &c);
    assert_true(c.tcp_timeouts > 0);
}

/* The same impaired link, but B offers neither SACK nor timestamps nor
 * window scaling: NewReno without SACK must carry the data. */
static void test_bulk_without_options(void **state)
{
    (void)state;
    struct nt_wire_cfg cfg = {
        .loss_pct_x100 = 300, .reorder_pct_x100 = 300, .delay_ns = 5 * NS_PER_MS,
        .reorder_ns = 2 * NS_PER_MS, .seed = 4242,
    };
    struct nt_pair p;
    nt_pair_init(&p, &cfg);
    struct accept_ctx c = { .listener = listen_on(p.b, 80, 4) };
    c.listener->tcp->flags &= ~(TF_TS | TF_SACK | TF_WSCALE);
    c.client = connect_to(p.a, IP4(10, 0, 0, 2), 80);
    assert_true(nt_run(&p, accepted_and_connected, &c, 10 * NS_PER_S));
    struct tcp_pcb *ca = c.client->tcp;
    assert_int_equal(ca->flags & (TF_TS | TF_SACK | TF_WSCALE), 0);
    assert_int_equal(ca->mss, 1460);
    assert_int_equal(ca->snd_wnd, 65535);                         /* unscaled */
    struct duo d = {
        .a = { .s = c.client, .seed = 5, .to_send = 1u << 20, .peer_seed = 6 },
        .b = { .s = c.accepted, .seed = 6, .to_recv = 1u << 20, .peer_seed = 5 },
    };
    assert_true(nt_run(&p, duo_done, &d, 600 * NS_PER_S));
    assert_false(d.b.corrupt);
    struct net_counters ctr;
    net_get_counters(p.a, &ctr);
    assert_true(ctr.tcp_fast_retransmits > 0);
    finish(&p, c.client, c.accepted, c.listener);
}

/* Counts TCP segments A sends, for watching probes. */
struct seg_counter {
    int from_a, from_b;
};
static bool count_segments(void *arg, bool from_a, const uint8_t *f, uint32_t len)
{
    struct seg_counter *c = arg;
    if (len >= 34 && f[12] == 8 && f[13] == 0 && f[14 + 9] == 6) {
        if (from_a)
            c->from_a++;
        else
            c->from_b++;
    }
    return true;
}

static bool sender_stalled(void *arg)
{
    struct duo *d = arg;
    pump(&d->a);                  /* only A acts: B's application is not reading */
    return d->a.s->tcp->snd_wnd == 0 && tcp_send_space(d->a.s->tcp) == 0;
}

static void test_zero_window_probe_and_recovery(void **state)
{
    (void)state;
    struct nt_wire_cfg cfg = { .delay_ns = 2 * NS_PER_MS };
    struct nt_pair p;
    nt_pair_init(&p, &cfg);
    struct socket *a, *b, *l;
    establish(&p, &a, &b, &l);
    uint64_t total = 2u << 20;
    struct duo d = {
        .a = { .s = a, .seed = 9, .to_send = total, .peer_seed = 10 },
        .b = { .s = b, .seed = 10, .to_recv = total, .peer_seed = 9 },
    };
    assert_true(nt_run(&p, sender_stalled, &d, 60 * NS_PER_S));
    assert_int_equal(tcp_readable(b->tcp), NET_TCP_RCVBUF);     /* B's buffer is full */
    /* Ten minutes of a closed window: probes back off, nobody gives up. */
    struct seg_counter sc = { 0, 0 };
    p.wire->filter = count_segments;
    p.wire->filter_arg = &sc;
    nt_run(&p, NULL, NULL, 600 * NS_PER_S);
    assert_true(sc.from_a >= 5 && sc.from_a <= 40);
    assert_int_equal(sc.from_b, sc.from_a);                       /* each probe answered */
    assert_int_equal(a->tcp->state, TCP_ESTABLISHED);
    p.wire->filter = NULL;
    /* B reads: the window reopens and the rest flows. */
    assert_true(nt_run(&p, duo_done, &d, 120 * NS_PER_S));
    assert_false(d.b.corrupt);
    finish(&p, a, b, l);
}

/* A slow reader behind a large scaled window (shift 5): the window is
 * announced over and over while the buffer stays nearly full. Every byte
 * must still arrive intact, and nothing may land beyond the buffer. */
struct slow_ctx {
    struct endpoint *w;
    struct socket *r;
    uint64_t got, total;
    uint32_t seed;
    bool corrupt;
};
static bool slow_reader(void *arg)
{
    struct slow_ctx *x = arg;
    pump(x->w);
    uint8_t buf[3000];
    long n = sock_recv(x->r, buf, sizeof(buf), SOCK_DONTWAIT);
    for (long i = 0; i < n; i++)
        if (buf[i] != pattern(x->seed, x->got + (uint64_t)i))
            x->corrupt = true;
    if (n > 0)
        x->got += (uint64_t)n;
    struct tcp_pcb *pcb = x->r->tcp;
    if (seq_gt(pcb->rcv_adv, pcb->rcv_nxt) && pcb->rcv_adv - pcb->rcv_nxt > pcb->rcv.cap - pcb->rcv.len)
        x->corrupt = true;                       /* advertised beyond the ring */

    return x->got == x->total;
}

static void test_slow_reader_large_window(void **state)
{
    (void)state;
    struct nt_wire_cfg cfg = { .delay_ns = 1 * NS_PER_MS };
    struct nt_pair p;
    nt_pair_init(&p, &cfg);
    struct accept_ctx c = { .listener = listen_on(p.b, 80, 4) };
    sock_setopt(c.listener, SOCKOPT_RCVBUF, 1 << 20);
    c.client = connect_to(p.a, IP4(10, 0, 0, 2), 80);
    assert_true(nt_run(&p, accepted_and_connected, &c, 10 * NS_PER_S));
    assert_int_equal(c.accepted->tcp->rcv_wscale, 5);
    struct endpoint w = { .s = c.client, .seed = 31, .to_send = 6u << 20 };
    struct slow_ctx x = { &w, c.accepted, 0, 6u << 20, 31, false };
    assert_true(nt_run(&p, slow_reader, &x, 600 * NS_PER_S));
    assert_false(x.corrupt);
    finish(&p, c.client, c.accepted, c.listener);
}

struct state_wait {
    struct tcp_pcb *pcb;
    enum tcp_state want;
};
static bool state_is(void *arg)
{
    struct state_wait *w = arg;
    return w->pcb->state == w->want;
}

static void test_close_sequence_and_time_wait(void **state)
{
    (void)state;
    struct nt_pair p;
    nt_pair_init(&p, NULL);
    struct socket *a, *b, *l;
    establish(&p, &a, &b, &l);
    struct tcp_pcb *pa = a->tcp, *pb = b->tcp;
    assert_int_equal(sock_send(a, "bye", 3, 0), 3);
    assert_int_equal(sock_shutdown(a, SOCK_SHUT_WR), 0);
    struct state_wait w = { pb, TCP_CLOSE_WAIT };
    assert_true(nt_run(&p, state_is, &w, NS_PER_S));
    w = (struct state_wait){ pa, TCP_FIN_WAIT_2 };
    assert_true(nt_run(&p, state_is, &w, NS_PER_S));
    char buf[8];
    assert_int_equal(sock_recv(b, buf, sizeof(buf), SOCK_DONTWAIT), 3);
    assert_int_equal(sock_recv(b, buf, sizeof(buf), SOCK_DONTWAIT), 0);    /* EOF */
    assert_int_equal(sock_send(a, "x", 1, SOCK_DONTWAIT), -EPIPE);
    /* B still sends in CLOSE_WAIT, then closes. */
    assert_int_equal(sock_send(b, "late", 4, 0), 4);
    assert_int_equal(sock_shutdown(b, SOCK_SHUT_WR), 0);
    assert_int_equal(pb->state, TCP_LAST_ACK);
    w = (struct state_wait){ pa, TCP_TIME_WAIT };
    assert_true(nt_run(&p, state_is, &w, NS_PER_S));
    w = (struct state_wait){ pb, TCP_CLOSED };
    assert_true(nt_run(&p, state_is, &w, NS_PER_S));
    assert_int_equal(sock_recv(a, buf, sizeof(buf), SOCK_DONTWAIT), 4);
    assert_int_equal(sock_recv(a, buf, sizeof(buf), SOCK_DONTWAIT), 0);
    /* TIME_WAIT lasts 2 MSL. */
    sock_close(a);
    struct net_usage u;
    nt_run(&p, NULL, NULL, 2ull * NET_TCP_MSL_MS * NS_PER_MS - NS_PER_S);
    net_get_usage(p.a, &u);
    assert_int_equal(u.tcp_time_wait, 1);
    nt_run(&p, NULL, NULL, 2 * NS_PER_S);
    net_get_usage(p.a, &u);
    assert_int_equal(u.tcp_time_wait, 0);
    assert_int_equal(u.tcp_pcbs, 0);
    finish(&p, NULL, b, l);
}

static void test_simultaneous_close(void **state)
{
    (void)state;
    struct nt_wire_cfg cfg = { .delay_ns = 5 * NS_PER_MS };
    struct nt_pair p;
    nt_pair_init(&p, &cfg);
    struct socket *a, *b, *l;
    establish(&p, &a, &b, &l);
    sock_shutdown(a, SOCK_SHUT_WR);
    sock_shutdown(b, SOCK_SHUT_WR);            /* both FINs cross on the wire */
    assert_int_equal(a->tcp->state, TCP_FIN_WAIT_1);
    assert_int_equal(b->tcp->state, TCP_FIN_WAIT_1);
    struct state_wait wa = { a->tcp, TCP_TIME_WAIT }, wb = { b->tcp, TCP_TIME_WAIT };
    assert_true(nt_run(&p, state_is, &wa, NS_PER_S));
    assert_true(nt_run(&p, state_is, &wb, NS_PER_S));
    finish(&p, a, b, l);
}

struct simopen {
    struct socket *a, *b;
};
static bool both_connected(void *arg)
{
    struct simopen *s = arg;
    return s->a->tcp->state == TCP_ESTABLISHED && s->b->tcp->state == TCP_ESTABLISHED;
}

static void test_simultaneous_open(void **state)
{
    (void)state;
    struct nt_wire_cfg cfg = { .delay_ns = 10 * NS_PER_MS };
    struct nt_pair p;
    nt_pair_init(&p, &cfg);
    struct simopen s;
    assert_int_equal(sock_open(p.a, SOCK_TCP, &s.a), 0);
    assert_int_equal(sock_open(p.b, SOCK_TCP, &s.b), 0);
    sock_setopt(s.a, SOCKOPT_NONBLOCK, 1);
    sock_setopt(s.b, SOCKOPT_NONBLOCK, 1);
    struct sock_addr la = { 0, 5001 }, lb = { 0, 5002 };
    assert_int_equal(sock_bind(s.a, &la), 0);
    assert_int_equal(sock_bind(s.b, &lb), 0);
    struct sock_addr ra = { IP4(10, 0, 0, 2), 5002 }, rb = { IP4(10, 0, 0, 1), 5001 };
    assert_int_equal(sock_connect(s.a, &ra), -EINPROGRESS);
    assert_int_equal(sock_connect(s.b, &rb), -EINPROGRESS);    /* SYNs cross */
    assert_true(nt_run(&p, both_connected, &s, 10 * NS_PER_S));
    struct net_counters c;
    net_get_counters(p.a, &c);
    assert_int_equal(c.tcp_passive_opens, 0);
    struct duo d = {
        .a = { .s = s.a, .seed = 3, .to_send = 100000, .to_recv = 50000, .peer_seed = 4 },
        .b = { .s = s.b, .seed = 4, .to_send = 50000, .to_recv = 100000, .peer_seed = 3 },
    };
    assert_true(nt_run(&p, duo_done, &d, 30 * NS_PER_S));
    assert_false(d.a.corrupt || d.b.corrupt);
    finish(&p, s.a, s.b, NULL);
}

static bool connect_done(void *arg)
{
    return sock_poll(arg) & (SOCK_POLLOUT | SOCK_POLLERR);
}

static void test_refused_and_reset(void **state)
{
    (void)state;
    struct nt_pair p;
    nt_pair_init(&p, NULL);
    /* Nobody listens on 81: RST, ECONNREFUSED. */
    struct socket *c = connect_to(p.a, IP4(10, 0, 0, 2), 81);
    assert_true(nt_run(&p, connect_done, c, NS_PER_S));
    int err = 0;
    sock_getopt(c, SOCKOPT_ERROR, &err);
    assert_int_equal(err, -ECONNREFUSED);
    sock_close(c);
    /* An abortive close (linger 0) resets the peer, whose reads then fail. */
    struct socket *a, *b, *l;
    establish(&p, &a, &b, &l);
    sock_setopt(a, SOCKOPT_LINGER_ZERO, 1);
    sock_close(a);
    struct state_wait w = { b->tcp, TCP_CLOSED };
    assert_true(nt_run(&p, state_is, &w, NS_PER_S));
    char buf[4];
    assert_int_equal(sock_recv(b, buf, sizeof(buf), SOCK_DONTWAIT), -ECONNRESET);
    assert_int_equal(sock_send(b, "x", 1, SOCK_DONTWAIT), -EPIPE);
    /* Closing with unread data resets too (RFC 2525 §2.17). */
    struct socket *a2, *b2, *l2;
    sock_close(l);
    establish(&p, &a2, &b2, &l2);
    assert_int_equal(sock_send(a2, "unread", 6, 0), 6);
    nt_run(&p, NULL, NULL, 100 * NS_PER_MS);
    sock_close(b2);
    w = (struct state_wait){ a2->tcp, TCP_CLOSED };
    assert_true(nt_run(&p, state_is, &w, NS_PER_S));
    assert_int_equal(sock_recv(a2, buf, sizeof(buf), SOCK_DONTWAIT), -ECONNRESET);
    struct net_counters cb;
    net_get_counters(p.b, &cb);
    assert_true(cb.tcp_resets_sent >= 2);
    finish(&p, a2, b, l2);
}

static bool timed_out(void *arg)
{
    return sock_poll(arg) & SOCK_POLLERR;
}
static bool drop_all(void *arg, bool from_a, const uint8_t *f, uint32_t len)
{
    (void)arg; (void)from_a; (void)f; (void)len;
    return false;
}

static void test_connect_and_data_timeouts(void **state)
{
    (void)state;
    struct nt_pair p;
    nt_pair_init(&p, NULL);
    p.wire->filter = drop_all;
    struct socket *c = connect_to(p.a, IP4(10, 0, 0, 2), 80);
    /* SYN retries back off 1, 2, 4 ... s: 127 s in all before ETIMEDOUT. */
    assert_false(nt_run(&p, timed_out, c, 100 * NS_PER_S));
    assert_true(nt_run(&p, timed_out, c, 60 * NS_PER_S));
    int err = 0;
    sock_getopt(c, SOCKOPT_ERROR, &err);
    assert_int_equal(err, -ETIMEDOUT);
    sock_close(c);
    /* An established connection whose peer vanishes aborts after the retries. */
    p.wire->filter = NULL;
    struct socket *a, *b, *l;
    establish(&p, &a, &b, &l);
    p.wire->filter = drop_all;
    assert_int_equal(sock_send(a, "lost", 4, 0), 4);
    assert_true(nt_run(&p, timed_out, a, 3600 * NS_PER_S));
    sock_getopt(a, SOCKOPT_ERROR, &err);
    assert_int_equal(err, -ETIMEDOUT);
    struct net_counters ca;
    net_get_counters(p.a, &ca);
    assert_true(ca.tcp_timeouts >= NET_TCP_MAX_RETRIES);
    p.wire->filter = NULL;
    sock_close(b);   /* B never heard: its side is reset by A's final RST or times out */
    finish(&p, a, NULL, l);
}

struct many {
    struct nt_pair *p;
    struct socket *listener;
    struct endpoint cl[100], sv[100];
    int n, accepted;
};
static bool many_done(void *arg)
{
    struct many *m = arg;
    struct socket *s;
    while (m->accepted < m->n && sock_accept(m->listener, &s, NULL) == 0) {
        m->sv[m->accepted] = (struct endpoint){ .s = s };
        m->accepted++;
    }
    bool done = m->accepted == m->n;
    for (int i = 0; i < m->n; i++) {
        pump(&m->cl[i]);
        if (i < m->accepted) {
            struct endpoint *e = &m->sv[i];
            /* The server echoes: what it receives it sends back. */
            uint8_t buf[4096];
            long r;
            while ((r = sock_recv(e->s, buf, sizeof(buf), SOCK_DONTWAIT)) > 0) {
                long w = sock_send(e->s, buf, (size_t)r, 0);
                assert_int_equal(w, r);
                e->received += (uint64_t)r;
            }
        }
        done = done && m->cl[i].received == m->cl[i].to_recv;
    }
    return done;
}

static void test_hundred_connections(void **state)
{
    (void)state;
    struct nt_wire_cfg cfg = { .delay_ns = 1 * NS_PER_MS, .loss_pct_x100 = 50, .seed = 5 };
    struct nt_pair p;
    nt_pair_init(&p, &cfg);
    static struct many m;
    memset(&m, 0, sizeof(m));
    m.p = &p;
    m.n = 100;
    m.listener = listen_on(p.b, 7, 128);
    for (int i = 0; i < m.n; i++) {
        m.cl[i] = (struct endpoint){
            .s = connect_to(p.a, IP4(10, 0, 0, 2), 7), .seed = 100u + (uint32_t)i,
            .to_send = 20000, .to_recv = 20000, .peer_seed = 100u + (uint32_t)i,
        };
    }
    assert_true(nt_run(&p, many_done, &m, 300 * NS_PER_S));
    struct net_usage u;
    net_get_usage(p.a, &u);
    assert_int_equal(u.tcp_pcbs, 100);
    for (int i = 0; i < m.n; i++) {
        assert_false(m.cl[i].corrupt);
        sock_close(m.cl[i].s);
        sock_close(m.sv[i].s);
    }
    finish(&p, NULL, NULL, m.listener);
}

static void test_listen_backlog(void **state)
{
    (void)state;
    struct nt_pair p;
    nt_pair_init(&p, NULL);
    struct socket *l = listen_on(p.b, 80, 2);
    struct socket *c[5];
    for (int i = 0; i < 5; i++)
        c[i] = connect_to(p.a, IP4(10, 0, 0, 2), 80);
    nt_run(&p, NULL, NULL, 3 * NS_PER_S);
    assert_int_equal(l->tcp->accept_count, 2);                   /* no more than the backlog */
    struct net_counters cb;
    net_get_counters(p.b, &cb);
    assert_true(cb.tcp_listen_overflows > 0);
    /* Accepting makes room; the others get in on their retries. */
    struct socket *acc[5];
    int n = 0;
    for (int round = 0; round < 20 && n < 5; round++) {
        while (n < 5 && sock_accept(l, &acc[n], NULL) == 0)
            n++;
        nt_run(&p, NULL, NULL, 2 * NS_PER_S);
    }
    assert_int_equal(n, 5);
    for (int i = 0; i < 5; i++) {
        assert_true(sock_poll(c[i]) & SOCK_POLLOUT);
        sock_close(c[i]);
        sock_close(acc[i]);
    }
    finish(&p, NULL, NULL, l);
}

/* Loopback inside one stack: listener and client share stack A. */
struct loop_ctx {
    struct socket *l, *c, *s;
    struct duo d;
};
static bool loop_done(void *arg)
{
    struct loop_ctx *x = arg;
    if (!x->s && sock_accept(x->l, &x->s, NULL) == 0)
        x->d.b.s = x->s;
    if (!x->s)
        return false;
    return duo_done(&x->d);
}

static void test_loopback_transfer(void **state)
{
    (void)state;
    struct nt_pair p;
    nt_pair_init(&p, NULL);
    struct loop_ctx x = { .l = listen_on(p.a, 9000, 4) };
    x.c = connect_to(p.a, IP4_LOOPBACK, 9000);
    x.d.a = (struct endpoint){ .s = x.c, .seed = 77, .to_send = 3u << 20, .to_recv = 1u << 20, .peer_seed = 78 };
    x.d.b = (struct endpoint){ .seed = 78, .to_send = 1u << 20, .to_recv = 3u << 20, .peer_seed = 77 };
    assert_true(nt_run(&p, loop_done, &x, 60 * NS_PER_S));
    assert_false(x.d.a.corrupt || x.d.b.corrupt);
    assert_int_equal(x.c->tcp->mss, NET_LOOPBACK_MTU - 40 - 12);
    /* Our own Ethernet address is local too. */
    uint64_t frames_before = p.wire->frames;
    struct socket *c2 = connect_to(p.a, IP4(10, 0, 0, 1), 9000), *s2 = NULL;
    for (int i = 0; i < 10 && !s2; i++) {
        nt_run(&p, NULL, NULL, 10 * NS_PER_MS);
        if (sock_accept(x.l, &s2, NULL) < 0)
            s2 = NULL;
    }
    assert_non_null(s2);
    assert_int_equal(p.wire->frames, frames_before);              /* nothing touched the wire */
    sock_close(c2);
    sock_close(s2);
    sock_close(x.c);
    finish(&p, NULL, x.s, x.l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_handshake_negotiates_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bulk_both_directions_clean, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bulk_with_loss_dup_reorder, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bulk_with_heavy_loss, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bulk_without_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zero_window_probe_and_recovery, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slow_reader_large_window, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_sequence_and_time_wait, setup, teardown),
        cmocka_unit_test_setup_teardown(test_simultaneous_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_simultaneous_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_and_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_connect_and_data_timeouts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hundred_connections, setup, teardown),
        cmocka_unit_test_setup_teardown(test_listen_backlog, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loopback_transfer, setup, teardown),
    };
    int failed = cmocka_run_group_tests_name("tcp", tests, NULL, NULL);
    return nt_report("tcp", (int)ARRAY_SIZE(tests), failed);
}
