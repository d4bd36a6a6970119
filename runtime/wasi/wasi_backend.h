/*
 * runtime/wasi/wasi_backend.h — what the portable WASI core needs from the
 * system it runs on. The hosted build implements it over POSIX
 * (runtime/host/wasi_posix.c); the kernel implements the same table over its
 * VFS, clocks, CSPRNG, console and sockets.
 *
 * Objects are named by an opaque `wasi_handle` (a file descriptor on Linux, a
 * pointer to an open file in the kernel). Every call returns 0 or a positive
 * count on success and a negative errno (Linux numbers, include/kpio/errno.h)
 * on failure.
 *
 * Path operations take a directory handle and ONE name: never a path with a
 * slash in it, never "..". The core walks paths itself, one component at a
 * time, and never asks the backend to follow a symbolic link: that is how a
 * guest stays inside its preopened directories (see wasi_path.c).
 */
#ifndef WASI_BACKEND_H
#define WASI_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef intptr_t wasi_handle;

/* open_at flags */
#define WASI_OPEN_READ      0x0001
#define WASI_OPEN_WRITE     0x0002
#define WASI_OPEN_CREATE    0x0004
#define WASI_OPEN_EXCL      0x0008
#define WASI_OPEN_TRUNC     0x0010
#define WASI_OPEN_DIRECTORY 0x0020  /* fail with -ENOTDIR unless a directory */
#define WASI_OPEN_SEARCH    0x0040  /* only to look names up in (O_PATH) */
#define WASI_OPEN_APPEND    0x0080
#define WASI_OPEN_NONBLOCK  0x0100
#define WASI_OPEN_DSYNC     0x0200
#define WASI_OPEN_SYNC      0x0400
#define WASI_OPEN_RSYNC     0x0800

/* A file's metadata; times in nanoseconds since 1970. */
typedef struct wasi_stat {
    uint64_t dev, ino, nlink, size;
    uint64_t atim, mtim, ctim;
    uint8_t filetype;               /* WASI_FILETYPE_* */
} wasi_stat;

/* A piece of host memory (already checked to lie in the guest's memory). */
typedef struct wasi_iov {
    void *base;
    size_t len;
} wasi_iov;

/* One directory entry, as readdir reports it. `next` is the cookie that
 * resumes the listing after this entry. */
typedef struct wasi_dirent {
    uint64_t next, ino;
    uint8_t filetype;
    const char *name;
    size_t namelen;
} wasi_dirent;
/* Return true to continue, false to stop listing. */
typedef bool (*wasi_dirent_fn)(void *arg, const wasi_dirent *e);

/* For poll: one handle and what to wait for; the backend fills `ready`
 * (bit 0 readable, bit 1 writable, bit 2 hang-up) and `nbytes`. */
typedef struct wasi_pollfd {
    wasi_handle handle;
    bool want_read, want_write;
    uint8_t ready;
    uint64_t nbytes;
    int error;                      /* negative errno for this fd, or 0 */
} wasi_pollfd;
#define WASI_POLL_READABLE 1
#define WASI_POLL_WRITABLE 2
#define WASI_POLL_HANGUP   4

/* For set_times: which times to change, and how. */
#define WASI_TIME_ATIM      0x01
#define WASI_TIME_ATIM_NOW  0x02
#define WASI_TIME_MTIM      0x04
#define WASI_TIME_MTIM_NOW  0x08

typedef struct wasi_backend {
    void *data;                     /* passed back as the first argument */

    /* ---- files and directories ---- */
    /* Open `name` in `dir` without following a symlink there (-ELOOP if it
     * is one). */
    int (*open_at)(void *data, wasi_handle dir, const char *name, uint32_t flags,
                   wasi_handle *out);
    int (*close)(void *data, wasi_handle h);
    /* offset < 0: at the current position (and advance it). */
    int64_t (*readv)(void *data, wasi_handle h, const wasi_iov *iov, int n, int64_t offset);
    int64_t (*writev)(void *data, wasi_handle h, const wasi_iov *iov, int n, int64_t offset);
    /* whence: WASI_WHENCE_*; returns the new position */
    int64_t (*seek)(void *data, wasi_handle h, int64_t offset, int whence);
    int (*sync)(void *data, wasi_handle h, bool data_only);
    int (*advise)(void *data, wasi_handle h, uint64_t offset, uint64_t len, int advice);
    int (*allocate)(void *data, wasi_handle h, uint64_t offset, uint64_t len);
    int (*stat)(void *data, wasi_handle h, wasi_stat *st);
    /* Stat `name` in `dir`, not following a symlink. */
    int (*stat_at)(void *data, wasi_handle dir, const char *name, wasi_stat *st);
    int (*set_size)(void *data, wasi_handle h, uint64_t size);
    /* name == NULL: the object h itself; else `name` in directory h (not
     * following a symlink). how: WASI_TIME_*. */
    int (*set_times)(void *data, wasi_handle h, const char *name, uint64_t atim,
                     uint64_t mtim, uint32_t how);
    /* Change the append and nonblock flags (WASI_OPEN_APPEND|NONBLOCK). */
    int (*set_flags)(void *data, wasi_handle h, uint32_t flags);
    /* List entries from `cookie` (0 = the start); call fn until it says stop. */
    int (*readdir)(void *data, wasi_handle dir, uint64_t cookie, wasi_dirent_fn fn, void *arg);
    int (*mkdir_at)(void *data, wasi_handle dir, const char *name);
    int (*rmdir_at)(void *data, wasi_handle dir, const char *name);
    int (*unlink_at)(void *data, wasi_handle dir, const char *name);
    int (*rename_at)(void *data, wasi_handle odir, const char *oname, wasi_handle ndir,
                     const char *nname);
    int (*link_at)(void *data, wasi_handle odir, const char *oname, wasi_handle ndir,
                   const char *nname);
    int (*symlink_at)(void *data, const char *target, wasi_handle dir, const char *name);
    /* Returns the target's length (it may be cut to len). */
    int (*readlink_at)(void *data, wasi_handle dir, const char *name, char *buf, size_t len);

    /* ---- waiting, time, randomness ---- */
    /* Wait until an fd is ready or timeout_ns passes (< 0: forever).
     * Returns the number of ready entries. */
    int (*poll)(void *data, wasi_pollfd *fds, int n, int64_t timeout_ns);
    /* Clocks: WASI_CLOCK_* ids, nanoseconds. */
    int (*clock_time)(void *data, uint32_t clock, uint64_t *ns);
    int (*clock_res)(void *data, uint32_t clock, uint64_t *ns);
    /* Fill buf from the system's CSPRNG. */
    int (*random)(void *data, void *buf, size_t len);
    void (*yield)(void *data);

    /* ---- sockets (already open: preopened listeners and what they accept) ---- */
    int (*sock_accept)(void *data, wasi_handle h, bool nonblock, wasi_handle *out);
    /* *truncated is set when a datagram did not fit. */
    int64_t (*sock_recv)(void *data, wasi_handle h, const wasi_iov *iov, int n, bool peek,
                         bool waitall, bool *truncated);
    int64_t (*sock_send)(void *data, wasi_handle h, const wasi_iov *iov, int n);
    int (*sock_shutdown)(void *data, wasi_handle h, bool rd, bool wr);
} wasi_backend;

#endif
