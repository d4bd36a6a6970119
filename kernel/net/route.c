/*
 * kernel/net/route.c — the IPv4 routing table: connected routes follow
 * interface addresses, others (the default gateway) are added explicitly.
 * Lookup picks the longest matching prefix, then the lowest metric.
 */
#include "net/netpriv.h"

static struct netif *netif_for_gateway(struct net_stack *ns, ip4_addr_t gw)
{
    struct list_node *pos;
    list_for_each(pos, &ns->netifs) {
        struct netif *nif = list_entry(pos, struct netif, node);
        if (nif->addr && !(nif->flags & NETIF_LOOPBACK) &&
            ((gw ^ nif->addr) & ip4_mask(nif->prefix_len)) == 0)
            return nif;
    }
    return NULL;
}

int route_add_locked(struct net_stack *ns, ip4_addr_t dest, unsigned prefix_len,
                     ip4_addr_t gateway, struct netif *nif, uint32_t metric)
{
    if (prefix_len > 32)
        return -EINVAL;
    dest &= ip4_mask(prefix_len);
    if (!nif && gateway)
        nif = netif_for_gateway(ns, gateway);
    if (!nif)
        return -ENETUNREACH;
    for (int i = 0; i < ns->nroutes; i++) {
        struct net_route *r = &ns->routes[i];
        if (r->dest == dest && r->prefix_len == prefix_len && r->gateway == gateway &&
            r->netif == nif)
            return -EEXIST;
    }
    if (ns->nroutes >= NET_ROUTES_MAX)
        return -ENOSPC;
    ns->routes[ns->nroutes++] = (struct net_route){
        .dest = dest, .prefix_len = (uint8_t)prefix_len, .gateway = gateway,
        .netif = nif, .metric = metric,
    };
    return 0;
}

int net_route_add(struct net_stack *ns, ip4_addr_t dest, unsigned prefix_len,
                  ip4_addr_t gateway, struct netif *nif, uint32_t metric)
{
    net_lock(ns);
    int r = route_add_locked(ns, dest, prefix_len, gateway, nif, metric);
    net_unlock(ns);
    return r;
}

static void route_remove_at(struct net_stack *ns, int i)
{
    ns->routes[i] = ns->routes[--ns->nroutes];
}

int route_del_locked(struct net_stack *ns, ip4_addr_t dest, unsigned prefix_len, ip4_addr_t gateway)
{
    if (prefix_len > 32)
        return -EINVAL;
    dest &= ip4_mask(prefix_len);
    for (int i = 0; i < ns->nroutes; i++) {
        struct net_route *r = &ns->routes[i];
        if (r->dest == dest && r->prefix_len == prefix_len && r->gateway == gateway) {
            route_remove_at(ns, i);
            return 0;
        }
    }
    return -ESRCH;
}

int net_route_del(struct net_stack *ns, ip4_addr_t dest, unsigned prefix_len, ip4_addr_t gateway)
{
    net_lock(ns);
    int r = route_del_locked(ns, dest, prefix_len, gateway);
    net_unlock(ns);
    return r;
}

int net_route_list(struct net_stack *ns, struct net_route *out, int max)
{
    net_lock(ns);
    int n = ns->nroutes;
    for (int i = 0; i < n && i < max; i++)
        out[i] = ns->routes[i];
    net_unlock(ns);
    return n;
}

/* Returns the interface to send to dst through and sets *next_hop (the
 * gateway, or dst itself on the link); NULL when nothing routes there.
 * Our own addresses go through loopback. */
struct netif *route_lookup(struct net_stack *ns, ip4_addr_t dst, ip4_addr_t *next_hop)
{
    if (netif_is_local_addr(ns, dst)) {
        *next_hop = dst;
        return ns->loopback;
    }
    struct net_route *best = NULL;
    for (int i = 0; i < ns->nroutes; i++) {
        struct net_route *r = &ns->routes[i];
        if ((dst & ip4_mask(r->prefix_len)) != r->dest || !(r->netif->flags & NETIF_UP))
            continue;
        if (!best || r->prefix_len > best->prefix_len ||
            (r->prefix_len == best->prefix_len && r->metric < best->metric))
            best = r;
    }
    if (best) {
        *next_hop = best->gateway ? best->gateway : dst;
        return best->netif;
    }
    if (dst == IP4_BROADCAST) {
        /* Limited broadcast with no route: the first Ethernet interface that is up. */
        struct list_node *pos;
        list_for_each(pos, &ns->netifs) {
            struct netif *nif = list_entry(pos, struct netif, node);
            if ((nif->flags & (NETIF_UP | NETIF_ETHERNET)) == (NETIF_UP | NETIF_ETHERNET)) {
                *next_hop = dst;
                return nif;
            }
        }
    }
    return NULL;
}

void route_remove_netif(struct net_stack *ns, struct netif *nif)
{
    for (int i = 0; i < ns->nroutes;) {
        if (ns->routes[i].netif == nif)
            route_remove_at(ns, i);
        else
            i++;
    }
}

/* Replaces nif's connected route after its address changed. Routes through
 * gateways that are no longer on any link are removed too. */
void route_netif_addr_changed(struct netif *nif, ip4_addr_t old_addr, unsigned old_prefix)
{
    struct net_stack *ns = nif->stack;
    if (old_addr) {
        ip4_addr_t net = old_addr & ip4_mask(old_prefix);
        for (int i = 0; i < ns->nroutes;) {
            struct net_route *r = &ns->routes[i];
            bool connected = r->netif == nif && r->gateway == 0 && r->dest == net &&
                             r->prefix_len == old_prefix;
            bool stranded = r->netif == nif && r->gateway &&
                            (!nif->addr || ((r->gateway ^ nif->addr) & ip4_mask(nif->prefix_len)));
            if (connected || stranded)
                route_remove_at(ns, i);
            else
                i++;
        }
    }
    if (nif->addr && nif->prefix_len < 32)
        route_add_locked(ns, nif->addr & ip4_mask(nif->prefix_len), nif->prefix_len, 0, nif, 0);
}
