/*
 * rm — remove files or directories.
 *
 *   rm [-rRfd] FILE...
 *
 * -r/-R remove directories and their contents, -f ignores missing files
 * and never fails for them, -d removes empty directories. As POSIX
 * requires, "." and ".." are refused, and so is "/".
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "fileops.h"

int main(int argc, char **argv)
{
    app_init("rm");
    bool recursive = false, force = false, empty_dirs = false;
    int c;
    while ((c = getopt(argc, argv, "rRfdi")) != -1) {
        switch (c) {
        case 'r':
        case 'R': recursive = true; break;
        case 'f': force = true; break;
        case 'd': empty_dirs = true; break;
        case 'i': break;   /* no prompting: KPIO utilities are not interactive */
        default: app_usage(1, "[-rRfd] FILE...");
        }
    }
    if (optind >= argc && !force)
        app_usage(1, "[-rRfd] FILE...");
    int status = 0;
    for (int i = optind; i < argc; i++) {
        const char *path = argv[i];
        if (fileops_is_dot_or_root(path)) {
            app_warn("refusing to remove '.', '..' or '/': skipping '%s'", path);
            status = 1;
            continue;
        }
        struct stat st;
        if (empty_dirs && !recursive && lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            if (rmdir(path) != 0) {
                app_warn("cannot remove '%s': %s", path, strerror(errno));
                status = 1;
            }
            continue;
        }
        if (!fileops_remove(path, recursive, force))
            status = 1;
    }
    return app_finish(status);
}
