/* The environment: exactly the variables given, in order, and getenv. */
#include <stdio.h>
#include <stdlib.h>

extern char **environ;

int main(void)
{
    int n = 0;
    for (char **e = environ; *e; e++)
        printf("env[%d]=%s\n", n++, *e);
    printf("count=%d\n", n);
    const char *v = getenv("GREETING");
    printf("GREETING=%s\n", v ? v : "(unset)");
    v = getenv("MISSING");
    printf("MISSING=%s\n", v ? v : "(unset)");
    return 0;
}
