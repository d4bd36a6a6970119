/*
 * kernel/net/netcmd.h — the network commands of the kernel monitor (and of
 * the host-process test runner): ifconfig, route, arp, ping, netstat, host,
 * dns, dhcp, http and tcp (transfer and connection tests). They only print
 * through the io callbacks, so that any console can host them.
 */
#ifndef KPIO_NETCMD_H
#define KPIO_NETCMD_H

#include <stdbool.h>
#include <stddef.h>

struct net_stack;

struct netcmd_io {
    void (*write)(void *ctx, const char *text, size_t len);
    void *ctx;
    /* Optional file output for `http get -o FILE` (NULL: not available). */
    void *(*file_open)(void *ctx, const char *path);
    int (*file_write)(void *file, const void *data, size_t len);
    int (*file_close)(void *file);
    /* Optional: true once the user asked to stop (e.g. Ctrl-C). */
    bool (*interrupted)(void *ctx);
};

struct netcmd_info {
    const char *name;
    const char *usage;          /* full */
    const char *brief;          /* arguments only, short (for one-line listings) */
};
extern const struct netcmd_info netcmd_list[];
extern const int netcmd_count;

/* Runs argv[0] with its arguments. Returns 0 on success, a negative errno
 * on failure (after printing why), -ENOENT for an unknown command. */
int netcmd_run(struct net_stack *ns, const struct netcmd_io *io, int argc, char **argv);

#endif
