/*
 * tests/bench/apps/hostcall_bench.c — the cost of a null host call: N calls
 * of kpio_proc_self (checks one pointer, writes 4 bytes), timed as a whole;
 * beside it the same loop calling nothing, and calling a WebAssembly
 * function that does the same work, so the call's own cost can be told
 * from the loop's.
 *
 *   hostcall_bench N      prints ns_per_call, ns_per_empty_loop, ns_per_wasm_call
 */
#include <kpio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static volatile kpio_pid sink;

__attribute__((noinline)) static kpio_errno wasm_self(kpio_pid *pid)
{
    *(volatile kpio_pid *)pid = 1;
    return 0;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    kpio_pid pid;
    double a = now();
    for (long i = 0; i < n; i++)
        kpio_proc_self(&pid);
    double b = now();
    for (long i = 0; i < n; i++)
        sink = (kpio_pid)i;
    double c = now();
    for (long i = 0; i < n; i++)
        wasm_self(&pid);
    double d = now();
    printf("ns_per_call %.1f\n", (b - a) / (double)n);
    printf("ns_per_empty_loop %.1f\n", (c - b) / (double)n);
    printf("ns_per_wasm_call %.1f\n", (d - c) / (double)n);
    return 0;
}
