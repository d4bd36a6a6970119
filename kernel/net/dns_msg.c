/*
 * kernel/net/dns_msg.c — DNS message parsing and building (RFC 1035 §4.1,
 * name compression §4.1.4, EDNS0 OPT per RFC 6891 §6.1). The parser is
 * strict: every section is walked, every name is bounded (255 octets, no
 * reserved label types, compression pointers only to earlier octets), every
 * record's data must fill exactly its RDLENGTH, and nothing may follow the
 * last record.
 */
#include "lib/lib.h"
#include "net/netpriv.h"
#include "net/dns.h"

const char *dns_result_name(enum dns_result r)
{
    static const char *const names[] = {
        "ok", "truncated-header", "truncated-question", "truncated-name", "compression-loop",
        "bad-pointer", "bad-label-type", "name-too-long", "truncated-rdata", "bad-rdata-length",
        "truncated-answer", "trailing-data", "bad-opt", "no-space",
    };
    return (unsigned)r < ARRAY_SIZE(names) ? names[r] : "unknown";
}

/* Reads the name at *pos into out, following compression pointers. On
 * success *pos is just past the name as it appears at *pos. */
static enum dns_result read_name(const uint8_t *msg, size_t len, size_t *pos, struct dns_name *out)
{
    size_t p = *pos;
    bool jumped = false;
    uint16_t n = 0;
    for (;;) {
        if (p >= len)
            return DNS_ERR_TRUNCATED_NAME;
        uint8_t l = msg[p];
        if ((l & 0xc0) == 0xc0) {
            if (p + 1 >= len)
                return DNS_ERR_TRUNCATED_NAME;
            size_t target = (size_t)(l & 0x3f) << 8 | msg[p + 1];
            if (target >= len)
                return DNS_ERR_BAD_POINTER;
            /* Only strictly backward pointers: anything else could loop. */
            if (target >= p)
                return DNS_ERR_COMPRESSION_LOOP;
            if (!jumped)
                *pos = p + 2;
            jumped = true;
            p = target;
            continue;
        }
        if (l & 0xc0)
            return DNS_ERR_BAD_LABEL_TYPE;     /* 01 and 10: RFC 6891 §5, reserved */
        if (l == 0) {
            if (n + 1 > DNS_NAME_WIRE_MAX)
                return DNS_ERR_NAME_TOO_LONG;
            out->wire[n++] = 0;
            out->len = n;
            if (!jumped)
                *pos = p + 1;
            return DNS_OK;
        }
        if (p + 1 + l > len)
            return DNS_ERR_TRUNCATED_NAME;
        if (n + 1 + l + 1 > DNS_NAME_WIRE_MAX)
            return DNS_ERR_NAME_TOO_LONG;
        memcpy(out->wire + n, msg + p, 1 + (size_t)l);
        n = (uint16_t)(n + 1 + l);
        p += 1 + (size_t)l;
    }
}

/* Decodes one record's data for the types we know; the data must fill
 * RDLENGTH exactly. */
static enum dns_result read_rdata(const uint8_t *msg, size_t len, size_t pos, struct dns_rr *rr)
{
    size_t end = pos + rr->rdlength;
    size_t p = pos;
    enum dns_result r;
    switch (rr->type) {
    case DNS_TYPE_A:
        if (rr->rdlength != 4)
            return DNS_ERR_BAD_RDATA_LENGTH;
        rr->u.a = rd32(msg + pos);
        return DNS_OK;
    case DNS_TYPE_AAAA:
        if (rr->rdlength != 16)
            return DNS_ERR_BAD_RDATA_LENGTH;
        memcpy(rr->u.aaaa, msg + pos, 16);
        return DNS_OK;
    case DNS_TYPE_CNAME:
    case DNS_TYPE_NS:
    case DNS_TYPE_PTR:
        r = read_name(msg, end, &p, &rr->u.target);
        break;
    case DNS_TYPE_MX:
        if (rr->rdlength < 3)
            return DNS_ERR_BAD_RDATA_LENGTH;
        rr->u.mx.preference = rd16(msg + p);
        p += 2;
        r = read_name(msg, end, &p, &rr->u.mx.exchange);
        break;
    case DNS_TYPE_SRV:
        if (rr->rdlength < 7)
            return DNS_ERR_BAD_RDATA_LENGTH;
        rr->u.srv.priority = rd16(msg + p);
        rr->u.srv.weight = rd16(msg + p + 2);
        rr->u.srv.port = rd16(msg + p + 4);
        p += 6;
        r = read_name(msg, end, &p, &rr->u.srv.target);
        break;
    case DNS_TYPE_SOA:
        r = read_name(msg, end, &p, &rr->u.soa.mname);
        if (r == DNS_OK)
            r = read_name(msg, end, &p, &rr->u.soa.rname);
        if (r == DNS_OK) {
            if (end - p != 20)
                return DNS_ERR_BAD_RDATA_LENGTH;
            rr->u.soa.serial = rd32(msg + p);
            rr->u.soa.refresh = rd32(msg + p + 4);
            rr->u.soa.retry = rd32(msg + p + 8);
            rr->u.soa.expire = rd32(msg + p + 12);
            rr->u.soa.minimum = rd32(msg + p + 16);
            p += 20;
        }
        break;
    case DNS_TYPE_TXT:
        /* One or more <length><bytes> strings filling the data exactly. */
        if (rr->rdlength == 0)
            return DNS_ERR_BAD_RDATA_LENGTH;
        while (p < end) {
            if (p + 1 + msg[p] > end)
                return DNS_ERR_BAD_RDATA_LENGTH;
            p += 1 + (size_t)msg[p];
        }
        return DNS_OK;
    default:
        return DNS_OK;                           /* opaque */
    }
    /* A name running past RDLENGTH is malformed rdata, not a truncated message. */
    if (r == DNS_ERR_TRUNCATED_NAME)
        return DNS_ERR_BAD_RDATA_LENGTH;
    if (r != DNS_OK)
        return r;
    (void)len;
    return p == end ? DNS_OK : DNS_ERR_BAD_RDATA_LENGTH;
}

enum dns_result dns_parse(const uint8_t *msg, size_t len, struct dns_msg *out)
{
    memset(out, 0, offsetof(struct dns_msg, question));
    out->nquestions = out->nanswer = out->nauthority = out->nadditional = 0;
    out->has_edns = false;
    if (len < 12)
        return DNS_ERR_TRUNCATED_HEADER;
    out->id = rd16(msg);
    uint16_t flags = rd16(msg + 2);
    out->qr = flags & 0x8000;
    out->opcode = (flags >> 11) & 0xf;
    out->aa = flags & 0x0400;
    out->tc = flags & 0x0200;
    out->rd = flags & 0x0100;
    out->ra = flags & 0x0080;
    out->rcode = flags & 0xf;
    out->qdcount = rd16(msg + 4);
    out->ancount = rd16(msg + 6);
    out->nscount = rd16(msg + 8);
    out->arcount = rd16(msg + 10);

    size_t pos = 12;
    enum dns_result r;
    for (uint32_t i = 0; i < out->qdcount; i++) {
        if (pos >= len)
            return DNS_ERR_TRUNCATED_QUESTION;
        struct dns_question q;
        if ((r = read_name(msg, len, &pos, &q.name)) != DNS_OK)
            return r;
        if (pos + 4 > len)
            return DNS_ERR_TRUNCATED_QUESTION;
        q.type = rd16(msg + pos);
        q.qclass = rd16(msg + pos + 2);
        pos += 4;
        if (out->nquestions < DNS_MAX_QUESTIONS)
            out->question[out->nquestions++] = q;
    }

    uint32_t counts[3] = { out->ancount, out->nscount, out->arcount };
    uint16_t *kept[3] = { &out->nanswer, &out->nauthority, &out->nadditional };
    uint16_t stored = 0;
    for (int section = 0; section < 3; section++) {
        for (uint32_t i = 0; i < counts[section]; i++) {
            if (pos >= len)
                return DNS_ERR_TRUNCATED_ANSWER;
            /* Parse into a free slot, or into a scratch record once full. */
            struct dns_rr scratch;
            struct dns_rr *rr = stored < DNS_MAX_RRS ? &out->rr[stored] : &scratch;
            if ((r = read_name(msg, len, &pos, &rr->name)) != DNS_OK)
                return r;
            if (pos + 10 > len)
                return DNS_ERR_TRUNCATED_ANSWER;
            rr->type = rd16(msg + pos);
            rr->rclass = rd16(msg + pos + 2);
            rr->ttl = rd32(msg + pos + 4);
            rr->rdlength = rd16(msg + pos + 8);
            pos += 10;
            if (pos + rr->rdlength > len)
                return DNS_ERR_TRUNCATED_RDATA;
            rr->rdata_offset = (uint16_t)pos;
            if ((r = read_rdata(msg, len, pos, rr)) != DNS_OK)
                return r;
            pos += rr->rdlength;
            if (rr->type == DNS_TYPE_OPT) {
                /* RFC 6891 §6.1.1: one OPT, owned by the root, in additional. */
                if (section != 2 || out->has_edns || rr->name.len != 1)
                    return DNS_ERR_BAD_OPT;
                out->has_edns = true;
                out->edns_udp_payload = rr->rclass;
                out->edns_version = (uint8_t)(rr->ttl >> 16);
                out->edns_do = rr->ttl & 0x8000;
                continue;
            }
            if (rr != &scratch) {
                stored++;
                (*kept[section])++;
            }
        }
    }
    if (pos != len)
        return DNS_ERR_TRAILING_DATA;
    return DNS_OK;
}

void dns_name_to_text(const struct dns_name *n, char *out, size_t size)
{
    size_t o = 0;
    size_t p = 0;
    if (size == 0)
        return;
#define PUT(c) do { if (o + 1 < size) out[o++] = (char)(c); } while (0)
    if (n->len <= 1) {
        PUT('.');
        out[o] = 0;
        return;
    }
    while (p < n->len && n->wire[p] != 0) {
        uint8_t l = n->wire[p++];
        for (uint8_t i = 0; i < l && p < n->len; i++, p++) {
            uint8_t c = n->wire[p];
            if (c == '.' || c == '\\' || c == '"' || c == ';' || c == '(' || c == ')') {
                PUT('\\');
                PUT(c);
            } else if (c < 0x21 || c > 0x7e) {
                PUT('\\');
                PUT('0' + c / 100);
                PUT('0' + c / 10 % 10);
                PUT('0' + c % 10);
            } else {
                PUT(c);
            }
        }
        PUT('.');
    }
#undef PUT
    out[o] = 0;
}

bool dns_name_from_text(const char *text, struct dns_name *out)
{
    size_t n = 0;
    const char *s = text;
    if (s[0] == '.' && s[1] == 0) {
        out->wire[0] = 0;
        out->len = 1;
        return true;
    }
    while (*s) {
        const char *dot = strchr(s, '.');
        size_t l = dot ? (size_t)(dot - s) : strlen(s);
        if (l == 0 || l > 63 || n + 1 + l + 1 > DNS_NAME_WIRE_MAX)
            return false;
        out->wire[n++] = (uint8_t)l;
        memcpy(out->wire + n, s, l);
        n += l;
        s += l;
        if (*s == '.')
            s++;
    }
    if (n == 0)
        return false;
    out->wire[n++] = 0;
    out->len = (uint16_t)n;
    return true;
}

static uint8_t lower(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

bool dns_name_equal(const struct dns_name *a, const struct dns_name *b)
{
    if (a->len != b->len)
        return false;
    for (uint16_t i = 0; i < a->len; i++)
        if (lower(a->wire[i]) != lower(b->wire[i]))
            return false;
    return true;
}

size_t dns_build_query(uint8_t *buf, size_t size, uint16_t id, const struct dns_name *name,
                       uint16_t type)
{
    size_t need = 12 + name->len + 4;
    if (size < need)
        return 0;
    memset(buf, 0, 12);
    wr16(buf, id);
    wr16(buf + 2, 0x0100);                    /* RD: recursion desired */
    wr16(buf + 4, 1);
    memcpy(buf + 12, name->wire, name->len);
    wr16(buf + 12 + name->len, type);
    wr16(buf + 14 + name->len, DNS_CLASS_IN);
    return need;
}
