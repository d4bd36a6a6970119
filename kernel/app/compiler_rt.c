/*
 * kernel/app/compiler_rt.c — the helper functions a compiler may call for
 * the runtime (built freestanding, no libgcc): population counts, which gcc
 * emits as calls when the target baseline has no POPCNT instruction.
 */
#include <stdint.h>

int __popcountdi2(uint64_t x);
int __popcountsi2(uint32_t x);

/* Bits set in x (the classic SWAR count). */
int __popcountdi2(uint64_t x)
{
    x = x - ((x >> 1) & 0x5555555555555555ull);
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return (int)((x * 0x0101010101010101ull) >> 56);
}

int __popcountsi2(uint32_t x)
{
    return __popcountdi2(x);
}
