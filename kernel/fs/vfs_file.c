/*
 * kernel/fs/vfs_file.c — open-file objects: open (with create, exclusive,
 * truncate, append, directory and no-follow flags), reading, writing,
 * seeking, directory listing, stat, truncate, fsync.
 */
#include "fs/vfs.h"
#include "fs/vfs_internal.h"
#include "lib/lib.h"
#include "mm/mm.h"

static bool can_read(const struct vfs_file *f)
{
    return (f->flags & VFS_O_ACCMODE) != VFS_O_WRONLY;
}

static bool can_write(const struct vfs_file *f)
{
    uint32_t acc = f->flags & VFS_O_ACCMODE;
    return acc == VFS_O_WRONLY || acc == VFS_O_RDWR;
}

/* Find or create the last component of path for an O_CREAT open. */
static int open_create(struct vfs_file *base, const char *path, uint32_t flags, uint32_t mode,
                       struct vnode **out)
{
    struct vfs_parent p;
    int rc = vfs_lookup_parent(base, path, flags & VFS_RESOLVE_BENEATH, &p);
    if (rc < 0)
        return rc;
    struct vnode *v = NULL;
    if (vfs_parent_is_special(&p)) {
        rc = (flags & VFS_O_EXCL) ? -EEXIST : -EISDIR;
        goto out;
    }
    rc = vfs_lookup_child(p.dir, p.name, p.len, &v);
    if (rc == 0) {
        if (flags & VFS_O_EXCL) {
            rc = -EEXIST;
            goto out;
        }
        v = vfs_cross_mounts(v);
        if (v->type == VFS_LNK) {
            if (flags & VFS_O_NOFOLLOW) {
                rc = -ELOOP;
                goto out;
            }
            /* An existing link: open what it points to (not created if dangling). */
            vnode_put(v);
            v = NULL;
            rc = vfs_lookup_path(base, path, flags & VFS_RESOLVE_BENEATH, &v);
        }
        goto out;
    }
    if (rc != -ENOENT)
        goto out;
    if (p.trailing_slash)
        rc = -EISDIR;
    else if (vfs_read_only(p.dir))
        rc = -EROFS;
    else if (!p.dir->ops->create)
        rc = -EPERM;
    else
        rc = p.dir->ops->create(p.dir, p.name, p.len, VFS_REG, mode, &v);
out:
    vfs_parent_release(&p);
    if (rc < 0 && v)
        vnode_put(v);
    if (rc == 0)
        *out = v;
    return rc;
}

int vfs_open(struct vfs_file *base, const char *path, uint32_t flags, uint32_t mode,
             struct vfs_file **out)
{
    struct vnode *v;
    int rc;
    if (flags & VFS_O_CREAT) {
        rc = open_create(base, path, flags, mode, &v);
    } else {
        rc = vfs_lookup_path(base, path, flags & (VFS_RESOLVE_BENEATH | VFS_O_NOFOLLOW), &v);
        if (rc == 0 && v->type == VFS_LNK) {
            vnode_put(v);
            rc = -ELOOP;
        }
    }
    if (rc < 0)
        return rc;
    uint32_t acc = flags & VFS_O_ACCMODE;
    bool writing = acc == VFS_O_WRONLY || acc == VFS_O_RDWR;
    if (acc == VFS_O_ACCMODE)
        rc = -EINVAL;
    else if ((flags & VFS_O_DIRECTORY) && v->type != VFS_DIR)
        rc = -ENOTDIR;
    else if (v->type == VFS_DIR && (writing || (flags & VFS_O_TRUNC)))
        rc = -EISDIR;
    else if (writing && vfs_read_only(v) && v->type != VFS_CHR)
        rc = -EROFS;
    else if ((flags & VFS_O_TRUNC) && writing && v->type == VFS_REG)
        rc = vfs_truncate_node(v, 0);
    if (rc < 0) {
        vnode_put(v);
        return rc;
    }
    struct vfs_file *f = kzalloc(sizeof *f);
    if (!f) {
        vnode_put(v);
        return -ENOMEM;
    }
    f->node = v;
    f->flags = flags;
    f->refs = 1;
    mutex_init(&f->lock, "vfs-file");
    *out = f;
    return 0;
}

void vfs_file_get(struct vfs_file *f)
{
    __atomic_fetch_add(&f->refs, 1, __ATOMIC_RELAXED);
}

void vfs_close(struct vfs_file *f)
{
    if (__atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    vnode_put(f->node);
    kfree(f);
}

int64_t vfs_pread(struct vfs_file *f, void *buf, size_t len, uint64_t off)
{
    struct vnode *v = f->node;
    if (!can_read(f))
        return -EBADF;
    if (v->type == VFS_DIR)
        return -EISDIR;
    if (!v->ops->read)
        return -EINVAL;
    if (len == 0)
        return 0;
    return v->ops->read(v, off, buf, len);
}

int64_t vfs_pwrite(struct vfs_file *f, const void *buf, size_t len, uint64_t off)
{
    struct vnode *v = f->node;
    if (!can_write(f))
        return -EBADF;
    if (v->type == VFS_DIR)
        return -EISDIR;
    if (!v->ops->write)
        return -EINVAL;
    if (vfs_read_only(v) && v->type != VFS_CHR)
        return -EROFS;
    if (len == 0)
        return 0;
    return v->ops->write(v, off, buf, len);
}

int64_t vfs_read(struct vfs_file *f, void *buf, size_t len)
{
    mutex_lock(&f->lock);
    int64_t n = vfs_pread(f, buf, len, f->offset);
    if (n > 0)
        f->offset += (uint64_t)n;
    mutex_unlock(&f->lock);
    return n;
}

int64_t vfs_write(struct vfs_file *f, const void *buf, size_t len)
{
    mutex_lock(&f->lock);
    int64_t n;
    if ((f->flags & VFS_O_APPEND) && f->node->type == VFS_REG) {
        /* Append: the file system writes at its current end. */
        n = vfs_pwrite(f, buf, len, VFS_APPEND_OFFSET);
        struct vfs_stat st;
        if (n >= 0 && f->node->ops->getattr(f->node, &st) == 0)
            f->offset = st.size;
    } else {
        n = vfs_pwrite(f, buf, len, f->offset);
        if (n > 0)
            f->offset += (uint64_t)n;
    }
    mutex_unlock(&f->lock);
    return n;
}

int64_t vfs_seek(struct vfs_file *f, int64_t off, int whence)
{
    struct vnode *v = f->node;
    mutex_lock(&f->lock);
    int64_t base;
    int64_t rc;
    if (v->type == VFS_DIR) {
        /* Directories rewind only; vfs_seekdir continues at a cookie. */
        if (whence == VFS_SEEK_SET && off == 0) {
            f->dir_cookie = 0;
            rc = 0;
        } else {
            rc = -EINVAL;
        }
        mutex_unlock(&f->lock);
        return rc;
    }
    if (v->type == VFS_CHR) {
        f->offset = 0;
        mutex_unlock(&f->lock);
        return 0;
    }
    switch (whence) {
    case VFS_SEEK_SET:
        base = 0;
        break;
    case VFS_SEEK_CUR:
        base = (int64_t)f->offset;
        break;
    case VFS_SEEK_END: {
        struct vfs_stat st;
        rc = v->ops->getattr(v, &st);
        if (rc < 0) {
            mutex_unlock(&f->lock);
            return rc;
        }
        base = (int64_t)st.size;
        break;
    }
    default:
        mutex_unlock(&f->lock);
        return -EINVAL;
    }
    if ((off > 0 && base > INT64_MAX - off) || base + off < 0) {
        rc = -EINVAL;
    } else {
        f->offset = (uint64_t)(base + off);
        rc = base + off;
    }
    mutex_unlock(&f->lock);
    return rc;
}

int vfs_fstat(struct vfs_file *f, struct vfs_stat *st)
{
    memset(st, 0, sizeof *st);
    int rc = f->node->ops->getattr(f->node, st);
    st->dev = f->node->mount->id;
    return rc;
}

int vfs_ftruncate(struct vfs_file *f, uint64_t size)
{
    if (!can_write(f))
        return f->node->type == VFS_DIR ? -EISDIR : -EBADF;
    return vfs_truncate_node(f->node, size);
}

int vfs_fsync(struct vfs_file *f)
{
    struct vnode *v = f->node;
    if (vfs_read_only(v))
        return 0;
    if (v->ops->fsync)
        return v->ops->fsync(v);
    return v->mount->ops->sync ? v->mount->ops->sync(v->mount) : 0;
}

int vfs_fset_times(struct vfs_file *f, int64_t atime_ns, int64_t mtime_ns)
{
    return vfs_set_times_node(f->node, atime_ns, mtime_ns);
}

int vfs_fstatfs(struct vfs_file *f, struct vfs_statfs *out)
{
    struct vfs_mount *mnt = f->node->mount;
    memset(out, 0, sizeof *out);
    int rc = mnt->ops->statfs ? mnt->ops->statfs(mnt, out) : -ENOSYS;
    if (mnt->flags & VFS_MNT_RDONLY)
        out->read_only = true;
    return rc;
}

/* The inode number of v (0 if getattr fails). */
static uint64_t ino_of(struct vnode *v)
{
    struct vfs_stat st;
    return v->ops->getattr(v, &st) == 0 ? st.ino : 0;
}

/* Cookies: 0 is ".", 1 is "..", 2 + c is the file system's cookie c. */
int vfs_readdir(struct vfs_file *f, struct vfs_dirent *out)
{
    struct vnode *v = f->node;
    if (v->type != VFS_DIR)
        return -ENOTDIR;
    mutex_lock(&f->lock);
    int rc = 1;
    memset(out, 0, offsetof(struct vfs_dirent, name) + 1);
    if (f->dir_cookie < 2) {
        bool dotdot = f->dir_cookie == 1;
        strlcpy(out->name, dotdot ? ".." : ".", sizeof out->name);
        out->type = VFS_DIR;
        out->ino = ino_of(v);
        if (dotdot) {
            struct vnode *up;
            vnode_get(v);
            if (vfs_go_up(v, &up) == 0) {
                out->ino = ino_of(up);
                vnode_put(up);
            }
        }
        f->dir_cookie++;
    } else if (!v->ops->readdir) {
        rc = 0;
    } else {
        uint64_t cookie = f->dir_cookie - 2;
        rc = v->ops->readdir(v, &cookie, out);
        if (rc > 0)
            f->dir_cookie = cookie + 2;
    }
    out->next_cookie = f->dir_cookie;
    mutex_unlock(&f->lock);
    return rc;
}

int vfs_seekdir(struct vfs_file *f, uint64_t cookie)
{
    if (f->node->type != VFS_DIR)
        return -ENOTDIR;
    mutex_lock(&f->lock);
    f->dir_cookie = cookie;
    mutex_unlock(&f->lock);
    return 0;
}
