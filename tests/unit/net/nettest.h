/*
 * tests/unit/net/nettest.h — helpers for the network stack's host tests:
 * a virtual clock, an in-process Ethernet wire between stacks with injected
 * loss, duplication, reordering and delay, capture ports for feeding a
 * single stack hand-made frames, and frame builders with their own
 * (independent) checksum code.
 */
#ifndef NETTEST_H
#define NETTEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "net/netpriv.h"

/* ---- virtual time ---- */
extern uint64_t nt_now;
uint64_t nt_clock(void *arg);

/* ---- wires ---- */
struct nt_wire_cfg {
    uint32_t loss_pct_x100;      /* per 10000 frames */
    uint32_t dup_pct_x100;
    uint32_t reorder_pct_x100;   /* held back by reorder_ns */
    uint64_t delay_ns;           /* one way */
    uint64_t reorder_ns;
    uint64_t seed;
};

struct nt_wire;
struct nt_port {
    struct netif nif;
    struct nt_wire *wire;        /* NULL: a capture port */
    struct nt_port *peer;
    struct list_node captured;   /* frames sent by a capture port's stack */
    uint32_t ncaptured;
};

struct nt_wire {
    struct nt_port a, b;
    struct nt_wire_cfg cfg;
    uint64_t rng;
    struct list_node in_flight;  /* struct nt_frame, by delivery time */
    uint64_t frames, lost, duplicated, reordered;
    /* Optional: return false to drop a frame (after impairments); sees A->B as from_a. */
    bool (*filter)(void *arg, bool from_a, const uint8_t *frame, uint32_t len);
    void *filter_arg;
};

/* Two stacks, A = 10.0.0.1/24 and B = 10.0.0.2/24, on one wire, manual clocks. */
struct nt_pair {
    struct net_stack *a, *b;
    struct nt_wire *wire;
};
void nt_pair_init(struct nt_pair *p, const struct nt_wire_cfg *cfg);
void nt_pair_destroy(struct nt_pair *p);

/* Run both stacks in virtual time until cond(arg) holds (checked after
 * every event and at least every 10 ms) or max_ns pass. Returns cond's final value. cond may be NULL
 * (just let time pass). */
bool nt_run(struct nt_pair *p, bool (*cond)(void *arg), void *arg, uint64_t max_ns);

/* ---- a single stack on a capture port (10.0.0.1/24, MAC 02:00:00:00:00:01) ---- */
struct nt_single {
    struct net_stack *ns;
    struct nt_port port;
};
void nt_single_init(struct nt_single *s);
void nt_single_destroy(struct nt_single *s);
/* Feed a frame (copied) into the stack. */
void nt_inject(struct nt_single *s, const uint8_t *frame, uint32_t len);
/* The oldest frame the stack sent, or NULL; free with netbuf_free. */
struct netbuf *nt_pop_sent(struct nt_single *s);
void nt_drain_sent(struct nt_single *s);
/* Advance the clock by dt and run timers. */
void nt_advance(struct nt_single *s, uint64_t dt);

/* ---- frame building (independent checksum code) ---- */
extern const uint8_t NT_MAC_A[6], NT_MAC_B[6], NT_MAC_PEER[6];
uint16_t nt_csum(const uint8_t *p, size_t len, uint32_t initial);
/* Ethernet + IPv4 header + payload; returns the frame length. */
uint32_t nt_build_ip(uint8_t *frame, const uint8_t dst_mac[6], const uint8_t src_mac[6],
                     uint32_t src, uint32_t dst, uint8_t proto, uint8_t ttl, uint16_t id,
                     uint16_t frag, const uint8_t *payload, uint32_t len);
/* UDP datagram inside an IPv4 frame. */
uint32_t nt_build_udp(uint8_t *frame, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
                      const uint8_t *data, uint32_t len);
/* TCP segment (options optional) inside an IPv4 frame. */
uint32_t nt_build_tcp(uint8_t *frame, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
                      uint32_t seq, uint32_t ack, uint8_t flags, uint16_t wnd,
                      const uint8_t *opts, uint32_t optlen, const uint8_t *data, uint32_t len);
/* Parsed view of a sent IPv4 frame (false if not IPv4/valid). */
struct nt_ip_view {
    uint32_t src, dst;
    uint8_t proto, ttl;
    uint16_t id, frag;
    const uint8_t *l4;
    uint32_t l4len;
};
bool nt_parse_ip(const struct netbuf *nb, struct nt_ip_view *v);

/* Leak check helpers: counts at start, compared at the end. */
struct nt_leak { long netbufs; uint64_t heap; };
void nt_leak_start(struct nt_leak *l);
void nt_leak_check(const struct nt_leak *l);

/* Suite summary for tools/run-tests. */
int nt_report(const char *suite, int total, int failed);

#endif
