/*
 * tests/bench/apps/instances_bench.c — memory per extra instance: starts
 * instances of MODULE (which must wait, e.g. sleep.wasm with ARG) in steps,
 * printing "running K" after each step and then reading a line from stdin,
 * so that the driver can measure the process's memory at every step.
 *
 *   instances_bench MODULE ARG STEP STEPS
 */
#include <fcntl.h>
#include <kpio.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* Wait until every child has its instance (memory) set up: spawn returns
 * before the child's thread has instantiated the module. */
static void wait_instantiated(int want)
{
    static kpio_proc_info info[256];
    for (;;) {
        uint32_t count = 0;
        int ready = 0;
        kpio_proc_list(info, 256, &count);
        for (uint32_t i = 0; i < count && i < 256; i++)
            ready += info[i].ppid != 0 && info[i].memory_bytes > 0;
        if (ready >= want)
            return;
        struct timespec ts = { 0, 1000000 };
        nanosleep(&ts, NULL);
    }
}

int main(int argc, char **argv)
{
    if (argc != 5)
        return 2;
    int step = atoi(argv[3]), steps = atoi(argv[4]), running = 0;
    char *child[] = { "sleep", argv[2], NULL };
    int fd = open(argv[1], O_RDONLY);
    char line[16];
    for (int s = 0; s <= steps; s++) {
        for (int i = 0; s > 0 && i < step; i++) {
            kpio_pid pid;
            if (kpio_spawn(fd, child, NULL, (int)KPIO_STDIO_NULL, (int)KPIO_STDIO_NULL,
                           (int)KPIO_STDIO_NULL, 0, &pid) != KPIO_OK)
                return 1;
            running++;
        }
        wait_instantiated(running);
        printf("running %d\n", running);
        fflush(stdout);
        if (!fgets(line, sizeof line, stdin))
            return 1;
    }
    return 0;
}
