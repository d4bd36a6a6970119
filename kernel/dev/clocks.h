/*
 * kernel/dev/clocks.h — the hardware clocks behind kernel/core/time.c: the
 * HPET (IA-PC HPET 1.0a), the 8254 PIT (channel 2, for calibration only) and
 * the CMOS real-time clock (MC146818A registers as the PC wires them).
 */
#ifndef KPIO_CLOCKS_H
#define KPIO_CLOCKS_H

#include <stdbool.h>
#include <stdint.h>

/* Map and start the HPET main counter; false if there is none. */
bool hpet_init(uint64_t phys);
bool hpet_present(void);
uint64_t hpet_counter(void);        /* free-running main counter */
uint64_t hpet_frequency(void);      /* counter ticks per second */

/* PIT channel 2 as a 16-bit down-counter at PIT_HZ, for calibration only:
 * pit_start() loads 0xffff (it wraps every 55 ms), pit_count() latches and
 * reads the current count. */
#define PIT_HZ 1193182ULL
void pit_start(void);
uint16_t pit_count(void);

/* Read the CMOS clock as seconds since 1970-01-01 UTC; -1 if it reads as
 * nonsense. century_reg is the FADT's century register (0 if none). */
int64_t rtc_read_unix(uint8_t century_reg);
/* Days since 1970-01-01 for a proleptic Gregorian date (exposed for tests). */
int64_t rtc_days_from_civil(int64_t year, unsigned month, unsigned day);

#endif
