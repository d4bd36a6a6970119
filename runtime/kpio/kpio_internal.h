/*
 * runtime/kpio/kpio_internal.h — shared by the files of the kpio host
 * layer: the process table, the module cache, guest memory access and the
 * bridge to the WASI context's descriptor table.
 */
#ifndef KPIO_INTERNAL_H
#define KPIO_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kpio_host.h"

/* Like the WASI core: a kernel build names a header that provides the
 * string functions and kpio_malloc/calloc/realloc/free over its heap. */
#ifdef KPIO_SYSTEM_HEADER
#include KPIO_SYSTEM_HEADER
#else
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define kpio_malloc(n) malloc(n)
#define kpio_calloc(n, size) calloc(n, size)
#define kpio_realloc(p, n) realloc(p, n)
#define kpio_free(p) free(p)
#endif

#define KPIO_MAX_MODULE_SIZE   (256u << 20)   /* bytes of a module file */
#define KPIO_MAX_ARGS_SIZE     (1u << 20)     /* argv and env buffers */
#define KPIO_MODULE_CACHE      64             /* compiled modules kept */
#define KPIO_WATCHDOG_NS       (10 * 1000 * 1000ull)

enum kpio_state { PROC_RUNNING, PROC_EXITED };

/* Why a process is being stopped. */
enum kpio_stop { STOP_NONE, STOP_KILLED, STOP_CPU_LIMIT, STOP_SHUTDOWN };

struct kpio_process {
    kpio_system *sys;
    int32_t pid, ppid;
    enum kpio_state state;
    bool attached;              /* run by the embedder, not by us */
    bool orphan_reap;           /* free the record when it ends (no parent) */
    char name[24];
    kpio_permissions perms;
    uint64_t start_ns;
    uint64_t cpu_limit_ns;      /* 0 = none */
    enum kpio_stop stop;
    void *thread;               /* ours; NULL for attached processes */
    wasm_instance *inst;        /* while it runs */
    wasi_ctx *wasi;
    void *bindings;             /* kpio_link's, freed with the record */
    kpio_proc_status status;    /* once exited */
    struct kpio_process *next;  /* in the table */

    /* what the thread needs to start (children only) */
    struct kpio_cached_module *module;
    uint32_t max_memory_pages;
};

struct kpio_cached_module {
    uint64_t dev, ino, size, mtime;
    wasm_module *module;
    uint32_t users;             /* processes using it now */
    uint64_t last_used;
};

struct kpio_system {
    kpio_backend be;
    wasi_backend wasi_be;
    struct kpio_process *procs;
    int32_t next_pid;
    bool shutting_down;
    bool stopping;              /* sys_power under way */
    void *watchdog;             /* thread, started on first need */
    bool watchdog_running;
    struct kpio_cached_module cache[KPIO_MODULE_CACHE];
    uint64_t cache_clock;
};

/* ---- guest memory (kpio_link.c) ---- */
/* True if the n bytes at p hold a NUL (strings from guests must not). */
static inline bool kpio_has_nul(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] == 0)
            return true;
    return false;
}

/* Host address of guest [ptr, ptr + len), or NULL if outside memory 0. */
uint8_t *kpio_mem(wasm_instance *inst, uint32_t ptr, uint32_t len);
void kpio_st16(uint8_t *p, uint16_t v);
void kpio_st32(uint8_t *p, uint32_t v);
void kpio_st64(uint8_t *p, uint64_t v);
uint16_t kpio_ld16(const uint8_t *p);
uint32_t kpio_ld32(const uint8_t *p);
/* Write a sockaddr to guest memory / read one from it (20 bytes). */
kpio_errno kpio_put_sockaddr(wasm_instance *inst, uint32_t ptr, const kpio_sockaddr *a);
kpio_errno kpio_get_sockaddr(wasm_instance *inst, uint32_t ptr, kpio_sockaddr *a);

/* ---- the WASI descriptor table (kpio_wasi_bridge.c) ---- */
/* The handle behind guest fd `fd`, its WASI filetype and rights. */
kpio_errno kpio_fd_get(wasi_ctx *ctx, uint32_t fd, wasi_handle *h, uint8_t *filetype,
                       uint64_t *rights);
/* The rights of guest fd `fd` (0 and 0 if there is none). */
void kpio_fd_rights(wasi_ctx *ctx, uint32_t fd, uint64_t *base, uint64_t *inheriting);
/* Add an owned handle as a new guest fd; on failure the caller still owns h. */
kpio_errno kpio_fd_add(wasi_ctx *ctx, wasi_handle h, uint8_t filetype, bool nonblock,
                       uint32_t *fd);
/* The index-th preopened directory of ctx: false past the last. */
bool kpio_preopen_get(wasi_ctx *ctx, uint32_t index, const char **name, wasi_handle *h,
                      uint64_t *rights, uint64_t *inheriting);
/* Close guest fd `fd` (and its handle). */
void kpio_fd_close(wasi_ctx *ctx, uint32_t fd);
/* Limit the rights of guest fd `fd` to those given. */
void kpio_fd_restrict(wasi_ctx *ctx, uint32_t fd, uint64_t rights, uint64_t inheriting);
/* A backend result (negative Linux errno) as a kpio (WASI) errno. */
kpio_errno kpio_errno_of(int64_t host_result);

/* WASI filetypes and rights used here (WASI Preview 1 values). */
#define KPIO_FILETYPE_UNKNOWN       0
#define KPIO_FILETYPE_DIRECTORY     3
#define KPIO_FILETYPE_REGULAR_FILE  4
#define KPIO_FILETYPE_SOCKET_DGRAM  5
#define KPIO_FILETYPE_SOCKET_STREAM 6
#define KPIO_RIGHT_FD_READ          (1ull << 1)

/* ---- the process table (kpio_system.c) ---- */
/* Find a process by pid (lock held). */
kpio_process *kpio_find(kpio_system *sys, int32_t pid);
/* A new record in the table (lock held); NULL if out of memory. */
kpio_process *kpio_new_process(kpio_system *sys, int32_t ppid, const char *name);
/* Unlink and free a record (lock held). */
void kpio_free_process(kpio_system *sys, kpio_process *p);
/* The compiled module for the file open at handle h (cache or load).
 * Returns NULL with a message in err. Takes a use: release it. */
struct kpio_cached_module *kpio_module_get(kpio_system *sys, wasi_handle h, char *err,
                                           size_t errcap);
void kpio_module_release(kpio_system *sys, struct kpio_cached_module *m);
/* Make sure the watchdog (CPU limits, kill retries) runs (lock held). */
void kpio_watchdog_need(kpio_system *sys);
/* A child's thread reports its end (lock not held). */
void kpio_process_ended(kpio_process *p, const kpio_proc_status *status);
/* Stop a running process (lock held). */
void kpio_stop_process(kpio_process *p, enum kpio_stop why);

/* ---- the functions, by group ---- */
#define KPIO_IMPL(name) kpio_errno name(kpio_process *self, wasm_instance *inst, const uint64_t *a)
/* kpio_proc.c */
KPIO_IMPL(kpio_h_proc_spawn); KPIO_IMPL(kpio_h_proc_wait); KPIO_IMPL(kpio_h_proc_kill);
KPIO_IMPL(kpio_h_proc_self); KPIO_IMPL(kpio_h_proc_list);
/* kpio_net.c */
KPIO_IMPL(kpio_h_sock_open); KPIO_IMPL(kpio_h_sock_connect); KPIO_IMPL(kpio_h_sock_bind);
KPIO_IMPL(kpio_h_sock_listen); KPIO_IMPL(kpio_h_sock_accept); KPIO_IMPL(kpio_h_sock_send_to);
KPIO_IMPL(kpio_h_sock_recv_from); KPIO_IMPL(kpio_h_sock_local_addr);
KPIO_IMPL(kpio_h_sock_peer_addr); KPIO_IMPL(kpio_h_sock_set_option);
KPIO_IMPL(kpio_h_sock_get_option); KPIO_IMPL(kpio_h_resolve);
/* kpio_sys.c */
KPIO_IMPL(kpio_h_pipe); KPIO_IMPL(kpio_h_sys_uname); KPIO_IMPL(kpio_h_sys_info);
KPIO_IMPL(kpio_h_fs_list); KPIO_IMPL(kpio_h_term_set_mode); KPIO_IMPL(kpio_h_term_get_size);
KPIO_IMPL(kpio_h_sys_power); KPIO_IMPL(kpio_h_module_validate);

#endif
