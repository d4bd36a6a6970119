/*
 * kernel/fs/pattern.h — deterministic test data shared by the storage tests
 * in the kernel, on the host (tests/unit/fs) and in Python (the system
 * tests): byte `off` of stream `seed` is byte off % 8 (little-endian) of
 * mix64(seed * 0x9E3779B97F4A7C15 + off / 8), mix64 being splitmix64's
 * finaliser. Any slice of a stream can be made or checked on its own.
 */
#ifndef KPIO_FS_PATTERN_H
#define KPIO_FS_PATTERN_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t pattern_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Fill buf with bytes [off, off+len) of stream seed. */
static inline void pattern_fill(void *buf, size_t len, uint64_t seed, uint64_t off)
{
    uint8_t *p = buf;
    size_t i = 0;
    while (i < len) {
        uint64_t pos = off + i;
        uint64_t word = pattern_mix64(seed * 0x9E3779B97F4A7C15ULL + pos / 8);
        for (unsigned k = (unsigned)(pos % 8); k < 8 && i < len; k++, i++)
            p[i] = (uint8_t)(word >> (8 * k));
    }
}

#endif
