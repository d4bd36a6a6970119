/*
 * kernel/net/socket.h — the kernel socket layer over the network stack:
 * TCP streams, UDP datagrams and ICMP echo ("ping") datagrams; blocking and
 * non-blocking calls, and readiness polling. The application layer exposes it
 * to WASM apps; the monitor's network commands use it directly.
 *
 * Every call returns a non-negative result or a negative errno (Linux values).
 */
#ifndef KPIO_SOCKET_H
#define KPIO_SOCKET_H

#include <stddef.h>
#include <stdint.h>
#include "net/net.h"

struct socket;

enum sock_type {
    SOCK_TCP = 1,     /* reliable byte stream */
    SOCK_UDP = 2,     /* datagrams */
    SOCK_PING = 3,    /* ICMP echo: send an echo header + payload, receive replies */
};

struct sock_addr {
    ip4_addr_t addr;
    uint16_t port;    /* for SOCK_PING: the echo identifier */
};

/* recv/send flags */
#define SOCK_DONTWAIT  0x1    /* this call does not block */
#define SOCK_PEEK      0x2    /* leave the data queued */
#define SOCK_WAITALL   0x4    /* a stream recv waits for the full length */

/* shutdown */
#define SOCK_SHUT_RD   1
#define SOCK_SHUT_WR   2
#define SOCK_SHUT_RDWR 3

/* options (sock_setopt/sock_getopt) */
enum sock_option {
    SOCKOPT_NONBLOCK = 1,   /* bool */
    SOCKOPT_NODELAY,        /* bool: TCP without Nagle */
    SOCKOPT_RCVBUF,         /* bytes (TCP before connect/listen; UDP any time) */
    SOCKOPT_SNDBUF,         /* bytes (TCP before connect/listen) */
    SOCKOPT_BROADCAST,      /* bool: UDP may send to broadcast addresses */
    SOCKOPT_REUSEADDR,      /* bool: bind over TIME_WAIT */
    SOCKOPT_RCVTIMEO_MS,    /* 0 = forever */
    SOCKOPT_SNDTIMEO_MS,
    SOCKOPT_LINGER_ZERO,    /* bool: close() resets the connection at once */
    SOCKOPT_ERROR,          /* get: the pending error (negative errno), cleared */
    SOCKOPT_TTL,
    SOCKOPT_KEEPALIVE,      /* bool */
};

/* readiness */
#define SOCK_POLLIN   0x1     /* data, a connection to accept, or end of stream */
#define SOCK_POLLOUT  0x4     /* room to send / connection completed */
#define SOCK_POLLERR  0x8
#define SOCK_POLLHUP  0x10    /* both directions closed */

struct sock_pollfd {
    struct socket *sock;
    unsigned events;
    unsigned revents;
};

int sock_open(struct net_stack *ns, enum sock_type type, struct socket **out);
int sock_bind(struct socket *s, const struct sock_addr *local);
int sock_listen(struct socket *s, int backlog);
/* A new socket for the next connection; -EAGAIN when non-blocking and none waits. */
int sock_accept(struct socket *s, struct socket **out, struct sock_addr *peer);
/* -EINPROGRESS when non-blocking; then poll for SOCK_POLLOUT and read SOCKOPT_ERROR. */
int sock_connect(struct socket *s, const struct sock_addr *remote);
long sock_send(struct socket *s, const void *buf, size_t len, int flags);
long sock_recv(struct socket *s, void *buf, size_t len, int flags);
long sock_sendto(struct socket *s, const void *buf, size_t len, int flags, const struct sock_addr *to);
long sock_recvfrom(struct socket *s, void *buf, size_t len, int flags, struct sock_addr *from);
int sock_shutdown(struct socket *s, int how);
/* Release the handle; a TCP connection closes gracefully in the background. */
int sock_close(struct socket *s);
int sock_setopt(struct socket *s, enum sock_option opt, int value);
int sock_getopt(struct socket *s, enum sock_option opt, int *value);
int sock_getname(struct socket *s, struct sock_addr *local, struct sock_addr *peer);
/* Current readiness (SOCK_POLL* bits) without waiting. */
unsigned sock_poll(struct socket *s);
/* Wait until one of the sockets (all of one stack) is ready or the timeout
 * passes (-1: forever). Returns how many have revents set. */
int sock_poll_wait(struct sock_pollfd *fds, int n, int64_t timeout_ns);

/* Describe every TCP/UDP endpoint (for netstat); returns how many exist. */
struct sock_info {
    enum sock_type type;
    const char *state;
    struct sock_addr local, remote;
    uint32_t rx_queued, tx_queued;
    bool orphan;          /* no socket handle: closing in the background */
};
int sock_list(struct net_stack *ns, struct sock_info *out, int max);

#endif
