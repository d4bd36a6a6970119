/*
 * kernel/dev/hpet.c — the HPET main counter (IA-PC HPET 1.0a §2.3: general
 * capabilities at 0x000, configuration at 0x010, main counter at 0x0f0).
 */
#include "lib/lib.h"
#include "core/log.h"
#include "mm/mm.h"
#include "mm/vm.h"
#include "dev/clocks.h"

#define HPET_CAPS    0x000
#define HPET_CONFIG  0x010
#define HPET_COUNTER 0x0f0
#define HPET_ENABLE  1u

static volatile uint64_t *hpet;
static uint64_t hpet_hz;

bool hpet_init(uint64_t phys)
{
    if (!phys)
        return false;
    hpet = mmio_map(phys, 1024);
    if (!hpet)
        return false;
    uint64_t caps = hpet[HPET_CAPS / 8];
    uint64_t period_fs = caps >> 32;
    /* The spec caps the period at 100 ns (1e8 fs); 0 means no device. */
    if (period_fs == 0 || period_fs > 100000000ULL) {
        log_warn("hpet: bad counter period %llu fs", (unsigned long long)period_fs);
        mmio_unmap((void *)hpet);
        hpet = NULL;
        return false;
    }
    hpet_hz = 1000000000000000ULL / period_fs;
    hpet[HPET_CONFIG / 8] |= HPET_ENABLE;
    log_info("hpet: %llu Hz, %s-bit counter", (unsigned long long)hpet_hz,
             (caps & (1u << 13)) ? "64" : "32");
    return true;
}

bool hpet_present(void) { return hpet != NULL; }
uint64_t hpet_counter(void) { return hpet[HPET_COUNTER / 8]; }
uint64_t hpet_frequency(void) { return hpet_hz; }
