/*
 * tests/fuzz/inflate_fuzz.c — libFuzzer target for lib/inflate: any input
 * decodes or fails cleanly, within both buffers, and a successful decode
 * is deterministic and reports consistent counts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/inflate/inflate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The first byte picks the output capacity, so that "output full"
     * paths are reached as well as long outputs. */
    if (size < 1)
        return 0;
    size_t cap = (size_t)data[0] * 257;
    uint8_t *out = malloc(cap ? cap : 1);
    size_t used = 0, produced = 0;
    inflate_result r = inflate_raw(data + 1, size - 1, out, cap, &used, &produced);
    if (used > size - 1 || produced > cap)
        abort();
    if (r == INFLATE_OK) {
        uint8_t *again = malloc(cap ? cap : 1);
        size_t used2, produced2;
        /* decoding only the bytes it used gives the same result */
        if (inflate_raw(data + 1, used, again, cap, &used2, &produced2) != INFLATE_OK ||
            used2 != used || produced2 != produced || memcmp(out, again, produced) != 0)
            abort();
        free(again);
    }
    free(out);
    return 0;
}
