/*
 * kernel/net/net.h — the network stack as the rest of the kernel sees it:
 * stack instances, packet buffers, interfaces, routes, DHCP and DNS.
 * The socket API is in net/socket.h.
 *
 * Addresses (ip4_addr_t) and ports are in host byte order everywhere in this
 * API; only the wire format is big-endian. Functions return 0 or a negative
 * errno unless they say otherwise.
 *
 * One struct net_stack holds all state; the kernel has one (net_default()),
 * host tests create two and connect them with an in-process wire.
 */
#ifndef KPIO_NET_H
#define KPIO_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/list.h"
#include "net/netopts.h"

typedef uint32_t ip4_addr_t;

#define IP4(a, b, c, d) \
    ((ip4_addr_t)(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d)))
#define IP4_ANY       ((ip4_addr_t)0)
#define IP4_BROADCAST ((ip4_addr_t)0xffffffffu)
#define IP4_LOOPBACK  IP4(127, 0, 0, 1)

struct net_stack;
struct netif;

/* ------------------------------------------------------------------ */
/* Packet buffers: one contiguous frame with headroom for headers.     */

#define NETBUF_RX_CSUM_OK  0x1   /* device verified L4 checksum (virtio DATA_VALID) */
#define NETBUF_TX_CSUM     0x2   /* device must complete the L4 checksum */
#define NETBUF_BROADCAST   0x4   /* arrived as link-layer broadcast */

struct netbuf {
    struct list_node node;    /* for whoever queues it */
    struct netif *netif;      /* receiving interface */
    uint8_t *data;            /* first valid byte */
    uint32_t len;             /* valid bytes */
    uint32_t size;            /* bytes in buf[] */
    uint32_t flags;           /* NETBUF_* */
    uint16_t csum_start;      /* with NETBUF_TX_CSUM: offset of the L4 header from buf[0] */
    uint16_t csum_offset;     /* ... and of the checksum field within that header */
    uint32_t meta[2];         /* scratch for the layer that owns it (fragment offset, source) */
    uint8_t buf[];
};

/* A buffer with `headroom` bytes before data and room for `len` bytes; NULL if out of memory. */
struct netbuf *netbuf_alloc(uint32_t headroom, uint32_t len);
void netbuf_free(struct netbuf *nb);
/* Grow data at the front by n bytes (for a header); NULL if no headroom. */
void *netbuf_push(struct netbuf *nb, uint32_t n);
/* Drop n bytes from the front; NULL if shorter. Returns the new data. */
void *netbuf_pull(struct netbuf *nb, uint32_t n);
/* Cut the buffer to len bytes (no-op if already shorter). */
void netbuf_trim(struct netbuf *nb, uint32_t len);
/* Live netbufs in the whole system (leak checks). */
long netbuf_live(void);

/* ------------------------------------------------------------------ */
/* Interfaces                                                          */

#define NETIF_UP        0x01   /* administratively up */
#define NETIF_LINK_UP   0x02   /* carrier present */
#define NETIF_LOOPBACK  0x04
#define NETIF_ETHERNET  0x08   /* frames carry an Ethernet header; uses ARP */
#define NETIF_TX_CSUM   0x10   /* device completes TCP/UDP checksums */
#define NETIF_RX_CSUM   0x20   /* device may mark received checksums as verified */

struct netif_ops {
    /* Send one frame; takes ownership of nb in all cases. */
    int (*transmit)(struct netif *nif, struct netbuf *nb);
};

struct netif_stats {
    uint64_t rx_packets, rx_bytes, rx_dropped, rx_errors;
    uint64_t tx_packets, tx_bytes, tx_dropped, tx_errors;
};

struct netif {
    struct list_node node;
    struct net_stack *stack;
    char name[NET_IFNAME_MAX];
    uint8_t hwaddr[6];
    uint16_t mtu;
    uint32_t flags;
    ip4_addr_t addr;
    uint8_t prefix_len;
    const struct netif_ops *ops;
    void *driver;
    struct netif_stats stats;
    struct dhcp_client *dhcp;
};

/* Attach a driver-filled netif (name, hwaddr, mtu, flags, ops) to a stack. */
int netif_add(struct net_stack *ns, struct netif *nif);
void netif_remove(struct netif *nif);
struct netif *netif_find(struct net_stack *ns, const char *name);
/* Pass a received frame to the stack; takes ownership. Thread context only. */
void netif_input(struct netif *nif, struct netbuf *nb);
/* Carrier changed (drivers call this); gratuitous ARP on link up. */
void netif_set_link(struct netif *nif, bool up);
void netif_set_up(struct netif *nif, bool up);
/* Configure the address and prefix (0.0.0.0 removes it); adds the connected route. */
int netif_set_addr(struct netif *nif, ip4_addr_t addr, unsigned prefix_len);
/* Call fn for each interface (under the stack lock; fn must not call the stack). */
void netif_foreach(struct net_stack *ns, void (*fn)(struct netif *, void *), void *arg);

/* ------------------------------------------------------------------ */
/* Stacks                                                              */

struct net_stack *net_stack_create(const char *name);
/* Close every socket and free everything; interfaces must be removed first. */
void net_stack_destroy(struct net_stack *ns);
/* The kernel's stack (created by net_init, which also registers the
 * monitor commands and the virtio-net driver). */
struct net_stack *net_default(void);
int net_init(void);
/* For drivers: configure a new interface as the kernel command line says
 * (ip=dhcp, the default; ip=ADDR/PREFIX[,GATEWAY]; ip=off). */
void net_configure_netif(struct netif *nif);

/* Tests drive time themselves: clock() replaces time_ns() and timers only run
 * from net_run_timers(). */
void net_set_manual_clock(struct net_stack *ns, uint64_t (*clock)(void *), void *arg);
/* Earliest pending timer deadline (UINT64_MAX if none). */
uint64_t net_next_deadline(struct net_stack *ns);
/* Run every timer due at the stack's clock. */
void net_run_timers(struct net_stack *ns);
void net_seed_random(struct net_stack *ns, uint64_t seed);

/* ------------------------------------------------------------------ */
/* Routes: longest prefix wins, then lowest metric.                    */

struct net_route {
    ip4_addr_t dest;
    uint8_t prefix_len;
    ip4_addr_t gateway;       /* 0: destination is on the link */
    struct netif *netif;
    uint32_t metric;
};

int net_route_add(struct net_stack *ns, ip4_addr_t dest, unsigned prefix_len,
                  ip4_addr_t gateway, struct netif *nif, uint32_t metric);
int net_route_del(struct net_stack *ns, ip4_addr_t dest, unsigned prefix_len, ip4_addr_t gateway);
/* Copy up to max routes to out; returns how many there are. */
int net_route_list(struct net_stack *ns, struct net_route *out, int max);

/* ------------------------------------------------------------------ */
/* ARP cache                                                           */

struct net_arp_info {
    ip4_addr_t addr;
    uint8_t hwaddr[6];
    bool resolved;
    bool permanent;
    char ifname[NET_IFNAME_MAX];
    uint64_t expires_in_ms;
};
int net_arp_list(struct net_stack *ns, struct net_arp_info *out, int max);
int net_arp_add(struct net_stack *ns, struct netif *nif, ip4_addr_t addr, const uint8_t hw[6]);
int net_arp_del(struct net_stack *ns, ip4_addr_t addr);

/* ------------------------------------------------------------------ */
/* DHCP client (RFC 2131)                                              */

enum dhcp_state {
    DHCP_OFF, DHCP_INIT, DHCP_SELECTING, DHCP_REQUESTING, DHCP_BOUND,
    DHCP_RENEWING, DHCP_REBINDING,
    DHCP_PROBING,             /* ACKed: checking with ARP that nobody uses the address */
};

struct dhcp_lease {
    enum dhcp_state state;
    ip4_addr_t addr, server, router, dns[NET_DNS_SERVERS_MAX];
    uint8_t prefix_len;
    uint32_t lease_s, t1_s, t2_s;
    uint64_t bound_at_ns;
    uint32_t renewals;        /* successful renewals or rebindings */
    uint32_t declines;        /* addresses refused because another host had them */
};

/* Start DHCP on an interface; the address is configured when a lease is bound. */
int dhcp_start(struct netif *nif);
void dhcp_stop(struct netif *nif);
/* Current state and lease; -ENOENT if DHCP never started there. */
int dhcp_get_lease(struct netif *nif, struct dhcp_lease *out);
/* Block until bound or timeout; 0 when bound, -ETIMEDOUT otherwise. */
int dhcp_wait_bound(struct netif *nif, uint64_t timeout_ns);

/* ------------------------------------------------------------------ */
/* DNS stub resolver (RFC 1035)                                        */

int dns_set_servers(struct net_stack *ns, const ip4_addr_t *servers, int n);
int dns_get_servers(struct net_stack *ns, ip4_addr_t *out, int max);
/* Static hosts table: consulted before the network. */
int dns_hosts_add(struct net_stack *ns, const char *name, ip4_addr_t addr);
int dns_hosts_del(struct net_stack *ns, const char *name);
void dns_cache_flush(struct net_stack *ns);

/* Called once with the result: 0 and the addresses (up to NET_DNS_ADDRS_MAX),
 * -ENOENT (no such name or no A record), -ETIMEDOUT, -EHOSTUNREACH (no server),
 * -EIO (bad answers), -EMSGSIZE (truncated: the answer needs TCP, which
 * dns_lookup then uses). cname is the canonical name when a chain was followed. */
typedef void (*dns_callback)(void *arg, int status, const ip4_addr_t *addrs, int n,
                             const char *cname);
/* Start a lookup; the callback may run before this returns (cache, hosts, literal). */
int dns_lookup_async(struct net_stack *ns, const char *name, dns_callback cb, void *arg);
/* Blocking lookup: returns the number of addresses (>0) or a negative errno. */
int dns_lookup(struct net_stack *ns, const char *name, ip4_addr_t *addrs, int max);

/* ------------------------------------------------------------------ */
/* Counters                                                            */

struct net_counters {
    uint64_t eth_in, eth_bad, eth_unknown_type;
    uint64_t arp_in, arp_bad, arp_requests_sent, arp_replies_sent, arp_timeouts;
    uint64_t ip_in, ip_bad_header, ip_bad_checksum, ip_not_for_us, ip_unknown_proto;
    uint64_t ip_out, ip_no_route, ip_frags_in, ip_reassembled, ip_reass_fail, ip_frags_out;
    uint64_t icmp_in, icmp_bad, icmp_echo_replied, icmp_errors_sent, icmp_errors_limited;
    uint64_t udp_in, udp_bad, udp_no_port, udp_queue_full, udp_out;
    uint64_t tcp_in, tcp_bad_checksum, tcp_bad_header, tcp_out, tcp_retransmits;
    uint64_t tcp_fast_retransmits, tcp_timeouts, tcp_resets_sent, tcp_resets_received;
    uint64_t tcp_active_opens, tcp_passive_opens, tcp_syn_dropped, tcp_syn_evicted;
    uint64_t tcp_out_of_window, tcp_ooo_segments, tcp_dup_segments, tcp_challenge_acks;
    uint64_t tcp_paws_dropped, tcp_listen_overflows, tcp_time_wait_recycled;
    uint64_t dns_queries, dns_answers, dns_bad_answers, dns_timeouts;
    uint64_t dhcp_sent, dhcp_received, dhcp_bad;
};
void net_get_counters(struct net_stack *ns, struct net_counters *out);
/* TCP connections / UDP endpoints / half-open / TIME_WAIT counts, and pcb memory. */
struct net_usage {
    uint32_t tcp_pcbs, tcp_listeners, tcp_half_open, tcp_time_wait;
    uint32_t udp_pcbs, sockets;
};
void net_get_usage(struct net_stack *ns, struct net_usage *out);

/* Dotted-quad helpers: returns 0 or -EINVAL / writes at least 16 bytes. */
int ip4_parse(const char *s, ip4_addr_t *out);
char *ip4_format(ip4_addr_t a, char buf[16]);

#endif
