/*
 * kernel/net/udp.c — UDP (RFC 768, RFC 1122 §4.1) and the datagram
 * endpoints shared with ICMP echo ("ping") sockets, whose echo identifier
 * plays the part of the local port.
 */
#include "net/netpriv.h"

struct udp_pcb *udp_new(struct net_stack *ns, uint8_t proto)
{
    struct udp_pcb *pcb = kzalloc(sizeof(*pcb));
    if (!pcb)
        return NULL;
    pcb->stack = ns;
    pcb->proto = proto;
    pcb->rxq_limit = NET_UDP_RCVBUF;
    list_init(&pcb->rxq);
    list_push_back(&ns->udp_pcbs, &pcb->node);
    return pcb;
}

void udp_free(struct udp_pcb *pcb)
{
    while (!list_empty(&pcb->rxq)) {
        struct netbuf *nb = list_entry(pcb->rxq.next, struct netbuf, node);
        list_remove(&nb->node);
        netbuf_free(nb);
    }
    list_remove(&pcb->node);
    kfree(pcb);
}

static bool udp_port_used(struct net_stack *ns, uint8_t proto, ip4_addr_t addr, uint16_t port,
                          bool reuse)
{
    struct list_node *pos;
    list_for_each(pos, &ns->udp_pcbs) {
        struct udp_pcb *p = list_entry(pos, struct udp_pcb, node);
        if (p->proto == proto && p->local_port == port &&
            (p->local_addr == 0 || addr == 0 || p->local_addr == addr) && !(reuse && p->reuse))
            return true;
    }
    return false;
}

/* A free ephemeral port (or echo id) for proto, from a random start; 0 if none. */
int net_alloc_port(struct net_stack *ns, uint8_t proto)
{
    uint32_t range = NET_EPHEMERAL_LAST - NET_EPHEMERAL_FIRST + 1;
    uint32_t start = net_random(ns) % range;
    for (uint32_t i = 0; i < range; i++) {
        uint16_t port = (uint16_t)(NET_EPHEMERAL_FIRST + (start + i) % range);
        if (!udp_port_used(ns, proto, 0, port, false))
            return port;
    }
    return 0;
}

int udp_bind(struct udp_pcb *pcb, ip4_addr_t addr, uint16_t port)
{
    struct net_stack *ns = pcb->stack;
    if (pcb->local_port)
        return -EINVAL;
    if (addr && !netif_is_local_addr(ns, addr) && addr != IP4_BROADCAST)
        return -EADDRNOTAVAIL;
    if (port == 0) {
        int p = net_alloc_port(ns, pcb->proto);
        if (p == 0)
            return -EADDRINUSE;
        port = (uint16_t)p;
    } else if (udp_port_used(ns, pcb->proto, addr, port, pcb->reuse)) {
        return -EADDRINUSE;
    }
    pcb->local_addr = addr;
    pcb->local_port = port;
    return 0;
}

int udp_connect(struct udp_pcb *pcb, ip4_addr_t addr, uint16_t port)
{
    if (addr == 0 || (pcb->proto == IP_PROTO_UDP && port == 0))
        return -EINVAL;
    if (!pcb->local_port) {
        int r = udp_bind(pcb, 0, 0);
        if (r < 0)
            return r;
    }
    pcb->remote_addr = addr;
    pcb->remote_port = port;
    pcb->error = 0;
    return 0;
}

/* Builds and sends one datagram. For ping endpoints data is an ICMP echo
 * message whose identifier and checksum are filled in here. */
int udp_sendto(struct udp_pcb *pcb, const void *data, size_t len, ip4_addr_t dst, uint16_t port)
{
    struct net_stack *ns = pcb->stack;
    if (dst == 0) {
        if (!pcb->remote_addr)
            return -EDESTADDRREQ;
        dst = pcb->remote_addr;
        port = pcb->remote_port;
    }
    bool ping = pcb->proto == IP_PROTO_ICMP;
    uint32_t hlen = ping ? 0 : UDP_HLEN;
    if (len > 65535 - IP_HLEN - hlen)
        return -EMSGSIZE;
    if (ping && len < ICMP_HLEN)
        return -EINVAL;
    if (!pcb->broadcast && (dst == IP4_BROADCAST ||
                            (pcb->bound_netif && netif_is_broadcast(pcb->bound_netif, dst))))
        return -EACCES;
    if (!pcb->local_port) {
        int r = udp_bind(pcb, 0, 0);
        if (r < 0)
            return r;
    }
    ip4_addr_t src = pcb->local_addr;
    if (src == 0 || src == IP4_BROADCAST)
        src = pcb->bound_netif ? pcb->bound_netif->addr : ip_select_source(ns, dst);
    if (src == 0 && !pcb->bound_netif)
        return -ENETUNREACH;

    struct netbuf *nb = netbuf_alloc(NET_HEADROOM, hlen + (uint32_t)len);
    if (!nb)
        return -ENOBUFS;
    uint8_t *p = nb->data;
    memcpy(p + hlen, data, len);
    if (ping) {
        p[1] = 0;
        wr16(p + 4, pcb->local_port);
        wr16(p + 2, 0);
        wr16(p + 2, csum_fold(csum_add(0, p, len)));
    } else {
        wr16(p, pcb->local_port);
        wr16(p + 2, port);
        wr16(p + 4, (uint16_t)nb->len);
        /* Leave the pseudo-header sum for the device or ip_output to finish. */
        wr16(p + 6, (uint16_t)~csum_fold(csum_pseudo(src, dst, IP_PROTO_UDP, (uint16_t)nb->len)));
        nb->flags |= NETBUF_TX_CSUM;
        nb->csum_start = (uint16_t)(nb->data - nb->buf);
        nb->csum_offset = 6;
        NET_STAT(ns, udp_out);
    }
    int r = ip_output(ns, nb, src, dst, pcb->proto, pcb->ttl, pcb->bound_netif);
    return r < 0 ? r : (int)len;
}

void udp_deliver(struct udp_pcb *pcb, struct netbuf *nb, ip4_addr_t src, uint16_t port,
                 struct netif *nif)
{
    if (pcb->recv) {
        pcb->recv(pcb->recv_arg, pcb, nb, src, port, nif);
        return;
    }
    if (pcb->rxq_bytes + nb->len > pcb->rxq_limit) {
        NET_STAT(pcb->stack, udp_queue_full);
        netbuf_free(nb);
        return;
    }
    nb->meta[0] = src;
    nb->meta[1] = port;
    pcb->rxq_bytes += nb->len;
    list_push_back(&pcb->rxq, &nb->node);
    sock_wakeup(pcb->sock);
}

/* The endpoint a datagram to dst:dport from src:sport belongs to: connected
 * endpoints first, then one bound to the exact address, then wildcards. */
static struct udp_pcb *udp_lookup(struct net_stack *ns, struct netif *nif, ip4_addr_t src,
                                  uint16_t sport, ip4_addr_t dst, uint16_t dport, bool broadcast)
{
    struct udp_pcb *best = NULL;
    int best_score = -1;
    struct list_node *pos;
    list_for_each(pos, &ns->udp_pcbs) {
        struct udp_pcb *p = list_entry(pos, struct udp_pcb, node);
        if (p->proto != IP_PROTO_UDP || p->local_port != dport)
            continue;
        if (p->bound_netif && p->bound_netif != nif)
            continue;
        int score = 0;
        if (p->local_addr) {
            if (p->local_addr != dst && !(broadcast && p->local_addr == IP4_BROADCAST))
                continue;
            score += 1;
        }
        if (p->remote_port) {
            if (p->remote_addr != src || p->remote_port != sport)
                continue;
            score += 2;
        }
        if (score > best_score) {
            best = p;
            best_score = score;
        }
    }
    return best;
}

void udp_input(struct netif *nif, struct netbuf *nb, ip4_addr_t src, ip4_addr_t dst)
{
    struct net_stack *ns = nif->stack;
    NET_STAT(ns, udp_in);
    const uint8_t *p = nb->data;
    if (nb->len < UDP_HLEN)
        goto bad;
    uint16_t ulen = rd16(p + 4);
    if (ulen < UDP_HLEN || ulen > nb->len)
        goto bad;
    netbuf_trim(nb, ulen);
    if (rd16(p + 6) != 0 && !(nb->flags & NETBUF_RX_CSUM_OK) &&
        csum_fold(csum_add(csum_pseudo(src, dst, IP_PROTO_UDP, ulen), p, ulen)) != 0)
        goto bad;
    uint16_t sport = rd16(p), dport = rd16(p + 2);
    bool broadcast = nb->flags & NETBUF_BROADCAST;
    struct udp_pcb *pcb = udp_lookup(ns, nif, src, sport, dst, dport, broadcast);
    if (!pcb) {
        NET_STAT(ns, udp_no_port);
        if (!broadcast && netif_is_local_addr(ns, dst)) {
            netbuf_push(nb, nb->meta[0]);
            icmp_send_unreachable(ns, nb, ICMP_UNREACH_PORT);
        }
        netbuf_free(nb);
        return;
    }
    netbuf_pull(nb, UDP_HLEN);
    udp_deliver(pcb, nb, src, sport, nif);
    return;
bad:
    NET_STAT(ns, udp_bad);
    netbuf_free(nb);
}

/* An ICMP error about a datagram we sent from sport to dst:dport. Only
 * connected UDP endpoints hear of it (as Linux does); ping endpoints always. */
void udp_icmp_error(struct net_stack *ns, uint8_t proto, ip4_addr_t dst, uint16_t dport,
                    uint16_t sport, int err)
{
    struct list_node *pos;
    list_for_each(pos, &ns->udp_pcbs) {
        struct udp_pcb *p = list_entry(pos, struct udp_pcb, node);
        if (p->proto != proto || p->local_port != sport)
            continue;
        if (proto == IP_PROTO_UDP && (p->remote_addr != dst || p->remote_port != dport))
            continue;
        p->error = err;
        sock_wakeup(p->sock);
    }
}

struct udp_pcb *udp_find_ping(struct net_stack *ns, uint16_t id)
{
    struct list_node *pos;
    list_for_each(pos, &ns->udp_pcbs) {
        struct udp_pcb *p = list_entry(pos, struct udp_pcb, node);
        if (p->proto == IP_PROTO_ICMP && p->local_port == id)
            return p;
    }
    return NULL;
}
