/* Output on stdout and stderr, in order, unbuffered and buffered. */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    printf("hello, stdout\n");
    fflush(stdout);
    fprintf(stderr, "hello, stderr\n");
    write(1, "raw write\n", 10);
    for (int i = 0; i < 3; i++)
        printf("line %d\n", i);
    return 0;
}
