/*
 * touch — change file timestamps, creating files that do not exist.
 *
 *   touch [-acm] [-d @SECONDS | -t [[CC]YY]MMDDhhmm[.ss] | -r REF] FILE...
 *
 * Sets the access and modification times to now (or to the given time;
 * times are UTC). -a / -m change only one of them, -c creates nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app.h"

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 1970-01-01 to year-month-day (Gregorian calendar, UTC). */
static int64_t days_since_epoch(int64_t year, int month, int day)
{
    static const int before_month[12] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334 };
    int64_t days = 0;
    for (int64_t y = 1970; y < year; y++)
        days += is_leap(y) ? 366 : 365;
    for (int64_t y = year; y < 1970; y++)
        days -= is_leap(y) ? 366 : 365;
    days += before_month[month - 1] + (month > 2 && is_leap(year)) + day - 1;
    return days;
}

static int two_digits(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

/* POSIX -t: [[CC]YY]MMDDhhmm[.ss]. Returns false if malformed. */
static bool parse_posix_time(const char *s, time_t *out)
{
    const char *dot = strchr(s, '.');
    size_t n = dot ? (size_t)(dot - s) : strlen(s);
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    if (n != 8 && n != 10 && n != 12)
        return false;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct tm tm;
    time_t t = now.tv_sec;
    gmtime_r(&t, &tm);
    int64_t year = tm.tm_year + 1900;
    if (n == 12) {
        year = two_digits(s) * 100 + two_digits(s + 2);
        s += 4;
    } else if (n == 10) {
        int yy = two_digits(s);
        year = yy < 69 ? 2000 + yy : 1900 + yy;
        s += 2;
    }
    int mon = two_digits(s), day = two_digits(s + 2), hour = two_digits(s + 4),
        min = two_digits(s + 6), sec = 0;
    if (dot) {
        if (strlen(dot) != 3 || dot[1] < '0' || dot[1] > '9' || dot[2] < '0' || dot[2] > '9')
            return false;
        sec = two_digits(dot + 1);
    }
    if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60)
        return false;
    *out = (time_t)(days_since_epoch(year, mon, day) * 86400 + hour * 3600 +
                    min * 60 + sec);
    return true;
}

int main(int argc, char **argv)
{
    app_init("touch");
    bool only_atime = false, only_mtime = false, no_create = false, have_time = false;
    struct timespec when = { 0, 0 };
    struct stat ref;
    int c;
    while ((c = getopt(argc, argv, "acmd:t:r:f")) != -1) {
        switch (c) {
        case 'a': only_atime = true; break;
        case 'm': only_mtime = true; break;
        case 'c': no_create = true; break;
        case 'f': break;
        case 'd': {
            int64_t s;
            if (optarg[0] != '@' || !app_parse_i64(optarg + 1, &s))
                app_die(1, "invalid date format '%s' (only @SECONDS is understood)", optarg);
            when.tv_sec = (time_t)s;
            have_time = true;
            break;
        }
        case 't':
            if (!parse_posix_time(optarg, &when.tv_sec))
                app_die(1, "invalid date format '%s'", optarg);
            have_time = true;
            break;
        case 'r':
            if (stat(optarg, &ref) != 0)
                app_die(1, "failed to get attributes of '%s': %s", optarg, strerror(errno));
            have_time = true;
            when = ref.st_mtim;
            break;
        default: app_usage(1, "[-acm] [-d @SECONDS | -t STAMP | -r REF] FILE...");
        }
    }
    if (optind >= argc)
        app_usage(1, "[-acm] [-d @SECONDS | -t STAMP | -r REF] FILE...");
    if (!only_atime && !only_mtime)
        only_atime = only_mtime = true;
    if (!have_time)   /* the clock's time, not UTIME_NOW: not every WASI host takes that */
        clock_gettime(CLOCK_REALTIME, &when);

    int status = 0;
    for (int i = optind; i < argc; i++) {
        const char *path = argv[i];
        if (!no_create) {
            int fd = open(path, O_WRONLY | O_CREAT, 0644);
            if (fd < 0 && errno != EISDIR) {
                app_warn("cannot touch '%s': %s", path, strerror(errno));
                status = 1;
                continue;
            }
            if (fd >= 0)
                close(fd);
        }
        /* Changing one time: keep the other as it is (explicitly, rather
         * than UTIME_OMIT, which not every WASI host takes). */
        struct timespec times[2] = { when, when };
        struct stat st;
        if ((!only_atime || !only_mtime) && stat(path, &st) == 0) {
            if (!only_atime)
                times[0] = st.st_atim;
            if (!only_mtime)
                times[1] = st.st_mtim;
        }
        if (utimensat(AT_FDCWD, path, times, 0) != 0) {
            if (no_create && errno == ENOENT)
                continue;
            app_warn("setting times of '%s': %s", path, strerror(errno));
            status = 1;
        }
    }
    return app_finish(status);
}
