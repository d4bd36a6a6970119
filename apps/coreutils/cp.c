/*
 * cp — copy files and directories.
 *
 *   cp [-rRnp] SOURCE DEST
 *   cp [-rRnp] SOURCE... DIRECTORY
 *
 * -r/-R copy directories recursively, -n never overwrites, -p keeps
 * access and modification times (WASI has no owners or modes to keep).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "app.h"
#include "fileops.h"

int main(int argc, char **argv)
{
    app_init("cp");
    struct copy_options o = { false, false, false };
    int c;
    while ((c = getopt(argc, argv, "rRnpf")) != -1) {
        switch (c) {
        case 'r':
        case 'R': o.recursive = true; break;
        case 'n': o.no_clobber = true; break;
        case 'p': o.preserve_times = true; break;
        case 'f': break;   /* destinations are always replaced unless -n */
        default: app_usage(1, "[-rRnp] SOURCE... DEST");
        }
    }
    int n = argc - optind;
    if (n < 2)
        app_usage(1, "[-rRnp] SOURCE... DEST");
    const char *dest = argv[argc - 1];
    bool into_dir = fileops_is_dir(dest);
    if (n > 2 && !into_dir)
        app_die(1, "target '%s' is not a directory", dest);
    int status = 0;
    for (int i = optind; i < argc - 1; i++) {
        char *target = into_dir ? app_join_path(dest, app_basename(argv[i])) : app_xstrdup(dest);
        if (!fileops_copy(argv[i], target, &o))
            status = 1;
        free(target);
    }
    return app_finish(status);
}
