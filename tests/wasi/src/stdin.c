/* Standard input: read it all, report its size and a checksum, echo the
 * first line upper-cased. */
#include <ctype.h>
#include <stdio.h>

int main(void)
{
    unsigned long sum = 0, n = 0;
    int c, first = 1;
    while ((c = getchar()) != EOF) {
        sum = sum * 31 + (unsigned char)c;
        n++;
        if (first) {
            if (c == '\n')
                first = 0;
            putchar(toupper(c));
        }
    }
    printf("bytes=%lu sum=%lu\n", n, sum);
    return 0;
}
