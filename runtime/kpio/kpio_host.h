/*
 * runtime/kpio/kpio_host.h — the host side of the kpio API
 * (sdk/include/kpio.h) for an embedder of the runtime: the hosted
 * kpio-wasm CLI now, the kernel later.
 *
 * A kpio_system is one process table: it starts every app as its own
 * instance (own WASI context, own thread) and shares compiled modules
 * between instances of the same file. The portable code here needs, beyond
 * the WASI backend (runtime/wasi/wasi_backend.h), a small kpio_backend:
 * threads, one lock and condition, duplicating handles, pipes, sockets,
 * name resolution and system facts. runtime/host/kpio_linux.c implements
 * it for Linux; the kernel will implement it over its scheduler, pipes and
 * socket layer.
 *
 * Backend calls return 0 (or a count) or a negative errno with Linux's
 * numbers, as the WASI backend does.
 */
#ifndef KPIO_HOST_H
#define KPIO_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "kpio.h"
#include "kpio_wasm.h"
#include "wasi.h"

typedef struct kpio_system kpio_system;
typedef struct kpio_process kpio_process;

typedef struct kpio_backend {
    void *data;

    /* ---- threads ---- */
    /* Start fn(arg) on a new thread; *thread names it for the calls below. */
    int (*thread_start)(void *data, void (*fn)(void *arg), void *arg, void **thread);
    /* Wait for a thread to end and release it. */
    void (*thread_join)(void *data, void *thread);
    /* Release a thread that will not be joined (it may still be running). */
    void (*thread_detach)(void *data, void *thread);
    /* Make a blocking host call on that thread return early (-EINTR). */
    void (*thread_interrupt)(void *data, void *thread);
    /* CPU time the thread has used, in ns (0 if unknown). */
    uint64_t (*thread_cpu_ns)(void *data, void *thread);
    /* One lock for the process table, and one condition on it. */
    void (*lock)(void *data);
    void (*unlock)(void *data);
    void (*wait)(void *data);             /* unlock, sleep until notify_all, relock */
    void (*notify_all)(void *data);
    void (*sleep_ns)(void *data, uint64_t ns);
    uint64_t (*now_ns)(void *data);       /* monotonic */

    /* ---- handles ---- */
    int (*dup)(void *data, wasi_handle h, wasi_handle *out);
    /* A handle that reads as empty and swallows writes. */
    int (*open_null)(void *data, wasi_handle *out);
    /* A pipe: out[0] reads what out[1] writes. */
    int (*pipe)(void *data, wasi_handle out[2]);

    /* ---- sockets (network permission is checked before these) ---- */
    int (*sock_open)(void *data, uint32_t family, uint32_t type, bool nonblock, wasi_handle *out);
    int (*sock_connect)(void *data, wasi_handle h, const kpio_sockaddr *addr);
    int (*sock_bind)(void *data, wasi_handle h, const kpio_sockaddr *addr);
    int (*sock_listen)(void *data, wasi_handle h, uint32_t backlog);
    int (*sock_accept)(void *data, wasi_handle h, bool nonblock, wasi_handle *out,
                       kpio_sockaddr *peer);
    /* addr NULL: the connected peer. Returns bytes sent. */
    int64_t (*sock_send_to)(void *data, wasi_handle h, const void *buf, uint32_t len,
                            const kpio_sockaddr *addr);
    /* from may be NULL. Returns bytes received (0: the peer closed). */
    int64_t (*sock_recv_from)(void *data, wasi_handle h, void *buf, uint32_t len, bool peek,
                              kpio_sockaddr *from);
    int (*sock_local_addr)(void *data, wasi_handle h, kpio_sockaddr *out);
    int (*sock_peer_addr)(void *data, wasi_handle h, kpio_sockaddr *out);
    int (*sock_set_option)(void *data, wasi_handle h, uint32_t option, uint64_t value);
    int (*sock_get_option)(void *data, wasi_handle h, uint32_t option, uint64_t *value);
    /* Up to max IPv4 addresses for name; *count gets how many; -ENOENT if none. */
    int (*resolve)(void *data, const char *name, kpio_sockaddr *out, uint32_t max, uint32_t *count);

    /* ---- system ---- */
    int (*uname)(void *data, kpio_uname *out);
    /* Memory and uptime (processes is filled in by the kpio layer). */
    int (*sysinfo)(void *data, kpio_sysinfo *out);
    /* Size and type of the file system holding directory dir. */
    int (*fs_info)(void *data, wasi_handle dir, kpio_fs_info *out);
    /* Optional (NULL: none): the other file systems mounted below dir, up
     * to max records with `mount` the path relative to dir ("data");
     * *count gets how many there are. */
    int (*fs_mounts)(void *data, wasi_handle dir, kpio_fs_info *out, uint32_t max, uint32_t *count);
    /* -ENOTTY when h is not a terminal. */
    int (*term_set_mode)(void *data, wasi_handle h, uint32_t mode);
    int (*term_get_size)(void *data, wasi_handle h, kpio_term_size *out);
    /* Write file systems back and power off or reboot (KPIO_POWER_*);
     * returns only on failure. NULL: the host cannot (-ENOSYS). The kpio
     * layer has stopped every other process first. */
    int (*power)(void *data, uint32_t action);
} kpio_backend;

/* What a process may do. Children get their parent's permissions, less
 * what the spawn request drops (KPIO_SPAWN_NO_NETWORK, _NO_SYSTEM). */
typedef struct kpio_permissions {
    bool network;               /* sockets and name resolution */
    bool system;                /* power off and reboot the machine */
} kpio_permissions;

/* A process table over the two backends (both copied). NULL if out of
 * memory. */
kpio_system *kpio_system_new(const kpio_backend *be, const wasi_backend *wasi_be);
/* Stop every process still running, wait for them, free everything. */
void kpio_system_free(kpio_system *sys);

/* Register a process the embedder runs itself (kpio-wasm's main module, or
 * the kernel's first app): it gets pid 1 (then 2, ...), no parent, and its
 * children are reaped when it is released. `ctx` stays the embedder's. */
kpio_process *kpio_process_attach(kpio_system *sys, wasi_ctx *ctx, const char *name,
                                  const kpio_permissions *perms);
/* Tell the table which instance runs the process (for kill and ps). */
void kpio_process_set_instance(kpio_process *p, wasm_instance *inst);
/* The attached process has ended: its children become orphans (reaped
 * automatically), and the record goes away. */
void kpio_process_detach(kpio_process *p);

/* WASI rights (Preview 1 bit numbers) for a directory an app may only read
 * (a package's filesystem = "read-only"): on the directory itself (open,
 * readdir, readlink, stat, poll, flags) and on what it opens under it
 * (read, seek, tell, advise, stat, poll, flags, and the same again for
 * subdirectories). Nothing that creates, writes, renames or removes. */
#define KPIO_RIGHTS_READ_ONLY_DIR                                                \
    ((1ull << 3) | (1ull << 13) | (1ull << 14) | (1ull << 15) | (1ull << 18) |   \
     (1ull << 21) | (1ull << 27))
#define KPIO_RIGHTS_READ_ONLY_BELOW                                              \
    (KPIO_RIGHTS_READ_ONLY_DIR | (1ull << 1) | (1ull << 2) | (1ull << 5) | (1ull << 7))

/* A directory a spawned process sees preopened at `name`. */
typedef struct kpio_dir {
    wasi_handle handle;             /* borrowed: the process gets its own duplicate */
    const char *name;               /* e.g. "/" or "/data" */
    uint64_t rights, inheriting;    /* WASI rights it may have at most (~0: all) */
} kpio_dir;

/* What kpio_spawn_child starts: the kernel's launcher and `app run` fill it
 * from a package's manifest; the proc_spawn host call fills it from an
 * app's request. Handles are borrowed (duplicated for the child). */
typedef struct kpio_spawn_params {
    wasi_handle module;             /* open on the module file */
    int argc;
    const char *const *argv;        /* argv[0] required */
    int envc;
    const char *const *env;         /* "KEY=VALUE" */
    wasi_handle stdio[3];           /* -1: the null stream */
    uint64_t stdio_rights[3];       /* ~0: whatever the handle allows */
    const kpio_dir *dirs;
    int ndirs;
    kpio_permissions perms;
    uint32_t max_memory_pages;      /* 0: the default */
    uint32_t cpu_limit_ms;          /* 0: none */
} kpio_spawn_params;

/* Start a process as a child of `parent` (attached or not). Returns 0 and
 * sets *pid, or a KPIO_E* error; with KPIO_ENOEXEC the reason has been
 * written to the stderr the child would have had. */
kpio_errno kpio_spawn_child(kpio_process *parent, const kpio_spawn_params *sp, int32_t *pid);
/* Wait for child pid (-1: any) of parent to end and reap it. KPIO_ECHILD if
 * there is none; with nohang, KPIO_EAGAIN while it runs. */
kpio_errno kpio_wait_child(kpio_process *parent, int32_t pid, bool nohang, kpio_proc_status *st);
/* Stop process pid; KPIO_ESRCH if there is none. */
kpio_errno kpio_kill(kpio_system *sys, int32_t pid);

/* Define every "kpio" import in `l` for process p. */
wasm_result kpio_link(wasm_linker *l, kpio_process *p);

/* True once a process has asked to power off or reboot (an embedder's
 * launcher should then not start anything new). */
bool kpio_system_stopping(kpio_system *sys);

/* How many processes the table holds (running or waiting to be reaped). */
uint32_t kpio_system_process_count(kpio_system *sys);
/* Up to max records of the table's processes in pid order (for ps in the
 * kernel monitor, ^C on the console); returns how many there are. */
uint32_t kpio_system_list(kpio_system *sys, kpio_proc_info *out, uint32_t max);

#endif
