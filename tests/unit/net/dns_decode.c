/*
 * tests/unit/net/dns_decode.c — decodes one DNS message (hex on the command
 * line) with the stack's parser and prints it as JSON in the layout of
 * ../shared/dns-vectors (rdata in presentation form), or {"error": reason}.
 * test_dns_vectors.py compares the output with the vectors' expectations.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "net/dns.h"

static void json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static const char *type_name(uint16_t t, char *buf)
{
    switch (t) {
    case DNS_TYPE_A: return "A";
    case DNS_TYPE_NS: return "NS";
    case DNS_TYPE_CNAME: return "CNAME";
    case DNS_TYPE_SOA: return "SOA";
    case DNS_TYPE_PTR: return "PTR";
    case DNS_TYPE_MX: return "MX";
    case DNS_TYPE_TXT: return "TXT";
    case DNS_TYPE_AAAA: return "AAAA";
    case DNS_TYPE_SRV: return "SRV";
    case DNS_TYPE_OPT: return "OPT";
    default: sprintf(buf, "TYPE%u", t); return buf;
    }
}

static const char *class_name(uint16_t c, char *buf)
{
    if (c == DNS_CLASS_IN)
        return "IN";
    sprintf(buf, "CLASS%u", c);
    return buf;
}

/* RFC 5952 text form of an IPv6 address. */
static void ipv6_text(const uint8_t a[16], char *out)
{
    uint16_t g[8];
    for (int i = 0; i < 8; i++)
        g[i] = (uint16_t)(a[2 * i] << 8 | a[2 * i + 1]);
    int best = -1, best_len = 1;
    for (int i = 0; i < 8;) {
        int j = i;
        while (j < 8 && g[j] == 0)
            j++;
        if (j - i > best_len) {
            best = i;
            best_len = j - i;
        }
        i = j > i ? j : i + 1;
    }
    char *o = out;
    for (int i = 0; i < 8; i++) {
        if (i == best) {
            o += sprintf(o, "::");
            i += best_len - 1;
            continue;
        }
        if (i > 0 && i != best + best_len)
            *o++ = ':';
        o += sprintf(o, "%x", g[i]);
    }
    *o = 0;
}

static void rdata_text(const uint8_t *msg, const struct dns_rr *rr, char *out, size_t size)
{
    char n1[DNS_NAME_TEXT_MAX], n2[DNS_NAME_TEXT_MAX];
    const uint8_t *p = msg + rr->rdata_offset;
    switch (rr->type) {
    case DNS_TYPE_A:
        snprintf(out, size, "%u.%u.%u.%u", rr->u.a >> 24, (rr->u.a >> 16) & 255, (rr->u.a >> 8) & 255,
                 rr->u.a & 255);
        return;
    case DNS_TYPE_AAAA:
        ipv6_text(rr->u.aaaa, out);
        return;
    case DNS_TYPE_CNAME:
    case DNS_TYPE_NS:
    case DNS_TYPE_PTR:
        dns_name_to_text(&rr->u.target, out, size);
        return;
    case DNS_TYPE_MX:
        dns_name_to_text(&rr->u.mx.exchange, n1, sizeof(n1));
        snprintf(out, size, "%u %s", rr->u.mx.preference, n1);
        return;
    case DNS_TYPE_SRV:
        dns_name_to_text(&rr->u.srv.target, n1, sizeof(n1));
        snprintf(out, size, "%u %u %u %s", rr->u.srv.priority, rr->u.srv.weight, rr->u.srv.port, n1);
        return;
    case DNS_TYPE_SOA:
        dns_name_to_text(&rr->u.soa.mname, n1, sizeof(n1));
        dns_name_to_text(&rr->u.soa.rname, n2, sizeof(n2));
        snprintf(out, size, "%s %s %u %u %u %u %u", n1, n2, rr->u.soa.serial, rr->u.soa.refresh,
                 rr->u.soa.retry, rr->u.soa.expire, rr->u.soa.minimum);
        return;
    case DNS_TYPE_TXT: {
        size_t o = 0;
        for (uint16_t i = 0; i < rr->rdlength;) {
            uint8_t l = p[i++];
            if (o && o + 1 < size)
                out[o++] = ' ';
            o += (size_t)snprintf(out + o, size - o, "\"");
            for (uint8_t k = 0; k < l && o + 5 < size; k++, i++) {
                uint8_t c = p[i];
                if (c == '"' || c == '\\')
                    o += (size_t)snprintf(out + o, size - o, "\\%c", c);
                else if (c < 0x20 || c > 0x7e)
                    o += (size_t)snprintf(out + o, size - o, "\\%03u", c);
                else
                    out[o++] = (char)c;
            }
            o += (size_t)snprintf(out + o, size - o, "\"");
        }
        out[o < size ? o : size - 1] = 0;
        return;
    }
    default: {
        size_t o = (size_t)snprintf(out, size, "\\# %u ", rr->rdlength);
        for (uint16_t i = 0; i < rr->rdlength && o + 3 < size; i++)
            o += (size_t)snprintf(out + o, size - o, "%02x", p[i]);
        return;
    }
    }
}

static void print_section(const uint8_t *msg, const struct dns_msg *m, int first, int count)
{
    putchar('[');
    for (int i = 0; i < count; i++) {
        const struct dns_rr *rr = &m->rr[first + i];
        char name[DNS_NAME_TEXT_MAX], rdata[4096], tb[16], cb[16];
        dns_name_to_text(&rr->name, name, sizeof(name));
        rdata_text(msg, rr, rdata, sizeof(rdata));
        printf("%s{\"name\": ", i ? ", " : "");
        json_string(name);
        printf(", \"type\": \"%s\", \"class\": \"%s\", \"ttl\": %u, \"rdata\": ",
               type_name(rr->type, tb), class_name(rr->rclass, cb), rr->ttl);
        json_string(rdata);
        putchar('}');
    }
    putchar(']');
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: dns_decode HEX\n");
        return 2;
    }
    size_t hexlen = strlen(argv[1]);
    size_t len = hexlen / 2;
    uint8_t *msg = malloc(len ? len : 1);
    for (size_t i = 0; i < len; i++) {
        unsigned v;
        if (sscanf(argv[1] + 2 * i, "%2x", &v) != 1)
            return 2;
        msg[i] = (uint8_t)v;
    }
    static struct dns_msg m;
    enum dns_result r = dns_parse(msg, len, &m);
    if (r != DNS_OK) {
        printf("{\"error\": \"%s\"}\n", dns_result_name(r));
        free(msg);
        return 0;
    }
    printf("{\"id\": %u, \"flags\": {\"qr\": %s, \"opcode\": %u, \"aa\": %s, \"tc\": %s, \"rd\": %s, "
           "\"ra\": %s, \"rcode\": %u}, \"question\": [",
           m.id, m.qr ? "true" : "false", m.opcode, m.aa ? "true" : "false", m.tc ? "true" : "false",
           m.rd ? "true" : "false", m.ra ? "true" : "false", m.rcode);
    for (int i = 0; i < m.nquestions; i++) {
        char name[DNS_NAME_TEXT_MAX], tb[16], cb[16];
        dns_name_to_text(&m.question[i].name, name, sizeof(name));
        printf("%s{\"name\": ", i ? ", " : "");
        json_string(name);
        printf(", \"type\": \"%s\", \"class\": \"%s\"}", type_name(m.question[i].type, tb),
               class_name(m.question[i].qclass, cb));
    }
    printf("], \"answer\": ");
    print_section(msg, &m, 0, m.nanswer);
    printf(", \"authority\": ");
    print_section(msg, &m, m.nanswer, m.nauthority);
    printf(", \"additional\": ");
    print_section(msg, &m, m.nanswer + m.nauthority, m.nadditional);
    if (m.has_edns)
        printf(", \"edns\": {\"version\": %u, \"udp_payload\": %u, \"do\": %s}", m.edns_version,
               m.edns_udp_payload, m.edns_do ? "true" : "false");
    printf("}\n");
    free(msg);
    return 0;
}
