/*
 * kernel/net/http.h — a small HTTP/1.1 client (RFC 9110, RFC 9112): GET
 * over the socket layer, with Content-Length, chunked and read-until-close
 * bodies, and redirects. The response parser is incremental and separate,
 * so that it can be tested on any split of the input.
 */
#ifndef KPIO_HTTP_H
#define KPIO_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct net_stack;

/* Receives body bytes; a negative return aborts with that error. */
typedef int (*http_body_fn)(void *arg, const uint8_t *data, size_t len);

enum http_state {
    HTTP_STATUS_LINE, HTTP_HEADERS, HTTP_BODY_LENGTH, HTTP_BODY_UNTIL_CLOSE, HTTP_CHUNK_SIZE,
    HTTP_CHUNK_DATA, HTTP_CHUNK_END, HTTP_TRAILERS, HTTP_DONE, HTTP_ERROR,
};

struct http_parser {
    enum http_state state;
    int status;                     /* e.g. 200 */
    bool chunked;
    bool head;                      /* response to HEAD: no body */
    uint64_t content_length;        /* UINT64_MAX when not given */
    uint64_t remaining;             /* in the body or current chunk */
    uint64_t body_bytes;
    char location[512];
    char line[1024];                /* the header line being collected */
    size_t line_len;
    http_body_fn body;
    void *arg;
    int error;                      /* negative errno once in HTTP_ERROR */
};

void http_parser_init(struct http_parser *p, http_body_fn body, void *arg);
/* Consumes input; returns 0, or a negative errno for a malformed response
 * (or the body callback's error). */
int http_parser_feed(struct http_parser *p, const uint8_t *data, size_t len);
/* The connection closed: completes a read-until-close body. Returns 0 if the
 * response was complete, -EIO if it was cut short. */
int http_parser_eof(struct http_parser *p);

struct http_url {
    char host[256];
    uint16_t port;
    char path[1024];
};
/* Splits "http://host[:port][/path]"; -EINVAL otherwise (https is not supported). */
int http_parse_url(const char *url, struct http_url *out);

struct http_result {
    int status;
    uint64_t body_bytes;
    int redirects;
};
/* GET url, following up to 5 redirects; the final body goes to body().
 * Returns 0 (whatever the status) or a negative errno. */
int http_get(struct net_stack *ns, const char *url, http_body_fn body, void *arg,
             struct http_result *res, uint64_t timeout_ms);

#endif
