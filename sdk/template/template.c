/*
 * template.c — a starting point for a KPIO app: plain C with WASI (stdio,
 * files, clocks) and the kpio API (<kpio.h>) for what WASI lacks.
 */
#include <kpio.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    kpio_pid pid = 0;
    kpio_proc_self(&pid);
    printf("Hello from Template (pid %d)", (int)pid);
    for (int i = 1; i < argc; i++)
        printf(" %s", argv[i]);
    printf("\n");
    return 0;
}
