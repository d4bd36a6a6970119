/*
 * mv — move (rename) files.
 *
 *   mv [-fn] SOURCE DEST
 *   mv [-fn] SOURCE... DIRECTORY
 *
 * A rename where possible; across file systems (EXDEV), a copy of the
 * whole tree with its times followed by removal of the source. -n never
 * overwrites an existing destination; -f (the default) does.
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

static bool move(const char *src, const char *dst, bool no_clobber)
{
    struct stat st;
    if (lstat(src, &st) != 0) {
        app_warn("cannot stat '%s': %s", src, strerror(errno));
        return false;
    }
    if (no_clobber && lstat(dst, &st) == 0)
        return true;
    if (rename(src, dst) == 0)
        return true;
    if (errno != EXDEV) {
        app_warn("cannot move '%s' to '%s': %s", src, dst, strerror(errno));
        return false;
    }
    struct copy_options o = { true, false, true };
    return fileops_copy(src, dst, &o) && fileops_remove(src, true, false);
}

int main(int argc, char **argv)
{
    app_init("mv");
    bool no_clobber = false;
    int c;
    while ((c = getopt(argc, argv, "fn")) != -1) {
        switch (c) {
        case 'f': no_clobber = false; break;
        case 'n': no_clobber = true; break;
        default: app_usage(1, "[-fn] SOURCE... DEST");
        }
    }
    bool into_dir;
    const char *dest = fileops_destination(argc, argv, "[-fn] SOURCE... DEST", &into_dir);
    int status = 0;
    for (int i = optind; i < argc - 1; i++) {
        if (fileops_is_dot_or_root(argv[i])) {
            app_warn("cannot move '%s'", argv[i]);
            status = 1;
            continue;
        }
        char *target = fileops_target(dest, into_dir, argv[i]);
        if (!move(argv[i], target, no_clobber))
            status = 1;
        free(target);
    }
    return app_finish(status);
}
