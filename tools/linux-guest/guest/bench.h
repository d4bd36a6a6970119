/*
 * bench.h — what the Linux-side benchmark programs share: a monotonic clock
 * and the report line format that tools/bench reads, the same as KPIO's
 * kernel/core/ktest.h: "bench: METRIC = VALUE UNIT".
 */
#ifndef LINUX_GUEST_BENCH_H
#define LINUX_GUEST_BENCH_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

static inline uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline void report(const char *metric, double value, const char *unit)
{
    printf("bench: %s = %.3f %s\n", metric, value, unit);
    fflush(stdout);
}

/* The median of n values (sorts them). */
static inline double median(double *v, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            double t = v[j]; v[j] = v[j - 1]; v[j - 1] = t;
        }
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#endif
