/*
 * kernel/core/boot_time.c — the `boot` test: passes once the kernel reaches
 * the point where it shows the prompt, and reports how long each boot stage
 * took, from TSC stamps taken by the loader and the kernel. The TSC rate is
 * measured against the PIT after the prompt stamp, so it costs no boot time.
 *
 * Under QEMU TCG the guest TSC counts host TSC ticks from the moment the VM
 * started, so loader_start_tsc itself is the firmware's share.
 */
#include "core/kernel.h"
#include "core/ktest.h"
#include "arch/x86_64/cpu.h"
#include "lib/lib.h"

#define PIT_HZ 1193182ULL
#define PIT_CHANNEL2 0x42
#define PIT_COMMAND 0x43
#define PORT_B 0x61                 /* bit 0: channel 2 gate, bit 5: its output */

/* Count TSC ticks while PIT channel 2 counts down ms milliseconds (mode 0,
 * 8254 datasheet); returns the TSC frequency in Hz, or 0 if the PIT never
 * signals (a bounded wait). */
static uint64_t tsc_hz_from_pit(unsigned ms)
{
    uint64_t count = PIT_HZ * ms / 1000;     /* at most 65535: ms <= 54 */
    outb(PORT_B, (inb(PORT_B) & ~0x02) | 0x01);  /* gate on, speaker off */
    outb(PIT_COMMAND, 0xb0);                     /* channel 2, lo/hi byte, mode 0 */
    outb(PIT_CHANNEL2, (uint8_t)count);
    outb(PIT_CHANNEL2, (uint8_t)(count >> 8));
    uint64_t start = rdtsc(), now = start;
    while (!(inb(PORT_B) & 0x20)) {
        now = rdtsc();
        if (now - start > 100000000000ULL)      /* far beyond any real rate */
            return 0;
    }
    now = rdtsc();
    return (now - start) * 1000 / ms;
}

/* The median of five 10 ms measurements: under TCG a vCPU thread that loses
 * the host CPU for a moment spoils one sample, not the result. */
static uint64_t tsc_hz(void)
{
    uint64_t samples[5];
    for (unsigned i = 0; i < ARRAY_SIZE(samples); i++) {
        uint64_t v = tsc_hz_from_pit(10);
        unsigned j = i;
        for (; j > 0 && samples[j - 1] > v; j--)
            samples[j] = samples[j - 1];
        samples[j] = v;
    }
    return samples[ARRAY_SIZE(samples) / 2];
}

static void report_ms(const char *metric, uint64_t ticks, uint64_t hz)
{
    uint64_t us = ticks * 1000 / (hz / 1000);
    kbench_report(metric, us, 1000, "ms");
}

KTEST(boot)
{
    const struct kpio_boot_info *bi = &boot_info;
    KT_ASSERT(kernel_prompt_tsc != 0);
    KT_ASSERT(bi->loader_start_tsc <= bi->kernel_loaded_tsc);
    KT_ASSERT(bi->kernel_loaded_tsc <= bi->exit_boot_tsc);
    KT_ASSERT(bi->exit_boot_tsc <= kernel_entry_tsc);
    KT_ASSERT(kernel_entry_tsc <= kernel_prompt_tsc);

    uint64_t hz = tsc_hz();
    KT_ASSERT(hz > 10000000);       /* a TSC slower than 10 MHz is a broken measurement */
    kbench_report("tsc_mhz", hz, 1000000, "MHz");
    report_ms("boot_firmware", bi->loader_start_tsc, hz);
    report_ms("boot_loader", bi->exit_boot_tsc - bi->loader_start_tsc, hz);
    report_ms("boot_loader_read_verify", bi->kernel_loaded_tsc - bi->loader_start_tsc, hz);
    report_ms("boot_kernel", kernel_prompt_tsc - kernel_entry_tsc, hz);
    report_ms("boot_loader_to_prompt", kernel_prompt_tsc - bi->loader_start_tsc, hz);
}
