/*
 * kernel/net/net_ktests.c — in-kernel tests of the network stack on real
 * threads, locks and timers (test=net_* on the kernel command line). Each
 * test runs on a stack of its own, created and destroyed in the test, so
 * that heap objects and packet buffers can be counted before and after.
 */
#include "net/netpriv.h"
#include "lib/sha256.h"
#include "core/ktest.h"

struct leak_mark {
    uint64_t heap;
    long netbufs;
};

static void leak_mark(struct leak_mark *m)
{
    struct mm_stats st;
    mm_get_stats(&st);
    m->heap = st.heap_allocations;
    m->netbufs = netbuf_live();
}

static bool leak_same(const struct leak_mark *m)
{
    struct leak_mark now;
    leak_mark(&now);
    if (now.heap != m->heap || now.netbufs != m->netbufs)
        log_warn("net: heap objects %llu -> %llu, netbufs %ld -> %ld", (unsigned long long)m->heap,
                 (unsigned long long)now.heap, m->netbufs, now.netbufs);
    return now.heap == m->heap && now.netbufs == m->netbufs;
}

static uint8_t pattern(uint64_t i)
{
    uint64_t x = (i + 1) * 0x9e3779b97f4a7c15ull;
    return (uint8_t)((x ^ (x >> 29)) >> 24);
}

struct server_arg {
    struct net_stack *ns;
    struct socket *listener;
    uint64_t bytes;
    uint8_t digest[32];
    int result;
};

/* Accepts one connection and reads it to the end, hashing. */
static void tcp_server(void *p)
{
    struct server_arg *a = p;
    struct socket *s;
    a->result = sock_accept(a->listener, &s, NULL);
    if (a->result < 0)
        return;
    struct sha256 sha;
    sha256_init(&sha);
    static uint8_t buf[32768];
    long n;
    while ((n = sock_recv(s, buf, sizeof(buf), 0)) > 0) {
        sha256_update(&sha, buf, (size_t)n);
        a->bytes += (uint64_t)n;
    }
    if (n < 0)
        a->result = (int)n;
    sha256_final(&sha, a->digest);
    sock_close(s);
}

static void idle_thread(void *p)
{
    (void)p;
}

KTEST(net_loopback_tcp_transfer)
{
    /* A thread created and joined first lets the scheduler's caches grow
     * before the count starts. */
    struct thread *warm = thread_create("net-ktest-warm", idle_thread, NULL, PRIO_NORMAL);
    KT_ASSERT(warm);
    thread_join(warm);
    struct leak_mark before;
    leak_mark(&before);
    struct net_stack *ns = net_stack_create("ktest");
    KT_ASSERT(ns);
    struct server_arg a = { .ns = ns };
    KT_ASSERT_EQ(sock_open(ns, SOCK_TCP, &a.listener), 0);
    struct sock_addr at = { IP4_LOOPBACK, 7000 };
    KT_ASSERT_EQ(sock_bind(a.listener, &at), 0);
    KT_ASSERT_EQ(sock_listen(a.listener, 4), 0);
    struct thread *t = thread_create("net-ktest-srv", tcp_server, &a, PRIO_NORMAL);
    KT_ASSERT(t);

    struct socket *c;
    KT_ASSERT_EQ(sock_open(ns, SOCK_TCP, &c), 0);
    KT_ASSERT_EQ(sock_connect(c, &at), 0);
    const uint64_t total = 8u << 20;
    struct sha256 sha;
    sha256_init(&sha);
    static uint8_t buf[20000];
    uint64_t sent = 0;
    uint64_t t0 = time_ns();
    while (sent < total) {
        size_t n = (size_t)MIN((uint64_t)sizeof(buf), total - sent);
        for (size_t i = 0; i < n; i++)
            buf[i] = pattern(sent + i);
        sha256_update(&sha, buf, n);
        long w = sock_send(c, buf, n, 0);
        KT_EXPECT(w == (long)n);
        if (w != (long)n)
            break;
        sent += n;
    }
    sock_shutdown(c, SOCK_SHUT_WR);
    thread_join(t);
    uint64_t ms = (time_ns() - t0) / NS_PER_MS;
    uint8_t want[32];
    sha256_final(&sha, want);
    KT_ASSERT_EQ(a.result, 0);
    KT_ASSERT_EQ(a.bytes, total);
    KT_ASSERT(memcmp(want, a.digest, 32) == 0);
    log_info("net: loopback TCP moved %llu MiB in %llu ms", (unsigned long long)(total >> 20),
             (unsigned long long)ms);
    sock_close(c);
    sock_close(a.listener);
    net_stack_destroy(ns);
    KT_ASSERT(leak_same(&before));
}

KTEST(net_loopback_many_connections)
{
    struct leak_mark before;
    leak_mark(&before);
    struct net_stack *ns = net_stack_create("ktest");
    KT_ASSERT(ns);
    struct socket *l;
    KT_ASSERT_EQ(sock_open(ns, SOCK_TCP, &l), 0);
    struct sock_addr at = { IP4_LOOPBACK, 7001 };
    KT_ASSERT_EQ(sock_bind(l, &at), 0);
    KT_ASSERT_EQ(sock_listen(l, 128), 0);
    enum { N = 100 };
    static struct socket *cl[N], *sv[N];
    for (int i = 0; i < N; i++) {
        KT_ASSERT_EQ(sock_open(ns, SOCK_TCP, &cl[i]), 0);
        sock_setopt(cl[i], SOCKOPT_NONBLOCK, 1);
        int r = sock_connect(cl[i], &at);
        KT_ASSERT(r == -EINPROGRESS || r == 0);
    }
    for (int i = 0; i < N; i++)
        KT_ASSERT_EQ(sock_accept(l, &sv[i], NULL), 0);
    /* Every client says its number; every server echoes it back doubled. */
    for (int i = 0; i < N; i++) {
        uint32_t v = (uint32_t)i * 7919u;
        KT_ASSERT_EQ(sock_send(cl[i], &v, 4, 0), 4);
    }
    for (int i = 0; i < N; i++) {
        uint32_t v;
        KT_ASSERT_EQ(sock_recv(sv[i], &v, 4, SOCK_WAITALL), 4);
        v *= 2;
        KT_ASSERT_EQ(sock_send(sv[i], &v, 4, 0), 4);
    }
    struct sock_pollfd pf[N];
    int answered = 0;
    bool got[N] = { false };
    uint64_t deadline = time_ns() + 10 * NS_PER_S;
    while (answered < N && time_ns() < deadline) {
        for (int i = 0; i < N; i++)
            pf[i] = (struct sock_pollfd){ cl[i], SOCK_POLLIN, 0 };
        sock_poll_wait(pf, N, (int64_t)(100 * NS_PER_MS));
        for (int i = 0; i < N; i++) {
            uint32_t v;
            if (!got[i] && (pf[i].revents & SOCK_POLLIN) && sock_recv(cl[i], &v, 4, 0) == 4) {
                KT_EXPECT(v == (uint32_t)i * 7919u * 2);
                got[i] = true;
                answered++;
            }
        }
    }
    KT_ASSERT_EQ(answered, N);
    struct net_usage u;
    net_get_usage(ns, &u);
    KT_ASSERT_EQ(u.tcp_pcbs, 2 * N + 1);
    for (int i = 0; i < N; i++) {
        sock_close(cl[i]);
        sock_close(sv[i]);
    }
    sock_close(l);
    net_stack_destroy(ns);
    KT_ASSERT(leak_same(&before));
}

/* Errors and timeouts through the real timer thread and condition variables. */
KTEST(net_socket_errors_and_timeouts)
{
    struct leak_mark before;
    leak_mark(&before);
    struct net_stack *ns = net_stack_create("ktest");
    KT_ASSERT(ns);
    struct socket *s;
    KT_ASSERT_EQ(sock_open(ns, SOCK_TCP, &s), 0);
    struct sock_addr closed = { IP4_LOOPBACK, 9 };
    KT_ASSERT_EQ(sock_connect(s, &closed), -ECONNREFUSED);
    sock_close(s);

    /* A receive timeout: nothing arrives within 200 ms. */
    KT_ASSERT_EQ(sock_open(ns, SOCK_UDP, &s), 0);
    struct sock_addr any = { 0, 5353 };
    KT_ASSERT_EQ(sock_bind(s, &any), 0);
    sock_setopt(s, SOCKOPT_RCVTIMEO_MS, 200);
    char buf[64];
    uint64_t t0 = time_ns();
    KT_ASSERT_EQ(sock_recv(s, buf, sizeof(buf), 0), -EAGAIN);
    uint64_t waited = time_ns() - t0;
    KT_ASSERT(waited >= 200 * NS_PER_MS && waited < 2 * NS_PER_S);
    /* A datagram to ourselves arrives. */
    struct sock_addr self = { IP4_LOOPBACK, 5353 }, from;
    KT_ASSERT_EQ(sock_sendto(s, "hello", 5, 0, &self), 5);
    KT_ASSERT_EQ(sock_recvfrom(s, buf, sizeof(buf), 0, &from), 5);
    KT_ASSERT(memcmp(buf, "hello", 5) == 0 && from.port == 5353);
    sock_close(s);

    /* Ping over loopback. */
    KT_ASSERT_EQ(sock_open(ns, SOCK_PING, &s), 0);
    sock_setopt(s, SOCKOPT_RCVTIMEO_MS, 1000);
    uint8_t echo[16] = { 8, 0, 0, 0, 0, 0, 0, 1, 'k', 'p', 'i', 'o' };
    struct sock_addr lo = { IP4_LOOPBACK, 0 };
    KT_ASSERT_EQ(sock_sendto(s, echo, sizeof(echo), 0, &lo), 16);
    KT_ASSERT_EQ(sock_recv(s, buf, sizeof(buf), 0), 16);
    KT_ASSERT(buf[0] == 0 && memcmp(buf + 8, "kpio", 4) == 0);
    sock_close(s);

    /* DNS without servers fails at once; the static table answers. */
    ip4_addr_t a;
    KT_ASSERT_EQ(dns_lookup(ns, "nowhere.test", &a, 1), -EHOSTUNREACH);
    KT_ASSERT_EQ(dns_hosts_add(ns, "self.test", IP4_LOOPBACK), 0);
    KT_ASSERT_EQ(dns_lookup(ns, "self.test", &a, 1), 1);
    KT_ASSERT_EQ(a, IP4_LOOPBACK);
    net_stack_destroy(ns);
    KT_ASSERT(leak_same(&before));
}

KTEST(net_default_stack_ready)
{
    struct net_stack *ns = net_default();
    KT_ASSERT(ns);
    KT_ASSERT(netif_find(ns, "lo") != NULL);
}
