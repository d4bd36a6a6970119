/* Integer and memory: the sieve of Eratosthenes over a byte array,
 * repeated; prints the prime count. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 45;
    const int n = 8000000;
    unsigned char *composite = malloc(n + 1);
    long count = 0;
    for (int r = 0; r < rounds; r++) {
        memset(composite, 0, n + 1);
        count = 0;
        for (int i = 2; i <= n; i++) {
            if (composite[i])
                continue;
            count++;
            for (long long j = (long long)i * i; j <= n; j += i)
                composite[j] = 1;
        }
    }
    printf("primes up to %d: %ld\n", n, count);
    free(composite);
    return 0;
}
