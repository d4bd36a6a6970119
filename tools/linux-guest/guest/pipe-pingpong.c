/*
 * pipe-pingpong [ROUNDS] — the classic process context-switch measure: two
 * processes pass one byte back and forth through two pipes; each round trip
 * is two switches. Reported with both processes pinned to CPU 0 (pure switch
 * cost) and unpinned (the scheduler's choice), each the median of 5 runs.
 * Unpinned runs do ROUNDS/20: under TCG a cross-CPU wake-up costs milliseconds.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench.h"

static void pin_to_cpu0(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    sched_setaffinity(0, sizeof(set), &set);
}

/* ns per round trip over rounds exchanges. */
static double one_run(long rounds, int pinned)
{
    int ping[2], pong[2];
    char byte = 'x';
    if (pipe(ping) || pipe(pong)) {
        perror("pipe");
        exit(1);
    }
    pid_t child = fork();
    if (child == 0) {
        close(ping[1]);         /* so that the parent's close means EOF here */
        close(pong[0]);
        if (pinned)
            pin_to_cpu0();
        for (;;) {
            if (read(ping[0], &byte, 1) != 1)
                _exit(0);
            if (write(pong[1], &byte, 1) != 1)
                _exit(1);
        }
    }
    close(ping[0]);
    close(pong[1]);
    if (pinned)
        pin_to_cpu0();
    /* Warm up, then measure. */
    for (int i = 0; i < 100; i++)
        if (write(ping[1], &byte, 1) != 1 || read(pong[0], &byte, 1) != 1)
            exit(1);
    uint64_t t0 = now_ns();
    for (long i = 0; i < rounds; i++)
        if (write(ping[1], &byte, 1) != 1 || read(pong[0], &byte, 1) != 1)
            exit(1);
    uint64_t t1 = now_ns();
    close(ping[1]);
    waitpid(child, NULL, 0);
    close(pong[0]);
    cpu_set_t all;
    CPU_ZERO(&all);
    for (int c = 0; c < CPU_SETSIZE; c++)
        CPU_SET(c, &all);
    sched_setaffinity(0, sizeof(all), &all);
    return (double)(t1 - t0) / (double)rounds;
}

int main(int argc, char **argv)
{
    long rounds = argc > 1 ? atol(argv[1]) : 5000;
    double v[5];
    for (int i = 0; i < 5; i++)
        v[i] = one_run(rounds, 1);
    report("linux_pipe_roundtrip_1cpu", median(v, 5), "ns");
    for (int i = 0; i < 5; i++)
        v[i] = one_run(rounds / 20 > 50 ? rounds / 20 : 50, 0);
    report("linux_pipe_roundtrip", median(v, 5), "ns");
    return 0;
}
