/*
 * apps/common/fileops.h — copying and removing files and trees, shared by
 * cp, mv and rm. Each function reports its own errors ("prog: path: why")
 * and returns true on success.
 */
#ifndef KPIO_FILEOPS_H
#define KPIO_FILEOPS_H

#include <stdbool.h>

struct copy_options {
    bool recursive;        /* copy directories and what they hold */
    bool no_clobber;       /* leave an existing destination alone */
    bool preserve_times;   /* give copies the source's access and modification times */
};

/* Copy src to dst (dst is the new name, not a directory to copy into). */
bool fileops_copy(const char *src, const char *dst, const struct copy_options *o);

/* Remove path; recursive removes directories with their contents. With
 * force, a missing path is not an error. */
bool fileops_remove(const char *path, bool recursive, bool force);

/* cp and mv: the operands after the options are SOURCE... DEST. Returns
 * DEST and sets *into_dir when sources go inside it (DEST is a directory);
 * exits with a usage message or "not a directory" error otherwise. */
const char *fileops_destination(int argc, char **argv, const char *usage, bool *into_dir);

/* The path a source is copied or moved to (malloc'd). */
char *fileops_target(const char *dest, bool into_dir, const char *source);

/* True if path names a directory (following symlinks). */
bool fileops_is_dir(const char *path);

/* Refuse to operate on "." / ".." / "/" as the last component. */
bool fileops_is_dot_or_root(const char *path);

#endif
