/*
 * kernel/net/socket.c — the socket layer: handles over TCP connections and
 * UDP/ping endpoints, blocking and non-blocking calls, timeouts, options
 * and readiness polling. All waiting happens on condition variables under
 * the stack lock; the protocols wake sockets through sock_wakeup().
 */
#include "net/netpriv.h"

static void sock_free(struct socket *s)
{
    struct net_stack *ns = s->stack;
    list_remove(&s->node);
    ns->socket_count--;
    kfree(s);
}

/* A socket object around an existing pcb (lock held). */
static struct socket *sock_alloc(struct net_stack *ns, enum sock_type type)
{
    struct socket *s = kzalloc(sizeof(*s));
    if (!s)
        return NULL;
    s->stack = ns;
    s->type = type;
    cond_init(&s->cv);
    s->tcp_rcvbuf = NET_TCP_RCVBUF;
    s->tcp_sndbuf = NET_TCP_SNDBUF;
    list_push_back(&ns->sockets, &s->node);
    ns->socket_count++;
    return s;
}

int sock_open(struct net_stack *ns, enum sock_type type, struct socket **out)
{
    if (type != SOCK_TCP && type != SOCK_UDP && type != SOCK_PING)
        return -EPROTONOSUPPORT;
    net_lock(ns);
    struct socket *s = sock_alloc(ns, type);
    int r = 0;
    if (!s) {
        r = -ENOMEM;
    } else if (type == SOCK_TCP) {
        s->tcp = tcp_new(ns);
        if (s->tcp)
            s->tcp->sock = s;
    } else {
        s->udp = udp_new(ns, type == SOCK_UDP ? IP_PROTO_UDP : IP_PROTO_ICMP);
        if (s->udp)
            s->udp->sock = s;
    }
    if (s && !s->tcp && !s->udp) {
        sock_free(s);
        r = -ENOMEM;
    }
    net_unlock(ns);
    if (r == 0)
        *out = s;
    return r;
}

/* Waits for an event on s until deadline (0: none). -EAGAIN on timeout. */
static int sock_wait(struct socket *s, uint64_t deadline)
{
    if (deadline == 0) {
        net_wait(s->stack, &s->cv, 0);
        return 0;
    }
    uint64_t now = time_ns();
    if (now >= deadline)
        return -EAGAIN;
    net_wait(s->stack, &s->cv, deadline - now);
    return 0;
}

static uint64_t deadline_after(uint64_t timeout_ns)
{
    return timeout_ns ? time_ns() + timeout_ns : 0;
}

int sock_bind(struct socket *s, const struct sock_addr *local)
{
    net_lock(s->stack);
    int r = s->tcp ? tcp_bind(s->tcp, local->addr, local->port)
                   : udp_bind(s->udp, local->addr, local->port);
    net_unlock(s->stack);
    return r;
}

int sock_listen(struct socket *s, int backlog)
{
    if (!s->tcp)
        return -EOPNOTSUPP;
    net_lock(s->stack);
    s->tcp->rcv_buf_size = s->tcp_rcvbuf;
    s->tcp->snd_buf_size = s->tcp_sndbuf;
    int r = tcp_listen(s->tcp, backlog);
    net_unlock(s->stack);
    return r;
}

int sock_accept(struct socket *s, struct socket **out, struct sock_addr *peer)
{
    if (!s->tcp)
        return -EOPNOTSUPP;
    struct net_stack *ns = s->stack;
    uint64_t deadline = deadline_after(s->rcvtimeo_ns);
    int r = 0;
    net_lock(ns);
    struct tcp_pcb *child;
    for (;;) {
        if (s->tcp->state != TCP_LISTEN || s->listen_shut) {
            r = -EINVAL;
            goto out;
        }
        child = tcp_accept_next(s->tcp);
        if (child)
            break;
        if (s->nonblock) {
            r = -EAGAIN;
            goto out;
        }
        if ((r = sock_wait(s, deadline)) < 0)
            goto out;
    }
    struct socket *c = sock_alloc(ns, SOCK_TCP);
    if (!c) {
        tcp_abort(child);
        r = -ENOMEM;
        goto out;
    }
    c->tcp = child;
    child->sock = c;
    if (peer) {
        peer->addr = child->remote_addr;
        peer->port = child->remote_port;
    }
    *out = c;
out:
    net_unlock(ns);
    return r;
}

int sock_connect(struct socket *s, const struct sock_addr *remote)
{
    struct net_stack *ns = s->stack;
    int r;
    net_lock(ns);
    if (s->udp) {
        r = udp_connect(s->udp, remote->addr, remote->port);
        net_unlock(ns);
        return r;
    }
    struct tcp_pcb *pcb = s->tcp;
    if (pcb->state == TCP_CLOSED) {
        pcb->rcv_buf_size = s->tcp_rcvbuf;
        pcb->snd_buf_size = s->tcp_sndbuf;
        r = tcp_connect(pcb, remote->addr, remote->port);
        if (r < 0 || s->nonblock) {
            net_unlock(ns);
            return r < 0 ? r : -EINPROGRESS;
        }
    } else if (pcb->state == TCP_SYN_SENT || pcb->state == TCP_SYN_RECEIVED) {
        if (s->nonblock) {
            net_unlock(ns);
            return -EALREADY;
        }
    } else {
        net_unlock(ns);
        return pcb->state == TCP_LISTEN ? -EINVAL : -EISCONN;
    }
    uint64_t deadline = deadline_after(s->sndtimeo_ns);
    r = 0;
    while (pcb->state == TCP_SYN_SENT || pcb->state == TCP_SYN_RECEIVED) {
        if ((r = sock_wait(s, deadline)) < 0)
            break;
    }
    if (r == 0 && pcb->state == TCP_CLOSED) {
        r = pcb->error ? pcb->error : -ECONNREFUSED;
        pcb->error = 0;
    }
    net_unlock(ns);
    return r;
}

/* Takes the pending error, if any. */
static int take_error(int *err)
{
    int e = *err;
    *err = 0;
    return e;
}

static long tcp_send_locked(struct socket *s, const uint8_t *buf, size_t len, int flags)
{
    struct tcp_pcb *pcb = s->tcp;
    bool nonblock = s->nonblock || (flags & SOCK_DONTWAIT);
    uint64_t deadline = deadline_after(s->sndtimeo_ns);
    size_t sent = 0;
    for (;;) {
        if (pcb->error)
            return sent ? (long)sent : take_error(&pcb->error);
        if (pcb->state == TCP_SYN_SENT || pcb->state == TCP_SYN_RECEIVED) {
            /* wait for the connection */
        } else if ((pcb->state != TCP_ESTABLISHED && pcb->state != TCP_CLOSE_WAIT) ||
                   (pcb->flags & TF_FIN_QUEUED)) {
            if (sent)
                return (long)sent;
            return pcb->state == TCP_CLOSED && !pcb->snd.buf ? -ENOTCONN : -EPIPE;
        } else {
            long n = tcp_write(pcb, buf + sent, len - sent);
            sent += (size_t)n;
            if (n > 0)
                tcp_output(pcb);
            if (sent == len)
                return (long)sent;
        }
        if (nonblock)
            return sent ? (long)sent : -EAGAIN;
        int r = sock_wait(s, deadline);
        if (r < 0)
            return sent ? (long)sent : r;
    }
}

static long udp_send_locked(struct socket *s, const void *buf, size_t len, int flags,
                            const struct sock_addr *to)
{
    (void)flags;
    struct udp_pcb *pcb = s->udp;
    if (pcb->error)
        return take_error(&pcb->error);
    return udp_sendto(pcb, buf, len, to ? to->addr : 0, to ? to->port : 0);
}

long sock_sendto(struct socket *s, const void *buf, size_t len, int flags, const struct sock_addr *to)
{
    net_lock(s->stack);
    long r = s->tcp ? tcp_send_locked(s, buf, len, flags) : udp_send_locked(s, buf, len, flags, to);
    net_unlock(s->stack);
    return r;
}

long sock_send(struct socket *s, const void *buf, size_t len, int flags)
{
    return sock_sendto(s, buf, len, flags, NULL);
}

static long tcp_recv_locked(struct socket *s, uint8_t *buf, size_t len, int flags)
{
    struct tcp_pcb *pcb = s->tcp;
    bool nonblock = s->nonblock || (flags & SOCK_DONTWAIT);
    uint64_t deadline = deadline_after(s->rcvtimeo_ns);
    size_t got = 0;
    if (len == 0)
        return 0;
    for (;;) {
        long n = tcp_read(pcb, buf + got, len - got, flags & SOCK_PEEK);
        got += (size_t)n;
        if (got == len || (got > 0 && !(flags & SOCK_WAITALL)) || (flags & SOCK_PEEK && got))
            return (long)got;
        if ((pcb->flags & (TF_FIN_RCVD | TF_SHUT_RD)) && tcp_readable(pcb) == 0)
            return (long)got;                       /* end of stream */
        if (pcb->error)
            return got ? (long)got : take_error(&pcb->error);
        if (pcb->state == TCP_CLOSED || pcb->state == TCP_LISTEN)
            return got ? (long)got : (pcb->snd.buf ? 0 : -ENOTCONN);
        if (nonblock)
            return got ? (long)got : -EAGAIN;
        int r = sock_wait(s, deadline);
        if (r < 0)
            return got ? (long)got : r;
    }
}

static long udp_recv_locked(struct socket *s, uint8_t *buf, size_t len, int flags,
                            struct sock_addr *from)
{
    struct udp_pcb *pcb = s->udp;
    bool nonblock = s->nonblock || (flags & SOCK_DONTWAIT);
    uint64_t deadline = deadline_after(s->rcvtimeo_ns);
    while (list_empty(&pcb->rxq)) {
        if (pcb->error)
            return take_error(&pcb->error);
        if (nonblock)
            return -EAGAIN;
        int r = sock_wait(s, deadline);
        if (r < 0)
            return r;
    }
    struct netbuf *nb = list_entry(pcb->rxq.next, struct netbuf, node);
    size_t n = MIN(len, (size_t)nb->len);
    memcpy(buf, nb->data, n);
    if (from) {
        from->addr = nb->meta[0];
        from->port = (uint16_t)nb->meta[1];
    }
    if (!(flags & SOCK_PEEK)) {
        list_remove(&nb->node);
        pcb->rxq_bytes -= nb->len;
        netbuf_free(nb);
    }
    return (long)n;
}

long sock_recvfrom(struct socket *s, void *buf, size_t len, int flags, struct sock_addr *from)
{
    net_lock(s->stack);
    long r;
    if (s->tcp) {
        r = tcp_recv_locked(s, buf, len, flags);
        if (r >= 0 && from) {
            from->addr = s->tcp->remote_addr;
            from->port = s->tcp->remote_port;
        }
    } else {
        r = udp_recv_locked(s, buf, len, flags, from);
    }
    net_unlock(s->stack);
    return r;
}

long sock_recv(struct socket *s, void *buf, size_t len, int flags)
{
    return sock_recvfrom(s, buf, len, flags, NULL);
}

int sock_shutdown(struct socket *s, int how)
{
    if (how < SOCK_SHUT_RD || how > SOCK_SHUT_RDWR)
        return -EINVAL;
    if (!s->tcp)
        return -EOPNOTSUPP;
    net_lock(s->stack);
    struct tcp_pcb *pcb = s->tcp;
    int r = 0;
    if (pcb->state == TCP_LISTEN) {
        s->listen_shut = true;        /* as on Linux, a blocked accept returns EINVAL */
        sock_wakeup(s);
    } else if (pcb->state < TCP_SYN_SENT) {
        r = -ENOTCONN;
    } else {
        if (how & SOCK_SHUT_RD)
            pcb->flags |= TF_SHUT_RD;
        if (how & SOCK_SHUT_WR)
            tcp_shutdown_write(pcb);
        sock_wakeup(s);
    }
    net_unlock(s->stack);
    return r;
}

int sock_close(struct socket *s)
{
    struct net_stack *ns = s->stack;
    net_lock(ns);
    if (s->tcp) {
        tcp_close(s->tcp);
        s->tcp = NULL;
    } else if (s->udp) {
        udp_free(s->udp);
        s->udp = NULL;
    }
    sock_free(s);
    net_unlock(ns);
    return 0;
}

static uint32_t clamp_buf(int v)
{
    return (uint32_t)MIN(MAX(v, NET_TCP_BUF_MIN), NET_TCP_BUF_MAX);
}

static void set_flag(uint32_t *flags, uint32_t bit, int on)
{
    if (on)
        *flags |= bit;
    else
        *flags &= ~bit;
}

int sock_setopt(struct socket *s, enum sock_option opt, int value)
{
    struct net_stack *ns = s->stack;
    struct tcp_pcb *tcp = s->tcp;
    struct udp_pcb *udp = s->udp;
    int r = 0;
    net_lock(ns);
    switch (opt) {
    case SOCKOPT_NONBLOCK:
        s->nonblock = value != 0;
        break;
    case SOCKOPT_NODELAY:
        if (!tcp) { r = -ENOPROTOOPT; break; }
        set_flag(&tcp->flags, TF_NODELAY, value);
        if (value)
            tcp_output(tcp);
        break;
    case SOCKOPT_RCVBUF:
        if (value <= 0) { r = -EINVAL; break; }
        if (udp) {
            udp->rxq_limit = clamp_buf(value);
        } else if (tcp->state == TCP_CLOSED || tcp->state == TCP_LISTEN) {
            s->tcp_rcvbuf = clamp_buf(value);
            tcp->rcv_buf_size = s->tcp_rcvbuf;
        } else {
            r = -EISCONN;
        }
        break;
    case SOCKOPT_SNDBUF:
        if (value <= 0 || !tcp) { r = tcp ? -EINVAL : -ENOPROTOOPT; break; }
        if (tcp->state == TCP_CLOSED || tcp->state == TCP_LISTEN) {
            s->tcp_sndbuf = clamp_buf(value);
            tcp->snd_buf_size = s->tcp_sndbuf;
        } else {
            r = -EISCONN;
        }
        break;
    case SOCKOPT_BROADCAST:
        if (!udp) { r = -ENOPROTOOPT; break; }
        udp->broadcast = value != 0;
        break;
    case SOCKOPT_REUSEADDR:
        if (udp)
            udp->reuse = value != 0;
        else
            set_flag(&tcp->flags, TF_REUSEADDR, value);
        break;
    case SOCKOPT_RCVTIMEO_MS:
    case SOCKOPT_SNDTIMEO_MS:
        if (value < 0) { r = -EINVAL; break; }
        if (opt == SOCKOPT_RCVTIMEO_MS)
            s->rcvtimeo_ns = (uint64_t)value * NS_PER_MS;
        else
            s->sndtimeo_ns = (uint64_t)value * NS_PER_MS;
        break;
    case SOCKOPT_LINGER_ZERO:
        if (!tcp) { r = -ENOPROTOOPT; break; }
        set_flag(&tcp->flags, TF_LINGER_ZERO, value);
        break;
    case SOCKOPT_TTL:
        if (value < 1 || value > 255) { r = -EINVAL; break; }
        if (tcp)
            tcp->ttl = (uint8_t)value;
        else
            udp->ttl = (uint8_t)value;
        break;
    case SOCKOPT_KEEPALIVE:
        if (!tcp) { r = -ENOPROTOOPT; break; }
        set_flag(&tcp->flags, TF_KEEPALIVE, value);
        if (value && tcp->state >= TCP_ESTABLISHED && !tcp->keepalive_deadline) {
            tcp->keepalive_deadline = net_now(ns) + NET_TCP_KEEPALIVE_IDLE_MS * NS_PER_MS;
            tcp_timer_update(tcp);
        } else if (!value) {
            tcp->keepalive_deadline = 0;
        }
        break;
    default:
        r = -ENOPROTOOPT;
        break;
    }
    net_unlock(ns);
    return r;
}

int sock_getopt(struct socket *s, enum sock_option opt, int *value)
{
    struct net_stack *ns = s->stack;
    struct tcp_pcb *tcp = s->tcp;
    struct udp_pcb *udp = s->udp;
    int r = 0;
    net_lock(ns);
    switch (opt) {
    case SOCKOPT_NONBLOCK: *value = s->nonblock; break;
    case SOCKOPT_NODELAY:  *value = tcp ? !!(tcp->flags & TF_NODELAY) : 0; break;
    case SOCKOPT_RCVBUF:   *value = (int)(tcp ? tcp->rcv_buf_size : udp->rxq_limit); break;
    case SOCKOPT_SNDBUF:   *value = (int)(tcp ? tcp->snd_buf_size : 65507); break;
    case SOCKOPT_BROADCAST: *value = udp ? udp->broadcast : 0; break;
    case SOCKOPT_RCVTIMEO_MS: *value = (int)(s->rcvtimeo_ns / NS_PER_MS); break;
    case SOCKOPT_SNDTIMEO_MS: *value = (int)(s->sndtimeo_ns / NS_PER_MS); break;
    case SOCKOPT_ERROR:
        *value = take_error(tcp ? &tcp->error : &udp->error);
        break;
    case SOCKOPT_TTL:
        *value = tcp ? tcp->ttl : udp->ttl;
        if (*value == 0)
            *value = NET_IP_DEFAULT_TTL;
        break;
    default:
        r = -ENOPROTOOPT;
        break;
    }
    net_unlock(ns);
    return r;
}

int sock_getname(struct socket *s, struct sock_addr *local, struct sock_addr *peer)
{
    net_lock(s->stack);
    if (s->tcp) {
        if (local) *local = (struct sock_addr){ s->tcp->local_addr, s->tcp->local_port };
        if (peer) *peer = (struct sock_addr){ s->tcp->remote_addr, s->tcp->remote_port };
    } else {
        if (local) *local = (struct sock_addr){ s->udp->local_addr, s->udp->local_port };
        if (peer) *peer = (struct sock_addr){ s->udp->remote_addr, s->udp->remote_port };
    }
    net_unlock(s->stack);
    return 0;
}

static unsigned sock_poll_locked(struct socket *s)
{
    unsigned ev = 0;
    if (s->udp) {
        if (!list_empty(&s->udp->rxq))
            ev |= SOCK_POLLIN;
        if (s->udp->error)
            ev |= SOCK_POLLERR | SOCK_POLLIN;
        return ev | SOCK_POLLOUT;
    }
    struct tcp_pcb *pcb = s->tcp;
    if (pcb->state == TCP_LISTEN)
        return list_empty(&pcb->accept_q) && !s->listen_shut ? 0 : SOCK_POLLIN;
    if (pcb->error)
        ev |= SOCK_POLLERR | SOCK_POLLIN | SOCK_POLLOUT;
    if (tcp_readable(pcb) || (pcb->flags & (TF_FIN_RCVD | TF_SHUT_RD)))
        ev |= SOCK_POLLIN;
    if ((pcb->state == TCP_ESTABLISHED || pcb->state == TCP_CLOSE_WAIT) &&
        !(pcb->flags & TF_FIN_QUEUED) && tcp_send_space(pcb) > 0)
        ev |= SOCK_POLLOUT;
    bool was_connected = pcb->snd.buf != NULL || pcb->remote_port != 0;
    if ((pcb->state == TCP_CLOSED && was_connected) || pcb->state == TCP_TIME_WAIT ||
        ((pcb->flags & TF_FIN_RCVD) && (pcb->flags & TF_FIN_QUEUED)))
        ev |= SOCK_POLLHUP | SOCK_POLLIN;
    if (pcb->state == TCP_CLOSED && was_connected)
        ev |= SOCK_POLLOUT;                  /* a failed connect completes too */
    return ev;
}

unsigned sock_poll(struct socket *s)
{
    net_lock(s->stack);
    unsigned ev = sock_poll_locked(s);
    net_unlock(s->stack);
    return ev;
}

int sock_poll_wait(struct sock_pollfd *fds, int n, int64_t timeout_ns)
{
    if (n <= 0)
        return -EINVAL;
    struct net_stack *ns = fds[0].sock->stack;
    for (int i = 1; i < n; i++)
        if (fds[i].sock->stack != ns)
            return -EINVAL;
    uint64_t deadline = timeout_ns > 0 ? time_ns() + (uint64_t)timeout_ns : 0;
    int ready;
    net_lock(ns);
    ns->pollers++;
    for (;;) {
        ready = 0;
        for (int i = 0; i < n; i++) {
            unsigned ev = sock_poll_locked(fds[i].sock);
            fds[i].revents = ev & (fds[i].events | SOCK_POLLERR | SOCK_POLLHUP);
            if (fds[i].revents)
                ready++;
        }
        if (ready || timeout_ns == 0)
            break;
        if (timeout_ns < 0) {
            net_wait(ns, &ns->poll_cv, 0);
            continue;
        }
        uint64_t now = time_ns();
        if (now >= deadline)
            break;
        net_wait(ns, &ns->poll_cv, deadline - now);
    }
    ns->pollers--;
    net_unlock(ns);
    return ready;
}

int sock_list(struct net_stack *ns, struct sock_info *out, int max)
{
    int n = 0;
    net_lock(ns);
    struct list_node *pos;
    list_for_each(pos, &ns->tcp_all) {
        struct tcp_pcb *p = list_entry(pos, struct tcp_pcb, all_node);
        if (n < max)
            out[n] = (struct sock_info){
                .type = SOCK_TCP, .state = tcp_state_names[p->state],
                .local = { p->local_addr, p->local_port }, .remote = { p->remote_addr, p->remote_port },
                .rx_queued = tcp_readable(p), .tx_queued = p->snd.buf ? p->snd.len : 0,
                .orphan = !p->sock && !p->listener,
            };
        n++;
    }
    list_for_each(pos, &ns->udp_pcbs) {
        struct udp_pcb *p = list_entry(pos, struct udp_pcb, node);
        if (n < max)
            out[n] = (struct sock_info){
                .type = p->proto == IP_PROTO_UDP ? SOCK_UDP : SOCK_PING, .state = "",
                .local = { p->local_addr, p->local_port }, .remote = { p->remote_addr, p->remote_port },
                .rx_queued = p->rxq_bytes, .orphan = !p->sock && !p->recv,
            };
        n++;
    }
    net_unlock(ns);
    return n;
}
