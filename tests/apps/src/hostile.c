/*
 * tests/apps/src/hostile.c — programs that misbehave on purpose, one way
 * per argument, to check that only they suffer:
 *
 *   hostile trap      reaches `unreachable`
 *   hostile oob       stores far outside its linear memory
 *   hostile recurse   recurses without end (call stack exhausted)
 *   hostile overflow  recurses until the C stack leaves linear memory
 *   hostile spin      loops forever (stopped by kill or a CPU limit)
 *   hostile memhog    allocates until memory runs out, then exits 3
 *   hostile divzero   divides an integer by zero
 *   hostile badptr    hands host calls pointers outside its memory
 *   hostile hoarder   opens a file, a pipe and a socket, then traps
 *   hostile exit N    exits with status N
 */
#include <fcntl.h>
#include <kpio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile int sink;
static char *volatile hoard;

/* Recursion the engine sees: every call a WebAssembly call, through a
 * pointer so the compiler cannot make it a loop, with nothing on the
 * C stack in linear memory. */
static int recurse(int n);
static int (*volatile recurse_ptr)(int) = recurse;
static int recurse(int n)
{
    return recurse_ptr(n + 1) * 3 + 1;
}

/* Recursion that overflows the C stack in linear memory first. */
#pragma clang diagnostic ignored "-Winfinite-recursion"
static int overflow(int n)
{
    volatile char pad[4096];
    pad[n % 4096] = (char)n;
    return overflow(n + 1) + pad[0];
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: hostile trap|oob|recurse|overflow|spin|memhog|divzero|badptr|hoarder|exit N\n");
        return 2;
    }
    const char *what = argv[1];
    fprintf(stderr, "hostile: %s\n", what);
    if (strcmp(what, "trap") == 0)
        __builtin_trap();
    if (strcmp(what, "oob") == 0) {
        volatile uint32_t *far = (uint32_t *)(uintptr_t)0xFFFFFFF0u;
        *far = 1;
    }
    if (strcmp(what, "recurse") == 0)
        return recurse(0);
    if (strcmp(what, "overflow") == 0)
        return overflow(0);
    if (strcmp(what, "spin") == 0)
        for (;;)
            sink++;
    if (strcmp(what, "memhog") == 0) {
        size_t total = 0;
        for (;;) {
            if (total >= (512u << 20)) {
                printf("memhog: no limit stopped me at 512 MiB\n");
                return 4;
            }
            char *p = malloc(1 << 20);
            if (!p) {
                printf("memhog: out of memory after %zu MiB\n", total >> 20);
                return 3;
            }
            memset(p, 1, 1 << 20);
            /* keep every block reachable, or the compiler drops them all */
            *(char **)p = hoard;
            hoard = p;
            total += 1 << 20;
        }
    }
    if (strcmp(what, "divzero") == 0) {
        volatile int zero = 0;
        return 10 / zero;
    }
    if (strcmp(what, "badptr") == 0) {
        /* every host call checks guest pointers: errors, not crashes */
        kpio_errno e1 = kpio_proc_self((kpio_pid *)(uintptr_t)0xFFFFFFF0u);
        kpio_errno e2 = kpio_pipe((kpio_fd *)(uintptr_t)0xFFFFFFFCu);
        ssize_t w = write(1, (void *)(uintptr_t)0xFFFFFF00u, 4096);
        printf("badptr: %u %u %zd\n", e1, e2, w);
        return e1 == KPIO_EFAULT && e2 == KPIO_EFAULT && w < 0 ? 0 : 1;
    }
    if (strcmp(what, "hoarder") == 0) {
        /* whatever it holds must be released when it dies */
        kpio_fd p[2], s;
        open("/", O_RDONLY | O_DIRECTORY);
        kpio_pipe(p);
        kpio_sock_open(KPIO_AF_INET, KPIO_SOCK_STREAM, &s);
        hoard = malloc(1 << 20);
        __builtin_trap();
    }
    if (strcmp(what, "exit") == 0 && argc > 2)
        return atoi(argv[2]);
    fprintf(stderr, "hostile: unknown mode %s\n", what);
    return 2;
}
