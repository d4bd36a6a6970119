/* Branchy and memory: an LZ77 compressor with a hash chain (greedy match
 * search) and its decompressor, over generated text; checks the round trip. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WINDOW 65535
#define HASH_BITS 15
#define MIN_MATCH 4
#define MAX_CHAIN 16

/* Output: literal runs "0 len bytes" and matches "1 len dist(2 bytes)". */
static size_t compress(const uint8_t *in, size_t n, uint8_t *out)
{
    static int32_t head[1 << HASH_BITS];
    int32_t *prev = malloc(sizeof(int32_t) * n);
    memset(head, 0xff, sizeof(head));
    size_t o = 0, lit_start = 0, i = 0;
    while (i + MIN_MATCH <= n) {
        uint32_t h = ((uint32_t)in[i] * 2654435761u ^ (uint32_t)in[i + 1] << 8 ^
                      (uint32_t)in[i + 2] << 16 ^ (uint32_t)in[i + 3] << 3) >> (32 - HASH_BITS);
        int32_t cand = head[h];
        prev[i] = cand;
        head[h] = (int32_t)i;
        size_t best = 0, best_dist = 0;
        for (int chain = 0; cand >= 0 && chain < MAX_CHAIN && i - (size_t)cand <= WINDOW; chain++) {
            size_t len = 0;
            while (i + len < n && len < 255 && in[cand + len] == in[i + len])
                len++;
            if (len > best) {
                best = len;
                best_dist = i - (size_t)cand;
            }
            cand = prev[cand];
        }
        if (best >= MIN_MATCH) {
            while (lit_start < i) {
                size_t run = i - lit_start < 255 ? i - lit_start : 255;
                out[o++] = 0;
                out[o++] = (uint8_t)run;
                memcpy(out + o, in + lit_start, run);
                o += run;
                lit_start += run;
            }
            out[o++] = 1;
            out[o++] = (uint8_t)best;
            out[o++] = (uint8_t)best_dist;
            out[o++] = (uint8_t)(best_dist >> 8);
            i += best;
            lit_start = i;
        } else {
            i++;
        }
    }
    while (lit_start < n) {
        size_t run = n - lit_start < 255 ? n - lit_start : 255;
        out[o++] = 0;
        out[o++] = (uint8_t)run;
        memcpy(out + o, in + lit_start, run);
        o += run;
        lit_start += run;
    }
    free(prev);
    return o;
}

static size_t decompress(const uint8_t *in, size_t n, uint8_t *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (in[i] == 0) {
            size_t run = in[i + 1];
            memcpy(out + o, in + i + 2, run);
            o += run;
            i += 2 + run;
        } else {
            size_t len = in[i + 1], dist = in[i + 2] | (size_t)in[i + 3] << 8;
            for (size_t k = 0; k < len; k++, o++)
                out[o] = out[o - dist];
            i += 4;
        }
    }
    return o;
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 12;
    size_t n = 4 << 20;
    uint8_t *text = malloc(n), *packed = malloc(n * 2), *back = malloc(n);
    static const char *words[] = { "the ", "quick ", "brown ", "fox ", "jumps ", "over ",
                                   "lazy ", "dog ", "and ", "runs ", "far ", "away, ",
                                   "while ", "kpio ", "interprets ", "wasm.\n" };
    uint32_t s = 12345;
    for (size_t i = 0; i < n;) {
        s = s * 1103515245u + 12345u;
        const char *w = words[(s >> 16) % 16];
        while (*w && i < n)
            text[i++] = (uint8_t)*w++;
        if ((s >> 8) % 7 == 0 && i < n)
            text[i++] = (uint8_t)('0' + (s >> 20) % 10);
    }
    size_t packed_len = 0, ok = 1;
    for (int r = 0; r < rounds; r++) {
        text[r] ^= 1;
        packed_len = compress(text, n, packed);
        ok &= decompress(packed, packed_len, back) == n && memcmp(back, text, n) == 0;
    }
    printf("compressed %zu -> %zu, round trip %s\n", n, packed_len, ok ? "ok" : "FAILED");
    return 0;
}
