/*
 * tests/unit/net/test_tcp_craft.c — TCP against hand-made segments: the
 * stack listens on port 80 of a capture port and the test plays the peer,
 * checking each segment the stack answers with. Covers option negotiation,
 * resets for closed ports, a 10,000-SYN flood, overlapping, out-of-order,
 * duplicate and out-of-window data, challenge ACKs (RFC 5961), PAWS
 * (RFC 7323), malformed headers, delayed ACKs and TIME_WAIT reuse.
 */
#include "nettest.h"

#define US   IP4(10, 0, 0, 1)
#define PEER IP4(10, 0, 0, 9)

static struct nt_single S;
static struct nt_leak L;
static struct socket *LISTENER;

static int setup(void **state)
{
    (void)state;
    nt_leak_start(&L);
    nt_single_init(&S);
    net_arp_add(S.ns, &S.port.nif, PEER, NT_MAC_PEER);
    assert_int_equal(sock_open(S.ns, SOCK_TCP, &LISTENER), 0);
    sock_setopt(LISTENER, SOCKOPT_NONBLOCK, 1);
    struct sock_addr a = { 0, 80 };
    assert_int_equal(sock_bind(LISTENER, &a), 0);
    assert_int_equal(sock_listen(LISTENER, 64), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sock_close(LISTENER);
    nt_advance(&S, 10 * 60 * NS_PER_S);       /* let every timer run out */
    nt_single_destroy(&S);
    nt_leak_check(&L);
    return 0;
}

struct tcpv {
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;
    uint16_t wnd;
    bool has_mss, has_ws, sack_ok, has_ts;
    uint16_t mss;
    uint8_t ws;
    uint32_t tsval, tsecr;
    int nsack;
    uint32_t sack[4][2];
    const uint8_t *data;
    uint32_t len;
};

static uint32_t g32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static uint16_t g16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* Pops the next frame the stack sent and decodes it as TCP (checksum verified). */
static bool pop_tcp(struct tcpv *t, struct netbuf **keep)
{
    struct netbuf *nb = nt_pop_sent(&S);
    if (!nb)
        return false;
    struct nt_ip_view v;
    assert_true(nt_parse_ip(nb, &v));
    assert_int_equal(v.proto, 6);
    uint32_t ps = (v.src >> 16) + (v.src & 0xffff) + (v.dst >> 16) + (v.dst & 0xffff) + 6 + v.l4len;
    assert_int_equal(nt_csum(v.l4, v.l4len, ps), 0);
    const uint8_t *h = v.l4;
    memset(t, 0, sizeof(*t));
    t->sport = g16(h);
    t->dport = g16(h + 2);
    t->seq = g32(h + 4);
    t->ack = g32(h + 8);
    uint32_t off = (uint32_t)(h[12] >> 4) * 4;
    t->flags = h[13];
    t->wnd = g16(h + 14);
    for (uint32_t i = 20; i < off;) {
        uint8_t k = h[i];
        if (k == 0) break;
        if (k == 1) { i++; continue; }
        uint8_t l = h[i + 1];
        if (k == 2) { t->has_mss = true; t->mss = g16(h + i + 2); }
        if (k == 3) { t->has_ws = true; t->ws = h[i + 2]; }
        if (k == 4) t->sack_ok = true;
        if (k == 8) { t->has_ts = true; t->tsval = g32(h + i + 2); t->tsecr = g32(h + i + 6); }
        if (k == 5)
            for (int b = 0; b < (l - 2) / 8; b++) {
                t->sack[b][0] = g32(h + i + 2 + 8 * b);
                t->sack[b][1] = g32(h + i + 6 + 8 * b);
                t->nsack++;
            }
        i += l;
    }
    t->data = h + off;
    t->len = v.l4len - off;
    if (keep)
        *keep = nb;
    else
        netbuf_free(nb);
    return true;
}

/* A peer connection: our (the test's) next sequence number and the stack's. */
struct peer {
    uint16_t port;
    uint32_t snd_nxt;          /* ours */
    uint32_t rcv_nxt;          /* the stack's next byte */
    bool ts;
    uint32_t tsval;            /* our clock */
    uint32_t ts_recent;        /* the stack's last TSval */
    struct socket *sock;       /* the accepted socket */
};

static void send_seg(struct peer *p, uint32_t seq, uint8_t flags, const void *data, uint32_t len)
{
    uint8_t opts[12], f[2048];
    uint32_t optlen = 0;
    if (p->ts) {
        opts[0] = 1; opts[1] = 1; opts[2] = 8; opts[3] = 10;
        opts[4] = (uint8_t)(p->tsval >> 24); opts[5] = (uint8_t)(p->tsval >> 16);
        opts[6] = (uint8_t)(p->tsval >> 8); opts[7] = (uint8_t)p->tsval;
        opts[8] = (uint8_t)(p->ts_recent >> 24); opts[9] = (uint8_t)(p->ts_recent >> 16);
        opts[10] = (uint8_t)(p->ts_recent >> 8); opts[11] = (uint8_t)p->ts_recent;
        optlen = 12;
    }
    nt_inject(&S, f, nt_build_tcp(f, PEER, p->port, US, 80, seq, p->rcv_nxt, flags, 65535,
                                  opts, optlen, data, len));
}

/* Three-way handshake from PEER:port; with_ts offers timestamps. */
static void handshake(struct peer *p, uint16_t port, bool with_ts)
{
    memset(p, 0, sizeof(*p));
    p->port = port;
    p->snd_nxt = 1000000;
    p->ts = with_ts;
    p->tsval = 5000;
    /* MSS 1460, window scale 7, SACK permitted, and optionally TSval 5000. */
    uint8_t synopts[24] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 1, 1,
                            1, 1, 8, 10, 0, 0, 0x13, 0x88, 0, 0, 0, 0 };
    uint32_t optlen = with_ts ? 24 : 12;
    uint8_t f[200];
    nt_inject(&S, f, nt_build_tcp(f, PEER, port, US, 80, p->snd_nxt, 0, TCP_SYN, 65535,
                                  synopts, optlen, NULL, 0));
    struct tcpv t;
    assert_true(pop_tcp(&t, NULL));
    assert_int_equal(t.flags, TCP_SYN | TCP_ACK);
    assert_int_equal(t.ack, p->snd_nxt + 1);
    assert_int_equal(t.sport, 80);
    assert_int_equal(t.dport, port);
    p->snd_nxt++;
    p->rcv_nxt = t.seq + 1;
    if (with_ts) {
        assert_true(t.has_ts);
        assert_int_equal(t.tsecr, 5000);
        p->ts_recent = t.tsval;
    }
    send_seg(p, p->snd_nxt, TCP_ACK, NULL, 0);
    assert_int_equal(sock_accept(LISTENER, &p->sock, NULL), 0);
    sock_setopt(p->sock, SOCKOPT_NONBLOCK, 1);
    assert_null(nt_pop_sent(&S));
}

static void test_syn_ack_options(void **state)
{
    (void)state;
    uint8_t f[200], opts[24] = { 2, 4, 0x03, 0xe8, 1, 3, 3, 7, 4, 2, 1, 1,
                                 1, 1, 8, 10, 0, 0, 0, 42, 0, 0, 0, 0 };
    nt_inject(&S, f, nt_build_tcp(f, PEER, 4000, US, 80, 777, 0, TCP_SYN, 8192, opts, 24, NULL, 0));
    struct tcpv t;
    assert_true(pop_tcp(&t, NULL));
    assert_int_equal(t.flags, TCP_SYN | TCP_ACK);
    assert_int_equal(t.ack, 778);
    assert_true(t.has_mss && t.mss == 1460);
    assert_true(t.has_ws && t.ws == 3);
    assert_true(t.sack_ok);
    assert_true(t.has_ts && t.tsecr == 42);
    assert_int_equal(t.wnd, 65535);               /* unscaled in a SYN */
    /* A SYN with no options gets only MSS back. */
    nt_inject(&S, f, nt_build_tcp(f, PEER, 4001, US, 80, 555, 0, TCP_SYN, 8192, NULL, 0, NULL, 0));
    assert_true(pop_tcp(&t, NULL));
    assert_true(t.has_mss);
    assert_false(t.has_ws || t.sack_ok || t.has_ts);
    /* A repeated SYN gets the same SYN-ACK again. */
    uint32_t iss = t.seq;
    nt_inject(&S, f, nt_build_tcp(f, PEER, 4001, US, 80, 555, 0, TCP_SYN, 8192, NULL, 0, NULL, 0));
    assert_true(pop_tcp(&t, NULL));
    assert_int_equal(t.flags, TCP_SYN | TCP_ACK);
    assert_int_equal(t.seq, iss);
}

static void test_resets_for_closed_port(void **state)
{
    (void)state;
    uint8_t f[200];
    struct tcpv t;
    nt_inject(&S, f, nt_build_tcp(f, PEER, 4000, US, 81, 1234, 0, TCP_SYN, 8192, NULL, 0, NULL, 0));
    assert_true(pop_tcp(&t, NULL));
    assert_int_equal(t.flags, TCP_RST | TCP_ACK);
    assert_int_equal(t.seq, 0);
    assert_int_equal(t.ack, 1235);
    nt_inject(&S, f, nt_build_tcp(f, PEER, 4000, US, 81, 1234, 99999, TCP_ACK, 8192, NULL, 0,
                                  (const uint8_t *)"data", 4));
    assert_true(pop_tcp(&t, NULL));
    assert_int_equal(t.flags, TCP_RST);
    assert_int_equal(t.seq, 99999);
    /* Never a reset for a reset. */
    nt_inject(&S, f, nt_build_tcp(f, PEER, 4000, US, 81, 1234, 0, TCP_RST, 0, NULL, 0, NULL, 0));
    assert_null(nt_pop_sent(&S));
    /* A stray ACK to the listener gets a reset too. */
    nt_inject(&S, f, nt_build_tcp(f, PEER, 4000, US, 80, 1, 5555, TCP_ACK, 8192, NULL, 0, NULL, 0));
    assert_true(pop_tcp(&t, NULL));
    assert_int_equal(t.flags, TCP_RST);
    assert_int_equal(t.seq, 5555);
}

static void test_syn_flood_bounded(void **state)
{
    (void)state;
    /* Spoofed sources anywhere: their SYN-ACKs go to a gateway. */
    static const uint8_t gw_mac[6] = { 0x02, 0, 0, 0, 0, 0xfe };
    net_arp_add(S.ns, &S.port.nif, IP4(10, 0, 0, 254), gw_mac);
    assert_int_equal(net_route_add(S.ns, 0, 0, IP4(10, 0, 0, 254), NULL, 0), 0);
    struct mm_stats before, during;
    mm_get_stats(&before);
    uint8_t f[200];
    uint64_t x = 12345;
    uint64_t max_heap = 0;
    for (int i = 0; i < 10000; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        uint32_t src = IP4(100, (x >> 8) & 0xff, (x >> 16) & 0xff, (x >> 24) & 0xff | 1);
        nt_inject(&S, f, nt_build_tcp(f, src, (uint16_t)(1024 + (x >> 40) % 60000), US, 80,
                                      (uint32_t)x, 0, TCP_SYN, 8192, NULL, 0, NULL, 0));
        nt_drain_sent(&S);
        if (i % 100 == 0) {
            nt_advance(&S, 10 * NS_PER_MS);
            nt_drain_sent(&S);
        }
        assert_true(S.ns->tcp_half_open <= NET_TCP_SYN_BACKLOG);
        mm_get_stats(&during);
        max_heap = MAX(max_heap, during.heap_allocations - before.heap_allocations);
    }
    struct net_counters c;
    net_get_counters(S.ns, &c);
    assert_int_equal(c.tcp_passive_opens, 10000);
    assert_true(c.tcp_syn_evicted >= 10000 - NET_TCP_SYN_BACKLOG);
    assert_true(max_heap <= NET_TCP_SYN_BACKLOG + 16);          /* memory stays bounded */
    /* A real client still gets through in the middle of it. */
    struct peer p;
    handshake(&p, 5555, false);
    send_seg(&p, p.snd_nxt, TCP_ACK | TCP_PSH, "GET", 3);
    char buf[8];
    assert_int_equal(sock_recv(p.sock, buf, sizeof(buf), 0), 3);
    nt_drain_sent(&S);
    /* The half-open entries give up after their SYN-ACK retries. */
    nt_advance(&S, 5 * 60 * NS_PER_S);
    nt_drain_sent(&S);
    assert_int_equal(S.ns->tcp_half_open, 0);
    sock_setopt(p.sock, SOCKOPT_LINGER_ZERO, 1);
    sock_close(p.sock);
    nt_drain_sent(&S);
}

/* Reads everything the stack has for the socket. */
static int read_all(struct socket *s, char *out, int max)
{
    int n = 0;
    long r;
    while (n < max && (r = sock_recv(s, out + n, (size_t)(max - n), SOCK_DONTWAIT)) > 0)
        n += (int)r;
    return n;
}

static void expect_ack(struct peer *p, uint32_t ack, struct tcpv *out)
{
    struct tcpv t;
    assert_true(pop_tcp(&t, NULL));
    assert_true(t.flags & TCP_ACK);
    assert_false(t.flags & TCP_RST);
    assert_int_equal(t.ack, ack);
    (void)p;
    if (out)
        *out = t;
}

static void test_overlap_ooo_duplicates_window(void **state)
{
    (void)state;
    struct peer p;
    handshake(&p, 6000, false);
    uint32_t s = p.snd_nxt;
    char buf[128];
    struct tcpv t;

    send_seg(&p, s, TCP_ACK | TCP_PSH, "hello", 5);
    expect_ack(&p, s + 5, NULL);                                   /* PSH: acked at once */
    send_seg(&p, s + 3, TCP_ACK | TCP_PSH, "lo world", 8);          /* overlaps 2 bytes */
    expect_ack(&p, s + 11, NULL);
    assert_int_equal(read_all(p.sock, buf, sizeof(buf)), 11);
    assert_memory_equal(buf, "hello world", 11);

    send_seg(&p, s + 20, TCP_ACK, "XYZ", 3);                        /* a gap of 9 */
    expect_ack(&p, s + 11, &t);                                     /* duplicate ACK ... */
    assert_int_equal(t.nsack, 1);                                   /* ... with a SACK block */
    assert_int_equal(t.sack[0][0], s + 20);
    assert_int_equal(t.sack[0][1], s + 23);
    send_seg(&p, s + 25, TCP_ACK, "!!", 2);
    expect_ack(&p, s + 11, &t);
    assert_int_equal(t.nsack, 2);
    assert_int_equal(t.sack[0][0], s + 25);                         /* latest first */
    assert_int_equal(read_all(p.sock, buf, sizeof(buf)), 0);
    send_seg(&p, s + 11, TCP_ACK, "ABCDEFGHI", 9);                  /* fills the first hole */
    expect_ack(&p, s + 23, &t);
    assert_int_equal(t.nsack, 1);
    send_seg(&p, s + 23, TCP_ACK, "..", 2);
    expect_ack(&p, s + 27, &t);
    assert_int_equal(t.nsack, 0);
    assert_int_equal(read_all(p.sock, buf, sizeof(buf)), 16);
    assert_memory_equal(buf, "ABCDEFGHIXYZ..!!", 16);

    /* An old duplicate: re-ACKed, reported as D-SACK, not delivered again. */
    send_seg(&p, s, TCP_ACK, "hello", 5);
    expect_ack(&p, s + 27, &t);
    assert_int_equal(t.nsack, 1);
    assert_int_equal(t.sack[0][0], s);
    assert_int_equal(t.sack[0][1], s + 5);
    /* Far beyond the window: dropped, answered with an ACK. */
    send_seg(&p, s + 27 + 10 * 1024 * 1024, TCP_ACK, "far", 3);
    expect_ack(&p, s + 27, NULL);
    assert_int_equal(read_all(p.sock, buf, sizeof(buf)), 0);
    struct net_counters c;
    net_get_counters(S.ns, &c);
    assert_true(c.tcp_out_of_window >= 2);
    assert_true(c.tcp_ooo_segments >= 2);
    assert_null(nt_pop_sent(&S));
    sock_close(p.sock);
    nt_drain_sent(&S);
}

static void test_window_edge_trimmed(void **state)
{
    (void)state;
    struct peer p;
    handshake(&p, 6100, false);
    uint32_t s = p.snd_nxt;
    /* Fill the offered window (tracking it from the ACKs), then send a
     * segment that straddles its right edge. */
    static uint8_t big[1400];
    memset(big, 'w', sizeof(big));
    uint32_t edge = s + 65535, sent = 0;
    struct tcpv t;
    while (edge - (s + sent) >= sizeof(big)) {
        send_seg(&p, s + sent, TCP_ACK, big, sizeof(big));
        sent += sizeof(big);
        while (pop_tcp(&t, NULL))
            if (seq_gt(t.ack + ((uint32_t)t.wnd << 3), edge))
                edge = t.ack + ((uint32_t)t.wnd << 3);
    }
    uint32_t fits = edge - (s + sent);
    send_seg(&p, s + sent, TCP_ACK | TCP_PSH, big, sizeof(big));
    assert_true(pop_tcp(&t, NULL));
    assert_int_equal(t.ack, s + sent + fits);                     /* took what fit */
    assert_int_equal(t.wnd, 0);
    assert_int_equal(tcp_readable(p.sock->tcp), sent + fits);
    nt_drain_sent(&S);
    sock_setopt(p.sock, SOCKOPT_LINGER_ZERO, 1);
    sock_close(p.sock);
    nt_drain_sent(&S);
}

/* Like Linux, this peer fills every byte of the window it is offered, in
 * odd-sized segments, while the application does not read. With a scaled
 * window (shift 5 for a 1 MiB buffer) the advertised edge must never pass
 * the end of the buffer, however many ACKs round it; then all data reads
 * back intact. */
static void test_full_window_filled_exactly(void **state)
{
    (void)state;
    sock_setopt(LISTENER, SOCKOPT_RCVBUF, 1 << 20);
    struct peer p;
    handshake(&p, 6150, false);
    struct tcp_pcb *pcb = p.sock->tcp;
    assert_int_equal(pcb->rcv_wscale, 5);
    uint32_t s = p.snd_nxt, sent = 0, edge = s + 65535;
    static uint8_t seg[1000];
    uint64_t total_pattern = 0;
    for (int i = 0; i < 5000; i++) {
        uint32_t room = edge - (s + sent);
        if ((int32_t)room <= 0)
            break;
        uint32_t n = MIN(room, (uint32_t)sizeof(seg) - (uint32_t)(i % 7));
        for (uint32_t k = 0; k < n; k++)
            seg[k] = (uint8_t)((sent + k) * 131 + ((sent + k) >> 11));
        send_seg(&p, s + sent, TCP_ACK | TCP_PSH, seg, n);
        sent += n;
        struct tcpv t;
        while (pop_tcp(&t, NULL))
            if (seq_gt(t.ack + ((uint32_t)t.wnd << 5), edge))
                edge = t.ack + ((uint32_t)t.wnd << 5);
        assert_true(edge - s <= pcb->rcv.cap);                  /* never past the ring */
    }
    total_pattern = sent;
    assert_true(sent >= (1u << 20) - 64);
    static uint8_t buf[1 << 16];
    uint64_t got = 0;
    long r;
    while ((r = sock_recv(p.sock, buf, sizeof(buf), SOCK_DONTWAIT)) > 0) {
        for (long k = 0; k < r; k++)
            assert_int_equal(buf[k], (uint8_t)((got + (uint64_t)k) * 131 + ((got + (uint64_t)k) >> 11)));
        got += (uint64_t)r;
    }
    assert_int_equal(got, total_pattern);
    sock_setopt(p.sock, SOCKOPT_LINGER_ZERO, 1);
    sock_close(p.sock);
    nt_drain_sent(&S);
}

static void test_rst_and_syn_challenges(void **state)
{
    (void)state;
    struct peer p;
    handshake(&p, 6200, false);
    uint32_t s = p.snd_nxt;
    struct tcpv t;
    /* In-window RST that is not exactly rcv_nxt: a challenge ACK, no reset. */
    send_seg(&p, s + 100, TCP_RST, NULL, 0);
    expect_ack(&p, s, &t);
    assert_int_equal(p.sock->tcp->state, TCP_ESTABLISHED);
    /* Out-of-window RST: silence. */
    send_seg(&p, s - 100000, TCP_RST, NULL, 0);
    assert_null(nt_pop_sent(&S));
    /* SYN on an established connection: challenge ACK (RFC 5961 §4). */
    send_seg(&p, s + 5, TCP_SYN, NULL, 0);
    expect_ack(&p, s, NULL);
    assert_int_equal(p.sock->tcp->state, TCP_ESTABLISHED);
    /* An ACK for data never sent: answered, ignored. */
    uint8_t f[200];
    nt_inject(&S, f, nt_build_tcp(f, PEER, p.port, US, 80, s, p.rcv_nxt + 5000, TCP_ACK, 65535,
                                  NULL, 0, NULL, 0));
    expect_ack(&p, s, NULL);
    assert_int_equal(p.sock->tcp->snd_una, p.rcv_nxt);
    /* The exact RST resets. */
    send_seg(&p, s, TCP_RST, NULL, 0);
    assert_null(nt_pop_sent(&S));
    char buf[4];
    assert_int_equal(sock_recv(p.sock, buf, 4, 0), -ECONNRESET);
    struct net_counters c;
    net_get_counters(S.ns, &c);
    assert_int_equal(c.tcp_challenge_acks, 2);
    sock_close(p.sock);
}

static void test_paws_drops_old_timestamps(void **state)
{
    (void)state;
    struct peer p;
    handshake(&p, 6300, true);
    uint32_t s = p.snd_nxt;
    char buf[16];
    p.tsval = 6000;
    send_seg(&p, s, TCP_ACK | TCP_PSH, "new", 3);
    struct tcpv t;
    expect_ack(&p, s + 3, &t);
    assert_int_equal(t.tsecr, 6000);
    p.tsval = 5500;                                                 /* older than TS.Recent */
    send_seg(&p, s + 3, TCP_ACK | TCP_PSH, "old", 3);
    expect_ack(&p, s + 3, NULL);                                    /* dropped, re-ACKed */
    assert_int_equal(read_all(p.sock, buf, sizeof(buf)), 3);
    assert_memory_equal(buf, "new", 3);
    struct net_counters c;
    net_get_counters(S.ns, &c);
    assert_int_equal(c.tcp_paws_dropped, 1);
    sock_close(p.sock);
    nt_drain_sent(&S);
}

static void test_malformed_segments_dropped(void **state)
{
    (void)state;
    struct peer p;
    handshake(&p, 6400, false);
    uint32_t s = p.snd_nxt;
    uint8_t f[200];
    uint32_t n = nt_build_tcp(f, PEER, p.port, US, 80, s, p.rcv_nxt, TCP_ACK | TCP_PSH, 65535,
                              NULL, 0, (const uint8_t *)"bad", 3);
    f[n - 1] ^= 0x40;                                               /* checksum now wrong */
    nt_inject(&S, f, n);
    uint8_t opts[4] = { 2, 0, 0, 0 };                               /* option length 0 */
    nt_inject(&S, f, nt_build_tcp(f, PEER, p.port, US, 80, s, p.rcv_nxt, TCP_ACK, 65535,
                                  opts, 4, NULL, 0));
    uint8_t opts2[4] = { 8, 10, 0, 0 };                             /* runs past the header */
    nt_inject(&S, f, nt_build_tcp(f, PEER, p.port, US, 80, s, p.rcv_nxt, TCP_ACK, 65535,
                                  opts2, 4, NULL, 0));
    n = nt_build_tcp(f, PEER, p.port, US, 80, s, p.rcv_nxt, TCP_ACK, 65535, NULL, 0, NULL, 0);
    f[14 + 20 + 12] = 0xf0;                                         /* data offset 60 > segment */
    nt_inject(&S, f, n);
    assert_null(nt_pop_sent(&S));
    struct net_counters c;
    net_get_counters(S.ns, &c);
    assert_int_equal(c.tcp_bad_checksum, 1);
    assert_int_equal(c.tcp_bad_header, 3);
    char buf[4];
    assert_int_equal(sock_recv(p.sock, buf, 4, 0), -EAGAIN);
    sock_close(p.sock);
    nt_drain_sent(&S);
}

static void test_delayed_ack(void **state)
{
    (void)state;
    struct peer p;
    handshake(&p, 6500, false);
    uint32_t s = p.snd_nxt;
    static uint8_t seg[1460];
    memset(seg, 'd', sizeof(seg));
    send_seg(&p, s, TCP_ACK, seg, 1460);
    assert_null(nt_pop_sent(&S));                                   /* one segment: ACK waits */
    nt_advance(&S, (NET_TCP_DELACK_MS - 1) * NS_PER_MS);
    assert_null(nt_pop_sent(&S));
    nt_advance(&S, 2 * NS_PER_MS);
    expect_ack(&p, s + 1460, NULL);
    send_seg(&p, s + 1460, TCP_ACK, seg, 1460);
    assert_null(nt_pop_sent(&S));
    send_seg(&p, s + 2920, TCP_ACK, seg, 1460);
    expect_ack(&p, s + 4380, NULL);                                 /* every second one at once */
    assert_null(nt_pop_sent(&S));
    sock_setopt(p.sock, SOCKOPT_LINGER_ZERO, 1);
    sock_close(p.sock);
    nt_drain_sent(&S);
}

static void test_time_wait_reopened_by_new_syn(void **state)
{
    (void)state;
    struct peer p;
    handshake(&p, 6600, false);
    uint32_t s = p.snd_nxt;
    struct tcpv t;
    sock_close(p.sock);                                             /* we close first */
    assert_true(pop_tcp(&t, NULL));
    assert_int_equal(t.flags, TCP_FIN | TCP_ACK);
    p.rcv_nxt = t.seq + 1;
    send_seg(&p, s, TCP_ACK | TCP_FIN, NULL, 0);                    /* ACK of our FIN + theirs */
    expect_ack(&p, s + 1, NULL);
    struct net_usage u;
    net_get_usage(S.ns, &u);
    assert_int_equal(u.tcp_time_wait, 1);
    /* A retransmitted FIN is ACKed again. */
    send_seg(&p, s, TCP_ACK | TCP_FIN, NULL, 0);
    expect_ack(&p, s + 1, NULL);
    /* A new SYN with a higher sequence number reopens the 4-tuple (RFC 6191). */
    uint8_t f[200];
    nt_inject(&S, f, nt_build_tcp(f, PEER, p.port, US, 80, s + 100000, 0, TCP_SYN, 8192, NULL, 0,
                                  NULL, 0));
    assert_true(pop_tcp(&t, NULL));
    assert_int_equal(t.flags, TCP_SYN | TCP_ACK);
    assert_int_equal(t.ack, s + 100001);
    net_get_usage(S.ns, &u);
    assert_int_equal(u.tcp_time_wait, 0);
    assert_int_equal(u.tcp_half_open, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_syn_ack_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resets_for_closed_port, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syn_flood_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overlap_ooo_duplicates_window, setup, teardown),
        cmocka_unit_test_setup_teardown(test_window_edge_trimmed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_window_filled_exactly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rst_and_syn_challenges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paws_drops_old_timestamps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_segments_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delayed_ack, setup, teardown),
        cmocka_unit_test_setup_teardown(test_time_wait_reopened_by_new_syn, setup, teardown),
    };
    int failed = cmocka_run_group_tests_name("tcp-craft", tests, NULL, NULL);
    return nt_report("tcp-craft", (int)ARRAY_SIZE(tests), failed);
}
