/*
 * mkdir — make directories.
 *
 *   mkdir [-pv] DIRECTORY...
 *
 * -p creates missing parents and is quiet about directories that exist;
 * -v names each directory created.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "fileops.h"

static bool verbose;

static bool make_one(const char *path, bool parents)
{
    if (mkdir(path, 0755) == 0) {
        if (verbose)
            printf("mkdir: created directory '%s'\n", path);
        return true;
    }
    if (parents && errno == EEXIST && fileops_is_dir(path))
        return true;
    app_warn("cannot create directory '%s': %s", path, strerror(errno));
    return false;
}

/* Create every prefix of path that ends at a '/', then path itself. */
static bool make_parents(const char *path)
{
    char *p = app_xstrdup(path);
    bool ok = true;
    for (char *s = p + 1; *s && ok; s++) {
        if (*s != '/' || s[-1] == '/')
            continue;
        *s = 0;
        ok = make_one(p, true);
        *s = '/';
    }
    if (ok)
        ok = make_one(p, true);
    free(p);
    return ok;
}

int main(int argc, char **argv)
{
    app_init("mkdir");
    bool parents = false;
    int c;
    while ((c = getopt(argc, argv, "pvm:")) != -1) {
        switch (c) {
        case 'p': parents = true; break;
        case 'v': verbose = true; break;
        case 'm': break;   /* WASI has no permission bits */
        default: app_usage(1, "[-pv] DIRECTORY...");
        }
    }
    if (optind >= argc)
        app_usage(1, "[-pv] DIRECTORY...");
    int status = 0;
    for (int i = optind; i < argc; i++)
        if (!(parents ? make_parents(argv[i]) : make_one(argv[i], false)))
            status = 1;
    return app_finish(status);
}
