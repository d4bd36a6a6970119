/*
 * ps — list processes.
 *
 *   ps
 *
 * One line per process from kpio_proc_list: pid, parent pid, state (R
 * running, Z ended but not yet waited for), CPU time, memory and name.
 */
#include <kpio.h>
#include <stdio.h>
#include <stdlib.h>

#include "app.h"

int main(int argc, char **argv)
{
    (void)argv;
    app_init("ps");
    if (argc > 1)
        app_usage(1, "");
    uint32_t count = 0, max = 64;
    kpio_proc_info *v = NULL;
    for (;;) {
        v = app_xrealloc(v, max * sizeof *v);
        kpio_errno e = kpio_proc_list(v, max, &count);
        if (e != KPIO_OK)
            app_die(1, "cannot list processes: %s", kpio_strerror(e));
        if (count <= max)
            break;
        max = count + 16;   /* the table grew between calls: ask again */
    }
    printf("%5s %5s %s %8s %7s %s\n", "PID", "PPID", "S", "TIME", "MEM", "NAME");
    for (uint32_t i = 0; i < count; i++) {
        char mem[16];
        app_human_size(v[i].memory_bytes, mem, sizeof mem);
        unsigned long long cs = v[i].cpu_ns / 10000000;   /* hundredths of a second */
        char name[sizeof v[i].name + 1];
        snprintf(name, sizeof name, "%.*s", (int)sizeof v[i].name, v[i].name);
        printf("%5d %5d %c %5llu.%02llu %7s %s\n", (int)v[i].pid, (int)v[i].ppid,
               v[i].state == KPIO_PROC_RUNNING ? 'R' : 'Z', cs / 100, cs % 100, mem, name);
    }
    free(v);
    return app_finish(0);
}
