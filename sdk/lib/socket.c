/*
 * sdk/lib/socket.c — BSD sockets for KPIO apps over the kpio host API.
 * Each function converts between struct sockaddr_in and kpio_sockaddr,
 * calls the host, and turns a kpio error into errno (the numbers are the
 * same, both being WASI's) and -1.
 */
#include <kpio.h>

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

/* Return -1 with errno = e, or 0. */
static int result(kpio_errno e)
{
    if (e == KPIO_OK)
        return 0;
    errno = (int)e;
    return -1;
}

/* struct sockaddr (AF_INET only) -> kpio_sockaddr; false with errno set. */
static int to_kpio(const struct sockaddr *addr, socklen_t len, kpio_sockaddr *out)
{
    if (!addr || len < sizeof(struct sockaddr_in)) {
        errno = EINVAL;
        return 0;
    }
    if (addr->sa_family != AF_INET) {
        errno = EAFNOSUPPORT;
        return 0;
    }
    const struct sockaddr_in *in = (const struct sockaddr_in *)addr;
    memset(out, 0, sizeof *out);
    out->family = KPIO_AF_INET;
    out->port = ntohs(in->sin_port);
    memcpy(out->addr, &in->sin_addr.s_addr, 4);
    return 1;
}

/* kpio_sockaddr -> struct sockaddr_in in (addr, *len), truncating as
 * POSIX says; *len gets the full size. */
static void from_kpio(const kpio_sockaddr *k, struct sockaddr *addr, socklen_t *len)
{
    if (!addr || !len)
        return;
    struct sockaddr_in in;
    memset(&in, 0, sizeof in);
    in.sin_family = AF_INET;
    in.sin_port = htons(k->port);
    memcpy(&in.sin_addr.s_addr, k->addr, 4);
    size_t n = *len < sizeof in ? *len : sizeof in;
    memcpy(addr, &in, n);
    *len = sizeof in;
}

int socket(int domain, int type, int protocol)
{
    if (domain != AF_INET) {
        errno = EAFNOSUPPORT;
        return -1;
    }
    int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (base != SOCK_STREAM && base != SOCK_DGRAM) {
        errno = EPROTONOSUPPORT;
        return -1;
    }
    if (protocol != 0 && !(base == SOCK_STREAM && protocol == IPPROTO_TCP) &&
        !(base == SOCK_DGRAM && protocol == IPPROTO_UDP)) {
        errno = EPROTONOSUPPORT;
        return -1;
    }
    uint32_t kt = (base == SOCK_STREAM ? KPIO_SOCK_STREAM : KPIO_SOCK_DGRAM) |
                  ((type & SOCK_NONBLOCK) ? KPIO_SOCK_NONBLOCK : 0);
    kpio_fd fd;
    if (result(kpio_sock_open(KPIO_AF_INET, kt, &fd)) < 0)
        return -1;
    return fd;
}

int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
    kpio_sockaddr k;
    if (!to_kpio(addr, len, &k))
        return -1;
    return result(kpio_sock_bind(fd, &k));
}

int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
    kpio_sockaddr k;
    if (!to_kpio(addr, len, &k))
        return -1;
    return result(kpio_sock_connect(fd, &k));
}

int listen(int fd, int backlog)
{
    return result(kpio_sock_listen(fd, backlog < 0 ? 0 : (uint32_t)backlog));
}

int accept4(int fd, struct sockaddr *__restrict addr, socklen_t *__restrict len, int flags)
{
    kpio_fd conn;
    kpio_sockaddr peer;
    uint32_t kf = (flags & SOCK_NONBLOCK) ? KPIO_SOCK_NONBLOCK : 0;
    if (result(kpio_sock_accept(fd, kf, &conn, &peer)) < 0)
        return -1;
    from_kpio(&peer, addr, len);
    return conn;
}

int accept(int fd, struct sockaddr *__restrict addr, socklen_t *__restrict len)
{
    return accept4(fd, addr, len, 0);
}

/* getsockname and getpeername: ask the host, convert the answer. */
static int socket_name(int fd, struct sockaddr *addr, socklen_t *len,
                       kpio_errno (*ask)(kpio_fd, kpio_sockaddr *))
{
    kpio_sockaddr k;
    if (result(ask(fd, &k)) < 0)
        return -1;
    from_kpio(&k, addr, len);
    return 0;
}

int getsockname(int fd, struct sockaddr *__restrict addr, socklen_t *__restrict len)
{
    return socket_name(fd, addr, len, kpio_sock_local_addr);
}

int getpeername(int fd, struct sockaddr *__restrict addr, socklen_t *__restrict len)
{
    return socket_name(fd, addr, len, kpio_sock_peer_addr);
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *addr,
               socklen_t addr_len)
{
    kpio_sockaddr k;
    if (addr && !to_kpio(addr, addr_len, &k))
        return -1;
    if (len > UINT32_MAX)
        len = UINT32_MAX;
    uint32_t sent;
    (void)flags;   /* MSG_NOSIGNAL and friends: KPIO has no signals */
    if (result(kpio_sock_send_to(fd, buf, (uint32_t)len, 0, addr ? &k : NULL, &sent)) < 0)
        return -1;
    return (ssize_t)sent;
}

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
    return sendto(fd, buf, len, flags, NULL, 0);
}

ssize_t recvfrom(int fd, void *__restrict buf, size_t len, int flags,
                 struct sockaddr *__restrict addr, socklen_t *__restrict addr_len)
{
    kpio_sockaddr k;
    uint32_t got;
    if (len > UINT32_MAX)
        len = UINT32_MAX;
    uint32_t kf = (flags & MSG_PEEK) ? KPIO_MSG_PEEK : 0;
    if (result(kpio_sock_recv_from(fd, buf, (uint32_t)len, kf, addr ? &k : NULL, &got)) < 0)
        return -1;
    if (addr)
        from_kpio(&k, addr, addr_len);
    return (ssize_t)got;
}

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
    return recvfrom(fd, buf, len, flags, NULL, NULL);
}

/* Map (level, option) to a kpio option; 0 if there is none. */
static uint32_t kpio_option(int level, int option)
{
    if (level == SOL_SOCKET) {
        switch (option) {
        case SO_REUSEADDR: return KPIO_SO_REUSEADDR;
        case SO_KEEPALIVE: return KPIO_SO_KEEPALIVE;
        case SO_RCVTIMEO:  return KPIO_SO_RCVTIMEO;
        case SO_SNDTIMEO:  return KPIO_SO_SNDTIMEO;
        case SO_RCVBUF:    return KPIO_SO_RCVBUF;
        case SO_SNDBUF:    return KPIO_SO_SNDBUF;
        case SO_ERROR:     return KPIO_SO_ERROR;
        case SO_TYPE:      return KPIO_SO_TYPE;
        case SO_BROADCAST: return KPIO_SO_BROADCAST;
        }
    } else if (level == IPPROTO_TCP && option == TCP_NODELAY) {
        return KPIO_TCP_NODELAY;
    }
    return 0;
}

static int is_timeout(uint32_t k)
{
    return k == KPIO_SO_RCVTIMEO || k == KPIO_SO_SNDTIMEO;
}

int setsockopt(int fd, int level, int option, const void *value, socklen_t len)
{
    uint32_t k = kpio_option(level, option);
    if (k == 0 || k == KPIO_SO_ERROR || k == KPIO_SO_TYPE) {
        errno = ENOPROTOOPT;
        return -1;
    }
    uint64_t v;
    if (is_timeout(k)) {
        if (len < sizeof(struct timeval)) {
            errno = EINVAL;
            return -1;
        }
        const struct timeval *tv = value;
        if (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000) {
            errno = EDOM;
            return -1;
        }
        v = (uint64_t)tv->tv_sec * 1000000000u + (uint64_t)tv->tv_usec * 1000u;
    } else {
        if (len < sizeof(int)) {
            errno = EINVAL;
            return -1;
        }
        int i = *(const int *)value;
        v = i < 0 ? 0 : (uint64_t)i;
    }
    return result(kpio_sock_set_option(fd, k, v));
}

int getsockopt(int fd, int level, int option, void *__restrict value, socklen_t *__restrict len)
{
    uint32_t k = kpio_option(level, option);
    if (k == 0) {
        errno = ENOPROTOOPT;
        return -1;
    }
    uint64_t v;
    if (result(kpio_sock_get_option(fd, k, &v)) < 0)
        return -1;
    if (is_timeout(k)) {
        if (*len < sizeof(struct timeval)) {
            errno = EINVAL;
            return -1;
        }
        struct timeval tv = { .tv_sec = (time_t)(v / 1000000000u),
                              .tv_usec = (suseconds_t)(v % 1000000000u / 1000u) };
        memcpy(value, &tv, sizeof tv);
        *len = sizeof tv;
        return 0;
    }
    if (*len < sizeof(int)) {
        errno = EINVAL;
        return -1;
    }
    int i;
    if (k == KPIO_SO_TYPE)
        i = v == KPIO_SOCK_STREAM ? SOCK_STREAM : SOCK_DGRAM;
    else
        i = (int)v;   /* SO_ERROR: kpio errno numbers are errno numbers */
    memcpy(value, &i, sizeof i);
    *len = sizeof i;
    return 0;
}
