/*
 * tests/unit/net/test_dhcp.c — the DHCP client against a server written here
 * on stack B: the full exchange, what each message carries and where it is
 * sent, renewal at T1 by unicast, rebinding at T2 by broadcast, expiry, NAK,
 * retransmission backoff and malformed replies.
 */
#include "nettest.h"

#define SERVER IP4(10, 0, 0, 2)
#define OFFERED IP4(10, 0, 0, 50)

static struct nt_leak L;
static int setup(void **state) { (void)state; nt_leak_start(&L); return 0; }
static int teardown(void **state) { (void)state; nt_leak_check(&L); return 0; }

struct seen {
    uint8_t type;
    uint32_t ip_src, ip_dst, ciaddr, requested, server_id;
    bool broadcast_flag;
    uint64_t at;
};

struct dhcpd {
    struct nt_pair p;
    struct socket *s;
    struct seen log[64];
    int nlog;
    bool silent, ignore_unicast, nak;
    uint32_t lease, t1, t2;
    uint32_t offer;          /* the address handed out */
    int replies;
    int garbage;             /* send this many malformed replies first */
};

static uint32_t g32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static void p32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v; }

/* Records every DHCP message A puts on the wire, with its IP addresses. */
static bool sniff(void *arg, bool from_a, const uint8_t *f, uint32_t len)
{
    struct dhcpd *d = arg;
    if (!from_a || len < 14 + 20 + 8 + 240 || f[12] != 8 || f[13] != 0 || f[14 + 9] != 17)
        return true;
    const uint8_t *udp = f + 34, *m = udp + 8;
    if (udp[2] != 0 || udp[3] != 67)
        return true;
    struct seen *s = &d->log[d->nlog < 63 ? d->nlog++ : 63];
    memset(s, 0, sizeof(*s));
    s->ip_src = g32(f + 14 + 12);
    s->ip_dst = g32(f + 14 + 16);
    s->ciaddr = g32(m + 12);
    s->broadcast_flag = m[10] & 0x80;
    s->at = nt_now;
    for (uint32_t i = 240; i + 1 < len - 42;) {
        uint8_t code = m[i];
        if (code == 255) break;
        if (code == 0) { i++; continue; }
        uint8_t l = m[i + 1];
        if (code == 53) s->type = m[i + 2];
        if (code == 50) s->requested = g32(m + i + 2);
        if (code == 54) s->server_id = g32(m + i + 2);
        i += 2 + l;
    }
    return true;
}

static uint8_t *opt(uint8_t *p, uint8_t code, uint8_t len, const void *v)
{
    p[0] = code;
    p[1] = len;
    memcpy(p + 2, v, len);
    return p + 2 + len;
}

static uint8_t *opt32(uint8_t *p, uint8_t code, uint32_t v)
{
    uint8_t b[4];
    p32(b, v);
    return opt(p, code, 4, b);
}

static void server_poll(struct dhcpd *d)
{
    uint8_t req[1024], rep[600];
    struct sock_addr from;
    long n;
    while ((n = sock_recvfrom(d->s, req, sizeof(req), SOCK_DONTWAIT, &from)) > 0) {
        if (d->silent || n < 240)
            continue;
        uint8_t type = 0;
        for (long i = 240; i + 1 < n;) {
            if (req[i] == 255) break;
            if (req[i] == 0) { i++; continue; }
            if (req[i] == 53) type = req[i + 2];
            i += 2 + req[i + 1];
        }
        uint32_t ciaddr = g32(req + 12);
        if (d->ignore_unicast && ciaddr && d->log[d->nlog - 1].ip_dst != IP4_BROADCAST)
            continue;
        uint8_t rtype = type == 1 ? 2 : (d->nak ? 6 : 5);   /* OFFER, or ACK / NAK */
        if (type == 4 && d->offer == SERVER)
            d->offer = OFFERED;           /* declined: offer another one next time */
        if (type != 1 && type != 3)
            continue;
        memset(rep, 0, sizeof(rep));
        rep[0] = 2; rep[1] = 1; rep[2] = 6;
        memcpy(rep + 4, req + 4, 4);                          /* xid */
        memcpy(rep + 10, req + 10, 2);
        p32(rep + 12, ciaddr);
        if (rtype != 6)
            p32(rep + 16, d->offer);
        p32(rep + 20, SERVER);
        memcpy(rep + 28, req + 28, 16);
        p32(rep + 236, 0x63825363);
        uint8_t *p = rep + 240;
        p = opt(p, 53, 1, &rtype);
        p = opt32(p, 54, SERVER);
        if (rtype != 6) {
            p = opt32(p, 51, d->lease);
            p = opt32(p, 58, d->t1);
            p = opt32(p, 59, d->t2);
            p = opt32(p, 1, 0xffffff00);
            p = opt32(p, 3, SERVER);
            p = opt32(p, 6, SERVER);
        }
        *p++ = 255;
        size_t len = (size_t)(p - rep);
        struct sock_addr to = { ciaddr ? ciaddr : IP4_BROADCAST, 68 };
        while (d->garbage > 0) {
            uint8_t bad[600];
            memcpy(bad, rep, len);
            switch (d->garbage--) {
            case 4: bad[4] ^= 1; sock_sendto(d->s, bad, len, 0, &to); break;          /* xid */
            case 3: sock_sendto(d->s, bad, 200, 0, &to); break;                        /* short */
            case 2: bad[236] = 0; sock_sendto(d->s, bad, len, 0, &to); break;          /* magic */
            case 1: bad[241] = 200; sock_sendto(d->s, bad, len, 0, &to); break;        /* overrun */
            }
        }
        sock_sendto(d->s, rep, len, 0, &to);
        d->replies++;
    }
}

static void dhcpd_init(struct dhcpd *d)
{
    memset(d, 0, sizeof(*d));
    nt_pair_init(&d->p, NULL);
    d->lease = 600;
    d->offer = OFFERED;
    d->t1 = 300;
    d->t2 = 525;
    assert_int_equal(sock_open(d->p.b, SOCK_UDP, &d->s), 0);
    sock_setopt(d->s, SOCKOPT_BROADCAST, 1);
    struct sock_addr a = { 0, 67 };
    assert_int_equal(sock_bind(d->s, &a), 0);
    d->p.wire->filter = sniff;
    d->p.wire->filter_arg = d;
    /* A starts with no address. */
    assert_int_equal(netif_set_addr(&d->p.wire->a.nif, 0, 0), 0);
}

static void dhcpd_fini(struct dhcpd *d)
{
    dhcp_stop(&d->p.wire->a.nif);
    nt_run(&d->p, NULL, NULL, NS_PER_S);
    sock_close(d->s);
    nt_pair_destroy(&d->p);
}

static enum dhcp_state client_state(struct dhcpd *d)
{
    struct dhcp_lease l;
    assert_int_equal(dhcp_get_lease(&d->p.wire->a.nif, &l), 0);
    return l.state;
}

static bool bound(void *arg)
{
    struct dhcpd *d = arg;
    server_poll(d);
    return client_state(d) == DHCP_BOUND;
}

static bool serve(void *arg)
{
    server_poll(arg);
    return false;
}

static void test_full_exchange(void **state)
{
    (void)state;
    struct dhcpd d;
    dhcpd_init(&d);
    struct netif *nif = &d.p.wire->a.nif;
    assert_int_equal(dhcp_start(nif), 0);
    assert_int_equal(dhcp_start(nif), -EALREADY);
    assert_true(nt_run(&d.p, bound, &d, 10 * NS_PER_S));
    assert_int_equal(d.nlog, 2);
    assert_int_equal(d.log[0].type, 1);                          /* DISCOVER */
    assert_int_equal(d.log[0].ip_src, 0);
    assert_int_equal(d.log[0].ip_dst, IP4_BROADCAST);
    assert_true(d.log[0].broadcast_flag);
    assert_int_equal(d.log[1].type, 3);                          /* REQUEST */
    assert_int_equal(d.log[1].ip_dst, IP4_BROADCAST);
    assert_int_equal(d.log[1].requested, OFFERED);
    assert_int_equal(d.log[1].server_id, SERVER);
    assert_int_equal(d.log[1].ciaddr, 0);
    /* The lease is configured everywhere. */
    assert_int_equal(nif->addr, OFFERED);
    assert_int_equal(nif->prefix_len, 24);
    struct dhcp_lease l;
    dhcp_get_lease(nif, &l);
    assert_int_equal(l.lease_s, 600);
    assert_int_equal(l.t1_s, 300);
    assert_int_equal(l.t2_s, 525);
    assert_int_equal(l.router, SERVER);
    ip4_addr_t dns[3];
    assert_int_equal(dns_get_servers(d.p.a, dns, 3), 1);
    assert_int_equal(dns[0], SERVER);
    struct net_route r[8];
    int n = net_route_list(d.p.a, r, 8);
    bool has_default = false;
    for (int i = 0; i < n; i++)
        has_default |= r[i].prefix_len == 0 && r[i].gateway == SERVER;
    assert_true(has_default);
    dhcpd_fini(&d);
}

static void test_renew_then_rebind(void **state)
{
    (void)state;
    struct dhcpd d;
    dhcpd_init(&d);
    struct netif *nif = &d.p.wire->a.nif;
    dhcp_start(nif);
    assert_true(nt_run(&d.p, bound, &d, 10 * NS_PER_S));
    uint64_t bound_at = nt_now;
    /* Nothing until T1, then a unicast REQUEST to the server, from our address. */
    nt_run(&d.p, serve, &d, 290 * NS_PER_S);
    assert_int_equal(d.nlog, 2);
    nt_run(&d.p, serve, &d, 20 * NS_PER_S);
    assert_int_equal(d.nlog, 3);
    struct seen *s = &d.log[2];
    assert_int_equal(s->type, 3);
    assert_int_equal(s->ip_dst, SERVER);
    assert_int_equal(s->ip_src, OFFERED);
    assert_int_equal(s->ciaddr, OFFERED);
    assert_int_equal(s->requested, 0);                          /* not in RENEWING (§4.3.2) */
    assert_int_equal(s->server_id, 0);
    assert_true(s->at - bound_at >= 295 * NS_PER_S);
    struct dhcp_lease l;
    dhcp_get_lease(nif, &l);
    assert_int_equal(l.state, DHCP_BOUND);
    assert_int_equal(l.renewals, 1);
    /* Now the server ignores unicast: retries until T2, then broadcast. */
    d.ignore_unicast = true;
    int before = d.nlog;
    nt_run(&d.p, serve, &d, 600 * NS_PER_S);
    dhcp_get_lease(nif, &l);
    assert_int_equal(l.renewals, 2);
    assert_int_equal(l.state, DHCP_BOUND);
    bool saw_rebind = false;
    for (int i = before; i < d.nlog; i++)
        if (d.log[i].ip_dst == IP4_BROADCAST && d.log[i].ciaddr == OFFERED && d.log[i].type == 3)
            saw_rebind = true;
    assert_true(saw_rebind);
    assert_int_equal(nif->addr, OFFERED);                        /* kept all along */
    dhcpd_fini(&d);
}

static void test_lease_expires_and_restarts(void **state)
{
    (void)state;
    struct dhcpd d;
    dhcpd_init(&d);
    struct netif *nif = &d.p.wire->a.nif;
    dhcp_start(nif);
    assert_true(nt_run(&d.p, bound, &d, 10 * NS_PER_S));
    d.silent = true;
    nt_run(&d.p, serve, &d, 599 * NS_PER_S);
    assert_int_equal(nif->addr, OFFERED);
    assert_int_equal(client_state(&d), DHCP_REBINDING);
    nt_run(&d.p, serve, &d, 10 * NS_PER_S);
    assert_int_equal(nif->addr, 0);                              /* gone at expiry */
    assert_int_equal(client_state(&d), DHCP_SELECTING);
    d.silent = false;
    assert_true(nt_run(&d.p, bound, &d, 120 * NS_PER_S));
    assert_int_equal(nif->addr, OFFERED);
    dhcpd_fini(&d);
}

static void test_nak_restarts(void **state)
{
    (void)state;
    struct dhcpd d;
    dhcpd_init(&d);
    struct netif *nif = &d.p.wire->a.nif;
    dhcp_start(nif);
    assert_true(nt_run(&d.p, bound, &d, 10 * NS_PER_S));
    d.nak = true;
    nt_run(&d.p, serve, &d, 301 * NS_PER_S);                      /* T1: REQUEST, NAK */
    assert_int_equal(nif->addr, 0);
    assert_int_equal(client_state(&d), DHCP_INIT);                /* waits 1-10 s */
    int before = d.nlog;
    nt_run(&d.p, serve, &d, 60 * NS_PER_S);
    /* Each NAK costs a pause: a handful of exchanges per minute, not a storm. */
    assert_true(d.nlog - before >= 4 && d.nlog - before <= 2 * 60);
    d.nak = false;
    assert_true(nt_run(&d.p, bound, &d, 200 * NS_PER_S));
    dhcpd_fini(&d);
}

static void test_discover_backoff(void **state)
{
    (void)state;
    struct dhcpd d;
    dhcpd_init(&d);
    d.silent = true;
    dhcp_start(&d.p.wire->a.nif);
    nt_run(&d.p, serve, &d, 250 * NS_PER_S);
    assert_true(d.nlog >= 6);
    /* Gaps of 4, 8, 16, 32, 64, 64 s, each within ±1 s (RFC 2131 §4.1). */
    const uint64_t expect[] = { 4, 8, 16, 32, 64 };
    for (int i = 0; i < 5; i++) {
        int64_t gap = (int64_t)(d.log[i + 1].at - d.log[i].at);
        assert_true(d.log[i].type == 1);
        assert_true(gap >= (int64_t)((expect[i] - 1) * NS_PER_S) &&
                    gap <= (int64_t)((expect[i] + 1) * NS_PER_S + 10 * NS_PER_MS));
    }
    dhcpd_fini(&d);
}

/* The server hands out an address another host (B itself) uses: the ARP
 * probes find it, A declines it, waits, and takes the next one. */
static void test_address_in_use_declined(void **state)
{
    (void)state;
    struct dhcpd d;
    dhcpd_init(&d);
    d.offer = SERVER;
    struct netif *nif = &d.p.wire->a.nif;
    dhcp_start(nif);
    nt_run(&d.p, serve, &d, 3 * NS_PER_S);
    assert_int_equal(nif->addr, 0);                           /* never configured */
    bool declined = false;
    for (int i = 0; i < d.nlog; i++)
        if (d.log[i].type == 4 && d.log[i].requested == SERVER && d.log[i].server_id == SERVER)
            declined = true;
    assert_true(declined);
    assert_int_equal(client_state(&d), DHCP_INIT);              /* a pause before retrying */
    assert_true(nt_run(&d.p, bound, &d, 60 * NS_PER_S));
    assert_int_equal(nif->addr, OFFERED);
    struct dhcp_lease l;
    dhcp_get_lease(nif, &l);
    assert_int_equal(l.declines, 1);
    dhcpd_fini(&d);
}

static void test_malformed_replies_ignored(void **state)
{
    (void)state;
    struct dhcpd d;
    dhcpd_init(&d);
    d.garbage = 4;
    dhcp_start(&d.p.wire->a.nif);
    assert_true(nt_run(&d.p, bound, &d, 10 * NS_PER_S));
    struct net_counters c;
    net_get_counters(d.p.a, &c);
    assert_int_equal(c.dhcp_bad, 4);
    dhcpd_fini(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_full_exchange, setup, teardown),
        cmocka_unit_test_setup_teardown(test_renew_then_rebind, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lease_expires_and_restarts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nak_restarts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_discover_backoff, setup, teardown),
        cmocka_unit_test_setup_teardown(test_address_in_use_declined, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_replies_ignored, setup, teardown),
    };
    int failed = cmocka_run_group_tests_name("dhcp", tests, NULL, NULL);
    return nt_report("dhcp", (int)ARRAY_SIZE(tests), failed);
}
