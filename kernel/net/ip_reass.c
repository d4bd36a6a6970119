/*
 * kernel/net/ip_reass.c — reassembly of received IPv4 fragments (RFC 791
 * §3.2, RFC 815). Fragments are kept sorted by offset; a datagram is rebuilt
 * once the last fragment is in and the pieces cover it. Fragments that
 * partly overlap others discard the whole datagram (as RFC 5722 requires for
 * IPv6), exact duplicates are dropped, and time, count and memory are bounded.
 */
#include "net/netpriv.h"

#define IP_FLAG_MF 0x2000
#define IP_OFFSET_MASK 0x1fff

static void reass_timer_fn(struct net_stack *ns, struct net_timer *t);

int ip_reass_init(struct net_stack *ns)
{
    return ntimer_init(ns, &ns->reass_timer, reass_timer_fn);
}

static void reass_free(struct net_stack *ns, struct ip_reass *r)
{
    while (!list_empty(&r->frags)) {
        struct netbuf *f = list_entry(r->frags.next, struct netbuf, node);
        list_remove(&f->node);
        netbuf_free(f);
    }
    ns->reass_bytes -= r->bytes;
    ns->reass_count--;
    list_remove(&r->node);
    kfree(r);
}

void ip_reass_shutdown(struct net_stack *ns)
{
    while (!list_empty(&ns->reass))
        reass_free(ns, list_entry(ns->reass.next, struct ip_reass, node));
    ntimer_destroy(ns, &ns->reass_timer);
}

static void reass_schedule(struct net_stack *ns)
{
    if (list_empty(&ns->reass)) {
        ntimer_cancel(ns, &ns->reass_timer);
        return;
    }
    /* The list is in creation order, so the first one expires first. */
    struct ip_reass *r = list_entry(ns->reass.next, struct ip_reass, node);
    ntimer_arm(ns, &ns->reass_timer, r->expires);
}

static void reass_timer_fn(struct net_stack *ns, struct net_timer *t)
{
    (void)t;
    uint64_t now = net_now(ns);
    while (!list_empty(&ns->reass)) {
        struct ip_reass *r = list_entry(ns->reass.next, struct ip_reass, node);
        if (r->expires > now)
            break;
        NET_STAT(ns, ip_reass_fail);
        /* With the first fragment in hand, tell the sender (RFC 1122 §3.3.2). */
        if (!list_empty(&r->frags)) {
            struct netbuf *f = list_entry(r->frags.next, struct netbuf, node);
            if (f->meta[0] == 0) {
                netbuf_push(f, f->meta[1]);
                icmp_send_reass_timeout(ns, f);
                netbuf_pull(f, f->meta[1]);
            }
        }
        reass_free(ns, r);
    }
    reass_schedule(ns);
}

static struct ip_reass *reass_find(struct net_stack *ns, ip4_addr_t src, ip4_addr_t dst,
                                   uint16_t id, uint8_t proto)
{
    struct list_node *pos;
    list_for_each(pos, &ns->reass) {
        struct ip_reass *r = list_entry(pos, struct ip_reass, node);
        if (r->src == src && r->dst == dst && r->id == id && r->proto == proto)
            return r;
    }
    return NULL;
}

static struct ip_reass *reass_new(struct net_stack *ns, ip4_addr_t src, ip4_addr_t dst,
                                  uint16_t id, uint8_t proto)
{
    if (ns->reass_count >= NET_IP_REASS_MAX) {
        /* Make room by giving up on the oldest datagram. */
        NET_STAT(ns, ip_reass_fail);
        reass_free(ns, list_entry(ns->reass.next, struct ip_reass, node));
    }
    struct ip_reass *r = kzalloc(sizeof(*r));
    if (!r)
        return NULL;
    r->src = src;
    r->dst = dst;
    r->id = id;
    r->proto = proto;
    list_init(&r->frags);
    r->expires = net_now(ns) + NET_IP_REASS_TIMEOUT_MS * NS_PER_MS;
    list_push_back(&ns->reass, &r->node);
    ns->reass_count++;
    reass_schedule(ns);
    return r;
}

/* Builds the whole datagram: the first fragment's header, then every payload. */
static struct netbuf *reass_build(struct net_stack *ns, struct ip_reass *r)
{
    struct netbuf *first = list_entry(r->frags.next, struct netbuf, node);
    uint32_t hlen = first->meta[1];
    struct netbuf *out = netbuf_alloc(NET_HEADROOM, hlen + r->total_len);
    if (out) {
        memcpy(out->data, first->data - hlen, hlen);
        uint8_t *h = out->data;
        wr16(h + 2, (uint16_t)(hlen + r->total_len));
        wr16(h + 6, 0);
        wr16(h + 10, 0);
        wr16(h + 10, csum_fold(csum_add(0, h, hlen)));
        out->netif = first->netif;
        struct list_node *pos;
        list_for_each(pos, &r->frags) {
            struct netbuf *f = list_entry(pos, struct netbuf, node);
            memcpy(out->data + hlen + f->meta[0], f->data, f->len);
        }
    }
    reass_free(ns, r);
    reass_schedule(ns);
    return out;
}

/* Takes a fragment (data = IP header, trimmed to its total length). Returns
 * the complete datagram when this fragment finishes one, else NULL. */
struct netbuf *ip_reass_add(struct net_stack *ns, struct netbuf *nb)
{
    const uint8_t *h = nb->data;
    uint32_t hlen = (uint32_t)(h[0] & 0xf) * 4;
    uint16_t frag = rd16(h + 6);
    uint32_t off = (uint32_t)(frag & IP_OFFSET_MASK) * 8;
    bool more = frag & IP_FLAG_MF;
    uint32_t len = nb->len - hlen;
    ip4_addr_t src = rd32(h + 12), dst = rd32(h + 16);
    uint16_t id = rd16(h + 4);
    uint8_t proto = h[9];

    if (len == 0 || (more && (len & 7)) || hlen + off + len > 65535 ||
        ns->reass_bytes + len > NET_IP_REASS_MAX_BYTES) {
        NET_STAT(ns, ip_reass_fail);
        netbuf_free(nb);
        return NULL;
    }
    struct ip_reass *r = reass_find(ns, src, dst, id, proto);
    if (!r)
        r = reass_new(ns, src, dst, id, proto);
    if (!r) {
        netbuf_free(nb);
        return NULL;
    }
    netbuf_pull(nb, hlen);
    nb->meta[0] = off;
    nb->meta[1] = hlen;
    uint32_t end = off + len;

    if (!more) {
        if ((r->have_last && r->total_len != end)) {
            netbuf_free(nb);
            goto fail;
        }
        r->have_last = true;
        r->total_len = end;
    }
    if (r->have_last && end > r->total_len) {
        netbuf_free(nb);
        goto fail;
    }

    /* Find the first fragment starting after this one; check both neighbours. */
    struct list_node *pos;
    list_for_each(pos, &r->frags) {
        struct netbuf *f = list_entry(pos, struct netbuf, node);
        uint32_t f_end = f->meta[0] + f->len;
        if (f->meta[0] == off && f_end == end) {
            netbuf_free(nb);       /* exact duplicate */
            return NULL;
        }
        if (f->meta[0] < end && off < f_end) {
            netbuf_free(nb);       /* partial overlap */
            goto fail;
        }
        if (f->meta[0] > off)
            break;
    }
    if (r->nfrags >= NET_IP_REASS_MAX_FRAGS) {
        netbuf_free(nb);
        goto fail;
    }
    list_insert_between(&nb->node, pos->prev, pos);
    r->nfrags++;
    r->bytes += len;
    ns->reass_bytes += len;
    if (r->have_last && r->bytes == r->total_len)
        return reass_build(ns, r);
    return NULL;

fail:
    NET_STAT(ns, ip_reass_fail);
    reass_free(ns, r);
    reass_schedule(ns);
    return NULL;
}
