/*
 * tests/fuzz/net/parsers_fuzz.c — libFuzzer target for the network stack's
 * parsers of untrusted text and messages that frames rarely reach: the DNS
 * message parser (every decoded name is also turned into text) and the HTTP
 * response parser (fed in pieces whose sizes come from the input). The
 * first byte chooses the parser.
 */
#include <stdio.h>
#include <stdlib.h>

#include "net/netpriv.h"
#include "net/dns.h"
#include "net/http.h"

static int count_body(void *arg, const uint8_t *data, size_t len)
{
    (void)data;
    *(uint64_t *)arg += len;
    return 0;
}

static void fuzz_dns(const uint8_t *data, size_t size)
{
    static struct dns_msg m;
    static char text[DNS_NAME_TEXT_MAX];
    if (dns_parse(data, size, &m) != DNS_OK)
        return;
    for (int i = 0; i < m.nquestions; i++)
        dns_name_to_text(&m.question[i].name, text, sizeof(text));
    for (int i = 0; i < m.nanswer + m.nauthority + m.nadditional; i++) {
        dns_name_to_text(&m.rr[i].name, text, sizeof(text));
        if (m.rr[i].type == DNS_TYPE_CNAME)
            dns_name_to_text(&m.rr[i].u.target, text, sizeof(text));
        /* rdata must lie inside the message */
        if ((size_t)m.rr[i].rdata_offset + m.rr[i].rdlength > size)
            abort();
    }
}

static void fuzz_http(const uint8_t *data, size_t size)
{
    static struct http_parser p;
    uint64_t body = 0;
    http_parser_init(&p, count_body, &body);
    size_t pos = 0;
    while (pos < size) {
        size_t n = 1 + data[pos] % 97;          /* piece sizes from the input itself */
        if (n > size - pos)
            n = size - pos;
        if (http_parser_feed(&p, data + pos, n) < 0)
            break;
        pos += n;
    }
    http_parser_eof(&p);
    if (body != p.body_bytes)
        abort();
    if (p.content_length != UINT64_MAX && !p.chunked && p.state == HTTP_DONE &&
        p.status / 100 != 1 && p.status != 204 && p.status != 304 && body != p.content_length)
        abort();                                /* a finished body has its declared length */
    struct http_url u;
    char url[300];
    size_t n = MIN(size, sizeof(url) - 1);
    memcpy(url, data, n);
    url[n] = 0;
    http_parse_url(url, &u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] & 1)
        fuzz_dns(data + 1, size - 1);
    else
        fuzz_http(data + 1, size - 1);
    return 0;
}
