/*
 * kernel/net/dhcp.c — the DHCP client (RFC 2131, options RFC 2132): the
 * DISCOVER/OFFER/REQUEST/ACK exchange with retransmission backoff (§4.1),
 * binding the address, default route and DNS servers, renewal at T1 by
 * unicast and rebinding at T2 by broadcast (§4.4.5), NAK handling and lease
 * expiry. Before taking an address it is checked with ARP probes (RFC 2131
 * §2.2, RFC 5227 §2.1) and declined if another host answers for it.
 */
#include "net/netpriv.h"

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68
#define DHCP_FIXED_LEN   236
#define DHCP_MAGIC       0x63825363u
#define DHCP_MIN_LEN     (DHCP_FIXED_LEN + 4)
#define DHCP_MAX_MSG     576
#define DHCP_PROBES      2          /* RFC 5227 PROBE_NUM is 3; two keep boots quick */
#define DHCP_PROBE_MS    250
#define DHCP_DECLINE_WAIT_MS 10000  /* RFC 2131 §3.1.5: at least ten seconds */

enum { DHCPDISCOVER = 1, DHCPOFFER, DHCPREQUEST, DHCPDECLINE, DHCPACK, DHCPNAK, DHCPRELEASE };

enum {
    OPT_PAD = 0, OPT_SUBNET_MASK = 1, OPT_ROUTER = 3, OPT_DNS = 6, OPT_HOSTNAME = 12,
    OPT_REQUESTED_IP = 50, OPT_LEASE_TIME = 51, OPT_OVERLOAD = 52, OPT_MSG_TYPE = 53,
    OPT_SERVER_ID = 54, OPT_PARAM_LIST = 55, OPT_MAX_SIZE = 57, OPT_T1 = 58, OPT_T2 = 59,
    OPT_CLIENT_ID = 61, OPT_END = 255,
};

struct dhcp_reply {
    uint8_t type;
    ip4_addr_t yiaddr, server, mask, router, dns[NET_DNS_SERVERS_MAX];
    int ndns;
    uint32_t lease, t1, t2;
    bool has_mask, has_lease, has_t1, has_t2;
};

struct dhcp_client {
    struct netif *nif;
    struct net_stack *ns;
    struct udp_pcb *pcb;
    enum dhcp_state state;
    uint32_t xid;
    uint64_t start;                 /* of this exchange, for the secs field */
    uint32_t retry_ms;
    uint8_t tries;
    struct dhcp_lease lease;        /* the bound lease (or the offer while requesting) */
    struct dhcp_reply acked;        /* the ACK whose address is being probed */
    uint8_t probes;                 /* ARP probes sent for it */
    bool conflict;                  /* another host answered for it */
    uint64_t t1_at, t2_at, expire_at;
    struct net_timer timer;
    struct condvar cv;              /* dhcp_wait_bound */
};


static void dhcp_timer_fn(struct net_stack *ns, struct net_timer *t);

/* ---- messages ---- */

static uint8_t *opt_put(uint8_t *p, uint8_t code, uint8_t len, const void *data)
{
    p[0] = code;
    p[1] = len;
    memcpy(p + 2, data, len);
    return p + 2 + len;
}

static uint8_t *opt_put32(uint8_t *p, uint8_t code, uint32_t v)
{
    uint8_t b[4];
    wr32(b, v);
    return opt_put(p, code, 4, b);
}

/* Builds and sends a client message. ciaddr is our address when renewing or
 * rebinding; requested/server are the REQUESTING-state options. */
static void dhcp_send(struct dhcp_client *c, uint8_t type, ip4_addr_t ciaddr, ip4_addr_t requested,
                      ip4_addr_t server_id, ip4_addr_t dst)
{
    struct net_stack *ns = c->ns;
    uint8_t m[DHCP_MAX_MSG];
    memset(m, 0, sizeof(m));
    m[0] = 1;                                  /* BOOTREQUEST */
    m[1] = 1;                                  /* Ethernet */
    m[2] = 6;
    wr32(m + 4, c->xid);
    uint64_t secs = (net_now(ns) - c->start) / NS_PER_S;
    wr16(m + 8, (uint16_t)MIN(secs, 65535ull));
    /* Ask for broadcast replies while we cannot take unicast (§4.1). */
    wr16(m + 10, ciaddr ? 0 : 0x8000);
    wr32(m + 12, ciaddr);
    memcpy(m + 28, c->nif->hwaddr, 6);
    wr32(m + DHCP_FIXED_LEN, DHCP_MAGIC);
    uint8_t *p = m + DHCP_MIN_LEN;
    p = opt_put(p, OPT_MSG_TYPE, 1, &type);
    uint8_t cid[7] = { 1 };
    memcpy(cid + 1, c->nif->hwaddr, 6);
    p = opt_put(p, OPT_CLIENT_ID, 7, cid);
    if (requested)
        p = opt_put32(p, OPT_REQUESTED_IP, requested);
    if (server_id)
        p = opt_put32(p, OPT_SERVER_ID, server_id);
    if (type == DHCPDISCOVER || type == DHCPREQUEST) {
        static const uint8_t params[] = { OPT_SUBNET_MASK, OPT_ROUTER, OPT_DNS, OPT_LEASE_TIME,
                                          OPT_T1, OPT_T2 };
        p = opt_put(p, OPT_PARAM_LIST, sizeof(params), params);
        uint8_t max[2];
        wr16(max, DHCP_MAX_MSG);
        p = opt_put(p, OPT_MAX_SIZE, 2, max);
        p = opt_put(p, OPT_HOSTNAME, 4, "kpio");
    }
    *p++ = OPT_END;
    size_t len = MAX((size_t)(p - m), (size_t)300);   /* BOOTP minimum (RFC 1542 §3.1) */
    NET_STAT(ns, dhcp_sent);
    udp_sendto(c->pcb, m, len, dst, DHCP_SERVER_PORT);
}

/* Parses the options area; false if it is malformed. */
static bool dhcp_parse_options(const uint8_t *p, size_t len, struct dhcp_reply *r)
{
    size_t i = 0;
    while (i < len) {
        uint8_t code = p[i];
        if (code == OPT_PAD) {
            i++;
            continue;
        }
        if (code == OPT_END)
            return true;
        if (i + 1 >= len || i + 2 + p[i + 1] > len)
            return false;
        uint8_t l = p[i + 1];
        const uint8_t *v = p + i + 2;
        switch (code) {
        case OPT_MSG_TYPE:
            if (l == 1) r->type = v[0];
            break;
        case OPT_SERVER_ID:
            if (l == 4) r->server = rd32(v);
            break;
        case OPT_SUBNET_MASK:
            if (l == 4) { r->mask = rd32(v); r->has_mask = true; }
            break;
        case OPT_ROUTER:
            if (l >= 4) r->router = rd32(v);
            break;
        case OPT_DNS:
            for (int k = 0; k + 4 <= l && r->ndns < NET_DNS_SERVERS_MAX; k += 4)
                r->dns[r->ndns++] = rd32(v + k);
            break;
        case OPT_LEASE_TIME:
            if (l == 4) { r->lease = rd32(v); r->has_lease = true; }
            break;
        case OPT_T1:
            if (l == 4) { r->t1 = rd32(v); r->has_t1 = true; }
            break;
        case OPT_T2:
            if (l == 4) { r->t2 = rd32(v); r->has_t2 = true; }
            break;
        default:
            break;
        }
        i += 2 + (size_t)l;
    }
    return true;     /* no END option: accept what was there */
}

/* A prefix length for a contiguous mask, or -1. */
static int mask_to_prefix(ip4_addr_t mask)
{
    int n = 0;
    while (n < 32 && (mask & (0x80000000u >> n)))
        n++;
    return ip4_mask((unsigned)n) == mask ? n : -1;
}

/* ---- state machine ---- */

static void dhcp_arm(struct dhcp_client *c, uint64_t at)
{
    ntimer_arm(c->ns, &c->timer, at);
}

/* Retransmission delay: 4 s doubling to 64 s, each randomized by ±1 s (§4.1). */
static uint64_t dhcp_backoff(struct dhcp_client *c)
{
    uint64_t ms = c->retry_ms;
    c->retry_ms = MIN(c->retry_ms * 2, (uint32_t)NET_DHCP_MAX_RETRY_MS);
    int64_t jitter = (int64_t)(net_random(c->ns) % 2001) - 1000;
    return net_now(c->ns) + (uint64_t)((int64_t)ms + jitter) * NS_PER_MS;
}

static void dhcp_unconfigure(struct dhcp_client *c)
{
    struct net_stack *ns = c->ns;
    if (c->lease.router)
        route_del_locked(ns, 0, 0, c->lease.router);
    if (c->nif->addr == c->lease.addr && c->lease.addr)
        netif_set_addr_locked(c->nif, 0, 0);
    uint32_t declines = c->lease.declines;
    memset(&c->lease, 0, sizeof(c->lease));
    c->lease.declines = declines;
}

static void dhcp_discover(struct dhcp_client *c)
{
    c->state = DHCP_SELECTING;
    c->xid = net_random(c->ns);
    c->start = net_now(c->ns);
    c->retry_ms = NET_DHCP_INITIAL_RETRY_MS;
    c->tries = 0;
    dhcp_send(c, DHCPDISCOVER, 0, 0, 0, IP4_BROADCAST);
    dhcp_arm(c, dhcp_backoff(c));
}

static void dhcp_restart(struct dhcp_client *c)
{
    dhcp_unconfigure(c);
    c->state = DHCP_INIT;
    dhcp_discover(c);
}

/* After a NAK: drop the address and start over after a random 1-10 s
 * (§4.4.1), so that a server refusing everything causes no storm. */
static void dhcp_restart_later(struct dhcp_client *c)
{
    dhcp_unconfigure(c);
    c->state = DHCP_INIT;
    dhcp_arm(c, net_now(c->ns) + (1000 + net_random(c->ns) % 9000) * NS_PER_MS);
}

/* Next retry while renewing/rebinding: half the time left to the next
 * deadline, no less than NET_DHCP_MIN_RENEW_MS unless the deadline is
 * nearer (§4.4.5). */
static uint64_t dhcp_renew_retry(struct dhcp_client *c, uint64_t until)
{
    uint64_t now = net_now(c->ns);
    uint64_t left = until > now ? until - now : 0;
    uint64_t wait = MAX(left / 2, MIN((uint64_t)NET_DHCP_MIN_RENEW_MS * NS_PER_MS, left));
    return now + wait;
}

/* An ACK: configure the interface and schedule renewal. */
static void dhcp_bind(struct dhcp_client *c, const struct dhcp_reply *r)
{
    struct net_stack *ns = c->ns;
    struct netif *nif = c->nif;
    uint32_t lease = r->has_lease ? r->lease : 3600;
    if (lease < 8)
        lease = 8;                              /* keep the arithmetic below sane */
    uint32_t t1 = r->has_t1 ? r->t1 : lease / 2;
    uint32_t t2 = r->has_t2 ? r->t2 : lease / 8 * 7;
    if (t2 > lease || t2 == 0)
        t2 = lease / 8 * 7;
    if (t1 > t2 || t1 == 0)
        t1 = t2 / 2 ? t2 / 2 : 1;
    int prefix = r->has_mask ? mask_to_prefix(r->mask) : -1;
    if (prefix < 0) {
        /* Classful default when the server sends no usable mask. */
        prefix = (r->yiaddr >> 31) == 0 ? 8 : (r->yiaddr >> 30) == 2 ? 16 : 24;
    }

    bool renewal = c->state == DHCP_RENEWING || c->state == DHCP_REBINDING;
    bool changed = !renewal || c->lease.addr != r->yiaddr || c->lease.router != r->router ||
                   c->lease.prefix_len != prefix;
    if (changed) {
        dhcp_unconfigure(c);
        netif_set_addr_locked(nif, r->yiaddr, (unsigned)prefix);
        if (r->router)
            route_add_locked(ns, 0, 0, r->router, nif, 0);
    }
    if (r->ndns)
        dns_set_servers_locked(ns, r->dns, r->ndns);

    uint32_t renewals = c->lease.renewals, declines = c->lease.declines;
    c->lease.state = DHCP_BOUND;
    c->lease.addr = r->yiaddr;
    c->lease.server = r->server;
    c->lease.router = r->router;
    c->lease.prefix_len = (uint8_t)prefix;
    memset(c->lease.dns, 0, sizeof(c->lease.dns));
    for (int i = 0; i < r->ndns; i++)
        c->lease.dns[i] = r->dns[i];
    c->lease.lease_s = lease;
    c->lease.t1_s = t1;
    c->lease.t2_s = t2;
    /* Times count from when the request went out (§4.4.1). */
    c->lease.bound_at_ns = c->start;
    c->lease.renewals = renewals + (renewal ? 1 : 0);
    c->lease.declines = declines;
    c->state = DHCP_BOUND;
    c->t1_at = c->start + (uint64_t)t1 * NS_PER_S;
    c->t2_at = c->start + (uint64_t)t2 * NS_PER_S;
    c->expire_at = c->start + (uint64_t)lease * NS_PER_S;
    dhcp_arm(c, c->t1_at);
    char a[16];
    log_info("net: %s: DHCP lease %s/%d for %u s", nif->name, ip4_format(r->yiaddr, a), prefix, lease);
    cond_broadcast(&c->cv);
}

/* Another host has the address we were given: tell the server (DHCPDECLINE,
 * RFC 2131 §3.1.5) and start over after a pause. */
static void dhcp_decline(struct dhcp_client *c)
{
    char a[16];
    log_warn("net: %s: %s is in use by another host: declined", c->nif->name,
             ip4_format(c->acked.yiaddr, a));
    dhcp_send(c, DHCPDECLINE, 0, c->acked.yiaddr, c->acked.server, IP4_BROADCAST);
    dhcp_unconfigure(c);
    c->lease.declines++;
    c->state = DHCP_INIT;
    dhcp_arm(c, net_now(c->ns) + DHCP_DECLINE_WAIT_MS * NS_PER_MS);
}

void dhcp_arp_seen(struct netif *nif, uint16_t op, const uint8_t sha[6], ip4_addr_t spa, ip4_addr_t tpa)
{
    (void)sha;
    struct dhcp_client *c = nif->dhcp;
    if (!c || c->state != DHCP_PROBING)
        return;
    ip4_addr_t addr = c->acked.yiaddr;
    /* RFC 5227 §2.1.1: its owner speaks from it, or another host probes for it. */
    if (spa == addr || (op == 1 && spa == 0 && tpa == addr)) {
        c->conflict = true;
        dhcp_arm(c, net_now(c->ns));
    }
}

static void dhcp_recv(void *arg, struct udp_pcb *pcb, struct netbuf *nb, ip4_addr_t src,
                      uint16_t sport, struct netif *nif)
{
    (void)pcb;
    (void)src;
    (void)nif;
    struct dhcp_client *c = arg;
    struct net_stack *ns = c->ns;
    const uint8_t *m = nb->data;
    struct dhcp_reply r;
    memset(&r, 0, sizeof(r));
    bool ok = sport == DHCP_SERVER_PORT && nb->len >= DHCP_MIN_LEN && m[0] == 2 && m[1] == 1 &&
              m[2] == 6 && rd32(m + 4) == c->xid && memcmp(m + 28, c->nif->hwaddr, 6) == 0 &&
              rd32(m + DHCP_FIXED_LEN) == DHCP_MAGIC &&
              dhcp_parse_options(m + DHCP_MIN_LEN, nb->len - DHCP_MIN_LEN, &r) && r.type != 0;
    if (ok) {
        r.yiaddr = rd32(m + 16);
        NET_STAT(ns, dhcp_received);
    } else {
        NET_STAT(ns, dhcp_bad);
    }
    netbuf_free(nb);
    if (!ok)
        return;

    switch (c->state) {
    case DHCP_SELECTING:
        if (r.type != DHCPOFFER || r.yiaddr == 0 || r.yiaddr == IP4_BROADCAST || r.server == 0)
            return;
        c->lease.addr = r.yiaddr;
        c->lease.server = r.server;
        c->state = DHCP_REQUESTING;
        c->retry_ms = NET_DHCP_INITIAL_RETRY_MS;
        c->tries = 0;
        dhcp_send(c, DHCPREQUEST, 0, r.yiaddr, r.server, IP4_BROADCAST);
        dhcp_arm(c, dhcp_backoff(c));
        return;
    case DHCP_REQUESTING:
    case DHCP_RENEWING:
    case DHCP_REBINDING:
        if (r.type == DHCPNAK) {
            if (c->state == DHCP_REQUESTING || r.server == c->lease.server || c->state == DHCP_REBINDING)
                dhcp_restart_later(c);
            return;
        }
        if (r.type != DHCPACK || r.yiaddr == 0)
            return;
        if (c->state == DHCP_REQUESTING && r.yiaddr != c->lease.addr)
            return;
        if (r.server == 0)
            r.server = c->lease.server;
        if (c->state == DHCP_REQUESTING) {
            /* A new address: first make sure nobody else uses it. */
            c->acked = r;
            c->state = DHCP_PROBING;
            c->probes = 0;
            c->conflict = false;
            dhcp_arm(c, net_now(c->ns));
            return;
        }
        dhcp_bind(c, &r);
        return;
    default:
        return;
    }
}

static void dhcp_timer_fn(struct net_stack *ns, struct net_timer *t)
{
    (void)ns;
    struct dhcp_client *c = container_of(t, struct dhcp_client, timer);
    uint64_t now = net_now(c->ns);
    switch (c->state) {
    case DHCP_INIT:
        dhcp_discover(c);
        break;
    case DHCP_PROBING:
        if (c->conflict) {
            dhcp_decline(c);
        } else if (c->probes < DHCP_PROBES) {
            c->probes++;
            arp_probe(c->nif, c->acked.yiaddr);
            dhcp_arm(c, now + DHCP_PROBE_MS * NS_PER_MS);
        } else {
            dhcp_bind(c, &c->acked);
        }
        break;
    case DHCP_SELECTING:
        dhcp_send(c, DHCPDISCOVER, 0, 0, 0, IP4_BROADCAST);
        dhcp_arm(c, dhcp_backoff(c));
        break;
    case DHCP_REQUESTING:
        if (++c->tries > 4) {
            dhcp_restart(c);
            break;
        }
        dhcp_send(c, DHCPREQUEST, 0, c->lease.addr, c->lease.server, IP4_BROADCAST);
        dhcp_arm(c, dhcp_backoff(c));
        break;
    case DHCP_BOUND:
    case DHCP_RENEWING:
        if (now >= c->t2_at) {
            c->state = DHCP_REBINDING;
            c->start = now;
            dhcp_send(c, DHCPREQUEST, c->lease.addr, 0, 0, IP4_BROADCAST);
            dhcp_arm(c, dhcp_renew_retry(c, c->expire_at));
        } else {
            /* T1: ask our server directly to extend the lease. */
            c->state = DHCP_RENEWING;
            c->start = now;
            dhcp_send(c, DHCPREQUEST, c->lease.addr, 0, 0, c->lease.server);
            dhcp_arm(c, dhcp_renew_retry(c, c->t2_at));
        }
        break;
    case DHCP_REBINDING:
        if (now >= c->expire_at) {
            log_warn("net: %s: DHCP lease expired", c->nif->name);
            dhcp_restart(c);
            break;
        }
        dhcp_send(c, DHCPREQUEST, c->lease.addr, 0, 0, IP4_BROADCAST);
        dhcp_arm(c, dhcp_renew_retry(c, c->expire_at));
        break;
    default:
        break;
    }
}

/* ---- API ---- */

int dhcp_start(struct netif *nif)
{
    struct net_stack *ns = nif->stack;
    if (!(nif->flags & NETIF_ETHERNET))
        return -EINVAL;
    net_lock(ns);
    if (nif->dhcp) {
        net_unlock(ns);
        return -EALREADY;
    }
    struct dhcp_client *c = kzalloc(sizeof(*c));
    int r = -ENOMEM;
    if (!c)
        goto out;
    c->nif = nif;
    c->ns = ns;
    cond_init(&c->cv);
    if (ntimer_init(ns, &c->timer, dhcp_timer_fn) < 0) {
        kfree(c);
        goto out;
    }
    c->pcb = udp_new(ns, IP_PROTO_UDP);
    if (!c->pcb) {
        ntimer_destroy(ns, &c->timer);
        kfree(c);
        goto out;
    }
    c->pcb->bound_netif = nif;
    c->pcb->broadcast = true;
    c->pcb->reuse = true;
    c->pcb->recv = dhcp_recv;
    c->pcb->recv_arg = c;
    r = udp_bind(c->pcb, 0, DHCP_CLIENT_PORT);
    if (r < 0) {
        udp_free(c->pcb);
        ntimer_destroy(ns, &c->timer);
        kfree(c);
        goto out;
    }
    nif->dhcp = c;
    c->state = DHCP_INIT;
    dhcp_discover(c);
out:
    net_unlock(ns);
    return r;
}

/* Frees the client (lock held); the address it configured is removed. */
void dhcp_free(struct netif *nif)
{
    struct dhcp_client *c = nif->dhcp;
    if (!c)
        return;
    if (c->state == DHCP_BOUND || c->state == DHCP_RENEWING || c->state == DHCP_REBINDING)
        dhcp_send(c, DHCPRELEASE, c->lease.addr, 0, c->lease.server, c->lease.server);
    dhcp_unconfigure(c);
    ntimer_destroy(c->ns, &c->timer);
    udp_free(c->pcb);
    cond_broadcast(&c->cv);
    nif->dhcp = NULL;
    kfree(c);
}

void dhcp_stop(struct netif *nif)
{
    struct net_stack *ns = nif->stack;
    net_lock(ns);
    dhcp_free(nif);
    net_unlock(ns);
}

int dhcp_get_lease(struct netif *nif, struct dhcp_lease *out)
{
    struct net_stack *ns = nif->stack;
    net_lock(ns);
    struct dhcp_client *c = nif->dhcp;
    if (c) {
        *out = c->lease;
        out->state = c->state;
    }
    net_unlock(ns);
    return c ? 0 : -ENOENT;
}

int dhcp_wait_bound(struct netif *nif, uint64_t timeout_ns)
{
    struct net_stack *ns = nif->stack;
    uint64_t deadline = time_ns() + timeout_ns;
    int r = -ETIMEDOUT;
    net_lock(ns);
    for (;;) {
        struct dhcp_client *c = nif->dhcp;
        if (!c) {
            r = -ENOENT;
            break;
        }
        if (c->state == DHCP_BOUND || c->state == DHCP_RENEWING || c->state == DHCP_REBINDING) {
            r = 0;
            break;
        }
        uint64_t now = time_ns();
        if (now >= deadline)
            break;
        net_wait(ns, &c->cv, deadline - now);
    }
    net_unlock(ns);
    return r;
}
