/*
 * kernel/net/sha256.h — SHA-256 (FIPS 180-4), used to check transfers end to
 * end. Generic: it could move to kernel/lib if others need it.
 */
#ifndef KPIO_SHA256_H
#define KPIO_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
    uint32_t h[8];
    uint64_t bytes;
    uint8_t block[64];
    uint32_t fill;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, uint8_t out[32]);
/* Lower-case hex of a digest: 64 characters and a NUL. */
void sha256_hex(const uint8_t digest[32], char out[65]);

#endif
