/*
 * kernel/net/net_kernel.c — the network stack inside the kernel: the one
 * stack instance, the monitor's network commands, the interface policy
 * (ip= on the kernel command line) and the virtio-net driver's start.
 * Only this file and net_ktests.c are kernel-only; the rest of kernel/net
 * also builds on the host.
 *
 * Kernel command line:
 *   ip=dhcp                      configure interfaces by DHCP (the default)
 *   ip=ADDR/PREFIX[,GATEWAY]     a static address (first interface)
 *   ip=off                       leave interfaces unconfigured
 *   dns=ADDR[,ADDR...]           DNS servers (DHCP's otherwise)
 */
#include "net/netpriv.h"
#include "net/netcmd.h"
#include "core/cmdline.h"
#include "core/monitor.h"

/* The virtio-net driver (kernel/dev/virtio/net.c) is linked once the virtio
 * transport is part of the kernel build, and the VFS (for `http get -o`)
 * once kernel/fs is; until then these are NULL. */
extern void virtio_net_init(void) __attribute__((weak));
struct vfs_file;
extern int vfs_open(struct vfs_file *base, const char *path, uint32_t flags, uint32_t mode,
                    struct vfs_file **out) __attribute__((weak));
extern int64_t vfs_write(struct vfs_file *f, const void *buf, size_t len) __attribute__((weak));
extern void vfs_close(struct vfs_file *f) __attribute__((weak));
#define NET_VFS_O_WRONLY 0x0001        /* kernel/fs/vfs.h */
#define NET_VFS_O_CREAT  0x0040
#define NET_VFS_O_TRUNC  0x0200

static struct net_stack *kernel_stack;

struct net_stack *net_default(void)
{
    return kernel_stack;
}

/* ---- monitor commands: one wrapper serves every network command ---- */

static void monitor_io_write(void *ctx, const char *text, size_t len)
{
    (void)ctx;
    monitor_write(text, len);
}

static void *monitor_file_open(void *ctx, const char *path)
{
    (void)ctx;
    struct vfs_file *f = NULL;
    if (vfs_open(NULL, path, NET_VFS_O_WRONLY | NET_VFS_O_CREAT | NET_VFS_O_TRUNC, 0644, &f) < 0)
        return NULL;
    return f;
}

static int monitor_file_write(void *file, const void *data, size_t len)
{
    return vfs_write(file, data, len) == (int64_t)len ? 0 : -EIO;
}

static int monitor_file_close(void *file)
{
    vfs_close(file);
    return 0;
}

static struct netcmd_io monitor_io = { .write = monitor_io_write };

static int net_monitor_cmd(int argc, char **argv)
{
    if (!kernel_stack)
        return -ENETDOWN;
    int r = netcmd_run(kernel_stack, &monitor_io, argc, argv);
    /* The commands already said what went wrong. */
    return r == -ENOENT ? 0 : r;
}

static const char *const command_help[] = {
    "show or set network interfaces", "show or change the routing table", "show or clear the ARP cache",
    "send ICMP echo requests", "list connections, or counters (-s)", "look a name up in DNS",
    "show or set DNS servers and static hosts", "get or show a DHCP lease",
    "HTTP/1.1 GET: the body to the console, or its size and SHA-256 (-s)",
    "TCP transfer and connection tests",
};

static struct monitor_cmd monitor_cmds[16];

static void net_register_commands(void)
{
    for (int i = 0; i < netcmd_count && i < (int)ARRAY_SIZE(monitor_cmds); i++) {
        monitor_cmds[i] = (struct monitor_cmd){
            .name = netcmd_list[i].name,
            .usage = netcmd_list[i].brief,
            .help = i < (int)ARRAY_SIZE(command_help) ? command_help[i] : "",
            .fn = net_monitor_cmd,
        };
        monitor_register(&monitor_cmds[i]);
    }
}

/* ---- interface policy ---- */

/* Copies the n-th comma-separated item of list into out; false if absent. */
static bool list_item(const char *list, int n, char *out, size_t size)
{
    for (int i = 0; i < n && list; i++) {
        list = strchr(list, ',');
        if (list)
            list++;
    }
    if (!list || !*list)
        return false;
    size_t len = 0;
    while (list[len] && list[len] != ',')
        len++;
    if (len >= size)
        return false;
    memcpy(out, list, len);
    out[len] = 0;
    return true;
}

/* A driver's new interface: configure it as the command line says. */
void net_configure_netif(struct netif *nif)
{
    const char *ip = cmdline_get("ip");
    char item[32];
    if (ip && strcmp(ip, "off") == 0)
        return;
    if (!ip || strcmp(ip, "dhcp") == 0) {
        int r = dhcp_start(nif);
        if (r < 0)
            log_warn("net: %s: DHCP does not start (%d)", nif->name, r);
        return;
    }
    ip4_addr_t addr, gw;
    unsigned prefix = 24;
    if (!list_item(ip, 0, item, sizeof(item))) {
        log_warn("net: ip=%s: expected dhcp, off or ADDR/PREFIX[,GATEWAY]", ip);
        return;
    }
    char *slash = strchr(item, '/');
    if (slash) {
        *slash = 0;
        prefix = (unsigned)strtoull(slash + 1, NULL, 10);
    }
    if (ip4_parse(item, &addr) < 0 || prefix > 32) {
        log_warn("net: ip=%s: bad address", ip);
        return;
    }
    netif_set_addr(nif, addr, prefix);
    if (list_item(ip, 1, item, sizeof(item)) && ip4_parse(item, &gw) == 0)
        net_route_add(nif->stack, 0, 0, gw, nif, 0);
}

static void net_configure_dns(void)
{
    const char *dns = cmdline_get("dns");
    ip4_addr_t servers[NET_DNS_SERVERS_MAX];
    int n = 0;
    char item[32];
    for (int i = 0; dns && n < NET_DNS_SERVERS_MAX && list_item(dns, i, item, sizeof(item)); i++)
        if (ip4_parse(item, &servers[n]) == 0)
            n++;
    if (n)
        dns_set_servers(kernel_stack, servers, n);
}

int net_init(void)
{
    kernel_stack = net_stack_create("kernel");
    if (!kernel_stack) {
        log_err("net: cannot create the network stack");
        return -ENOMEM;
    }
    net_configure_dns();
    if (vfs_open && vfs_write && vfs_close) {
        monitor_io.file_open = monitor_file_open;
        monitor_io.file_write = monitor_file_write;
        monitor_io.file_close = monitor_file_close;
    }
    net_register_commands();
    if (virtio_net_init)
        virtio_net_init();
    return 0;
}
