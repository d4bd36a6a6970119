/*
 * tests/unit/net/test_http.c — the HTTP/1.1 response parser and URL
 * splitting: bodies framed by Content-Length, chunked coding (with
 * extensions and trailers) and connection close, responses without a body,
 * malformed messages, and every response fed in every possible split.
 */
#include "nettest.h"
#include "net/http.h"

#include <stdio.h>

struct body {
    char data[4096];
    size_t len;
};

static int collect(void *arg, const uint8_t *d, size_t n)
{
    struct body *b = arg;
    assert_true(b->len + n <= sizeof(b->data));
    memcpy(b->data + b->len, d, n);
    b->len += n;
    return 0;
}

/* Parses msg whole, then split in two at every position; all must agree. */
static int parse_all_ways(const char *msg, bool eof, struct http_parser *out, struct body *body)
{
    size_t len = strlen(msg);
    int first = 0;
    for (size_t cut = 0; cut <= len; cut++) {
        struct body b = { .len = 0 };
        struct http_parser p;
        http_parser_init(&p, collect, &b);
        int r = http_parser_feed(&p, (const uint8_t *)msg, cut);
        if (r == 0)
            r = http_parser_feed(&p, (const uint8_t *)msg + cut, len - cut);
        if (r == 0 && eof)
            r = http_parser_eof(&p);
        if (cut == 0) {
            first = r;
            *out = p;
            *body = b;
        } else {
            assert_int_equal(r, first);
            assert_int_equal(p.status, out->status);
            assert_int_equal(b.len, body->len);
            assert_memory_equal(b.data, body->data, b.len);
        }
    }
    return first;
}

static void test_content_length(void **state)
{
    (void)state;
    struct http_parser p;
    struct body b;
    const char *m = "HTTP/1.1 200 OK\r\nServer: x\r\ncontent-LENGTH:  11\r\n\r\nhello worldEXTRA";
    assert_int_equal(parse_all_ways(m, false, &p, &b), 0);
    assert_int_equal(p.status, 200);
    assert_int_equal(p.state, HTTP_DONE);
    assert_int_equal(b.len, 11);
    assert_memory_equal(b.data, "hello world", 11);   /* what follows is not body */
    /* Cut short: the end of the connection is an error. */
    assert_int_equal(parse_all_ways("HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\nshort", true, &p, &b), -EIO);
}

static void test_chunked(void **state)
{
    (void)state;
    struct http_parser p;
    struct body b;
    const char *m = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "5;ext=1\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: yes\r\n\r\n";
    assert_int_equal(parse_all_ways(m, false, &p, &b), 0);
    assert_int_equal(p.state, HTTP_DONE);
    assert_int_equal(b.len, 16);
    assert_memory_equal(b.data, "hello 0123456789", 16);
    /* Bad chunk sizes and missing CRLFs are refused. */
    assert_int_equal(parse_all_ways("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n",
                                    false, &p, &b), -EIO);
    assert_int_equal(parse_all_ways("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n",
                                    false, &p, &b), -EIO);
    assert_int_equal(parse_all_ways("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", false, &p, &b),
                     -EIO);
    assert_int_equal(parse_all_ways("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                    "FFFFFFFFFFFFFFFFFF\r\n", false, &p, &b), -EIO);
}

static void test_until_close_and_no_body(void **state)
{
    (void)state;
    struct http_parser p;
    struct body b;
    assert_int_equal(parse_all_ways("HTTP/1.0 200 OK\r\n\r\nall of it", true, &p, &b), 0);
    assert_int_equal(b.len, 9);
    assert_int_equal(parse_all_ways("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", false, &p, &b), 0);
    assert_int_equal(p.state, HTTP_DONE);
    assert_int_equal(b.len, 0);
    assert_int_equal(parse_all_ways("HTTP/1.1 304 Not Modified\r\n\r\n", false, &p, &b), 0);
    assert_int_equal(p.state, HTTP_DONE);
    /* A bare LF ends lines too; a redirect's Location is kept. */
    assert_int_equal(parse_all_ways("HTTP/1.1 301 Moved\nLocation: http://b.test/n\nContent-Length: 0\n\n",
                                    false, &p, &b), 0);
    assert_int_equal(p.status, 301);
    assert_string_equal(p.location, "http://b.test/n");
}

static void test_malformed(void **state)
{
    (void)state;
    struct http_parser p;
    struct body b;
    const char *bad[] = {
        "HTTP/2.0 200 OK\r\n\r\n", "HTTP/1.1 99 Low\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n", "ICY 200 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
        assert_int_equal(parse_all_ways(bad[i], false, &p, &b), -EIO);
    /* A header line longer than the parser keeps. */
    static char longline[3000];
    snprintf(longline, sizeof(longline), "HTTP/1.1 200 OK\r\nX: ");
    memset(longline + strlen(longline), 'a', 2500);
    struct http_parser q;
    http_parser_init(&q, NULL, NULL);
    assert_int_equal(http_parser_feed(&q, (const uint8_t *)longline, strlen(longline)), -EIO);
}

static void test_urls(void **state)
{
    (void)state;
    struct http_url u;
    assert_int_equal(http_parse_url("http://server.kpio.test:8080/a/b?c=d", &u), 0);
    assert_string_equal(u.host, "server.kpio.test");
    assert_int_equal(u.port, 8080);
    assert_string_equal(u.path, "/a/b?c=d");
    assert_int_equal(http_parse_url("http://10.0.0.1", &u), 0);
    assert_int_equal(u.port, 80);
    assert_string_equal(u.path, "/");
    assert_int_equal(http_parse_url("http://h?q", &u), 0);
    assert_string_equal(u.path, "/?q");
    const char *bad[] = { "https://x/", "ftp://x", "http://", "http://:80/", "http://h:0/", "http://h:65536/",
                          "http://h:8x/", "http:/h" };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
        assert_int_equal(http_parse_url(bad[i], &u), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_content_length),
        cmocka_unit_test(test_chunked),
        cmocka_unit_test(test_until_close_and_no_body),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_urls),
    };
    int failed = cmocka_run_group_tests_name("http", tests, NULL, NULL);
    return nt_report("http", (int)ARRAY_SIZE(tests), failed);
}
