/*
 * tests/unit/net/test_dns.c — the DNS message code and the stub resolver.
 * Stack A resolves; stack B runs a small DNS server written here (replies
 * assembled byte by byte) that can answer, chain CNAMEs, deny, fail, stay
 * silent or send spoofed replies, and counts the queries it sees.
 */
#include "nettest.h"
#include "net/dns.h"

#include <strings.h>

static struct nt_leak L;
static int setup(void **state) { (void)state; nt_leak_start(&L); return 0; }
static int teardown(void **state) { (void)state; nt_leak_check(&L); return 0; }

/* ---- message code ---- */

static void test_name_text_roundtrip(void **state)
{
    (void)state;
    struct dns_name n, m;
    char text[DNS_NAME_TEXT_MAX];
    assert_true(dns_name_from_text("www.Example.COM", &n));
    assert_int_equal(n.len, 17);
    assert_memory_equal(n.wire, "\3www\7Example\3COM\0", 17);
    dns_name_to_text(&n, text, sizeof(text));
    assert_string_equal(text, "www.Example.COM.");
    assert_true(dns_name_from_text("www.example.com.", &m));
    assert_true(dns_name_equal(&n, &m));                 /* case-insensitive */
    assert_true(dns_name_from_text(".", &m));
    dns_name_to_text(&m, text, sizeof(text));
    assert_string_equal(text, ".");
    assert_false(dns_name_from_text("", &m));
    assert_false(dns_name_from_text("a..b", &m));
    char label64[80];
    memset(label64, 'x', 64);
    label64[64] = 0;
    assert_false(dns_name_from_text(label64, &m));
    /* Bytes that need escaping in presentation form. */
    struct dns_name odd = { .wire = { 3, 'a', '.', 0x07, 0 }, .len = 5 };
    dns_name_to_text(&odd, text, sizeof(text));
    assert_string_equal(text, "a\\.\\007.");
}

static void test_query_build_and_parse(void **state)
{
    (void)state;
    struct dns_name n;
    assert_true(dns_name_from_text("kpio.test", &n));
    uint8_t buf[512];
    size_t len = dns_build_query(buf, sizeof(buf), 0xbeef, &n, DNS_TYPE_A);
    assert_int_equal(len, 12 + 11 + 4);
    assert_int_equal(dns_build_query(buf, 20, 1, &n, DNS_TYPE_A), 0);
    static struct dns_msg m;
    assert_int_equal(dns_parse(buf, len, &m), DNS_OK);
    assert_int_equal(m.id, 0xbeef);
    assert_true(m.rd);
    assert_false(m.qr);
    assert_int_equal(m.nquestions, 1);
    assert_true(dns_name_equal(&m.question[0].name, &n));
    /* Every truncation of a valid message is refused, never read past. */
    for (size_t cut = 0; cut < len; cut++)
        assert_int_not_equal(dns_parse(buf, cut, &m), DNS_OK);
    assert_int_equal(dns_parse(buf, len + 1, &m), DNS_ERR_TRAILING_DATA);
}

/* ---- a DNS server on stack B ---- */

struct dns_server {
    struct socket *s;
    int queries;                  /* all queries seen */
    int per_name[16];
    int silent_first;             /* ignore this many queries */
    bool spoof_first;             /* first reply: wrong id, then the right one */
};

static const char *const NAMES[] = {
    "a.test", "www.chain.test", "split.test", "nx.test", "nodata.test", "fail.test", "zero.test",
    "loop1.test",
};

static int name_index(const char *n)
{
    for (size_t i = 0; i < ARRAY_SIZE(NAMES); i++)
        if (strcasecmp(n, NAMES[i]) == 0)
            return (int)i;
    return -1;
}

static uint8_t *put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; return p + 2; }
static uint8_t *put32(uint8_t *p, uint32_t v) { p = put16(p, (uint16_t)(v >> 16)); return put16(p, (uint16_t)v); }

static uint8_t *put_name(uint8_t *p, const char *text)
{
    while (*text) {
        const char *dot = strchr(text, '.');
        size_t l = dot ? (size_t)(dot - text) : strlen(text);
        *p++ = (uint8_t)l;
        memcpy(p, text, l);
        p += l;
        text += l + (dot ? 1 : 0);
    }
    *p++ = 0;
    return p;
}

/* A record whose owner is written out in full. */
static uint8_t *put_rr(uint8_t *p, const char *owner, uint16_t type, uint32_t ttl,
                       const uint8_t *rdata, uint16_t rdlen)
{
    p = put_name(p, owner);
    p = put16(p, type);
    p = put16(p, 1);
    p = put32(p, ttl);
    p = put16(p, rdlen);
    memcpy(p, rdata, rdlen);
    return p + rdlen;
}

static uint8_t *put_a(uint8_t *p, const char *owner, uint32_t ttl, uint32_t addr)
{
    uint8_t rd[4] = { (uint8_t)(addr >> 24), (uint8_t)(addr >> 16), (uint8_t)(addr >> 8), (uint8_t)addr };
    return put_rr(p, owner, 1, ttl, rd, 4);
}

static uint8_t *put_cname(uint8_t *p, const char *owner, uint32_t ttl, const char *target)
{
    uint8_t rd[256];
    uint16_t l = (uint16_t)(put_name(rd, target) - rd);
    return put_rr(p, owner, 5, ttl, rd, l);
}

static uint8_t *put_soa(uint8_t *p, const char *owner, uint32_t ttl, uint32_t minimum)
{
    uint8_t rd[256], *q = rd;
    q = put_name(q, "ns.test");
    q = put_name(q, "admin.test");
    q = put32(q, 1); q = put32(q, 3600); q = put32(q, 600); q = put32(q, 86400);
    q = put32(q, minimum);
    return put_rr(p, owner, 6, ttl, rd, (uint16_t)(q - rd));
}

/* Answers one query in q (len bytes) according to the name asked. */
static size_t answer(struct dns_server *srv, const uint8_t *q, size_t len, uint8_t *out, bool *send)
{
    *send = true;
    char name[256] = "";
    size_t pos = 12, o = 0;
    while (pos < len && q[pos]) {
        size_t l = q[pos];
        if (o)
            name[o++] = '.';
        memcpy(name + o, q + pos + 1, l);
        o += l;
        pos += 1 + l;
    }
    name[o] = 0;
    size_t qend = pos + 1 + 4;
    int idx = name_index(name);
    srv->queries++;
    if (idx >= 0)
        srv->per_name[idx]++;
    if (srv->silent_first > 0) {
        srv->silent_first--;
        *send = false;
        return 0;
    }
    memcpy(out, q, qend);
    uint16_t flags = 0x8180;                 /* response, RD, RA */
    uint8_t *p = out + qend;
    int an = 0, ns = 0;
    switch (idx) {
    case 0:
        p = put_a(p, name, 60, IP4(10, 1, 1, 1)); an++;
        p = put_a(p, name, 90, IP4(10, 1, 1, 2)); an++;
        break;
    case 1:
        p = put_cname(p, name, 300, "mid.chain.test"); an++;
        p = put_cname(p, "mid.chain.test", 300, "end.chain.test"); an++;
        p = put_a(p, "end.chain.test", 100, IP4(10, 2, 2, 2)); an++;
        break;
    case 2:
        p = put_cname(p, name, 300, "a.test"); an++;      /* the rest needs a second query */
        break;
    case 3:
        flags |= 3;                                        /* NXDOMAIN */
        p = put_soa(p, "test", 3600, 30); ns++;
        break;
    case 4:
        p = put_soa(p, "test", 3600, 20); ns++;
        break;
    case 5:
        flags |= 2;                                        /* SERVFAIL */
        break;
    case 6:
        p = put_a(p, name, 0, IP4(10, 6, 6, 6)); an++;     /* TTL 0: never cached */
        break;
    case 7:
        p = put_cname(p, name, 300, "loop2.test"); an++;
        p = put_cname(p, "loop2.test", 300, "loop1.test"); an++;
        break;
    default:
        flags |= 3;
        break;
    }
    put16(out + 2, flags);
    put16(out + 6, (uint16_t)an);
    put16(out + 8, (uint16_t)ns);
    put16(out + 10, 0);
    return (size_t)(p - out);
}

static void server_poll(struct dns_server *srv)
{
    uint8_t q[512], out[1024];
    struct sock_addr from;
    long n;
    while ((n = sock_recvfrom(srv->s, q, sizeof(q), SOCK_DONTWAIT, &from)) > 0) {
        bool send;
        size_t len = answer(srv, q, (size_t)n, out, &send);
        if (!send)
            continue;
        if (srv->spoof_first) {
            srv->spoof_first = false;
            out[0] ^= 0x55;                                /* wrong id */
            sock_sendto(srv->s, out, len, 0, &from);
            out[0] ^= 0x55;
        }
        sock_sendto(srv->s, out, len, 0, &from);
    }
}

struct lookup {
    struct dns_server *srv;
    bool done;
    int status;
    ip4_addr_t addrs[NET_DNS_ADDRS_MAX];
    int n;
    char cname[256];
};

static void lookup_cb(void *arg, int status, const ip4_addr_t *addrs, int n, const char *cname)
{
    struct lookup *l = arg;
    l->done = true;
    l->status = status;
    l->n = n;
    for (int i = 0; i < n; i++)
        l->addrs[i] = addrs[i];
    strlcpy(l->cname, cname ? cname : "", sizeof(l->cname));
}

static bool lookup_done(void *arg)
{
    struct lookup *l = arg;
    server_poll(l->srv);
    return l->done;
}

struct env {
    struct nt_pair p;
    struct dns_server srv;
};

static void env_init(struct env *e)
{
    memset(e, 0, sizeof(*e));
    nt_pair_init(&e->p, NULL);
    assert_int_equal(sock_open(e->p.b, SOCK_UDP, &e->srv.s), 0);
    struct sock_addr a = { 0, 53 };
    assert_int_equal(sock_bind(e->srv.s, &a), 0);
    ip4_addr_t server = IP4(10, 0, 0, 2);
    assert_int_equal(dns_set_servers(e->p.a, &server, 1), 0);
}

static void env_fini(struct env *e)
{
    sock_close(e->srv.s);
    nt_pair_destroy(&e->p);
}

static struct lookup resolve(struct env *e, const char *name, uint64_t limit)
{
    struct lookup l = { .srv = &e->srv };
    int r = dns_lookup_async(e->p.a, name, lookup_cb, &l);
    if (r < 0) {
        l.done = true;
        l.status = r;
        return l;
    }
    assert_true(nt_run(&e->p, lookup_done, &l, limit));
    return l;
}

static void test_a_records_and_cache_ttl(void **state)
{
    (void)state;
    struct env e;
    env_init(&e);
    struct lookup l = resolve(&e, "a.test", 5 * NS_PER_S);
    assert_int_equal(l.status, 2);
    assert_int_equal(l.addrs[0], IP4(10, 1, 1, 1));
    assert_int_equal(l.addrs[1], IP4(10, 1, 1, 2));
    assert_string_equal(l.cname, "");
    /* Cached (case-insensitively) for the smallest TTL, 60 s. */
    nt_run(&e.p, NULL, NULL, 59 * NS_PER_S);
    l = resolve(&e, "A.TEST", 5 * NS_PER_S);
    assert_int_equal(l.status, 2);
    assert_int_equal(e.srv.per_name[0], 1);
    nt_run(&e.p, NULL, NULL, 2 * NS_PER_S);
    l = resolve(&e, "a.test", 5 * NS_PER_S);
    assert_int_equal(l.status, 2);
    assert_int_equal(e.srv.per_name[0], 2);
    /* TTL 0 is never cached. */
    resolve(&e, "zero.test", 5 * NS_PER_S);
    l = resolve(&e, "zero.test", 5 * NS_PER_S);
    assert_int_equal(l.addrs[0], IP4(10, 6, 6, 6));
    assert_int_equal(e.srv.per_name[6], 2);
    env_fini(&e);
}

static void test_cname_chains(void **state)
{
    (void)state;
    struct env e;
    env_init(&e);
    struct lookup l = resolve(&e, "www.chain.test", 5 * NS_PER_S);
    assert_int_equal(l.status, 1);
    assert_int_equal(l.addrs[0], IP4(10, 2, 2, 2));
    assert_string_equal(l.cname, "end.chain.test.");
    assert_int_equal(e.srv.queries, 1);
    /* A chain that leaves the answer takes a second query. */
    l = resolve(&e, "split.test", 5 * NS_PER_S);
    assert_int_equal(l.status, 2);
    assert_int_equal(l.addrs[0], IP4(10, 1, 1, 1));
    assert_string_equal(l.cname, "a.test.");
    assert_int_equal(e.srv.per_name[2], 1);
    assert_int_equal(e.srv.per_name[0], 1);
    /* Both links are cached: no traffic the second time. */
    int before = e.srv.queries;
    l = resolve(&e, "split.test", 5 * NS_PER_S);
    assert_int_equal(l.status, 2);
    assert_int_equal(e.srv.queries, before);
    /* An alias loop ends with "not found" rather than spinning. */
    l = resolve(&e, "loop1.test", 60 * NS_PER_S);
    assert_int_equal(l.status, -ENOENT);
    env_fini(&e);
}

static void test_missing_names(void **state)
{
    (void)state;
    struct env e;
    env_init(&e);
    struct lookup l = resolve(&e, "nx.test", 5 * NS_PER_S);
    assert_int_equal(l.status, -ENOENT);
    l = resolve(&e, "nodata.test", 5 * NS_PER_S);
    assert_int_equal(l.status, -ENOENT);
    /* Negative answers are cached for the SOA minimum (RFC 2308). */
    nt_run(&e.p, NULL, NULL, 15 * NS_PER_S);
    resolve(&e, "nx.test", 5 * NS_PER_S);
    resolve(&e, "nodata.test", 5 * NS_PER_S);
    assert_int_equal(e.srv.per_name[3], 1);
    assert_int_equal(e.srv.per_name[4], 1);
    nt_run(&e.p, NULL, NULL, 20 * NS_PER_S);
    resolve(&e, "nx.test", 5 * NS_PER_S);
    resolve(&e, "nodata.test", 5 * NS_PER_S);
    assert_int_equal(e.srv.per_name[3], 2);
    assert_int_equal(e.srv.per_name[4], 2);
    /* Invalid names fail at once. */
    l = resolve(&e, "bad..name", NS_PER_S);
    assert_int_equal(l.status, -EINVAL);
    env_fini(&e);
}

static void test_timeouts_retries_and_servers(void **state)
{
    (void)state;
    struct env e;
    env_init(&e);
    /* Two lost queries, the third attempt is answered. */
    e.srv.silent_first = 2;
    uint64_t t0 = nt_now;
    struct lookup l = resolve(&e, "a.test", 30 * NS_PER_S);
    assert_int_equal(l.status, 2);
    assert_int_equal(e.srv.queries, 3);
    assert_true(nt_now - t0 >= 2ull * NET_DNS_TIMEOUT_MS * NS_PER_MS);
    dns_cache_flush(e.p.a);
    /* A dead first server: the second one answers. */
    ip4_addr_t servers[2] = { IP4(10, 0, 0, 77), IP4(10, 0, 0, 2) };
    dns_set_servers(e.p.a, servers, 2);
    l = resolve(&e, "a.test", 30 * NS_PER_S);
    assert_int_equal(l.status, 2);
    /* Nobody answers at all: ETIMEDOUT after every attempt. */
    ip4_addr_t dead = IP4(10, 0, 0, 77);
    dns_set_servers(e.p.a, &dead, 1);
    dns_cache_flush(e.p.a);
    t0 = nt_now;
    l = resolve(&e, "a.test", 60 * NS_PER_S);
    assert_int_equal(l.status, -ETIMEDOUT);
    assert_true(nt_now - t0 >= (uint64_t)NET_DNS_ATTEMPTS * NET_DNS_TIMEOUT_MS * NS_PER_MS);
    /* SERVFAIL everywhere: EIO. No servers: EHOSTUNREACH at once. */
    dns_set_servers(e.p.a, &servers[1], 1);
    l = resolve(&e, "fail.test", 60 * NS_PER_S);
    assert_int_equal(l.status, -EIO);
    dns_set_servers(e.p.a, NULL, 0);
    l = resolve(&e, "whatever.test", NS_PER_S);
    assert_int_equal(l.status, -EHOSTUNREACH);
    env_fini(&e);
}

static void test_spoofed_reply_ignored(void **state)
{
    (void)state;
    struct env e;
    env_init(&e);
    e.srv.spoof_first = true;
    struct lookup l = resolve(&e, "a.test", 5 * NS_PER_S);
    assert_int_equal(l.status, 2);
    struct net_counters c;
    net_get_counters(e.p.a, &c);
    assert_int_equal(c.dns_bad_answers, 1);
    assert_int_equal(e.srv.queries, 1);
    env_fini(&e);
}

static void test_hosts_and_literals(void **state)
{
    (void)state;
    struct env e;
    env_init(&e);
    assert_int_equal(dns_hosts_add(e.p.a, "router.lan", IP4(10, 0, 0, 254)), 0);
    struct lookup l = resolve(&e, "ROUTER.lan", NS_PER_S);
    assert_int_equal(l.status, 1);
    assert_int_equal(l.addrs[0], IP4(10, 0, 0, 254));
    l = resolve(&e, "localhost", NS_PER_S);
    assert_int_equal(l.addrs[0], IP4_LOOPBACK);
    l = resolve(&e, "192.0.2.7", NS_PER_S);
    assert_int_equal(l.addrs[0], IP4(192, 0, 2, 7));
    assert_int_equal(e.srv.queries, 0);
    assert_int_equal(dns_hosts_del(e.p.a, "router.lan"), 0);
    assert_int_equal(dns_hosts_del(e.p.a, "router.lan"), -ENOENT);
    env_fini(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_text_roundtrip),
        cmocka_unit_test(test_query_build_and_parse),
        cmocka_unit_test_setup_teardown(test_a_records_and_cache_ttl, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cname_chains, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeouts_retries_and_servers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spoofed_reply_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hosts_and_literals, setup, teardown),
    };
    int failed = cmocka_run_group_tests_name("dns", tests, NULL, NULL);
    return nt_report("dns", (int)ARRAY_SIZE(tests), failed);
}
