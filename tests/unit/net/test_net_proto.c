/*
 * tests/unit/net/test_net_proto.c — Ethernet, ARP, IPv4, ICMP and UDP on one
 * stack, fed hand-built frames on a capture port; every frame the stack
 * sends is checked field by field.
 */
#include "nettest.h"

#define US   IP4(10, 0, 0, 1)
#define PEER IP4(10, 0, 0, 9)

static struct nt_single S;
static struct nt_leak L;

static int setup(void **state)
{
    (void)state;
    nt_leak_start(&L);
    nt_single_init(&S);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    nt_single_destroy(&S);
    nt_leak_check(&L);
    return 0;
}

static uint32_t build_arp(uint8_t *f, uint16_t op, const uint8_t sha[6], uint32_t spa,
                          const uint8_t tha[6], uint32_t tpa, const uint8_t eth_dst[6])
{
    memcpy(f, eth_dst, 6);
    memcpy(f + 6, sha, 6);
    f[12] = 0x08; f[13] = 0x06;
    uint8_t *a = f + 14;
    a[0] = 0; a[1] = 1; a[2] = 8; a[3] = 0; a[4] = 6; a[5] = 4;
    a[6] = 0; a[7] = (uint8_t)op;
    memcpy(a + 8, sha, 6);
    a[14] = (uint8_t)(spa >> 24); a[15] = (uint8_t)(spa >> 16); a[16] = (uint8_t)(spa >> 8); a[17] = (uint8_t)spa;
    memcpy(a + 18, tha, 6);
    a[24] = (uint8_t)(tpa >> 24); a[25] = (uint8_t)(tpa >> 16); a[26] = (uint8_t)(tpa >> 8); a[27] = (uint8_t)tpa;
    return 42;
}

static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t ZERO[6];

static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static void test_arp_reply_and_learn(void **state)
{
    (void)state;
    uint8_t f[64];
    uint32_t n = build_arp(f, 1, NT_MAC_PEER, PEER, ZERO, US, BCAST);
    nt_inject(&S, f, n);
    struct netbuf *nb = nt_pop_sent(&S);
    assert_non_null(nb);
    assert_memory_equal(nb->data, NT_MAC_PEER, 6);                 /* unicast reply */
    assert_memory_equal(nb->data + 6, NT_MAC_A, 6);
    assert_int_equal(get16(nb->data + 12), 0x0806);
    assert_int_equal(get16(nb->data + 20), 2);                     /* op: reply */
    assert_memory_equal(nb->data + 22, NT_MAC_A, 6);
    assert_int_equal(get32(nb->data + 28), US);
    assert_memory_equal(nb->data + 32, NT_MAC_PEER, 6);
    assert_int_equal(get32(nb->data + 38), PEER);
    netbuf_free(nb);
    struct net_arp_info info[4];
    assert_int_equal(net_arp_list(S.ns, info, 4), 1);
    assert_int_equal(info[0].addr, PEER);
    assert_true(info[0].resolved);
    assert_memory_equal(info[0].hwaddr, NT_MAC_PEER, 6);
    /* A request for someone else teaches nothing and gets no answer. */
    n = build_arp(f, 1, NT_MAC_B, IP4(10, 0, 0, 77), ZERO, IP4(10, 0, 0, 78), BCAST);
    nt_inject(&S, f, n);
    assert_null(nt_pop_sent(&S));
    assert_int_equal(net_arp_list(S.ns, info, 4), 1);
}

static void test_arp_resolves_and_flushes_queue(void **state)
{
    (void)state;
    struct socket *so;
    assert_int_equal(sock_open(S.ns, SOCK_UDP, &so), 0);
    struct sock_addr to = { IP4(10, 0, 0, 50), 9999 };
    assert_int_equal(sock_sendto(so, "one", 3, 0, &to), 3);
    assert_int_equal(sock_sendto(so, "two", 3, 0, &to), 3);
    struct netbuf *nb = nt_pop_sent(&S);
    assert_non_null(nb);
    assert_memory_equal(nb->data, BCAST, 6);
    assert_int_equal(get16(nb->data + 20), 1);                     /* request */
    assert_int_equal(get32(nb->data + 38), IP4(10, 0, 0, 50));
    netbuf_free(nb);
    assert_null(nt_pop_sent(&S));                                  /* datagrams wait */
    uint8_t f[64];
    static const uint8_t mac50[6] = { 0x02, 0, 0, 0, 0, 0x50 };
    nt_inject(&S, f, build_arp(f, 2, mac50, IP4(10, 0, 0, 50), NT_MAC_A, US, NT_MAC_A));
    for (int i = 0; i < 2; i++) {
        nb = nt_pop_sent(&S);
        assert_non_null(nb);
        assert_memory_equal(nb->data, mac50, 6);
        struct nt_ip_view v;
        assert_true(nt_parse_ip(nb, &v));
        assert_int_equal(v.proto, 17);
        assert_memory_equal(v.l4 + 8, i == 0 ? "one" : "two", 3);
        netbuf_free(nb);
    }
    sock_close(so);
}

static void test_arp_gives_up_and_expires(void **state)
{
    (void)state;
    struct socket *so;
    assert_int_equal(sock_open(S.ns, SOCK_UDP, &so), 0);
    struct sock_addr to = { IP4(10, 0, 0, 51), 9999 };
    assert_int_equal(sock_sendto(so, "x", 1, 0, &to), 1);
    int requests = 0;
    for (int i = 0; i < 5; i++) {
        struct netbuf *nb;
        while ((nb = nt_pop_sent(&S))) {
            requests++;
            netbuf_free(nb);
        }
        nt_advance(&S, NET_ARP_RETRY_MS * NS_PER_MS);
    }
    assert_int_equal(requests, NET_ARP_MAX_RETRIES);
    struct net_counters c;
    net_get_counters(S.ns, &c);
    assert_int_equal(c.arp_timeouts, 1);
    struct net_arp_info info[4];
    assert_int_equal(net_arp_list(S.ns, info, 4), 0);
    /* A learned entry lives NET_ARP_TTL_MS, then goes. */
    uint8_t f[64];
    nt_inject(&S, f, build_arp(f, 1, NT_MAC_PEER, PEER, ZERO, US, BCAST));
    nt_drain_sent(&S);
    assert_int_equal(net_arp_list(S.ns, info, 4), 1);
    nt_advance(&S, NET_ARP_TTL_MS * NS_PER_MS - NS_PER_S);
    assert_int_equal(net_arp_list(S.ns, info, 4), 1);
    nt_advance(&S, 2 * NS_PER_S);
    assert_int_equal(net_arp_list(S.ns, info, 4), 0);
    sock_close(so);
}

static void test_arp_bad_packets_and_gratuitous(void **state)
{
    (void)state;
    uint8_t f[64];
    uint32_t n = build_arp(f, 1, NT_MAC_PEER, PEER, ZERO, US, BCAST);
    f[14 + 4] = 8;                                                 /* hlen 8 */
    nt_inject(&S, f, n);
    nt_inject(&S, f, 20);                                          /* truncated */
    n = build_arp(f, 7, NT_MAC_PEER, PEER, ZERO, US, BCAST);       /* bad op */
    nt_inject(&S, f, n);
    static const uint8_t mcast[6] = { 0x01, 0, 0x5e, 0, 0, 1 };
    n = build_arp(f, 1, mcast, PEER, ZERO, US, BCAST);             /* multicast sender */
    nt_inject(&S, f, n);
    assert_null(nt_pop_sent(&S));
    struct net_counters c;
    net_get_counters(S.ns, &c);
    assert_int_equal(c.arp_bad, 4);
    /* Setting an address announces it: spa == tpa == the address, broadcast. */
    assert_int_equal(netif_set_addr(&S.port.nif, IP4(10, 0, 0, 3), 24), 0);
    struct netbuf *nb = nt_pop_sent(&S);
    assert_non_null(nb);
    assert_memory_equal(nb->data, BCAST, 6);
    assert_int_equal(get32(nb->data + 28), IP4(10, 0, 0, 3));
    assert_int_equal(get32(nb->data + 38), IP4(10, 0, 0, 3));
    netbuf_free(nb);
}

static void expect_no_output(void) { assert_null(nt_pop_sent(&S)); }

static void test_ip_rejects_malformed(void **state)
{
    (void)state;
    uint8_t f[200], payload[8] = { 8, 0, 0, 0, 0, 0, 0, 0 };
    struct net_counters c0, c1;
    net_get_counters(S.ns, &c0);
    uint32_t n = nt_build_ip(f, NT_MAC_A, NT_MAC_PEER, PEER, US, 1, 64, 1, 0, payload, 8);
    f[14 + 10] ^= 0x55;                                            /* header checksum */
    nt_inject(&S, f, n);
    n = nt_build_ip(f, NT_MAC_A, NT_MAC_PEER, PEER, US, 1, 64, 1, 0, payload, 8);
    f[14] = 0x65;                                                  /* version 6 */
    nt_inject(&S, f, n);
    n = nt_build_ip(f, NT_MAC_A, NT_MAC_PEER, PEER, US, 1, 64, 1, 0, payload, 8);
    f[14] = 0x44;                                                  /* IHL 4 */
    nt_inject(&S, f, n);
    n = nt_build_ip(f, NT_MAC_A, NT_MAC_PEER, PEER, US, 1, 64, 1, 0, payload, 8);
    nt_inject(&S, f, n - 4);                                       /* total length > frame */
    nt_inject(&S, f, 20);                                          /* cut inside the header */
    n = nt_build_ip(f, NT_MAC_A, NT_MAC_PEER, IP4(255, 255, 255, 255), US, 1, 64, 1, 0, payload, 8);
    nt_inject(&S, f, n);                                           /* broadcast source */
    net_get_counters(S.ns, &c1);
    assert_int_equal(c1.ip_bad_checksum - c0.ip_bad_checksum, 1);
    assert_int_equal(c1.ip_bad_header - c0.ip_bad_header, 5);
    n = nt_build_ip(f, NT_MAC_A, NT_MAC_PEER, PEER, IP4(10, 0, 0, 200), 1, 64, 1, 0, payload, 8);
    nt_inject(&S, f, n);                                           /* not ours */
    net_get_counters(S.ns, &c1);
    assert_int_equal(c1.ip_not_for_us - c0.ip_not_for_us, 1);
    /* Ethernet-level junk. */
    nt_inject(&S, f, 10);
    f[12] = 0x86; f[13] = 0xdd;                                    /* IPv6 EtherType */
    nt_inject(&S, f, n);
    net_get_counters(S.ns, &c1);
    assert_int_equal(c1.eth_bad - c0.eth_bad, 1);
    assert_int_equal(c1.eth_unknown_type - c0.eth_unknown_type, 1);
    expect_no_output();
}

static void test_icmp_echo_reply(void **state)
{
    (void)state;
    net_arp_add(S.ns, &S.port.nif, PEER, NT_MAC_PEER);
    uint8_t icmp[64], f[200];
    memset(icmp, 0, sizeof(icmp));
    icmp[0] = 8;
    icmp[4] = 0x12; icmp[5] = 0x34; icmp[6] = 0; icmp[7] = 7;
    for (int i = 8; i < 64; i++)
        icmp[i] = (uint8_t)i;
    uint16_t c = nt_csum(icmp, 64, 0);
    icmp[2] = (uint8_t)(c >> 8); icmp[3] = (uint8_t)c;
    nt_inject(&S, f, nt_build_ip(f, NT_MAC_A, NT_MAC_PEER, PEER, US, 1, 64, 9, 0, icmp, 64));
    struct netbuf *nb = nt_pop_sent(&S);
    assert_non_null(nb);
    struct nt_ip_view v;
    assert_true(nt_parse_ip(nb, &v));
    assert_int_equal(v.src, US);
    assert_int_equal(v.dst, PEER);
    assert_int_equal(v.proto, 1);
    assert_int_equal(v.l4len, 64);
    assert_int_equal(v.l4[0], 0);                                  /* echo reply */
    assert_memory_equal(v.l4 + 4, icmp + 4, 60);                   /* id, seq, data */
    assert_int_equal(nt_csum(v.l4, v.l4len, 0), 0);
    netbuf_free(nb);
    /* Broadcast echo: silence. Bad checksum: silence, counted. */
    nt_inject(&S, f, nt_build_ip(f, BCAST, NT_MAC_PEER, PEER, IP4(10, 0, 0, 255), 1, 64, 9, 0, icmp, 64));
    icmp[10] ^= 1;
    nt_inject(&S, f, nt_build_ip(f, NT_MAC_A, NT_MAC_PEER, PEER, US, 1, 64, 9, 0, icmp, 64));
    expect_no_output();
    struct net_counters cn;
    net_get_counters(S.ns, &cn);
    assert_int_equal(cn.icmp_bad, 1);
    assert_int_equal(cn.icmp_echo_replied, 1);
}

static void test_unreachable_port_and_protocol(void **state)
{
    (void)state;
    net_arp_add(S.ns, &S.port.nif, PEER, NT_MAC_PEER);
    uint8_t f[200];
    uint32_t n = nt_build_udp(f, PEER, 5555, US, 4444, (const uint8_t *)"hello", 5);
    nt_inject(&S, f, n);
    struct netbuf *nb = nt_pop_sent(&S);
    assert_non_null(nb);
    struct nt_ip_view v;
    assert_true(nt_parse_ip(nb, &v));
    assert_int_equal(v.proto, 1);
    assert_int_equal(v.l4[0], 3);
    assert_int_equal(v.l4[1], 3);                                  /* port unreachable */
    assert_int_equal(nt_csum(v.l4, v.l4len, 0), 0);
    assert_int_equal(v.l4len, 8 + 20 + 8);                         /* header + 8 bytes quoted */
    assert_memory_equal(v.l4 + 8, f + 14, 28);
    netbuf_free(nb);
    uint8_t junk[4] = { 1, 2, 3, 4 };
    nt_inject(&S, f, nt_build_ip(f, NT_MAC_A, NT_MAC_PEER, PEER, US, 99, 64, 3, 0, junk, 4));
    nb = nt_pop_sent(&S);
    assert_non_null(nb);
    assert_true(nt_parse_ip(nb, &v));
    assert_int_equal(v.l4[0], 3);
    assert_int_equal(v.l4[1], 2);                                  /* protocol unreachable */
    netbuf_free(nb);
    /* No error about broadcasts or non-first fragments. */
    n = nt_build_udp(f, PEER, 5555, IP4(10, 0, 0, 255), 4444, (const uint8_t *)"hello", 5);
    memcpy(f, BCAST, 6);
    nt_inject(&S, f, n);
    expect_no_output();
}

static void test_icmp_errors_rate_limited(void **state)
{
    (void)state;
    net_arp_add(S.ns, &S.port.nif, PEER, NT_MAC_PEER);
    uint8_t f[200];
    uint32_t n = nt_build_udp(f, PEER, 5555, US, 4444, (const uint8_t *)"x", 1);
    for (int i = 0; i < 1000; i++)
        nt_inject(&S, f, n);
    int sent = 0;
    struct netbuf *nb;
    while ((nb = nt_pop_sent(&S))) {
        sent++;
        netbuf_free(nb);
    }
    assert_true(sent > 0 && sent <= NET_ICMP_ERRORS_PER_SEC);
    nt_advance(&S, 2 * NS_PER_S);
    nt_inject(&S, f, n);
    nb = nt_pop_sent(&S);
    assert_non_null(nb);                                           /* tokens came back */
    netbuf_free(nb);
}

static void test_udp_socket_roundtrip(void **state)
{
    (void)state;
    net_arp_add(S.ns, &S.port.nif, PEER, NT_MAC_PEER);
    struct socket *so;
    assert_int_equal(sock_open(S.ns, SOCK_UDP, &so), 0);
    assert_int_equal(sock_setopt(so, SOCKOPT_NONBLOCK, 1), 0);
    struct sock_addr local = { 0, 7000 }, from;
    assert_int_equal(sock_bind(so, &local), 0);
    char buf[64];
    assert_int_equal(sock_recvfrom(so, buf, sizeof(buf), 0, &from), -EAGAIN);
    uint8_t f[200];
    nt_inject(&S, f, nt_build_udp(f, PEER, 1234, US, 7000, (const uint8_t *)"payload", 7));
    uint32_t n = nt_build_udp(f, PEER, 1234, US, 7000, (const uint8_t *)"corrupt", 7);
    f[n - 1] ^= 0xff;                                              /* bad UDP checksum */
    nt_inject(&S, f, n);
    n = nt_build_udp(f, PEER, 1234, US, 7000, (const uint8_t *)"nocsum", 6);
    f[14 + 20 + 6] = 0;                                            /* checksum 0: none */
    f[14 + 20 + 7] = 0;
    nt_inject(&S, f, n);
    assert_true(sock_poll(so) & SOCK_POLLIN);
    assert_int_equal(sock_recvfrom(so, buf, sizeof(buf), SOCK_PEEK, &from), 7);
    assert_int_equal(sock_recvfrom(so, buf, 3, 0, &from), 3);      /* truncates */
    assert_memory_equal(buf, "pay", 3);
    assert_int_equal(from.addr, PEER);
    assert_int_equal(from.port, 1234);
    assert_int_equal(sock_recvfrom(so, buf, sizeof(buf), 0, &from), 6);
    assert_memory_equal(buf, "nocsum", 6);
    assert_int_equal(sock_recvfrom(so, buf, sizeof(buf), 0, &from), -EAGAIN);
    struct net_counters c;
    net_get_counters(S.ns, &c);
    assert_int_equal(c.udp_bad, 1);
    /* Sending: a well-formed datagram with a valid checksum. */
    struct sock_addr to = { PEER, 53 };
    assert_int_equal(sock_sendto(so, "question", 8, 0, &to), 8);
    struct netbuf *nb = nt_pop_sent(&S);
    struct nt_ip_view v;
    assert_true(nt_parse_ip(nb, &v));
    assert_int_equal(get16(v.l4), 7000);
    assert_int_equal(get16(v.l4 + 2), 53);
    assert_int_equal(get16(v.l4 + 4), 16);
    uint32_t ps = (US >> 16) + (US & 0xffff) + (PEER >> 16) + (PEER & 0xffff) + 17 + 16;
    assert_int_equal(nt_csum(v.l4, 16, ps), 0);
    netbuf_free(nb);
    /* Broadcast needs the option; the port is taken. */
    struct sock_addr bc = { IP4_BROADCAST, 67 };
    assert_int_equal(sock_sendto(so, "x", 1, 0, &bc), -EACCES);
    struct socket *so2;
    assert_int_equal(sock_open(S.ns, SOCK_UDP, &so2), 0);
    assert_int_equal(sock_bind(so2, &local), -EADDRINUSE);
    sock_close(so2);
    sock_close(so);
}

static void test_udp_connected_gets_icmp_error(void **state)
{
    (void)state;
    net_arp_add(S.ns, &S.port.nif, PEER, NT_MAC_PEER);
    struct socket *so;
    assert_int_equal(sock_open(S.ns, SOCK_UDP, &so), 0);
    sock_setopt(so, SOCKOPT_NONBLOCK, 1);
    struct sock_addr to = { PEER, 9 }, local;
    assert_int_equal(sock_connect(so, &to), 0);
    assert_int_equal(sock_send(so, "ping", 4, 0), 4);
    struct netbuf *nb = nt_pop_sent(&S);
    struct nt_ip_view v;
    assert_true(nt_parse_ip(nb, &v));
    sock_getname(so, &local, NULL);
    /* The peer answers with port unreachable, quoting our datagram. */
    uint8_t icmp[8 + 28], f[200];
    memset(icmp, 0, 8);
    icmp[0] = 3; icmp[1] = 3;
    memcpy(icmp + 8, nb->data + 14, 28);
    uint16_t c = nt_csum(icmp, sizeof(icmp), 0);
    icmp[2] = (uint8_t)(c >> 8); icmp[3] = (uint8_t)c;
    netbuf_free(nb);
    nt_inject(&S, f, nt_build_ip(f, NT_MAC_A, NT_MAC_PEER, PEER, US, 1, 64, 5, 0, icmp, sizeof(icmp)));
    char buf[8];
    assert_int_equal(sock_recv(so, buf, sizeof(buf), 0), -ECONNREFUSED);
    assert_int_equal(sock_recv(so, buf, sizeof(buf), 0), -EAGAIN);
    sock_close(so);
}

/* Splits an IPv4 payload into fragments of `chunk` bytes. */
static uint32_t build_frag(uint8_t *f, uint16_t id, uint32_t off, bool more, const uint8_t *data,
                           uint32_t len)
{
    return nt_build_ip(f, NT_MAC_A, NT_MAC_PEER, PEER, US, 17, 64, id,
                       (uint16_t)((more ? 0x2000 : 0) | (off / 8)), data + off, len);
}

static void make_udp_payload(uint8_t *udp, uint32_t datalen)
{
    for (uint32_t i = 0; i < datalen; i++)
        udp[8 + i] = (uint8_t)(i * 7 + 3);
    udp[0] = 0x04; udp[1] = 0xd2;                                  /* 1234 */
    udp[2] = 0x1b; udp[3] = 0x58;                                  /* 7000 */
    udp[4] = (uint8_t)((8 + datalen) >> 8); udp[5] = (uint8_t)(8 + datalen);
    udp[6] = udp[7] = 0;
    uint32_t ps = (PEER >> 16) + (PEER & 0xffff) + (US >> 16) + (US & 0xffff) + 17 + 8 + datalen;
    uint16_t c = nt_csum(udp, 8 + datalen, ps);
    udp[6] = (uint8_t)(c >> 8); udp[7] = (uint8_t)c;
}

static void test_reassembly(void **state)
{
    (void)state;
    struct socket *so;
    assert_int_equal(sock_open(S.ns, SOCK_UDP, &so), 0);
    sock_setopt(so, SOCKOPT_NONBLOCK, 1);
    struct sock_addr local = { 0, 7000 };
    sock_bind(so, &local);
    static uint8_t udp[8 + 3000], f[1600], buf[4000];
    make_udp_payload(udp, 3000);
    /* Out of order, with a duplicate: 1480 / 1480 / 48 bytes. */
    nt_inject(&S, f, build_frag(f, 77, 2960, false, udp, 48));
    nt_inject(&S, f, build_frag(f, 77, 1480, true, udp, 1480));
    nt_inject(&S, f, build_frag(f, 77, 1480, true, udp, 1480));
    assert_int_equal(sock_recv(so, buf, sizeof(buf), 0), -EAGAIN);
    nt_inject(&S, f, build_frag(f, 77, 0, true, udp, 1480));
    assert_int_equal(sock_recv(so, buf, sizeof(buf), 0), 3000);
    assert_memory_equal(buf, udp + 8, 3000);

    /* A partial overlap discards the datagram. */
    nt_inject(&S, f, build_frag(f, 78, 0, true, udp, 1480));
    nt_inject(&S, f, build_frag(f, 78, 1472, true, udp, 1480));
    nt_inject(&S, f, build_frag(f, 78, 2952, false, udp, 56));
    assert_int_equal(sock_recv(so, buf, sizeof(buf), 0), -EAGAIN);

    /* Missing pieces time out and free their memory. */
    nt_inject(&S, f, build_frag(f, 79, 0, true, udp, 1480));
    nt_inject(&S, f, build_frag(f, 80, 1480, true, udp, 1480));
    /* 78's last fragment, 79 and 80 wait: three datagrams in progress. */
    assert_int_equal(S.ns->reass_count, 3);
    net_arp_add(S.ns, &S.port.nif, PEER, NT_MAC_PEER);
    nt_advance(&S, NET_IP_REASS_TIMEOUT_MS * NS_PER_MS + NS_PER_S);
    assert_int_equal(S.ns->reass_count, 0);
    assert_int_equal(S.ns->reass_bytes, 0);
    /* Only 79 had its first fragment: one "time exceeded in reassembly". */
    struct netbuf *te = nt_pop_sent(&S);
    assert_non_null(te);
    struct nt_ip_view tv;
    assert_true(nt_parse_ip(te, &tv));
    assert_int_equal(tv.proto, 1);
    assert_int_equal(tv.l4[0], 11);
    assert_int_equal(tv.l4[1], 1);
    assert_int_equal(get16(tv.l4 + 8 + 4), 79);                    /* quotes datagram 79 */
    netbuf_free(te);
    assert_null(nt_pop_sent(&S));
    /* Bad fragment geometry: MF with a length not a multiple of 8, past 64 KiB. */
    nt_inject(&S, f, build_frag(f, 81, 0, true, udp, 100));
    nt_inject(&S, f, nt_build_ip(f, NT_MAC_A, NT_MAC_PEER, PEER, US, 17, 64, 82, 0x1fff, udp, 100));
    assert_int_equal(S.ns->reass_count, 0);
    struct net_counters c;
    net_get_counters(S.ns, &c);
    assert_int_equal(c.ip_reassembled, 1);
    assert_true(c.ip_reass_fail >= 4);
    nt_drain_sent(&S);
    sock_close(so);
}

static void test_fragmented_output(void **state)
{
    (void)state;
    net_arp_add(S.ns, &S.port.nif, PEER, NT_MAC_PEER);
    struct socket *so;
    assert_int_equal(sock_open(S.ns, SOCK_UDP, &so), 0);
    static uint8_t data[4000], rebuilt[8 + 4000];
    for (int i = 0; i < 4000; i++)
        data[i] = (uint8_t)(i ^ 0x5a);
    struct sock_addr to = { PEER, 9000 };
    assert_int_equal(sock_sendto(so, data, sizeof(data), 0, &to), 4000);
    uint32_t got = 0;
    uint16_t id = 0;
    int frags = 0;
    bool last = false;
    struct netbuf *nb;
    while ((nb = nt_pop_sent(&S))) {
        struct nt_ip_view v;
        assert_true(nt_parse_ip(nb, &v));
        uint32_t off = (uint32_t)(v.frag & 0x1fff) * 8;
        assert_true(14 + 20 + v.l4len <= 1514);
        if (frags++ == 0)
            id = v.id;
        assert_int_equal(v.id, id);
        memcpy(rebuilt + off, v.l4, v.l4len);
        got += v.l4len;
        last = !(v.frag & 0x2000);
        netbuf_free(nb);
    }
    assert_int_equal(frags, 3);
    assert_true(last);
    assert_int_equal(got, 4008);
    assert_memory_equal(rebuilt + 8, data, 4000);
    uint32_t ps = (US >> 16) + (US & 0xffff) + (PEER >> 16) + (PEER & 0xffff) + 17 + 4008;
    assert_int_equal(nt_csum(rebuilt, 4008, ps), 0);
    sock_close(so);
}

static void test_ping_socket(void **state)
{
    (void)state;
    net_arp_add(S.ns, &S.port.nif, PEER, NT_MAC_PEER);
    struct socket *so;
    assert_int_equal(sock_open(S.ns, SOCK_PING, &so), 0);
    sock_setopt(so, SOCKOPT_NONBLOCK, 1);
    uint8_t echo[16] = { 8, 0, 0, 0, 0, 0, 0, 1, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h' };
    struct sock_addr to = { PEER, 0 }, local, from;
    assert_int_equal(sock_sendto(so, echo, sizeof(echo), 0, &to), 16);
    sock_getname(so, &local, NULL);
    struct netbuf *nb = nt_pop_sent(&S);
    struct nt_ip_view v;
    assert_true(nt_parse_ip(nb, &v));
    assert_int_equal(v.proto, 1);
    assert_int_equal(v.l4[0], 8);
    assert_int_equal(get16(v.l4 + 4), local.port);                /* our echo id */
    assert_int_equal(nt_csum(v.l4, v.l4len, 0), 0);
    uint8_t reply[16];
    memcpy(reply, v.l4, 16);
    netbuf_free(nb);
    reply[0] = 0;
    reply[2] = reply[3] = 0;
    uint16_t c = nt_csum(reply, 16, 0);
    reply[2] = (uint8_t)(c >> 8); reply[3] = (uint8_t)c;
    uint8_t f[200], buf[64];
    nt_inject(&S, f, nt_build_ip(f, NT_MAC_A, NT_MAC_PEER, PEER, US, 1, 64, 5, 0, reply, 16));
    assert_int_equal(sock_recvfrom(so, buf, sizeof(buf), 0, &from), 16);
    assert_int_equal(from.addr, PEER);
    assert_int_equal(buf[0], 0);
    assert_memory_equal(buf + 8, "abcdefgh", 8);
    sock_close(so);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_arp_reply_and_learn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arp_resolves_and_flushes_queue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arp_gives_up_and_expires, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arp_bad_packets_and_gratuitous, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ip_rejects_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_icmp_echo_reply, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreachable_port_and_protocol, setup, teardown),
        cmocka_unit_test_setup_teardown(test_icmp_errors_rate_limited, setup, teardown),
        cmocka_unit_test_setup_teardown(test_udp_socket_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_udp_connected_gets_icmp_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reassembly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fragmented_output, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ping_socket, setup, teardown),
    };
    int failed = cmocka_run_group_tests_name("net-proto", tests, NULL, NULL);
    return nt_report("net-proto", (int)ARRAY_SIZE(tests), failed);
}
