/*
 * runtime/host/kpio_linux.c — the kpio backend for the hosted kpio-wasm:
 * processes are pthreads, pipes and sockets are Linux descriptors, and a
 * SIGUSR2 (installed without SA_RESTART) makes a blocking call of a thread
 * being stopped return EINTR.
 *
 * Network policy: unless the embedder allows everything, sockets may only
 * reach the loopback network: connect and sendto refuse other addresses
 * (EACCES), bind to 0.0.0.0 becomes bind to 127.0.0.1, and names other
 * than "localhost" and dotted numbers do not resolve, so no packet can
 * leave the machine.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "kpio_linux.h"

struct linux_thread {
    pthread_t tid;
    void (*fn)(void *);
    void *arg;
};

static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_mutex_t term_lock;
    bool allow_all_network;
    /* the terminal's settings before the first switch to raw mode */
    int saved_fd;
    struct termios saved;
} L = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, false, -1, { 0 } };

#define FD(h) ((int)(h))

static int neg_errno(void)
{
    return -errno;
}

/* ---- threads ---- */

static void *trampoline(void *arg)
{
    struct linux_thread *t = arg;
    void (*fn)(void *) = t->fn;
    void *fn_arg = t->arg;
    fn(fn_arg);   /* t may be freed once fn has detached it */
    return NULL;
}

static int thread_start(void *data, void (*fn)(void *), void *arg, void **thread)
{
    (void)data;
    struct linux_thread *t = calloc(1, sizeof *t);
    if (!t)
        return -ENOMEM;
    t->fn = fn;
    t->arg = arg;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 8u << 20);   /* the interpreter recurses on wasm calls */
    int r = pthread_create(&t->tid, &attr, trampoline, t);
    pthread_attr_destroy(&attr);
    if (r != 0) {
        free(t);
        return -r;
    }
    *thread = t;
    return 0;
}

static void thread_join(void *data, void *thread)
{
    (void)data;
    struct linux_thread *t = thread;
    pthread_join(t->tid, NULL);
    free(t);
}

static void thread_detach(void *data, void *thread)
{
    (void)data;
    struct linux_thread *t = thread;
    pthread_detach(t->tid);
    free(t);
}

static void on_interrupt(int sig)
{
    (void)sig;   /* only to end a blocking system call with EINTR */
}

static void thread_interrupt(void *data, void *thread)
{
    (void)data;
    struct linux_thread *t = thread;
    pthread_kill(t->tid, SIGUSR2);
}

static uint64_t thread_cpu_ns(void *data, void *thread)
{
    (void)data;
    struct linux_thread *t = thread;
    clockid_t clock;
    struct timespec ts;
    if (pthread_getcpuclockid(t->tid, &clock) != 0 || clock_gettime(clock, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void lock(void *data)
{
    (void)data;
    pthread_mutex_lock(&L.lock);
}

static void unlock(void *data)
{
    (void)data;
    pthread_mutex_unlock(&L.lock);
}

static void wait_cond(void *data)
{
    (void)data;
    pthread_cond_wait(&L.cond, &L.lock);
}

static void notify_all(void *data)
{
    (void)data;
    pthread_cond_broadcast(&L.cond);
}

static void sleep_ns(void *data, uint64_t ns)
{
    (void)data;
    struct timespec ts = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static uint64_t now_ns(void *data)
{
    (void)data;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- handles ---- */

static int dup_handle(void *data, wasi_handle h, wasi_handle *out)
{
    (void)data;
    int fd = fcntl(FD(h), F_DUPFD_CLOEXEC, 3);
    if (fd < 0)
        return neg_errno();
    *out = fd;
    return 0;
}

static int open_null(void *data, wasi_handle *out)
{
    (void)data;
    int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return neg_errno();
    *out = fd;
    return 0;
}

static int make_pipe(void *data, wasi_handle out[2])
{
    (void)data;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        return neg_errno();
    out[0] = fds[0];
    out[1] = fds[1];
    return 0;
}

/* ---- sockets ---- */

static void to_linux(const kpio_sockaddr *k, struct sockaddr_in *s)
{
    memset(s, 0, sizeof *s);
    s->sin_family = AF_INET;
    s->sin_port = htons(k->port);
    memcpy(&s->sin_addr.s_addr, k->addr, 4);
}

static void from_linux(const struct sockaddr_in *s, kpio_sockaddr *k)
{
    memset(k, 0, sizeof *k);
    k->family = KPIO_AF_INET;
    k->port = ntohs(s->sin_port);
    memcpy(k->addr, &s->sin_addr.s_addr, 4);
}

static bool is_loopback(const kpio_sockaddr *k)
{
    return k->addr[0] == 127;
}

static int sock_open(void *data, uint32_t family, uint32_t type, bool nonblock, wasi_handle *out)
{
    (void)data;
    (void)family;
    int t = (type == KPIO_SOCK_STREAM ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC |
            (nonblock ? SOCK_NONBLOCK : 0);
    int fd = socket(AF_INET, t, 0);
    if (fd < 0)
        return neg_errno();
    *out = fd;
    return 0;
}

static int sock_connect(void *data, wasi_handle h, const kpio_sockaddr *addr)
{
    (void)data;
    if (!L.allow_all_network && !is_loopback(addr))
        return -EACCES;
    struct sockaddr_in s;
    to_linux(addr, &s);
    return connect(FD(h), (struct sockaddr *)&s, sizeof s) == 0 ? 0 : neg_errno();
}

static int sock_bind(void *data, wasi_handle h, const kpio_sockaddr *addr)
{
    (void)data;
    kpio_sockaddr a = *addr;
    if (!L.allow_all_network) {
        static const uint8_t any[4] = { 0, 0, 0, 0 };
        if (memcmp(a.addr, any, 4) == 0) {
            a.addr[0] = 127;
            a.addr[3] = 1;
        } else if (!is_loopback(&a)) {
            return -EACCES;
        }
    }
    struct sockaddr_in s;
    to_linux(&a, &s);
    return bind(FD(h), (struct sockaddr *)&s, sizeof s) == 0 ? 0 : neg_errno();
}

static int sock_listen(void *data, wasi_handle h, uint32_t backlog)
{
    (void)data;
    return listen(FD(h), backlog > 4096 ? 4096 : (int)backlog) == 0 ? 0 : neg_errno();
}

static int sock_accept(void *data, wasi_handle h, bool nonblock, wasi_handle *out,
                       kpio_sockaddr *peer)
{
    (void)data;
    struct sockaddr_in s;
    socklen_t len = sizeof s;
    int fd = accept4(FD(h), (struct sockaddr *)&s, &len, SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0));
    if (fd < 0)
        return neg_errno();
    from_linux(&s, peer);
    *out = fd;
    return 0;
}

static int64_t sock_send_to(void *data, wasi_handle h, const void *buf, uint32_t len,
                            const kpio_sockaddr *addr)
{
    (void)data;
    ssize_t n;
    if (addr) {
        if (!L.allow_all_network && !is_loopback(addr))
            return -EACCES;
        struct sockaddr_in s;
        to_linux(addr, &s);
        n = sendto(FD(h), buf, len, MSG_NOSIGNAL, (struct sockaddr *)&s, sizeof s);
    } else {
        n = send(FD(h), buf, len, MSG_NOSIGNAL);
    }
    return n < 0 ? neg_errno() : n;
}

static int64_t sock_recv_from(void *data, wasi_handle h, void *buf, uint32_t len, bool peek,
                              kpio_sockaddr *from)
{
    (void)data;
    struct sockaddr_in s;
    socklen_t slen = sizeof s;
    memset(&s, 0, sizeof s);
    ssize_t n = recvfrom(FD(h), buf, len, peek ? MSG_PEEK : 0, (struct sockaddr *)&s, &slen);
    if (n < 0)
        return neg_errno();
    if (from)
        from_linux(&s, from);
    return n;
}

static int sock_name(wasi_handle h, kpio_sockaddr *out, bool peer)
{
    struct sockaddr_in s;
    socklen_t len = sizeof s;
    int r = peer ? getpeername(FD(h), (struct sockaddr *)&s, &len)
                 : getsockname(FD(h), (struct sockaddr *)&s, &len);
    if (r != 0)
        return neg_errno();
    from_linux(&s, out);
    return 0;
}

static int sock_local_addr(void *data, wasi_handle h, kpio_sockaddr *out)
{
    (void)data;
    return sock_name(h, out, false);
}

static int sock_peer_addr(void *data, wasi_handle h, kpio_sockaddr *out)
{
    (void)data;
    return sock_name(h, out, true);
}

/* A kpio option as (level, name); false if Linux has none. */
static bool linux_option(uint32_t option, int *level, int *name)
{
    *level = SOL_SOCKET;
    switch (option) {
    case KPIO_SO_REUSEADDR: *name = SO_REUSEADDR; return true;
    case KPIO_SO_KEEPALIVE: *name = SO_KEEPALIVE; return true;
    case KPIO_SO_RCVTIMEO: *name = SO_RCVTIMEO; return true;
    case KPIO_SO_SNDTIMEO: *name = SO_SNDTIMEO; return true;
    case KPIO_SO_RCVBUF: *name = SO_RCVBUF; return true;
    case KPIO_SO_SNDBUF: *name = SO_SNDBUF; return true;
    case KPIO_SO_ERROR: *name = SO_ERROR; return true;
    case KPIO_SO_BROADCAST: *name = SO_BROADCAST; return true;
    case KPIO_TCP_NODELAY: *level = IPPROTO_TCP; *name = TCP_NODELAY; return true;
    }
    return false;
}

static int sock_set_option(void *data, wasi_handle h, uint32_t option, uint64_t value)
{
    (void)data;
    int level, name;
    if (!linux_option(option, &level, &name))
        return -ENOPROTOOPT;
    if (option == KPIO_SO_RCVTIMEO || option == KPIO_SO_SNDTIMEO) {
        struct timeval tv = { (time_t)(value / 1000000000u), (suseconds_t)(value % 1000000000u / 1000u) };
        return setsockopt(FD(h), level, name, &tv, sizeof tv) == 0 ? 0 : neg_errno();
    }
    int v = value > 0x7FFFFFFF ? 0x7FFFFFFF : (int)value;
    return setsockopt(FD(h), level, name, &v, sizeof v) == 0 ? 0 : neg_errno();
}

static int sock_get_option(void *data, wasi_handle h, uint32_t option, uint64_t *value)
{
    (void)data;
    int level, name;
    if (!linux_option(option, &level, &name))
        return -ENOPROTOOPT;
    if (option == KPIO_SO_RCVTIMEO || option == KPIO_SO_SNDTIMEO) {
        struct timeval tv;
        socklen_t len = sizeof tv;
        if (getsockopt(FD(h), level, name, &tv, &len) != 0)
            return neg_errno();
        *value = (uint64_t)tv.tv_sec * 1000000000u + (uint64_t)tv.tv_usec * 1000u;
        return 0;
    }
    int v = 0;
    socklen_t len = sizeof v;
    if (getsockopt(FD(h), level, name, &v, &len) != 0)
        return neg_errno();
    *value = (uint64_t)(v < 0 ? 0 : v);
    return 0;
}

static int resolve(void *data, const char *name, kpio_sockaddr *out, uint32_t max, uint32_t *count)
{
    (void)data;
    struct in_addr a;
    *count = 0;
    if (inet_pton(AF_INET, name, &a) == 1 || strcmp(name, "localhost") == 0) {
        if (strcmp(name, "localhost") == 0)
            a.s_addr = htonl(INADDR_LOOPBACK);
        memset(out, 0, sizeof *out);
        out->family = KPIO_AF_INET;
        memcpy(out->addr, &a.s_addr, 4);
        *count = 1;
        return 0;
    }
    if (!L.allow_all_network)
        return -ENOENT;   /* no DNS: nothing may leave the machine */
    struct addrinfo hints, *res;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    int r = getaddrinfo(name, NULL, &hints, &res);
    if (r == EAI_NONAME)
        return -ENOENT;
    if (r == EAI_AGAIN)
        return -ETIMEDOUT;
    if (r != 0)
        return -EIO;
    for (struct addrinfo *ai = res; ai && *count < max; ai = ai->ai_next)
        from_linux((struct sockaddr_in *)ai->ai_addr, &out[(*count)++]);
    freeaddrinfo(res);
    return *count ? 0 : -ENOENT;
}

/* ---- system ---- */

static int get_uname(void *data, kpio_uname *out)
{
    (void)data;
    struct utsname u;
    if (uname(&u) != 0)
        return neg_errno();
    memset(out, 0, sizeof *out);
    snprintf(out->sysname, sizeof out->sysname, "KPIO");
    snprintf(out->nodename, sizeof out->nodename, "%s", u.nodename);
    snprintf(out->release, sizeof out->release, "0.1");
    snprintf(out->version, sizeof out->version, "hosted by kpio-wasm on %s %s", u.sysname, u.release);
    snprintf(out->machine, sizeof out->machine, "%s", u.machine);
    return 0;
}

static int get_sysinfo(void *data, kpio_sysinfo *out)
{
    (void)data;
    struct sysinfo s;
    if (sysinfo(&s) != 0)
        return neg_errno();
    out->uptime_ns = (uint64_t)s.uptime * 1000000000ull;
    out->memory_total = (uint64_t)s.totalram * s.mem_unit;
    out->memory_free = (uint64_t)s.freeram * s.mem_unit;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    out->cpus = cpus > 0 ? (uint32_t)cpus : 1;
    return 0;
}

static const char *fs_type_name(long magic)
{
    switch ((unsigned long)magic) {
    case 0xEF53: return "ext4";
    case 0x01021994: return "tmpfs";
    case 0x794C7630: return "overlay";
    case 0x9123683E: return "btrfs";
    case 0x58465342: return "xfs";
    case 0x4D44: return "fat";
    case 0x6969: return "nfs";
    case 0x65735546: return "fuse";
    default: return "unknown";
    }
}

static int fs_info(void *data, wasi_handle dir, kpio_fs_info *out)
{
    (void)data;
    struct statvfs v;
    struct statfs f;
    if (fstatvfs(FD(dir), &v) != 0 || fstatfs(FD(dir), &f) != 0)
        return neg_errno();
    snprintf(out->type, sizeof out->type, "%s", fs_type_name((long)f.f_type));
    out->block_size = v.f_frsize ? v.f_frsize : v.f_bsize;
    out->blocks_total = v.f_blocks;
    out->blocks_free = v.f_bavail;
    out->flags = (v.f_flag & ST_RDONLY) ? KPIO_FS_READONLY : 0;
    return 0;
}

static void restore_terminal(void)
{
    if (L.saved_fd >= 0)
        tcsetattr(L.saved_fd, TCSAFLUSH, &L.saved);
}

static int term_set_mode(void *data, wasi_handle h, uint32_t mode)
{
    (void)data;
    int fd = FD(h);
    if (!isatty(fd))
        return -ENOTTY;
    pthread_mutex_lock(&L.term_lock);
    if (L.saved_fd < 0) {
        if (tcgetattr(fd, &L.saved) != 0) {
            pthread_mutex_unlock(&L.term_lock);
            return neg_errno();
        }
        L.saved_fd = fd;
        atexit(restore_terminal);
    }
    struct termios t = L.saved;
    if (mode == KPIO_TERM_RAW) {
        /* bytes as typed: no echo, no line buffering, ^C as a byte */
        t.c_lflag &= ~(tcflag_t)(ECHO | ICANON | ISIG | IEXTEN);
        t.c_iflag &= ~(tcflag_t)(IXON | ICRNL | INLCR);
        t.c_cc[VMIN] = 1;
        t.c_cc[VTIME] = 0;
    }
    int r = tcsetattr(fd, TCSADRAIN, &t);
    pthread_mutex_unlock(&L.term_lock);
    return r == 0 ? 0 : neg_errno();
}

static int term_get_size(void *data, wasi_handle h, kpio_term_size *out)
{
    (void)data;
    struct winsize w;
    if (!isatty(FD(h)))
        return -ENOTTY;
    if (ioctl(FD(h), TIOCGWINSZ, &w) != 0)
        return neg_errno();
    out->rows = w.ws_row;
    out->cols = w.ws_col;
    return 0;
}

void kpio_linux_backend(kpio_backend *out, bool allow_all_network)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_interrupt;   /* no SA_RESTART: blocking calls return EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR2, &sa, NULL);
    L.allow_all_network = allow_all_network;

    memset(out, 0, sizeof *out);
    out->thread_start = thread_start;
    out->thread_join = thread_join;
    out->thread_detach = thread_detach;
    out->thread_interrupt = thread_interrupt;
    out->thread_cpu_ns = thread_cpu_ns;
    out->lock = lock;
    out->unlock = unlock;
    out->wait = wait_cond;
    out->notify_all = notify_all;
    out->sleep_ns = sleep_ns;
    out->now_ns = now_ns;
    out->dup = dup_handle;
    out->open_null = open_null;
    out->pipe = make_pipe;
    out->sock_open = sock_open;
    out->sock_connect = sock_connect;
    out->sock_bind = sock_bind;
    out->sock_listen = sock_listen;
    out->sock_accept = sock_accept;
    out->sock_send_to = sock_send_to;
    out->sock_recv_from = sock_recv_from;
    out->sock_local_addr = sock_local_addr;
    out->sock_peer_addr = sock_peer_addr;
    out->sock_set_option = sock_set_option;
    out->sock_get_option = sock_get_option;
    out->resolve = resolve;
    out->uname = get_uname;
    out->sysinfo = get_sysinfo;
    out->fs_info = fs_info;
    out->term_set_mode = term_set_mode;
    out->term_get_size = term_get_size;
}
