/*
 * env — print the environment, or run a program in a changed one.
 *
 *   env [-i] [-u NAME]... [NAME=VALUE]... [COMMAND [ARG...]]
 *
 * Without COMMAND, prints the (changed) environment, one NAME=VALUE per
 * line. With it, starts COMMAND (found as the shell finds programs) with
 * that environment and this env's standard streams, waits, and exits with
 * its status: 127 if it was not found, 126 if it could not be started.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "run.h"

extern char **environ;

int main(int argc, char **argv)
{
    app_init("env");
    int c;
    while ((c = getopt(argc, argv, "iu:")) != -1) {
        switch (c) {
        case 'i':
            environ = NULL;
            clearenv();
            break;
        case 'u':
            if (unsetenv(optarg) != 0)
                app_die(125, "cannot unset '%s'", optarg);
            break;
        default: app_usage(125, "[-i] [-u NAME]... [NAME=VALUE]... [COMMAND [ARG...]]");
        }
    }
    int i = optind;
    for (; i < argc && strchr(argv[i], '='); i++) {
        char *eq = strchr(argv[i], '=');
        *eq = 0;
        if (eq == argv[i] || setenv(argv[i], eq + 1, 1) != 0)
            app_die(125, "cannot set '%s'", argv[i]);
        *eq = '=';
    }
    if (i == argc) {
        for (char **e = environ; e && *e; e++)
            puts(*e);
        return app_finish(0);
    }
    fflush(stdout);
    kpio_pid pid;
    kpio_errno e = run_spawn(argv + i, environ, 0, 1, 2, &pid);
    if (e == KPIO_ENOENT)
        app_die(127, "'%s': No such file or directory", argv[i]);
    if (e != KPIO_OK)
        app_die(126, "'%s': %s", argv[i], kpio_strerror(e));
    int status = run_wait(pid, argv[i]);
    return status < 0 ? 126 : status;
}
