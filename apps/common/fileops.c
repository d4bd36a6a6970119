/*
 * apps/common/fileops.c — file and tree copy and removal (see fileops.h).
 */
#include "fileops.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"

bool fileops_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *fileops_destination(int argc, char **argv, const char *usage, bool *into_dir)
{
    if (argc - optind < 2)
        app_usage(1, usage);
    const char *dest = argv[argc - 1];
    *into_dir = fileops_is_dir(dest);
    if (argc - optind > 2 && !*into_dir)
        app_die(1, "target '%s' is not a directory", dest);
    return dest;
}

char *fileops_target(const char *dest, bool into_dir, const char *source)
{
    return into_dir ? app_join_path(dest, app_basename(source)) : app_xstrdup(dest);
}

bool fileops_is_dot_or_root(const char *path)
{
    const char *base = app_basename(path);
    size_t n = strlen(base);
    while (n > 1 && base[n - 1] == '/')
        n--;
    return (n == 1 && base[0] == '.') || (n == 2 && base[0] == '.' && base[1] == '.') ||
           (n == 1 && base[0] == '/') || (n == 0 && path[0] == '/');
}

/* Copy the bytes of regular file src into dst (created or truncated). */
static bool copy_file(const char *src, const char *dst, const struct stat *st,
                      const struct copy_options *o)
{
    int in = open(src, O_RDONLY);
    if (in < 0) {
        app_warn_errno(src);
        return false;
    }
    int flags = O_WRONLY | O_CREAT | O_TRUNC | (o->no_clobber ? O_EXCL : 0);
    int out = open(dst, flags, 0644);
    if (out < 0) {
        bool ok = o->no_clobber && errno == EEXIST;
        if (!ok)
            app_warn_errno(dst);
        close(in);
        return ok;
    }
    char buf[65536];
    bool ok = true;
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n == 0)
            break;
        if (n < 0) {
            app_warn_errno(src);
            ok = false;
            break;
        }
        for (ssize_t done = 0; done < n;) {
            ssize_t w = write(out, buf + done, (size_t)(n - done));
            if (w < 0) {
                app_warn_errno(dst);
                ok = false;
                break;
            }
            done += w;
        }
        if (!ok)
            break;
    }
    if (ok && o->preserve_times) {
        struct timespec times[2] = { st->st_atim, st->st_mtim };
        if (futimens(out, times) != 0) {
            app_warn_errno(dst);
            ok = false;
        }
    }
    if (close(out) != 0 && ok) {
        app_warn_errno(dst);
        ok = false;
    }
    close(in);
    return ok;
}

static bool copy_tree(const char *src, const char *dst, const struct stat *st,
                      const struct copy_options *o)
{
    if (mkdir(dst, 0755) != 0 && !(errno == EEXIST && fileops_is_dir(dst))) {
        app_warn_errno(dst);
        return false;
    }
    DIR *d = opendir(src);
    if (!d) {
        app_warn_errno(src);
        return false;
    }
    bool ok = true;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *s = app_join_path(src, e->d_name), *t = app_join_path(dst, e->d_name);
        ok = fileops_copy(s, t, o) && ok;
        free(s);
        free(t);
    }
    closedir(d);
    if (ok && o->preserve_times) {
        struct timespec times[2] = { st->st_atim, st->st_mtim };
        utimensat(AT_FDCWD, dst, times, 0);
    }
    return ok;
}

bool fileops_copy(const char *src, const char *dst, const struct copy_options *o)
{
    struct stat st;
    if (stat(src, &st) != 0) {
        app_warn_errno(src);
        return false;
    }
    if (S_ISDIR(st.st_mode)) {
        if (!o->recursive) {
            app_warn("-r not specified; omitting directory '%s'", src);
            return false;
        }
        /* a directory copied into itself would never end */
        size_t n = strlen(src);
        if (strncmp(src, dst, n) == 0 && dst[n] == '/') {
            app_warn("cannot copy a directory, '%s', into itself, '%s'", src, dst);
            return false;
        }
        return copy_tree(src, dst, &st, o);
    }
    struct stat dst_st;
    if (stat(dst, &dst_st) == 0 && dst_st.st_dev == st.st_dev && dst_st.st_ino == st.st_ino &&
        st.st_ino != 0) {
        app_warn("'%s' and '%s' are the same file", src, dst);
        return false;
    }
    return copy_file(src, dst, &st, o);
}

bool fileops_remove(const char *path, bool recursive, bool force)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        if (force && errno == ENOENT)
            return true;
        app_warn("cannot remove '%s': %s", path, strerror(errno));
        return false;
    }
    if (!S_ISDIR(st.st_mode)) {
        if (unlink(path) != 0) {
            app_warn("cannot remove '%s': %s", path, strerror(errno));
            return false;
        }
        return true;
    }
    if (!recursive) {
        app_warn("cannot remove '%s': Is a directory", path);
        return false;
    }
    DIR *d = opendir(path);
    if (!d) {
        app_warn("cannot remove '%s': %s", path, strerror(errno));
        return false;
    }
    /* Collect the names first: removing while reading would skip entries. */
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        names = app_xrealloc(names, (n + 1) * sizeof *names);
        names[n++] = app_join_path(path, e->d_name);
    }
    closedir(d);
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        ok = fileops_remove(names[i], true, force) && ok;
        free(names[i]);
    }
    free(names);
    if (ok && rmdir(path) != 0) {
        app_warn("cannot remove '%s': %s", path, strerror(errno));
        ok = false;
    }
    return ok;
}
