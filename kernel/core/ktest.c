/*
 * kernel/core/ktest.c — the in-kernel test and benchmark runner (ktest.h).
 */
#include "core/ktest.h"
#include "core/cmdline.h"
#include "core/console.h"
#include "core/log.h"
#include "core/panic.h"
#include "core/time.h"
#include "fs/storage.h"
#include "fs/vfs.h"
#include "lib/lib.h"

#pragma weak time_ns

extern const struct ktest __ktest_start[], __ktest_end[];
extern const struct ktest __kbench_start[], __kbench_end[];

static volatile bool current_failed;
static char failure[256];

void ktest_fail(const char *file, int line, const char *fmt, ...)
{
    bool already = __atomic_exchange_n(&current_failed, true, __ATOMIC_SEQ_CST);
    if (already)
        return;
    const char *base = strrchr(file, '/');
    int n = snprintf(failure, sizeof(failure), "%s:%d: ", base ? base + 1 : file, line);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(failure + n, sizeof(failure) - (size_t)n, fmt, ap);
    va_end(ap);
}

bool ktest_failed(void)
{
    return current_failed;
}

void kbench_report(const char *metric, uint64_t total, uint64_t count, const char *unit)
{
    if (count == 0)
        count = 1;
    uint64_t milli = total * 1000 / count;   /* callers keep total below 2^54 */
    console_printf("bench: %s = %llu.%03llu %s\n", metric, (unsigned long long)(milli / 1000),
                   (unsigned long long)(milli % 1000), unit);
}

/* Run every entry of [start, end) matching the list; count results. */
static void run_list(const char *kind, const struct ktest *start, const struct ktest *end,
                     const char *list, unsigned *passed, unsigned *failed)
{
    unsigned matched = 0;
    for (const struct ktest *t = start; t < end; t++) {
        if (!cmdline_list_match(list, t->name))
            continue;
        matched++;
        current_failed = false;
        failure[0] = 0;
        log_debug("%s: starting %s", kind, t->name);
        uint64_t t0 = time_ns ? time_ns() : 0;
        t->fn();
        uint64_t ms = time_ns ? (time_ns() - t0) / NS_PER_MS : 0;
        if (current_failed) {
            console_printf("%s: %s FAILED (%llu ms): %s\n", kind, t->name,
                           (unsigned long long)ms, failure);
            (*failed)++;
        } else {
            console_printf("%s: %s ok (%llu ms)\n", kind, t->name, (unsigned long long)ms);
            (*passed)++;
        }
    }
    if (matched == 0) {
        console_printf("%s: nothing matches '%s'\n", kind, list);
        (*failed)++;
    }
}

/* Let the work the kernel starts in the background at boot finish before the
 * first test: the disks probed, /boot and /data mounted, and the data
 * volume's allocation table scanned (a statfs waits for that scan). Tests
 * that compare the heap's counters before and after a workload would
 * otherwise count what those threads allocate and free meanwhile. */
static void settle_boot_work(void)
{
    storage_wait_ready();
    struct vfs_statfs st;
    (void)vfs_statfs(NULL, "/data", 0, &st);
}

void ktest_main(void)
{
    const char *tests = cmdline_get("test"), *benches = cmdline_get("bench");
    unsigned passed = 0, failed = 0;
    if (!tests && !benches)
        return;
    /* test=boot alone measures the boot itself: nothing to wait for. */
    if (!tests || strcmp(tests, "boot") != 0)
        settle_boot_work();
    if (tests) {
        run_list("ktest", __ktest_start, __ktest_end, tests, &passed, &failed);
        console_printf("ktest: %u passed, %u failed\n", passed, failed);
    }
    if (benches) {
        unsigned bench_passed = 0, bench_failed = 0;
        run_list("kbench", __kbench_start, __kbench_end, benches, &bench_passed, &bench_failed);
        console_printf("kbench: %u passed, %u failed\n", bench_passed, bench_failed);
        passed += bench_passed;
        failed += bench_failed;
    }
    qemu_exit(failed ? KPIO_EXIT_FAIL : KPIO_EXIT_PASS);
}
