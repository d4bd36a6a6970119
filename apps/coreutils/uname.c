/*
 * uname — print system information.
 *
 *   uname [-asnrvm]
 *
 * From kpio_sys_uname: -s system name (the default), -n node name, -r
 * release, -v version, -m machine; -a all of them in that order.
 */
#include <kpio.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

#include "app.h"

int main(int argc, char **argv)
{
    app_init("uname");
    bool s = false, n = false, r = false, v = false, m = false;
    int c;
    while ((c = getopt(argc, argv, "asnrvm")) != -1) {
        switch (c) {
        case 'a': s = n = r = v = m = true; break;
        case 's': s = true; break;
        case 'n': n = true; break;
        case 'r': r = true; break;
        case 'v': v = true; break;
        case 'm': m = true; break;
        default: app_usage(1, "[-asnrvm]");
        }
    }
    if (optind < argc)
        app_usage(1, "[-asnrvm]");
    if (!s && !n && !r && !v && !m)
        s = true;
    kpio_uname u;
    kpio_errno e = kpio_sys_uname(&u);
    if (e != KPIO_OK)
        app_die(1, "cannot get system information: %s", kpio_strerror(e));
    const char *fields[5] = { u.sysname, u.nodename, u.release, u.version, u.machine };
    bool want[5] = { s, n, r, v, m };
    const char *sep = "";
    for (int i = 0; i < 5; i++) {
        if (want[i]) {
            printf("%s%s", sep, fields[i]);
            sep = " ";
        }
    }
    putchar('\n');
    return app_finish(0);
}
