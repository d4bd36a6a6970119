/*
 * kernel/fs/fat/fat_time.c — FAT dates and times (FATSPEC §6.1):
 *   date: bits 15-9 years since 1980, 8-5 month, 4-0 day;
 *   time: bits 15-11 hours, 10-5 minutes, 4-0 seconds / 2;
 *   tenth: creation time's extra 0..199 units of 10 ms.
 * KPIO keeps the clock in UTC and stores FAT times as UTC. Times outside
 * 1980-01-01 .. 2107-12-31 are clamped.
 */
#include "fs/fat/fat_internal.h"

#define SECONDS_PER_DAY 86400

/* Days since 1970-01-01 -> civil date (proleptic Gregorian). */
static void civil_from_days(int64_t z, int *year, int *month, int *day)
{
    z += 719468;                                    /* shift the epoch to 0000-03-01 */
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;                 /* day of the 400-year era */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;               /* month counted from March */
    *day = (int)(doy - (153 * mp + 2) / 5 + 1);
    *month = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = (int)(yoe + era * 400 + (*month <= 2));
}

/* Civil date -> days since 1970-01-01. */
static int64_t days_from_civil(int year, int month, int day)
{
    year -= month <= 2;
    int64_t era = (year >= 0 ? year : year - 399) / 400;
    int64_t yoe = year - era * 400;
    int64_t mp = month > 2 ? month - 3 : month + 9;
    int64_t doy = (153 * mp + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void fat_time_from_unix(int64_t unix_ns, uint16_t *date, uint16_t *time, uint8_t *tenth)
{
    const int64_t min_s = days_from_civil(1980, 1, 1) * SECONDS_PER_DAY;
    const int64_t max_s = days_from_civil(2107, 12, 31) * SECONDS_PER_DAY + SECONDS_PER_DAY - 1;
    int64_t s = unix_ns / 1000000000;
    int64_t ms = (unix_ns % 1000000000) / 1000000;
    if (unix_ns < 0 || s < min_s) {
        s = min_s;
        ms = 0;
    } else if (s > max_s) {
        s = max_s;
        ms = 990;
    }
    int64_t days = s / SECONDS_PER_DAY, secs = s % SECONDS_PER_DAY;
    int y, m, d;
    civil_from_days(days, &y, &m, &d);
    *date = (uint16_t)((y - 1980) << 9 | m << 5 | d);
    int hh = (int)(secs / 3600), mm = (int)(secs / 60 % 60), ss = (int)(secs % 60);
    *time = (uint16_t)(hh << 11 | mm << 5 | ss / 2);
    if (tenth)
        *tenth = (uint8_t)((ss % 2) * 100 + ms / 10);
}

int64_t fat_time_to_unix(uint16_t date, uint16_t time, uint8_t tenth)
{
    int y = 1980 + (date >> 9), m = (date >> 5) & 15, d = date & 31;
    if (m < 1 || m > 12)
        m = 1;
    if (d < 1)
        d = 1;
    int hh = time >> 11, mm = (time >> 5) & 63, ss = (time & 31) * 2;
    if (hh > 23 || mm > 59 || ss > 59)
        hh = mm = ss = 0;
    if (tenth > 199)
        tenth = 0;
    int64_t s = days_from_civil(y, m, d) * SECONDS_PER_DAY + hh * 3600 + mm * 60 + ss;
    return s * 1000000000 + (int64_t)tenth * 10000000;
}
