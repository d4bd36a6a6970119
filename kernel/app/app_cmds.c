/*
 * kernel/app/app_cmds.c — the kernel monitor's view of user space:
 *   ps          every process of the table: pid, parent, state, CPU time,
 *               linear memory, name; then the apps' memory budget
 *   kill PID    stop a process (as kpio_proc_kill)
 *   counters    frames, heap objects and bytes, handles, reservations: the
 *               numbers leak checks compare before and after a workload
 *               (the reservation pool and empty slabs given back first)
 */
#include "app/app.h"
#include "core/monitor.h"
#include "lib/lib.h"
#include "mm/heap.h"
#include "mm/mm.h"
#include "mm/mm_boot.h"

static int cmd_ps(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    kpio_system *sys = app_system();
    if (!sys)
        return -ENODEV;
    static kpio_proc_info info[128];
    uint32_t n = kpio_system_list(sys, info, ARRAY_SIZE(info));
    monitor_printf("  PID  PPID STATE    CPU(ms)  MEM(KiB) NAME\n");
    for (uint32_t i = 0; i < n && i < ARRAY_SIZE(info); i++) {
        const kpio_proc_info *p = &info[i];
        char name[sizeof p->name + 1];
        memcpy(name, p->name, sizeof p->name);
        name[sizeof p->name] = 0;
        monitor_printf("%5d %5d %-8s %8llu %9llu %s\n", p->pid, p->ppid,
                       p->state == KPIO_PROC_RUNNING ? "running" : "exited",
                       (unsigned long long)(p->cpu_ns / 1000000),
                       (unsigned long long)(p->memory_bytes >> 10), name);
    }
    struct app_memory_stats ms;
    app_memory_stats(&ms);
    monitor_printf("apps: %llu reservations (%llu pooled), %llu KiB accessible of a %llu KiB "
                   "budget, %llu KiB resident; %llu handles\n",
                   (unsigned long long)ms.reservations, (unsigned long long)ms.pooled,
                   (unsigned long long)(ms.committed >> 10),
                   (unsigned long long)(ms.commit_limit >> 10),
                   (unsigned long long)(ms.resident_pages * PAGE_SIZE >> 10),
                   (unsigned long long)handle_live());
    return 0;
}

static int cmd_kill(int argc, char **argv)
{
    kpio_system *sys = app_system();
    if (!sys)
        return -ENODEV;
    if (argc != 2) {
        monitor_printf("usage: kill PID\n");
        return -EINVAL;
    }
    char *end;
    unsigned long long pid = strtoull(argv[1], &end, 10);
    if (*end || pid == 0 || pid > 0x7fffffff) {
        monitor_printf("kill: %s is not a process id\n", argv[1]);
        return -EINVAL;
    }
    if (kpio_kill(sys, (int32_t)pid) != KPIO_OK) {
        monitor_printf("kill: no process %llu\n", pid);
        return -ESRCH;
    }
    return 0;
}

/* The counters leak checks compare, on one line: pooled reservations and
 * empty slabs are given back first, so that only live memory counts. */
static int cmd_counters(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    app_platform_trim();
    mm_heap_shrink();           /* every CPU's caches too, then empty slabs */
    struct mm_stats st;
    mm_get_stats(&st);
    struct app_memory_stats ms;
    app_memory_stats(&ms);
    kpio_system *sys = app_system();
    monitor_printf("counters: frames_free=%llu heap_objects=%llu heap_bytes=%llu handles=%llu "
                   "reservations=%llu committed=%llu processes=%u\n",
                   (unsigned long long)st.frames_free, (unsigned long long)st.heap_allocations,
                   (unsigned long long)st.heap_bytes_in_use, (unsigned long long)handle_live(),
                   (unsigned long long)ms.reservations, (unsigned long long)ms.committed,
                   sys ? kpio_system_process_count(sys) : 0);
    return 0;
}

static const struct monitor_cmd commands[] = {
    { "ps", "", "WebAssembly processes and the apps' memory", cmd_ps },
    { "counters", "", "memory counters for leak checks (empty slabs given back first)", cmd_counters },
    { "kill", "PID", "stop a WebAssembly process", cmd_kill },
};

void app_register_commands(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
        monitor_register(&commands[i]);
}
