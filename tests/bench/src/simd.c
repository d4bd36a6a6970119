/* SIMD-friendly: straight-line array kernels (saxpy, dot product,
 * clamp-and-add on bytes) that compilers vectorize. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 8000;
    int n = 1 << 16;
    float *x = malloc(sizeof(float) * n), *y = malloc(sizeof(float) * n);
    uint8_t *p = malloc(n), *q = malloc(n);
    int32_t *ia = malloc(sizeof(int32_t) * n), *ib = malloc(sizeof(int32_t) * n);
    for (int i = 0; i < n; i++) {
        x[i] = (float)(i % 100) * 0.01f;
        y[i] = (float)(i % 37) * 0.02f;
        p[i] = (uint8_t)(i * 7);
        q[i] = (uint8_t)(i * 13);
        ia[i] = i % 1000;
        ib[i] = (i * 3) % 777;
    }
    double dot_total = 0;
    int64_t idot_total = 0;
    uint32_t bytes_total = 0;
    for (int r = 0; r < rounds; r++) {
        float a = 0.5f + (float)r * 1e-4f;
        for (int i = 0; i < n; i++)
            y[i] = a * x[i] + y[i] * 0.5f;
        float dot = 0;
        for (int i = 0; i < n; i++)
            dot += x[i] * y[i];
        dot_total += dot;
        int32_t idot = 0;
        for (int i = 0; i < n; i++)
            idot += ia[i] * ib[i];
        idot_total += idot;
        for (int i = 0; i < n; i++) {
            unsigned s = (unsigned)p[i] + q[i];
            p[i] = (uint8_t)((s > 255 ? 255 : s) >> 1);
        }
        for (int i = 0; i < n; i++)
            q[i] = (uint8_t)(q[i] ^ p[i]);
        for (int i = 0; i < n; i += 4093)
            bytes_total += p[i] + q[i];
    }
    printf("dot %.3f idot %lld bytes %u\n", dot_total, (long long)idot_total, bytes_total);
    return 0;
}
