/* Integer bit operations: SHA-256 (FIPS 180-4) over a generated buffer,
 * hashed repeatedly; prints the final digest. The hash is the project's own
 * (kernel/lib/sha256.c, linked in by tests/bench.mk). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sha256.h"

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 50;
    size_t len = 4 << 20;
    uint8_t *buf = malloc(len), digest[32] = { 0 };
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(i * 2654435761u >> 13);
    for (int r = 0; r < rounds; r++) {
        memcpy(buf, digest, 32);     /* chain the rounds */
        sha256(buf, len, digest);
    }
    for (int i = 0; i < 32; i++)
        printf("%02x", digest[i]);
    printf("\n");
    return 0;
}
