/*
 * malloc-bench [OPS] — glibc malloc/free in the guest, the nearest Linux
 * figure to KPIO's kmalloc/kfree: fixed 64-byte pairs, and a mixed workload
 * of random sizes 16..4096 with up to 1024 live blocks. ns per operation
 * (one malloc plus one free), median of 5 runs.
 */
#include <stdlib.h>
#include "bench.h"

/* Make p visible to "unknown code", so the compiler cannot drop a malloc/free
 * pair whose result is otherwise unused. */
static inline void escape(void *p)
{
    __asm__ volatile("" : : "r"(p) : "memory");
}

static double fixed_run(long ops)
{
    uint64_t t0 = now_ns();
    for (long i = 0; i < ops; i++) {
        void *p = malloc(64);
        escape(p);
        free(p);
    }
    return (double)(now_ns() - t0) / (double)ops;
}

static double mixed_run(long ops)
{
    static void *live[1024];
    unsigned seed = 12345;
    uint64_t t0 = now_ns();
    for (long i = 0; i < ops; i++) {
        seed = seed * 1103515245u + 12345u;
        unsigned slot = (seed >> 8) % 1024;
        free(live[slot]);
        live[slot] = malloc(16 + (seed >> 16) % 4081);
        escape(live[slot]);
    }
    double ns = (double)(now_ns() - t0) / (double)ops;
    for (int i = 0; i < 1024; i++) {
        free(live[i]);
        live[i] = NULL;
    }
    return ns;
}

int main(int argc, char **argv)
{
    long ops = argc > 1 ? atol(argv[1]) : 200000;
    double v[5];
    for (int i = 0; i < 5; i++)
        v[i] = fixed_run(ops);
    report("linux_malloc_free_64", median(v, 5), "ns");
    for (int i = 0; i < 5; i++)
        v[i] = mixed_run(ops);
    report("linux_malloc_free_mixed", median(v, 5), "ns");
    return 0;
}
