/*
 * tests/bench/apps/native_baseline.c — the Linux baselines for the app
 * benchmarks, built natively (gcc -O2):
 *
 *   native_baseline spawn PROGRAM N   fork + exec PROGRAM (e.g. busybox true),
 *                                     waitpid; prints median_ns, min_ns
 *   native_baseline syscall N         N null system calls (getpid through
 *                                     syscall(2)); prints ns_per_call
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int by_value(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "spawn") == 0) {
        int n = atoi(argv[3]);
        uint64_t *t = calloc((size_t)n, sizeof *t);
        for (int i = 0; i < n; i++) {
            uint64_t t0 = now_ns();
            pid_t pid = fork();
            if (pid == 0) {
                execl(argv[2], "true", (char *)NULL);
                _exit(127);
            }
            int status;
            waitpid(pid, &status, 0);
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return 1;
            t[i] = now_ns() - t0;
        }
        qsort(t, (size_t)n, sizeof *t, by_value);
        printf("median_ns %llu\nmin_ns %llu\n", (unsigned long long)t[n / 2],
               (unsigned long long)t[0]);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "syscall") == 0) {
        long n = atol(argv[2]);
        uint64_t t0 = now_ns();
        for (long i = 0; i < n; i++)
            syscall(SYS_getpid);
        printf("ns_per_call %.1f\n", (double)(now_ns() - t0) / (double)n);
        return 0;
    }
    fprintf(stderr, "usage: native_baseline spawn PROGRAM N | syscall N\n");
    return 2;
}
