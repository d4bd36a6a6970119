/* random_get through getentropy and arc4random: bytes that are not all
 * the same and differ between calls. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
    unsigned char a[256], b[256];
    printf("getentropy: %d\n", getentropy(a, sizeof(a)));
    (void)getentropy(b, sizeof(b));
    int distinct = 0, counts[256] = { 0 };
    for (int i = 0; i < 256; i++)
        distinct += counts[a[i]]++ == 0;
    printf("two calls differ: %s\n", memcmp(a, b, sizeof(a)) ? "yes" : "no");
    printf("at least 100 distinct byte values in 256: %s\n", distinct >= 100 ? "yes" : "no");
    printf("getentropy 257 bytes: %d\n", getentropy(a, 257));
    printf("arc4random differs: %s\n", arc4random() != arc4random() ? "yes" : "no");
    return 0;
}
