/*
 * kernel/net/netopts.h — every tunable of the network stack, in one place.
 * Sizes are in bytes, times in milliseconds unless the name says otherwise.
 * A build may override any of them with -D.
 */
#ifndef KPIO_NETOPTS_H
#define KPIO_NETOPTS_H

/* ---- buffers ---- */
#define NET_HEADROOM              128     /* room reserved in front of packet data for headers */
#define NET_ETH_MTU               1500
#define NET_LOOPBACK_MTU          16384

/* ---- interfaces and routes ---- */
#define NET_IFNAME_MAX            8
#define NET_ROUTES_MAX            32
#define NET_LOOPBACK_QUEUE_MAX    1024    /* frames waiting on the loopback interface */

/* ---- ARP (RFC 826) ---- */
#define NET_ARP_CACHE_SIZE        128
#define NET_ARP_TTL_MS            (5 * 60 * 1000)  /* a resolved entry lives this long */
#define NET_ARP_RETRY_MS          1000             /* between requests for a pending entry */
#define NET_ARP_MAX_RETRIES       3
#define NET_ARP_QUEUE_MAX         4                /* packets held per unresolved address */

/* ---- IPv4 (RFC 791) ---- */
#define NET_IP_DEFAULT_TTL        64
#define NET_IP_REASS_TIMEOUT_MS   30000   /* RFC 791: a lower bound of 15 s is suggested */
#define NET_IP_REASS_MAX          16      /* datagrams being reassembled at once */
#define NET_IP_REASS_MAX_FRAGS    64      /* fragments held per datagram */
#define NET_IP_REASS_MAX_BYTES    (256 * 1024)  /* all fragments held, stack-wide */

/* ---- ICMP (RFC 792) ---- */
#define NET_ICMP_ERRORS_PER_SEC   100     /* rate limit for generated errors */
#define NET_ICMP_SOCKETS_MAX      16

/* ---- UDP (RFC 768) ---- */
#define NET_UDP_RCVBUF            (256 * 1024)   /* default receive queue limit */
#define NET_EPHEMERAL_FIRST       49152
#define NET_EPHEMERAL_LAST        65535

/* ---- TCP (RFC 9293 and friends) ---- */
#define NET_TCP_SNDBUF            (256 * 1024)
#define NET_TCP_RCVBUF            (256 * 1024)
#define NET_TCP_BUF_MAX           (16 * 1024 * 1024)
#define NET_TCP_BUF_MIN           2048
#define NET_TCP_DEFAULT_MSS       536     /* RFC 9293 §3.7.1 when the peer sends none */
#define NET_TCP_INIT_CWND_SEGS    10      /* RFC 6928 */
#define NET_TCP_RTO_INIT_MS       1000    /* RFC 6298 §2.1 */
#define NET_TCP_RTO_MIN_MS        200     /* RFC 6298 §2.4 allows below 1 s; Linux uses 200 ms */
#define NET_TCP_RTO_MAX_MS        60000
#define NET_TCP_SYN_RETRIES       6
#define NET_TCP_MAX_RETRIES       12      /* data retransmissions before the connection aborts */
#define NET_TCP_DELACK_MS         40
#define NET_TCP_PERSIST_MIN_MS    500
#define NET_TCP_PERSIST_MAX_MS    60000
#define NET_TCP_MSL_MS            30000   /* TIME_WAIT lasts 2 MSL */
#define NET_TCP_FIN_WAIT2_MS      60000   /* orphaned FIN_WAIT_2 gives up after this */
#define NET_TCP_TIME_WAIT_MAX     4096    /* oldest TIME_WAIT entries are recycled past this */
#define NET_TCP_SYN_BACKLOG       128     /* half-open connections per listener */
#define NET_TCP_HALF_OPEN_MAX     1024    /* half-open connections, stack-wide */
#define NET_TCP_BACKLOG_MAX       1024    /* listen() backlog ceiling */
#define NET_TCP_OOO_MAX           32      /* out-of-order ranges held per connection */
#define NET_TCP_SACK_MAX          32      /* SACKed ranges remembered per connection */
#define NET_TCP_DUPACK_THRESH     3       /* RFC 5681 §3.2 */
#define NET_TCP_HASH_BUCKETS      1024
#define NET_TCP_CHALLENGE_ACKS_PER_SEC 100  /* RFC 5961 §7 */
#define NET_TCP_KEEPALIVE_IDLE_MS (2 * 3600 * 1000)   /* RFC 1122 §4.2.3.6: at least 2 h */
#define NET_TCP_KEEPALIVE_INTVL_MS 75000
#define NET_TCP_KEEPALIVE_PROBES  9
#define NET_TCP_MAX_CWND          (16u * 1024 * 1024)

/* ---- DHCP (RFC 2131) ---- */
#define NET_DHCP_INITIAL_RETRY_MS 4000    /* RFC 2131 §4.1: 4 s, doubling to 64 s */
#define NET_DHCP_MAX_RETRY_MS     64000
#define NET_DHCP_MIN_RENEW_MS     60000   /* RFC 2131 §4.4.5: retry no faster than 60 s */

/* ---- DNS (RFC 1035) ---- */
#define NET_DNS_SERVERS_MAX       3
#define NET_DNS_CACHE_SIZE        64
#define NET_DNS_HOSTS_MAX         32
#define NET_DNS_TIMEOUT_MS        2000    /* per attempt */
#define NET_DNS_ATTEMPTS          3       /* rounds over all servers */
#define NET_DNS_MAX_CNAMES        8       /* longest chain followed */
#define NET_DNS_MAX_TTL_S         86400
#define NET_DNS_NEG_TTL_S         60      /* cap for caching a missing name (RFC 2308) */
#define NET_DNS_ADDRS_MAX         8       /* addresses kept per name */
#define NET_DNS_PENDING_MAX       16      /* lookups in flight */

#endif
