/*
 * kernel/core/time_boot.h — clock set-up and TSC details for the kernel's own
 * start-up code, the scheduler and benchmarks (everyone else uses time.h).
 */
#ifndef KPIO_TIME_BOOT_H
#define KPIO_TIME_BOOT_H

#include <stdbool.h>
#include <stdint.h>

/* Calibrate the TSC (HPET, else PIT) and read the RTC. Time 0 is the
 * loader's first TSC reading (boot_info.loader_start_tsc) when it is sane,
 * else now. Needs ACPI parsed and mmio_map working. */
void time_init(void);
uint64_t time_tsc_hz(void);
uint64_t time_tsc_base(void);
bool time_tsc_invariant(void);
/* time_ns() value of a TSC reading. */
uint64_t time_tsc_to_ns(uint64_t tsc);

#endif
