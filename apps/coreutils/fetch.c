/*
 * fetch — download a URL over HTTP/1.1.
 *
 *   fetch [-v] [-o FILE] [-t SECONDS] URL
 *
 * Sends a GET request (RFC 9112) and writes the body to standard output
 * or, with -o, to FILE (written as FILE.part and renamed when complete, so
 * a failed download leaves no partial file under FILE). Follows up to five
 * redirects (301, 302, 303, 307, 308). Bodies with Content-Length, chunked
 * transfer coding (RFC 9112 §7.1) or delimited by the connection's close
 * are understood. -v prints the status line and headers on stderr. -t sets
 * the time allowed for each network wait (default 30 s).
 *
 * Exit status 0 on a 2xx response, 1 otherwise (with a message saying why).
 * Only http:// URLs: KPIO has no TLS.
 */
#include <errno.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "app.h"

#define MAX_REDIRECTS 5
#define MAX_HEADER_BYTES (64 * 1024)

struct url {
    char host[256];
    char port[8];
    char path[2048];        /* starts with '/' */
};

/* Buffered reader over a socket. */
struct conn {
    int fd;
    char buf[16384];
    size_t start, end;
};

struct response {
    int status;
    char reason[128];
    char location[2048];
    bool chunked, has_length;
    uint64_t length;
};

static bool verbose;
static unsigned timeout_seconds = 30;

/* Parse "http://host[:port][/path]". false with a message on failure. */
static bool parse_url(const char *text, struct url *u)
{
    if (strncasecmp(text, "https://", 8) == 0) {
        app_warn("%s: https is not supported (KPIO has no TLS)", text);
        return false;
    }
    if (strncasecmp(text, "http://", 7) != 0) {
        app_warn("%s: not an http:// URL", text);
        return false;
    }
    const char *p = text + 7;
    size_t hl = strcspn(p, ":/?#");
    if (hl == 0 || hl >= sizeof u->host) {
        app_warn("%s: bad host name", text);
        return false;
    }
    memcpy(u->host, p, hl);
    u->host[hl] = 0;
    p += hl;
    strcpy(u->port, "80");
    if (*p == ':') {
        p++;
        size_t pl = strspn(p, "0123456789");
        long port = pl ? strtol(p, NULL, 10) : 0;
        if (pl == 0 || pl > 5 || port < 1 || port > 65535) {
            app_warn("%s: bad port", text);
            return false;
        }
        snprintf(u->port, sizeof u->port, "%ld", port);
        p += pl;
    }
    if (*p && *p != '/' && *p != '?' && *p != '#') {
        app_warn("%s: bad URL", text);
        return false;
    }
    size_t path_len = strcspn(p, "#");
    if (path_len + 2 > sizeof u->path) {
        app_warn("%s: URL too long", text);
        return false;
    }
    u->path[0] = '/';
    size_t off = *p == '/' ? 0 : 1;
    memcpy(u->path + off, p, path_len);
    u->path[off + path_len] = 0;
    for (const char *c = u->path; *c; c++) {
        if ((unsigned char)*c <= 0x20 || *c == 0x7F) {
            app_warn("%s: URL contains spaces or control characters", text);
            return false;
        }
    }
    return true;
}

static bool connect_to(const struct url *u, struct conn *c)
{
    struct addrinfo hints, *res;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    int r = getaddrinfo(u->host, u->port, &hints, &res);
    if (r != 0) {
        app_warn("%s: %s", u->host, gai_strerror(r));
        return false;
    }
    int err = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        struct timeval tv = { .tv_sec = timeout_seconds, .tv_usec = 0 };
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            freeaddrinfo(res);
            c->fd = fd;
            c->start = c->end = 0;
            return true;
        }
        err = errno;
        close(fd);
    }
    freeaddrinfo(res);
    app_warn("cannot connect to %s port %s: %s", u->host, u->port, strerror(err));
    return false;
}

static bool send_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, data, len, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        data += n;
        len -= (size_t)n;
    }
    return true;
}

/* Refill the buffer; 1 on data, 0 at the end of the stream, -1 on error. */
static int fill(struct conn *c)
{
    if (c->start == c->end)
        c->start = c->end = 0;
    for (;;) {
        ssize_t n = recv(c->fd, c->buf + c->end, sizeof c->buf - c->end, 0);
        if (n > 0) {
            c->end += (size_t)n;
            return 1;
        }
        if (n == 0)
            return 0;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            errno = ETIMEDOUT;   /* SO_RCVTIMEO ran out */
            return -1;
        }
        if (errno != EINTR)
            return -1;
    }
}

#define LINE_EOF   (-1)   /* the stream ended (or the line is too long) */
#define LINE_ERROR (-2)   /* a network error; errno says which */

/* Read one line ending in LF (CR before it dropped) into out. Returns its
 * length, LINE_EOF or LINE_ERROR. */
static long read_line(struct conn *c, char *out, size_t cap)
{
    size_t len = 0;
    for (;;) {
        while (c->start < c->end) {
            char ch = c->buf[c->start++];
            if (ch == '\n') {
                if (len > 0 && out[len - 1] == '\r')
                    len--;
                out[len] = 0;
                return (long)len;
            }
            if (len + 1 >= cap)
                return LINE_EOF;
            out[len++] = ch;
        }
        int f = fill(c);
        if (f < 0)
            return LINE_ERROR;
        if (f == 0)
            return LINE_EOF;
    }
}

/* The status line and headers (RFC 9112 §4, §5). */
static bool read_head(struct conn *c, struct response *r, const char *url)
{
    char line[8192];
    memset(r, 0, sizeof *r);
    long n = read_line(c, line, sizeof line);
    int major, minor, consumed = 0;
    if (n == LINE_ERROR) {
        app_warn("%s: %s", url, strerror(errno));
        return false;
    }
    if (n < 0 || sscanf(line, "HTTP/%d.%d %3d%n", &major, &minor, &r->status, &consumed) != 3 ||
        major != 1 || r->status < 100 || r->status > 999) {
        app_warn("%s: the server's response is not HTTP/1.x", url);
        return false;
    }
    snprintf(r->reason, sizeof r->reason, "%s", line[consumed] == ' ' ? line + consumed + 1 : "");
    if (verbose)
        fprintf(stderr, "%s\n", line);
    size_t total = (size_t)n;
    for (;;) {
        n = read_line(c, line, sizeof line);
        if (n == LINE_ERROR) {
            app_warn("%s: %s", url, strerror(errno));
            return false;
        }
        if (n < 0 || (total += (size_t)n) > MAX_HEADER_BYTES) {
            app_warn("%s: bad or too long response headers", url);
            return false;
        }
        if (n == 0)
            break;
        if (verbose)
            fprintf(stderr, "%s\n", line);
        char *colon = strchr(line, ':');
        if (!colon) {
            app_warn("%s: malformed header line", url);
            return false;
        }
        *colon = 0;
        char *value = colon + 1;
        value += strspn(value, " \t");
        size_t vl = strlen(value);
        while (vl > 0 && (value[vl - 1] == ' ' || value[vl - 1] == '\t'))
            value[--vl] = 0;
        if (strcasecmp(line, "Content-Length") == 0) {
            if (!app_parse_u64(value, &r->length)) {
                app_warn("%s: bad Content-Length", url);
                return false;
            }
            r->has_length = true;
        } else if (strcasecmp(line, "Transfer-Encoding") == 0) {
            const char *last = strrchr(value, ',');
            last = last ? last + 1 : value;
            last += strspn(last, " ");
            if (strcasecmp(last, "chunked") == 0)
                r->chunked = true;
        } else if (strcasecmp(line, "Location") == 0) {
            snprintf(r->location, sizeof r->location, "%s", value);
        }
    }
    return true;
}

/* Copy exactly len bytes (or, with until_close, everything) to out. */
static bool copy_body(struct conn *c, FILE *out, uint64_t len, bool until_close, const char *url)
{
    while (until_close || len > 0) {
        if (c->start == c->end) {
            int f = fill(c);
            if (f == 0 && until_close)
                return true;
            if (f <= 0) {
                app_warn("%s: %s", url, f == 0 ? "connection closed before the end of the body"
                                                : strerror(errno));
                return false;
            }
        }
        size_t n = c->end - c->start;
        if (!until_close && n > len)
            n = (size_t)len;
        if (out && fwrite(c->buf + c->start, 1, n, out) != n) {
            app_warn_errno("write error");
            return false;
        }
        c->start += n;
        len -= until_close ? 0 : n;
    }
    return true;
}

/* A chunked body: size lines in hex, data, CRLF; a 0 chunk and trailers. */
static bool copy_chunked(struct conn *c, FILE *out, const char *url)
{
    char line[1024];
    for (;;) {
        if (read_line(c, line, sizeof line) < 0) {
            app_warn("%s: bad chunked body", url);
            return false;
        }
        char *end;
        errno = 0;
        unsigned long long size = strtoull(line, &end, 16);
        if (end == line || errno || (*end && *end != ';' && *end != ' ' && *end != '\t')) {
            app_warn("%s: bad chunk size", url);
            return false;
        }
        if (size == 0)
            break;
        if (!copy_body(c, out, size, false, url))
            return false;
        if (read_line(c, line, sizeof line) != 0) {
            app_warn("%s: chunk not followed by CRLF", url);
            return false;
        }
    }
    long n;
    while ((n = read_line(c, line, sizeof line)) > 0)
        ;   /* trailer fields */
    if (n < 0) {
        app_warn("%s: bad chunked body", url);
        return false;
    }
    return true;
}

/* Resolve a Location against the current URL into next (a full URL). */
static void follow_location(const struct url *cur, const char *location, char *next, size_t cap)
{
    if (strncasecmp(location, "http://", 7) == 0 || strncasecmp(location, "https://", 8) == 0) {
        snprintf(next, cap, "%s", location);
    } else if (location[0] == '/') {
        snprintf(next, cap, "http://%s:%s%s", cur->host, cur->port, location);
    } else {
        /* relative to the current path's directory */
        const char *slash = strrchr(cur->path, '/');
        int dir_len = slash ? (int)(slash - cur->path + 1) : 1;
        snprintf(next, cap, "http://%s:%s%.*s%s", cur->host, cur->port, dir_len, cur->path,
                 location);
    }
}

/* Fetch url into out; true on a 2xx response with its whole body. */
static bool fetch(const char *first_url, FILE *out)
{
    char url[4096];
    snprintf(url, sizeof url, "%s", first_url);
    for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
        struct url u;
        if (!parse_url(url, &u))
            return false;
        struct conn *c = app_xmalloc(sizeof *c);
        if (!connect_to(&u, c)) {
            free(c);
            return false;
        }
        char request[4096];
        bool default_port = strcmp(u.port, "80") == 0;
        int len = snprintf(request, sizeof request,
                           "GET %s HTTP/1.1\r\nHost: %s%s%s\r\nUser-Agent: kpio-fetch/1.0\r\n"
                           "Accept: */*\r\nConnection: close\r\n\r\n",
                           u.path, u.host, default_port ? "" : ":", default_port ? "" : u.port);
        struct response r;
        bool ok = len > 0 && (size_t)len < sizeof request && send_all(c->fd, request, (size_t)len);
        if (!ok)
            app_warn("%s: cannot send the request: %s", url, strerror(errno));
        /* skip interim 1xx responses */
        while (ok && (ok = read_head(c, &r, url)) && r.status >= 100 && r.status < 200)
            ;
        if (ok && r.status >= 300 && r.status < 400 && r.location[0] && r.status != 304) {
            char next[4096];
            follow_location(&u, r.location, next, sizeof next);
            close(c->fd);
            free(c);
            if (verbose)
                fprintf(stderr, "fetch: redirected to %s\n", next);
            snprintf(url, sizeof url, "%s", next);
            continue;
        }
        if (ok && (r.status < 200 || r.status >= 300)) {
            app_warn("%s: HTTP %d %s", url, r.status, r.reason);
            ok = false;
        }
        if (ok) {
            if (r.chunked)
                ok = copy_chunked(c, out, url);
            else
                ok = copy_body(c, out, r.length, !r.has_length, url);
        }
        close(c->fd);
        free(c);
        return ok;
    }
    app_warn("%s: too many redirects", first_url);
    return false;
}

int main(int argc, char **argv)
{
    app_init("fetch");
    const char *output = NULL;
    int c;
    while ((c = getopt(argc, argv, "vo:t:")) != -1) {
        switch (c) {
        case 'v': verbose = true; break;
        case 'o': output = optarg; break;
        case 't': {
            uint64_t t;
            if (!app_parse_u64(optarg, &t) || t == 0 || t > 86400)
                app_die(1, "bad timeout: %s", optarg);
            timeout_seconds = (unsigned)t;
            break;
        }
        default: app_usage(1, "[-v] [-o FILE] [-t SECONDS] URL");
        }
    }
    if (optind + 1 != argc)
        app_usage(1, "[-v] [-o FILE] [-t SECONDS] URL");
    const char *url = argv[optind];

    if (!output) {
        bool ok = fetch(url, stdout);
        return app_finish(ok ? 0 : 1);
    }
    char *part = app_xmalloc(strlen(output) + 6);
    sprintf(part, "%s.part", output);
    FILE *out = fopen(part, "w");
    if (!out)
        app_die(1, "%s: %s", part, strerror(errno));
    bool ok = fetch(url, out);
    if (fclose(out) != 0 && ok) {
        app_warn_errno(part);
        ok = false;
    }
    if (ok && rename(part, output) != 0) {
        app_warn("cannot rename %s to %s: %s", part, output, strerror(errno));
        ok = false;
    }
    if (!ok)
        unlink(part);
    free(part);
    return ok ? 0 : 1;
}
