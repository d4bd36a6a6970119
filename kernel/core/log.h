/*
 * kernel/core/log.h — kernel log and panic.
 * klog() writes to the log ring buffer (read by the monitor's `log`) and to
 * the console. panic() is for broken kernel invariants only, never for bad
 * input from a device, a disk, the network or an app.
 */
#ifndef KPIO_LOG_H
#define KPIO_LOG_H

enum klog_level { KLOG_ERR = 0, KLOG_WARN = 1, KLOG_INFO = 2, KLOG_DEBUG = 3 };

void klog(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Copy the newest part of the log ring (whole lines, oldest first) into buf,
 * NUL-terminated; returns the number of characters copied. */
#include <stddef.h>
size_t log_snapshot(char *buf, size_t size);
/* Messages at or below this level also go to the console (default KLOG_INFO;
 * kernel command line loglevel=N). All levels go to the ring. */
void log_set_console_level(int level);

#define log_err(...)   klog(KLOG_ERR, __VA_ARGS__)
#define log_warn(...)  klog(KLOG_WARN, __VA_ARGS__)
#define log_info(...)  klog(KLOG_INFO, __VA_ARGS__)
#define log_debug(...) klog(KLOG_DEBUG, __VA_ARGS__)

#endif
