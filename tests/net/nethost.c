/*
 * tests/net/nethost.c — the KPIO network stack as a Linux process, for
 * interoperability tests against real Linux peers before (and besides) the
 * kernel: one interface on a tap device (--tap NAME, opened inside the
 * test's network namespace) or on a UDP socket carrying raw frames (--udp
 * LOCAL:REMOTE, the impairment relay's other end, as QEMU's dgram netdev).
 * Commands (the monitor's network commands) come line by line on stdin; a
 * prompt follows each one.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/netpriv.h"
#include "net/netcmd.h"

extern int kshim_log_level;

static int link_fd = -1;
static bool link_is_udp;
static struct sockaddr_in udp_peer;
static struct netif nif;
static struct net_stack *ns;

static int host_transmit(struct netif *n, struct netbuf *nb)
{
    (void)n;
    ssize_t w;
    if (link_is_udp)
        w = sendto(link_fd, nb->data, nb->len, 0, (struct sockaddr *)&udp_peer, sizeof(udp_peer));
    else
        w = write(link_fd, nb->data, nb->len);
    if (w < 0)
        nif.stats.tx_errors++;
    netbuf_free(nb);
    return w < 0 ? -EIO : 0;
}
static const struct netif_ops host_ops = { .transmit = host_transmit };

static void *rx_thread(void *arg)
{
    (void)arg;
    for (;;) {
        struct netbuf *nb = netbuf_alloc(NET_HEADROOM, 2048);
        if (!nb) {
            usleep(1000);
            continue;
        }
        ssize_t n = read(link_fd, nb->data, 2048);
        if (n <= 0) {
            netbuf_free(nb);
            if (n < 0 && errno == EINTR)
                continue;
            return NULL;
        }
        nb->len = (uint32_t)n;
        netif_input(&nif, nb);
    }
}

static int open_tap(const char *name)
{
    int fd = open("/dev/net/tun", O_RDWR);
    if (fd < 0)
        return -1;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int open_udp(int lport, int rport)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0)
        return -1;
    int big = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)lport),
                             .sin_addr.s_addr = htonl(0x7f000001) };
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        close(fd);
        return -1;
    }
    udp_peer = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons((uint16_t)rport),
                                     .sin_addr.s_addr = htonl(0x7f000001) };
    link_is_udp = true;
    return fd;
}

/* ---- console glue for the commands ---- */

static void con_write(void *ctx, const char *text, size_t len)
{
    (void)ctx;
    fwrite(text, 1, len, stdout);
}
static void *con_file_open(void *ctx, const char *path) { (void)ctx; return fopen(path, "wb"); }
static int con_file_write(void *f, const void *d, size_t n) { return fwrite(d, 1, n, f) == n ? 0 : -1; }
static int con_file_close(void *f) { return fclose(f) == 0 ? 0 : -1; }

static const struct netcmd_io io = {
    .write = con_write, .file_open = con_file_open, .file_write = con_file_write,
    .file_close = con_file_close,
};

static void run_line(char *line)
{
    char *argv[32];
    int argc = 0;
    for (char *tok = strtok(line, " \t\r\n"); tok && argc < 32; tok = strtok(NULL, " \t\r\n"))
        argv[argc++] = tok;
    if (argc == 0)
        return;
    if (strcmp(argv[0], "help") == 0) {
        for (int i = 0; i < netcmd_count; i++)
            printf("  %s\n", netcmd_list[i].usage);
        return;
    }
    if (strcmp(argv[0], "mem") == 0) {
        struct mm_stats st;
        mm_get_stats(&st);
        printf("heap objects %llu netbufs %ld\n", (unsigned long long)st.heap_allocations, netbuf_live());
        return;
    }
    bool known = false;
    for (int i = 0; i < netcmd_count; i++)
        known |= strcmp(argv[0], netcmd_list[i].name) == 0;
    if (!known) {
        printf("%s: unknown command\n", argv[0]);
        return;
    }
    int r = netcmd_run(ns, &io, argc, argv);
    printf("[status %d]\n", r);
}

static void usage(void)
{
    fprintf(stderr, "usage: kpio-nethost (--tap NAME | --udp LOCALPORT:REMOTEPORT) [--mac XX:..]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x4b, 0x50, 0x01 };
    const char *tap = NULL;
    int lport = 0, rport = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--tap") == 0 && i + 1 < argc)
            tap = argv[++i];
        else if (strcmp(argv[i], "--udp") == 0 && i + 1 < argc) {
            if (sscanf(argv[++i], "%d:%d", &lport, &rport) != 2)
                usage();
        } else if (strcmp(argv[i], "--mac") == 0 && i + 1 < argc) {
            unsigned m[6];
            if (sscanf(argv[++i], "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
                usage();
            for (int k = 0; k < 6; k++)
                mac[k] = (uint8_t)m[k];
        } else if (strcmp(argv[i], "--verbose") == 0)
            kshim_log_level = KLOG_INFO;
        else
            usage();
    }
    if (!tap && !lport)
        usage();
    link_fd = tap ? open_tap(tap) : open_udp(lport, rport);
    if (link_fd < 0) {
        perror("kpio-nethost: link");
        return 1;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    ns = net_stack_create("host");
    strlcpy(nif.name, "eth0", sizeof(nif.name));
    memcpy(nif.hwaddr, mac, 6);
    nif.mtu = 1500;
    nif.flags = NETIF_UP | NETIF_LINK_UP | NETIF_ETHERNET;
    nif.ops = &host_ops;
    if (!ns || netif_add(ns, &nif) < 0) {
        fprintf(stderr, "kpio-nethost: no stack\n");
        return 1;
    }
    pthread_t t;
    pthread_create(&t, NULL, rx_thread, NULL);
    char line[1024];
    printf("kpio-net> ");
    fflush(stdout);
    while (fgets(line, sizeof(line), stdin)) {
        if (strncmp(line, "exit", 4) == 0)
            break;
        run_line(line);
        printf("kpio-net> ");
        fflush(stdout);
    }
    return 0;
}
