/*
 * kernel/fs/vfs_path.c — path resolution and the path-based operations
 * (stat, mkdir, rmdir, unlink, rename, symlink, link, readlink, truncate,
 * set_times, statfs).
 *
 * Resolution walks one component at a time from the base directory (or the
 * root for absolute paths): "." stays, ".." goes to the parent (leaving
 * mounts through their mount point; the root's parent is the root), names
 * are looked up by the file system and mount points crossed. A symbolic link
 * is replaced by its target, resolved from the link's directory, at most
 * VFS_SYMLINK_MAX times per resolution (-ELOOP). With VFS_RESOLVE_BENEATH the
 * walk counts its depth below the base and refuses (-EXDEV) to go above it,
 * to start at "/" or to follow an absolute link.
 */
#include "fs/vfs.h"
#include "fs/vfs_internal.h"
#include "lib/lib.h"
#include "mm/mm.h"

struct walk {
    unsigned flags;
    int links;
};

/* The starting directory for a path: base's, or the root. */
static int start_dir(struct vfs_file *base, struct vnode **out)
{
    if (!base) {
        *out = vfs_root_vnode();
        return *out ? 0 : -ENOENT;
    }
    if (base->node->type != VFS_DIR)
        return -ENOTDIR;
    vnode_get(base->node);
    *out = base->node;
    return 0;
}

int vfs_lookup_child(struct vnode *dir, const char *name, size_t len, struct vnode **out)
{
    if (dir->type != VFS_DIR)
        return -ENOTDIR;
    if (len > VFS_NAME_MAX)
        return -ENAMETOOLONG;
    if (!dir->ops->lookup)
        return -ENOENT;
    return dir->ops->lookup(dir, name, len, out);
}

/* Walk path from cur (its reference is consumed). follow_last: follow a link
 * in the last component. *depth: levels below the base (BENEATH). */
static int walk(struct walk *w, struct vnode *cur, const char *path, bool follow_last,
                int *depth, struct vnode **out)
{
    const char *p = path;
    bool beneath = (w->flags & VFS_RESOLVE_BENEATH) != 0;
    int rc;
    if (*p == '/') {
        vnode_put(cur);
        if (beneath)
            return -EXDEV;
        cur = vfs_root_vnode();
        if (!cur)
            return -ENOENT;
        while (*p == '/')
            p++;
    }
    bool must_be_dir = false;
    while (*p) {
        const char *name = p;
        while (*p && *p != '/')
            p++;
        size_t len = (size_t)(p - name);
        bool slash = *p == '/';
        while (*p == '/')
            p++;
        bool last = *p == 0;
        if (slash && last)
            must_be_dir = true;
        if (cur->type != VFS_DIR) {
            rc = -ENOTDIR;
            goto fail;
        }
        if (len == 1 && name[0] == '.')
            continue;
        if (len == 2 && name[0] == '.' && name[1] == '.') {
            if (beneath) {
                if (*depth == 0) {
                    rc = -EXDEV;
                    goto fail;
                }
                (*depth)--;
            }
            rc = vfs_go_up(cur, &cur);
            if (rc < 0)
                return rc;
            continue;
        }
        struct vnode *child;
        rc = vfs_lookup_child(cur, name, len, &child);
        if (rc < 0)
            goto fail;
        child = vfs_cross_mounts(child);
        if (child->type == VFS_LNK && (!last || follow_last || slash)) {
            if (++w->links > VFS_SYMLINK_MAX) {
                vnode_put(child);
                rc = -ELOOP;
                goto fail;
            }
            char *target = kmalloc(VFS_PATH_MAX);
            if (!target) {
                vnode_put(child);
                rc = -ENOMEM;
                goto fail;
            }
            rc = child->ops->readlink ? child->ops->readlink(child, target, VFS_PATH_MAX - 1)
                                      : -EINVAL;
            vnode_put(child);
            if (rc == 0)
                rc = -ENOENT;
            if (rc < 0) {
                kfree(target);
                goto fail;
            }
            target[rc] = 0;
            /* The target is resolved from the link's directory. */
            struct vnode *res;
            rc = walk(w, cur, target, true, depth, &res);
            kfree(target);
            if (rc < 0)
                return rc;
            cur = res;
            continue;
        }
        vnode_put(cur);
        cur = child;
        if (beneath)
            (*depth)++;
    }
    if (must_be_dir && cur->type != VFS_DIR) {
        rc = -ENOTDIR;
        goto fail;
    }
    *out = cur;
    return 0;
fail:
    vnode_put(cur);
    return rc;
}

static int check_path(const char *path)
{
    size_t len = strnlen(path, VFS_PATH_MAX);
    if (len == 0)
        return -ENOENT;
    if (len >= VFS_PATH_MAX)
        return -ENAMETOOLONG;
    return 0;
}

int vfs_lookup_path(struct vfs_file *base, const char *path, unsigned flags, struct vnode **out)
{
    int rc = check_path(path);
    if (rc < 0)
        return rc;
    struct vnode *start;
    rc = start_dir(base, &start);
    if (rc < 0)
        return rc;
    struct walk w = { flags, 0 };
    int depth = 0;
    return walk(&w, start, path, !(flags & VFS_NOFOLLOW), &depth, out);
}

int vfs_lookup_parent(struct vfs_file *base, const char *path, unsigned flags,
                      struct vfs_parent *out)
{
    memset(out, 0, sizeof *out);
    int rc = check_path(path);
    if (rc < 0)
        return rc;
    size_t len = strlen(path);
    char *buf = kmalloc(len + 2);
    if (!buf)
        return -ENOMEM;
    memcpy(buf, path, len + 1);
    /* Strip trailing slashes (remembering them), then split at the last '/'. */
    while (len > 1 && buf[len - 1] == '/') {
        buf[--len] = 0;
        out->trailing_slash = true;
    }
    char *slash = strrchr(buf, '/');
    const char *dirpath;
    if (!slash) {
        out->name = buf;
        dirpath = ".";
    } else if (slash == buf && len == 1) {
        out->name = buf + 1;            /* "/" itself: empty last name */
        dirpath = "/";
    } else {
        out->name = slash + 1;
        *slash = 0;
        dirpath = slash == buf ? "/" : buf;
    }
    out->len = strlen(out->name);
    out->buf = buf;
    struct vnode *start;
    rc = start_dir(base, &start);
    if (rc == 0) {
        struct walk w = { flags, 0 };
        int depth = 0;
        rc = walk(&w, start, dirpath, true, &depth, &out->dir);
        if (rc == 0 && out->dir->type != VFS_DIR) {
            vnode_put(out->dir);
            rc = -ENOTDIR;
        }
        if (rc == 0 && (flags & VFS_RESOLVE_BENEATH) && depth == 0 && out->len == 2 &&
            out->name[0] == '.' && out->name[1] == '.') {
            vnode_put(out->dir);
            rc = -EXDEV;
        }
    }
    if (rc < 0) {
        kfree(buf);
        out->dir = NULL;
        out->buf = NULL;
        return rc;
    }
    if (out->len > VFS_NAME_MAX) {
        vfs_parent_release(out);
        return -ENAMETOOLONG;
    }
    return 0;
}

void vfs_parent_release(struct vfs_parent *p)
{
    if (p->dir)
        vnode_put(p->dir);
    kfree(p->buf);
    p->dir = NULL;
    p->buf = NULL;
}

bool vfs_parent_is_special(const struct vfs_parent *p)
{
    return p->len == 0 || (p->len == 1 && p->name[0] == '.') ||
           (p->len == 2 && p->name[0] == '.' && p->name[1] == '.');
}

/* ---- path operations ---- */

int vfs_stat(struct vfs_file *base, const char *path, unsigned flags, struct vfs_stat *st)
{
    struct vnode *v;
    int rc = vfs_lookup_path(base, path, flags, &v);
    if (rc < 0)
        return rc;
    memset(st, 0, sizeof *st);
    rc = v->ops->getattr(v, st);
    st->dev = v->mount->id;
    vnode_put(v);
    return rc;
}

/* May a new entry named p->name be made in p->dir? 0, -EEXIST or -EROFS. */
static int check_new_name(struct vfs_parent *p)
{
    struct vnode *child;
    if (vfs_parent_is_special(p))
        return -EEXIST;
    if (vfs_lookup_child(p->dir, p->name, p->len, &child) == 0) {
        vnode_put(child);
        return -EEXIST;
    }
    return vfs_read_only(p->dir) ? -EROFS : 0;
}

int vfs_mkdir(struct vfs_file *base, const char *path, unsigned flags, uint32_t mode)
{
    struct vfs_parent p;
    int rc = vfs_lookup_parent(base, path, flags, &p);
    if (rc < 0)
        return rc;
    rc = check_new_name(&p);
    if (rc == 0 && !p.dir->ops->create)
        rc = -EPERM;
    if (rc == 0) {
        struct vnode *child;
        rc = p.dir->ops->create(p.dir, p.name, p.len, VFS_DIR, mode, &child);
        if (rc == 0)
            vnode_put(child);
    }
    vfs_parent_release(&p);
    return rc;
}

/* Remove the last name of path: an empty directory (rmdir) or anything
 * else (unlink), with the errors POSIX gives each. */
static int remove_name(struct vfs_file *base, const char *path, unsigned flags, bool rmdir)
{
    struct vfs_parent p;
    int rc = vfs_lookup_parent(base, path, flags, &p);
    if (rc < 0)
        return rc;
    struct vnode *child = NULL;
    if (vfs_parent_is_special(&p)) {
        /* "", "." and "..": the root, the directory itself, its parent. */
        rc = !rmdir ? -EISDIR : p.len == 0 ? -EBUSY : p.len == 1 ? -EINVAL : -ENOTEMPTY;
    } else if ((rc = vfs_lookup_child(p.dir, p.name, p.len, &child)) == 0) {
        if (rmdir && child->type != VFS_DIR)
            rc = -ENOTDIR;
        else if (!rmdir && child->type == VFS_DIR)
            rc = -EISDIR;
        else if (!rmdir && p.trailing_slash)
            rc = -ENOTDIR;
        else if (child->covered_by)
            rc = -EBUSY;
        else if (vfs_read_only(p.dir))
            rc = -EROFS;
        else if (!p.dir->ops->unlink)
            rc = -EPERM;
        else
            rc = p.dir->ops->unlink(p.dir, p.name, p.len, rmdir);
        vnode_put(child);
    }
    vfs_parent_release(&p);
    return rc;
}

int vfs_rmdir(struct vfs_file *base, const char *path, unsigned flags)
{
    return remove_name(base, path, flags, true);
}

int vfs_unlink(struct vfs_file *base, const char *path, unsigned flags)
{
    return remove_name(base, path, flags, false);
}

/* True if dir is `ancestor` or lies below it (following parent links). */
static bool is_inside(struct vnode *dir, struct vnode *ancestor)
{
    struct vnode *v = dir;
    vnode_get(v);
    bool inside = false;
    for (;;) {
        if (v == ancestor) {
            inside = true;
            break;
        }
        if (v == v->mount->root)
            break;
        if (vfs_go_up(v, &v) < 0)
            return false;
    }
    vnode_put(v);
    return inside;
}

/* Any entry besides "." and ".." in dir? */
static int dir_is_empty(struct vnode *dir)
{
    struct vfs_dirent *d = kmalloc(sizeof *d);
    if (!d)
        return -ENOMEM;
    uint64_t cookie = 0;
    int rc = dir->ops->readdir ? dir->ops->readdir(dir, &cookie, d) : 0;
    kfree(d);
    if (rc < 0)
        return rc;
    return rc == 0;
}

int vfs_rename(struct vfs_file *oldbase, const char *oldpath, struct vfs_file *newbase,
               const char *newpath, unsigned flags)
{
    struct vfs_parent op, np;
    int rc = vfs_lookup_parent(oldbase, oldpath, flags, &op);
    if (rc < 0)
        return rc;
    rc = vfs_lookup_parent(newbase, newpath, flags, &np);
    if (rc < 0) {
        vfs_parent_release(&op);
        return rc;
    }
    struct vnode *old = NULL, *target = NULL;
    if (vfs_parent_is_special(&op) || vfs_parent_is_special(&np)) {
        rc = -EINVAL;
        goto out;
    }
    if (op.dir->mount != np.dir->mount) {
        rc = -EXDEV;
        goto out;
    }
    if (vfs_read_only(op.dir)) {
        rc = -EROFS;
        goto out;
    }
    rc = vfs_lookup_child(op.dir, op.name, op.len, &old);
    if (rc < 0)
        goto out;
    if (old->covered_by) {
        rc = -EBUSY;
        goto out;
    }
    if (old->type != VFS_DIR && (op.trailing_slash || np.trailing_slash)) {
        rc = -ENOTDIR;
        goto out;
    }
    rc = vfs_lookup_child(np.dir, np.name, np.len, &target);
    if (rc == 0) {
        if (target == old) {
            /* The same file: nothing to do, unless a case-insensitive file
             * system is asked to change the spelling of the name. */
            bool same_name = op.len == np.len && memcmp(op.name, np.name, op.len) == 0;
            vnode_put(target);
            target = NULL;
            if (op.dir != np.dir || same_name) {
                rc = 0;
                goto out;
            }
        } else if (target->covered_by) {
            rc = -EBUSY;
            goto out;
        }
        if (target && old->type == VFS_DIR && target->type != VFS_DIR) {
            rc = -ENOTDIR;
            goto out;
        }
        if (target && old->type != VFS_DIR && target->type == VFS_DIR) {
            rc = -EISDIR;
            goto out;
        }
        if (target && target->type == VFS_DIR) {
            rc = dir_is_empty(target);
            if (rc <= 0) {
                rc = rc < 0 ? rc : -ENOTEMPTY;
                goto out;
            }
        }
    } else if (rc != -ENOENT) {
        goto out;
    }
    if (old->type == VFS_DIR && is_inside(np.dir, old)) {
        rc = -EINVAL;
        goto out;
    }
    rc = op.dir->ops->rename ? op.dir->ops->rename(op.dir, op.name, op.len, np.dir, np.name, np.len)
                             : -EPERM;
out:
    if (old)
        vnode_put(old);
    if (target)
        vnode_put(target);
    vfs_parent_release(&op);
    vfs_parent_release(&np);
    return rc;
}

int vfs_symlink(const char *target, struct vfs_file *base, const char *path, unsigned flags)
{
    size_t tlen = strnlen(target, VFS_PATH_MAX);
    if (tlen == 0)
        return -ENOENT;
    if (tlen >= VFS_PATH_MAX)
        return -ENAMETOOLONG;
    struct vfs_parent p;
    int rc = vfs_lookup_parent(base, path, flags, &p);
    if (rc < 0)
        return rc;
    rc = check_new_name(&p);
    if (rc == 0)
        rc = p.dir->ops->symlink ? p.dir->ops->symlink(p.dir, p.name, p.len, target) : -EPERM;
    vfs_parent_release(&p);
    return rc;
}

int vfs_link(struct vfs_file *oldbase, const char *oldpath, struct vfs_file *newbase,
             const char *newpath, unsigned flags)
{
    struct vnode *old;
    int rc = vfs_lookup_path(oldbase, oldpath, flags | VFS_NOFOLLOW, &old);
    if (rc < 0)
        return rc;
    struct vfs_parent p;
    rc = vfs_lookup_parent(newbase, newpath, flags, &p);
    if (rc < 0) {
        vnode_put(old);
        return rc;
    }
    if (old->type == VFS_DIR)
        rc = -EPERM;
    else if (p.dir->mount != old->mount && !vfs_parent_is_special(&p))
        rc = -EXDEV;
    else if ((rc = check_new_name(&p)) == 0)
        rc = p.dir->ops->link ? p.dir->ops->link(p.dir, p.name, p.len, old) : -EPERM;
    vfs_parent_release(&p);
    vnode_put(old);
    return rc;
}

int vfs_readlink(struct vfs_file *base, const char *path, unsigned flags, char *buf, size_t size)
{
    struct vnode *v;
    int rc = vfs_lookup_path(base, path, flags | VFS_NOFOLLOW, &v);
    if (rc < 0)
        return rc;
    if (v->type != VFS_LNK || !v->ops->readlink)
        rc = -EINVAL;
    else
        rc = v->ops->readlink(v, buf, size);
    vnode_put(v);
    return rc;
}

/* Truncate a vnode (shared with vfs_ftruncate). */
int vfs_truncate_node(struct vnode *v, uint64_t size)
{
    if (v->type == VFS_DIR)
        return -EISDIR;
    if (v->type != VFS_REG)
        return -EINVAL;
    if (vfs_read_only(v))
        return -EROFS;
    return v->ops->truncate ? v->ops->truncate(v, size) : -EINVAL;
}

int vfs_truncate(struct vfs_file *base, const char *path, unsigned flags, uint64_t size)
{
    struct vnode *v;
    int rc = vfs_lookup_path(base, path, flags, &v);
    if (rc < 0)
        return rc;
    rc = vfs_truncate_node(v, size);
    vnode_put(v);
    return rc;
}

/* Set times on a vnode (shared with vfs_fset_times). */
int vfs_set_times_node(struct vnode *v, int64_t atime_ns, int64_t mtime_ns)
{
    if (vfs_read_only(v))
        return -EROFS;
    int64_t now = vfs_now();
    if (atime_ns == VFS_TIME_NOW)
        atime_ns = now;
    if (mtime_ns == VFS_TIME_NOW)
        mtime_ns = now;
    return v->ops->set_times ? v->ops->set_times(v, atime_ns, mtime_ns) : -EPERM;
}

int vfs_set_times(struct vfs_file *base, const char *path, unsigned flags,
                  int64_t atime_ns, int64_t mtime_ns)
{
    struct vnode *v;
    int rc = vfs_lookup_path(base, path, flags, &v);
    if (rc < 0)
        return rc;
    rc = vfs_set_times_node(v, atime_ns, mtime_ns);
    vnode_put(v);
    return rc;
}

int vfs_statfs(struct vfs_file *base, const char *path, unsigned flags, struct vfs_statfs *out)
{
    struct vnode *v;
    int rc = vfs_lookup_path(base, path, flags, &v);
    if (rc < 0)
        return rc;
    memset(out, 0, sizeof *out);
    rc = v->mount->ops->statfs ? v->mount->ops->statfs(v->mount, out) : -ENOSYS;
    if (v->mount->flags & VFS_MNT_RDONLY)
        out->read_only = true;
    vnode_put(v);
    return rc;
}
