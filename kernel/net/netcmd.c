/*
 * kernel/net/netcmd.c — the network commands; see netcmd.h. They are plain
 * users of the public API (net.h, socket.h, http.h), like an application.
 */
#include "net/netpriv.h"
#include "net/netcmd.h"
#include "net/http.h"
#include "lib/sha256.h"

static void out(const struct netcmd_io *io, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(const struct netcmd_io *io, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n > (int)sizeof(buf) - 1)
        n = (int)sizeof(buf) - 1;
    if (n > 0)
        io->write(io->ctx, buf, (size_t)n);
}

static bool stop_requested(const struct netcmd_io *io)
{
    return io->interrupted && io->interrupted(io->ctx);
}

static const char *errname(int err)
{
    switch (-err) {
    case ETIMEDOUT: return "timed out";
    case ECONNREFUSED: return "connection refused";
    case ECONNRESET: return "connection reset";
    case ENETUNREACH: return "network unreachable";
    case EHOSTUNREACH: return "host unreachable";
    case ENOENT: return "not found";
    case EINVAL: return "invalid argument";
    case ENOMEM: return "out of memory";
    case EADDRINUSE: return "address in use";
    case EIO: return "I/O or protocol error";
    case EPIPE: return "broken pipe";
    default: return "error";
    }
}

static int fail(const struct netcmd_io *io, const char *what, int err)
{
    out(io, "%s: %s (%d)\n", what, errname(err), err);
    return err;
}

/* Parses a decimal number with an optional K/M/G (binary) suffix. */
static bool parse_size(const char *s, uint64_t *out_v)
{
    uint64_t v = 0;
    if (*s < '0' || *s > '9')
        return false;
    while (*s >= '0' && *s <= '9') {
        if (v > UINT64_MAX / 10 - 9)
            return false;
        v = v * 10 + (uint64_t)(*s++ - '0');
    }
    if (*s == 'K' || *s == 'k') { v <<= 10; s++; }
    else if (*s == 'M' || *s == 'm') { v <<= 20; s++; }
    else if (*s == 'G' || *s == 'g') { v <<= 30; s++; }
    if (*s)
        return false;
    *out_v = v;
    return true;
}

/* "a.b.c.d/n" or "a.b.c.d" (prefix defaults to def_prefix). */
static bool parse_cidr(const char *s, ip4_addr_t *addr, unsigned *prefix, unsigned def_prefix)
{
    char buf[32];
    strlcpy(buf, s, sizeof(buf));
    char *slash = strchr(buf, '/');
    *prefix = def_prefix;
    if (slash) {
        *slash = 0;
        uint64_t p;
        if (!parse_size(slash + 1, &p) || p > 32)
            return false;
        *prefix = (unsigned)p;
    }
    return ip4_parse(buf, addr) == 0;
}

static int resolve(struct net_stack *ns, const struct netcmd_io *io, const char *name, ip4_addr_t *a)
{
    int r = dns_lookup(ns, name, a, 1);
    if (r < 0) {
        out(io, "%s: cannot resolve: %s\n", name, errname(r));
        return r;
    }
    return 0;
}

/* ---- ifconfig ---- */

struct ifc_ctx {
    const struct netcmd_io *io;
    const char *only;
    int shown;
    struct netif *found;
};

static void ifc_show(struct netif *nif, void *arg)
{
    struct ifc_ctx *c = arg;
    if (c->only && strcmp(c->only, nif->name) != 0)
        return;
    c->shown++;
    c->found = nif;
    const struct netcmd_io *io = c->io;
    char a[16];
    out(io, "%s: flags=<%s%s%s%s> mtu %u\n", nif->name, nif->flags & NETIF_UP ? "UP" : "DOWN",
        nif->flags & NETIF_LINK_UP ? ",RUNNING" : "", nif->flags & NETIF_LOOPBACK ? ",LOOPBACK" : "",
        nif->flags & NETIF_TX_CSUM ? ",TXCSUM" : "", nif->mtu);
    if (nif->addr)
        out(io, "    inet %s/%u\n", ip4_format(nif->addr, a), nif->prefix_len);
    if (nif->flags & NETIF_ETHERNET)
        out(io, "    ether %02x:%02x:%02x:%02x:%02x:%02x\n", nif->hwaddr[0], nif->hwaddr[1],
            nif->hwaddr[2], nif->hwaddr[3], nif->hwaddr[4], nif->hwaddr[5]);
    out(io, "    RX packets %llu bytes %llu dropped %llu errors %llu\n",
        (unsigned long long)nif->stats.rx_packets, (unsigned long long)nif->stats.rx_bytes,
        (unsigned long long)nif->stats.rx_dropped, (unsigned long long)nif->stats.rx_errors);
    out(io, "    TX packets %llu bytes %llu dropped %llu errors %llu\n",
        (unsigned long long)nif->stats.tx_packets, (unsigned long long)nif->stats.tx_bytes,
        (unsigned long long)nif->stats.tx_dropped, (unsigned long long)nif->stats.tx_errors);
}

static int cmd_ifconfig(struct net_stack *ns, const struct netcmd_io *io, int argc, char **argv)
{
    struct ifc_ctx c = { io, argc > 1 ? argv[1] : NULL, 0, NULL };
    if (argc <= 2) {
        netif_foreach(ns, ifc_show, &c);
        if (c.only && !c.shown)
            return fail(io, argv[1], -ENODEV);
        return 0;
    }
    struct netif *nif = netif_find(ns, argv[1]);
    if (!nif)
        return fail(io, argv[1], -ENODEV);
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "up") == 0) {
            netif_set_up(nif, true);
        } else if (strcmp(argv[i], "down") == 0) {
            netif_set_up(nif, false);
        } else {
            ip4_addr_t a;
            unsigned prefix;
            if (!parse_cidr(argv[i], &a, &prefix, 24))
                return fail(io, argv[i], -EINVAL);
            int r = netif_set_addr(nif, a, prefix);
            if (r < 0)
                return fail(io, "ifconfig", r);
        }
    }
    return 0;
}

/* ---- route ---- */

static int cmd_route(struct net_stack *ns, const struct netcmd_io *io, int argc, char **argv)
{
    char a[16], g[16];
    if (argc == 1) {
        struct net_route r[NET_ROUTES_MAX];
        int n = net_route_list(ns, r, NET_ROUTES_MAX);
        out(io, "Destination        Gateway          Iface   Metric\n");
        for (int i = 0; i < n && i < NET_ROUTES_MAX; i++) {
            char dst[24];
            if (r[i].prefix_len == 0)
                strlcpy(dst, "default", sizeof(dst));
            else
                snprintf(dst, sizeof(dst), "%s/%u", ip4_format(r[i].dest, a), r[i].prefix_len);
            out(io, "%-18s %-16s %-7s %u\n", dst, r[i].gateway ? ip4_format(r[i].gateway, g) : "*",
                r[i].netif->name, r[i].metric);
        }
        return 0;
    }
    /* route add|del DEST/PREFIX|default via GW */
    if (argc != 5 || strcmp(argv[3], "via") != 0 ||
        (strcmp(argv[1], "add") != 0 && strcmp(argv[1], "del") != 0)) {
        out(io, "usage: route [add|del DEST/PREFIX|default via GATEWAY]\n");
        return -EINVAL;
    }
    ip4_addr_t dst = 0, gw;
    unsigned prefix = 0;
    if (strcmp(argv[2], "default") != 0 && !parse_cidr(argv[2], &dst, &prefix, 32))
        return fail(io, argv[2], -EINVAL);
    if (ip4_parse(argv[4], &gw) < 0)
        return fail(io, argv[4], -EINVAL);
    int r = argv[1][0] == 'a' ? net_route_add(ns, dst, prefix, gw, NULL, 0)
                              : net_route_del(ns, dst, prefix, gw);
    return r < 0 ? fail(io, "route", r) : 0;
}

/* ---- arp ---- */

static int cmd_arp(struct net_stack *ns, const struct netcmd_io *io, int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "-d") == 0) {
        ip4_addr_t a;
        if (ip4_parse(argv[2], &a) < 0)
            return fail(io, argv[2], -EINVAL);
        int r = net_arp_del(ns, a);
        return r < 0 ? fail(io, argv[2], r) : 0;
    }
    struct net_arp_info *e = kmalloc(NET_ARP_CACHE_SIZE * sizeof(*e));
    if (!e)
        return fail(io, "arp", -ENOMEM);
    int n = net_arp_list(ns, e, NET_ARP_CACHE_SIZE);
    out(io, "Address          HWaddress          Iface   State\n");
    for (int i = 0; i < n && i < NET_ARP_CACHE_SIZE; i++) {
        char a[16];
        const uint8_t *h = e[i].hwaddr;
        if (e[i].resolved)
            out(io, "%-16s %02x:%02x:%02x:%02x:%02x:%02x  %-7s %s\n", ip4_format(e[i].addr, a), h[0],
                h[1], h[2], h[3], h[4], h[5], e[i].ifname, e[i].permanent ? "permanent" : "reachable");
        else
            out(io, "%-16s (incomplete)       %-7s resolving\n", ip4_format(e[i].addr, a), e[i].ifname);
    }
    kfree(e);
    return 0;
}

/* ---- ping ---- */

static int cmd_ping(struct net_stack *ns, const struct netcmd_io *io, int argc, char **argv)
{
    uint64_t count = 4, size = 56, interval_ms = 1000, wait_ms = 1000;
    int i = 1;
    for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
        uint64_t *v = argv[i][1] == 'c' ? &count : argv[i][1] == 's' ? &size :
                      argv[i][1] == 'i' ? &interval_ms : argv[i][1] == 'W' ? &wait_ms : NULL;
        if (!v || !parse_size(argv[i + 1], v))
            return fail(io, argv[i], -EINVAL);
    }
    if (i != argc - 1 || size > 65000 || count == 0) {
        out(io, "usage: ping [-c COUNT] [-s SIZE] [-i MS] [-W MS] HOST\n");
        return -EINVAL;
    }
    ip4_addr_t dst;
    int r = resolve(ns, io, argv[i], &dst);
    if (r < 0)
        return r;
    struct socket *s;
    if ((r = sock_open(ns, SOCK_PING, &s)) < 0)
        return fail(io, "ping", r);
    sock_setopt(s, SOCKOPT_RCVTIMEO_MS, (int)wait_ms);
    size_t len = 8 + (size_t)size;
    uint8_t *pkt = kmalloc(len), *reply = kmalloc(len + 64);
    if (!pkt || !reply) {
        kfree(pkt);
        kfree(reply);
        sock_close(s);
        return fail(io, "ping", -ENOMEM);
    }
    char a[16];
    out(io, "PING %s (%s) %llu data bytes\n", argv[i], ip4_format(dst, a), (unsigned long long)size);
    uint64_t sent = 0, received = 0, rtt_min = UINT64_MAX, rtt_max = 0, rtt_sum = 0;
    for (uint64_t seq = 1; seq <= count && !stop_requested(io); seq++) {
        memset(pkt, 0, len);
        pkt[0] = 8;
        wr16(pkt + 6, (uint16_t)seq);
        for (size_t k = 16; k < len; k++)
            pkt[k] = (uint8_t)k;
        uint64_t t0 = time_ns();
        if (len >= 16)
            memcpy(pkt + 8, &t0, 8);
        struct sock_addr to = { dst, 0 };
        r = (int)sock_sendto(s, pkt, len, 0, &to);
        if (r < 0) {
            out(io, "ping: send: %s\n", errname(r));
        } else {
            sent++;
            uint64_t deadline = t0 + wait_ms * NS_PER_MS;
            for (;;) {
                struct sock_addr from;
                long n = sock_recvfrom(s, reply, len + 64, 0, &from);
                uint64_t now = time_ns();
                if (n == -EAGAIN || now >= deadline) {
                    out(io, "no reply for icmp_seq=%llu\n", (unsigned long long)seq);
                    break;
                }
                if (n < 0) {
                    out(io, "From %s icmp_seq=%llu %s\n", a, (unsigned long long)seq, errname((int)n));
                    break;
                }
                if (n < 8 || reply[0] != 0 || rd16(reply + 6) != (uint16_t)seq)
                    continue;                  /* a late reply to an earlier one */
                uint64_t us = (now - t0) / NS_PER_US;
                received++;
                rtt_sum += us;
                rtt_min = MIN(rtt_min, us);
                rtt_max = MAX(rtt_max, us);
                out(io, "%ld bytes from %s: icmp_seq=%llu time=%llu.%03llu ms\n", n,
                    ip4_format(from.addr, a), (unsigned long long)seq, (unsigned long long)(us / 1000),
                    (unsigned long long)(us % 1000));
                break;
            }
        }
        uint64_t elapsed = time_ns() - t0;
        if (seq < count && elapsed < interval_ms * NS_PER_MS)
            thread_sleep_ns(interval_ms * NS_PER_MS - elapsed);
    }
    out(io, "--- %s ping statistics ---\n", argv[i]);
    out(io, "%llu packets transmitted, %llu received, %llu%% packet loss\n",
        (unsigned long long)sent, (unsigned long long)received,
        (unsigned long long)(sent ? (sent - received) * 100 / sent : 0));
    if (received)
        out(io, "rtt min/avg/max = %llu.%03llu/%llu.%03llu/%llu.%03llu ms\n",
            (unsigned long long)(rtt_min / 1000), (unsigned long long)(rtt_min % 1000),
            (unsigned long long)(rtt_sum / received / 1000), (unsigned long long)(rtt_sum / received % 1000),
            (unsigned long long)(rtt_max / 1000), (unsigned long long)(rtt_max % 1000));
    kfree(pkt);
    kfree(reply);
    sock_close(s);
    return received ? 0 : -EHOSTUNREACH;
}

/* ---- netstat ---- */

/* `netstat -s`: the counters in sections. */
#define COUNTER(name, field) { name, offsetof(struct net_counters, field) }
#define SECTION(name) { name, SIZE_MAX }
static const struct {
    const char *name;
    size_t offset;
} counter_table[] = {
    SECTION("Ethernet"),
    COUNTER("received", eth_in), COUNTER("malformed", eth_bad), COUNTER("unknown type", eth_unknown_type),
    SECTION("Arp"),
    COUNTER("received", arp_in), COUNTER("malformed", arp_bad), COUNTER("requests sent", arp_requests_sent),
    COUNTER("replies sent", arp_replies_sent), COUNTER("unanswered", arp_timeouts),
    SECTION("Ip"),
    COUNTER("received", ip_in), COUNTER("bad headers", ip_bad_header),
    COUNTER("bad checksums", ip_bad_checksum), COUNTER("not for us", ip_not_for_us),
    COUNTER("unknown protocol", ip_unknown_proto), COUNTER("sent", ip_out), COUNTER("no route", ip_no_route),
    COUNTER("fragments received", ip_frags_in), COUNTER("reassembled", ip_reassembled),
    COUNTER("reassembly failures", ip_reass_fail), COUNTER("fragments sent", ip_frags_out),
    SECTION("Icmp"),
    COUNTER("received", icmp_in), COUNTER("malformed", icmp_bad), COUNTER("echo replies sent", icmp_echo_replied),
    COUNTER("errors sent", icmp_errors_sent), COUNTER("errors rate-limited", icmp_errors_limited),
    SECTION("Udp"),
    COUNTER("received", udp_in), COUNTER("bad", udp_bad), COUNTER("no port", udp_no_port),
    COUNTER("queue full", udp_queue_full), COUNTER("sent", udp_out),
    SECTION("Tcp"),
    COUNTER("segments received", tcp_in), COUNTER("segments sent", tcp_out),
    COUNTER("bad checksums", tcp_bad_checksum), COUNTER("bad headers", tcp_bad_header),
    COUNTER("retransmitted", tcp_retransmits), COUNTER("fast retransmits", tcp_fast_retransmits),
    COUNTER("timeouts", tcp_timeouts), COUNTER("active opens", tcp_active_opens),
    COUNTER("passive opens", tcp_passive_opens), COUNTER("resets sent", tcp_resets_sent),
    COUNTER("resets received", tcp_resets_received), COUNTER("out of window", tcp_out_of_window),
    COUNTER("out of order", tcp_ooo_segments), COUNTER("duplicates", tcp_dup_segments),
    COUNTER("challenge ACKs", tcp_challenge_acks), COUNTER("PAWS drops", tcp_paws_dropped),
    COUNTER("SYNs dropped", tcp_syn_dropped), COUNTER("SYNs evicted", tcp_syn_evicted),
    COUNTER("listen overflows", tcp_listen_overflows), COUNTER("TIME_WAIT recycled", tcp_time_wait_recycled),
    SECTION("Dns"),
    COUNTER("queries", dns_queries), COUNTER("answers", dns_answers), COUNTER("bad answers", dns_bad_answers),
    COUNTER("timeouts", dns_timeouts),
    SECTION("Dhcp"),
    COUNTER("sent", dhcp_sent), COUNTER("received", dhcp_received), COUNTER("bad", dhcp_bad),
};

static void print_counters(struct net_stack *ns, const struct netcmd_io *io)
{
    struct net_counters c;
    net_get_counters(ns, &c);
    for (size_t i = 0; i < ARRAY_SIZE(counter_table); i++) {
        const char *name = counter_table[i].name;
        if (counter_table[i].offset == SIZE_MAX) {
            out(io, "%s:\n", name);
            continue;
        }
        uint64_t v;
        memcpy(&v, (const uint8_t *)&c + counter_table[i].offset, sizeof(v));
        out(io, "    %-22s %llu\n", name, (unsigned long long)v);
    }
}

static int cmd_netstat(struct net_stack *ns, const struct netcmd_io *io, int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "-m") == 0) {
        /* Memory: for leak checks before and after a workload. */
        struct mm_stats st;
        struct net_usage u;
        mm_get_stats(&st);
        net_get_usage(ns, &u);
        out(io, "netbufs %ld heap-objects %llu frames-free %llu tcp %u listen %u half-open %u "
                "time-wait %u udp %u sockets %u\n",
            netbuf_live(), (unsigned long long)st.heap_allocations,
            (unsigned long long)st.frames_free, u.tcp_pcbs, u.tcp_listeners, u.tcp_half_open,
            u.tcp_time_wait, u.udp_pcbs, u.sockets);
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "-s") == 0) {
        print_counters(ns, io);
        return 0;
    }
    int max = 256;
    struct sock_info *si = kmalloc((size_t)max * sizeof(*si));
    if (!si)
        return fail(io, "netstat", -ENOMEM);
    int n = sock_list(ns, si, max);
    out(io, "Proto Recv-Q Send-Q Local Address          Foreign Address        State\n");
    for (int i = 0; i < n && i < max; i++) {
        char l[24], f[24], a[16];
        snprintf(l, sizeof(l), "%s:%u", ip4_format(si[i].local.addr, a), si[i].local.port);
        snprintf(f, sizeof(f), "%s:%u", ip4_format(si[i].remote.addr, a), si[i].remote.port);
        const char *proto = si[i].type == SOCK_TCP ? "tcp" : si[i].type == SOCK_UDP ? "udp" : "icmp";
        out(io, "%-5s %6u %6u %-22s %-22s %s%s\n", proto, si[i].rx_queued, si[i].tx_queued, l, f,
            si[i].state, si[i].orphan ? " (closing)" : "");
    }
    if (n > max)
        out(io, "(%d more)\n", n - max);
    kfree(si);
    return 0;
}

/* ---- host, dns ---- */

static int cmd_host(struct net_stack *ns, const struct netcmd_io *io, int argc, char **argv)
{
    if (argc != 2) {
        out(io, "usage: host NAME\n");
        return -EINVAL;
    }
    ip4_addr_t addrs[NET_DNS_ADDRS_MAX];
    int n = dns_lookup(ns, argv[1], addrs, NET_DNS_ADDRS_MAX);
    if (n < 0) {
        if (n == -ENOENT)
            out(io, "Host %s not found\n", argv[1]);
        else
            out(io, "Host %s: %s\n", argv[1], errname(n));
        return n;
    }
    for (int i = 0; i < n; i++) {
        char a[16];
        out(io, "%s has address %s\n", argv[1], ip4_format(addrs[i], a));
    }
    return 0;
}

static int cmd_dns(struct net_stack *ns, const struct netcmd_io *io, int argc, char **argv)
{
    char a[16];
    if (argc >= 3 && strcmp(argv[1], "hosts") == 0) {
        /* dns hosts NAME ADDR | dns hosts -d NAME */
        if (argc == 4 && strcmp(argv[2], "-d") == 0) {
            int r = dns_hosts_del(ns, argv[3]);
            return r < 0 ? fail(io, argv[3], r) : 0;
        }
        ip4_addr_t addr;
        if (argc != 4 || ip4_parse(argv[3], &addr) < 0)
            return fail(io, "dns hosts", -EINVAL);
        int r = dns_hosts_add(ns, argv[2], addr);
        return r < 0 ? fail(io, argv[2], r) : 0;
    }
    if (argc == 2 && strcmp(argv[1], "flush") == 0) {
        dns_cache_flush(ns);
        return 0;
    }
    if (argc > 1) {
        ip4_addr_t servers[NET_DNS_SERVERS_MAX];
        int n = 0;
        for (int i = 1; i < argc && n < NET_DNS_SERVERS_MAX; i++)
            if (ip4_parse(argv[i], &servers[n++]) < 0)
                return fail(io, argv[i], -EINVAL);
        return dns_set_servers(ns, servers, n);
    }
    ip4_addr_t servers[NET_DNS_SERVERS_MAX];
    int n = dns_get_servers(ns, servers, NET_DNS_SERVERS_MAX);
    out(io, "servers:");
    for (int i = 0; i < n && i < NET_DNS_SERVERS_MAX; i++)
        out(io, " %s", ip4_format(servers[i], a));
    out(io, "%s\n", n ? "" : " (none)");
    return 0;
}

/* ---- dhcp ---- */

static const char *dhcp_state_name(enum dhcp_state s)
{
    static const char *const names[] = { "off", "init", "selecting", "requesting", "bound",
                                         "renewing", "rebinding", "probing" };
    return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "?";
}

static int cmd_dhcp(struct net_stack *ns, const struct netcmd_io *io, int argc, char **argv)
{
    const char *ifname = "eth0";
    bool status_only = false, release = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "status") == 0)
            status_only = true;
        else if (strcmp(argv[i], "release") == 0)
            release = true;
        else
            ifname = argv[i];
    }
    struct netif *nif = netif_find(ns, ifname);
    if (!nif)
        return fail(io, ifname, -ENODEV);
    if (release) {
        dhcp_stop(nif);
        return 0;
    }
    if (!status_only) {
        int r = dhcp_start(nif);
        if (r < 0 && r != -EALREADY)
            return fail(io, "dhcp", r);
        if (dhcp_wait_bound(nif, 30 * NS_PER_S) < 0)
            out(io, "dhcp: no lease yet\n");
    }
    struct dhcp_lease l;
    if (dhcp_get_lease(nif, &l) < 0)
        return fail(io, "dhcp", -ENOENT);
    char a[16], s[16], g[16];
    out(io, "%s: %s", ifname, dhcp_state_name(l.state));
    bool bound = l.state == DHCP_BOUND || l.state == DHCP_RENEWING || l.state == DHCP_REBINDING;
    if (l.addr && bound)
        out(io, " %s/%u server %s router %s lease %us renewals %u", ip4_format(l.addr, a), l.prefix_len,
            ip4_format(l.server, s), ip4_format(l.router, g), l.lease_s, l.renewals);
    if (l.declines)
        out(io, " declined %u", l.declines);
    out(io, "\n");
    return bound ? 0 : -ETIMEDOUT;
}

/* ---- http ---- */

struct http_sink {
    const struct netcmd_io *io;
    void *file;
    bool quiet;
    struct sha256 sha;
};

static int http_sink_body(void *arg, const uint8_t *data, size_t len)
{
    struct http_sink *k = arg;
    sha256_update(&k->sha, data, len);
    if (k->file)
        return k->io->file_write(k->file, data, len) < 0 ? -EIO : 0;
    if (!k->quiet)
        k->io->write(k->io->ctx, (const char *)data, len);
    return stop_requested(k->io) ? -ECANCELED : 0;
}

static int cmd_http(struct net_stack *ns, const struct netcmd_io *io, int argc, char **argv)
{
    const char *url = NULL, *file = NULL;
    bool quiet = false;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "-s") == 0)
            quiet = true;
        else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
            file = argv[++i];
        else
            url = argv[i];
    }
    if (argc < 3 || strcmp(argv[1], "get") != 0 || !url) {
        out(io, "usage: http get [-s] [-o FILE] http://HOST[:PORT]/PATH\n");
        return -EINVAL;
    }
    struct http_sink k = { io, NULL, quiet, { { 0 }, 0, { 0 }, 0 } };
    sha256_init(&k.sha);
    if (file) {
        if (!io->file_open)
            return fail(io, "http: no file system for -o", -ENOSYS);
        k.file = io->file_open(io->ctx, file);
        if (!k.file)
            return fail(io, file, -EIO);
    }
    struct http_result res;
    uint64_t t0 = time_ns();
    int r = http_get(ns, url, http_sink_body, &k, &res, 30000);
    uint64_t ms = (time_ns() - t0) / NS_PER_MS;
    if (k.file && io->file_close(k.file) < 0 && r == 0)
        r = -EIO;
    if (r < 0)
        return fail(io, "http", r);
    uint8_t digest[32];
    char hex[65];
    sha256_final(&k.sha, digest);
    sha256_hex(digest, hex);
    if (quiet || file)
        out(io, "http: status %d, %llu bytes in %llu ms, sha256 %s\n", res.status,
            (unsigned long long)res.body_bytes, (unsigned long long)ms, hex);
    else
        out(io, "\n");
    return res.status / 100 == 2 ? 0 : -EIO;
}

/* ---- tcp: transfers checked by SHA-256, and connection tests ---- */

/* The test stream `tcp send`, `tcp source` and `tcp conns` produce: the
 * bytes of successive xorshift64 words, taken any number at a time. */
struct stream_gen {
    uint64_t x;
    uint8_t word[8];
    unsigned used;          /* bytes of word already handed out */
};

static void stream_init(struct stream_gen *g, uint64_t seed)
{
    g->x = seed ? seed : 1;
    g->used = 8;
}

static void stream_bytes(struct stream_gen *g, uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (g->used == 8) {
            g->x ^= g->x << 13;
            g->x ^= g->x >> 7;
            g->x ^= g->x << 17;
            for (int k = 0; k < 8; k++)
                g->word[k] = (uint8_t)(g->x >> (8 * k));
            g->used = 0;
        }
        buf[i] = g->word[g->used++];
    }
}

/* "received|sent N bytes in T s (R Mbit/s) sha256 H" (no hash when sha is NULL). */
static void report(const struct netcmd_io *io, const char *what, uint64_t bytes, uint64_t ns_elapsed,
                   struct sha256 *sha)
{
    char hex[65] = "(not hashed)";
    if (sha) {
        uint8_t digest[32];
        sha256_final(sha, digest);
        sha256_hex(digest, hex);
    }
    uint64_t ms = ns_elapsed / NS_PER_MS;
    uint64_t kbit = ns_elapsed ? bytes * 8 * NS_PER_S / ns_elapsed / 1000 : 0;
    out(io, "%s %llu bytes in %llu.%03llu s (%llu.%03llu Mbit/s) sha256 %s\n", what,
        (unsigned long long)bytes, (unsigned long long)(ms / 1000), (unsigned long long)(ms % 1000),
        (unsigned long long)(kbit / 1000), (unsigned long long)(kbit % 1000), hex);
}

#define XFER_CHUNK 65536

/* Reads s to the end, hashing (unless raw); prints the result. */
static int tcp_drain(const struct netcmd_io *io, struct socket *s, bool raw)
{
    uint8_t *buf = kmalloc(XFER_CHUNK);
    if (!buf)
        return fail(io, "tcp", -ENOMEM);
    struct sha256 sha;
    sha256_init(&sha);
    uint64_t total = 0, t0 = time_ns();
    long n;
    while ((n = sock_recv(s, buf, XFER_CHUNK, 0)) > 0) {
        if (!raw)
            sha256_update(&sha, buf, (size_t)n);
        total += (uint64_t)n;
        if (stop_requested(io)) {
            n = -ECANCELED;
            break;
        }
    }
    kfree(buf);
    if (n < 0)
        return fail(io, "tcp recv", (int)n);
    report(io, "received", total, time_ns() - t0, raw ? NULL : &sha);
    return 0;
}

/* Sends `bytes` of the test stream (zeros and no hashing when raw, for
 * benchmarks), then half-closes and waits for the peer's close so that
 * everything is known to have arrived. */
static int tcp_pour(const struct netcmd_io *io, struct socket *s, uint64_t bytes, bool raw)
{
    uint8_t *buf = kmalloc(XFER_CHUNK);
    if (!buf)
        return fail(io, "tcp", -ENOMEM);
    struct sha256 sha;
    sha256_init(&sha);
    struct stream_gen gen;
    stream_init(&gen, 0x4b50494f2d6e6574ull);
    uint64_t sent = 0, t0 = time_ns();
    int r = 0;
    while (sent < bytes && r == 0) {
        size_t n = (size_t)MIN((uint64_t)XFER_CHUNK, bytes - sent);
        if (raw) {
            if (sent == 0)
                memset(buf, 0, XFER_CHUNK);
        } else {
            stream_bytes(&gen, buf, n);
            sha256_update(&sha, buf, n);
        }
        for (size_t off = 0; off < n;) {
            long w = sock_send(s, buf + off, n - off, 0);
            if (w < 0) {
                r = (int)w;
                break;
            }
            off += (size_t)w;
        }
        sent += n;
        if (stop_requested(io))
            r = -ECANCELED;
    }
    if (r == 0)
        r = sock_shutdown(s, SOCK_SHUT_WR);
    while (r == 0) {
        long n = sock_recv(s, buf, XFER_CHUNK, 0);
        if (n <= 0) {
            r = (int)n;
            break;
        }
    }
    kfree(buf);
    if (r < 0)
        return fail(io, "tcp send", r);
    report(io, "sent", sent, time_ns() - t0, raw ? NULL : &sha);
    return 0;
}

static int tcp_connect_to(struct net_stack *ns, const struct netcmd_io *io, const char *host,
                          const char *port_s, struct socket **out_s)
{
    uint64_t port;
    ip4_addr_t addr;
    if (!parse_size(port_s, &port) || port == 0 || port > 65535)
        return fail(io, port_s, -EINVAL);
    int r = resolve(ns, io, host, &addr);
    if (r < 0)
        return r;
    struct socket *s;
    if ((r = sock_open(ns, SOCK_TCP, &s)) < 0)
        return fail(io, "tcp", r);
    sock_setopt(s, SOCKOPT_RCVBUF, 1 << 20);
    sock_setopt(s, SOCKOPT_SNDBUF, 1 << 20);
    sock_setopt(s, SOCKOPT_RCVTIMEO_MS, 60000);
    sock_setopt(s, SOCKOPT_SNDTIMEO_MS, 60000);
    struct sock_addr to = { addr, (uint16_t)port };
    if ((r = sock_connect(s, &to)) < 0) {
        sock_close(s);
        return fail(io, "tcp connect", r);
    }
    *out_s = s;
    return 0;
}

static int tcp_accept_one(struct net_stack *ns, const struct netcmd_io *io, const char *port_s,
                          struct socket **out_s)
{
    uint64_t port;
    if (!parse_size(port_s, &port) || port == 0 || port > 65535)
        return fail(io, port_s, -EINVAL);
    struct socket *l, *s;
    int r = sock_open(ns, SOCK_TCP, &l);
    if (r < 0)
        return fail(io, "tcp", r);
    sock_setopt(l, SOCKOPT_REUSEADDR, 1);
    sock_setopt(l, SOCKOPT_RCVBUF, 1 << 20);
    sock_setopt(l, SOCKOPT_SNDBUF, 1 << 20);
    sock_setopt(l, SOCKOPT_RCVTIMEO_MS, 120000);
    struct sock_addr a = { 0, (uint16_t)port };
    if ((r = sock_bind(l, &a)) == 0 && (r = sock_listen(l, 4)) == 0) {
        out(io, "listening on port %llu\n", (unsigned long long)port);
        struct sock_addr peer;
        r = sock_accept(l, &s, &peer);
        if (r == -EAGAIN)
            r = -ETIMEDOUT;
    }
    sock_close(l);
    if (r < 0)
        return fail(io, "tcp accept", r);
    sock_setopt(s, SOCKOPT_RCVTIMEO_MS, 60000);
    sock_setopt(s, SOCKOPT_SNDTIMEO_MS, 60000);
    *out_s = s;
    return 0;
}

/* N connections at once to an echo server, each sending `bytes` and
 * checking that the same bytes come back. */
struct echo_conn {
    struct socket *s;
    struct stream_gen gen, check;
    uint64_t sent, got;
    bool done, bad;
};

static int tcp_conns(struct net_stack *ns, const struct netcmd_io *io, const char *host,
                     const char *port_s, const char *n_s, const char *bytes_s)
{
    uint64_t n, bytes, port;
    ip4_addr_t addr;
    if (!parse_size(n_s, &n) || n == 0 || n > 1000 || !parse_size(bytes_s, &bytes) ||
        !parse_size(port_s, &port) || port == 0 || port > 65535)
        return fail(io, "tcp conns", -EINVAL);
    int r = resolve(ns, io, host, &addr);
    if (r < 0)
        return r;
    struct echo_conn *c = kzalloc(n * sizeof(*c));
    struct sock_pollfd *pf = kzalloc(n * sizeof(*pf));
    uint8_t *buf = kmalloc(8192), *want = kmalloc(8192);
    if (!c || !pf || !buf || !want) {
        r = -ENOMEM;
        goto out;
    }
    for (uint64_t i = 0; i < n; i++) {
        if ((r = sock_open(ns, SOCK_TCP, &c[i].s)) < 0)
            goto out;
        sock_setopt(c[i].s, SOCKOPT_NONBLOCK, 1);
        stream_init(&c[i].gen, 0x1234567ull * (i + 1));
        c[i].check = c[i].gen;
        struct sock_addr to = { addr, (uint16_t)port };
        r = sock_connect(c[i].s, &to);
        if (r != -EINPROGRESS && r != 0)
            goto out;
        r = 0;
    }
    uint64_t deadline = time_ns() + 120 * NS_PER_S, done = 0, failed = 0;
    while (done < n && time_ns() < deadline && !stop_requested(io)) {
        int np = 0;
        for (uint64_t i = 0; i < n; i++) {
            if (c[i].done)
                continue;
            pf[np].sock = c[i].s;
            pf[np].events = SOCK_POLLIN | (c[i].sent < bytes ? SOCK_POLLOUT : 0);
            np++;
        }
        sock_poll_wait(pf, np, (int64_t)(100 * NS_PER_MS));
        for (uint64_t i = 0; i < n; i++) {
            struct echo_conn *e = &c[i];
            if (e->done)
                continue;
            int err = 0;
            sock_getopt(e->s, SOCKOPT_ERROR, &err);
            if (err) {
                e->done = e->bad = true;
                done++;
                failed++;
                continue;
            }
            while (e->sent < bytes) {
                size_t k = (size_t)MIN((uint64_t)8192, bytes - e->sent);
                struct stream_gen peek = e->gen;
                stream_bytes(&peek, buf, k);
                long w = sock_send(e->s, buf, k, 0);
                if (w <= 0)
                    break;
                stream_bytes(&e->gen, buf, (size_t)w);    /* advance by what was taken */
                e->sent += (uint64_t)w;
                if ((size_t)w < k)
                    break;
            }
            long got;
            while ((got = sock_recv(e->s, buf, 8192, 0)) > 0) {
                stream_bytes(&e->check, want, (size_t)got);
                if (memcmp(buf, want, (size_t)got) != 0)
                    e->bad = true;
                e->got += (uint64_t)got;
            }
            if (e->got >= bytes || got == 0) {
                e->done = true;
                done++;
                if (e->bad || e->got != bytes)
                    failed++;
            }
        }
    }
    out(io, "conns: %llu ok, %llu failed\n", (unsigned long long)(done - failed),
        (unsigned long long)(failed + (n - done)));
    r = (failed || done < n) ? -EIO : 0;
out:
    if (c)
        for (uint64_t i = 0; i < n; i++)
            if (c[i].s)
                sock_close(c[i].s);
    kfree(c);
    kfree(pf);
    kfree(buf);
    kfree(want);
    return r < 0 && r != -EIO ? fail(io, "tcp conns", r) : r;
}

/* Sequential connect/close cycles: connections per second. */
static int tcp_cps(struct net_stack *ns, const struct netcmd_io *io, const char *host,
                   const char *port_s, const char *n_s)
{
    uint64_t n, port;
    ip4_addr_t addr;
    if (!parse_size(n_s, &n) || n == 0 || !parse_size(port_s, &port) || port == 0 || port > 65535)
        return fail(io, "tcp cps", -EINVAL);
    int r = resolve(ns, io, host, &addr);
    if (r < 0)
        return r;
    uint64_t t0 = time_ns(), ok = 0;
    for (uint64_t i = 0; i < n && !stop_requested(io); i++) {
        struct socket *s;
        if ((r = sock_open(ns, SOCK_TCP, &s)) < 0)
            break;
        sock_setopt(s, SOCKOPT_RCVTIMEO_MS, 10000);
        struct sock_addr to = { addr, (uint16_t)port };
        r = sock_connect(s, &to);
        if (r == 0) {
            char b[16];
            while ((r = (int)sock_recv(s, b, sizeof(b), 0)) > 0) {
            }
            if (r == 0)
                ok++;
        }
        sock_close(s);
        if (r < 0)
            break;
    }
    uint64_t us = (time_ns() - t0) / NS_PER_US;
    out(io, "cps: %llu connections in %llu ms, %llu per second\n", (unsigned long long)ok,
        (unsigned long long)(us / 1000), (unsigned long long)(us ? ok * 1000000 / us : 0));
    return r < 0 ? fail(io, "tcp cps", r) : 0;
}

/* A background echo service (one thread per connection) for tests where
 * Linux connects while the console stays free: `tcp echod PORT`, stopped
 * by `tcp echod stop`. */
struct echod {
    struct net_stack *ns;
    struct socket *listener;
    struct thread *thread;
};
static struct echod *echod_running;

static void echo_conn_thread(void *arg)
{
    struct socket *s = arg;
    uint8_t *buf = kmalloc(8192);
    long n;
    while (buf && (n = sock_recv(s, buf, 8192, 0)) > 0) {
        for (long off = 0; off < n;) {
            long w = sock_send(s, buf + off, (size_t)(n - off), 0);
            if (w <= 0)
                goto done;
            off += w;
        }
    }
done:
    kfree(buf);
    sock_close(s);
}

static void echod_thread(void *arg)
{
    struct echod *e = arg;
    for (;;) {
        struct socket *s;
        int r = sock_accept(e->listener, &s, NULL);
        if (r == -EAGAIN)
            continue;
        if (r < 0)
            return;                     /* the listener was closed: stop */
        sock_setopt(s, SOCKOPT_RCVTIMEO_MS, 60000);
        struct thread *t = thread_create("net-echo", echo_conn_thread, s, PRIO_NORMAL);
        if (t)
            thread_detach(t);
        else
            sock_close(s);
    }
}

static int tcp_echod(struct net_stack *ns, const struct netcmd_io *io, const char *arg)
{
    if (strcmp(arg, "stop") == 0) {
        struct echod *e = echod_running;
        if (!e)
            return fail(io, "tcp echod", -ESRCH);
        echod_running = NULL;
        sock_shutdown(e->listener, SOCK_SHUT_RDWR);    /* its accept fails now */
        thread_join(e->thread);
        sock_close(e->listener);
        kfree(e);
        out(io, "echod stopped\n");
        return 0;
    }
    uint64_t port;
    if (echod_running)
        return fail(io, "tcp echod", -EALREADY);
    if (!parse_size(arg, &port) || port == 0 || port > 65535)
        return fail(io, arg, -EINVAL);
    struct echod *e = kzalloc(sizeof(*e));
    if (!e)
        return fail(io, "tcp echod", -ENOMEM);
    e->ns = ns;
    int r = sock_open(ns, SOCK_TCP, &e->listener);
    struct sock_addr a = { 0, (uint16_t)port };
    if (r == 0) {
        sock_setopt(e->listener, SOCKOPT_REUSEADDR, 1);
        if ((r = sock_bind(e->listener, &a)) == 0)
            r = sock_listen(e->listener, 128);
        if (r < 0)
            sock_close(e->listener);
    }
    if (r == 0) {
        e->thread = thread_create("net-echod", echod_thread, e, PRIO_NORMAL);
        if (!e->thread) {
            sock_close(e->listener);
            r = -ENOMEM;
        }
    }
    if (r < 0) {
        kfree(e);
        return fail(io, "tcp echod", r);
    }
    echod_running = e;
    out(io, "echod on port %llu\n", (unsigned long long)port);
    return 0;
}

static int cmd_tcp(struct net_stack *ns, const struct netcmd_io *io, int argc, char **argv)
{
    struct socket *s;
    int r;
    const char *sub = argc > 1 ? argv[1] : "";
    /* -n after the subcommand: raw data, no SHA-256 (benchmarks). */
    bool raw = argc > 2 && strcmp(argv[2], "-n") == 0;
    if (raw) {
        argv[2] = argv[1];
        argv++;
        argc--;
    }
    if (strcmp(sub, "recv") == 0 && argc == 4) {
        if ((r = tcp_connect_to(ns, io, argv[2], argv[3], &s)) < 0)
            return r;
        r = tcp_drain(io, s, raw);
    } else if (strcmp(sub, "send") == 0 && argc == 5) {
        uint64_t bytes;
        if (!parse_size(argv[4], &bytes))
            return fail(io, argv[4], -EINVAL);
        if ((r = tcp_connect_to(ns, io, argv[2], argv[3], &s)) < 0)
            return r;
        r = tcp_pour(io, s, bytes, raw);
    } else if (strcmp(sub, "sink") == 0 && argc == 3) {
        if ((r = tcp_accept_one(ns, io, argv[2], &s)) < 0)
            return r;
        r = tcp_drain(io, s, raw);
    } else if (strcmp(sub, "source") == 0 && argc == 4) {
        uint64_t bytes;
        if (!parse_size(argv[3], &bytes))
            return fail(io, argv[3], -EINVAL);
        if ((r = tcp_accept_one(ns, io, argv[2], &s)) < 0)
            return r;
        r = tcp_pour(io, s, bytes, raw);
    } else if (strcmp(sub, "conns") == 0 && argc == 6) {
        return tcp_conns(ns, io, argv[2], argv[3], argv[4], argv[5]);
    } else if (strcmp(sub, "cps") == 0 && argc == 5) {
        return tcp_cps(ns, io, argv[2], argv[3], argv[4]);
    } else if (strcmp(sub, "echod") == 0 && argc == 3) {
        return tcp_echod(ns, io, argv[2]);
    } else {
        out(io, "usage: tcp recv HOST PORT | send HOST PORT BYTES | sink PORT | source PORT BYTES\n"
                "       (-n after recv/send/sink/source: zeros, no SHA-256, for benchmarks)\n"
                "       tcp conns HOST PORT N BYTES | cps HOST PORT N | echod PORT|stop\n");
        return -EINVAL;
    }
    sock_close(s);
    return r;
}

/* ---- the table ---- */

const struct netcmd_info netcmd_list[] = {
    { "ifconfig", "ifconfig [IF [ADDR/PREFIX] [up|down]]", "[IF [ADDR/PFX] [up|down]]" },
    { "route", "route [add|del DEST/PREFIX|default via GATEWAY]", "[add|del NET/PFX via GW]" },
    { "arp", "arp [-d ADDR]", "[-d ADDR]" },
    { "ping", "ping [-c N] [-s SIZE] [-i MS] [-W MS] HOST", "[-c N] [-s SIZE] HOST" },
    { "netstat", "netstat [-s|-m]", "[-s|-m]" },
    { "host", "host NAME", "NAME" },
    { "dns", "dns [SERVER...] | dns hosts NAME ADDR | dns hosts -d NAME | dns flush",
      "[SERVER..|hosts|flush]" },
    { "dhcp", "dhcp [IF] [status|release]", "[IF] [status|release]" },
    { "http", "http get [-s] [-o FILE] URL", "get [-s] [-o FILE] URL" },
    { "tcp", "tcp recv|send|sink|source|conns|cps|echod ...", "recv|send|conns|cps ..." },
};
const int netcmd_count = (int)ARRAY_SIZE(netcmd_list);

int netcmd_run(struct net_stack *ns, const struct netcmd_io *io, int argc, char **argv)
{
    static int (*const fns[])(struct net_stack *, const struct netcmd_io *, int, char **) = {
        cmd_ifconfig, cmd_route, cmd_arp, cmd_ping, cmd_netstat, cmd_host, cmd_dns, cmd_dhcp,
        cmd_http, cmd_tcp,
    };
    if (argc < 1)
        return -EINVAL;
    for (int i = 0; i < netcmd_count; i++)
        if (strcmp(argv[0], netcmd_list[i].name) == 0)
            return fns[i](ns, io, argc, argv);
    return -ENOENT;
}
