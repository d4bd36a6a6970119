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
    bool into_dir;
    const char *dest = fileops_destination(argc, argv, "[-rRnp] SOURCE... DEST", &into_dir);
    int status = 0;
    for (int i = optind; i < argc - 1; i++) {
        char *target = fileops_target(dest, into_dir, argv[i]);
        if (!fileops_copy(argv[i], target, &o))
            status = 1;
        free(target);
    }
    return app_finish(status);
}
