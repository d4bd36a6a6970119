/* exit(N) from argv[1], with some output first; "return" returns from main. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    printf("exiting with %s\n", argc > 1 ? argv[1] : "(none)");
    if (argc > 2 && !strcmp(argv[2], "return"))
        return atoi(argv[1]);
    exit(argc > 1 ? atoi(argv[1]) : 0);
}
