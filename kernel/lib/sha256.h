/*
 * kernel/lib/sha256.h — SHA-256 (FIPS 180-4), the project's one
 * implementation: the loader checks the kernel with it, the kernel checks
 * transfers end to end, host tools and benchmarks hash with it.
 *
 * Portable: sha256.c needs only <stddef.h> and <stdint.h>, so it builds
 * freestanding (loader, kernel), hosted (unit tests, tools) and for wasm32.
 */
#ifndef KPIO_SHA256_H
#define KPIO_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32

struct sha256 {
    uint32_t h[8];
    uint64_t bytes;         /* message length so far */
    uint8_t block[64];      /* a partial block waiting for more input */
    uint32_t fill;          /* bytes in block */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
/* Pads, finishes and writes the digest; s must be initialised again before reuse. */
void sha256_final(struct sha256 *s, uint8_t out[SHA256_DIGEST_SIZE]);

/* The digest of one buffer. */
void sha256(const void *data, size_t len, uint8_t out[SHA256_DIGEST_SIZE]);

/* Lower-case hex of a digest: 64 characters and a NUL. */
void sha256_hex(const uint8_t digest[SHA256_DIGEST_SIZE], char out[65]);

#endif
