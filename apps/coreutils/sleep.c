/*
 * sleep — pause for a time.
 *
 *   sleep NUMBER[smhd]...
 *
 * NUMBER may have a fraction ("0.25"); several arguments add up, as in GNU
 * sleep. Suffixes: s seconds (default), m minutes, h hours, d days.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "app.h"

int main(int argc, char **argv)
{
    app_init("sleep");
    if (argc < 2)
        app_usage(1, "NUMBER[smhd]...");
    double total = 0;
    for (int i = 1; i < argc; i++) {
        char *end;
        double v = strtod(argv[i], &end);
        double unit = 1;
        if (*end == 'm')
            unit = 60;
        else if (*end == 'h')
            unit = 3600;
        else if (*end == 'd')
            unit = 86400;
        if (*end && *end != 's' && unit == 1)
            app_die(1, "invalid time interval '%s'", argv[i]);
        if (end == argv[i] || (*end && end[1]) || !(v >= 0))
            app_die(1, "invalid time interval '%s'", argv[i]);
        total += v * unit;
    }
    if (total > 1e12)
        total = 1e12;
    struct timespec ts;
    ts.tv_sec = (time_t)total;
    ts.tv_nsec = (long)((total - (double)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
    return 0;
}
