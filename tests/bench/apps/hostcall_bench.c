/*
 * tests/bench/apps/hostcall_bench.c — the cost of a null host call: N calls
 * of kpio_proc_self (checks one pointer, writes 4 bytes), timed as a whole.
 *
 *   hostcall_bench N      prints ns_per_call
 */
#include <kpio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    kpio_pid pid;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long i = 0; i < n; i++)
        kpio_proc_self(&pid);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
    printf("ns_per_call %.1f\n", ns / (double)n);
    return 0;
}
