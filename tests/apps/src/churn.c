/*
 * tests/apps/src/churn.c — hostile programs started and ended many times:
 * every way of dying, in a loop, each checked. Between "ready" and "done"
 * (each followed by reading a line from stdin) the test driver compares
 * the host process's open descriptors and memory: what the dead programs
 * held must all have been released.
 *
 *   churn HOSTILE.wasm ROUNDS
 */
#include <fcntl.h>
#include <kpio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct {
    const char *mode;
    uint32_t reason;
    int32_t code;
    uint32_t pages, cpu_ms;
    int kill;
} cases[] = {
    { "trap", KPIO_EXIT_TRAP, KPIO_TRAP_UNREACHABLE, 0, 0, 0 },
    { "oob", KPIO_EXIT_TRAP, KPIO_TRAP_MEMORY_OOB, 0, 0, 0 },
    { "recurse", KPIO_EXIT_TRAP, KPIO_TRAP_STACK_EXHAUSTED, 0, 0, 0 },
    { "overflow", KPIO_EXIT_TRAP, KPIO_TRAP_MEMORY_OOB, 0, 0, 0 },
    { "divzero", KPIO_EXIT_TRAP, KPIO_TRAP_DIV_ZERO, 0, 0, 0 },
    { "hoarder", KPIO_EXIT_TRAP, KPIO_TRAP_UNREACHABLE, 0, 0, 0 },
    { "badptr", KPIO_EXIT_NORMAL, 0, 0, 0, 0 },
    { "memhog", KPIO_EXIT_NORMAL, 3, 80, 0, 0 },
    { "spin", KPIO_EXIT_KILLED, 0, 0, 50, 0 },
    { "spin", KPIO_EXIT_KILLED, 0, 0, 0, 1 },
};

static void pause_for_driver(const char *what)
{
    char line[16];
    printf("%s\n", what);
    fflush(stdout);
    if (!fgets(line, sizeof line, stdin))
        exit(1);
}

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    int rounds = atoi(argv[2]), bad = 0, runs = 0;
    pause_for_driver("ready");
    for (int r = 0; r < rounds; r++) {
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            int fd = open(argv[1], O_RDONLY);
            char args[64];
            int n = snprintf(args, sizeof args, "hostile%c%s", 0, cases[i].mode) + 1;
            kpio_spawn_request req;
            memset(&req, 0, sizeof req);
            req.module_fd = (uint32_t)fd;
            req.argv = (kpio_ptr)(uintptr_t)args;
            req.argv_len = (uint32_t)n;
            req.stdin_fd = req.stdout_fd = req.stderr_fd = KPIO_STDIO_NULL;
            req.flags = KPIO_SPAWN_INHERIT_PREOPENS;
            req.max_memory_pages = cases[i].pages;
            req.cpu_limit_ms = cases[i].cpu_ms;
            kpio_pid pid;
            kpio_proc_status st;
            kpio_errno e = kpio_proc_spawn(&req, &pid);
            close(fd);
            if (e == KPIO_OK && cases[i].kill)
                kpio_proc_kill(pid);
            if (e != KPIO_OK || kpio_proc_wait(pid, 0, &st) != KPIO_OK ||
                st.reason != cases[i].reason || st.code != cases[i].code) {
                printf("FAIL %s: e=%u reason=%u code=%d\n", cases[i].mode, e, st.reason, st.code);
                bad++;
            }
            runs++;
        }
    }
    uint32_t count = 0;
    kpio_proc_list(NULL, 0, &count);
    printf("%d runs, %d bad, %u processes left\n", runs, bad, count);
    pause_for_driver("done");
    return bad;
}
