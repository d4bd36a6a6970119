/*
 * kernel/core/monitor_cmds.c — the monitor's built-in commands: help, mem,
 * threads, cpus, uptime, log, echo, reboot, poweroff.
 */
#include "lib/lib.h"
#include "core/log.h"
#include "core/monitor.h"
#include "core/time.h"
#include "core/time_boot.h"
#include "dev/acpi.h"
#include "dev/clocks.h"
#include "mm/buddy.h"
#include "mm/heap.h"
#include "mm/mm.h"
#include "mm/mm_boot.h"
#include "mm/vm.h"
#include "sched/thread.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/percpu.h"

static int cmd_help(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    monitor_printf("commands:\n");
    monitor_list_commands();
    monitor_printf("keys: Left/Right ^B/^F, Home/End ^A/^E, ^U/^K delete to start/end,\n"
                   "      Up/Down ^P/^N history, ^C cancel the line\n");
    return 0;
}

static void print_mib(const char *what, uint64_t pages)
{
    uint64_t kib = pages * (PAGE_SIZE / 1024);
    monitor_printf("  %-16s %6llu.%01llu MiB\n", what, (unsigned long long)(kib / 1024),
                   (unsigned long long)(kib % 1024 * 10 / 1024));
}

static void print_mem_line(const char *fmt, ...)
{
    char buf[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    monitor_write(buf, strlen(buf));
}

static int cmd_mem(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "map") == 0) {
        monitor_printf("boot memory map:\n");
        mm_print_map(print_mem_line);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "check") == 0) {
        int buddy = buddy_check(mm_buddy());
        int heap = kheap_check(mm_heap());
        monitor_printf("frame allocator: %s; heap red zones: %d damaged objects\n",
                       buddy == 0 ? "consistent" : "INCONSISTENT", heap);
        return buddy == 0 && heap == 0 ? 0 : -EIO;
    }
    if (argc > 1) {
        monitor_printf("usage: mem [map|check]\n");
        return -EINVAL;
    }
    struct mm_stats st;
    mm_get_stats(&st);
    struct kheap *h = mm_heap();
    monitor_printf("physical memory (4 KiB frames):\n");
    print_mib("managed", st.frames_total);
    print_mib("free", st.frames_free);
    print_mib("in use", st.frames_total - st.frames_free);
    monitor_printf("  free blocks      ");
    struct buddy *b = mm_buddy();
    for (unsigned k = 0; k <= BUDDY_MAX_ORDER; k++)
        monitor_printf("%llu%s", (unsigned long long)b->free_blocks[k], k < BUDDY_MAX_ORDER ? " " : "");
    monitor_printf("  (orders 0-%u)\n", BUDDY_MAX_ORDER);
    monitor_printf("kernel heap%s:\n", h->debug ? " (debug: red zones on)" : "");
    monitor_printf("  %-16s %llu objects, %llu KiB\n", "in use",
                   (unsigned long long)st.heap_allocations,
                   (unsigned long long)(st.heap_bytes_in_use / 1024));
    monitor_printf("  %-16s %llu pages\n", "large blocks", (unsigned long long)h->large_pages);
    monitor_printf("  %-16s %llu\n", "errors caught", (unsigned long long)h->errors);
    monitor_printf("  slab caches:\n");
    for (unsigned i = 0; i < KHEAP_CLASSES; i++) {
        struct kheap_cache *c = &h->classes[i];
        if (c->slabs)
            monitor_printf("    %-14s %6llu live %4llu slabs of %u pages\n", c->name,
                           (unsigned long long)c->live, (unsigned long long)c->slabs,
                           1u << c->slab_order);
    }
    monitor_printf("address space: %llu pages backed on demand\n",
                   (unsigned long long)kernel_space.resident_pages);
    return 0;
}

struct thread_row_ctx {
    uint64_t now;
};

static void print_thread(struct thread *t, void *p)
{
    struct thread_row_ctx *ctx = p;
    uint64_t run = t->run_ns + (t->state == THREAD_RUNNING ? ctx->now - t->switched_in_ns : 0);
    char cpu[8];
    if (t->state == THREAD_RUNNING || t->state == THREAD_READY)
        snprintf(cpu, sizeof cpu, "%u", t->cpu ? t->cpu->id : 0);
    else
        snprintf(cpu, sizeof cpu, "-");
    monitor_printf("%5d %-16s %-8s %4d %4s %10llu.%03llu %9llu%s\n", t->tid, t->name,
                   thread_state_name(t->state), t->priority, cpu,
                   (unsigned long long)(run / NS_PER_MS), (unsigned long long)(run / NS_PER_US % 1000),
                   (unsigned long long)t->switches, t->pinned_cpu >= 0 ? " pinned" : "");
}

static int cmd_threads(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    struct thread_row_ctx ctx = { time_ns() };
    monitor_printf("  TID NAME             STATE    PRIO  CPU    RUN (ms)  SWITCHES\n");
    sched_for_each_thread(print_thread, &ctx);
    monitor_printf("%u threads\n", sched_thread_count());
    return 0;
}

static int cmd_cpus(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    uint64_t now = time_ns();
    monitor_printf("CPU APIC STATE    CURRENT          READY  SWITCHES  TIMER-IRQS    IRQS  IDLE%%\n");
    for (unsigned i = 0; i < cpu_count; i++) {
        struct cpu *c = cpus[i];
        if (!c)
            continue;
        uint64_t idle = c->idle_ns;
        if (c->current == c->idle && c->idle_since_ns)
            idle += now - c->idle_since_ns;
        monitor_printf("%3u %4u %-8s %-16s %5u %9llu %11llu %7llu %5llu\n", c->id, c->apic_id,
                       c->online ? "online" : "offline", c->current ? c->current->name : "-",
                       c->rq.nr_ready, (unsigned long long)c->context_switches,
                       (unsigned long long)c->timer_irqs, (unsigned long long)c->irqs,
                       (unsigned long long)(now ? idle * 100 / now : 0));
    }
    monitor_printf("TSC %llu kHz%s; FPU state %#llx saved with %zu-byte areas\n",
                   (unsigned long long)(time_tsc_hz() / 1000),
                   time_tsc_invariant() ? " (invariant)" : "", (unsigned long long)fpu_xcr0(),
                   fpu_area_size());
    return 0;
}

/* "2026-11-25 04:05:06" from seconds since 1970 (civil-from-days, inverse of
 * rtc_days_from_civil). */
static void format_date(int64_t secs, char *buf, size_t size)
{
    int64_t days = secs / 86400, rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    int64_t year = 1970 + days / 365;
    while (rtc_days_from_civil(year, 1, 1) > days)
        year--;
    while (rtc_days_from_civil(year + 1, 1, 1) <= days)
        year++;
    unsigned month = 1;
    while (month < 12 && rtc_days_from_civil(year, month + 1, 1) <= days)
        month++;
    int64_t day = days - rtc_days_from_civil(year, month, 1) + 1;
    snprintf(buf, size, "%04lld-%02u-%02lld %02lld:%02lld:%02lld", (long long)year, month,
             (long long)day, (long long)(rem / 3600), (long long)(rem / 60 % 60),
             (long long)(rem % 60));
}

static int cmd_uptime(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    uint64_t ns = time_ns();
    uint64_t s = ns / NS_PER_S;
    char date[32];
    format_date(time_unix_ns() / (int64_t)NS_PER_S, date, sizeof date);
    monitor_printf("up %llu:%02llu:%02llu.%03llu, %u CPUs, %u threads; %s UTC\n",
                   (unsigned long long)(s / 3600), (unsigned long long)(s / 60 % 60),
                   (unsigned long long)(s % 60), (unsigned long long)(ns / NS_PER_MS % 1000),
                   cpus_online(), sched_thread_count(), date);
    return 0;
}

static int cmd_log(int argc, char **argv)
{
    uint64_t want = argc > 1 ? strtoull(argv[1], NULL, 10) : 0;
    size_t size = 64 * 1024 + 1;
    char *buf = kmalloc(size);
    if (!buf)
        return -ENOMEM;
    size_t n = log_snapshot(buf, size);
    const char *start = buf;
    if (want) {
        /* Back up over `want` newline-terminated lines from the end. */
        const char *p = buf + n;
        uint64_t lines = 0;
        while (p > buf) {
            if (p[-1] == '\n' && p != buf + n && ++lines == want)
                break;
            p--;
        }
        start = p;
    }
    monitor_write(start, (unsigned long)(buf + n - start));
    kfree(buf);
    return 0;
}

static int cmd_echo(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        monitor_printf("%s%s", argv[i], i + 1 < argc ? " " : "");
    monitor_printf("\n");
    return 0;
}

static int cmd_reboot(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    monitor_printf("rebooting\n");
    acpi_reboot();
}

static int cmd_poweroff(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    monitor_printf("powering off\n");
    acpi_poweroff();
    return -EIO;
}

static const struct monitor_cmd builtins[] = {
    { "help", "", "this list", cmd_help },
    { "mem", "[map|check]", "memory use; the boot memory map; check allocator invariants", cmd_mem },
    { "threads", "", "every thread: state, priority, CPU, run time", cmd_threads },
    { "cpus", "", "every CPU: current thread, run queue, switches, idle time", cmd_cpus },
    { "uptime", "", "time since boot and the wall clock", cmd_uptime },
    { "log", "[LINES]", "the kernel log (or its last LINES lines)", cmd_log },
    { "echo", "WORDS...", "print the words", cmd_echo },
    { "reboot", "", "restart the machine", cmd_reboot },
    { "poweroff", "", "turn the machine off (ACPI S5)", cmd_poweroff },
};

void monitor_register_builtins(void)
{
    for (unsigned i = 0; i < ARRAY_SIZE(builtins); i++)
        monitor_register(&builtins[i]);
}
