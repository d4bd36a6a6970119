/*
 * kernel/net/ipv4.c — IPv4 (RFC 791, host requirements RFC 1122 §3):
 * header validation, delivery to ICMP/UDP/TCP, output with routing,
 * source selection, checksum completion and fragmentation.
 */
#include "net/netpriv.h"

#define IP_FLAG_DF 0x4000
#define IP_FLAG_MF 0x2000
#define IP_OFFSET_MASK 0x1fff

int ip_reass_init(struct net_stack *ns);

int ip_init(struct net_stack *ns)
{
    return ip_reass_init(ns);
}

/* Addresses no packet may come from (RFC 1122 §3.2.1.3). */
static bool ip_bad_source(ip4_addr_t src)
{
    return src == IP4_BROADCAST || (src >> 28) == 0xe || (src >> 28) == 0xf;
}

/* Checks the header, drops packets that are not for us, reassembles
 * fragments and hands the payload to the protocol. Takes nb (data = header). */
void ip_input(struct netif *nif, struct netbuf *nb)
{
    struct net_stack *ns = nif->stack;
    NET_STAT(ns, ip_in);
    const uint8_t *h = nb->data;
    if (nb->len < IP_HLEN || (h[0] >> 4) != 4)
        goto bad_header;
    uint32_t hlen = (uint32_t)(h[0] & 0xf) * 4;
    uint32_t total = rd16(h + 2);
    if (hlen < IP_HLEN || hlen > total || total > nb->len)
        goto bad_header;
    if (csum_fold(csum_add(0, h, hlen)) != 0) {
        NET_STAT(ns, ip_bad_checksum);
        nif->stats.rx_errors++;
        netbuf_free(nb);
        return;
    }
    netbuf_trim(nb, total);   /* drop link-layer padding */

    ip4_addr_t src = rd32(h + 12), dst = rd32(h + 16);
    uint8_t proto = h[9];
    bool from_loopback = nif->flags & NETIF_LOOPBACK;
    if (ip_bad_source(src) || (!from_loopback && (src >> 24) == 127))
        goto bad_header;
    bool for_us = netif_is_local_addr(ns, dst) &&
                  (from_loopback || (dst >> 24) != 127);
    bool broadcast = netif_is_broadcast(nif, dst) || dst == IP4_BROADCAST;
    /* Until DHCP configures an address, take unicast UDP too (RFC 2131 §4.1 offers). */
    bool unconfigured = nif->addr == 0 && proto == IP_PROTO_UDP;
    if (!for_us && !broadcast && !unconfigured) {
        NET_STAT(ns, ip_not_for_us);
        netbuf_free(nb);
        return;
    }

    uint16_t frag = rd16(h + 6);
    if (frag & (IP_FLAG_MF | IP_OFFSET_MASK)) {
        NET_STAT(ns, ip_frags_in);
        nb = ip_reass_add(ns, nb);
        if (!nb)
            return;
        NET_STAT(ns, ip_reassembled);
        h = nb->data;
        hlen = (uint32_t)(h[0] & 0xf) * 4;
    }

    nb->meta[0] = hlen;     /* lets a protocol put the header back for an ICMP error */
    netbuf_pull(nb, hlen);
    if (broadcast)
        nb->flags |= NETBUF_BROADCAST;
    switch (proto) {
    case IP_PROTO_ICMP:
        icmp_input(nif, nb, src, dst);
        return;
    case IP_PROTO_UDP:
        udp_input(nif, nb, src, dst);
        return;
    case IP_PROTO_TCP:
        if (broadcast || !for_us)
            break;
        tcp_input(nif, nb, src, dst);
        return;
    default:
        NET_STAT(ns, ip_unknown_proto);
        if (for_us && !broadcast) {
            netbuf_push(nb, hlen);
            icmp_send_unreachable(ns, nb, ICMP_UNREACH_PROTOCOL);
        }
        break;
    }
    netbuf_free(nb);
    return;

bad_header:
    NET_STAT(ns, ip_bad_header);
    nif->stats.rx_errors++;
    netbuf_free(nb);
}

/* Fills in the checksum the transport left to the device (its field holds
 * the pseudo-header sum), for devices and paths that cannot. */
static void ip_finish_csum(struct netbuf *nb)
{
    uint8_t *l4 = nb->buf + nb->csum_start;
    uint32_t l4len = (uint32_t)(nb->data + nb->len - l4);
    uint16_t c = csum_fold(csum_add(0, l4, l4len));
    if (c == 0 && nb->csum_offset == 6)
        c = 0xffff;          /* UDP: a computed zero is sent as all ones (RFC 768) */
    wr16(l4 + nb->csum_offset, c);
    nb->flags &= ~NETBUF_TX_CSUM;
}

static void ip_write_header(uint8_t *h, uint32_t total, uint16_t id, uint16_t frag,
                            uint8_t ttl, uint8_t proto, ip4_addr_t src, ip4_addr_t dst)
{
    h[0] = 0x45;
    h[1] = 0;
    wr16(h + 2, (uint16_t)total);
    wr16(h + 4, id);
    wr16(h + 6, frag);
    h[8] = ttl;
    h[9] = proto;
    wr16(h + 10, 0);
    wr32(h + 12, src);
    wr32(h + 16, dst);
    wr16(h + 10, csum_fold(csum_add(0, h, IP_HLEN)));
}

static int ip_send_link(struct netif *nif, struct netbuf *nb, ip4_addr_t next_hop)
{
    if (nif->flags & NETIF_ETHERNET)
        return arp_output(nif, nb, next_hop);
    return netif_transmit(nif, nb);
}

/* Splits a payload too big for the MTU into fragments (RFC 791 §3.2) and
 * sends each. Takes nb. */
static int ip_fragment(struct net_stack *ns, struct netif *nif, struct netbuf *nb,
                       ip4_addr_t next_hop, uint16_t id, uint8_t ttl, uint8_t proto,
                       ip4_addr_t src, ip4_addr_t dst)
{
    uint32_t chunk_max = ((uint32_t)nif->mtu - IP_HLEN) & ~7u;
    uint32_t off = 0;
    int r = 0;
    while (off < nb->len) {
        uint32_t chunk = MIN(chunk_max, nb->len - off);
        bool more = off + chunk < nb->len;
        struct netbuf *f = netbuf_alloc(NET_HEADROOM, IP_HLEN + chunk);
        if (!f) {
            r = -ENOBUFS;
            break;
        }
        memcpy(f->data + IP_HLEN, nb->data + off, chunk);
        ip_write_header(f->data, IP_HLEN + chunk, id, (uint16_t)((more ? IP_FLAG_MF : 0) | (off / 8)),
                        ttl, proto, src, dst);
        NET_STAT(ns, ip_frags_out);
        r = ip_send_link(nif, f, next_hop);
        off += chunk;
    }
    netbuf_free(nb);
    return r;
}

int ip_output(struct net_stack *ns, struct netbuf *nb, ip4_addr_t src, ip4_addr_t dst,
              uint8_t proto, uint8_t ttl, struct netif *nif)
{
    ip4_addr_t next_hop = dst;
    if (!nif || (!netif_is_broadcast(nif, dst) && nif->addr &&
                 ((dst ^ nif->addr) & ip4_mask(nif->prefix_len)))) {
        /* Route unless the caller pinned an interface the destination is on. */
        struct netif *routed = route_lookup(ns, dst, &next_hop);
        if (!routed || (nif && routed != nif)) {
            NET_STAT(ns, ip_no_route);
            netbuf_free(nb);
            return -ENETUNREACH;
        }
        nif = routed;
    }
    if (src == 0)
        src = (nif->flags & NETIF_LOOPBACK) && netif_is_local_addr(ns, dst) ? dst : nif->addr;
    if (ttl == 0)
        ttl = NET_IP_DEFAULT_TTL;
    NET_STAT(ns, ip_out);

    bool fits = nb->len + IP_HLEN <= nif->mtu;
    if ((nb->flags & NETBUF_TX_CSUM) && (!fits || !(nif->flags & NETIF_TX_CSUM)))
        ip_finish_csum(nb);
    uint16_t id = ns->ip_id++;
    if (!fits) {
        if (nb->len + IP_HLEN > 65535) {
            netbuf_free(nb);
            return -EMSGSIZE;
        }
        return ip_fragment(ns, nif, nb, next_hop, id, ttl, proto, src, dst);
    }
    uint8_t *h = netbuf_push(nb, IP_HLEN);
    if (!h) {
        netbuf_free(nb);
        return -ENOBUFS;
    }
    /* TCP sizes its segments to the path, so it asks not to be fragmented. */
    ip_write_header(h, nb->len, id, proto == IP_PROTO_TCP ? IP_FLAG_DF : 0, ttl, proto, src, dst);
    return ip_send_link(nif, nb, next_hop);
}

ip4_addr_t ip_select_source(struct net_stack *ns, ip4_addr_t dst)
{
    ip4_addr_t next_hop;
    struct netif *nif = route_lookup(ns, dst, &next_hop);
    if (!nif)
        return 0;
    if ((nif->flags & NETIF_LOOPBACK) && netif_is_local_addr(ns, dst))
        return dst;
    return nif->addr;
}

uint16_t ip_mtu_to(struct net_stack *ns, ip4_addr_t dst)
{
    ip4_addr_t next_hop;
    struct netif *nif = route_lookup(ns, dst, &next_hop);
    return nif ? nif->mtu : 576;
}
