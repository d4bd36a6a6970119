/* An absolute-deadline sleep on the monotonic clock (poll_oneoff with
 * subscription_clock.flags = abstime) returns once the deadline has passed. */
#include <stdio.h>
#include <time.h>
#include "check.h"

int main(void)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_nsec += 80 * 1000000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }
    CHECK("clock_nanosleep abstime", clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, NULL));
    struct timespec after;
    clock_gettime(CLOCK_MONOTONIC, &after);
    printf("reached deadline: %s\n",
           after.tv_sec > deadline.tv_sec ||
           (after.tv_sec == deadline.tv_sec && after.tv_nsec >= deadline.tv_nsec) ? "yes" : "no");
    return 0;
}
