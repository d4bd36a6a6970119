/* Memory-bound: an open-addressing hash table far larger than the caches,
 * filled and probed with pseudo-random keys (cache misses dominate). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 3;
    uint32_t cap = 1u << 22;                 /* 4 M slots, 32 MiB */
    uint64_t *slots = calloc(cap, sizeof(uint64_t));
    uint64_t hits = 0, inserted = 0;
    for (int r = 0; r < rounds; r++) {
        uint64_t s = 0x9e3779b97f4a7c15ull + (uint64_t)r;
        for (uint32_t i = 0; i < cap / 2; i++) {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            uint64_t key = s | 1;
            uint32_t h = (uint32_t)(key * 0x9e3779b97f4a7c15ull >> 42) & (cap - 1);
            while (slots[h] && slots[h] != key)
                h = (h + 1) & (cap - 1);
            inserted += slots[h] == 0;
            slots[h] = key;
        }
        uint64_t t = 0x9e3779b97f4a7c15ull + (uint64_t)r;
        for (uint32_t i = 0; i < cap; i++) {
            t ^= t << 13; t ^= t >> 7; t ^= t << 17;
            uint64_t key = (i & 1 ? t ^ 0x5555 : t) | 1;
            uint32_t h = (uint32_t)(key * 0x9e3779b97f4a7c15ull >> 42) & (cap - 1);
            while (slots[h] && slots[h] != key)
                h = (h + 1) & (cap - 1);
            hits += slots[h] == key;
        }
        for (uint32_t i = 0; i < cap; i++)
            slots[i] = 0;
    }
    printf("inserted %llu, hits %llu\n", (unsigned long long)inserted, (unsigned long long)hits);
    return 0;
}
