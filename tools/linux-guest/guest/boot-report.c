/*
 * boot-report — run first thing once the guest has a shell: how long since
 * the virtual machine started (the TSC: under QEMU's TCG it counts host TSC
 * ticks from the VM's start, the same clock KPIO's boot test reads) and since
 * Linux started keeping time (/proc/uptime).
 */
#include <stdio.h>
#include <unistd.h>
#include <x86intrin.h>
#include "bench.h"

int main(void)
{
    uint64_t tsc_now = __rdtsc();
    printf("linux-guest: shell ready\n");     /* the wall-clock marker */
    fflush(stdout);
    double uptime = 0;
    FILE *f = fopen("/proc/uptime", "r");
    if (!f || fscanf(f, "%lf", &uptime) != 1) {
        perror("boot-report: /proc/uptime");
        return 1;
    }
    fclose(f);

    /* TSC rate against CLOCK_MONOTONIC: the median of five 20 ms windows. */
    double mhz[5];
    for (int i = 0; i < 5; i++) {
        uint64_t t0 = now_ns(), c0 = __rdtsc();
        usleep(20000);
        uint64_t t1 = now_ns(), c1 = __rdtsc();
        mhz[i] = (double)(c1 - c0) * 1000.0 / (double)(t1 - t0);
    }
    double rate = median(mhz, 5);
    report("linux_tsc_mhz", rate, "MHz");
    report("linux_vm_start_to_shell", (double)tsc_now / (rate * 1000.0), "ms");
    report("linux_kernel_to_shell", uptime * 1000.0, "ms");
    return 0;
}
