/*
 * runtime/host/wasi_posix.c — the WASI backend over Linux system calls. The
 * portable core (runtime/wasi/) decides what may be touched; this file only
 * translates: one name relative to one directory descriptor per call, never
 * following a symbolic link, errors as negative errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "wasi_posix.h"
#include "../wasi/wasi_abi.h"

#define FD(h) ((int)(h))

static int neg_errno(void) { return -errno; }
static int64_t ret64(int64_t r) { return r < 0 ? -errno : r; }
static int ret(int r) { return r < 0 ? -errno : r; }

static int posix_open_at(void *data, wasi_handle dir, const char *name, uint32_t flags,
                         wasi_handle *out)
{
    (void)data;
    int o = O_NOFOLLOW | O_CLOEXEC;
    if (flags & WASI_OPEN_SEARCH)
        o |= O_PATH;
    else if ((flags & WASI_OPEN_READ) && (flags & WASI_OPEN_WRITE))
        o |= O_RDWR;
    else if (flags & WASI_OPEN_WRITE)
        o |= O_WRONLY;
    else
        o |= O_RDONLY;
    if (flags & WASI_OPEN_CREATE) o |= O_CREAT;
    if (flags & WASI_OPEN_EXCL) o |= O_EXCL;
    if (flags & WASI_OPEN_TRUNC) o |= O_TRUNC;
    if (flags & WASI_OPEN_DIRECTORY) o |= O_DIRECTORY;
    if (flags & WASI_OPEN_APPEND) o |= O_APPEND;
    if (flags & WASI_OPEN_NONBLOCK) o |= O_NONBLOCK;
    if (flags & WASI_OPEN_DSYNC) o |= O_DSYNC;
    if (flags & WASI_OPEN_SYNC) o |= O_SYNC;
    if (flags & WASI_OPEN_RSYNC) o |= O_RSYNC;
    int fd = openat(FD(dir), name, o, 0666);
    if (fd < 0)
        return neg_errno();
    *out = fd;
    return 0;
}

static int posix_close(void *data, wasi_handle h)
{
    (void)data;
    return ret(close(FD(h)));
}

static int64_t posix_readv(void *data, wasi_handle h, const wasi_iov *iov, int n, int64_t off)
{
    (void)data;
    const struct iovec *v = (const struct iovec *)iov;  /* same layout, checked below */
    return ret64(off < 0 ? readv(FD(h), v, n) : preadv(FD(h), v, n, off));
}

static int64_t posix_writev(void *data, wasi_handle h, const wasi_iov *iov, int n, int64_t off)
{
    (void)data;
    const struct iovec *v = (const struct iovec *)iov;
    return ret64(off < 0 ? writev(FD(h), v, n) : pwritev(FD(h), v, n, off));
}

_Static_assert(sizeof(wasi_iov) == sizeof(struct iovec), "iovec layout");
_Static_assert(offsetof(wasi_iov, base) == offsetof(struct iovec, iov_base), "iovec layout");
_Static_assert(offsetof(wasi_iov, len) == offsetof(struct iovec, iov_len), "iovec layout");

static int64_t posix_seek(void *data, wasi_handle h, int64_t off, int whence)
{
    (void)data;
    static const int map[] = { SEEK_SET, SEEK_CUR, SEEK_END };
    return ret64(lseek(FD(h), off, map[whence]));
}

static int posix_sync(void *data, wasi_handle h, bool data_only)
{
    (void)data;
    return ret(data_only ? fdatasync(FD(h)) : fsync(FD(h)));
}

static int posix_advise(void *data, wasi_handle h, uint64_t off, uint64_t len, int advice)
{
    (void)data;
    static const int map[] = { POSIX_FADV_NORMAL, POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                               POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE };
    return -posix_fadvise(FD(h), (off_t)off, (off_t)len, map[advice]);
}

static int posix_allocate(void *data, wasi_handle h, uint64_t off, uint64_t len)
{
    (void)data;
    return -posix_fallocate(FD(h), (off_t)off, (off_t)len);
}

static uint8_t filetype_of(const struct stat *s, int fd)
{
    switch (s->st_mode & S_IFMT) {
    case S_IFREG: return WASI_FILETYPE_REGULAR_FILE;
    case S_IFDIR: return WASI_FILETYPE_DIRECTORY;
    case S_IFLNK: return WASI_FILETYPE_SYMBOLIC_LINK;
    case S_IFCHR: return WASI_FILETYPE_CHARACTER_DEVICE;
    case S_IFBLK: return WASI_FILETYPE_BLOCK_DEVICE;
    case S_IFSOCK: {
        int type = 0;
        socklen_t len = sizeof(type);
        if (fd >= 0 && getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 &&
            type == SOCK_DGRAM)
            return WASI_FILETYPE_SOCKET_DGRAM;
        return WASI_FILETYPE_SOCKET_STREAM;
    }
    default: return WASI_FILETYPE_UNKNOWN;   /* FIFOs have no WASI type */
    }
}

static uint64_t ns_of(struct timespec t)
{
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static void convert_stat(const struct stat *s, int fd, wasi_stat *st)
{
    st->dev = s->st_dev;
    st->ino = s->st_ino;
    st->nlink = s->st_nlink;
    st->size = (uint64_t)s->st_size;
    st->atim = ns_of(s->st_atim);
    st->mtim = ns_of(s->st_mtim);
    st->ctim = ns_of(s->st_ctim);
    st->filetype = filetype_of(s, fd);
}

static int posix_stat(void *data, wasi_handle h, wasi_stat *st)
{
    (void)data;
    struct stat s;
    if (fstat(FD(h), &s) < 0)
        return neg_errno();
    convert_stat(&s, FD(h), st);
    return 0;
}

static int posix_stat_at(void *data, wasi_handle dir, const char *name, wasi_stat *st)
{
    (void)data;
    struct stat s;
    if (fstatat(FD(dir), name, &s, AT_SYMLINK_NOFOLLOW) < 0)
        return neg_errno();
    convert_stat(&s, -1, st);
    return 0;
}

static int posix_set_size(void *data, wasi_handle h, uint64_t size)
{
    (void)data;
    return ret(ftruncate(FD(h), (off_t)size));
}

static struct timespec time_spec(uint64_t ns, bool set, bool now)
{
    struct timespec t = { 0, UTIME_OMIT };
    if (now) {
        t.tv_nsec = UTIME_NOW;
    } else if (set) {
        t.tv_sec = (time_t)(ns / 1000000000ull);
        t.tv_nsec = (long)(ns % 1000000000ull);
    }
    return t;
}

static int posix_set_times(void *data, wasi_handle h, const char *name, uint64_t atim,
                           uint64_t mtim, uint32_t how)
{
    (void)data;
    struct timespec ts[2] = {
        time_spec(atim, how & WASI_TIME_ATIM, how & WASI_TIME_ATIM_NOW),
        time_spec(mtim, how & WASI_TIME_MTIM, how & WASI_TIME_MTIM_NOW),
    };
    if (!name)
        return ret(futimens(FD(h), ts));
    return ret(utimensat(FD(h), name, ts, AT_SYMLINK_NOFOLLOW));
}

static int posix_set_flags(void *data, wasi_handle h, uint32_t flags)
{
    (void)data;
    int cur = fcntl(FD(h), F_GETFL);
    if (cur < 0)
        return neg_errno();
    cur &= ~(O_APPEND | O_NONBLOCK);
    if (flags & WASI_OPEN_APPEND) cur |= O_APPEND;
    if (flags & WASI_OPEN_NONBLOCK) cur |= O_NONBLOCK;
    return ret(fcntl(FD(h), F_SETFL, cur));
}

/* The kernel's struct linux_dirent64 (getdents64(2)). */
struct dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

static uint8_t filetype_of_dtype(int dir, const char *name, unsigned char t)
{
    switch (t) {
    case 1 /* DT_FIFO */: return WASI_FILETYPE_UNKNOWN;
    case 2 /* DT_CHR */: return WASI_FILETYPE_CHARACTER_DEVICE;
    case 4 /* DT_DIR */: return WASI_FILETYPE_DIRECTORY;
    case 6 /* DT_BLK */: return WASI_FILETYPE_BLOCK_DEVICE;
    case 8 /* DT_REG */: return WASI_FILETYPE_REGULAR_FILE;
    case 10 /* DT_LNK */: return WASI_FILETYPE_SYMBOLIC_LINK;
    case 12 /* DT_SOCK */: return WASI_FILETYPE_SOCKET_STREAM;
    default: {
        struct stat s;
        if (fstatat(dir, name, &s, AT_SYMLINK_NOFOLLOW) < 0)
            return WASI_FILETYPE_UNKNOWN;
        return filetype_of(&s, -1);
    }
    }
}

/* List a directory from `cookie`, which is a getdents64 d_off (0 = start). */
static int posix_readdir(void *data, wasi_handle dir, uint64_t cookie, wasi_dirent_fn fn,
                         void *arg)
{
    (void)data;
    if (lseek(FD(dir), (off_t)cookie, SEEK_SET) < 0)
        return neg_errno();
    char *buf = malloc(16384);
    if (!buf)
        return -ENOMEM;
    int r = 0;
    for (;;) {
        long n = syscall(SYS_getdents64, FD(dir), buf, 16384);
        if (n <= 0) {
            r = n < 0 ? neg_errno() : 0;
            break;
        }
        for (long at = 0; at < n;) {
            struct dirent64 *d = (struct dirent64 *)(buf + at);
            at += d->d_reclen;
            wasi_dirent e = {
                .next = (uint64_t)d->d_off,
                .ino = d->d_ino,
                .filetype = filetype_of_dtype(FD(dir), d->d_name, d->d_type),
                .name = d->d_name,
                .namelen = strlen(d->d_name),
            };
            if (!fn(arg, &e))
                goto out;
        }
    }
out:
    free(buf);
    return r;
}

static int posix_mkdir_at(void *data, wasi_handle dir, const char *name)
{
    (void)data;
    return ret(mkdirat(FD(dir), name, 0777));
}

static int posix_rmdir_at(void *data, wasi_handle dir, const char *name)
{
    (void)data;
    return ret(unlinkat(FD(dir), name, AT_REMOVEDIR));
}

static int posix_unlink_at(void *data, wasi_handle dir, const char *name)
{
    (void)data;
    return ret(unlinkat(FD(dir), name, 0));
}

static int posix_rename_at(void *data, wasi_handle od, const char *on, wasi_handle nd,
                           const char *nn)
{
    (void)data;
    return ret(renameat(FD(od), on, FD(nd), nn));
}

static int posix_link_at(void *data, wasi_handle od, const char *on, wasi_handle nd,
                         const char *nn)
{
    (void)data;
    return ret(linkat(FD(od), on, FD(nd), nn, 0));
}

static int posix_symlink_at(void *data, const char *target, wasi_handle dir, const char *name)
{
    (void)data;
    return ret(symlinkat(target, FD(dir), name));
}

static int posix_readlink_at(void *data, wasi_handle dir, const char *name, char *buf,
                             size_t len)
{
    (void)data;
    return (int)ret64(readlinkat(FD(dir), name, buf, len));
}

static int posix_poll(void *data, wasi_pollfd *fds, int n, int64_t timeout_ns)
{
    (void)data;
    struct pollfd small[16], *p = small;
    if (n > 16 && !(p = calloc((size_t)n, sizeof(*p))))
        return -ENOMEM;
    for (int i = 0; i < n; i++) {
        p[i].fd = FD(fds[i].handle);
        p[i].events = (short)((fds[i].want_read ? POLLIN : 0) | (fds[i].want_write ? POLLOUT : 0));
        p[i].revents = 0;
    }
    struct timespec ts = { (time_t)(timeout_ns / 1000000000), (long)(timeout_ns % 1000000000) };
    int r = ppoll(p, (nfds_t)n, timeout_ns < 0 ? NULL : &ts, NULL);
    if (r < 0) {
        r = neg_errno();
    } else {
        for (int i = 0; i < n; i++) {
            wasi_pollfd *f = &fds[i];
            short re = p[i].revents;
            f->ready = 0;
            f->error = 0;
            if (re & POLLNVAL)
                f->error = -EBADF;
            else if (re & POLLERR)
                f->error = -EIO;
            if (re & POLLIN) f->ready |= WASI_POLL_READABLE;
            if (re & POLLOUT) f->ready |= WASI_POLL_WRITABLE;
            if (re & POLLHUP) f->ready |= WASI_POLL_HANGUP;
            int avail = 0;
            if ((re & POLLIN) && ioctl(p[i].fd, FIONREAD, &avail) == 0 && avail > 0)
                f->nbytes = (uint64_t)avail;
        }
    }
    if (p != small)
        free(p);
    return r;
}

static clockid_t clock_of(uint32_t id)
{
    switch (id) {
    case WASI_CLOCK_REALTIME: return CLOCK_REALTIME;
    case WASI_CLOCK_MONOTONIC: return CLOCK_MONOTONIC;
    case WASI_CLOCK_PROCESS_CPUTIME: return CLOCK_PROCESS_CPUTIME_ID;
    default: return CLOCK_THREAD_CPUTIME_ID;
    }
}

static int posix_clock_time(void *data, uint32_t id, uint64_t *ns)
{
    (void)data;
    struct timespec t;
    if (clock_gettime(clock_of(id), &t) < 0)
        return neg_errno();
    *ns = ns_of(t);
    return 0;
}

static int posix_clock_res(void *data, uint32_t id, uint64_t *ns)
{
    (void)data;
    struct timespec t;
    if (clock_getres(clock_of(id), &t) < 0)
        return neg_errno();
    *ns = ns_of(t);
    return 0;
}

static int posix_random(void *data, void *buf, size_t len)
{
    (void)data;
    uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = getrandom(p, len, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return neg_errno();
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static void posix_yield(void *data)
{
    (void)data;
    sched_yield();
}

static int posix_sock_accept(void *data, wasi_handle h, bool nonblock, wasi_handle *out)
{
    (void)data;
    int fd = accept4(FD(h), NULL, NULL, SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0));
    if (fd < 0)
        return neg_errno();
    *out = fd;
    return 0;
}

static int64_t posix_sock_recv(void *data, wasi_handle h, const wasi_iov *iov, int n, bool peek,
                               bool waitall, bool *truncated)
{
    (void)data;
    struct msghdr m = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)n };
    ssize_t r = recvmsg(FD(h), &m, (peek ? MSG_PEEK : 0) | (waitall ? MSG_WAITALL : 0));
    if (r < 0)
        return neg_errno();
    *truncated = m.msg_flags & MSG_TRUNC;
    return r;
}

static int64_t posix_sock_send(void *data, wasi_handle h, const wasi_iov *iov, int n)
{
    (void)data;
    struct msghdr m = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)n };
    return ret64(sendmsg(FD(h), &m, MSG_NOSIGNAL));
}

static int posix_sock_shutdown(void *data, wasi_handle h, bool rd, bool wr)
{
    (void)data;
    return ret(shutdown(FD(h), rd && wr ? SHUT_RDWR : rd ? SHUT_RD : SHUT_WR));
}

void wasi_posix_backend(wasi_backend *b)
{
    *b = (wasi_backend){
        .open_at = posix_open_at,
        .close = posix_close,
        .readv = posix_readv,
        .writev = posix_writev,
        .seek = posix_seek,
        .sync = posix_sync,
        .advise = posix_advise,
        .allocate = posix_allocate,
        .stat = posix_stat,
        .stat_at = posix_stat_at,
        .set_size = posix_set_size,
        .set_times = posix_set_times,
        .set_flags = posix_set_flags,
        .readdir = posix_readdir,
        .mkdir_at = posix_mkdir_at,
        .rmdir_at = posix_rmdir_at,
        .unlink_at = posix_unlink_at,
        .rename_at = posix_rename_at,
        .link_at = posix_link_at,
        .symlink_at = posix_symlink_at,
        .readlink_at = posix_readlink_at,
        .poll = posix_poll,
        .clock_time = posix_clock_time,
        .clock_res = posix_clock_res,
        .random = posix_random,
        .yield = posix_yield,
        .sock_accept = posix_sock_accept,
        .sock_recv = posix_sock_recv,
        .sock_send = posix_sock_send,
        .sock_shutdown = posix_sock_shutdown,
    };
}
