/*
 * ln — make links.
 *
 *   ln [-s] [-f] TARGET LINK_NAME
 *   ln [-s] [-f] TARGET... DIRECTORY
 *
 * -s makes symbolic links (TARGET is stored as given; WASI refuses
 * absolute targets and ones that climb out of the directory they are
 * resolved from), else hard links; -f removes an existing LINK_NAME first.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "fileops.h"

static bool make_link(const char *target, const char *name, bool symbolic, bool force)
{
    if (force && unlink(name) != 0 && errno != ENOENT) {
        app_warn_errno(name);
        return false;
    }
    int r = symbolic ? symlink(target, name) : link(target, name);
    if (r != 0) {
        int e = errno;
        app_warn("failed to create %s link '%s' -> '%s': %s", symbolic ? "symbolic" : "hard", name,
                 target, strerror(e));
        return false;
    }
    return true;
}

int main(int argc, char **argv)
{
    app_init("ln");
    bool symbolic = false, force = false;
    int opt;
    while ((opt = getopt(argc, argv, "sf")) != -1) {
        if (opt == 's')
            symbolic = true;
        else if (opt == 'f')
            force = true;
        else
            app_usage(1, "[-s] [-f] TARGET LINK_NAME | TARGET... DIRECTORY");
    }
    int n = argc - optind;
    if (n < 2)
        app_usage(1, "[-s] [-f] TARGET LINK_NAME | TARGET... DIRECTORY");
    const char *last = argv[argc - 1];
    bool into_dir = fileops_is_dir(last);
    if (n > 2 && !into_dir)
        app_die(1, "target '%s' is not a directory", last);
    int status = 0;
    for (int i = optind; i < argc - 1; i++) {
        char *name = into_dir ? app_join_path(last, app_basename(argv[i])) : app_xstrdup(last);
        if (!make_link(argv[i], name, symbolic, force))
            status = 1;
        free(name);
    }
    return app_finish(status);
}
