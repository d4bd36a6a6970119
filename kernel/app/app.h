/*
 * kernel/app/app.h — KPIO's user space inside the kernel: every program is a
 * WebAssembly module run by the runtime (runtime/) in its own preemptible
 * kernel thread, with WASI Preview 1 (runtime/wasi/) and the kpio host API
 * (runtime/kpio/) on the kernel's own services.
 *
 * The pieces, one file each:
 *   platform.c   the runtime's platform interface (kpio_wasm_platform.h):
 *                heap, reservations between guard pages, the page-fault hook
 *                that turns a fault in app code into a trap, commit budget
 *   csprng.c     the kernel CSPRNG (ChaCha20), seeded from RDSEED/RDRAND and
 *                interrupt timing
 *   wait.c       app threads, and the waiting they do (interruptible by kill)
 *   handle.c     the objects behind an app's descriptors (files, pipes, the
 *                console, sockets, the null stream)
 *   pipe.c       pipes
 *   tty.c        the console: input pump, line discipline, the monitor key
 *   wasi_vfs.c   the WASI backend's file operations over the VFS
 *   wasi_io.c    the WASI backend's I/O, poll, clocks, randomness, sockets
 *   kpio_be.c    the kpio backend: threads, pipes, sockets, DNS, system facts
 *   app_init.c   boot: /system, /bin, the process table, the first program
 *   app_cmds.c   monitor commands (ps, apps)
 *
 * Errors are negative errno values, as everywhere in the kernel.
 */
#ifndef KPIO_APP_H
#define KPIO_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/app_start.h"
#include "lib/list.h"
#include "sched/sched.h"
#include "kpio_host.h"
#include "wasi.h"
#include "wasi_backend.h"

/* ---- waiting (wait.c) ---- */

/* Something a thread sleeps on: woken by app_waiter_wake (at most one
 * wake-up is kept pending, so wakes never pile up). */
struct app_waiter {
    struct semaphore sem;
    volatile uint32_t pending;
};

/* A list of waiters to wake when an object changes (readable, writable). */
struct app_waitq {
    spinlock_t lock;
    struct list_node entries;
};

#define APP_WAIT_MAX 8          /* queues one wait may watch at once */

/* A waiter's place on one queue. */
struct app_wait_entry {
    struct list_node node;
    struct app_waiter *waiter;
    struct app_waitq *queue;
};

/* One wait in progress: the waiter and the queues it is registered on. */
struct app_wait {
    struct app_waiter *waiter;
    struct app_waiter local;    /* for threads that are not app threads */
    struct app_wait_entry entry[APP_WAIT_MAX];
    int nentries;
};

/* A kernel thread running app code (a process of the kpio table). */
struct app_thread {
    struct thread *thread;
    void (*fn)(void *arg);
    void *arg;
    volatile uint32_t refs;     /* the thread itself + its owner (join/detach) */
    volatile bool interrupted;  /* blocking calls return -EINTR */
    struct app_waiter waiter;
};

void app_waitq_init(struct app_waitq *q);
/* Wake every thread waiting on q (thread context or interrupt context). */
void app_waitq_wake(struct app_waitq *q);

/* Begin a wait: register on up to APP_WAIT_MAX queues (NULL entries are
 * skipped), check the condition, then app_wait_sleep, check again, ...
 * and always app_wait_end. */
void app_wait_begin(struct app_wait *w, struct app_waitq *const *queues, int n);
/* Sleep until a queue is woken, the thread is interrupted or deadline_ns
 * (time_ns clock; 0 = none) passes: 0, -EINTR or -ETIMEDOUT. */
int app_wait_sleep(struct app_wait *w, uint64_t deadline_ns);
void app_wait_end(struct app_wait *w);

/* The calling thread's app thread, or NULL. */
struct app_thread *app_thread_current(void);
/* True if the calling app thread has been asked to stop. */
bool app_interrupted(void);

int app_thread_start(void (*fn)(void *), void *arg, struct app_thread **out);
void app_thread_join(struct app_thread *t);
void app_thread_detach(struct app_thread *t);
void app_thread_interrupt(struct app_thread *t);
uint64_t app_thread_cpu_ns(struct app_thread *t);
/* CPU time of the calling thread. */
uint64_t app_self_cpu_ns(void);

/* ---- handles (handle.c) ---- */

enum handle_kind {
    HANDLE_FILE,        /* a VFS file or directory */
    HANDLE_PIPE_READ,
    HANDLE_PIPE_WRITE,
    HANDLE_TTY,         /* the console */
    HANDLE_NULL,        /* reads as empty, swallows writes */
    HANDLE_SOCKET,
};

struct pipe;
struct socket;
struct vfs_file;

/* What a wasi_handle points to. Reference counted: dup takes another
 * reference to the same object (like POSIX dup: flags and offset shared). */
struct handle {
    volatile uint32_t refs;
    enum handle_kind kind;
    volatile uint32_t flags;    /* HANDLE_NONBLOCK | HANDLE_APPEND */
    union {
        struct vfs_file *file;
        struct pipe *pipe;
        struct {
            struct socket *sock;
            uint32_t type;      /* KPIO_SOCK_STREAM or KPIO_SOCK_DGRAM */
            uint64_t rcvtimeo_ns, sndtimeo_ns;
        } s;
    } u;
};

#define HANDLE_NONBLOCK 0x1u
#define HANDLE_APPEND   0x2u

/* A new handle of kind with one reference; NULL when out of memory. */
struct handle *handle_new(enum handle_kind kind);
static inline struct handle *handle_of(wasi_handle h) { return (struct handle *)h; }
static inline wasi_handle handle_value(struct handle *h) { return (wasi_handle)h; }
void handle_get(struct handle *h);
/* Drop a reference; the last one closes the object. */
void handle_put(struct handle *h);
/* Open path (from "/") as a handle: for the kernel's own use (the first
 * program's directory and its module). */
int handle_open_path(const char *path, uint32_t vfs_flags, struct handle **out);
/* The live handle count (for leak checks). */
uint64_t handle_live(void);

/* ---- pipes (pipe.c) ---- */

#define PIPE_CAPACITY (64u << 10)

/* A pipe: out[0] reads what out[1] writes. */
int pipe_create(struct handle *out[2]);
/* Blocking unless nonblock: bytes read (0 = every writer gone), -EAGAIN, -EINTR. */
int64_t pipe_read(struct pipe *p, void *buf, size_t len, bool nonblock);
/* Blocking unless nonblock: bytes written, -EPIPE (no reader), -EAGAIN, -EINTR. */
int64_t pipe_write(struct pipe *p, const void *buf, size_t len, bool nonblock);
/* Readiness for poll: WASI_POLL_* bits and the bytes readable. */
unsigned pipe_poll(struct pipe *p, bool reader, uint64_t *nbytes);
struct app_waitq *pipe_waitq(struct pipe *p, bool reader);
void pipe_close_end(struct pipe *p, bool reader);

/* ---- the console (tty.c) ---- */

void tty_init(void);
/* Read console input: a line at a time in cooked mode, bytes as typed in
 * raw mode. 0 at ^D on an empty line (cooked); -EAGAIN, -EINTR. */
int64_t tty_read(void *buf, size_t len, bool nonblock);
int64_t tty_write(const void *buf, size_t len);
unsigned tty_poll(uint64_t *nbytes);
struct app_waitq *tty_waitq(void);
void tty_set_raw(bool raw);
/* The process whose children ^C stops (the first program). */
void tty_set_session(int32_t pid);
/* Run the console: read the serial port forever, feeding apps and, after
 * the monitor key (^]), the kernel monitor. Never returns. */
_Noreturn void tty_pump(void);
#define TTY_MONITOR_KEY 0x1d    /* ^] */

/* ---- sockets for apps (wasi_io.c) ---- */

/* Blocking-aware socket calls on a HANDLE_SOCKET. */
int64_t app_sock_recv(struct handle *h, void *buf, size_t len, bool peek, bool waitall,
                      uint32_t *from_addr, uint16_t *from_port);
int64_t app_sock_send(struct handle *h, const void *buf, size_t len, const uint32_t *to_addr,
                      uint16_t to_port);
struct sock_addr;
/* Accept a connection on a listening socket handle; *out is a new handle. */
int app_sock_accept(struct handle *h, bool nonblock, struct handle **out, struct sock_addr *peer);
/* Wait until the socket has one of the SOCK_POLL* events (or timeout_ns,
 * 0 = none, passes): the events, -EINTR or -EAGAIN. */
int app_sock_wait(struct handle *h, unsigned events, uint64_t timeout_ns);

/* ---- the backends ---- */

/* WASI Preview 1 over the kernel's services (wasi_vfs.c + wasi_io.c). */
void app_wasi_backend(wasi_backend *out);
void app_wasi_backend_vfs(wasi_backend *out);   /* the file half */
/* The kpio backend (kpio_be.c). */
void app_kpio_backend(kpio_backend *out);
/* The kpio system (process table) the kernel runs apps in; NULL before
 * app_init. */
kpio_system *app_system(void);

/* ---- randomness (csprng.c) ---- */

void csprng_init(void);
/* Fill buf with cryptographically strong bytes. */
void csprng_fill(void *buf, size_t len);
/* Mix an event's timing into the pool (cheap; any context). */
void csprng_add_timing(uint64_t value);
/* The ChaCha20 block function (RFC 8439 §2.3): key, state words 12-15. */
void chacha20_block(const uint32_t k[8], const uint32_t words12_15[4], uint32_t out[16]);

/* ---- the platform (platform.c) ---- */

struct app_memory_stats {
    uint64_t commit_limit;      /* bytes apps may have accessible at once */
    uint64_t committed;         /* bytes accessible now (linear memories, stacks, code) */
    uint64_t reservations;      /* live reservations (the pooled ones included) */
    uint64_t pooled;            /* released ones kept for reuse, pages zeroed */
    uint64_t resident_pages;    /* pages backed right now in those reservations */
};
void app_platform_init(void);
void app_memory_stats(struct app_memory_stats *out);
/* Give every pooled reservation back (for leak checks, or memory). */
void app_platform_trim(void);

/* ---- start-up (app_init.c, app_cmds.c) ---- */

void app_register_commands(void);

#endif
