/*
 * kernel/app/kpio_be.c — the kpio backend (runtime/kpio/kpio_host.h) in the
 * kernel: processes run on app threads (wait.c), the process table's lock
 * is a kernel mutex with a condition variable, pipes are kernel pipes,
 * sockets are the kernel's TCP/UDP sockets (net/socket.h) with names
 * resolved by its DNS stub resolver, and system facts come from the
 * memory manager, the CPUs, the VFS and the console.
 *
 * The kpio layer checks the network permission before any socket call.
 */
#include "app/app.h"
#include "arch/x86_64/percpu.h"
#include "core/console.h"
#include "core/kernel.h"
#include "dev/acpi.h"
#include "fs/storage.h"
#include "core/time.h"
#include "fs/vfs.h"
#include "lib/lib.h"
#include "mm/mm.h"
#include "net/net.h"
#include "net/socket.h"

static struct mutex table_lock;
static struct condvar table_cond;

/* ---- threads ---- */

static int be_thread_start(void *data, void (*fn)(void *), void *arg, void **thread)
{
    (void)data;
    struct app_thread *t;
    int rc = app_thread_start(fn, arg, &t);
    if (rc == 0)
        *thread = t;
    return rc;
}

static void be_thread_join(void *data, void *thread)
{
    (void)data;
    app_thread_join(thread);
}

static void be_thread_detach(void *data, void *thread)
{
    (void)data;
    app_thread_detach(thread);
}

static void be_thread_interrupt(void *data, void *thread)
{
    (void)data;
    app_thread_interrupt(thread);
}

static uint64_t be_thread_cpu_ns(void *data, void *thread)
{
    (void)data;
    return app_thread_cpu_ns(thread);
}

static void be_lock(void *data)
{
    (void)data;
    mutex_lock(&table_lock);
}

static void be_unlock(void *data)
{
    (void)data;
    mutex_unlock(&table_lock);
}

static void be_wait(void *data)
{
    (void)data;
    cond_wait(&table_cond, &table_lock);
}

static void be_notify_all(void *data)
{
    (void)data;
    cond_broadcast(&table_cond);
}

static void be_sleep_ns(void *data, uint64_t ns)
{
    (void)data;
    thread_sleep_ns(ns);
}

static uint64_t be_now_ns(void *data)
{
    (void)data;
    return time_ns();
}

/* ---- handles ---- */

static int be_dup(void *data, wasi_handle h, wasi_handle *out)
{
    (void)data;
    if (!h || h == -1)
        return -EBADF;
    handle_get(handle_of(h));
    *out = h;
    return 0;
}

static int be_open_null(void *data, wasi_handle *out)
{
    (void)data;
    struct handle *h = handle_new(HANDLE_NULL);
    if (!h)
        return -ENOMEM;
    *out = handle_value(h);
    return 0;
}

static int be_pipe(void *data, wasi_handle out[2])
{
    (void)data;
    struct handle *h[2];
    int rc = pipe_create(h);
    if (rc == 0) {
        out[0] = handle_value(h[0]);
        out[1] = handle_value(h[1]);
    }
    return rc;
}

/* ---- sockets ---- */

static ip4_addr_t ip_of(const kpio_sockaddr *a)
{
    return IP4(a->addr[0], a->addr[1], a->addr[2], a->addr[3]);
}

static void put_addr(kpio_sockaddr *out, ip4_addr_t ip, uint16_t port)
{
    memset(out, 0, sizeof *out);
    out->family = KPIO_AF_INET;
    out->port = port;
    out->addr[0] = (uint8_t)(ip >> 24);
    out->addr[1] = (uint8_t)(ip >> 16);
    out->addr[2] = (uint8_t)(ip >> 8);
    out->addr[3] = (uint8_t)ip;
}

static struct handle *sock_handle(wasi_handle hv)
{
    struct handle *h = handle_of(hv);
    return h && hv != -1 && h->kind == HANDLE_SOCKET ? h : NULL;
}

static int be_sock_open(void *data, uint32_t family, uint32_t type, bool nonblock, wasi_handle *out)
{
    (void)data;
    (void)family;
    struct net_stack *ns = net_default();
    if (!ns)
        return -ENETDOWN;
    struct handle *h = handle_new(HANDLE_SOCKET);
    if (!h)
        return -ENOMEM;
    int rc = sock_open(ns, type == KPIO_SOCK_STREAM ? SOCK_TCP : SOCK_UDP, &h->u.s.sock);
    if (rc < 0) {
        h->kind = HANDLE_NULL;
        handle_put(h);
        return rc;
    }
    /* the kernel socket never blocks: waiting is ours, so kill can end it */
    sock_setopt(h->u.s.sock, SOCKOPT_NONBLOCK, 1);
    h->u.s.type = type;
    if (nonblock)
        h->flags |= HANDLE_NONBLOCK;
    *out = handle_value(h);
    return 0;
}

static int be_sock_connect(void *data, wasi_handle hv, const kpio_sockaddr *addr)
{
    (void)data;
    struct handle *h = sock_handle(hv);
    if (!h)
        return -ENOTSOCK;
    struct sock_addr to = { ip_of(addr), addr->port };
    int rc = sock_connect(h->u.s.sock, &to);
    if (rc != -EINPROGRESS || (h->flags & HANDLE_NONBLOCK))
        return rc;
    int w = app_sock_wait(h, SOCK_POLLOUT, 0);
    if (w < 0)
        return w;
    int err = 0;
    sock_getopt(h->u.s.sock, SOCKOPT_ERROR, &err);
    return err;
}

static int be_sock_bind(void *data, wasi_handle hv, const kpio_sockaddr *addr)
{
    (void)data;
    struct handle *h = sock_handle(hv);
    if (!h)
        return -ENOTSOCK;
    struct sock_addr local = { ip_of(addr), addr->port };
    return sock_bind(h->u.s.sock, &local);
}

static int be_sock_listen(void *data, wasi_handle hv, uint32_t backlog)
{
    (void)data;
    struct handle *h = sock_handle(hv);
    if (!h)
        return -ENOTSOCK;
    return sock_listen(h->u.s.sock, backlog > 1024 ? 1024 : (int)backlog);
}

static int be_sock_accept(void *data, wasi_handle hv, bool nonblock, wasi_handle *out,
                          kpio_sockaddr *peer)
{
    (void)data;
    struct handle *h = sock_handle(hv), *c;
    if (!h)
        return -ENOTSOCK;
    struct sock_addr from = { 0, 0 };
    int rc = app_sock_accept(h, nonblock, &c, &from);
    if (rc == 0) {
        *out = handle_value(c);
        put_addr(peer, from.addr, from.port);
    }
    return rc;
}

static int64_t be_sock_send_to(void *data, wasi_handle hv, const void *buf, uint32_t len,
                               const kpio_sockaddr *addr)
{
    (void)data;
    struct handle *h = sock_handle(hv);
    if (!h)
        return -ENOTSOCK;
    uint32_t ip = addr ? ip_of(addr) : 0;
    return app_sock_send(h, buf, len, addr ? &ip : NULL, addr ? addr->port : 0);
}

static int64_t be_sock_recv_from(void *data, wasi_handle hv, void *buf, uint32_t len, bool peek,
                                 kpio_sockaddr *from)
{
    (void)data;
    struct handle *h = sock_handle(hv);
    if (!h)
        return -ENOTSOCK;
    uint32_t ip = 0;
    uint16_t port = 0;
    int64_t n = app_sock_recv(h, buf, len, peek, false, &ip, &port);
    if (n >= 0 && from)
        put_addr(from, ip, port);
    return n;
}

static int sock_name(wasi_handle hv, kpio_sockaddr *out, bool peer)
{
    struct handle *h = sock_handle(hv);
    if (!h)
        return -ENOTSOCK;
    struct sock_addr local, remote;
    int rc = sock_getname(h->u.s.sock, &local, &remote);
    if (rc < 0)
        return rc;
    if (peer && remote.addr == 0 && remote.port == 0)
        return -ENOTCONN;
    put_addr(out, peer ? remote.addr : local.addr, peer ? remote.port : local.port);
    return 0;
}

static int be_sock_local_addr(void *data, wasi_handle h, kpio_sockaddr *out)
{
    (void)data;
    return sock_name(h, out, false);
}

static int be_sock_peer_addr(void *data, wasi_handle h, kpio_sockaddr *out)
{
    (void)data;
    return sock_name(h, out, true);
}

/* A kpio option as the socket layer's; false if it has none. */
static bool kernel_option(uint32_t option, enum sock_option *out)
{
    switch (option) {
    case KPIO_SO_REUSEADDR: *out = SOCKOPT_REUSEADDR; return true;
    case KPIO_SO_KEEPALIVE: *out = SOCKOPT_KEEPALIVE; return true;
    case KPIO_SO_RCVBUF: *out = SOCKOPT_RCVBUF; return true;
    case KPIO_SO_SNDBUF: *out = SOCKOPT_SNDBUF; return true;
    case KPIO_TCP_NODELAY: *out = SOCKOPT_NODELAY; return true;
    case KPIO_SO_BROADCAST: *out = SOCKOPT_BROADCAST; return true;
    case KPIO_SO_ERROR: *out = SOCKOPT_ERROR; return true;
    }
    return false;
}

static int be_sock_set_option(void *data, wasi_handle hv, uint32_t option, uint64_t value)
{
    (void)data;
    struct handle *h = sock_handle(hv);
    if (!h)
        return -ENOTSOCK;
    /* timeouts are kept here: the waiting is ours */
    if (option == KPIO_SO_RCVTIMEO) {
        h->u.s.rcvtimeo_ns = value;
        return 0;
    }
    if (option == KPIO_SO_SNDTIMEO) {
        h->u.s.sndtimeo_ns = value;
        return 0;
    }
    enum sock_option o;
    if (!kernel_option(option, &o))
        return -ENOPROTOOPT;
    return sock_setopt(h->u.s.sock, o, value > 0x7fffffff ? 0x7fffffff : (int)value);
}

static int be_sock_get_option(void *data, wasi_handle hv, uint32_t option, uint64_t *value)
{
    (void)data;
    struct handle *h = sock_handle(hv);
    if (!h)
        return -ENOTSOCK;
    if (option == KPIO_SO_RCVTIMEO || option == KPIO_SO_SNDTIMEO) {
        *value = option == KPIO_SO_RCVTIMEO ? h->u.s.rcvtimeo_ns : h->u.s.sndtimeo_ns;
        return 0;
    }
    enum sock_option o;
    if (!kernel_option(option, &o))
        return -ENOPROTOOPT;
    int v = 0;
    int rc = sock_getopt(h->u.s.sock, o, &v);
    if (rc < 0)
        return rc;
    /* SO_ERROR: the socket layer's negative errno as a positive one */
    *value = (uint64_t)(option == KPIO_SO_ERROR ? -v : (v < 0 ? 0 : v));
    return 0;
}

static int be_resolve(void *data, const char *name, kpio_sockaddr *out, uint32_t max,
                      uint32_t *count)
{
    (void)data;
    *count = 0;
    ip4_addr_t ip;
    if (ip4_parse(name, &ip) == 0 || strcmp(name, "localhost") == 0) {
        put_addr(out, strcmp(name, "localhost") == 0 ? IP4(127, 0, 0, 1) : ip, 0);
        *count = 1;
        return 0;
    }
    struct net_stack *ns = net_default();
    if (!ns)
        return -ENOENT;
    ip4_addr_t addrs[16];
    int n = dns_lookup(ns, name, addrs, (int)MIN(max, (uint32_t)ARRAY_SIZE(addrs)));
    if (n < 0)
        return n;
    for (int i = 0; i < n; i++)
        put_addr(&out[i], addrs[i], 0);
    *count = (uint32_t)n;
    return n ? 0 : -ENOENT;
}

/* ---- system ---- */

static int be_uname(void *data, kpio_uname *out)
{
    (void)data;
    memset(out, 0, sizeof *out);
    strlcpy(out->sysname, "KPIO", sizeof out->sysname);
    strlcpy(out->nodename, "kpio", sizeof out->nodename);
    strlcpy(out->release, KPIO_VERSION, sizeof out->release);
    strlcpy(out->version, "KPIO " KPIO_VERSION ": WebAssembly user space", sizeof out->version);
    strlcpy(out->machine, "x86_64", sizeof out->machine);
    return 0;
}

static int be_sysinfo(void *data, kpio_sysinfo *out)
{
    (void)data;
    struct mm_stats st;
    mm_get_stats(&st);
    out->uptime_ns = time_ns();
    out->memory_total = st.frames_total * PAGE_SIZE;
    out->memory_free = st.frames_free * PAGE_SIZE;
    out->cpus = cpu_count ? cpu_count : 1;
    return 0;
}

static int be_fs_info(void *data, wasi_handle dir, kpio_fs_info *out)
{
    (void)data;
    struct handle *h = handle_of(dir);
    if (!h || dir == -1 || h->kind != HANDLE_FILE)
        return -ENOTDIR;
    struct vfs_statfs s;
    memset(&s, 0, sizeof s);
    int rc = vfs_fstatfs(h->u.file, &s);
    if (rc < 0)
        return rc;
    strlcpy(out->type, s.fs_type, sizeof out->type);
    out->block_size = s.block_size;
    out->blocks_total = s.blocks;
    out->blocks_free = s.blocks_free;
    out->flags = s.read_only ? KPIO_FS_READONLY : 0;
    return 0;
}

/* ---- the mounts below a directory (df) ---- */

struct below {
    struct vnode *dir;
    kpio_fs_info *out;
    uint32_t max, count;
};

/* The last n components of an absolute path. */
static const char *last_components(const char *path, unsigned n)
{
    const char *p = path + strlen(path);
    while (p > path && n > 0) {
        p--;
        if (*p == '/')
            n--;
    }
    return *p == '/' ? p + 1 : p;
}

static int add_if_below(struct vfs_mount *mnt, void *arg)
{
    struct below *b = arg;
    /* climb from the directory the mount covers, counting the names
     * passed, until b->dir (below it) or the root (not below) */
    unsigned steps = 0;
    struct vnode *v = mnt->covered;
    while (v && v != b->dir) {
        if (v->mount && v == v->mount->root) {
            v = v->mount->covered;      /* up across a mount: same place */
            continue;
        }
        v = v->parent;
        steps++;
    }
    if (!v || steps == 0)
        return 0;
    struct vfs_statfs s;
    memset(&s, 0, sizeof s);
    if (!mnt->ops->statfs || mnt->ops->statfs(mnt, &s) != 0)
        return 0;
    if (b->count < b->max) {
        kpio_fs_info *o = &b->out[b->count];
        memset(o, 0, sizeof *o);
        strlcpy(o->mount, last_components(mnt->path, steps), sizeof o->mount);
        strlcpy(o->type, s.fs_type, sizeof o->type);
        o->block_size = s.block_size;
        o->blocks_total = s.blocks;
        o->blocks_free = s.blocks_free;
        o->flags = s.read_only || (mnt->flags & VFS_MNT_RDONLY) ? KPIO_FS_READONLY : 0;
    }
    b->count++;
    return 0;
}

static int be_fs_mounts(void *data, wasi_handle dir, kpio_fs_info *out, uint32_t max,
                        uint32_t *count)
{
    (void)data;
    struct handle *h = handle_of(dir);
    if (!h || dir == -1 || h->kind != HANDLE_FILE)
        return -ENOTDIR;
    struct below b = { h->u.file->node, out, max, 0 };
    vfs_for_each_mount(add_if_below, &b);
    *count = b.count;
    return 0;
}

static int be_term_set_mode(void *data, wasi_handle hv, uint32_t mode)
{
    (void)data;
    struct handle *h = handle_of(hv);
    if (!h || hv == -1 || h->kind != HANDLE_TTY)
        return -ENOTTY;
    tty_set_raw(mode == KPIO_TERM_RAW);
    return 0;
}

static int be_term_get_size(void *data, wasi_handle hv, kpio_term_size *out)
{
    (void)data;
    struct handle *h = handle_of(hv);
    if (!h || hv == -1 || h->kind != HANDLE_TTY)
        return -ENOTTY;
    out->rows = 24;     /* a serial line cannot tell; the VT100 default */
    out->cols = 80;
    return 0;
}

/* sys_power: the kpio layer has stopped the other processes; write every
 * file system back (unmounting what is no longer in use) and act. */
static int be_power(void *data, uint32_t action)
{
    (void)data;
    console_printf("\n%s: writing file systems back\n",
                   action == KPIO_POWER_REBOOT ? "reboot" : "poweroff");
    storage_shutdown();
    if (action == KPIO_POWER_REBOOT)
        acpi_reboot();
    acpi_poweroff();
    return -EIO;
}

void app_kpio_backend(kpio_backend *b)
{
    mutex_init(&table_lock, "kpio-table");
    cond_init(&table_cond);
    *b = (kpio_backend){
        .thread_start = be_thread_start,
        .thread_join = be_thread_join,
        .thread_detach = be_thread_detach,
        .thread_interrupt = be_thread_interrupt,
        .thread_cpu_ns = be_thread_cpu_ns,
        .lock = be_lock,
        .unlock = be_unlock,
        .wait = be_wait,
        .notify_all = be_notify_all,
        .sleep_ns = be_sleep_ns,
        .now_ns = be_now_ns,
        .dup = be_dup,
        .open_null = be_open_null,
        .pipe = be_pipe,
        .sock_open = be_sock_open,
        .sock_connect = be_sock_connect,
        .sock_bind = be_sock_bind,
        .sock_listen = be_sock_listen,
        .sock_accept = be_sock_accept,
        .sock_send_to = be_sock_send_to,
        .sock_recv_from = be_sock_recv_from,
        .sock_local_addr = be_sock_local_addr,
        .sock_peer_addr = be_sock_peer_addr,
        .sock_set_option = be_sock_set_option,
        .sock_get_option = be_sock_get_option,
        .resolve = be_resolve,
        .uname = be_uname,
        .sysinfo = be_sysinfo,
        .fs_info = be_fs_info,
        .fs_mounts = be_fs_mounts,
        .term_set_mode = be_term_set_mode,
        .term_get_size = be_term_get_size,
        .power = be_power,
    };
}
