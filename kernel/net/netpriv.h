/*
 * kernel/net/netpriv.h — the network stack's private header: wire helpers,
 * the stack structure, timers, and the functions protocols call on each other.
 * Only files in kernel/net/ (and its tests) include it.
 *
 * Concurrency: one mutex per stack (net_lock/net_unlock) covers all of its
 * state. Drivers' receive threads, the timer and socket calls all take it.
 * Frames looped back while the lock is held are queued and handled by
 * net_unlock, so protocol code never re-enters itself.
 */
#ifndef KPIO_NETPRIV_H
#define KPIO_NETPRIV_H

#include "lib/lib.h"
#include "lib/list.h"
#include "core/log.h"
#include "core/time.h"
#include "mm/mm.h"
#include "sched/sched.h"
#include "net/net.h"
#include "net/socket.h"

/* ---- wire byte order ---- */
static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

/* Sequence-number comparisons modulo 2^32 (RFC 9293 §3.4). */
static inline bool seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool seq_le(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }
static inline bool seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }
static inline bool seq_ge(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }
static inline uint32_t seq_max(uint32_t a, uint32_t b) { return seq_gt(a, b) ? a : b; }
static inline uint32_t seq_min(uint32_t a, uint32_t b) { return seq_lt(a, b) ? a : b; }

/* ---- protocol numbers and sizes ---- */
#define ETH_HLEN        14
#define ETH_TYPE_IP     0x0800
#define ETH_TYPE_ARP    0x0806
#define IP_HLEN         20
#define IP_PROTO_ICMP   1
#define IP_PROTO_TCP    6
#define IP_PROTO_UDP    17
#define UDP_HLEN        8
#define TCP_HLEN        20
#define ICMP_HLEN       8

/* ---- checksums (RFC 1071) ---- */
/* One's-complement sum of len bytes added to sum (not folded, not inverted). */
uint32_t csum_add(uint32_t sum, const void *data, size_t len);
/* Fold to 16 bits and invert: the value to put in a checksum field. */
uint16_t csum_fold(uint32_t sum);
/* Pseudo-header sum for TCP/UDP (RFC 9293 §3.1, RFC 768). */
uint32_t csum_pseudo(ip4_addr_t src, ip4_addr_t dst, uint8_t proto, uint16_t len);

/* ---- stack timers: a min-heap ordered by deadline, run under the stack lock ---- */
struct net_timer {
    uint64_t deadline;
    int32_t heap_index;          /* -1 when not armed */
    void (*fn)(struct net_stack *ns, struct net_timer *t);
};
/* Reserve a heap slot for t (so arming never fails); -ENOMEM on failure. */
int ntimer_init(struct net_stack *ns, struct net_timer *t,
                void (*fn)(struct net_stack *, struct net_timer *));
void ntimer_destroy(struct net_stack *ns, struct net_timer *t);
void ntimer_arm(struct net_stack *ns, struct net_timer *t, uint64_t deadline);
void ntimer_cancel(struct net_stack *ns, struct net_timer *t);
static inline bool ntimer_armed(const struct net_timer *t) { return t->heap_index >= 0; }

/* ---- ARP ---- */
struct netbuf_queue {
    struct list_node head;
    uint32_t count;
};

struct arp_entry {
    ip4_addr_t addr;
    uint8_t hwaddr[6];
    uint8_t state;               /* ARP_FREE, ARP_PENDING, ARP_RESOLVED */
    uint8_t retries;
    bool permanent;
    struct netif *netif;
    uint64_t expires;            /* resolved: end of life; pending: next retry */
    struct netbuf_queue pending; /* IP packets waiting for the answer */
};

/* ---- IPv4 reassembly (RFC 791 §3.2, RFC 815) ---- */
struct ip_reass {
    struct list_node node;
    ip4_addr_t src, dst;
    uint16_t id;
    uint8_t proto;
    bool have_last;
    uint32_t total_len;          /* payload length, once the last fragment is in */
    uint32_t bytes;              /* payload bytes held */
    uint32_t nfrags;
    uint64_t expires;
    struct list_node frags;      /* netbufs sorted by offset (meta[0]); data = payload */
    struct netbuf *first;        /* the offset-0 fragment with its header, for ICMP errors */
};

/* ---- datagram endpoints (UDP, and ICMP echo ids for ping sockets) ---- */
struct udp_pcb;
typedef void (*udp_recv_fn)(void *arg, struct udp_pcb *pcb, struct netbuf *nb,
                            ip4_addr_t src, uint16_t sport, struct netif *nif);
struct udp_pcb {
    struct list_node node;
    struct net_stack *stack;
    uint8_t proto;               /* IP_PROTO_UDP or IP_PROTO_ICMP */
    ip4_addr_t local_addr, remote_addr;
    uint16_t local_port, remote_port;
    struct netif *bound_netif;   /* send and receive only there (DHCP) */
    bool broadcast, reuse;
    uint8_t ttl;
    int error;                   /* ICMP-reported error for a connected socket */
    udp_recv_fn recv;            /* internal users; otherwise queued for the socket */
    void *recv_arg;
    struct socket *sock;
    struct list_node rxq;        /* netbufs: data = payload, meta[0] = src, meta[1] = port */
    uint32_t rxq_bytes, rxq_limit;
};

/* ---- TCP ---- */
enum tcp_state {
    TCP_CLOSED, TCP_LISTEN, TCP_SYN_SENT, TCP_SYN_RECEIVED, TCP_ESTABLISHED,
    TCP_FIN_WAIT_1, TCP_FIN_WAIT_2, TCP_CLOSE_WAIT, TCP_CLOSING, TCP_LAST_ACK,
    TCP_TIME_WAIT,
};
extern const char *const tcp_state_names[];

struct tcp_range { uint32_t start, end; };

/* A byte ring; the send ring holds data from snd_una, the receive ring holds
 * unread in-order data followed by room for out-of-order data. */
struct tcp_ring {
    uint8_t *buf;
    uint32_t cap;
    uint32_t head;               /* index of the first byte */
    uint32_t len;                /* bytes held from head */
};

#define TF_ACK_NOW      0x0001   /* send an ACK at the next output */
#define TF_DELACK       0x0002   /* an ACK is owed, the delayed-ACK timer runs */
#define TF_NODELAY      0x0004   /* Nagle off */
#define TF_FIN_QUEUED   0x0008   /* the user closed the sending side */
#define TF_FIN_SENT     0x0010   /* our FIN has a sequence number (snd_max covers it) */
#define TF_FIN_RCVD     0x0020   /* the peer's FIN was taken in order */
#define TF_TS           0x0040   /* timestamps agreed (RFC 7323) */
#define TF_SACK         0x0080   /* SACK agreed (RFC 2018) */
#define TF_WSCALE       0x0100   /* window scaling agreed (RFC 7323) */
#define TF_RECOVERY     0x0200   /* in fast recovery (RFC 6582) */
#define TF_SHUT_RD      0x0400   /* the user will read no more */
#define TF_RTT_TIMING   0x0800   /* rtt_seq is being timed (no timestamps) */
#define TF_OOO_FIN      0x1000   /* a FIN arrived ahead of missing data: fin_seq */
#define TF_KEEPALIVE    0x2000
#define TF_LINGER_ZERO  0x4000
#define TF_REUSEADDR    0x8000
#define TF_WIN_UPDATE   0x10000  /* the window opened enough to announce it */
#define TF_NEED_OUTPUT  0x20000
#define TF_FIN_ACKED    0x40000  /* our FIN was acknowledged */
#define TF_FORCE        0x80000  /* send into a small window once (SWS override) */
#define TF_TLP_OUT      0x100000 /* a tail loss probe is outstanding (RFC 8985) */
#define TF_LOSS         0x200000 /* recovering from a timeout with SACK: holes first */

struct tcp_pcb {
    struct list_node all_node;       /* ns->tcp_all */
    struct list_node hash_node;      /* a hash bucket, or ns->tcp_listeners */
    struct list_node queue_node;     /* listener's half-open/accept queue, or TIME_WAIT fifo */
    struct net_stack *stack;
    struct socket *sock;             /* NULL while queued on a listener or orphaned */
    struct tcp_pcb *listener;        /* while queued */
    enum tcp_state state;
    bool hashed;
    ip4_addr_t local_addr, remote_addr;
    uint16_t local_port, remote_port;
    uint32_t flags;                  /* TF_* */
    int error;                       /* to report to the user (negative errno) */
    uint8_t ttl;

    /* send sequence space (RFC 9293 §3.3.1) */
    uint32_t iss, snd_una, snd_nxt, snd_max, snd_wl1, snd_wl2;
    uint32_t snd_wnd;                /* peer's window in bytes (scaled) */
    uint32_t snd_wnd_max;
    uint16_t mss;                    /* data bytes per segment (options excluded) */
    uint16_t peer_mss;
    uint8_t snd_wscale, rcv_wscale;
    struct tcp_ring snd;
    uint32_t snd_buf_size;

    /* receive sequence space */
    uint32_t irs, rcv_nxt, rcv_adv, fin_seq;
    struct tcp_ring rcv;
    uint32_t rcv_buf_size;
    struct tcp_range ooo[NET_TCP_OOO_MAX];  /* out-of-order data held, sorted */
    uint8_t ooo_count;
    uint8_t ooo_latest;              /* index of the range touched last (first SACK block) */
    uint8_t segs_unacked;            /* full segments received since our last ACK */
    uint32_t dsack_start, dsack_end; /* a duplicate to report (RFC 2883), if end != start */

    /* timestamps (RFC 7323 §3, §4) */
    uint32_t ts_recent, ts_offset, last_ack_sent;

    /* RTT and RTO (RFC 6298), in microseconds / milliseconds */
    uint32_t srtt_us, rttvar_us, rto_ms;
    uint32_t rtt_seq;
    uint64_t rtt_start;
    uint8_t retries;                 /* consecutive timeouts */
    uint8_t persist_backoff;

    /* congestion control: NewReno (RFC 5681, RFC 6582) with SACK-based recovery (RFC 6675) */
    uint32_t cwnd, ssthresh, dupacks, recover, bytes_acked;
    struct tcp_range sacked[NET_TCP_SACK_MAX];   /* scoreboard: peer holds these, sorted */
    uint8_t sacked_count;
    uint32_t rexmit_nxt;             /* in recovery: next hole to retransmit from */
    uint32_t rexmit_mark;            /* snd_max at the last hole retransmission */
    uint64_t rexmit_time;            /* ... and when it was sent */
    uint32_t lost_end;               /* after a timeout: unSACKed data below this is lost */
    uint32_t sacked_bytes;

    /* timers: one stack timer at the earliest of these deadlines (0 = off) */
    struct net_timer timer;
    uint64_t rto_deadline, persist_deadline, delack_deadline, wait_deadline, keepalive_deadline;
    uint64_t tlp_deadline;
    uint64_t last_rx;                /* for keepalive */
    uint8_t keepalive_probes;

    /* listeners */
    uint16_t backlog;
    uint16_t accept_count, half_open_count;
    struct list_node accept_q, half_open_q;
};

/* ---- sockets ---- */
struct socket {
    struct list_node node;           /* ns->sockets */
    struct net_stack *stack;
    enum sock_type type;
    bool nonblock;
    bool listen_shut;                /* shutdown() on a listener: accept fails */
    uint64_t rcvtimeo_ns, sndtimeo_ns;
    struct tcp_pcb *tcp;
    struct udp_pcb *udp;
    struct condvar cv;               /* waits for this socket's events */
    uint32_t tcp_rcvbuf, tcp_sndbuf; /* chosen before connect/listen */
    uint32_t tcp_flags;              /* TF_NODELAY etc. to apply to the pcb */
};

struct dhcp_client;
struct dns_resolver;

/* ---- the stack ---- */
struct net_stack {
    struct mutex lock;
    char name[16];
    uint64_t (*clock)(void *arg);    /* NULL: time_ns() */
    void *clock_arg;
    bool manual;                     /* timers only run from net_run_timers() */

    /* timers */
    struct net_timer **heap;
    uint32_t heap_len, heap_cap, timers_registered;
    struct ktimer ktimer;
    uint64_t ktimer_deadline;        /* what ktimer is armed for; 0 = not armed */
    volatile int ktimer_busy;        /* armed or its callback running */
    bool dying;

    uint64_t rng;                    /* xorshift64* state */

    struct list_node netifs;
    struct netif *loopback;
    struct list_node deferred;       /* frames looped back under the lock */
    uint32_t deferred_count;

    struct net_route routes[NET_ROUTES_MAX];
    int nroutes;

    struct arp_entry arp[NET_ARP_CACHE_SIZE];
    struct net_timer arp_timer;

    uint16_t ip_id;
    struct list_node reass;
    uint32_t reass_count, reass_bytes;
    struct net_timer reass_timer;

    uint64_t icmp_tokens_time;       /* rate limiting of ICMP errors */
    uint32_t icmp_tokens;

    struct list_node udp_pcbs;       /* UDP and ICMP echo endpoints */

    struct list_node tcp_all;
    struct list_node tcp_listeners;
    struct list_node tcp_hash[NET_TCP_HASH_BUCKETS];
    struct list_node tcp_time_wait;  /* oldest first */
    uint32_t tcp_count, tcp_half_open, tcp_time_wait_count;
    uint32_t isn_secret[4];
    uint64_t challenge_time;
    uint32_t challenge_count;

    struct list_node sockets;
    uint32_t socket_count;
    struct condvar poll_cv;          /* broadcast on every socket event */
    uint32_t pollers;

    struct dns_resolver *dns;
    struct net_counters counters;
};

#define NET_STAT(ns, field) ((ns)->counters.field++)

/* ---- core (stack.c) ---- */
void net_lock(struct net_stack *ns);
/* Handle looped-back frames, re-arm the timer, then release the lock. */
void net_unlock(struct net_stack *ns);
/* Handle looped-back frames now (lock held). */
void net_flush(struct net_stack *ns);
uint64_t net_now(struct net_stack *ns);
uint32_t net_random(struct net_stack *ns);
/* Wait on cv with the lock held; false on timeout (timeout_ns 0 = forever).
 * May return early (spuriously): callers loop on their condition. */
bool net_wait(struct net_stack *ns, struct condvar *cv, uint64_t timeout_ns);
/* Queue a frame for input after the current operation (loopback). */
void net_defer_input(struct net_stack *ns, struct netif *nif, struct netbuf *nb);
/* Wake everyone waiting on the socket and every poller. */
void sock_wakeup(struct socket *s);

/* ---- interfaces and routes (netif.c, route.c) ---- */
/* Dispatch a received frame by interface type (lock held). */
void netif_receive(struct netif *nif, struct netbuf *nb);
/* Send a finished frame through the driver (counts, checks up/link); takes nb. */
int netif_transmit(struct netif *nif, struct netbuf *nb);
bool netif_is_local_addr(struct net_stack *ns, ip4_addr_t addr);
struct netif *netif_by_addr(struct net_stack *ns, ip4_addr_t addr);
bool netif_is_broadcast(struct netif *nif, ip4_addr_t addr);
int loopback_create(struct net_stack *ns);
/* Route lookup: the interface and next hop for dst, or NULL. */
struct netif *route_lookup(struct net_stack *ns, ip4_addr_t dst, ip4_addr_t *next_hop);
int route_add_locked(struct net_stack *ns, ip4_addr_t dest, unsigned prefix_len,
                     ip4_addr_t gateway, struct netif *nif, uint32_t metric);
int route_del_locked(struct net_stack *ns, ip4_addr_t dest, unsigned prefix_len, ip4_addr_t gateway);
int netif_set_addr_locked(struct netif *nif, ip4_addr_t addr, unsigned prefix_len);
void route_remove_netif(struct net_stack *ns, struct netif *nif);
void route_netif_addr_changed(struct netif *nif, ip4_addr_t old_addr, unsigned old_prefix);
static inline ip4_addr_t ip4_mask(unsigned prefix_len)
{
    return prefix_len == 0 ? 0 : (ip4_addr_t)(0xffffffffu << (32 - prefix_len));
}

/* ---- Ethernet (eth.c) ---- */
void eth_input(struct netif *nif, struct netbuf *nb);
/* Send nb (an IP packet) to the link address dst. */
int eth_output(struct netif *nif, struct netbuf *nb, const uint8_t dst[6], uint16_t type);
extern const uint8_t eth_broadcast_addr[6];

/* ---- ARP (arp.c) ---- */
int arp_init(struct net_stack *ns);
void arp_input(struct netif *nif, struct netbuf *nb);
/* Send an IP packet to next_hop on nif, resolving the address first if needed. */
int arp_output(struct netif *nif, struct netbuf *nb, ip4_addr_t next_hop);
void arp_announce(struct netif *nif);
/* An ARP probe for addr (RFC 5227 §2.1.1: sender address 0). */
void arp_probe(struct netif *nif, ip4_addr_t addr);
void arp_flush_netif(struct net_stack *ns, struct netif *nif);
void arp_shutdown(struct net_stack *ns);

/* ---- IPv4 (ipv4.c, ip_reass.c) ---- */
int ip_init(struct net_stack *ns);
void ip_input(struct netif *nif, struct netbuf *nb);
/* Prepend an IPv4 header to the payload in nb and send it; takes nb.
 * src 0 picks the outgoing interface's address; nif forces an interface. */
int ip_output(struct net_stack *ns, struct netbuf *nb, ip4_addr_t src, ip4_addr_t dst,
              uint8_t proto, uint8_t ttl, struct netif *nif);
/* The source address to use towards dst (0 if unroutable). */
ip4_addr_t ip_select_source(struct net_stack *ns, ip4_addr_t dst);
uint16_t ip_mtu_to(struct net_stack *ns, ip4_addr_t dst);
/* Reassembly: returns the whole datagram (header + payload) or NULL (kept / dropped). */
struct netbuf *ip_reass_add(struct net_stack *ns, struct netbuf *nb);
void ip_reass_shutdown(struct net_stack *ns);

/* ---- ICMP (icmp.c) ---- */
void icmp_input(struct netif *nif, struct netbuf *nb, ip4_addr_t src, ip4_addr_t dst);
/* Send destination unreachable (code) about the datagram in orig (header at data). */
void icmp_send_unreachable(struct net_stack *ns, struct netbuf *orig, uint8_t code);
/* "Time exceeded in reassembly" about a datagram (RFC 1122 §3.3.2). */
void icmp_send_reass_timeout(struct net_stack *ns, struct netbuf *orig);
#define ICMP_UNREACH_NET        0
#define ICMP_UNREACH_HOST       1
#define ICMP_UNREACH_PROTOCOL   2
#define ICMP_UNREACH_PORT       3
#define ICMP_UNREACH_NEEDFRAG   4

/* ---- UDP (udp.c) and ping endpoints ---- */
struct udp_pcb *udp_new(struct net_stack *ns, uint8_t proto);
int udp_bind(struct udp_pcb *pcb, ip4_addr_t addr, uint16_t port);
int udp_connect(struct udp_pcb *pcb, ip4_addr_t addr, uint16_t port);
/* Send len bytes to dst:port (or the connected peer when dst is 0). */
int udp_sendto(struct udp_pcb *pcb, const void *data, size_t len, ip4_addr_t dst, uint16_t port);
void udp_free(struct udp_pcb *pcb);
void udp_input(struct netif *nif, struct netbuf *nb, ip4_addr_t src, ip4_addr_t dst);
/* Queue nb for the pcb's socket or hand it to its callback. */
void udp_deliver(struct udp_pcb *pcb, struct netbuf *nb, ip4_addr_t src, uint16_t port,
                 struct netif *nif);
/* Report an ICMP error about a datagram we sent. */
void udp_icmp_error(struct net_stack *ns, uint8_t proto, ip4_addr_t dst, uint16_t dport,
                    uint16_t sport, int err);
struct udp_pcb *udp_find_ping(struct net_stack *ns, uint16_t id);
int net_alloc_port(struct net_stack *ns, uint8_t proto);

/* ---- TCP (tcp.c, tcp_in.c, tcp_out.c, tcp_cc.c, tcp_buf.c) ---- */
int tcp_init(struct net_stack *ns);
void tcp_shutdown_all(struct net_stack *ns);
void tcp_input(struct netif *nif, struct netbuf *nb, ip4_addr_t src, ip4_addr_t dst);
void tcp_icmp_error(struct net_stack *ns, ip4_addr_t dst, uint16_t dport, uint16_t sport,
                    uint8_t code);
struct tcp_pcb *tcp_new(struct net_stack *ns);
int tcp_bind(struct tcp_pcb *pcb, ip4_addr_t addr, uint16_t port);
int tcp_listen(struct tcp_pcb *pcb, int backlog);
int tcp_connect(struct tcp_pcb *pcb, ip4_addr_t addr, uint16_t port);
/* Queue up to len bytes for sending; returns bytes taken (0 if full). */
long tcp_write(struct tcp_pcb *pcb, const uint8_t *data, size_t len);
/* Copy up to len received bytes; consume unless peek. Returns bytes copied. */
long tcp_read(struct tcp_pcb *pcb, uint8_t *data, size_t len, bool peek);
void tcp_shutdown_write(struct tcp_pcb *pcb);
/* Drop the user's reference; the connection closes (or resets) in the background. */
void tcp_close(struct tcp_pcb *pcb);
void tcp_abort(struct tcp_pcb *pcb);
struct tcp_pcb *tcp_accept_next(struct tcp_pcb *listener);
uint32_t tcp_send_space(const struct tcp_pcb *pcb);
uint32_t tcp_readable(const struct tcp_pcb *pcb);
bool tcp_is_connected(const struct tcp_pcb *pcb);

/* ---- TCP internals ---- */

/* A parsed incoming segment. */
struct tcp_seg {
    ip4_addr_t src, dst;
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;              /* TCP_FIN ... */
    uint16_t wnd;               /* raw window field */
    const uint8_t *data;
    uint32_t len;               /* payload bytes */
    bool has_mss, has_ws, sack_ok, has_ts;
    uint16_t mss;
    uint8_t ws;
    uint32_t tsval, tsecr;
    uint8_t nsack;
    struct tcp_range sack[4];
};
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20
/* Option kinds (RFC 9293 §3.2, RFC 7323, RFC 2018). */
#define OPT_EOL       0
#define OPT_NOP       1
#define OPT_MSS       2
#define OPT_WS        3
#define OPT_SACK_PERM 4
#define OPT_SACK      5
#define OPT_TS        8

/* tcp.c */
void tcp_hash_insert(struct tcp_pcb *pcb);
void tcp_hash_remove(struct tcp_pcb *pcb);
struct tcp_pcb *tcp_lookup(struct net_stack *ns, ip4_addr_t laddr, uint16_t lport,
                           ip4_addr_t raddr, uint16_t rport);
struct tcp_pcb *tcp_lookup_listener(struct net_stack *ns, ip4_addr_t laddr, uint16_t lport);
uint32_t tcp_new_isn(struct net_stack *ns, ip4_addr_t laddr, uint16_t lport,
                     ip4_addr_t raddr, uint16_t rport);
int tcp_alloc_buffers(struct tcp_pcb *pcb);
/* Connection over: report err (0 for a normal close) and free it unless a
 * socket still holds it. */
void tcp_pcb_closed(struct tcp_pcb *pcb, int err);
void tcp_enter_time_wait(struct tcp_pcb *pcb);
/* Send a RST for a synchronized connection, then close it with err. */
void tcp_reset(struct tcp_pcb *pcb, int err);
/* Recompute the pcb's stack timer from its deadlines. */
void tcp_timer_update(struct tcp_pcb *pcb);
void tcp_established(struct tcp_pcb *pcb);
uint32_t tcp_ts_now(struct tcp_pcb *pcb);
uint32_t tcp_ts_offset(struct net_stack *ns, ip4_addr_t laddr, uint16_t lport,
                       ip4_addr_t raddr, uint16_t rport);

/* tcp_in.c */
int tcp_parse(struct netbuf *nb, ip4_addr_t src, ip4_addr_t dst, struct tcp_seg *seg);

/* tcp_out.c */
/* Send what window and congestion allow, and any owed ACK. */
void tcp_output(struct tcp_pcb *pcb);
void tcp_send_ack(struct tcp_pcb *pcb);
void tcp_send_syn(struct tcp_pcb *pcb);
/* Send len bytes from seq (data taken from the send ring) with flags. */
int tcp_send_segment(struct tcp_pcb *pcb, uint32_t seq, uint32_t len, uint8_t flags);
void tcp_send_rst(struct net_stack *ns, ip4_addr_t src, ip4_addr_t dst, uint16_t sport,
                  uint16_t dport, uint32_t seq, uint32_t ack, bool with_ack);
void tcp_send_rst_reply(struct net_stack *ns, const struct tcp_seg *seg);
void tcp_send_probe(struct tcp_pcb *pcb);
/* The window to advertise now, before scaling. */
uint32_t tcp_rcv_window(struct tcp_pcb *pcb);
void tcp_retransmit_first(struct tcp_pcb *pcb);
/* Arm the tail loss probe after new data went out (RFC 8985 §7.2). */
void tcp_arm_tlp(struct tcp_pcb *pcb);
void tcp_send_tlp(struct tcp_pcb *pcb);

/* tcp_cc.c: RTT estimation (RFC 6298) and NewReno/SACK congestion control */
void tcp_cc_init(struct tcp_pcb *pcb);
void tcp_rtt_sample(struct tcp_pcb *pcb, uint64_t rtt_us);
/* acked bytes of new data were acknowledged up to ack. */
void tcp_cc_ack(struct tcp_pcb *pcb, uint32_t acked);
/* A duplicate ACK arrived (ack == snd_una). */
void tcp_cc_dupack(struct tcp_pcb *pcb);
void tcp_cc_timeout(struct tcp_pcb *pcb);
/* Bytes in flight as RFC 6675 "pipe" (in recovery) or snd_max - snd_una. */
uint32_t tcp_pipe(const struct tcp_pcb *pcb);
/* In SACK recovery: unSACKed data below this is taken as lost. */
uint32_t tcp_lost_limit(const struct tcp_pcb *pcb);
static inline bool tcp_sack_recovering(const struct tcp_pcb *pcb)
{
    return (pcb->flags & TF_SACK) && (pcb->flags & (TF_RECOVERY | TF_LOSS));
}
uint32_t tcp_flight(const struct tcp_pcb *pcb);

/* tcp_buf.c: rings, out-of-order ranges, SACK scoreboard */
int tcp_ring_alloc(struct tcp_ring *r, uint32_t cap);
void tcp_ring_free(struct tcp_ring *r);
/* Copy len bytes at offset off from the ring's head into / out of dst. */
void tcp_ring_write_at(struct tcp_ring *r, uint32_t off, const uint8_t *src, uint32_t len);
void tcp_ring_read_at(const struct tcp_ring *r, uint32_t off, uint8_t *dst, uint32_t len);
void tcp_ring_consume(struct tcp_ring *r, uint32_t n);
/* Add [start, end) to the out-of-order ranges; false if no room. */
bool tcp_ooo_add(struct tcp_pcb *pcb, uint32_t start, uint32_t end);
/* Remove ranges now reached by rcv_nxt; returns the new rcv_nxt. */
uint32_t tcp_ooo_advance(struct tcp_pcb *pcb, uint32_t rcv_nxt);
/* Fill out[] with up to max SACK blocks, the latest first (RFC 2018 §4). */
int tcp_sack_blocks(const struct tcp_pcb *pcb, struct tcp_range *out, int max);
void tcp_scoreboard_add(struct tcp_pcb *pcb, uint32_t start, uint32_t end);
void tcp_scoreboard_advance(struct tcp_pcb *pcb);     /* drop what snd_una passed */
void tcp_scoreboard_clear(struct tcp_pcb *pcb);
/* Unsacked bytes in [start, end). */
uint32_t tcp_scoreboard_holes(const struct tcp_pcb *pcb, uint32_t start, uint32_t end);
/* The first unsacked range at or after from, below limit; false if none. */
bool tcp_scoreboard_next_hole(const struct tcp_pcb *pcb, uint32_t from, uint32_t limit,
                              struct tcp_range *hole);
uint32_t tcp_scoreboard_highest(const struct tcp_pcb *pcb);

/* ---- DHCP (dhcp.c) and DNS (dns.c) ---- */
int dns_init(struct net_stack *ns);
void dns_shutdown(struct net_stack *ns);
void dns_set_servers_locked(struct net_stack *ns, const ip4_addr_t *servers, int n);
void dhcp_free(struct netif *nif);
/* ARP saw a packet from sha claiming spa (or probing for tpa): DHCP checks it
 * against an address it is about to take (RFC 5227 §2.1.1). */
void dhcp_arp_seen(struct netif *nif, uint16_t op, const uint8_t sha[6], ip4_addr_t spa, ip4_addr_t tpa);

#endif
