/* Clocks: monotonic never goes back, realtime is a plausible date, the
 * resolutions are sane, CPU-time clocks advance under work. Prints no
 * values that differ between runs. */
#include <stdio.h>
#include <time.h>
#include "check.h"

static long long ns(clockid_t c)
{
    struct timespec t;
    if (clock_gettime(c, &t) < 0)
        return -1;
    return t.tv_sec * 1000000000ll + t.tv_nsec;
}

int main(void)
{
    long long prev = ns(CLOCK_MONOTONIC), backwards = 0;
    for (int i = 0; i < 10000; i++) {
        long long now = ns(CLOCK_MONOTONIC);
        backwards += now < prev;
        prev = now;
    }
    printf("monotonic went back %lld times\n", backwards);
    long long real = ns(CLOCK_REALTIME);
    printf("realtime after 2020: %s\n", real > 1577836800ll * 1000000000ll ? "yes" : "no");
    printf("time() agrees: %s\n", (long long)time(NULL) - real / 1000000000ll <= 1 ? "yes" : "no");
    struct timespec r;
    CHECK("getres monotonic", clock_getres(CLOCK_MONOTONIC, &r));
    printf("resolution <= 1ms: %s\n", r.tv_sec == 0 && r.tv_nsec > 0 && r.tv_nsec <= 1000000 ? "yes" : "no");
    CHECK("getres realtime", clock_getres(CLOCK_REALTIME, &r));
    long long c0 = ns(CLOCK_PROCESS_CPUTIME_ID);
    volatile double x = 0;
    for (int i = 0; i < 5000000; i++)
        x += i * 0.5;
    long long c1 = ns(CLOCK_PROCESS_CPUTIME_ID);
    (void)x;
    printf("process cputime advanced: %s\n", c1 > c0 ? "yes" : "no");
    return 0;
}
