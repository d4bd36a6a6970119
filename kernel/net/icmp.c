/*
 * kernel/net/icmp.c — ICMP for IPv4 (RFC 792, RFC 1122 §3.2.2): echo replies,
 * echo replies delivered to ping sockets, destination-unreachable errors
 * passed to TCP/UDP, and rate-limited generation of unreachable messages.
 */
#include "net/netpriv.h"

#define ICMP_ECHO_REPLY     0
#define ICMP_UNREACHABLE    3
#define ICMP_ECHO_REQUEST   8
#define ICMP_TIME_EXCEEDED  11
#define ICMP_PARAM_PROBLEM  12

/* Passes an error about one of our datagrams (quoted header at p) to its
 * transport; len is the bytes quoted. */
static void icmp_error_input(struct net_stack *ns, uint8_t type, uint8_t code,
                             const uint8_t *p, uint32_t len)
{
    if (len < IP_HLEN || (p[0] >> 4) != 4)
        return;
    uint32_t hlen = (uint32_t)(p[0] & 0xf) * 4;
    if (hlen < IP_HLEN || len < hlen + 8)
        return;
    uint8_t proto = p[9];
    ip4_addr_t dst = rd32(p + 16);
    const uint8_t *l4 = p + hlen;
    int err;
    if (type == ICMP_UNREACHABLE) {
        switch (code) {
        case ICMP_UNREACH_PORT:
        case ICMP_UNREACH_PROTOCOL: err = -ECONNREFUSED; break;
        case ICMP_UNREACH_NET:      err = -ENETUNREACH; break;
        case ICMP_UNREACH_NEEDFRAG: err = -EMSGSIZE; break;
        default:                    err = -EHOSTUNREACH; break;
        }
    } else {
        err = -EHOSTUNREACH;
    }
    switch (proto) {
    case IP_PROTO_TCP:
        tcp_icmp_error(ns, dst, rd16(l4 + 2), rd16(l4), type == ICMP_UNREACHABLE ? code : 0xff);
        break;
    case IP_PROTO_UDP:
        udp_icmp_error(ns, IP_PROTO_UDP, dst, rd16(l4 + 2), rd16(l4), err);
        break;
    case IP_PROTO_ICMP:
        if (l4[0] == ICMP_ECHO_REQUEST)
            udp_icmp_error(ns, IP_PROTO_ICMP, dst, 0, rd16(l4 + 4), err);
        break;
    default:
        break;
    }
}

void icmp_input(struct netif *nif, struct netbuf *nb, ip4_addr_t src, ip4_addr_t dst)
{
    struct net_stack *ns = nif->stack;
    NET_STAT(ns, icmp_in);
    uint8_t *p = nb->data;
    if (nb->len < ICMP_HLEN || csum_fold(csum_add(0, p, nb->len)) != 0) {
        NET_STAT(ns, icmp_bad);
        netbuf_free(nb);
        return;
    }
    switch (p[0]) {
    case ICMP_ECHO_REQUEST:
        /* No replies to broadcasts (RFC 1122 §3.2.2.6 allows silence). */
        if (nb->flags & NETBUF_BROADCAST || !netif_is_local_addr(ns, dst))
            break;
        p[0] = ICMP_ECHO_REPLY;
        p[1] = 0;
        wr16(p + 2, 0);
        wr16(p + 2, csum_fold(csum_add(0, p, nb->len)));
        nb->flags = 0;
        NET_STAT(ns, icmp_echo_replied);
        ip_output(ns, nb, dst, src, IP_PROTO_ICMP, 0, NULL);
        return;
    case ICMP_ECHO_REPLY: {
        struct udp_pcb *pcb = udp_find_ping(ns, rd16(p + 4));
        if (pcb) {
            udp_deliver(pcb, nb, src, rd16(p + 4), nif);
            return;
        }
        break;
    }
    case ICMP_UNREACHABLE:
    case ICMP_TIME_EXCEEDED:
    case ICMP_PARAM_PROBLEM:
        icmp_error_input(ns, p[0], p[1], p + ICMP_HLEN, nb->len - ICMP_HLEN);
        break;
    default:
        break;
    }
    netbuf_free(nb);
}

/* Token bucket: NET_ICMP_ERRORS_PER_SEC errors per second at most. */
static bool icmp_rate_ok(struct net_stack *ns)
{
    uint64_t now = net_now(ns);
    uint64_t elapsed = now - ns->icmp_tokens_time;
    if (elapsed >= NS_PER_S / NET_ICMP_ERRORS_PER_SEC) {
        uint64_t add = elapsed / (NS_PER_S / NET_ICMP_ERRORS_PER_SEC);
        ns->icmp_tokens = (uint32_t)MIN((uint64_t)NET_ICMP_ERRORS_PER_SEC, ns->icmp_tokens + add);
        ns->icmp_tokens_time = now;
    }
    if (ns->icmp_tokens == 0)
        return false;
    ns->icmp_tokens--;
    return true;
}

/* Sends an ICMP error (type, code) about the datagram whose IP header is
 * at orig->data, quoting its header and first 8 payload bytes (RFC 792).
 * Stays silent where RFC 1122 §3.2.2 forbids an error. Does not take orig. */
static void icmp_send_error(struct net_stack *ns, struct netbuf *orig, uint8_t type, uint8_t code)
{
    const uint8_t *h = orig->data;
    if (orig->len < IP_HLEN)
        return;
    uint32_t hlen = (uint32_t)(h[0] & 0xf) * 4;
    ip4_addr_t src = rd32(h + 12), dst = rd32(h + 16);
    if ((orig->flags & NETBUF_BROADCAST) || src == 0 || src == IP4_BROADCAST ||
        (src >> 28) == 0xe || (dst >> 28) == 0xe || (rd16(h + 6) & 0x1fff) != 0)
        return;
    if (h[9] == IP_PROTO_ICMP && orig->len > hlen && h[hlen] != ICMP_ECHO_REQUEST &&
        h[hlen] != ICMP_ECHO_REPLY)
        return;      /* never an error about an error */
    if (!icmp_rate_ok(ns)) {
        NET_STAT(ns, icmp_errors_limited);
        return;
    }
    uint32_t quote = MIN(orig->len, hlen + 8);
    struct netbuf *nb = netbuf_alloc(NET_HEADROOM, ICMP_HLEN + quote);
    if (!nb)
        return;
    uint8_t *p = nb->data;
    p[0] = type;
    p[1] = code;
    wr16(p + 2, 0);
    wr32(p + 4, 0);
    memcpy(p + ICMP_HLEN, h, quote);
    wr16(p + 2, csum_fold(csum_add(0, p, nb->len)));
    NET_STAT(ns, icmp_errors_sent);
    ip_output(ns, nb, netif_is_local_addr(ns, dst) ? dst : 0, src, IP_PROTO_ICMP, 0, NULL);
}

void icmp_send_unreachable(struct net_stack *ns, struct netbuf *orig, uint8_t code)
{
    icmp_send_error(ns, orig, ICMP_UNREACHABLE, code);
}

void icmp_send_reass_timeout(struct net_stack *ns, struct netbuf *orig)
{
    icmp_send_error(ns, orig, ICMP_TIME_EXCEEDED, 1);   /* code 1: reassembly (RFC 792) */
}
