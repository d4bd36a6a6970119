/* Branchy: quicksort (own, median of three, insertion sort for short runs)
 * of pseudo-random integers, then a binary-search pass; prints checksums. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static void insertion(int32_t *a, int n)
{
    for (int i = 1; i < n; i++) {
        int32_t v = a[i];
        int j = i - 1;
        while (j >= 0 && a[j] > v) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = v;
    }
}

static void quicksort(int32_t *a, int n)
{
    while (n > 16) {
        int32_t x = a[0], y = a[n / 2], z = a[n - 1];
        int32_t pivot = x < y ? (y < z ? y : x < z ? z : x) : (x < z ? x : y < z ? z : y);
        int i = 0, j = n - 1;
        while (i <= j) {
            while (a[i] < pivot) i++;
            while (a[j] > pivot) j--;
            if (i <= j) {
                int32_t t = a[i];
                a[i++] = a[j];
                a[j--] = t;
            }
        }
        if (j + 1 < n - i) {
            quicksort(a, j + 1);
            a += i;
            n -= i;
        } else {
            quicksort(a + i, n - i);
            n = j + 1;
        }
    }
    insertion(a, n);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 2000000;
    int32_t *a = malloc(sizeof(int32_t) * n);
    uint32_t s = 2463534242u;
    for (int i = 0; i < n; i++) {
        s ^= s << 13; s ^= s >> 17; s ^= s << 5;
        a[i] = (int32_t)(s % 1000000007u);
    }
    quicksort(a, n);
    int sorted = 1;
    uint64_t sum = 0;
    for (int i = 1; i < n; i++)
        sorted &= a[i - 1] <= a[i];
    long found = 0;
    for (int i = 0; i < n; i++) {
        s ^= s << 13; s ^= s >> 17; s ^= s << 5;
        int32_t key = (int32_t)(s % 1000000007u);
        int lo = 0, hi = n;
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (a[mid] < key) lo = mid + 1; else hi = mid;
        }
        found += lo < n && a[lo] == key;
        sum += (uint64_t)lo;
    }
    printf("sorted %d, found %ld, sum %llu\n", sorted, found, (unsigned long long)sum);
    return 0;
}
