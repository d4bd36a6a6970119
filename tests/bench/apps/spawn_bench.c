/*
 * tests/bench/apps/spawn_bench.c — app cold start as the shell sees it:
 * open a module file, kpio_proc_spawn it, kpio_proc_wait for its exit.
 *
 *   spawn_bench MODULE N
 *
 * Prints the first start (which compiles the module) and the median and
 * minimum of the next N (the compiled module is shared), in nanoseconds.
 */
#include <fcntl.h>
#include <kpio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t one_start(const char *module)
{
    char *argv[] = { "hello", NULL };
    uint64_t t0 = now_ns();
    int fd = open(module, O_RDONLY);
    kpio_pid pid;
    kpio_proc_status st;
    if (fd < 0 || kpio_spawn(fd, argv, NULL, (int)KPIO_STDIO_NULL, (int)KPIO_STDIO_NULL,
                             (int)KPIO_STDIO_NULL, 0, &pid) != KPIO_OK ||
        kpio_proc_wait(pid, 0, &st) != KPIO_OK || st.code != 0) {
        fprintf(stderr, "spawn_bench: cannot run %s\n", module);
        exit(1);
    }
    close(fd);
    return now_ns() - t0;
}

static int by_value(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    int n = atoi(argv[2]);
    uint64_t *t = calloc((size_t)n, sizeof *t);
    printf("first_ns %llu\n", (unsigned long long)one_start(argv[1]));
    for (int i = 0; i < n; i++)
        t[i] = one_start(argv[1]);
    qsort(t, (size_t)n, sizeof *t, by_value);
    printf("median_ns %llu\nmin_ns %llu\n", (unsigned long long)t[n / 2], (unsigned long long)t[0]);
    return 0;
}
