/*
 * tests/fuzz/net/net_fuzz.c — libFuzzer target for the network stack's input
 * path. One stack lives across inputs (so TCP, ARP, reassembly, DHCP and DNS
 * state builds up), with a listener on TCP port 80, a UDP socket on port 53,
 * a ping socket, a DHCP client and a pending DNS lookup. Each input is a
 * sequence of records; each record is a frame that is either raw bytes or a
 * header built around fuzzed fields with valid checksums (so that the fuzzer
 * reaches the protocol logic behind them), plus a clock step that drives the
 * timers. Sent frames are discarded; the stack must never crash, read out of
 * bounds, or let buffers pile up.
 *
 * Since the stack keeps state on purpose, libFuzzer's per-input leak check
 * does not fit (run with -detect_leaks=0); instead every RESTART_EVERY inputs
 * the stack is torn down and packet buffers and heap objects must be back to
 * what they were before it was built.
 */
#include <stdio.h>
#include <stdlib.h>

#include "net/netpriv.h"

extern int kshim_log_level;

#define US   IP4(10, 0, 0, 1)

#define RESTART_EVERY 500

static uint64_t fz_now = 1000 * NS_PER_S;
static uint64_t heap_before;
static long netbufs_before;
static unsigned inputs;
static uint64_t fz_clock(void *arg) { (void)arg; return fz_now; }

static struct net_stack *ns;
static struct netif nif;
static struct socket *tcp_listener, *udp_sock, *ping_sock;
static long sent_frames;

static int fz_transmit(struct netif *n, struct netbuf *nb)
{
    (void)n;
    sent_frames++;
    netbuf_free(nb);
    return 0;
}
static const struct netif_ops fz_ops = { .transmit = fz_transmit };

static void dns_cb(void *arg, int status, const ip4_addr_t *a, int n, const char *c)
{
    (void)arg; (void)status; (void)a; (void)n; (void)c;
}

static void setup(void)
{
    kshim_log_level = KLOG_ERR - 1;
    struct mm_stats st;
    mm_get_stats(&st);
    heap_before = st.heap_allocations;
    netbufs_before = netbuf_live();
    ns = net_stack_create("fuzz");
    net_set_manual_clock(ns, fz_clock, NULL);
    net_seed_random(ns, 1);
    strlcpy(nif.name, "eth0", sizeof(nif.name));
    const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 1 };
    memcpy(nif.hwaddr, mac, 6);
    nif.mtu = 1500;
    nif.flags = NETIF_UP | NETIF_LINK_UP | NETIF_ETHERNET;
    nif.ops = &fz_ops;
    netif_add(ns, &nif);
    netif_set_addr(&nif, US, 24);
    net_route_add(ns, 0, 0, IP4(10, 0, 0, 254), NULL, 0);
    sock_open(ns, SOCK_TCP, &tcp_listener);
    sock_setopt(tcp_listener, SOCKOPT_NONBLOCK, 1);
    struct sock_addr a = { 0, 80 };
    sock_bind(tcp_listener, &a);
    sock_listen(tcp_listener, 8);
    sock_open(ns, SOCK_UDP, &udp_sock);
    sock_setopt(udp_sock, SOCKOPT_NONBLOCK, 1);
    struct sock_addr u = { 0, 53 };
    sock_bind(udp_sock, &u);
    sock_open(ns, SOCK_PING, &ping_sock);
    sock_setopt(ping_sock, SOCKOPT_NONBLOCK, 1);
    ip4_addr_t dns = IP4(10, 0, 0, 2);
    dns_set_servers(ns, &dns, 1);
}

/* Tears the stack down and checks that it gave everything back. */
static void teardown_and_check(void)
{
    sock_close(tcp_listener);
    sock_close(udp_sock);
    sock_close(ping_sock);
    netif_remove(&nif);
    net_stack_destroy(ns);
    ns = NULL;
    memset(&nif, 0, sizeof(nif));
    struct mm_stats st;
    mm_get_stats(&st);
    if (netbuf_live() != netbufs_before || st.heap_allocations != heap_before) {
        fprintf(stderr, "net_fuzz: leak: netbufs %ld -> %ld, heap objects %llu -> %llu\n",
                netbufs_before, netbuf_live(), (unsigned long long)heap_before,
                (unsigned long long)st.heap_allocations);
        abort();
    }
}

/* Reads n bytes of the input, or zeros past its end. */
struct cursor {
    const uint8_t *p;
    size_t left;
};
static uint8_t take8(struct cursor *c)
{
    if (!c->left)
        return 0;
    c->left--;
    return *c->p++;
}
static uint16_t take16(struct cursor *c) { return (uint16_t)(take8(c) << 8 | take8(c)); }
static uint32_t take32(struct cursor *c) { return (uint32_t)take16(c) << 16 | take16(c); }

static uint16_t fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}
static uint32_t sum16(const uint8_t *p, size_t len)
{
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < len; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (len & 1)
        s += (uint32_t)p[len - 1] << 8;
    return s;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)); put16(p + 2, (uint16_t)v); }

/* Known peers, so that fuzzed segments can match each other's connections. */
static ip4_addr_t pick_addr(uint8_t sel, uint32_t raw)
{
    switch (sel & 3) {
    case 0: return IP4(10, 0, 0, 9);
    case 1: return IP4(10, 0, 0, 2);
    case 2: return IP4(10, 0, 0, 255 - (raw & 7));
    default: return raw;
    }
}

/* Builds one record's frame into f; returns its length. */
static size_t build(struct cursor *c, uint8_t *f, size_t cap)
{
    uint8_t mode = take8(c) % 8;
    size_t body = take8(c) % 160;
    if (body > c->left)
        body = c->left;
    static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 1 };
    static const uint8_t peer[6] = { 0x02, 0, 0, 0, 0, 9 };
    if (mode == 0) {                                  /* raw frame */
        size_t n = MIN(body + 14, cap);
        memcpy(f, mac, 6);
        for (size_t i = 6; i < n; i++)
            f[i] = take8(c);
        return n;
    }
    memcpy(f, take8(c) & 0x80 ? (const uint8_t[6]){ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } : mac, 6);
    memcpy(f + 6, peer, 6);
    if (mode == 1) {                                  /* ARP */
        put16(f + 12, 0x0806);
        uint8_t *a = f + 14;
        put16(a, 1); put16(a + 2, 0x0800); a[4] = 6; a[5] = 4;
        put16(a + 6, (uint16_t)(1 + (take8(c) & 1)));
        memcpy(a + 8, peer, 6);
        a[13] ^= take8(c) & 3;
        put32(a + 14, pick_addr(take8(c), take32(c)));
        memset(a + 18, 0, 6);
        put32(a + 24, take8(c) & 1 ? US : take32(c));
        return 14 + 28;
    }
    put16(f + 12, 0x0800);
    uint8_t *ip = f + 14;
    uint8_t proto;
    switch (mode) {
    case 2: case 3: case 4: proto = 6; break;         /* TCP gets the most attention */
    case 5: proto = 17; break;
    case 6: proto = 1; break;
    default: proto = take8(c); break;
    }
    uint8_t *l4 = ip + 20;
    size_t l4len;
    ip4_addr_t src = pick_addr(take8(c), take32(c));
    ip4_addr_t dst = take8(c) & 0x7 ? US : IP4(10, 0, 0, 255);
    if (proto == 6) {
        uint8_t optlen = (uint8_t)((take8(c) % 11) * 4);
        put16(l4, (uint16_t)(40000 + (take8(c) & 3)));
        put16(l4 + 2, take8(c) & 0x7 ? 80 : take16(c));
        put32(l4 + 4, take32(c));
        put32(l4 + 8, take32(c));
        l4[12] = (uint8_t)(((20 + optlen) / 4) << 4);
        l4[13] = take8(c) & 0x3f;
        put16(l4 + 14, take16(c));
        put16(l4 + 16, 0);
        put16(l4 + 18, 0);
        for (uint8_t i = 0; i < optlen; i++)
            l4[20 + i] = take8(c);
        l4len = 20 + optlen + body;
        for (size_t i = 20 + optlen; i < l4len; i++)
            l4[i] = take8(c);
    } else if (proto == 17) {
        put16(l4, take8(c) & 1 ? 53 : 67);
        put16(l4 + 2, take8(c) & 3 ? (take8(c) & 1 ? 53 : 68) : take16(c));
        l4len = 8 + body;
        put16(l4 + 4, (uint16_t)l4len);
        put16(l4 + 6, 0);
        for (size_t i = 8; i < l4len; i++)
            l4[i] = take8(c);
    } else {
        l4len = body;
        for (size_t i = 0; i < l4len; i++)
            l4[i] = take8(c);
        if (proto == 1 && l4len >= 4) {
            l4[2] = l4[3] = 0;
            put16(l4 + 2, fold(sum16(l4, l4len)));
        }
    }
    if (proto == 6 || proto == 17) {
        uint32_t ps = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + proto + (uint32_t)l4len;
        put16(l4 + (proto == 6 ? 16 : 6), fold(ps + sum16(l4, l4len)));
    }
    memset(ip, 0, 20);
    ip[0] = 0x45;
    put16(ip + 2, (uint16_t)(20 + l4len));
    put16(ip + 4, take16(c));
    uint8_t fr = take8(c);
    /* Now and then a fragment, to reach reassembly. */
    put16(ip + 6, fr < 0xe0 ? 0 : (uint16_t)(((fr & 1) ? 0x2000 : 0) | ((fr >> 1) & 0xf) * 185));
    ip[8] = 64;
    ip[9] = proto;
    put32(ip + 12, src);
    put32(ip + 16, dst);
    put16(ip + 10, fold(sum16(ip, 20)));
    return 14 + 20 + l4len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ns)
        setup();
    struct cursor c = { data, size };
    uint8_t frame[1600];
    int records = 0;
    while (c.left > 0 && records++ < 64) {
        size_t n = build(&c, frame, sizeof(frame));
        struct netbuf *nb = netbuf_alloc(64, (uint32_t)n);
        if (!nb)
            break;
        memcpy(nb->data, frame, n);
        if (take8(&c) & 0x80)
            nb->flags |= NETBUF_RX_CSUM_OK;
        netif_input(&nif, nb);
        /* Let the applications act, and time move. */
        struct socket *s;
        if (sock_accept(tcp_listener, &s, NULL) == 0) {
            uint8_t sel = take8(&c);
            if (sel & 1)
                sock_send(s, "response", 8, SOCK_DONTWAIT);
            if (sel & 2)
                sock_setopt(s, SOCKOPT_LINGER_ZERO, 1);
            if (sel & 4)
                sock_shutdown(s, SOCK_SHUT_WR);
            sock_close(s);
        }
        uint8_t buf[256];
        while (sock_recv(udp_sock, buf, sizeof(buf), SOCK_DONTWAIT) > 0) {
        }
        while (sock_recv(ping_sock, buf, sizeof(buf), SOCK_DONTWAIT) > 0) {
        }
        uint8_t step = take8(&c);
        fz_now += (uint64_t)step * (step > 200 ? 1000 : 5) * NS_PER_MS;
        net_run_timers(ns);
    }
    if (take8(&c) == 0x42) {
        dhcp_stop(&nif);
        dhcp_start(&nif);
        dns_lookup_async(ns, "fuzz.test", dns_cb, NULL);
    }
    /* Buffers may only be held in bounded queues. */
    if (netbuf_live() > 20000) {
        fprintf(stderr, "net_fuzz: %ld live netbufs\n", netbuf_live());
        abort();
    }
    if (++inputs % RESTART_EVERY == 0)
        teardown_and_check();
    return 0;
}
