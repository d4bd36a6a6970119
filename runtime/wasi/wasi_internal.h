/*
 * runtime/wasi/wasi_internal.h — shared by the files of the WASI core: the
 * context and its fd table, guest-memory access, errno conversion and the
 * path walker.
 */
#ifndef WASI_INTERNAL_H
#define WASI_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasi.h"
#include "wasi_abi.h"

/* The core uses no library beyond memcpy/memset/memcmp/strlen/strchr and
 * these four heap calls. Hosted builds take them from the C library; a
 * kernel build defines WASI_SYSTEM_HEADER to a header that declares the
 * string functions (kernel/lib/lib.h has them) and defines wasi_malloc,
 * wasi_calloc, wasi_realloc and wasi_free over its heap. */
#ifdef WASI_SYSTEM_HEADER
#include WASI_SYSTEM_HEADER
#else
#include <stdlib.h>
#include <string.h>
#define wasi_malloc(n) malloc(n)
#define wasi_calloc(n, size) calloc(n, size)
#define wasi_realloc(p, n) realloc(p, n)
#define wasi_free(p) free(p)
#endif

/* True if the n bytes at p hold a NUL (paths from guests must not). */
static inline bool wasi_has_nul(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] == 0)
            return true;
    return false;
}

/* One slot of the guest's descriptor table. */
typedef struct wasi_fd {
    bool used;
    bool owned;                 /* close the handle when the slot is freed */
    bool preopen;
    uint8_t filetype;           /* WASI_FILETYPE_* */
    uint16_t fdflags;           /* WASI_FDFLAG_* as last set */
    wasi_handle handle;
    uint64_t rights_base;
    uint64_t rights_inheriting;
    char *preopen_name;         /* preopened directories only */
} wasi_fd;

/* What an implementation returns instead of an errno when the instance has
 * been told to exit (proc_exit, proc_raise). */
#define WASI_ENDED (-1)

typedef struct wasi_ctx wasi_ctx;
typedef int (*wasi_impl)(wasi_ctx *ctx, wasm_instance *inst, const uint64_t *args);

struct wasi_binding {
    wasi_ctx *ctx;
    wasi_impl impl;
};

#define WASI_FUNCTION_COUNT 46
#define WASI_MAX_FDS 4096           /* guest descriptors, like a ulimit */
#define WASI_PATH_MAX 4096          /* bytes in a path after symlink expansion */
#define WASI_SYMLINK_MAX 40         /* expansions in one lookup (as Linux) */
#define WASI_IOV_MAX 1024

struct wasi_ctx {
    wasi_backend be;
    wasi_fd *fds;
    uint32_t nfds;                  /* slots allocated */
    char **argv;
    uint32_t argc;
    char **env;
    uint32_t envc;
    int raised_signal;
    struct wasi_binding bindings[WASI_FUNCTION_COUNT];
};

/* ---- fd table (wasi_ctx.c) ---- */
/* The used slot `fd`, or NULL. */
wasi_fd *wasi_fd_get(wasi_ctx *ctx, uint32_t fd);
/* Look fd up and check it holds all of `rights`: 0 or a WASI errno
 * (EBADF, ENOTCAPABLE). */
int wasi_fd_lookup(wasi_ctx *ctx, uint32_t fd, uint64_t rights, wasi_fd **out);
/* Put a handle in the lowest free slot; returns the fd or -1 (table full). */
int64_t wasi_fd_insert(wasi_ctx *ctx, const wasi_fd *proto);
/* Close the handle (if owned) and free the slot. Returns a WASI errno. */
int wasi_fd_release(wasi_ctx *ctx, uint32_t fd);
/* The rights a descriptor of this WASI filetype can hold at most. */
uint64_t wasi_rights_for_type(uint8_t filetype);

/* ---- errno (wasi_errno.c) ---- */
/* A backend result (negative Linux errno) as a WASI errno. */
int wasi_errno(int64_t host_result);

/* ---- guest memory ---- */
/* Host address of guest [off, off+len), or NULL when any of it lies outside
 * memory 0. */
static inline uint8_t *wasi_mem(wasm_instance *inst, uint64_t off, uint64_t len)
{
    if (!wasm_memory_check(inst, off, len))
        return NULL;
    return wasm_memory_base(inst) + off;
}

static inline uint16_t wasi_ld16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t wasi_ld32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t wasi_ld64(const uint8_t *p)
{
    return (uint64_t)wasi_ld32(p) | (uint64_t)wasi_ld32(p + 4) << 32;
}
static inline void wasi_st8(uint8_t *p, uint8_t v) { p[0] = v; }
static inline void wasi_st16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void wasi_st32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static inline void wasi_st64(uint8_t *p, uint64_t v)
{
    wasi_st32(p, (uint32_t)v);
    wasi_st32(p + 4, (uint32_t)(v >> 32));
}

/* Store a u32/u64 result at guest address `off`: 0 or WASI_EFAULT. */
static inline int wasi_put32(wasm_instance *inst, uint64_t off, uint32_t v)
{
    uint8_t *p = wasi_mem(inst, off, 4);
    if (!p)
        return WASI_EFAULT;
    wasi_st32(p, v);
    return 0;
}
static inline int wasi_put64(wasm_instance *inst, uint64_t off, uint64_t v)
{
    uint8_t *p = wasi_mem(inst, off, 8);
    if (!p)
        return WASI_EFAULT;
    wasi_st64(p, v);
    return 0;
}

/* Turn the guest iovec array (list, count) into host iovecs, every buffer
 * checked: in `small` when it fits (kernel stacks are small), else in
 * allocated memory. Returns 0 or a WASI errno; always end with
 * wasi_iovs_put. */
#define WASI_IOV_SMALL 16
int wasi_iovs_get(wasm_instance *inst, uint32_t list, uint32_t count,
                  wasi_iov small[WASI_IOV_SMALL], wasi_iov **iov, int *n);
void wasi_iovs_put(wasi_iov *iov, wasi_iov small[WASI_IOV_SMALL]);

/* Write a filestat to guest memory at `off`. 0 or WASI_EFAULT. */
int wasi_put_filestat(wasm_instance *inst, uint64_t off, const wasi_stat *st);

/* ---- paths (wasi_path.c) ---- */
/* Where a path leads: the directory holding its last component and that
 * component's name ("." when the path names the directory itself). */
typedef struct wasi_target {
    wasi_handle dir;
    bool dir_owned;             /* opened during the walk: close with wasi_target_done */
    bool trailing_slash;        /* the path ended in '/': it must be a directory */
    uint32_t depth;             /* of `dir` below the starting directory */
    char name[256];
} wasi_target;

/* Walk guest path (ptr, len) from directory fd `dirfd`, following symlinks in
 * the middle always and at the end only if `follow`. Never leaves the
 * directory of `dirfd`. Returns 0 or a WASI errno. */
int wasi_path_walk(wasi_ctx *ctx, wasm_instance *inst, wasi_fd *dir, uint32_t path,
                   uint32_t path_len, bool follow, wasi_target *out);
void wasi_target_done(wasi_ctx *ctx, wasi_target *t);

/* ---- the functions, by group ---- */
#define WASI_IMPL(name) int name(wasi_ctx *ctx, wasm_instance *inst, const uint64_t *a)
/* wasi_proc.c */
WASI_IMPL(wasi_args_get); WASI_IMPL(wasi_args_sizes_get);
WASI_IMPL(wasi_environ_get); WASI_IMPL(wasi_environ_sizes_get);
WASI_IMPL(wasi_clock_res_get); WASI_IMPL(wasi_clock_time_get);
WASI_IMPL(wasi_proc_exit); WASI_IMPL(wasi_proc_raise);
WASI_IMPL(wasi_sched_yield); WASI_IMPL(wasi_random_get);
/* wasi_fd.c */
WASI_IMPL(wasi_fd_advise); WASI_IMPL(wasi_fd_allocate); WASI_IMPL(wasi_fd_close);
WASI_IMPL(wasi_fd_datasync); WASI_IMPL(wasi_fd_fdstat_get); WASI_IMPL(wasi_fd_fdstat_set_flags);
WASI_IMPL(wasi_fd_fdstat_set_rights); WASI_IMPL(wasi_fd_filestat_get);
WASI_IMPL(wasi_fd_filestat_set_size); WASI_IMPL(wasi_fd_filestat_set_times);
WASI_IMPL(wasi_fd_pread); WASI_IMPL(wasi_fd_prestat_get); WASI_IMPL(wasi_fd_prestat_dir_name);
WASI_IMPL(wasi_fd_pwrite); WASI_IMPL(wasi_fd_read); WASI_IMPL(wasi_fd_readdir);
WASI_IMPL(wasi_fd_renumber); WASI_IMPL(wasi_fd_seek); WASI_IMPL(wasi_fd_sync);
WASI_IMPL(wasi_fd_tell); WASI_IMPL(wasi_fd_write);
/* wasi_pathops.c */
WASI_IMPL(wasi_path_create_directory); WASI_IMPL(wasi_path_filestat_get);
WASI_IMPL(wasi_path_filestat_set_times); WASI_IMPL(wasi_path_link); WASI_IMPL(wasi_path_open);
WASI_IMPL(wasi_path_readlink); WASI_IMPL(wasi_path_remove_directory);
WASI_IMPL(wasi_path_rename); WASI_IMPL(wasi_path_symlink); WASI_IMPL(wasi_path_unlink_file);
/* wasi_poll.c */
WASI_IMPL(wasi_poll_oneoff);
/* wasi_sock.c */
WASI_IMPL(wasi_sock_accept); WASI_IMPL(wasi_sock_recv); WASI_IMPL(wasi_sock_send);
WASI_IMPL(wasi_sock_shutdown);

#endif
