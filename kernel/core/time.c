/*
 * kernel/core/time.c — the kernel's clocks (time.h). time_ns() scales the TSC,
 * calibrated at boot against the HPET (or the PIT without one); with an
 * invariant TSC (CPUID 80000007H:EDX[8]) the rate never changes. The wall
 * clock is the CMOS RTC read once at boot plus the monotonic clock since.
 */
#include "lib/lib.h"
#include "core/kernel.h"
#include "core/log.h"
#include "core/time.h"
#include "core/time_boot.h"
#include "dev/acpi.h"
#include "dev/clocks.h"
#include "arch/x86_64/cpu.h"

#define CALIBRATE_NS (5 * NS_PER_MS)
#define CALIBRATE_RUNS 3

static uint64_t tsc_base;           /* TSC at time 0 */
static uint64_t tsc_hz = 1000000000ULL;
static uint64_t ns_mult;            /* ns = delta * ns_mult >> 32 */
static int64_t unix_at_boot_ns;     /* wall clock at time_ns() == 0 */
static bool invariant;

static uint64_t scale(uint64_t delta)
{
    return (uint64_t)(((unsigned __int128)delta * ns_mult) >> 32);
}

uint64_t time_ns(void)
{
    uint64_t now = rdtsc();
    return now > tsc_base ? scale(now - tsc_base) : 0;
}

int64_t time_unix_ns(void) { return unix_at_boot_ns + (int64_t)time_ns(); }

uint64_t time_tsc_hz(void) { return tsc_hz; }
uint64_t time_tsc_base(void) { return tsc_base; }
bool time_tsc_invariant(void) { return invariant; }

uint64_t time_tsc_to_ns(uint64_t tsc) { return tsc > tsc_base ? scale(tsc - tsc_base) : 0; }

static uint64_t read_hpet(void) { return hpet_counter(); }
static uint64_t read_pit(void) { return pit_count(); }

/* A reading of a reference counter and the TSC at that moment. Reading the
 * counter is a trip into the emulator that may stall: the TSC is read on both
 * sides and the pair with the tightest bracket of a few tries is kept. */
static void counter_tsc_pair(uint64_t (*read)(void), uint64_t *count, uint64_t *tsc)
{
    uint64_t best = ~0ULL;
    for (int i = 0; i < 5; i++) {
        uint64_t a = rdtsc();
        uint64_t c = read();
        uint64_t b = rdtsc();
        if (b - a < best) {
            best = b - a;
            *count = c;
            *tsc = a + (b - a) / 2;
        }
    }
}

/* TSC ticks per second measured over CALIBRATE_NS of the HPET. */
static uint64_t calibrate_hpet(void)
{
    uint64_t hz = hpet_frequency();
    uint64_t want = hz * CALIBRATE_NS / NS_PER_S;
    uint64_t h0, t0, h1, t1;
    counter_tsc_pair(read_hpet, &h0, &t0);
    while (hpet_counter() - h0 < want)
        cpu_pause();
    counter_tsc_pair(read_hpet, &h1, &t1);
    return (t1 - t0) * hz / (h1 - h0);     /* < 2^64: 5 ms of TSC times a HPET rate */
}

/* TSC ticks per second measured over CALIBRATE_NS of PIT channel 2, a 16-bit
 * down-counter (5 ms is well inside its 55 ms wrap). */
static uint64_t calibrate_pit(void)
{
    uint64_t want = PIT_HZ * CALIBRATE_NS / NS_PER_S;
    pit_start();
    uint64_t c0, c1, t0, t1;
    counter_tsc_pair(read_pit, &c0, &t0);
    uint64_t spins = 0;
    while ((uint16_t)(c0 - pit_count()) < want)
        if (++spins > 10000000)
            return 0;           /* the PIT does not count */
    counter_tsc_pair(read_pit, &c1, &t1);
    uint16_t ticks = (uint16_t)(c0 - c1);
    return ticks ? (t1 - t0) * PIT_HZ / ticks : 0;
}

void time_init(void)
{
    uint64_t boot_tsc = boot_info.loader_start_tsc;
    uint32_t a, b, c, d;
    cpuid(0x80000000u, 0, &a, &b, &c, &d);
    if (a >= 0x80000007u) {
        cpuid(0x80000007u, 0, &a, &b, &c, &d);
        invariant = d & (1u << 8);
    }
    /* The median of a few short runs: under TCG a vCPU thread that loses its
     * host CPU for a moment spoils one run, not the result. */
    bool have_hpet = hpet_init(acpi.has_hpet ? acpi.hpet_phys : 0);
    const char *source = have_hpet ? "HPET" : "PIT";
    uint64_t runs[CALIBRATE_RUNS];
    uint64_t flags = irq_save();
    for (unsigned i = 0; i < CALIBRATE_RUNS; i++) {
        uint64_t v = have_hpet ? calibrate_hpet() : calibrate_pit();
        unsigned j = i;
        for (; j > 0 && runs[j - 1] > v; j--)
            runs[j] = runs[j - 1];
        runs[j] = v;
    }
    irq_restore(flags);
    uint64_t hz = runs[CALIBRATE_RUNS / 2];
    if (hz < 1000000) {
        log_err("time: TSC calibration against the %s failed; assuming 1 GHz", source);
        hz = 1000000000ULL;
    }
    tsc_hz = hz;
    ns_mult = (uint64_t)((NS_PER_S << 32) / tsc_hz);
    uint64_t now = rdtsc();
    tsc_base = boot_tsc && boot_tsc < now ? boot_tsc : now;
    int64_t unix_s = rtc_read_unix(acpi.century_index);
    unix_at_boot_ns = unix_s >= 0 ? unix_s * (int64_t)NS_PER_S : 0;
    log_info("time: TSC %llu.%03llu MHz (%s, calibrated against the %s), RTC %lld",
             (unsigned long long)(tsc_hz / 1000000), (unsigned long long)(tsc_hz / 1000 % 1000),
             invariant ? "invariant" : "not marked invariant", source, (long long)unix_s);
}
