/* A trap (unreachable) after some output: the output is kept, the exit
 * status is 134 as wasmtime gives. */
#include <stdio.h>

int main(void)
{
    printf("before the trap\n");
    fflush(stdout);
    __builtin_trap();
}
