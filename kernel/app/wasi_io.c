/*
 * kernel/app/wasi_io.c — the I/O half of the kernel's WASI backend: read
 * and write on every kind of handle, poll, clocks, randomness, yield and
 * the sock_* calls; and the blocking socket calls the kpio backend shares.
 *
 * Blocking: pipes and the console wait through app_wait (wait.c) and wake
 * at once when data arrives or the thread is interrupted (kill). Kernel
 * sockets are kept non-blocking; a blocking call waits for readiness with
 * sock_poll_wait in slices of at most SOCK_SLICE_NS, checking between
 * slices whether it was interrupted, so kill reaches an app blocked on the
 * network within a slice.
 */
#include "app/app.h"
#include "core/time.h"
#include "fs/vfs.h"
#include "lib/lib.h"
#include "mm/mm.h"
#include "net/socket.h"
#include "sched/sched.h"
#include "wasi_abi.h"

#define SOCK_SLICE_NS (20 * NS_PER_MS)
#define POLL_SLICE_NS (10 * NS_PER_MS)

static bool nonblocking(const struct handle *h)
{
    return h->flags & HANDLE_NONBLOCK;
}

/* ---- sockets ---- */

int app_sock_wait(struct handle *h, unsigned events, uint64_t timeout_ns)
{
    uint64_t deadline = timeout_ns ? time_ns() + timeout_ns : 0;
    for (;;) {
        if (app_interrupted())
            return -EINTR;
        uint64_t slice = SOCK_SLICE_NS;
        if (deadline) {
            uint64_t now = time_ns();
            if (now >= deadline)
                return -EAGAIN;
            slice = MIN(slice, deadline - now);
        }
        struct sock_pollfd pf = { h->u.s.sock, events, 0 };
        int r = sock_poll_wait(&pf, 1, (int64_t)slice);
        if (r < 0)
            return r;
        if (r > 0)
            return (int)pf.revents;
    }
}

int64_t app_sock_recv(struct handle *h, void *buf, size_t len, bool peek, bool waitall,
                      uint32_t *from_addr, uint16_t *from_port)
{
    size_t done = 0;
    for (;;) {
        struct sock_addr from = { 0, 0 };
        long n = sock_recvfrom(h->u.s.sock, (uint8_t *)buf + done, len - done,
                               SOCK_DONTWAIT | (peek ? SOCK_PEEK : 0), &from);
        if (n >= 0) {
            if (from_addr)
                *from_addr = from.addr;
            if (from_port)
                *from_port = from.port;
            done += (size_t)n;
            /* a stream with MSG_WAITALL goes on until full or closed */
            if (!waitall || n == 0 || done == len || h->u.s.type != KPIO_SOCK_STREAM || peek)
                return (int64_t)done;
            continue;
        }
        if (n != -EAGAIN || nonblocking(h))
            return done ? (int64_t)done : n;
        int w = app_sock_wait(h, SOCK_POLLIN, h->u.s.rcvtimeo_ns);
        if (w < 0)
            return done ? (int64_t)done : w;
    }
}

int64_t app_sock_send(struct handle *h, const void *buf, size_t len, const uint32_t *to_addr,
                      uint16_t to_port)
{
    size_t done = 0;
    struct sock_addr to = { to_addr ? *to_addr : 0, to_port };
    do {
        long n = to_addr ? sock_sendto(h->u.s.sock, (const uint8_t *)buf + done, len - done,
                                       SOCK_DONTWAIT, &to)
                         : sock_send(h->u.s.sock, (const uint8_t *)buf + done, len - done,
                                     SOCK_DONTWAIT);
        if (n >= 0) {
            done += (size_t)n;
            if (h->u.s.type != KPIO_SOCK_STREAM)
                return n;
            continue;
        }
        if (n != -EAGAIN || nonblocking(h))
            return done ? (int64_t)done : n;
        int w = app_sock_wait(h, SOCK_POLLOUT, h->u.s.sndtimeo_ns);
        if (w < 0)
            return done ? (int64_t)done : w;
    } while (done < len);
    return (int64_t)done;
}

/* ---- read and write ---- */

/* Read into iov[0] (blocking as the handle says), then into the rest
 * without blocking: what a readv of a pipe or terminal does. */
static int64_t read_stream(struct handle *h, const wasi_iov *iov, int n)
{
    int64_t total = 0;
    for (int i = 0; i < n; i++) {
        if (iov[i].len == 0)
            continue;
        bool nb = total > 0 || nonblocking(h);
        int64_t r;
        switch (h->kind) {
        case HANDLE_PIPE_READ: r = pipe_read(h->u.pipe, iov[i].base, iov[i].len, nb); break;
        case HANDLE_TTY: r = tty_read(iov[i].base, iov[i].len, nb); break;
        case HANDLE_SOCKET: {
            struct handle tmp = *h;
            if (nb)
                tmp.flags |= HANDLE_NONBLOCK;
            r = app_sock_recv(&tmp, iov[i].base, iov[i].len, false, false, NULL, NULL);
            break;
        }
        default: r = -EBADF; break;
        }
        if (r < 0)
            return total ? total : r;
        total += r;
        if ((size_t)r < iov[i].len)
            break;
    }
    return total;
}

static int64_t file_io(struct vfs_file *f, const wasi_iov *iov, int n, int64_t off, bool write)
{
    int64_t total = 0;
    for (int i = 0; i < n; i++) {
        if (iov[i].len == 0)
            continue;
        int64_t r;
        if (off < 0)
            r = write ? vfs_write(f, iov[i].base, iov[i].len) : vfs_read(f, iov[i].base, iov[i].len);
        else
            r = write ? vfs_pwrite(f, iov[i].base, iov[i].len, (uint64_t)(off + total))
                      : vfs_pread(f, iov[i].base, iov[i].len, (uint64_t)(off + total));
        if (r < 0)
            return total ? total : r;
        total += r;
        if ((size_t)r < iov[i].len)
            break;
    }
    return total;
}

static int64_t k_readv(void *data, wasi_handle hv, const wasi_iov *iov, int n, int64_t off)
{
    (void)data;
    struct handle *h = handle_of(hv);
    if (!h || hv == -1)
        return -EBADF;
    switch (h->kind) {
    case HANDLE_FILE:
        return file_io(h->u.file, iov, n, off, false);
    case HANDLE_NULL:
        return 0;
    case HANDLE_PIPE_WRITE:
        return -EBADF;
    default:
        return off >= 0 ? -ESPIPE : read_stream(h, iov, n);
    }
}

static int64_t k_writev(void *data, wasi_handle hv, const wasi_iov *iov, int n, int64_t off)
{
    (void)data;
    struct handle *h = handle_of(hv);
    if (!h || hv == -1)
        return -EBADF;
    if (h->kind == HANDLE_FILE)
        return file_io(h->u.file, iov, n, off, true);
    if (off >= 0)
        return -ESPIPE;
    int64_t total = 0;
    for (int i = 0; i < n; i++) {
        if (iov[i].len == 0)
            continue;
        int64_t r;
        switch (h->kind) {
        case HANDLE_NULL: r = (int64_t)iov[i].len; break;
        case HANDLE_TTY: r = tty_write(iov[i].base, iov[i].len); break;
        case HANDLE_PIPE_WRITE: r = pipe_write(h->u.pipe, iov[i].base, iov[i].len, nonblocking(h)); break;
        case HANDLE_SOCKET: r = app_sock_send(h, iov[i].base, iov[i].len, NULL, 0); break;
        default: r = -EBADF; break;
        }
        if (r < 0)
            return total ? total : r;
        total += r;
        if ((size_t)r < iov[i].len)
            break;
    }
    return total;
}

/* ---- poll ---- */

/* Readiness of one handle now (WASI_POLL_* bits; nbytes where known). */
static unsigned ready_now(struct handle *h, uint64_t *nbytes, int *error)
{
    *nbytes = 0;
    *error = 0;
    switch (h->kind) {
    case HANDLE_FILE: {
        struct vfs_stat st;
        if (vfs_fstat(h->u.file, &st) == 0 && st.size > h->u.file->offset)
            *nbytes = st.size - h->u.file->offset;
        return WASI_POLL_READABLE | WASI_POLL_WRITABLE;
    }
    case HANDLE_NULL:
        return WASI_POLL_READABLE | WASI_POLL_WRITABLE;
    case HANDLE_PIPE_READ:
    case HANDLE_PIPE_WRITE:
        return pipe_poll(h->u.pipe, h->kind == HANDLE_PIPE_READ, nbytes);
    case HANDLE_TTY:
        return tty_poll(nbytes);
    case HANDLE_SOCKET: {
        unsigned ev = sock_poll(h->u.s.sock), r = 0;
        if (ev & (SOCK_POLLIN | SOCK_POLLERR))
            r |= WASI_POLL_READABLE;
        if (ev & (SOCK_POLLOUT | SOCK_POLLERR))
            r |= WASI_POLL_WRITABLE;
        if (ev & SOCK_POLLHUP)
            r |= WASI_POLL_HANGUP;
        return r;
    }
    }
    return 0;
}

static int check_all(wasi_pollfd *fds, int n)
{
    int ready = 0;
    for (int i = 0; i < n; i++) {
        wasi_pollfd *f = &fds[i];
        struct handle *h = handle_of(f->handle);
        f->ready = 0;
        f->nbytes = 0;
        if (!h || f->handle == -1) {
            f->error = -EBADF;
            ready++;
            continue;
        }
        unsigned r = ready_now(h, &f->nbytes, &f->error);
        unsigned want = (f->want_read ? WASI_POLL_READABLE : 0) | (f->want_write ? WASI_POLL_WRITABLE : 0);
        f->ready = (uint8_t)(r & (want | WASI_POLL_HANGUP));
        if (f->ready)
            ready++;
    }
    return ready;
}

static int k_poll(void *data, wasi_pollfd *fds, int n, int64_t timeout_ns)
{
    (void)data;
    /* what to wait on: the wait queues of pipes and the console; sockets
     * (and more queues than a wait holds) are polled in slices */
    struct app_waitq *queues[APP_WAIT_MAX];
    int nq = 0;
    bool sliced = false;
    struct sock_pollfd socks[8];
    int nsocks = 0;
    for (int i = 0; i < n; i++) {
        struct handle *h = handle_of(fds[i].handle);
        if (!h || fds[i].handle == -1)
            continue;
        struct app_waitq *q = NULL;
        if (h->kind == HANDLE_PIPE_READ || h->kind == HANDLE_PIPE_WRITE)
            q = pipe_waitq(h->u.pipe, h->kind == HANDLE_PIPE_READ);
        else if (h->kind == HANDLE_TTY)
            q = tty_waitq();
        else if (h->kind == HANDLE_SOCKET && nsocks < (int)ARRAY_SIZE(socks))
            socks[nsocks++] = (struct sock_pollfd){ h->u.s.sock,
                (fds[i].want_read ? SOCK_POLLIN : 0) | (fds[i].want_write ? SOCK_POLLOUT : 0), 0 };
        else if (h->kind == HANDLE_SOCKET)
            sliced = true;
        if (q && nq < APP_WAIT_MAX)
            queues[nq++] = q;
        else if (q)
            sliced = true;
    }
    uint64_t deadline = timeout_ns > 0 ? time_ns() + (uint64_t)timeout_ns : 0;
    struct app_wait w;
    app_wait_begin(&w, queues, nq);
    int ready, rc = 0;
    for (;;) {
        ready = check_all(fds, n);
        if (ready || timeout_ns == 0)
            break;
        uint64_t now = time_ns();
        if (deadline && now >= deadline)
            break;
        if (nsocks || sliced) {
            uint64_t slice = POLL_SLICE_NS;
            if (deadline)
                slice = MIN(slice, deadline - now);
            if (nsocks)
                sock_poll_wait(socks, nsocks, (int64_t)slice);
            else
                rc = app_wait_sleep(&w, now + slice);
            if (app_interrupted())
                rc = -EINTR;
        } else {
            rc = app_wait_sleep(&w, deadline);
        }
        if (rc == -EINTR)
            break;
        rc = 0;
    }
    app_wait_end(&w);
    return rc == -EINTR ? -EINTR : ready;
}

/* ---- clocks, randomness, yield ---- */

static int k_clock_time(void *data, uint32_t clock, uint64_t *ns)
{
    (void)data;
    switch (clock) {
    case WASI_CLOCK_REALTIME: *ns = (uint64_t)time_unix_ns(); return 0;
    case WASI_CLOCK_MONOTONIC: *ns = time_ns(); return 0;
    case WASI_CLOCK_PROCESS_CPUTIME:
    case WASI_CLOCK_THREAD_CPUTIME: *ns = app_self_cpu_ns(); return 0;
    default: return -EINVAL;
    }
}

static int k_clock_res(void *data, uint32_t clock, uint64_t *ns)
{
    (void)data;
    if (clock > WASI_CLOCK_THREAD_CPUTIME)
        return -EINVAL;
    *ns = 1;    /* the TSC, scaled to nanoseconds */
    return 0;
}

static int k_random(void *data, void *buf, size_t len)
{
    (void)data;
    csprng_fill(buf, len);
    return 0;
}

static void k_yield(void *data)
{
    (void)data;
    thread_yield();
}

/* ---- WASI's sock_* on socket descriptors ---- */

static struct handle *socket_handle(wasi_handle hv)
{
    struct handle *h = handle_of(hv);
    return h && hv != -1 && h->kind == HANDLE_SOCKET ? h : NULL;
}

/* Accept a connection on a listening socket handle (shared with kpio_be.c). */
int app_sock_accept(struct handle *h, bool nonblock, struct handle **out, struct sock_addr *peer)
{
    for (;;) {
        struct socket *c;
        int r = sock_accept(h->u.s.sock, &c, peer);
        if (r == 0) {
            struct handle *n = handle_new(HANDLE_SOCKET);
            if (!n) {
                sock_close(c);
                return -ENOMEM;
            }
            sock_setopt(c, SOCKOPT_NONBLOCK, 1);
            n->u.s.sock = c;
            n->u.s.type = KPIO_SOCK_STREAM;
            if (nonblock)
                n->flags |= HANDLE_NONBLOCK;
            *out = n;
            return 0;
        }
        if (r != -EAGAIN || nonblocking(h))
            return r;
        int w = app_sock_wait(h, SOCK_POLLIN, h->u.s.rcvtimeo_ns);
        if (w < 0)
            return w;
    }
}

static int k_sock_accept(void *data, wasi_handle hv, bool nonblock, wasi_handle *out)
{
    (void)data;
    struct handle *h = socket_handle(hv), *c;
    if (!h)
        return -ENOTSOCK;
    struct sock_addr peer;
    int r = app_sock_accept(h, nonblock, &c, &peer);
    if (r == 0)
        *out = handle_value(c);
    return r;
}

static int64_t k_sock_recv(void *data, wasi_handle hv, const wasi_iov *iov, int n, bool peek,
                           bool waitall, bool *truncated)
{
    (void)data;
    struct handle *h = socket_handle(hv);
    if (!h)
        return -ENOTSOCK;
    *truncated = false;
    int64_t total = 0;
    for (int i = 0; i < n; i++) {
        if (iov[i].len == 0)
            continue;
        struct handle tmp = *h;
        if (total > 0)
            tmp.flags |= HANDLE_NONBLOCK;
        int64_t r = app_sock_recv(&tmp, iov[i].base, iov[i].len, peek, waitall, NULL, NULL);
        if (r < 0)
            return total ? total : r;
        total += r;
        if ((size_t)r < iov[i].len || h->u.s.type != KPIO_SOCK_STREAM || peek)
            break;
    }
    return total;
}

static int64_t k_sock_send(void *data, wasi_handle hv, const wasi_iov *iov, int n)
{
    (void)data;
    struct handle *h = socket_handle(hv);
    if (!h)
        return -ENOTSOCK;
    int64_t total = 0;
    for (int i = 0; i < n; i++) {
        if (iov[i].len == 0)
            continue;
        int64_t r = app_sock_send(h, iov[i].base, iov[i].len, NULL, 0);
        if (r < 0)
            return total ? total : r;
        total += r;
        if ((size_t)r < iov[i].len)
            break;
    }
    return total;
}

static int k_sock_shutdown(void *data, wasi_handle hv, bool rd, bool wr)
{
    (void)data;
    struct handle *h = socket_handle(hv);
    if (!h)
        return -ENOTSOCK;
    return sock_shutdown(h->u.s.sock, rd && wr ? SOCK_SHUT_RDWR : rd ? SOCK_SHUT_RD : SOCK_SHUT_WR);
}

void app_wasi_backend(wasi_backend *b)
{
    memset(b, 0, sizeof *b);
    app_wasi_backend_vfs(b);
    b->readv = k_readv;
    b->writev = k_writev;
    b->poll = k_poll;
    b->clock_time = k_clock_time;
    b->clock_res = k_clock_res;
    b->random = k_random;
    b->yield = k_yield;
    b->sock_accept = k_sock_accept;
    b->sock_recv = k_sock_recv;
    b->sock_send = k_sock_send;
    b->sock_shutdown = k_sock_shutdown;
}
