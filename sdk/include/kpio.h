/*
 * sdk/include/kpio.h — the kpio host API: what KPIO gives WebAssembly apps
 * beyond WASI Preview 1. Processes, pipes, TCP/UDP sockets and name
 * resolution, system information, terminal modes, power, module checks.
 *
 * ABI (the contract between apps and every host that implements "kpio":
 * the KPIO kernel and the hosted kpio-wasm CLI). sdk/wit/kpio.wit says the
 * same in WIT.
 *
 *  - Functions are imported from the module "kpio" under the names below
 *    without the "kpio_" prefix ("proc_spawn", "sock_open", ...).
 *  - Parameters are i32 (or i64 where marked); every function returns an
 *    i32 error number: 0 on success, else a WASI Preview 1 errno value
 *    (KPIO_E* below; the same numbers as wasi-libc's errno). Results are
 *    written through pointers.
 *  - Pointers are i32 offsets into the app's memory 0. Buffers and strings
 *    are (pointer, length) pairs; strings are UTF-8 and not NUL-terminated
 *    unless a field says so. The host checks every range and returns
 *    KPIO_EFAULT for one outside memory; it never writes outside the ranges
 *    it is given.
 *  - Structures are little-endian with the fixed layouts below (sizes and
 *    offsets are asserted), identical on wasm32 and on the host.
 *  - Handles: pipes and sockets are ordinary WASI file descriptors, so
 *    fd_read, fd_write, fd_close, fd_fdstat_set_flags (non-blocking),
 *    poll_oneoff and sock_recv/sock_send/sock_shutdown work on them.
 *    Processes are named by pids (i32 > 0), a separate name space.
 *
 * Most apps use the BSD-style wrapper (sdk/lib, <kpio_socket.h> and
 * <netdb.h>) or the helpers at the end of this file rather than the raw
 * calls.
 */
#ifndef KPIO_H
#define KPIO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef int32_t kpio_fd;
typedef int32_t kpio_pid;
typedef uint32_t kpio_errno;   /* 0 or a KPIO_E* value */
typedef uint32_t kpio_ptr;     /* an address in the app's linear memory */

/* ---- error numbers (WASI Preview 1 errno values) ---- */
#define KPIO_OK              0
#define KPIO_E2BIG           1
#define KPIO_EACCES          2
#define KPIO_EADDRINUSE      3
#define KPIO_EADDRNOTAVAIL   4
#define KPIO_EAFNOSUPPORT    5
#define KPIO_EAGAIN          6
#define KPIO_EALREADY        7
#define KPIO_EBADF           8
#define KPIO_ECHILD         12
#define KPIO_ECONNABORTED   13
#define KPIO_ECONNREFUSED   14
#define KPIO_ECONNRESET     15
#define KPIO_EDESTADDRREQ   17
#define KPIO_EEXIST         20
#define KPIO_EFAULT         21
#define KPIO_EHOSTUNREACH   23
#define KPIO_EINPROGRESS    26
#define KPIO_EINTR          27
#define KPIO_EINVAL         28
#define KPIO_EIO            29
#define KPIO_EISCONN        30
#define KPIO_EISDIR         31
#define KPIO_EMFILE         33
#define KPIO_EMSGSIZE       35
#define KPIO_ENAMETOOLONG   37
#define KPIO_ENETDOWN       38
#define KPIO_ENETUNREACH    40
#define KPIO_ENOBUFS        42
#define KPIO_ENOENT         44
#define KPIO_ENOEXEC        45
#define KPIO_ENOMEM         48
#define KPIO_ENOPROTOOPT    50
#define KPIO_ENOSYS         52
#define KPIO_ENOTCONN       53
#define KPIO_ENOTDIR        54
#define KPIO_ENOTSOCK       57
#define KPIO_ENOTSUP        58
#define KPIO_ENOTTY         59
#define KPIO_EPERM          63
#define KPIO_EPIPE          64
#define KPIO_EPROTONOSUPPORT 66
#define KPIO_ESRCH          71
#define KPIO_ETIMEDOUT      73
#define KPIO_ENOTCAPABLE    76

/* ==== processes ==== */

/* stdin_fd/stdout_fd/stderr_fd value: no stream (reads see end of file,
 * writes are discarded). */
#define KPIO_STDIO_NULL 0xFFFFFFFFu

/* kpio_spawn_request.flags */
#define KPIO_SPAWN_INHERIT_PREOPENS 0x1u   /* child gets the caller's preopened dirs too */
#define KPIO_SPAWN_NO_NETWORK       0x2u   /* child gets no network permission (sockets, resolve) */
#define KPIO_SPAWN_NO_SYSTEM        0x4u   /* child gets no system permission (kpio_sys_power) */

/* A directory the child sees preopened at guest_path. */
typedef struct kpio_preopen {
    uint32_t dir_fd;          /* a directory fd of the caller; the child gets its rights */
    kpio_ptr guest_path;      /* e.g. "/data" */
    uint32_t guest_path_len;
} kpio_preopen;               /* 12 bytes */

typedef struct kpio_spawn_request {
    uint32_t module_fd;       /* an fd of the caller open on a .wasm file (read right) */
    kpio_ptr argv;            /* arguments, each ending in NUL: "ls\0-l\0/\0"; argv[0] first */
    uint32_t argv_len;        /* bytes, including the NULs */
    kpio_ptr env;             /* "KEY=VALUE\0..." in the same form; may be empty */
    uint32_t env_len;
    uint32_t stdin_fd;        /* caller fds that become the child's 0, 1, 2 */
    uint32_t stdout_fd;       /*   (the same fd may be given more than once) */
    uint32_t stderr_fd;       /*   or KPIO_STDIO_NULL */
    kpio_ptr preopens;        /* kpio_preopen[preopen_count], after inherited ones */
    uint32_t preopen_count;
    uint32_t flags;           /* KPIO_SPAWN_* */
    uint32_t max_memory_pages;/* 64 KiB pages; 0 = the system default */
    uint32_t cpu_limit_ms;    /* CPU time before the child is stopped; 0 = none */
    uint32_t reserved;        /* must be 0 */
} kpio_spawn_request;         /* 56 bytes */

/* Why a process ended (kpio_proc_status.reason). */
#define KPIO_EXIT_NORMAL   0  /* returned from _start or called proc_exit; code = exit code */
#define KPIO_EXIT_TRAP     1  /* a WebAssembly trap; code = KPIO_TRAP_* */
#define KPIO_EXIT_KILLED   2  /* kpio_proc_kill, or its CPU-time limit; code = 0 */

/* Trap kinds (kpio_proc_status.code with KPIO_EXIT_TRAP). */
#define KPIO_TRAP_UNREACHABLE     1
#define KPIO_TRAP_MEMORY_OOB      2
#define KPIO_TRAP_TABLE_OOB       3
#define KPIO_TRAP_INDIRECT_NULL   4
#define KPIO_TRAP_SIGNATURE       5
#define KPIO_TRAP_DIV_ZERO        6
#define KPIO_TRAP_INT_OVERFLOW    7
#define KPIO_TRAP_BAD_CONVERSION  8
#define KPIO_TRAP_STACK_EXHAUSTED 9
#define KPIO_TRAP_OUT_OF_MEMORY  10  /* memory limit reached where the app could not cope */
#define KPIO_TRAP_HOST           11  /* a host call failed fatally (e.g. bad pointer) */

typedef struct kpio_proc_status {
    int32_t pid;
    uint32_t reason;          /* KPIO_EXIT_* */
    int32_t code;
    uint32_t reserved;
} kpio_proc_status;           /* 16 bytes */

/* kpio_proc_wait flags */
#define KPIO_WAIT_NOHANG 0x1u     /* KPIO_EAGAIN instead of waiting */
#define KPIO_WAIT_ANY    (-1)     /* pid: any child */

/* Process states (kpio_proc_info.state). */
#define KPIO_PROC_RUNNING 0
#define KPIO_PROC_EXITED  1       /* ended, not yet waited for */

typedef struct kpio_proc_info {
    int32_t pid;
    int32_t ppid;             /* 0 for the first process */
    uint32_t state;           /* KPIO_PROC_* */
    uint32_t threads;
    uint64_t start_ns;        /* monotonic clock at spawn */
    uint64_t cpu_ns;          /* CPU time used */
    uint64_t memory_bytes;    /* linear memory size */
    char name[24];            /* basename of argv[0], NUL-padded */
} kpio_proc_info;             /* 64 bytes */

/* ==== sockets ==== */

#define KPIO_AF_INET  1           /* the same values as wasi-libc's AF_* */
#define KPIO_AF_INET6 2           /* reserved; KPIO_EAFNOSUPPORT for now */
#define KPIO_SOCK_DGRAM  5        /* the same values as wasi-libc's SOCK_* */
#define KPIO_SOCK_STREAM 6

typedef struct kpio_sockaddr {
    uint16_t family;          /* KPIO_AF_INET */
    uint16_t port;            /* host byte order */
    uint8_t addr[16];         /* IPv4: addr[0..3], network order (127.0.0.1 = 127,0,0,1) */
} kpio_sockaddr;              /* 20 bytes */

/* kpio_sock_accept and kpio_sock_open type flags */
#define KPIO_SOCK_NONBLOCK 0x4000u

/* kpio_sock_recv_from flags */
#define KPIO_MSG_PEEK 0x1u

/* Options for kpio_sock_set_option / kpio_sock_get_option (values are u64). */
#define KPIO_SO_REUSEADDR 1       /* 0 or 1 */
#define KPIO_SO_KEEPALIVE 2       /* 0 or 1 */
#define KPIO_SO_RCVTIMEO  3       /* nanoseconds; 0 = wait forever */
#define KPIO_SO_SNDTIMEO  4       /* nanoseconds */
#define KPIO_SO_RCVBUF    5       /* bytes */
#define KPIO_SO_SNDBUF    6       /* bytes */
#define KPIO_TCP_NODELAY  7       /* 0 or 1 */
#define KPIO_SO_ERROR     8       /* get only: pending error (KPIO_E*), cleared by reading */
#define KPIO_SO_TYPE      9       /* get only: KPIO_SOCK_* */
#define KPIO_SO_BROADCAST 10      /* 0 or 1 */

/* ==== system ==== */

typedef struct kpio_uname {
    char sysname[64];         /* "KPIO" (or the host OS under kpio-wasm) */
    char nodename[64];
    char release[64];
    char version[64];
    char machine[64];         /* "x86_64" */
} kpio_uname;                 /* 320 bytes; each field NUL-terminated */

typedef struct kpio_sysinfo {
    uint64_t uptime_ns;
    uint64_t memory_total;    /* bytes */
    uint64_t memory_free;
    uint32_t cpus;
    uint32_t processes;
} kpio_sysinfo;               /* 32 bytes */

#define KPIO_FS_READONLY 0x1u

typedef struct kpio_fs_info {
    char mount[48];           /* where the app sees it, e.g. "/" or "/data"; NUL-terminated */
    char type[16];            /* "fat32", "tmpfs", ... */
    uint64_t block_size;
    uint64_t blocks_total;
    uint64_t blocks_free;
    uint32_t flags;           /* KPIO_FS_* */
    uint32_t reserved;
} kpio_fs_info;               /* 96 bytes */

/* ==== terminals ==== */

/* kpio_sys_power actions */
#define KPIO_POWER_OFF    1
#define KPIO_POWER_REBOOT 2

#define KPIO_TERM_COOKED 0        /* the host edits lines and echoes (the default) */
#define KPIO_TERM_RAW    1        /* bytes as typed, no echo, no line buffering */

typedef struct kpio_term_size {
    uint16_t rows;
    uint16_t cols;
} kpio_term_size;

/* Layout checks: these must hold on every target. */
_Static_assert(sizeof(kpio_preopen) == 12, "kpio_preopen layout");
_Static_assert(sizeof(kpio_spawn_request) == 56, "kpio_spawn_request layout");
_Static_assert(sizeof(kpio_proc_status) == 16, "kpio_proc_status layout");
_Static_assert(sizeof(kpio_proc_info) == 64, "kpio_proc_info layout");
_Static_assert(offsetof(kpio_proc_info, start_ns) == 16, "kpio_proc_info layout");
_Static_assert(offsetof(kpio_proc_info, name) == 40, "kpio_proc_info layout");
_Static_assert(sizeof(kpio_sockaddr) == 20, "kpio_sockaddr layout");
_Static_assert(sizeof(kpio_uname) == 320, "kpio_uname layout");
_Static_assert(sizeof(kpio_sysinfo) == 32, "kpio_sysinfo layout");
_Static_assert(sizeof(kpio_fs_info) == 96, "kpio_fs_info layout");
_Static_assert(offsetof(kpio_fs_info, block_size) == 64, "kpio_fs_info layout");
_Static_assert(sizeof(kpio_term_size) == 4, "kpio_term_size layout");

/* ==== the imports (apps only) ==== */
#if defined(__wasm__)

#define KPIO_IMPORT(name) __attribute__((import_module("kpio"), import_name(name)))

/* Start a new process running the module open at req->module_fd. The
 * module is validated and instantiated before this returns: an invalid
 * module gives KPIO_ENOEXEC (with the reason written to the child's
 * stderr). On success *pid is the child's pid. */
KPIO_IMPORT("proc_spawn")
kpio_errno kpio_proc_spawn(const kpio_spawn_request *req, kpio_pid *pid);

/* Wait for child `pid` (or KPIO_WAIT_ANY) to end, and reap it.
 * KPIO_ECHILD if it is not a child of the caller; KPIO_EAGAIN with
 * KPIO_WAIT_NOHANG if it is still running. */
KPIO_IMPORT("proc_wait")
kpio_errno kpio_proc_wait(kpio_pid pid, uint32_t flags, kpio_proc_status *status);

/* End process `pid`: it stops at its next instruction boundary or host
 * call and its resources are released. KPIO_ESRCH if there is none. */
KPIO_IMPORT("proc_kill")
kpio_errno kpio_proc_kill(kpio_pid pid);

/* The caller's own pid. */
KPIO_IMPORT("proc_self")
kpio_errno kpio_proc_self(kpio_pid *pid);

/* Up to `max` records of the process table into `out`; *count gets the
 * number of processes (which may exceed max). */
KPIO_IMPORT("proc_list")
kpio_errno kpio_proc_list(kpio_proc_info *out, uint32_t max, uint32_t *count);

/* A pipe: fds[0] reads what fds[1] writes. Writing when no reader is left
 * gives KPIO_EPIPE; reading after every writer closed gives end of file. */
KPIO_IMPORT("pipe")
kpio_errno kpio_pipe(kpio_fd fds[2]);

/* A new socket. type is KPIO_SOCK_STREAM or KPIO_SOCK_DGRAM, optionally
 * | KPIO_SOCK_NONBLOCK. Needs the network permission (else KPIO_EACCES). */
KPIO_IMPORT("sock_open")
kpio_errno kpio_sock_open(uint32_t family, uint32_t type, kpio_fd *fd);

/* Connect (TCP) or set the default peer (UDP). On a non-blocking socket,
 * KPIO_EINPROGRESS; poll for writing, then read KPIO_SO_ERROR. */
KPIO_IMPORT("sock_connect")
kpio_errno kpio_sock_connect(kpio_fd fd, const kpio_sockaddr *addr);

KPIO_IMPORT("sock_bind")
kpio_errno kpio_sock_bind(kpio_fd fd, const kpio_sockaddr *addr);

KPIO_IMPORT("sock_listen")
kpio_errno kpio_sock_listen(kpio_fd fd, uint32_t backlog);

/* Accept a connection; flags may hold KPIO_SOCK_NONBLOCK for the new
 * socket. peer may be NULL. */
KPIO_IMPORT("sock_accept")
kpio_errno kpio_sock_accept(kpio_fd fd, uint32_t flags, kpio_fd *conn, kpio_sockaddr *peer);

/* Send len bytes; addr NULL means the connected peer. *sent = bytes sent. */
KPIO_IMPORT("sock_send_to")
kpio_errno kpio_sock_send_to(kpio_fd fd, const void *buf, uint32_t len, uint32_t flags,
                             const kpio_sockaddr *addr, uint32_t *sent);

/* Receive up to len bytes; from (may be NULL) gets the sender.
 * *received = 0 on a stream means the peer closed. */
KPIO_IMPORT("sock_recv_from")
kpio_errno kpio_sock_recv_from(kpio_fd fd, void *buf, uint32_t len, uint32_t flags,
                               kpio_sockaddr *from, uint32_t *received);

KPIO_IMPORT("sock_local_addr")
kpio_errno kpio_sock_local_addr(kpio_fd fd, kpio_sockaddr *out);

KPIO_IMPORT("sock_peer_addr")
kpio_errno kpio_sock_peer_addr(kpio_fd fd, kpio_sockaddr *out);

/* value is an i64 parameter. */
KPIO_IMPORT("sock_set_option")
kpio_errno kpio_sock_set_option(kpio_fd fd, uint32_t option, uint64_t value);

KPIO_IMPORT("sock_get_option")
kpio_errno kpio_sock_get_option(kpio_fd fd, uint32_t option, uint64_t *value);

/* Resolve a host name (or dotted IPv4 text) to up to `max` addresses
 * (port 0). KPIO_ENOENT if the name does not exist; needs the network
 * permission. */
KPIO_IMPORT("resolve")
kpio_errno kpio_resolve(const char *name, uint32_t name_len, kpio_sockaddr *out, uint32_t max,
                        uint32_t *count);

KPIO_IMPORT("sys_uname")
kpio_errno kpio_sys_uname(kpio_uname *out);

KPIO_IMPORT("sys_info")
kpio_errno kpio_sys_info(kpio_sysinfo *out);

/* The filesystems the caller can reach, as for df. Same contract as
 * kpio_proc_list. */
KPIO_IMPORT("fs_list")
kpio_errno kpio_fs_list(kpio_fs_info *out, uint32_t max, uint32_t *count);

/* KPIO_ENOTTY when fd is not a terminal. */
KPIO_IMPORT("term_set_mode")
kpio_errno kpio_term_set_mode(kpio_fd fd, uint32_t mode);

KPIO_IMPORT("term_get_size")
kpio_errno kpio_term_get_size(kpio_fd fd, kpio_term_size *out);

/* Stop every other process, write every file system back and turn the
 * machine off (KPIO_POWER_OFF) or restart it (KPIO_POWER_REBOOT). Returns
 * only on failure: KPIO_EPERM without the system permission (a process
 * has it unless it or an ancestor was spawned with KPIO_SPAWN_NO_SYSTEM),
 * KPIO_ENOSYS where the host cannot (kpio-wasm), KPIO_EINVAL. */
KPIO_IMPORT("sys_power")
kpio_errno kpio_sys_power(uint32_t action);

/* Decode and validate a WebAssembly module in memory, as proc_spawn would
 * (Wasm 2.0, the whole validation algorithm). KPIO_OK, or KPIO_ENOEXEC
 * with the reason (section, function, byte offset) in msg, NUL-terminated
 * and cut to msg_cap bytes. */
KPIO_IMPORT("module_validate")
kpio_errno kpio_module_validate(const void *bytes, uint32_t len, char *msg, uint32_t msg_cap);

#undef KPIO_IMPORT

/* ---- helpers in libkpio (sdk/lib) ---- */

/* kpio_proc_spawn with C types: argv/envp NULL-terminated (envp NULL =
 * an empty environment); module_fd as for the request; stdio fds or
 * KPIO_STDIO_NULL; inherit = KPIO_SPAWN_INHERIT_PREOPENS or 0. Returns 0
 * and sets *pid, or a KPIO_E* error. */
kpio_errno kpio_spawn(int module_fd, char *const argv[], char *const envp[], int stdin_fd,
                      int stdout_fd, int stderr_fd, uint32_t flags, kpio_pid *pid);

/* A message for a KPIO_E* value (as strerror). */
const char *kpio_strerror(kpio_errno e);

/* A message for a KPIO_TRAP_* code ("integer divide by zero"). */
const char *kpio_trap_message(int32_t code);

#endif /* __wasm__ */

#ifdef __cplusplus
}
#endif

#endif
