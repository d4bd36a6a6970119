/*
 * tests/unit/net/test_net_core.c — the stack's building blocks: checksums,
 * packet buffers, address text, routing, the timer heap, TCP's rings,
 * out-of-order ranges and SACK scoreboard.
 */
#include "nettest.h"

/* RFC 1071 §3 worked example: the sum of 00 01 f2 03 f4 f5 f6 f7 is ddf2. */
static void test_checksum_rfc1071(void **state)
{
    (void)state;
    const uint8_t data[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
    assert_int_equal(csum_fold(csum_add(0, data, sizeof(data))), (uint16_t)~0xddf2);
    /* Odd length pads with zero; split sums add up. */
    const uint8_t odd[] = { 0x12, 0x34, 0x56 };
    assert_int_equal(csum_fold(csum_add(0, odd, 3)), (uint16_t)~(0x1234 + 0x5600));
    uint32_t part = csum_add(0, data, 4);
    assert_int_equal(csum_fold(csum_add(part, data + 4, 4)), csum_fold(csum_add(0, data, 8)));
}

/* A real IPv4 header (from RFC 1071 style examples): the stored checksum
 * makes the whole header sum to zero, and both implementations agree. */
static void test_checksum_matches_reference(void **state)
{
    (void)state;
    uint8_t buf[1500];
    uint64_t x = 88172645463325252ull;
    for (size_t len = 0; len < sizeof(buf); len += 37) {
        for (size_t i = 0; i < len; i++) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            buf[i] = (uint8_t)x;
        }
        assert_int_equal(csum_fold(csum_add(0, buf, len)), nt_csum(buf, len, 0));
    }
    const uint8_t ip[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                             0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };
    assert_int_equal(csum_fold(csum_add(0, ip, 20)), 0);
}

static void test_netbuf_push_pull(void **state)
{
    (void)state;
    long before = netbuf_live();
    struct netbuf *nb = netbuf_alloc(20, 100);
    assert_non_null(nb);
    assert_int_equal(netbuf_live(), before + 1);
    assert_int_equal(nb->len, 100);
    assert_non_null(netbuf_push(nb, 20));
    assert_null(netbuf_push(nb, 1));          /* headroom exhausted */
    assert_int_equal(nb->len, 120);
    assert_non_null(netbuf_pull(nb, 50));
    assert_null(netbuf_pull(nb, 71));
    assert_int_equal(nb->len, 70);
    netbuf_trim(nb, 10);
    assert_int_equal(nb->len, 10);
    netbuf_trim(nb, 1000);
    assert_int_equal(nb->len, 10);
    netbuf_free(nb);
    assert_int_equal(netbuf_live(), before);
    assert_null(netbuf_alloc(0, 1u << 21));   /* absurd sizes are refused */
}

static void test_ip4_text(void **state)
{
    (void)state;
    ip4_addr_t a;
    char buf[16];
    assert_int_equal(ip4_parse("10.0.2.15", &a), 0);
    assert_int_equal(a, IP4(10, 0, 2, 15));
    assert_string_equal(ip4_format(a, buf), "10.0.2.15");
    assert_int_equal(ip4_parse("255.255.255.255", &a), 0);
    assert_int_equal(a, 0xffffffffu);
    const char *bad[] = { "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "a.b.c.d", "1.2.3.4 ",
                          "1234.1.1.1", "-1.2.3.4" };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
        assert_int_equal(ip4_parse(bad[i], &a), -EINVAL);
}

static void test_routes_longest_prefix(void **state)
{
    (void)state;
    struct nt_single s;
    nt_single_init(&s);
    struct net_stack *ns = s.ns;
    struct netif *eth = &s.port.nif;
    ip4_addr_t hop;
    /* The connected route exists; no default yet. */
    net_lock(ns);
    assert_ptr_equal(route_lookup(ns, IP4(10, 0, 0, 77), &hop), eth);
    assert_int_equal(hop, IP4(10, 0, 0, 77));
    assert_null(route_lookup(ns, IP4(8, 8, 8, 8), &hop));
    net_unlock(ns);
    assert_int_equal(net_route_add(ns, 0, 0, IP4(10, 0, 0, 254), NULL, 0), 0);
    assert_int_equal(net_route_add(ns, 0, 0, IP4(10, 0, 0, 254), NULL, 0), -EEXIST);
    assert_int_equal(net_route_add(ns, IP4(172, 16, 0, 0), 12, IP4(10, 0, 0, 253), NULL, 0), 0);
    assert_int_equal(net_route_add(ns, 0, 0, IP4(192, 168, 9, 1), NULL, 0), -ENETUNREACH);
    assert_int_equal(net_route_add(ns, 0, 33, 0, eth, 0), -EINVAL);
    net_lock(ns);
    assert_ptr_equal(route_lookup(ns, IP4(8, 8, 8, 8), &hop), eth);
    assert_int_equal(hop, IP4(10, 0, 0, 254));
    assert_ptr_equal(route_lookup(ns, IP4(172, 20, 1, 1), &hop), eth);
    assert_int_equal(hop, IP4(10, 0, 0, 253));
    assert_ptr_equal(route_lookup(ns, IP4(10, 0, 0, 1), &hop), ns->loopback);
    assert_ptr_equal(route_lookup(ns, IP4(127, 5, 5, 5), &hop), ns->loopback);
    net_unlock(ns);
    struct net_route r[8];
    assert_int_equal(net_route_list(ns, r, 8), 4);     /* lo, eth0, default, 172.16/12 */
    /* Changing the address removes routes whose gateway left the link. */
    assert_int_equal(netif_set_addr(eth, IP4(192, 168, 1, 5), 24), 0);
    net_lock(ns);
    assert_null(route_lookup(ns, IP4(8, 8, 8, 8), &hop));
    assert_ptr_equal(route_lookup(ns, IP4(192, 168, 1, 9), &hop), eth);
    net_unlock(ns);
    assert_int_equal(net_route_del(ns, 0, 0, IP4(10, 0, 0, 254)), -ESRCH);
    nt_single_destroy(&s);
}

static int fired[64];
static int nfired;
static void record_timer(struct net_stack *ns, struct net_timer *t)
{
    (void)ns;
    fired[nfired++] = (int)(t->deadline / NS_PER_MS);
}

static void test_timer_heap_order(void **state)
{
    (void)state;
    struct net_stack *ns = net_stack_create("T");
    net_set_manual_clock(ns, nt_clock, NULL);
    struct net_timer t[40];
    uint64_t base = nt_now;
    net_lock(ns);
    for (int i = 0; i < 40; i++)
        assert_int_equal(ntimer_init(ns, &t[i], record_timer), 0);
    /* Arm in a scrambled order, re-arm some, cancel some. */
    for (int i = 0; i < 40; i++)
        ntimer_arm(ns, &t[i], base + (uint64_t)((i * 17) % 40 + 1) * NS_PER_MS);
    ntimer_arm(ns, &t[3], base + 100 * NS_PER_MS);     /* later */
    ntimer_arm(ns, &t[5], base + 0 * NS_PER_MS + 1);    /* earliest */
    ntimer_cancel(ns, &t[7]);
    ntimer_cancel(ns, &t[7]);
    net_unlock(ns);
    nfired = 0;
    nt_now = base + 200 * NS_PER_MS;
    net_run_timers(ns);
    assert_int_equal(nfired, 39);
    for (int i = 1; i < nfired; i++)
        assert_true(fired[i - 1] <= fired[i]);
    net_lock(ns);
    for (int i = 0; i < 40; i++)
        ntimer_destroy(ns, &t[i]);
    net_unlock(ns);
    net_stack_destroy(ns);
}

static void test_ring_wraps(void **state)
{
    (void)state;
    struct tcp_ring r;
    assert_int_equal(tcp_ring_alloc(&r, 10), 0);
    uint8_t out[10];
    tcp_ring_write_at(&r, 0, (const uint8_t *)"abcdefgh", 8);
    r.len = 8;
    tcp_ring_consume(&r, 6);
    tcp_ring_write_at(&r, r.len, (const uint8_t *)"123456", 6);   /* wraps */
    r.len += 6;
    tcp_ring_read_at(&r, 0, out, 8);
    assert_memory_equal(out, "gh123456", 8);
    tcp_ring_read_at(&r, 3, out, 3);
    assert_memory_equal(out, "234", 3);
    tcp_ring_free(&r);
}

static void test_ooo_ranges_merge(void **state)
{
    (void)state;
    struct tcp_pcb pcb;
    memset(&pcb, 0, sizeof(pcb));
    uint32_t base = 0xfffffff0u;                  /* across the wrap of sequence space */
    assert_true(tcp_ooo_add(&pcb, base + 100, base + 200));
    assert_true(tcp_ooo_add(&pcb, base + 300, base + 400));
    assert_true(tcp_ooo_add(&pcb, base + 50, base + 60));
    assert_int_equal(pcb.ooo_count, 3);
    assert_int_equal(pcb.ooo[0].start, base + 50);
    assert_true(tcp_ooo_add(&pcb, base + 190, base + 310));     /* bridges two */
    assert_int_equal(pcb.ooo_count, 2);
    assert_int_equal(pcb.ooo[1].start, base + 100);
    assert_int_equal(pcb.ooo[1].end, base + 400);
    assert_int_equal(pcb.ooo_latest, 1);
    struct tcp_range blocks[4];
    assert_int_equal(tcp_sack_blocks(&pcb, blocks, 4), 2);
    assert_int_equal(blocks[0].start, base + 100);             /* latest first */
    /* rcv_nxt reaching 50 absorbs the first range only. */
    assert_int_equal(tcp_ooo_advance(&pcb, base + 50), base + 60);
    assert_int_equal(pcb.ooo_count, 1);
    assert_int_equal(tcp_ooo_advance(&pcb, base + 120), base + 400);
    assert_int_equal(pcb.ooo_count, 0);
    /* The table is bounded. */
    for (uint32_t i = 0; i < NET_TCP_OOO_MAX; i++)
        assert_true(tcp_ooo_add(&pcb, 1000 + i * 10, 1005 + i * 10));
    assert_false(tcp_ooo_add(&pcb, 5000, 5001));
    assert_true(tcp_ooo_add(&pcb, 1004, 1010));                 /* merging still works */
}

static void test_scoreboard(void **state)
{
    (void)state;
    struct tcp_pcb pcb;
    memset(&pcb, 0, sizeof(pcb));
    pcb.snd_una = 1000;
    tcp_scoreboard_add(&pcb, 2000, 3000);
    tcp_scoreboard_add(&pcb, 4000, 5000);
    tcp_scoreboard_add(&pcb, 2500, 3500);
    assert_int_equal(pcb.sacked_count, 2);
    assert_int_equal(pcb.sacked_bytes, 2500);
    assert_int_equal(tcp_scoreboard_highest(&pcb), 5000);
    assert_int_equal(tcp_scoreboard_holes(&pcb, 1000, 5000), 1500);
    struct tcp_range h;
    assert_true(tcp_scoreboard_next_hole(&pcb, 1000, 5000, &h));
    assert_int_equal(h.start, 1000);
    assert_int_equal(h.end, 2000);
    assert_true(tcp_scoreboard_next_hole(&pcb, 2200, 5000, &h));
    assert_int_equal(h.start, 3500);
    assert_int_equal(h.end, 4000);
    assert_false(tcp_scoreboard_next_hole(&pcb, 4000, 5000, &h));
    pcb.snd_una = 2600;
    tcp_scoreboard_advance(&pcb);
    assert_int_equal(pcb.sacked[0].start, 2600);
    assert_int_equal(pcb.sacked_bytes, 900 + 1000);
    tcp_scoreboard_clear(&pcb);
    assert_int_equal(pcb.sacked_count, 0);
}

/* RTO per RFC 6298: first sample R gives SRTT R, RTTVAR R/2, RTO SRTT+4RTTVAR. */
static void test_rto_estimator(void **state)
{
    (void)state;
    struct tcp_pcb pcb;
    memset(&pcb, 0, sizeof(pcb));
    tcp_rtt_sample(&pcb, 400000);                 /* 400 ms */
    assert_int_equal(pcb.srtt_us, 400000);
    assert_int_equal(pcb.rttvar_us, 200000);
    assert_int_equal(pcb.rto_ms, 1200);
    tcp_rtt_sample(&pcb, 200000);
    assert_int_equal(pcb.rttvar_us, (3 * 200000 + 200000) / 4);
    assert_int_equal(pcb.srtt_us, (7 * 400000 + 200000) / 8);
    for (int i = 0; i < 50; i++)
        tcp_rtt_sample(&pcb, 100);                /* tiny RTTs: clamped to the minimum */
    assert_int_equal(pcb.rto_ms, NET_TCP_RTO_MIN_MS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_checksum_rfc1071),
        cmocka_unit_test(test_checksum_matches_reference),
        cmocka_unit_test(test_netbuf_push_pull),
        cmocka_unit_test(test_ip4_text),
        cmocka_unit_test(test_routes_longest_prefix),
        cmocka_unit_test(test_timer_heap_order),
        cmocka_unit_test(test_ring_wraps),
        cmocka_unit_test(test_ooo_ranges_merge),
        cmocka_unit_test(test_scoreboard),
        cmocka_unit_test(test_rto_estimator),
    };
    int failed = cmocka_run_group_tests_name("net-core", tests, NULL, NULL);
    return nt_report("net-core", (int)ARRAY_SIZE(tests), failed);
}
