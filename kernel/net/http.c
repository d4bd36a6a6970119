/*
 * kernel/net/http.c — the HTTP/1.1 GET client (RFC 9112 message syntax).
 */
#include "net/netpriv.h"
#include "net/http.h"

#define HTTP_MAX_REDIRECTS 5

void http_parser_init(struct http_parser *p, http_body_fn body, void *arg)
{
    memset(p, 0, sizeof(*p));
    p->state = HTTP_STATUS_LINE;
    p->content_length = UINT64_MAX;
    p->body = body;
    p->arg = arg;
}

static int fail(struct http_parser *p, int err)
{
    p->state = HTTP_ERROR;
    p->error = err;
    return err;
}

static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c; }

/* Case-insensitive prefix match of a header name followed by ':'. */
static const char *header_value(const char *line, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < n; i++)
        if (lower(line[i]) != name[i])
            return NULL;
    if (line[n] != ':')
        return NULL;
    const char *v = line + n + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    return v;
}

/* Parses digits in base 10 or 16 up to the end or a ';' (chunk extensions);
 * false on anything else or overflow. */
static bool parse_number(const char *s, unsigned base, uint64_t *out)
{
    uint64_t v = 0;
    int digits = 0;
    for (; *s && *s != ';' && *s != ' ' && *s != '\t'; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (base == 16 && lower(*s) >= 'a' && lower(*s) <= 'f')
            d = (unsigned)(lower(*s) - 'a' + 10);
        else
            return false;
        if (v > (UINT64_MAX - d) / base)
            return false;
        v = v * base + d;
        digits++;
    }
    *out = v;
    return digits > 0;
}

/* A complete line (without CRLF) in the status, header, chunk-size or
 * trailer state. */
static int handle_line(struct http_parser *p)
{
    char *line = p->line;
    switch (p->state) {
    case HTTP_STATUS_LINE:
        /* HTTP-version SP status-code SP reason (RFC 9112 §4) */
        if (strncmp(line, "HTTP/1.", 7) != 0 || !(line[7] == '0' || line[7] == '1') || line[8] != ' ' ||
            line[9] < '1' || line[9] > '5' || line[10] < '0' || line[10] > '9' ||
            line[11] < '0' || line[11] > '9' || (line[12] != ' ' && line[12] != 0))
            return fail(p, -EIO);
        p->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
        p->state = HTTP_HEADERS;
        return 0;
    case HTTP_HEADERS: {
        if (p->line_len == 0) {
            /* End of headers: pick the body framing (RFC 9112 §6.3). */
            bool no_body = p->head || p->status / 100 == 1 || p->status == 204 || p->status == 304;
            if (no_body)
                p->state = HTTP_DONE;
            else if (p->chunked)
                p->state = HTTP_CHUNK_SIZE;
            else if (p->content_length != UINT64_MAX) {
                p->remaining = p->content_length;
                p->state = p->remaining ? HTTP_BODY_LENGTH : HTTP_DONE;
            } else
                p->state = HTTP_BODY_UNTIL_CLOSE;
            return 0;
        }
        const char *v;
        if ((v = header_value(line, "content-length"))) {
            uint64_t n;
            if (!parse_number(v, 10, &n) || (p->content_length != UINT64_MAX && p->content_length != n))
                return fail(p, -EIO);
            p->content_length = n;
        } else if ((v = header_value(line, "transfer-encoding"))) {
            size_t l = strlen(v);
            while (l && (v[l - 1] == ' ' || v[l - 1] == '\t'))
                l--;
            if (l >= 7 && lower(v[l - 7]) == 'c' && strncmp(v + l - 6, "hunked", 6) == 0)
                p->chunked = true;
            else
                return fail(p, -EIO);       /* a coding we cannot undo */
        } else if ((v = header_value(line, "location"))) {
            strlcpy(p->location, v, sizeof(p->location));
        }
        return 0;
    }
    case HTTP_CHUNK_SIZE: {
        uint64_t n;
        if (!parse_number(line, 16, &n))
            return fail(p, -EIO);
        p->remaining = n;
        p->state = n ? HTTP_CHUNK_DATA : HTTP_TRAILERS;
        return 0;
    }
    case HTTP_CHUNK_END:
        if (p->line_len != 0)
            return fail(p, -EIO);
        p->state = HTTP_CHUNK_SIZE;
        return 0;
    case HTTP_TRAILERS:
        if (p->line_len == 0)
            p->state = HTTP_DONE;
        return 0;
    default:
        return fail(p, -EIO);
    }
}

static int deliver(struct http_parser *p, const uint8_t *data, size_t n)
{
    p->body_bytes += n;
    if (p->body && n) {
        int r = p->body(p->arg, data, n);
        if (r < 0)
            return fail(p, r);
    }
    return 0;
}

int http_parser_feed(struct http_parser *p, const uint8_t *data, size_t len)
{
    size_t i = 0;
    while (i < len) {
        switch (p->state) {
        case HTTP_DONE:
            return 0;                            /* anything after the response is ignored */
        case HTTP_ERROR:
            return p->error;
        case HTTP_BODY_LENGTH:
        case HTTP_CHUNK_DATA: {
            size_t n = (size_t)MIN((uint64_t)(len - i), p->remaining);
            int r = deliver(p, data + i, n);
            if (r < 0)
                return r;
            i += n;
            p->remaining -= n;
            if (p->remaining == 0)
                p->state = p->state == HTTP_BODY_LENGTH ? HTTP_DONE : HTTP_CHUNK_END;
            break;
        }
        case HTTP_BODY_UNTIL_CLOSE: {
            int r = deliver(p, data + i, len - i);
            if (r < 0)
                return r;
            i = len;
            break;
        }
        default: {
            /* Line-based states: collect up to LF (a bare LF is accepted). */
            char c = (char)data[i++];
            if (c == '\n') {
                if (p->line_len && p->line[p->line_len - 1] == '\r')
                    p->line_len--;
                p->line[p->line_len] = 0;
                int r = handle_line(p);
                p->line_len = 0;
                if (r < 0)
                    return r;
            } else {
                if (p->line_len + 1 >= sizeof(p->line))
                    return fail(p, -EIO);       /* absurdly long line */
                p->line[p->line_len++] = c;
            }
            break;
        }
        }
    }
    return p->state == HTTP_ERROR ? p->error : 0;
}

int http_parser_eof(struct http_parser *p)
{
    if (p->state == HTTP_BODY_UNTIL_CLOSE)
        p->state = HTTP_DONE;
    return p->state == HTTP_DONE ? 0 : -EIO;
}

int http_parse_url(const char *url, struct http_url *out)
{
    if (strncmp(url, "http://", 7) != 0)
        return -EINVAL;
    const char *h = url + 7;
    size_t hl = 0;
    while (h[hl] && h[hl] != ':' && h[hl] != '/' && h[hl] != '?')
        hl++;
    if (hl == 0 || hl >= sizeof(out->host))
        return -EINVAL;
    memcpy(out->host, h, hl);
    out->host[hl] = 0;
    const char *rest = h + hl;
    out->port = 80;
    if (*rest == ':') {
        uint32_t port = 0;
        rest++;
        if (*rest < '0' || *rest > '9')
            return -EINVAL;
        while (*rest >= '0' && *rest <= '9') {
            port = port * 10 + (uint32_t)(*rest++ - '0');
            if (port > 65535)
                return -EINVAL;
        }
        if (port == 0)
            return -EINVAL;
        out->port = (uint16_t)port;
    }
    if (*rest == 0)
        rest = "/";
    if (*rest != '/' && *rest != '?')
        return -EINVAL;
    size_t pl = strlen(rest);
    if (pl + 2 >= sizeof(out->path))
        return -EINVAL;
    if (*rest == '?') {
        out->path[0] = '/';
        memcpy(out->path + 1, rest, pl + 1);
    } else {
        memcpy(out->path, rest, pl + 1);
    }
    return 0;
}

static int send_all(struct socket *s, const char *buf, size_t len)
{
    while (len) {
        long n = sock_send(s, buf, len, 0);
        if (n < 0)
            return (int)n;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* One request/response on a fresh connection. */
static int http_get_once(struct net_stack *ns, const struct http_url *u, struct http_parser *p,
                         uint64_t timeout_ms)
{
    ip4_addr_t addr;
    int r = dns_lookup(ns, u->host, &addr, 1);
    if (r < 0)
        return r;
    struct socket *s;
    if ((r = sock_open(ns, SOCK_TCP, &s)) < 0)
        return r;
    sock_setopt(s, SOCKOPT_RCVTIMEO_MS, (int)timeout_ms);
    sock_setopt(s, SOCKOPT_SNDTIMEO_MS, (int)timeout_ms);
    sock_setopt(s, SOCKOPT_RCVBUF, 1 << 20);
    struct sock_addr to = { addr, u->port };
    r = sock_connect(s, &to);
    if (r == 0) {
        char req[1536];
        int n = snprintf(req, sizeof(req),
                         "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: kpio-http/1\r\nAccept: */*\r\n"
                         "Connection: close\r\n\r\n", u->path, u->host);
        r = n < (int)sizeof(req) ? send_all(s, req, (size_t)n) : -EINVAL;
    }
    uint8_t *buf = kmalloc(16384);
    if (!buf)
        r = r ? r : -ENOMEM;
    while (r == 0 && p->state != HTTP_DONE) {
        long n = sock_recv(s, buf, 16384, 0);
        if (n < 0) {
            r = n == -EAGAIN ? -ETIMEDOUT : (int)n;
            break;
        }
        if (n == 0) {
            r = http_parser_eof(p);
            break;
        }
        r = http_parser_feed(p, buf, (size_t)n);
    }
    kfree(buf);
    /* Unread data (a body we stopped early) makes close send RST: fine. */
    sock_close(s);
    return r;
}

static bool is_redirect(const struct http_parser *p)
{
    return (p->status == 301 || p->status == 302 || p->status == 303 || p->status == 307 ||
            p->status == 308) && p->location[0];
}

/* Passes body bytes on, except those of a redirect we are going to follow. */
struct http_forward {
    struct http_parser *p;
    http_body_fn body;
    void *arg;
    bool may_redirect;
};

static int http_forward_body(void *arg, const uint8_t *data, size_t len)
{
    struct http_forward *f = arg;
    if ((f->may_redirect && is_redirect(f->p)) || !f->body)
        return 0;
    return f->body(f->arg, data, len);
}

int http_get(struct net_stack *ns, const char *url, http_body_fn body, void *arg,
             struct http_result *res, uint64_t timeout_ms)
{
    struct http_url *u = kmalloc(sizeof(*u));
    struct http_parser *p = kmalloc(sizeof(*p));
    int r = (u && p) ? http_parse_url(url, u) : -ENOMEM;
    memset(res, 0, sizeof(*res));
    for (int hop = 0; r == 0; hop++) {
        struct http_forward f = { p, body, arg, hop < HTTP_MAX_REDIRECTS };
        http_parser_init(p, http_forward_body, &f);
        r = http_get_once(ns, u, p, timeout_ms);
        if (r < 0)
            break;
        res->status = p->status;
        res->body_bytes = p->body_bytes;
        if (!f.may_redirect || !is_redirect(p))
            break;
        res->redirects++;
        if (p->location[0] == '/') {
            if (strlen(p->location) >= sizeof(u->path)) {
                r = -EINVAL;
                break;
            }
            strlcpy(u->path, p->location, sizeof(u->path));
        } else {
            r = http_parse_url(p->location, u);
        }
    }
    kfree(u);
    kfree(p);
    return r;
}
