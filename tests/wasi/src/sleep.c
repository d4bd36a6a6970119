/* Sleeping (poll_oneoff with relative clock subscriptions under
 * wasi-libc): each sleep lasts at least as long as asked, and not absurdly
 * longer. */
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000ll + t.tv_nsec / 1000000;
}

int main(void)
{
    long long t0 = now_ms();
    struct timespec req = { 0, 100 * 1000000 };
    CHECK("nanosleep 100ms", nanosleep(&req, NULL));
    long long t1 = now_ms();
    printf("nanosleep >= 100ms: %s\n", t1 - t0 >= 100 ? "yes" : "no");
    CHECK("usleep 50ms", usleep(50000));
    long long t2 = now_ms();
    printf("usleep >= 50ms: %s\n", t2 - t1 >= 50 ? "yes" : "no");
    CHECK("sleep 1", sleep(1));
    long long t3 = now_ms();
    printf("sleep >= 1s: %s, < 5s: %s\n", t3 - t2 >= 1000 ? "yes" : "no", t3 - t2 < 5000 ? "yes" : "no");
    return 0;
}
