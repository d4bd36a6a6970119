/*
 * kernel/core/log.c — the kernel log: a 64 KiB ring of text lines, each
 * "[seconds.micros] message", that the monitor's `log` prints; messages up to
 * the console level are also written to the consoles.
 */
#include "core/log.h"
#include "core/console.h"
#include "core/time.h"
#include "arch/x86_64/rawlock.h"
#include "lib/lib.h"

/* The clock belongs to kernel/core/time.c; until it is linked in, or before
 * it is calibrated, timestamps read zero. */
#pragma weak time_ns

#define LOG_RING_SIZE (64 * 1024)

static char ring[LOG_RING_SIZE];
static uint64_t ring_head;          /* bytes ever written; ring[head % size] is next */
static rawlock_t ring_lock = RAWLOCK_INIT;
static int console_level = KLOG_INFO;

void log_set_console_level(int level)
{
    console_level = level;
}

static void ring_append(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ring[(ring_head + i) % LOG_RING_SIZE] = s[i];
    ring_head += n;
}

void klog(int level, const char *fmt, ...)
{
    static const char *const prefix[] = { "error: ", "warning: ", "", "" };
    char line[512];
    uint64_t now = time_ns ? time_ns() : 0;
    int n = snprintf(line, sizeof(line), "[%5llu.%06llu] %s", (unsigned long long)(now / NS_PER_S),
                     (unsigned long long)(now % NS_PER_S / NS_PER_US),
                     prefix[level < 0 ? 0 : level > 3 ? 3 : level]);
    va_list ap;
    va_start(ap, fmt);
    n += vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    va_end(ap);
    if ((size_t)n > sizeof(line) - 2)
        n = sizeof(line) - 2;           /* cut long messages, keep the newline */
    if (line[n - 1] != '\n')
        line[n++] = '\n';
    line[n] = 0;

    uint64_t f = rawlock_acquire(&ring_lock);
    ring_append(line, (size_t)n);
    rawlock_release(&ring_lock, f);
    if (level <= console_level)
        console_write(line, (size_t)n);
}

size_t log_snapshot(char *buf, size_t size)
{
    if (size == 0)
        return 0;
    uint64_t f = rawlock_acquire(&ring_lock);
    uint64_t avail = MIN(ring_head, (uint64_t)LOG_RING_SIZE);
    uint64_t n = MIN(avail, (uint64_t)size - 1);
    uint64_t start = ring_head - n;
    for (uint64_t i = 0; i < n; i++)
        buf[i] = ring[(start + i) % LOG_RING_SIZE];
    /* Did we start inside a line? When n fills the whole ring, the byte before
     * start was overwritten: assume so. */
    bool partial = start > 0 &&
                   (n == LOG_RING_SIZE || ring[(start - 1) % LOG_RING_SIZE] != '\n');
    rawlock_release(&ring_lock, f);

    size_t skip = 0;
    if (partial) {
        while (skip < n && buf[skip] != '\n')
            skip++;
        if (skip < n)
            skip++;
        memmove(buf, buf + skip, n - skip);
    }
    buf[n - skip] = 0;
    return n - skip;
}
