/*
 * kernel/net/eth.c — Ethernet II framing (IEEE 802.3 with EtherType).
 */
#include "net/netpriv.h"

const uint8_t eth_broadcast_addr[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* Accepts frames for our address or broadcast, strips the header and passes
 * IPv4 and ARP on; everything else is counted and dropped. */
void eth_input(struct netif *nif, struct netbuf *nb)
{
    struct net_stack *ns = nif->stack;
    NET_STAT(ns, eth_in);
    if (nb->len < ETH_HLEN) {
        NET_STAT(ns, eth_bad);
        nif->stats.rx_errors++;
        netbuf_free(nb);
        return;
    }
    const uint8_t *h = nb->data;
    bool broadcast = memcmp(h, eth_broadcast_addr, 6) == 0;
    if (!broadcast && memcmp(h, nif->hwaddr, 6) != 0) {
        /* Multicast or someone else's unicast (promiscuous device). */
        netbuf_free(nb);
        return;
    }
    if (broadcast)
        nb->flags |= NETBUF_BROADCAST;
    uint16_t type = rd16(h + 12);
    netbuf_pull(nb, ETH_HLEN);
    switch (type) {
    case ETH_TYPE_IP:
        ip_input(nif, nb);
        break;
    case ETH_TYPE_ARP:
        arp_input(nif, nb);
        break;
    default:
        NET_STAT(ns, eth_unknown_type);
        netbuf_free(nb);
        break;
    }
}

/* Prepends the Ethernet header and transmits; takes nb. */
int eth_output(struct netif *nif, struct netbuf *nb, const uint8_t dst[6], uint16_t type)
{
    uint8_t *h = netbuf_push(nb, ETH_HLEN);
    if (!h) {
        nif->stats.tx_errors++;
        netbuf_free(nb);
        return -ENOBUFS;
    }
    memcpy(h, dst, 6);
    memcpy(h + 6, nif->hwaddr, 6);
    wr16(h + 12, type);
    return netif_transmit(nif, nb);
}
