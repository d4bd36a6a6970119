/*
 * tests/net/impair.c — a user-space stand-in for tc-netem (this machine's
 * kernel has none): relays Ethernet frames between a tap device (the Linux
 * side, in the test's network namespace) and a UDP socket on 127.0.0.1 (the
 * KPIO side: kpio-nethost --udp, or QEMU's -netdev dgram), losing,
 * duplicating, delaying and reordering them in both directions.
 *
 *   kpio-impair --tap NAME --udp LOCALPORT:REMOTEPORT [--loss PCT] [--dup PCT]
 *               [--reorder PCT] [--delay MS] [--seed N] [--block-unicast-udp PORT]
 *
 * --block-unicast-udp drops KPIO's unicast UDP datagrams to PORT (broadcasts
 * pass): a DHCP server KPIO can reach only by broadcast, to test rebinding.
 *
 * Reordering follows netem: with a delay, a "reordered" frame skips it and
 * overtakes those in flight; without one, it is held back 1 ms. SIGTERM ends
 * it; it then prints its counters on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct frame {
    struct frame *next;
    uint64_t due;
    uint16_t len;
    uint8_t data[2048];
};

struct direction {
    const char *name;
    struct frame *queue;          /* sorted by due time */
    unsigned long in, out, lost, dup, reordered;
};

static double loss_pct, dup_pct, reorder_pct;
static int block_port;               /* 0: none */
static unsigned long blocked;
static uint64_t delay_ns;
static uint64_t rng = 88172645463325252ull;
static volatile sig_atomic_t stop;
static int tap_fd, udp_fd;
static struct sockaddr_in peer;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double uniform(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / (double)(1ull << 53) * 100.0;
}

static void enqueue(struct direction *d, const uint8_t *data, size_t len, uint64_t due)
{
    struct frame *f = malloc(sizeof(*f));
    if (!f)
        return;
    f->due = due;
    f->len = (uint16_t)len;
    memcpy(f->data, data, len);
    struct frame **p = &d->queue;
    while (*p && (*p)->due <= due)
        p = &(*p)->next;
    f->next = *p;
    *p = f;
}

/* An IPv4 UDP datagram to block_port that is not a broadcast? */
static int is_blocked(const uint8_t *f, size_t len)
{
    if (!block_port || len < 14 + 20 + 8 || f[12] != 0x08 || f[13] != 0x00 || f[14 + 9] != 17)
        return 0;
    const uint8_t *ip = f + 14;
    size_t hl = (size_t)(ip[0] & 15) * 4;
    if (len < 14 + hl + 8 || (ip[16] == 255 && ip[17] == 255 && ip[18] == 255 && ip[19] == 255))
        return 0;
    return (ip[hl + 2] << 8 | ip[hl + 3]) == block_port;
}

static void arrive(struct direction *d, const uint8_t *data, size_t len)
{
    d->in++;
    if (uniform() < loss_pct) {
        d->lost++;
        return;
    }
    uint64_t t = now_ns();
    uint64_t due = t + delay_ns;
    if (uniform() < reorder_pct) {
        d->reordered++;
        due = delay_ns ? t : t + 1000000;
    }
    enqueue(d, data, len, due);
    if (uniform() < dup_pct) {
        d->dup++;
        enqueue(d, data, len, due + 100000);
    }
}

static void flush(struct direction *d, int to_tap)
{
    uint64_t t = now_ns();
    while (d->queue && d->queue->due <= t) {
        struct frame *f = d->queue;
        d->queue = f->next;
        if (to_tap)
            (void)!write(tap_fd, f->data, f->len);
        else
            (void)!sendto(udp_fd, f->data, f->len, 0, (struct sockaddr *)&peer, sizeof(peer));
        d->out++;
        free(f);
    }
}

static void on_term(int sig)
{
    (void)sig;
    stop = 1;
}

int main(int argc, char **argv)
{
    const char *tap = NULL;
    int lport = 0, rport = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *o = argv[i], *v = argv[i + 1];
        if (!strcmp(o, "--tap")) tap = v;
        else if (!strcmp(o, "--udp")) { if (sscanf(v, "%d:%d", &lport, &rport) != 2) return 2; }
        else if (!strcmp(o, "--loss")) loss_pct = atof(v);
        else if (!strcmp(o, "--dup")) dup_pct = atof(v);
        else if (!strcmp(o, "--reorder")) reorder_pct = atof(v);
        else if (!strcmp(o, "--delay")) delay_ns = (uint64_t)(atof(v) * 1e6);
        else if (!strcmp(o, "--seed")) rng = strtoull(v, NULL, 0) | 1;
        else if (!strcmp(o, "--block-unicast-udp")) block_port = atoi(v);
        else { fprintf(stderr, "kpio-impair: unknown option %s\n", o); return 2; }
    }
    if (!tap || !lport || !rport) {
        fprintf(stderr, "usage: kpio-impair --tap NAME --udp LOCAL:REMOTE [--loss P] [--dup P] "
                        "[--reorder P] [--delay MS] [--seed N]\n");
        return 2;
    }
    tap_fd = open("/dev/net/tun", O_RDWR);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    strncpy(ifr.ifr_name, tap, IFNAMSIZ - 1);
    if (tap_fd < 0 || ioctl(tap_fd, TUNSETIFF, &ifr) < 0) {
        perror("kpio-impair: tap");
        return 1;
    }
    udp_fd = socket(AF_INET, SOCK_DGRAM, 0);
    int big = 8 << 20;
    setsockopt(udp_fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
    setsockopt(udp_fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)lport),
                             .sin_addr.s_addr = htonl(0x7f000001) };
    if (bind(udp_fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        perror("kpio-impair: bind");
        return 1;
    }
    peer = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons((uint16_t)rport),
                                 .sin_addr.s_addr = htonl(0x7f000001) };
    signal(SIGTERM, on_term);
    signal(SIGINT, on_term);
    struct direction to_kpio = { .name = "linux->kpio" }, to_linux = { .name = "kpio->linux" };
    printf("kpio-impair: ready\n");
    fflush(stdout);
    uint8_t buf[2048];
    while (!stop) {
        uint64_t t = now_ns(), next = t + 100000000ull;
        if (to_kpio.queue && to_kpio.queue->due < next) next = to_kpio.queue->due;
        if (to_linux.queue && to_linux.queue->due < next) next = to_linux.queue->due;
        int timeout_ms = next > t ? (int)((next - t + 999999) / 1000000) : 0;
        struct pollfd pfd[2] = { { tap_fd, POLLIN, 0 }, { udp_fd, POLLIN, 0 } };
        if (poll(pfd, 2, timeout_ms) < 0 && errno != EINTR)
            break;
        if (pfd[0].revents & POLLIN) {
            ssize_t n = read(tap_fd, buf, sizeof(buf));
            if (n > 0)
                arrive(&to_kpio, buf, (size_t)n);
        }
        if (pfd[1].revents & POLLIN) {
            ssize_t n = recv(udp_fd, buf, sizeof(buf), 0);
            if (n > 0 && is_blocked(buf, (size_t)n))
                blocked++;
            else if (n > 0)
                arrive(&to_linux, buf, (size_t)n);
        }
        flush(&to_kpio, 0);
        flush(&to_linux, 1);
    }
    if (block_port)
        fprintf(stderr, "kpio-impair: blocked %lu unicast datagrams to port %d\n", blocked, block_port);
    struct direction *ds[2] = { &to_kpio, &to_linux };
    for (int i = 0; i < 2; i++)
        fprintf(stderr, "kpio-impair: %s in %lu out %lu lost %lu duplicated %lu reordered %lu\n",
                ds[i]->name, ds[i]->in, ds[i]->out, ds[i]->lost, ds[i]->dup, ds[i]->reordered);
    return 0;
}
