/*
 * kernel/app/csprng.c — the kernel's cryptographically secure random number
 * generator, behind WASI random_get and /dev/random.
 *
 * A ChaCha20 keystream (RFC 8439 §2.3, the block function; here with a
 * 64-bit block counter in words 12-13 and a 64-bit nonce in 14-15, as in
 * the original design) under a 256-bit key. After every request the
 * generator makes a fresh key from its own stream ("fast key erasure"), so
 * a key read from memory later reveals nothing about earlier output.
 *
 * Seed: 64 bytes from RDSEED (RDRAND where RDSEED is missing), and the
 * timing of timer interrupts: the TSC at each of 16 wake-ups from short
 * sleeps, whose low bits jitter with everything the machine does. Events
 * keep adding their TSC (csprng_add_timing: console input, app starts);
 * those are folded into the key at the next request. Without RDRAND and
 * RDSEED the timing alone seeds it, and the boot log says so.
 */
#include "app/app.h"
#include "arch/x86_64/cpu.h"
#include "core/log.h"
#include "core/time.h"
#include "lib/lib.h"

static spinlock_t lock = SPINLOCK_INIT("csprng");
static uint32_t key[8];
static uint64_t counter;
static uint64_t reseeds;
/* Timing events waiting to be folded in (lock-free: any context adds). */
static volatile uint64_t pending_mix;
static volatile uint64_t pending_count;

static inline uint32_t rotl32(uint32_t v, int n)
{
    return v << n | v >> (32 - n);
}

#define QUARTER(a, b, c, d)                                 \
    do {                                                    \
        a += b; d ^= a; d = rotl32(d, 16);                  \
        c += d; b ^= c; b = rotl32(b, 12);                  \
        a += b; d ^= a; d = rotl32(d, 8);                   \
        c += d; b ^= c; b = rotl32(b, 7);                   \
    } while (0)

/* The ChaCha20 block function (RFC 8439 §2.3): "expand 32-byte k", the
 * key, then words 12-15 as given; 20 rounds; the input added back. */
void chacha20_block(const uint32_t k[8], const uint32_t words12_15[4], uint32_t out[16])
{
    uint32_t s[16] = { 0x61707865, 0x3320646e, 0x79622d32, 0x6b206574,
                       k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7],
                       words12_15[0], words12_15[1], words12_15[2], words12_15[3] };
    uint32_t x[16];
    memcpy(x, s, sizeof x);
    for (int i = 0; i < 10; i++) {
        QUARTER(x[0], x[4], x[8], x[12]);   /* columns */
        QUARTER(x[1], x[5], x[9], x[13]);
        QUARTER(x[2], x[6], x[10], x[14]);
        QUARTER(x[3], x[7], x[11], x[15]);
        QUARTER(x[0], x[5], x[10], x[15]);  /* diagonals */
        QUARTER(x[1], x[6], x[11], x[12]);
        QUARTER(x[2], x[7], x[8], x[13]);
        QUARTER(x[3], x[4], x[9], x[14]);
    }
    for (int i = 0; i < 16; i++)
        out[i] = x[i] + s[i];
}

/* The next keystream block under the current key (lock held). */
static void next_block(uint32_t out[16], uint64_t nonce)
{
    uint32_t w[4] = { (uint32_t)counter, (uint32_t)(counter >> 32), (uint32_t)nonce,
                      (uint32_t)(nonce >> 32) };
    counter++;
    chacha20_block(key, w, out);
}

/* Replace the key by one derived from the old key and `material` (lock held). */
static void rekey(uint64_t material)
{
    uint32_t b[16];
    next_block(b, material);
    memcpy(key, b, sizeof key);
    memset(b, 0, sizeof b);
    reseeds++;
}

void csprng_add_timing(uint64_t value)
{
    /* A cheap, order-dependent mix; folded into the key by rekey(). */
    uint64_t m = pending_mix;
    m = (m << 13 | m >> 51) ^ value ^ (value * 0x9e3779b97f4a7c15ull);
    pending_mix = m;
    __atomic_add_fetch(&pending_count, 1, __ATOMIC_RELAXED);
}

void csprng_fill(void *buf, size_t len)
{
    uint8_t *p = buf;
    uint32_t b[16];
    spin_lock(&lock);
    if (pending_count) {
        rekey(pending_mix ^ rdtsc());
        pending_count = 0;
    }
    while (len > 0) {
        next_block(b, 0);
        size_t n = MIN(len, sizeof b);
        memcpy(p, b, n);
        p += n;
        len -= n;
    }
    rekey(0);           /* fast key erasure */
    spin_unlock(&lock);
    memset(b, 0, sizeof b);
}

/* ---- seeding ---- */

static bool cpu_has(unsigned leaf, int reg, int bit)
{
    uint32_t r[4];
    cpuid(leaf, 0, &r[0], &r[1], &r[2], &r[3]);
    return r[reg] & (1u << bit);
}

/* RDSEED / RDRAND (Intel SDM vol. 1 §7.3.17): retry while CF says "not ready". */
static bool hw_random(bool seed, uint64_t *v)
{
    for (int i = 0; i < 100; i++) {
        uint8_t ok;
        if (seed)
            __asm__ volatile("rdseed %0; setc %1" : "=r"(*v), "=qm"(ok));
        else
            __asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
        if (ok)
            return true;
        cpu_pause();
    }
    return false;
}

void csprng_init(void)
{
    bool has_rdseed = cpu_has(7, 1, 18), has_rdrand = cpu_has(1, 2, 30);
    uint64_t seed[8] = { 0 };
    int hw = 0;
    for (int i = 0; i < 8; i++)
        if ((has_rdseed && hw_random(true, &seed[i])) || (has_rdrand && hw_random(false, &seed[i])))
            hw++;
    /* Interrupt timing: the TSC after each timer wake-up. */
    uint64_t timing = 0;
    for (int i = 0; i < 16; i++) {
        thread_sleep_ns(50 * NS_PER_US);
        uint64_t t = rdtsc();
        timing = (timing << 7 | timing >> 57) ^ t;
        seed[i % 8] ^= t * 0x9e3779b97f4a7c15ull;
    }
    spin_lock(&lock);
    memcpy(key, seed, sizeof key);
    counter = 0;
    rekey(timing ^ time_unix_ns());
    spin_unlock(&lock);
    memset(seed, 0, sizeof seed);
    if (hw == 8)
        log_info("csprng: ChaCha20, seeded from %s and interrupt timing", has_rdseed ? "RDSEED" : "RDRAND");
    else
        log_warn("csprng: ChaCha20 seeded from interrupt timing only (no RDSEED/RDRAND)");
}
