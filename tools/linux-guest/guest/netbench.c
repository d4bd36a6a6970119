/*
 * netbench.c — the Linux guest's side of KPIO's network benchmark
 * (tests/net/netbench.py): the same three measurements as KPIO's monitor
 * commands `tcp recv -n`, `tcp send -n` and `tcp cps`, printed in the same
 * words, so that both guests are timed by their own clocks the same way.
 *
 *   netbench recv HOST PORT         read a connection to its end
 *   netbench send HOST PORT BYTES   send zeros, half-close, wait for the close
 *   netbench cps HOST PORT N        N connections, one after the other, each
 *                                   read to the end (the server closes)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"

static int dial(const char *host, int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    if (fd < 0 || inet_pton(AF_INET, host, &a.sin_addr) != 1 ||
        connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        perror("netbench: connect");
        exit(1);
    }
    return fd;
}

static void transfer_report(const char *what, uint64_t bytes, uint64_t ns)
{
    uint64_t ms = ns / 1000000;
    uint64_t kbit = ns ? bytes * 8 * 1000000000ull / ns / 1000 : 0;
    printf("%s %llu bytes in %llu.%03llu s (%llu.%03llu Mbit/s) sha256 (not hashed)\n", what,
           (unsigned long long)bytes, (unsigned long long)(ms / 1000), (unsigned long long)(ms % 1000),
           (unsigned long long)(kbit / 1000), (unsigned long long)(kbit % 1000));
    fflush(stdout);
}

int main(int argc, char **argv)
{
    static char buf[65536];
    if (argc == 4 && strcmp(argv[1], "recv") == 0) {
        int fd = dial(argv[2], atoi(argv[3]));
        uint64_t t0 = now_ns(), total = 0;
        ssize_t n;
        while ((n = read(fd, buf, sizeof(buf))) > 0)
            total += (uint64_t)n;
        transfer_report("received", total, now_ns() - t0);
        return n < 0;
    }
    if (argc == 5 && strcmp(argv[1], "send") == 0) {
        int fd = dial(argv[2], atoi(argv[3]));
        uint64_t bytes = strtoull(argv[4], NULL, 10), sent = 0, t0 = now_ns();
        while (sent < bytes) {
            size_t k = bytes - sent < sizeof(buf) ? (size_t)(bytes - sent) : sizeof(buf);
            ssize_t w = write(fd, buf, k);
            if (w <= 0) {
                perror("netbench: write");
                return 1;
            }
            sent += (uint64_t)w;
        }
        shutdown(fd, SHUT_WR);
        while (read(fd, buf, sizeof(buf)) > 0) {
        }
        transfer_report("sent", sent, now_ns() - t0);
        return 0;
    }
    if (argc == 5 && strcmp(argv[1], "cps") == 0) {
        int n = atoi(argv[4]), ok = 0;
        uint64_t t0 = now_ns();
        for (int i = 0; i < n; i++) {
            int fd = dial(argv[2], atoi(argv[3]));
            while (read(fd, buf, 16) > 0) {
            }
            close(fd);
            ok++;
        }
        uint64_t us = (now_ns() - t0) / 1000;
        printf("cps: %d connections in %llu ms, %llu per second\n", ok, (unsigned long long)(us / 1000),
               (unsigned long long)(us ? (uint64_t)ok * 1000000 / us : 0));
        return 0;
    }
    fprintf(stderr, "usage: netbench recv HOST PORT | send HOST PORT BYTES | cps HOST PORT N\n");
    return 2;
}
