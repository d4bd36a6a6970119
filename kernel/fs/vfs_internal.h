/*
 * kernel/fs/vfs_internal.h — what the VFS's own files share (vfs.c, vfs_path.c,
 * vfs_file.c). Not for file systems or users.
 */
#ifndef KPIO_VFS_INTERNAL_H
#define KPIO_VFS_INTERNAL_H

#include "fs/vfs.h"

/* The root directory with a new reference, or NULL if nothing is mounted. */
struct vnode *vfs_root_vnode(void);
/* v, or the root of whatever is mounted on it (repeatedly); consumes the
 * reference to v and returns one to the result. */
struct vnode *vfs_cross_mounts(struct vnode *v);
/* One step up: the parent of v, leaving mounts through their mount point;
 * the root stays the root. Consumes v's reference. -ENOENT for a removed
 * directory. */
int vfs_go_up(struct vnode *v, struct vnode **out);

/* Resolve path (flags: VFS_NOFOLLOW, VFS_RESOLVE_BENEATH) to a vnode with a reference. */
int vfs_lookup_path(struct vfs_file *base, const char *path, unsigned flags, struct vnode **out);

/* A path split into its directory (resolved, referenced) and last name. */
struct vfs_parent {
    struct vnode *dir;
    char *buf;                  /* owns the name */
    const char *name;
    size_t len;
    bool trailing_slash;
};
int vfs_lookup_parent(struct vfs_file *base, const char *path, unsigned flags,
                      struct vfs_parent *out);
void vfs_parent_release(struct vfs_parent *p);
/* The last name is "." or ".." or empty ("/"). */
bool vfs_parent_is_special(const struct vfs_parent *p);

/* Look name up in dir (no mount crossing, no link following). */
int vfs_lookup_child(struct vnode *dir, const char *name, size_t len, struct vnode **out);

/* Checked truncate / set_times on a vnode (path and file forms share them). */
int vfs_truncate_node(struct vnode *v, uint64_t size);
int vfs_set_times_node(struct vnode *v, int64_t atime_ns, int64_t mtime_ns);

static inline bool vfs_read_only(const struct vnode *v)
{
    return (v->mount->flags & VFS_MNT_RDONLY) != 0;
}

#endif
