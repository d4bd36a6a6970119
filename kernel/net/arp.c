/*
 * kernel/net/arp.c — the Address Resolution Protocol (RFC 826) for IPv4 over
 * Ethernet: a cache with lifetimes, requests with retries, packets held while
 * an address resolves, and gratuitous announcements (RFC 5227 §2.3).
 */
#include "net/netpriv.h"

#define ARP_LEN        28
#define ARP_REQUEST    1
#define ARP_REPLY      2

enum { ARP_FREE, ARP_PENDING, ARP_RESOLVED };

static void arp_timer_fn(struct net_stack *ns, struct net_timer *t);

int arp_init(struct net_stack *ns)
{
    for (int i = 0; i < NET_ARP_CACHE_SIZE; i++) {
        ns->arp[i].state = ARP_FREE;
        list_init(&ns->arp[i].pending.head);
    }
    return ntimer_init(ns, &ns->arp_timer, arp_timer_fn);
}

static void arp_drop_pending(struct arp_entry *e)
{
    while (!list_empty(&e->pending.head)) {
        struct netbuf *nb = list_entry(e->pending.head.next, struct netbuf, node);
        list_remove(&nb->node);
        netbuf_free(nb);
    }
    e->pending.count = 0;
}

static void arp_free_entry(struct arp_entry *e)
{
    arp_drop_pending(e);
    e->state = ARP_FREE;
    e->permanent = false;
    e->netif = NULL;
}

void arp_shutdown(struct net_stack *ns)
{
    for (int i = 0; i < NET_ARP_CACHE_SIZE; i++)
        arp_free_entry(&ns->arp[i]);
    ntimer_destroy(ns, &ns->arp_timer);
}

void arp_flush_netif(struct net_stack *ns, struct netif *nif)
{
    for (int i = 0; i < NET_ARP_CACHE_SIZE; i++)
        if (ns->arp[i].state != ARP_FREE && ns->arp[i].netif == nif)
            arp_free_entry(&ns->arp[i]);
}

static struct arp_entry *arp_find(struct net_stack *ns, struct netif *nif, ip4_addr_t addr)
{
    for (int i = 0; i < NET_ARP_CACHE_SIZE; i++) {
        struct arp_entry *e = &ns->arp[i];
        if (e->state != ARP_FREE && e->addr == addr && (!nif || e->netif == nif))
            return e;
    }
    return NULL;
}

/* A free slot, else the resolved non-permanent entry closest to expiry;
 * NULL if every slot is pending or permanent. */
static struct arp_entry *arp_alloc(struct net_stack *ns)
{
    struct arp_entry *victim = NULL;
    for (int i = 0; i < NET_ARP_CACHE_SIZE; i++) {
        struct arp_entry *e = &ns->arp[i];
        if (e->state == ARP_FREE)
            return e;
        if (e->state == ARP_RESOLVED && !e->permanent &&
            (!victim || e->expires < victim->expires))
            victim = e;
    }
    if (victim)
        arp_free_entry(victim);
    return victim;
}

/* Re-arms the cache timer for the earliest retry or expiry. */
static void arp_schedule(struct net_stack *ns)
{
    uint64_t next = UINT64_MAX;
    for (int i = 0; i < NET_ARP_CACHE_SIZE; i++) {
        struct arp_entry *e = &ns->arp[i];
        if (e->state != ARP_FREE && !e->permanent && e->expires < next)
            next = e->expires;
    }
    if (next == UINT64_MAX)
        ntimer_cancel(ns, &ns->arp_timer);
    else if (!ntimer_armed(&ns->arp_timer) || ns->arp_timer.deadline > next)
        ntimer_arm(ns, &ns->arp_timer, next);
}

static void arp_send(struct netif *nif, uint16_t op, const uint8_t *eth_dst,
                     const uint8_t *tha, ip4_addr_t spa, ip4_addr_t tpa)
{
    struct netbuf *nb = netbuf_alloc(NET_HEADROOM, ARP_LEN);
    if (!nb)
        return;
    uint8_t *p = nb->data;
    wr16(p, 1);                 /* hardware: Ethernet */
    wr16(p + 2, ETH_TYPE_IP);
    p[4] = 6;
    p[5] = 4;
    wr16(p + 6, op);
    memcpy(p + 8, nif->hwaddr, 6);
    wr32(p + 14, spa);
    memcpy(p + 18, tha, 6);
    wr32(p + 24, tpa);
    if (op == ARP_REQUEST)
        NET_STAT(nif->stack, arp_requests_sent);
    else
        NET_STAT(nif->stack, arp_replies_sent);
    eth_output(nif, nb, eth_dst, ETH_TYPE_ARP);
}

static const uint8_t zero_hw[6];

static void arp_request(struct netif *nif, ip4_addr_t addr)
{
    arp_send(nif, ARP_REQUEST, eth_broadcast_addr, zero_hw, nif->addr, addr);
}

void arp_probe(struct netif *nif, ip4_addr_t addr)
{
    if (nif->flags & NETIF_ETHERNET)
        arp_send(nif, ARP_REQUEST, eth_broadcast_addr, zero_hw, 0, addr);
}

/* Gratuitous ARP: a request for our own address, so that neighbours update
 * their caches (RFC 5227 §2.3 announcement). */
void arp_announce(struct netif *nif)
{
    if ((nif->flags & NETIF_ETHERNET) && nif->addr)
        arp_send(nif, ARP_REQUEST, eth_broadcast_addr, zero_hw, nif->addr, nif->addr);
}

/* Marks e resolved to hw and sends what waited for it. */
static void arp_resolved(struct net_stack *ns, struct arp_entry *e, const uint8_t hw[6])
{
    memcpy(e->hwaddr, hw, 6);
    e->state = ARP_RESOLVED;
    e->expires = net_now(ns) + NET_ARP_TTL_MS * NS_PER_MS;
    while (!list_empty(&e->pending.head)) {
        struct netbuf *nb = list_entry(e->pending.head.next, struct netbuf, node);
        list_remove(&nb->node);
        eth_output(e->netif, nb, e->hwaddr, ETH_TYPE_IP);
    }
    e->pending.count = 0;
    arp_schedule(ns);
}

/* RFC 826 "packet reception": update a known sender, learn the sender of
 * anything aimed at us, and answer requests for our address. */
void arp_input(struct netif *nif, struct netbuf *nb)
{
    struct net_stack *ns = nif->stack;
    NET_STAT(ns, arp_in);
    const uint8_t *p = nb->data;
    if (nb->len < ARP_LEN || rd16(p) != 1 || rd16(p + 2) != ETH_TYPE_IP || p[4] != 6 || p[5] != 4) {
        NET_STAT(ns, arp_bad);
        netbuf_free(nb);
        return;
    }
    uint16_t op = rd16(p + 6);
    const uint8_t *sha = p + 8;
    ip4_addr_t spa = rd32(p + 14);
    ip4_addr_t tpa = rd32(p + 24);
    bool bad_sender = (sha[0] & 1) || spa == 0 || spa == IP4_BROADCAST ||
                      memcmp(sha, nif->hwaddr, 6) == 0;
    if (nif->dhcp && memcmp(sha, nif->hwaddr, 6) != 0 && (op == ARP_REQUEST || op == ARP_REPLY))
        dhcp_arp_seen(nif, op, sha, spa, tpa);
    if ((op != ARP_REQUEST && op != ARP_REPLY) || (bad_sender && spa != 0)) {
        NET_STAT(ns, arp_bad);
        netbuf_free(nb);
        return;
    }
    if (spa == nif->addr && spa != 0) {
        char a[16];
        log_warn("net: %s: address %s also claimed by %02x:%02x:%02x:%02x:%02x:%02x",
                 nif->name, ip4_format(spa, a), sha[0], sha[1], sha[2], sha[3], sha[4], sha[5]);
        netbuf_free(nb);
        return;
    }
    if (spa != 0) {
        struct arp_entry *e = arp_find(ns, nif, spa);
        if (e && !e->permanent)
            arp_resolved(ns, e, sha);
        else if (!e && nif->addr && tpa == nif->addr) {
            e = arp_alloc(ns);
            if (e) {
                e->addr = spa;
                e->netif = nif;
                e->retries = 0;
                arp_resolved(ns, e, sha);
            }
        }
    }
    if (op == ARP_REQUEST && nif->addr && tpa == nif->addr)
        arp_send(nif, ARP_REPLY, sha, sha, nif->addr, spa);
    netbuf_free(nb);
}

/* Sends an IP packet towards next_hop, broadcast and multicast directly,
 * unicast once its link address is known. Takes nb. */
int arp_output(struct netif *nif, struct netbuf *nb, ip4_addr_t next_hop)
{
    struct net_stack *ns = nif->stack;
    if (netif_is_broadcast(nif, next_hop))
        return eth_output(nif, nb, eth_broadcast_addr, ETH_TYPE_IP);
    if ((next_hop >> 28) == 0xe) {
        /* RFC 1112 §6.4: 01:00:5e + the low 23 bits of the group. */
        uint8_t mc[6] = { 0x01, 0x00, 0x5e, (uint8_t)((next_hop >> 16) & 0x7f),
                          (uint8_t)(next_hop >> 8), (uint8_t)next_hop };
        return eth_output(nif, nb, mc, ETH_TYPE_IP);
    }
    uint64_t now = net_now(ns);
    struct arp_entry *e = arp_find(ns, nif, next_hop);
    if (e && e->state == ARP_RESOLVED && (e->permanent || e->expires > now))
        return eth_output(nif, nb, e->hwaddr, ETH_TYPE_IP);
    if (e && e->state == ARP_RESOLVED)
        arp_free_entry(e);      /* expired: resolve afresh */
    if (!e || e->state == ARP_FREE) {
        e = arp_alloc(ns);
        if (!e) {
            netbuf_free(nb);
            return -ENOBUFS;
        }
        e->addr = next_hop;
        e->netif = nif;
        e->state = ARP_PENDING;
        e->retries = 0;
        e->expires = now + NET_ARP_RETRY_MS * NS_PER_MS;
        arp_request(nif, next_hop);
        arp_schedule(ns);
    }
    if (e->pending.count >= NET_ARP_QUEUE_MAX) {
        struct netbuf *old = list_entry(e->pending.head.next, struct netbuf, node);
        list_remove(&old->node);
        netbuf_free(old);
        e->pending.count--;
    }
    list_push_back(&e->pending.head, &nb->node);
    e->pending.count++;
    return 0;
}

/* Retries pending requests, gives up after NET_ARP_MAX_RETRIES, and forgets
 * entries past their lifetime. */
static void arp_timer_fn(struct net_stack *ns, struct net_timer *t)
{
    (void)t;
    uint64_t now = net_now(ns);
    for (int i = 0; i < NET_ARP_CACHE_SIZE; i++) {
        struct arp_entry *e = &ns->arp[i];
        if (e->state == ARP_FREE || e->permanent || e->expires > now)
            continue;
        if (e->state == ARP_RESOLVED) {
            arp_free_entry(e);
        } else if (++e->retries >= NET_ARP_MAX_RETRIES) {
            NET_STAT(ns, arp_timeouts);
            arp_free_entry(e);
        } else {
            e->expires = now + NET_ARP_RETRY_MS * NS_PER_MS;
            arp_request(e->netif, e->addr);
        }
    }
    arp_schedule(ns);
}

int net_arp_list(struct net_stack *ns, struct net_arp_info *out, int max)
{
    int n = 0;
    net_lock(ns);
    uint64_t now = net_now(ns);
    for (int i = 0; i < NET_ARP_CACHE_SIZE; i++) {
        struct arp_entry *e = &ns->arp[i];
        if (e->state == ARP_FREE)
            continue;
        if (n < max) {
            struct net_arp_info *o = &out[n];
            o->addr = e->addr;
            memcpy(o->hwaddr, e->hwaddr, 6);
            o->resolved = e->state == ARP_RESOLVED;
            o->permanent = e->permanent;
            strlcpy(o->ifname, e->netif->name, sizeof(o->ifname));
            o->expires_in_ms = e->permanent || e->expires <= now ? 0 : (e->expires - now) / NS_PER_MS;
        }
        n++;
    }
    net_unlock(ns);
    return n;
}

int net_arp_add(struct net_stack *ns, struct netif *nif, ip4_addr_t addr, const uint8_t hw[6])
{
    net_lock(ns);
    struct arp_entry *e = arp_find(ns, nif, addr);
    if (!e)
        e = arp_alloc(ns);
    if (!e) {
        net_unlock(ns);
        return -ENOSPC;
    }
    e->addr = addr;
    e->netif = nif;
    e->permanent = true;
    arp_resolved(ns, e, hw);
    net_unlock(ns);
    return 0;
}

int net_arp_del(struct net_stack *ns, ip4_addr_t addr)
{
    net_lock(ns);
    struct arp_entry *e = arp_find(ns, NULL, addr);
    if (e)
        arp_free_entry(e);
    arp_schedule(ns);
    net_unlock(ns);
    return e ? 0 : -ENOENT;
}
