/*
 * tests/unit/kcore/test_rtc_date.c — RTC calendar arithmetic against the C
 * library's timegm() over every day from 1900 to 2400 and known dates.
 */
#include <time.h>

#include "unit.h"
#include "dev/clocks.h"

static void test_known_dates(void **state)
{
    (void)state;
    assert_int_equal(rtc_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(rtc_days_from_civil(1970, 1, 2), 1);
    assert_int_equal(rtc_days_from_civil(1969, 12, 31), -1);
    assert_int_equal(rtc_days_from_civil(2000, 3, 1), 11017);      /* after a 400-year leap day */
    assert_int_equal(rtc_days_from_civil(2038, 1, 19), 24855);
    assert_int_equal(rtc_days_from_civil(2100, 3, 1) - rtc_days_from_civil(2100, 2, 28), 1);  /* no Feb 29 */
    assert_int_equal(rtc_days_from_civil(2024, 3, 1) - rtc_days_from_civil(2024, 2, 28), 2);  /* Feb 29 */
}

static void test_every_day_matches_timegm(void **state)
{
    (void)state;
    static const unsigned mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int64_t expected_next = rtc_days_from_civil(1900, 1, 1);
    for (int year = 1900; year < 2400; year++) {
        bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        for (unsigned m = 1; m <= 12; m++) {
            unsigned n = mdays[m - 1] + (m == 2 && leap);
            for (unsigned d = 1; d <= n; d++) {
                int64_t days = rtc_days_from_civil(year, m, d);
                assert_int_equal(days, expected_next);      /* consecutive */
                expected_next = days + 1;
                if (d == 1 || d == n) {
                    struct tm tm = { .tm_year = year - 1900, .tm_mon = (int)m - 1, .tm_mday = (int)d };
                    assert_int_equal(days * 86400, (int64_t)timegm(&tm));
                }
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_dates),
        cmocka_unit_test(test_every_day_matches_timegm),
    };
    UNIT_RUN(tests, NULL, NULL);
}
