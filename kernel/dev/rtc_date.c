/*
 * kernel/dev/rtc_date.c — calendar arithmetic for the RTC (portable).
 */
#include <stdint.h>
#include "dev/clocks.h"

/* Count days in 400-year eras (146097 days each) of years that start on
 * March 1st, so the leap day is the last day of its year. */
int64_t rtc_days_from_civil(int64_t year, unsigned month, unsigned day)
{
    year -= month <= 2;
    int64_t era = (year >= 0 ? year : year - 399) / 400;
    int64_t yoe = year - era * 400;                         /* 0..399 */
    int64_t mp = month > 2 ? (int64_t)month - 3 : (int64_t)month + 9;   /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + (int64_t)day - 1;    /* 0..365 */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

