/*
 * rmdir — remove empty directories.
 *
 *   rmdir [-p] DIRECTORY...
 *
 * -p also removes each parent named in the operand ("a/b/c" removes
 * a/b/c, a/b and a) while they are empty.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"

static bool remove_one(const char *path)
{
    if (rmdir(path) == 0)
        return true;
    app_warn("failed to remove '%s': %s", path, strerror(errno));
    return false;
}

int main(int argc, char **argv)
{
    app_init("rmdir");
    bool parents = false;
    int c;
    while ((c = getopt(argc, argv, "p")) != -1) {
        if (c == 'p')
            parents = true;
        else
            app_usage(1, "[-p] DIRECTORY...");
    }
    if (optind >= argc)
        app_usage(1, "[-p] DIRECTORY...");
    int status = 0;
    for (int i = optind; i < argc; i++) {
        char *p = app_xstrdup(argv[i]);
        size_t n = strlen(p);
        while (n > 1 && p[n - 1] == '/')
            p[--n] = 0;
        bool ok = remove_one(p);
        while (ok && parents) {
            char *slash = strrchr(p, '/');
            if (!slash || slash == p)
                break;
            while (slash > p && slash[-1] == '/')
                slash--;
            *slash = 0;
            ok = remove_one(p);
        }
        if (!ok)
            status = 1;
        free(p);
    }
    return app_finish(status);
}
