/*
 * kernel/core/boot_time.c — the `boot` test: passes once the kernel reaches
 * the point where it shows the prompt, and reports how long each boot stage
 * took, from TSC stamps taken by the loader and the kernel. The TSC rate is
 * found after the prompt stamp, so it costs no boot time.
 *
 * Under QEMU TCG the guest TSC counts host TSC ticks from the moment the VM
 * started, so loader_start_tsc itself is the firmware's share.
 *
 * The TSC rate comes from the kernel clock (time_tsc_hz(), calibrated against
 * the HPET) when it is linked in, else from a PIT measurement here.
 */
#include "core/console.h"
#include "core/kernel.h"
#include "core/ktest.h"
#include "arch/x86_64/cpu.h"
#include "lib/lib.h"

#define PIT_HZ 1193182ULL
#define PIT_CHANNEL2 0x42
#define PIT_COMMAND 0x43
#define PORT_B 0x61                 /* bit 0: channel 2 gate */

/* One reading of PIT channel 2's counter, bracketed by two TSC reads; *tsc
 * is their midpoint and the return value the bracket's width (a reading is
 * only as good as its bracket is narrow: under TCG a port access can wait for
 * QEMU's global lock). 8254 datasheet: counter latch command. */
static uint64_t pit_read(uint16_t *count, uint64_t *tsc)
{
    uint64_t before = rdtsc();
    outb(PIT_COMMAND, 0x80);                    /* latch channel 2 */
    uint8_t lo = inb(PIT_CHANNEL2);
    uint8_t hi = inb(PIT_CHANNEL2);
    uint64_t after = rdtsc();
    *count = (uint16_t)(hi << 8 | lo);
    *tsc = before + (after - before) / 2;
    return after - before;
}

/* The narrowest-bracketed of five readings. */
static void pit_sample(uint16_t *count, uint64_t *tsc)
{
    uint64_t best = ~0ULL;
    for (int i = 0; i < 5; i++) {
        uint16_t c;
        uint64_t t, width = pit_read(&c, &t);
        if (width < best) {
            best = width;
            *count = c;
            *tsc = t;
        }
    }
}

/* TSC ticks per PIT tick over about 20 ms, with channel 2 free-running in
 * mode 2 (count 65536, period 55 ms); returns Hz, or 0 if the PIT does not
 * count (a bounded wait). */
static uint64_t tsc_hz_from_pit(void)
{
    const uint32_t window = (uint32_t)(PIT_HZ / 50);      /* 20 ms of PIT ticks */
    outb(PORT_B, (inb(PORT_B) & ~0x02) | 0x01);         /* gate on, speaker off */
    outb(PIT_COMMAND, 0xb4);                            /* channel 2, lo/hi, mode 2 */
    outb(PIT_CHANNEL2, 0);
    outb(PIT_CHANNEL2, 0);
    uint16_t c0, c1;
    uint64_t t0, t1;
    pit_sample(&c0, &t0);
    for (uint64_t spins = 0;; spins++) {
        pit_sample(&c1, &t1);
        if ((uint16_t)(c0 - c1) >= window)
            break;
        if (spins > 10000000)
            return 0;
    }
    return (t1 - t0) * PIT_HZ / (uint16_t)(c0 - c1);
}

uint64_t time_tsc_hz(void);
#pragma weak time_tsc_hz

/* The clock's TSC rate, or the median of three PIT measurements. Measured once. */
uint64_t boot_tsc_hz(void)
{
    static uint64_t hz;
    if (hz)
        return hz;
    if (time_tsc_hz && (hz = time_tsc_hz()) != 0)
        return hz;
    uint64_t samples[3];
    for (unsigned i = 0; i < ARRAY_SIZE(samples); i++) {
        uint64_t v = tsc_hz_from_pit();
        unsigned j = i;
        for (; j > 0 && samples[j - 1] > v; j--)
            samples[j] = samples[j - 1];
        samples[j] = v;
    }
    hz = samples[ARRAY_SIZE(samples) / 2];
    return hz;
}

static void report_ms(const char *metric, uint64_t ticks, uint64_t hz)
{
    uint64_t us = ticks * 1000 / (hz / 1000);
    kbench_report(metric, us, 1000, "ms");
}

KTEST(boot)
{
    const struct kpio_boot_info *bi = &boot_info;
    console_printf("boot: reached the prompt\n");     /* the wall-clock marker */
    KT_ASSERT(kernel_prompt_tsc != 0);
    KT_ASSERT(bi->loader_start_tsc <= bi->kernel_loaded_tsc);
    KT_ASSERT(bi->kernel_loaded_tsc <= bi->exit_boot_tsc);
    KT_ASSERT(bi->exit_boot_tsc <= kernel_entry_tsc);
    KT_ASSERT(kernel_entry_tsc <= kernel_prompt_tsc);

    uint64_t hz = boot_tsc_hz();
    KT_ASSERT(hz > 10000000);       /* a TSC slower than 10 MHz is a broken measurement */
    kbench_report("tsc_mhz", hz, 1000000, "MHz");
    report_ms("boot_firmware", bi->loader_start_tsc, hz);
    report_ms("boot_loader", bi->exit_boot_tsc - bi->loader_start_tsc, hz);
    report_ms("boot_loader_read_verify", bi->kernel_loaded_tsc - bi->loader_start_tsc, hz);
    report_ms("boot_kernel", kernel_prompt_tsc - kernel_entry_tsc, hz);
    report_ms("boot_loader_to_prompt", kernel_prompt_tsc - bi->loader_start_tsc, hz);
}
