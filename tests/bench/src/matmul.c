/* Floating point and memory: dense single-precision matrix multiply with
 * the i-k-j loop order, whose inner loop compilers vectorize. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 750;
    int reps = 3;
    float *a = malloc(sizeof(float) * n * n), *b = malloc(sizeof(float) * n * n);
    float *c = malloc(sizeof(float) * n * n);
    for (int i = 0; i < n * n; i++) {
        a[i] = (float)((i * 7) % 13) / 13.0f;
        b[i] = (float)((i * 11) % 17) / 17.0f;
    }
    double trace = 0;
    for (int r = 0; r < reps; r++) {
        for (int i = 0; i < n * n; i++)
            c[i] = 0;
        for (int i = 0; i < n; i++)
            for (int k = 0; k < n; k++) {
                float aik = a[i * n + k];
                for (int j = 0; j < n; j++)
                    c[i * n + j] += aik * b[k * n + j];
            }
        for (int i = 0; i < n; i++)
            trace += c[i * n + i];
        a[r] += 1.0f;
    }
    printf("trace sum %.3f\n", trace);
    return 0;
}
