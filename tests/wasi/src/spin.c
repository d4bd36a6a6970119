/* Spins forever: only fuel (or an interrupt) can stop it. */
#include <stdio.h>

int main(void)
{
    printf("spinning\n");
    fflush(stdout);
    volatile unsigned n = 0;
    for (;;)
        n++;
}
