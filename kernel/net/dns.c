/*
 * kernel/net/dns.c — the stub resolver (RFC 1035 §7, RFC 1123 §6.1): a
 * static hosts table, a cache of A and CNAME records that honours TTLs and
 * remembers missing names (RFC 2308), and queries over UDP to the configured
 * servers with timeouts, retries across servers, random ids and source
 * ports (RFC 5452), and CNAME chains followed to the address.
 */
#include "net/netpriv.h"
#include "net/dns.h"

struct dns_cache_entry {
    bool used, negative;
    struct dns_name name;
    struct dns_name cname;          /* len != 0: name is an alias for cname */
    ip4_addr_t addrs[NET_DNS_ADDRS_MAX];
    uint8_t naddrs;
    uint64_t expires, last_used;
};

struct dns_host {
    bool used;
    struct dns_name name;
    ip4_addr_t addr;
};

struct dns_query {
    bool active;
    struct net_stack *ns;
    struct dns_name qname;          /* the name asked about now (moves along a chain) */
    uint8_t depth;                  /* queries made for later links of a CNAME chain */
    uint16_t id;
    struct udp_pcb *pcb;
    uint8_t server, round;
    bool saw_error;                 /* a server answered SERVFAIL/REFUSED/garbage */
    struct net_timer timer;
    dns_callback cb;
    void *arg;
};

struct dns_resolver {
    ip4_addr_t servers[NET_DNS_SERVERS_MAX];
    int nservers;
    struct dns_host hosts[NET_DNS_HOSTS_MAX];
    struct dns_cache_entry cache[NET_DNS_CACHE_SIZE];
    struct dns_query queries[NET_DNS_PENDING_MAX];
    struct dns_msg msg;             /* parse scratch (large) */
};

static void dns_query_timeout(struct net_stack *ns, struct net_timer *t);

int dns_init(struct net_stack *ns)
{
    struct dns_resolver *r = kzalloc(sizeof(*r));
    if (!r)
        return -ENOMEM;
    ns->dns = r;
    for (int i = 0; i < NET_DNS_PENDING_MAX; i++) {
        r->queries[i].ns = ns;
        if (ntimer_init(ns, &r->queries[i].timer, dns_query_timeout) < 0)
            return -ENOMEM;
    }
    r->hosts[0].used = true;
    dns_name_from_text("localhost", &r->hosts[0].name);
    r->hosts[0].addr = IP4_LOOPBACK;
    return 0;
}

void dns_shutdown(struct net_stack *ns)
{
    struct dns_resolver *r = ns->dns;
    if (!r)
        return;
    for (int i = 0; i < NET_DNS_PENDING_MAX; i++) {
        struct dns_query *q = &r->queries[i];
        if (q->pcb)
            udp_free(q->pcb);
        ntimer_destroy(ns, &q->timer);
    }
    kfree(r);
    ns->dns = NULL;
}

/* ---- configuration ---- */

void dns_set_servers_locked(struct net_stack *ns, const ip4_addr_t *servers, int n)
{
    struct dns_resolver *r = ns->dns;
    r->nservers = 0;
    for (int i = 0; i < n && r->nservers < NET_DNS_SERVERS_MAX; i++)
        if (servers[i])
            r->servers[r->nservers++] = servers[i];
}

int dns_set_servers(struct net_stack *ns, const ip4_addr_t *servers, int n)
{
    if (n < 0)
        return -EINVAL;
    net_lock(ns);
    dns_set_servers_locked(ns, servers, n);
    net_unlock(ns);
    return 0;
}

int dns_get_servers(struct net_stack *ns, ip4_addr_t *out, int max)
{
    net_lock(ns);
    int n = ns->dns->nservers;
    for (int i = 0; i < n && i < max; i++)
        out[i] = ns->dns->servers[i];
    net_unlock(ns);
    return n;
}

int dns_hosts_add(struct net_stack *ns, const char *name, ip4_addr_t addr)
{
    struct dns_name n;
    if (!dns_name_from_text(name, &n))
        return -EINVAL;
    net_lock(ns);
    struct dns_host *free_slot = NULL;
    int r = -ENOSPC;
    for (int i = 0; i < NET_DNS_HOSTS_MAX; i++) {
        struct dns_host *h = &ns->dns->hosts[i];
        if (h->used && dns_name_equal(&h->name, &n)) {
            h->addr = addr;
            r = 0;
            break;
        }
        if (!h->used && !free_slot)
            free_slot = h;
    }
    if (r < 0 && free_slot) {
        free_slot->used = true;
        free_slot->name = n;
        free_slot->addr = addr;
        r = 0;
    }
    net_unlock(ns);
    return r;
}

int dns_hosts_del(struct net_stack *ns, const char *name)
{
    struct dns_name n;
    if (!dns_name_from_text(name, &n))
        return -EINVAL;
    int r = -ENOENT;
    net_lock(ns);
    for (int i = 0; i < NET_DNS_HOSTS_MAX; i++) {
        struct dns_host *h = &ns->dns->hosts[i];
        if (h->used && dns_name_equal(&h->name, &n)) {
            h->used = false;
            r = 0;
        }
    }
    net_unlock(ns);
    return r;
}

void dns_cache_flush(struct net_stack *ns)
{
    net_lock(ns);
    for (int i = 0; i < NET_DNS_CACHE_SIZE; i++)
        ns->dns->cache[i].used = false;
    net_unlock(ns);
}

/* ---- cache ---- */

static struct dns_cache_entry *cache_find(struct dns_resolver *r, const struct dns_name *n,
                                          uint64_t now)
{
    for (int i = 0; i < NET_DNS_CACHE_SIZE; i++) {
        struct dns_cache_entry *e = &r->cache[i];
        if (!e->used)
            continue;
        if (e->expires <= now) {
            e->used = false;
            continue;
        }
        if (dns_name_equal(&e->name, n)) {
            e->last_used = now;
            return e;
        }
    }
    return NULL;
}

/* The entry for n, reused or new (evicting the least recently used). */
static struct dns_cache_entry *cache_slot(struct dns_resolver *r, const struct dns_name *n,
                                          uint64_t now)
{
    struct dns_cache_entry *victim = NULL;
    for (int i = 0; i < NET_DNS_CACHE_SIZE; i++) {
        struct dns_cache_entry *e = &r->cache[i];
        if (e->used && dns_name_equal(&e->name, n))
            return e;
        if (!e->used || e->expires <= now) {
            if (!victim || victim->used)
                victim = e;
        } else if (!victim || (victim->used && e->last_used < victim->last_used)) {
            victim = e;
        }
    }
    memset(victim, 0, sizeof(*victim));
    victim->name = *n;
    return victim;
}

static uint64_t ttl_deadline(uint64_t now, uint32_t ttl_s)
{
    return now + (uint64_t)MIN(ttl_s, (uint32_t)NET_DNS_MAX_TTL_S) * NS_PER_S;
}

static void cache_put_addrs(struct dns_resolver *r, const struct dns_name *n, const ip4_addr_t *a,
                            int count, uint32_t ttl, uint64_t now)
{
    if (ttl == 0)
        return;
    struct dns_cache_entry *e = cache_slot(r, n, now);
    e->used = true;
    e->naddrs = (uint8_t)MIN(count, NET_DNS_ADDRS_MAX);
    memcpy(e->addrs, a, e->naddrs * sizeof(a[0]));
    e->expires = ttl_deadline(now, ttl);
    e->last_used = now;
}

static void cache_put_cname(struct dns_resolver *r, const struct dns_name *n,
                            const struct dns_name *target, uint32_t ttl, uint64_t now)
{
    if (ttl == 0)
        return;
    struct dns_cache_entry *e = cache_slot(r, n, now);
    e->used = true;
    e->cname = *target;
    e->expires = ttl_deadline(now, ttl);
    e->last_used = now;
}

static void cache_put_negative(struct dns_resolver *r, const struct dns_name *n, uint32_t ttl,
                               uint64_t now)
{
    ttl = MIN(ttl, (uint32_t)NET_DNS_NEG_TTL_S);
    if (ttl == 0)
        return;
    struct dns_cache_entry *e = cache_slot(r, n, now);
    e->used = true;
    e->negative = true;
    e->expires = now + (uint64_t)ttl * NS_PER_S;
    e->last_used = now;
}

enum cache_result { CACHE_MISS, CACHE_HIT, CACHE_NEGATIVE };

/* Follows cached CNAMEs from *n. On CACHE_MISS, *n is the first name the
 * cache cannot answer; on a hit, addrs/naddrs hold the addresses. */
static enum cache_result cache_resolve(struct dns_resolver *r, struct dns_name *n, uint64_t now,
                                       ip4_addr_t *addrs, int *naddrs, bool *aliased)
{
    for (int depth = 0; depth <= NET_DNS_MAX_CNAMES; depth++) {
        struct dns_cache_entry *e = cache_find(r, n, now);
        if (!e)
            return CACHE_MISS;
        if (e->negative)
            return CACHE_NEGATIVE;
        if (e->cname.len) {
            *n = e->cname;
            *aliased = true;
            continue;
        }
        *naddrs = e->naddrs;
        memcpy(addrs, e->addrs, e->naddrs * sizeof(addrs[0]));
        return CACHE_HIT;
    }
    return CACHE_NEGATIVE;     /* a loop of aliases */
}

/* ---- queries ---- */

static void dns_finish(struct dns_query *q, int status, const ip4_addr_t *addrs, int n)
{
    struct net_stack *ns = q->ns;
    char canon[DNS_NAME_TEXT_MAX];
    dns_name_to_text(&q->qname, canon, sizeof(canon));
    q->active = false;
    ntimer_cancel(ns, &q->timer);
    if (q->pcb) {
        udp_free(q->pcb);
        q->pcb = NULL;
    }
    q->cb(q->arg, status, addrs, n, q->depth ? canon : NULL);
}

static void dns_recv(void *arg, struct udp_pcb *pcb, struct netbuf *nb, ip4_addr_t src,
                     uint16_t sport, struct netif *nif);

/* Sends the query for q->qname to the current server, from a fresh random
 * port with a fresh random id. */
static void dns_send(struct dns_query *q)
{
    struct net_stack *ns = q->ns;
    struct dns_resolver *r = ns->dns;
    if (q->pcb)
        udp_free(q->pcb);
    q->pcb = udp_new(ns, IP_PROTO_UDP);
    uint8_t buf[12 + DNS_NAME_WIRE_MAX + 1 + 4];
    q->id = (uint16_t)net_random(ns);
    size_t len = dns_build_query(buf, sizeof(buf), q->id, &q->qname, DNS_TYPE_A);
    ntimer_arm(ns, &q->timer, net_now(ns) + NET_DNS_TIMEOUT_MS * NS_PER_MS);
    if (!q->pcb || udp_bind(q->pcb, 0, 0) < 0)
        return;                               /* the timer retries */
    q->pcb->recv = dns_recv;
    q->pcb->recv_arg = q;
    NET_STAT(ns, dns_queries);
    udp_sendto(q->pcb, buf, len, r->servers[q->server], 53);
}

/* Moves to the next server (and round); false when all attempts are used. */
static bool dns_next_server(struct dns_query *q)
{
    struct dns_resolver *r = q->ns->dns;
    if (r->nservers == 0)
        return false;
    if (++q->server >= r->nservers) {
        q->server = 0;
        if (++q->round >= NET_DNS_ATTEMPTS)
            return false;
    }
    return true;
}

static void dns_query_timeout(struct net_stack *ns, struct net_timer *t)
{
    struct dns_query *q = container_of(t, struct dns_query, timer);
    if (!q->active)
        return;
    NET_STAT(ns, dns_timeouts);
    if (dns_next_server(q))
        dns_send(q);
    else
        dns_finish(q, q->saw_error ? -EIO : -ETIMEDOUT, NULL, 0);
}

/* The negative-caching TTL of RFC 2308 §5: the SOA in the authority section. */
static uint32_t negative_ttl(const struct dns_msg *m)
{
    for (int i = m->nanswer; i < m->nanswer + m->nauthority; i++)
        if (m->rr[i].type == DNS_TYPE_SOA)
            return MIN(m->rr[i].ttl, m->rr[i].u.soa.minimum);
    return 0;
}

/* Follows the CNAME chain from *cur through the answer section, caching
 * each alias; collects the A records of the chain's end. Returns how many
 * (with the smallest TTL in *min_ttl); *cur ends at the last name reached. */
static int dns_follow(struct dns_resolver *r, const struct dns_msg *m, struct dns_name *cur,
                      ip4_addr_t *addrs, uint32_t *min_ttl, uint64_t now)
{
    int n = 0;
    *min_ttl = UINT32_MAX;
    for (int hops = 0; hops <= NET_DNS_MAX_CNAMES; hops++) {
        const struct dns_rr *alias = NULL;
        for (int i = 0; i < m->nanswer; i++) {
            const struct dns_rr *rr = &m->rr[i];
            if (rr->rclass != DNS_CLASS_IN || !dns_name_equal(&rr->name, cur))
                continue;
            if (rr->type == DNS_TYPE_CNAME)
                alias = rr;
            else if (rr->type == DNS_TYPE_A && n < NET_DNS_ADDRS_MAX) {
                addrs[n++] = rr->u.a;
                *min_ttl = MIN(*min_ttl, rr->ttl);
            }
        }
        if (n || !alias)
            break;
        cache_put_cname(r, cur, &alias->u.target, alias->ttl, now);
        *cur = alias->u.target;
    }
    return n;
}

/* Handles a parsed answer for q: follows the CNAME chain inside it, caches
 * what it learned and finishes or asks again for the chain's end. */
static void dns_answer(struct dns_query *q, const struct dns_msg *m)
{
    struct net_stack *ns = q->ns;
    struct dns_resolver *r = ns->dns;
    uint64_t now = net_now(ns);

    if (m->rcode == DNS_RCODE_NXDOMAIN) {
        cache_put_negative(r, &q->qname, negative_ttl(m), now);
        dns_finish(q, -ENOENT, NULL, 0);
        return;
    }
    if (m->rcode != DNS_RCODE_NOERROR) {
        q->saw_error = true;                  /* SERVFAIL, REFUSED...: ask another server */
        if (dns_next_server(q))
            dns_send(q);
        else
            dns_finish(q, -EIO, NULL, 0);
        return;
    }

    if (m->tc) {
        /* It did not fit in UDP: only a TCP query can get it (dns_lookup). */
        dns_finish(q, -EMSGSIZE, NULL, 0);
        return;
    }
    struct dns_name cur = q->qname;
    ip4_addr_t addrs[NET_DNS_ADDRS_MAX];
    uint32_t min_ttl;
    int n = dns_follow(r, m, &cur, addrs, &min_ttl, now);
    if (n) {
        cache_put_addrs(r, &cur, addrs, n, min_ttl, now);
        if (!dns_name_equal(&cur, &q->qname))
            q->depth++;
        q->qname = cur;
        dns_finish(q, n, addrs, n);
        return;
    }
    if (!dns_name_equal(&cur, &q->qname)) {
        /* The chain leaves this answer: ask for its end (RFC 1034 §5.3.3). */
        if (++q->depth > NET_DNS_MAX_CNAMES) {
            dns_finish(q, -ENOENT, NULL, 0);
            return;
        }
        q->qname = cur;
        q->server = 0;
        q->round = 0;
        dns_send(q);
        return;
    }
    cache_put_negative(r, &cur, negative_ttl(m), now);    /* NODATA */
    dns_finish(q, -ENOENT, NULL, 0);
}

static void dns_recv(void *arg, struct udp_pcb *pcb, struct netbuf *nb, ip4_addr_t src,
                     uint16_t sport, struct netif *nif)
{
    (void)pcb;
    (void)nif;
    struct dns_query *q = arg;
    struct net_stack *ns = q->ns;
    struct dns_resolver *r = ns->dns;
    struct dns_msg *m = &r->msg;
    bool ok = q->active && sport == 53 && src == r->servers[q->server] &&
              dns_parse(nb->data, nb->len, m) == DNS_OK && m->qr && m->id == q->id &&
              m->opcode == 0 && m->nquestions == 1 && dns_name_equal(&m->question[0].name, &q->qname) &&
              m->question[0].type == DNS_TYPE_A && m->question[0].qclass == DNS_CLASS_IN;
    netbuf_free(nb);
    if (!ok) {
        NET_STAT(ns, dns_bad_answers);        /* spoofed, stale or malformed: keep waiting */
        return;
    }
    NET_STAT(ns, dns_answers);
    dns_answer(q, m);
}

/* Starts a lookup with the lock held. */
static int dns_lookup_async_locked(struct net_stack *ns, const char *name, dns_callback cb, void *arg)
{
    struct dns_resolver *r = ns->dns;
    ip4_addr_t literal;
    if (ip4_parse(name, &literal) == 0) {
        cb(arg, 1, &literal, 1, NULL);
        return 0;
    }
    struct dns_name n;
    if (strlen(name) > 253 + 1 || !dns_name_from_text(name, &n))
        return -EINVAL;
    for (int i = 0; i < NET_DNS_HOSTS_MAX; i++) {
        if (r->hosts[i].used && dns_name_equal(&r->hosts[i].name, &n)) {
            cb(arg, 1, &r->hosts[i].addr, 1, NULL);
            return 0;
        }
    }
    ip4_addr_t addrs[NET_DNS_ADDRS_MAX];
    int count = 0;
    bool aliased = false;
    struct dns_name end = n;
    switch (cache_resolve(r, &end, net_now(ns), addrs, &count, &aliased)) {
    case CACHE_HIT: {
        char canon[DNS_NAME_TEXT_MAX];
        dns_name_to_text(&end, canon, sizeof(canon));
        cb(arg, count, addrs, count, aliased ? canon : NULL);
        return 0;
    }
    case CACHE_NEGATIVE:
        cb(arg, -ENOENT, NULL, 0, NULL);
        return 0;
    case CACHE_MISS:
        break;
    }
    if (r->nservers == 0)
        return -EHOSTUNREACH;
    struct dns_query *q = NULL;
    for (int i = 0; i < NET_DNS_PENDING_MAX && !q; i++)
        if (!r->queries[i].active)
            q = &r->queries[i];
    if (!q)
        return -EAGAIN;
    q->active = true;
    q->qname = end;
    q->depth = aliased ? 1 : 0;
    q->server = 0;
    q->round = 0;
    q->saw_error = false;
    q->cb = cb;
    q->arg = arg;
    dns_send(q);
    return 0;
}

int dns_lookup_async(struct net_stack *ns, const char *name, dns_callback cb, void *arg)
{
    net_lock(ns);
    int r = dns_lookup_async_locked(ns, name, cb, arg);
    net_unlock(ns);
    return r;
}

/* ---- blocking lookups ---- */

struct dns_waiter {
    struct condvar cv;
    bool done;
    int status;
    ip4_addr_t addrs[NET_DNS_ADDRS_MAX];
    int n;
};

static void dns_waiter_cb(void *arg, int status, const ip4_addr_t *addrs, int n, const char *cname)
{
    (void)cname;
    struct dns_waiter *w = arg;
    w->status = status;
    w->n = MIN(n, NET_DNS_ADDRS_MAX);
    if (w->n > 0)
        memcpy(w->addrs, addrs, (size_t)w->n * sizeof(addrs[0]));
    w->done = true;
    cond_broadcast(&w->cv);
}

/* Reads exactly len bytes; false on error or end of stream. */
static bool read_full(struct socket *s, uint8_t *buf, size_t len)
{
    while (len) {
        long n = sock_recv(s, buf, len, 0);
        if (n <= 0)
            return false;
        buf += n;
        len -= (size_t)n;
    }
    return true;
}

/* The query over TCP (RFC 1035 §4.2.2: each message after a two-byte
 * length), for answers too big for UDP (RFC 1123 §6.1.3.2, RFC 7766).
 * Blocking; returns the number of addresses or a negative errno. */
static int dns_lookup_tcp(struct net_stack *ns, const char *name, ip4_addr_t *out, int max)
{
    struct dns_name qname;
    if (!dns_name_from_text(name, &qname))
        return -EINVAL;
    ip4_addr_t servers[NET_DNS_SERVERS_MAX];
    int nservers = dns_get_servers(ns, servers, NET_DNS_SERVERS_MAX);
    struct dns_msg *m = kmalloc(sizeof(*m));
    uint8_t *buf = kmalloc(65536);
    int result = -ETIMEDOUT;
    for (int i = 0; m && buf && i < nservers && i < NET_DNS_SERVERS_MAX && result == -ETIMEDOUT; i++) {
        struct socket *s;
        if (sock_open(ns, SOCK_TCP, &s) < 0)
            break;
        sock_setopt(s, SOCKOPT_SNDTIMEO_MS, NET_DNS_TIMEOUT_MS);
        sock_setopt(s, SOCKOPT_RCVTIMEO_MS, NET_DNS_TIMEOUT_MS);
        struct sock_addr to = { servers[i], 53 };
        net_lock(ns);
        uint16_t id = (uint16_t)net_random(ns);
        net_unlock(ns);
        size_t qlen = dns_build_query(buf + 2, 65534, id, &qname, DNS_TYPE_A);
        wr16(buf, (uint16_t)qlen);
        uint16_t len;
        if (sock_connect(s, &to) == 0 && sock_send(s, buf, qlen + 2, 0) == (long)(qlen + 2) &&
            read_full(s, buf, 2) && (len = rd16(buf)) > 0 && read_full(s, buf, len)) {
            NET_STAT(ns, dns_queries);
            if (dns_parse(buf, len, m) == DNS_OK && m->qr && m->id == id && m->nquestions == 1 &&
                dns_name_equal(&m->question[0].name, &qname)) {
                NET_STAT(ns, dns_answers);
                if (m->rcode == DNS_RCODE_NXDOMAIN) {
                    result = -ENOENT;
                } else if (m->rcode == DNS_RCODE_NOERROR) {
                    ip4_addr_t addrs[NET_DNS_ADDRS_MAX];
                    uint32_t ttl;
                    net_lock(ns);
                    uint64_t now = net_now(ns);
                    struct dns_name end = qname;
                    int n = dns_follow(ns->dns, m, &end, addrs, &ttl, now);
                    if (n)
                        cache_put_addrs(ns->dns, &end, addrs, n, ttl, now);
                    net_unlock(ns);
                    result = n ? MIN(n, max) : -ENOENT;
                    if (n)
                        memcpy(out, addrs, (size_t)result * sizeof(addrs[0]));
                }
            } else {
                NET_STAT(ns, dns_bad_answers);
            }
        }
        sock_close(s);
    }
    kfree(m);
    kfree(buf);
    return result;
}

int dns_lookup(struct net_stack *ns, const char *name, ip4_addr_t *addrs, int max)
{
    struct dns_waiter w = { .done = false };
    cond_init(&w.cv);
    net_lock(ns);
    int r = dns_lookup_async_locked(ns, name, dns_waiter_cb, &w);
    /* A generous bound: every attempt at every server, then some. */
    uint64_t limit = (uint64_t)(NET_DNS_ATTEMPTS * NET_DNS_SERVERS_MAX * (NET_DNS_MAX_CNAMES + 1) + 1) *
                     NET_DNS_TIMEOUT_MS * NS_PER_MS;
    uint64_t deadline = time_ns() + limit;
    while (r == 0 && !w.done) {
        uint64_t now = time_ns();
        if (now >= deadline) {
            /* Withdraw the callback before its waiter disappears. */
            for (int i = 0; i < NET_DNS_PENDING_MAX; i++) {
                struct dns_query *q = &ns->dns->queries[i];
                if (q->active && q->arg == &w)
                    dns_finish(q, -ETIMEDOUT, NULL, 0);
            }
            break;
        }
        net_wait(ns, &w.cv, deadline - now);
    }
    net_unlock(ns);
    if (r < 0)
        return r;
    if (w.status == -EMSGSIZE)
        return dns_lookup_tcp(ns, name, addrs, max);
    if (w.status <= 0)
        return w.status;
    int n = MIN(w.n, max);
    memcpy(addrs, w.addrs, (size_t)n * sizeof(addrs[0]));
    return n;
}
