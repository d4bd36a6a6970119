/*
 * kernel/net/netif.c — network interfaces: attaching drivers, addresses,
 * link state, dispatching received frames, and the loopback interface.
 */
#include "net/netpriv.h"

int netif_add(struct net_stack *ns, struct netif *nif)
{
    if (!nif->ops || !nif->ops->transmit || !nif->name[0])
        return -EINVAL;
    net_lock(ns);
    struct list_node *pos;
    list_for_each(pos, &ns->netifs) {
        if (strcmp(list_entry(pos, struct netif, node)->name, nif->name) == 0) {
            net_unlock(ns);
            return -EEXIST;
        }
    }
    nif->stack = ns;
    if (nif->mtu == 0)
        nif->mtu = NET_ETH_MTU;
    memset(&nif->stats, 0, sizeof(nif->stats));
    nif->dhcp = NULL;
    list_push_back(&ns->netifs, &nif->node);
    if (nif->addr)
        route_netif_addr_changed(nif, 0, 0);
    net_unlock(ns);
    return 0;
}

/* Detaches nif: its DHCP client, ARP entries and routes go with it. The
 * driver may free nif afterwards. */
void netif_remove(struct netif *nif)
{
    struct net_stack *ns = nif->stack;
    net_lock(ns);
    dhcp_free(nif);
    arp_flush_netif(ns, nif);
    route_remove_netif(ns, nif);
    /* Drop looped-back frames that still point at it. */
    struct list_node *pos, *tmp;
    list_for_each_safe(pos, tmp, &ns->deferred) {
        struct netbuf *nb = list_entry(pos, struct netbuf, node);
        if (nb->netif == nif) {
            list_remove(&nb->node);
            ns->deferred_count--;
            netbuf_free(nb);
        }
    }
    list_remove(&nif->node);
    nif->stack = NULL;
    net_unlock(ns);
}

struct netif *netif_find(struct net_stack *ns, const char *name)
{
    struct netif *found = NULL;
    net_lock(ns);
    struct list_node *pos;
    list_for_each(pos, &ns->netifs) {
        struct netif *nif = list_entry(pos, struct netif, node);
        if (strcmp(nif->name, name) == 0) {
            found = nif;
            break;
        }
    }
    net_unlock(ns);
    return found;
}

void netif_foreach(struct net_stack *ns, void (*fn)(struct netif *, void *), void *arg)
{
    net_lock(ns);
    struct list_node *pos;
    list_for_each(pos, &ns->netifs)
        fn(list_entry(pos, struct netif, node), arg);
    net_unlock(ns);
}

/* Hands a frame to Ethernet or, on links without a link header, straight to IP. */
void netif_receive(struct netif *nif, struct netbuf *nb)
{
    nb->netif = nif;
    if (!(nif->flags & NETIF_UP)) {
        nif->stats.rx_dropped++;
        netbuf_free(nb);
        return;
    }
    nif->stats.rx_packets++;
    nif->stats.rx_bytes += nb->len;
    if (nif->flags & NETIF_ETHERNET)
        eth_input(nif, nb);
    else
        ip_input(nif, nb);
}

void netif_input(struct netif *nif, struct netbuf *nb)
{
    struct net_stack *ns = nif->stack;
    if (!ns) {
        netbuf_free(nb);
        return;
    }
    net_lock(ns);
    netif_receive(nif, nb);
    net_unlock(ns);
}

void netif_set_link(struct netif *nif, bool up)
{
    struct net_stack *ns = nif->stack;
    net_lock(ns);
    bool was = nif->flags & NETIF_LINK_UP;
    if (up)
        nif->flags |= NETIF_LINK_UP;
    else
        nif->flags &= ~NETIF_LINK_UP;
    if (up && !was && nif->addr)
        arp_announce(nif);
    net_unlock(ns);
}

void netif_set_up(struct netif *nif, bool up)
{
    struct net_stack *ns = nif->stack;
    net_lock(ns);
    bool was = nif->flags & NETIF_UP;
    if (up)
        nif->flags |= NETIF_UP;
    else
        nif->flags &= ~NETIF_UP;
    if (up && !was && nif->addr)
        arp_announce(nif);
    if (!up)
        arp_flush_netif(ns, nif);
    net_unlock(ns);
}

int netif_set_addr_locked(struct netif *nif, ip4_addr_t addr, unsigned prefix_len)
{
    if (prefix_len > 32)
        return -EINVAL;
    ip4_addr_t old = nif->addr;
    unsigned old_prefix = nif->prefix_len;
    nif->addr = addr;
    nif->prefix_len = (uint8_t)(addr ? prefix_len : 0);
    route_netif_addr_changed(nif, old, old_prefix);
    if (addr && addr != old && (nif->flags & NETIF_UP))
        arp_announce(nif);
    return 0;
}

int netif_set_addr(struct netif *nif, ip4_addr_t addr, unsigned prefix_len)
{
    struct net_stack *ns = nif->stack;
    net_lock(ns);
    int r = netif_set_addr_locked(nif, addr, prefix_len);
    net_unlock(ns);
    return r;
}

/* True if addr is one of ours: any interface address or 127.0.0.0/8. */
bool netif_is_local_addr(struct net_stack *ns, ip4_addr_t addr)
{
    if ((addr >> 24) == 127)
        return true;
    return addr != 0 && netif_by_addr(ns, addr) != NULL;
}

struct netif *netif_by_addr(struct net_stack *ns, ip4_addr_t addr)
{
    struct list_node *pos;
    list_for_each(pos, &ns->netifs) {
        struct netif *nif = list_entry(pos, struct netif, node);
        if (nif->addr == addr)
            return nif;
    }
    return NULL;
}

/* Limited broadcast, or the directed broadcast of nif's subnet. */
bool netif_is_broadcast(struct netif *nif, ip4_addr_t addr)
{
    if (addr == IP4_BROADCAST)
        return true;
    if (!nif->addr || nif->prefix_len >= 31)
        return false;
    ip4_addr_t mask = ip4_mask(nif->prefix_len);
    return (addr & mask) == (nif->addr & mask) && (addr | mask) == IP4_BROADCAST;
}

/* ---- loopback: frames go back into the stack after the current operation ---- */

/* Sends a finished frame through the driver if the interface is up and has
 * carrier; counts it either way. Takes nb. */
int netif_transmit(struct netif *nif, struct netbuf *nb)
{
    if ((nif->flags & (NETIF_UP | NETIF_LINK_UP)) != (NETIF_UP | NETIF_LINK_UP)) {
        nif->stats.tx_dropped++;
        netbuf_free(nb);
        return -ENETDOWN;
    }
    nif->stats.tx_packets++;
    nif->stats.tx_bytes += nb->len;
    return nif->ops->transmit(nif, nb);
}

static int loopback_transmit(struct netif *nif, struct netbuf *nb)
{
    /* A checksum left to the "device" is simply trusted on the way back in. */
    if (nb->flags & NETBUF_TX_CSUM)
        nb->flags = (nb->flags & ~NETBUF_TX_CSUM) | NETBUF_RX_CSUM_OK;
    net_defer_input(nif->stack, nif, nb);
    return 0;
}

static const struct netif_ops loopback_ops = { .transmit = loopback_transmit };

int loopback_create(struct net_stack *ns)
{
    struct netif *lo = kzalloc(sizeof(*lo));
    if (!lo)
        return -ENOMEM;
    strlcpy(lo->name, "lo", sizeof(lo->name));
    lo->mtu = NET_LOOPBACK_MTU;
    lo->flags = NETIF_UP | NETIF_LINK_UP | NETIF_LOOPBACK | NETIF_TX_CSUM;
    lo->ops = &loopback_ops;
    lo->addr = IP4_LOOPBACK;
    lo->prefix_len = 8;
    lo->stack = ns;
    list_push_back(&ns->netifs, &lo->node);
    ns->loopback = lo;
    route_netif_addr_changed(lo, 0, 0);
    return 0;
}
