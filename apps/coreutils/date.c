/*
 * date — print the date and time.
 *
 *   date [-u] [-d @SECONDS] [+FORMAT]
 *
 * KPIO keeps time in UTC (WASI has no time zones), so the output is UTC
 * with or without -u. FORMAT is strftime's; the default is
 * "%a %b %e %H:%M:%S UTC %Y" as GNU date prints in UTC. -d @N shows the
 * time N seconds after 1970 instead of now.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app.h"

int main(int argc, char **argv)
{
    app_init("date");
    const char *when = NULL;
    int c;
    while ((c = getopt(argc, argv, "ud:")) != -1) {
        switch (c) {
        case 'u': break;   /* always UTC */
        case 'd': when = optarg; break;
        default: app_usage(1, "[-u] [-d @SECONDS] [+FORMAT]");
        }
    }
    const char *format = "%a %b %e %H:%M:%S UTC %Y";
    if (optind < argc) {
        if (argv[optind][0] != '+' || optind + 1 < argc)
            app_die(1, "setting the date is not supported; use +FORMAT to format it");
        format = argv[optind] + 1;
    }

    time_t t;
    if (when) {
        int64_t seconds;
        if (when[0] != '@' || !app_parse_i64(when + 1, &seconds))
            app_die(1, "invalid date '%s' (only @SECONDS is understood)", when);
        t = (time_t)seconds;
    } else {
        struct timespec now;
        if (clock_gettime(CLOCK_REALTIME, &now) != 0)
            app_die(1, "cannot read the clock");
        t = now.tv_sec;
    }
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        app_die(1, "time out of range");
    /* strftime's output can be empty (e.g. "+"); size grows for long formats */
    size_t cap = 256 + strlen(format) * 8;
    char *out = app_xmalloc(cap);
    size_t n = strftime(out, cap, format, &tm);
    if (n == 0 && format[0] != 0)
        out[0] = 0;
    puts(out);
    free(out);
    return app_finish(0);
}
