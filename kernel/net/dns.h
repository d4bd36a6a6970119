/*
 * kernel/net/dns.h — DNS messages (RFC 1035 §4): a strict parser that
 * decodes a whole message or refuses it with a precise reason, and the
 * query builder the resolver uses. Names are kept in uncompressed wire form
 * (length-prefixed labels ending in a zero octet) and turned into text on
 * demand. The resolver's API is in net/net.h.
 */
#ifndef KPIO_DNS_H
#define KPIO_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_NAME_WIRE_MAX 255       /* RFC 1035 §2.3.4 */
#define DNS_NAME_TEXT_MAX 1024      /* escaped presentation form, with NUL */
#define DNS_MAX_QUESTIONS 4
#define DNS_MAX_RRS       48        /* records kept (all are validated) */

enum dns_type {
    DNS_TYPE_A = 1, DNS_TYPE_NS = 2, DNS_TYPE_CNAME = 5, DNS_TYPE_SOA = 6, DNS_TYPE_PTR = 12,
    DNS_TYPE_MX = 15, DNS_TYPE_TXT = 16, DNS_TYPE_AAAA = 28, DNS_TYPE_SRV = 33, DNS_TYPE_OPT = 41,
};
#define DNS_CLASS_IN 1

enum dns_rcode { DNS_RCODE_NOERROR = 0, DNS_RCODE_FORMERR = 1, DNS_RCODE_SERVFAIL = 2,
                 DNS_RCODE_NXDOMAIN = 3, DNS_RCODE_NOTIMP = 4, DNS_RCODE_REFUSED = 5 };

/* Why a message was refused (0 = accepted). */
enum dns_result {
    DNS_OK = 0,
    DNS_ERR_TRUNCATED_HEADER,
    DNS_ERR_TRUNCATED_QUESTION,
    DNS_ERR_TRUNCATED_NAME,
    DNS_ERR_COMPRESSION_LOOP,
    DNS_ERR_BAD_POINTER,
    DNS_ERR_BAD_LABEL_TYPE,
    DNS_ERR_NAME_TOO_LONG,
    DNS_ERR_TRUNCATED_RDATA,
    DNS_ERR_BAD_RDATA_LENGTH,
    DNS_ERR_TRUNCATED_ANSWER,
    DNS_ERR_TRAILING_DATA,
    DNS_ERR_BAD_OPT,
    DNS_ERR_NO_SPACE,               /* output buffer too small (builders) */
};
const char *dns_result_name(enum dns_result r);

struct dns_name {
    uint8_t wire[DNS_NAME_WIRE_MAX + 1];
    uint16_t len;                   /* bytes in wire, including the final zero */
};

struct dns_question {
    struct dns_name name;
    uint16_t type, qclass;
};

struct dns_rr {
    struct dns_name name;
    uint16_t type, rclass;
    uint32_t ttl;
    uint16_t rdlength;
    uint16_t rdata_offset;          /* into the message */
    union {
        uint32_t a;                 /* host byte order */
        uint8_t aaaa[16];
        struct dns_name target;     /* CNAME, NS, PTR */
        struct { uint16_t preference; struct dns_name exchange; } mx;
        struct { uint16_t priority, weight, port; struct dns_name target; } srv;
        struct { struct dns_name mname, rname; uint32_t serial, refresh, retry, expire, minimum; } soa;
    } u;
};

struct dns_msg {
    uint16_t id;
    bool qr, aa, tc, rd, ra;
    uint8_t opcode, rcode;
    uint16_t qdcount, ancount, nscount, arcount;
    struct dns_question question[DNS_MAX_QUESTIONS];
    uint16_t nquestions;            /* kept (<= qdcount) */
    struct dns_rr rr[DNS_MAX_RRS];  /* answer, then authority, then additional (OPT left out) */
    uint16_t nanswer, nauthority, nadditional;   /* kept per section */
    bool has_edns;
    uint16_t edns_udp_payload;
    uint8_t edns_version;
    bool edns_do;
};

/* Decode and check all of msg. Returns DNS_OK or why it is malformed. */
enum dns_result dns_parse(const uint8_t *msg, size_t len, struct dns_msg *out);

/* Presentation form of a wire name ("www.example.com.", "." for the root),
 * escaping '.', '\\' and non-printable bytes (RFC 1035 §5.1). */
void dns_name_to_text(const struct dns_name *n, char *out, size_t size);
/* Wire form of a text name (a trailing dot is optional); false if invalid. */
bool dns_name_from_text(const char *text, struct dns_name *out);
/* Case-insensitive comparison of wire names (RFC 4343). */
bool dns_name_equal(const struct dns_name *a, const struct dns_name *b);

/* Build a recursive query for name/type into buf; returns its length or 0. */
size_t dns_build_query(uint8_t *buf, size_t size, uint16_t id, const struct dns_name *name,
                       uint16_t type);

#endif
