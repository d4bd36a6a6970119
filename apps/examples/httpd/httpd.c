/*
 * httpd — serve files over HTTP/1.1: an example KPIO app that uses the
 * BSD socket API of the SDK (socket, bind, listen, accept, recv, send over
 * the kpio host API) and read-only file access. Its package asks for the
 * network and read access to /data/www.
 *
 *   httpd [-p PORT] [-r ROOT] [-n COUNT]
 *
 * Listens on 127.0.0.1:PORT (default 8080) and answers GET and HEAD for
 * files under ROOT (default /data/www; "/" serves index.html), one
 * connection at a time, each closed after its response. -n stops after
 * COUNT requests. Paths with ".." are refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *root = "/data/www";

static const char *content_type(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (!dot)
        return "application/octet-stream";
    if (strcmp(dot, ".html") == 0)
        return "text/html; charset=utf-8";
    if (strcmp(dot, ".txt") == 0)
        return "text/plain; charset=utf-8";
    if (strcmp(dot, ".css") == 0)
        return "text/css";
    if (strcmp(dot, ".png") == 0)
        return "image/png";
    return "application/octet-stream";
}

static void send_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = send(fd, p, len, 0);
        if (n <= 0)
            return;
        p += n;
        len -= (size_t)n;
    }
}

static void respond_text(int fd, int status, const char *reason, const char *body)
{
    char head[256];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n", status, reason, strlen(body));
    send_all(fd, head, (size_t)n);
    send_all(fd, body, strlen(body));
}

/* Read the request head (up to the blank line) and answer it. */
static void serve(int fd)
{
    char req[4096];
    size_t len = 0;
    req[0] = 0;
    while (len < sizeof req - 1 && !strstr(req, "\r\n\r\n")) {
        ssize_t n = recv(fd, req + len, sizeof req - 1 - len, 0);
        if (n <= 0)
            return;
        len += (size_t)n;
        req[len] = 0;
    }
    char method[8], target[1024];
    if (sscanf(req, "%7s %1023s HTTP/1.", method, target) != 2) {
        respond_text(fd, 400, "Bad Request", "bad request\n");
        return;
    }
    bool head = strcmp(method, "HEAD") == 0;
    if (!head && strcmp(method, "GET") != 0) {
        respond_text(fd, 405, "Method Not Allowed", "only GET and HEAD\n");
        return;
    }
    char *query = strchr(target, '?');
    if (query)
        *query = 0;
    if (target[0] != '/' || strstr(target, "..")) {
        respond_text(fd, 403, "Forbidden", "forbidden\n");
        return;
    }
    char path[2048];
    snprintf(path, sizeof path, "%s%s%s", root, target,
             target[strlen(target) - 1] == '/' ? "index.html" : "");
    int file = open(path, O_RDONLY);
    struct stat st;
    if (file < 0 || fstat(file, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (file >= 0)
            close(file);
        respond_text(fd, 404, "Not Found", "not found\n");
        return;
    }
    char hdr[512];
    int n = snprintf(hdr, sizeof hdr,
                     "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %lld\r\n"
                     "Connection: close\r\n\r\n", content_type(path), (long long)st.st_size);
    send_all(fd, hdr, (size_t)n);
    char buf[16384];
    ssize_t got;
    while (!head && (got = read(file, buf, sizeof buf)) > 0)
        send_all(fd, buf, (size_t)got);
    close(file);
}

int main(int argc, char **argv)
{
    int port = 8080, count = -1, c;
    while ((c = getopt(argc, argv, "p:r:n:")) != -1) {
        if (c == 'p')
            port = atoi(optarg);
        else if (c == 'r')
            root = optarg;
        else if (c == 'n')
            count = atoi(optarg);
        else {
            fprintf(stderr, "usage: httpd [-p PORT] [-r ROOT] [-n COUNT]\n");
            return 2;
        }
    }
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) {
        fprintf(stderr, "httpd: socket: %s\n", strerror(errno));
        return 1;
    }
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(s, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(s, 8) != 0) {
        fprintf(stderr, "httpd: port %d: %s\n", port, strerror(errno));
        return 1;
    }
    socklen_t alen = sizeof addr;
    getsockname(s, (struct sockaddr *)&addr, &alen);
    printf("httpd: serving %s on http://127.0.0.1:%d/\n", root, ntohs(addr.sin_port));
    fflush(stdout);
    for (; count != 0; count -= count > 0) {
        struct sockaddr_in peer;
        socklen_t plen = sizeof peer;
        int conn = accept(s, (struct sockaddr *)&peer, &plen);
        if (conn < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "httpd: accept: %s\n", strerror(errno));
            return 1;
        }
        serve(conn);
        close(conn);
    }
    close(s);
    return 0;
}
