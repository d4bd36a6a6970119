/* Call-heavy: naive recursive Fibonacci, plus a mutual recursion through a
 * function pointer table so that indirect calls count too. */
#include <stdio.h>
#include <stdlib.h>

static unsigned fib(unsigned n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

typedef unsigned (*step_fn)(unsigned n, unsigned acc);
static unsigned even_step(unsigned n, unsigned acc);
static unsigned odd_step(unsigned n, unsigned acc);
static step_fn volatile table[2] = { even_step, odd_step };

static unsigned even_step(unsigned n, unsigned acc)
{
    return n == 0 ? acc : table[(n - 1) & 1](n - 1, acc * 3 + 1);
}

static unsigned odd_step(unsigned n, unsigned acc)
{
    return table[(n - 1) & 1](n - 1, acc ^ (acc >> 3));
}

int main(int argc, char **argv)
{
    unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 42;
    printf("fib(%u) = %u\n", n, fib(n));
    unsigned acc = 0;
    for (int i = 0; i < 100000; i++)
        acc += table[1000 & 1](1000, (unsigned)i);
    printf("mutual: %u\n", acc);
    return 0;
}
