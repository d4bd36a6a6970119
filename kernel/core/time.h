/*
 * kernel/core/time.h — clocks.
 * time_ns(): monotonic nanoseconds since boot (invariant TSC, calibrated).
 * time_unix_ns(): wall clock, nanoseconds since 1970-01-01 UTC (RTC at boot + monotonic).
 */
#ifndef KPIO_TIME_H
#define KPIO_TIME_H

#include <stdint.h>

#define NS_PER_US 1000ULL
#define NS_PER_MS 1000000ULL
#define NS_PER_S  1000000000ULL

uint64_t time_ns(void);
int64_t time_unix_ns(void);

#endif
