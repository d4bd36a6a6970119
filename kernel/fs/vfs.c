/*
 * kernel/fs/vfs.c — file-system types, the mount table and vnode references.
 *
 * Locks: `mount_lock` (a mutex) serialises mount, unmount, sync-all and
 * listings; `vnode_lock` (a spinlock) guards every vnode's refs/releasing,
 * the mounts' busy counts and the covered_by links, so that path resolution
 * can cross mount points without the mutex.
 */
#include "fs/vfs.h"
#include "fs/vfs_internal.h"
#include "core/log.h"
#include "core/time.h"
#include "lib/lib.h"
#include "mm/mm.h"

static struct mutex mount_lock;
static spinlock_t vnode_lock = SPINLOCK_INIT("vnode");
static struct list_node fs_types = LIST_INIT(fs_types);
static struct list_node mounts = LIST_INIT(mounts);
static struct vfs_mount *root_mount;
static uint64_t next_mount_id = 1;
static bool vfs_ready;

static void vfs_init_once(void)
{
    /* Single-threaded at first use (the kernel mounts "/" during boot). */
    if (!vfs_ready) {
        mutex_init(&mount_lock, "vfs-mount");
        vfs_ready = true;
    }
}

int64_t vfs_now(void)
{
    return time_unix_ns();
}

/* ---- vnodes ---- */

void vnode_init(struct vnode *v, struct vfs_mount *mnt, const struct vnode_ops *ops,
                uint32_t type, void *fs)
{
    v->ops = ops;
    v->mount = mnt;
    v->type = type;
    v->refs = 1;
    v->releasing = 0;
    v->parent = NULL;
    v->covered_by = NULL;
    v->fs = fs;
    spin_lock(&vnode_lock);
    mnt->busy++;
    spin_unlock(&vnode_lock);
}

void vnode_get(struct vnode *v)
{
    spin_lock(&vnode_lock);
    if (v->refs++ == 0)
        v->mount->busy++;
    spin_unlock(&vnode_lock);
}

void vnode_put(struct vnode *v)
{
    spin_lock(&vnode_lock);
    if (v->refs == 0)
        panic("vnode_put: vnode %p has no references", (void *)v);
    bool last = --v->refs == 0;
    if (last) {
        v->mount->busy--;
        v->releasing++;
    }
    spin_unlock(&vnode_lock);
    if (last) {
        if (v->ops->release)
            v->ops->release(v);
        else
            vnode_release_ok(v);
    }
}

bool vnode_release_ok(struct vnode *v)
{
    spin_lock(&vnode_lock);
    v->releasing--;
    bool ok = v->refs == 0 && v->releasing == 0;
    spin_unlock(&vnode_lock);
    return ok;
}

uint32_t vnode_refs(struct vnode *v)
{
    spin_lock(&vnode_lock);
    uint32_t r = v->refs;
    spin_unlock(&vnode_lock);
    return r;
}

bool vnode_idle(struct vnode *v)
{
    spin_lock(&vnode_lock);
    bool idle = v->refs == 0 && v->releasing == 0;
    spin_unlock(&vnode_lock);
    return idle;
}

struct vnode *vfs_cross_mounts(struct vnode *v)
{
    spin_lock(&vnode_lock);
    while (v->covered_by) {
        struct vnode *root = v->covered_by->root;
        if (root->refs++ == 0)
            root->mount->busy++;
        /* Drop v inline: it is a mount point, it cannot reach zero here
         * because its mount holds a reference. */
        v->refs--;
        v = root;
    }
    spin_unlock(&vnode_lock);
    return v;
}

struct vnode *vfs_root_vnode(void)
{
    spin_lock(&vnode_lock);
    struct vnode *root = root_mount ? root_mount->root : NULL;
    if (root && root->refs++ == 0)
        root->mount->busy++;
    spin_unlock(&vnode_lock);
    return root;
}

int vfs_go_up(struct vnode *v, struct vnode **out)
{
    spin_lock(&vnode_lock);
    for (;;) {
        struct vfs_mount *mnt = v->mount;
        if (v != mnt->root || !mnt->covered)
            break;
        /* A mount's root: continue from the directory it is mounted on
         * (held by the mount, so it cannot go away). */
        struct vnode *covered = mnt->covered;
        covered->refs++;
        v->refs--;              /* the mount still holds its root */
        v = covered;
    }
    struct vnode *up = v;
    if (v != v->mount->root) {
        up = v->parent;
        if (!up) {
            spin_unlock(&vnode_lock);
            vnode_put(v);
            return -ENOENT;
        }
        if (up->refs++ == 0)
            up->mount->busy++;
    } else {
        up->refs++;             /* the global root stays the root */
    }
    spin_unlock(&vnode_lock);
    vnode_put(v);
    *out = up;
    return 0;
}

struct vnode *vnode_swap_parent(struct vnode *v, struct vnode *parent)
{
    spin_lock(&vnode_lock);
    struct vnode *old = v->parent;
    v->parent = parent;
    spin_unlock(&vnode_lock);
    return old;
}

/* ---- file-system types ---- */

static struct vfs_fs_type *find_type(const char *name)
{
    struct list_node *pos;
    list_for_each(pos, &fs_types) {
        struct vfs_fs_type *t = list_entry(pos, struct vfs_fs_type, node);
        if (strcmp(t->name, name) == 0)
            return t;
    }
    return NULL;
}

void vfs_register_fs(struct vfs_fs_type *type)
{
    vfs_init_once();
    mutex_lock(&mount_lock);
    if (!find_type(type->name))
        list_push_back(&fs_types, &type->node);
    mutex_unlock(&mount_lock);
}

/* ---- mounting ---- */

int vfs_mount(const char *type, const char *source, const char *path, unsigned flags)
{
    vfs_init_once();
    mutex_lock(&mount_lock);
    struct vfs_fs_type *t = find_type(type);
    struct vnode *dir = NULL;
    struct vfs_mount *mnt = NULL;
    int rc;
    if (!t) {
        rc = -ENODEV;
        goto fail;
    }
    if (!root_mount) {
        if (strcmp(path, "/") != 0) {
            rc = -ENOENT;
            goto fail;
        }
    } else {
        rc = vfs_lookup_path(NULL, path, 0, &dir);
        if (rc < 0)
            goto fail;
        rc = -ENOTDIR;
        if (dir->type != VFS_DIR)
            goto fail;
        /* Mounting on "/" again, or on a mount point's root, stacks nothing: refuse. */
        rc = -EBUSY;
        if (dir == dir->mount->root && (dir->mount == root_mount || dir->mount->covered))
            goto fail;
    }
    mnt = kzalloc(sizeof *mnt);
    rc = -ENOMEM;
    if (!mnt)
        goto fail;
    mnt->type = t;
    mnt->flags = flags;
    mnt->id = next_mount_id++;
    strlcpy(mnt->source, source ? source : t->name, sizeof mnt->source);
    strlcpy(mnt->path, path, sizeof mnt->path);
    rc = t->mount(mnt, source, flags);
    if (rc < 0)
        goto fail;
    spin_lock(&vnode_lock);
    if (dir && dir->covered_by) {
        spin_unlock(&vnode_lock);
        mnt->ops->unmount(mnt);
        rc = -EBUSY;
        goto fail;
    }
    mnt->covered = dir;             /* keeps our reference */
    if (dir)
        dir->covered_by = mnt;
    else
        root_mount = mnt;
    spin_unlock(&vnode_lock);
    list_push_back(&mounts, &mnt->node);
    mutex_unlock(&mount_lock);
    log_debug("vfs: mounted %s (%s) at %s%s", mnt->source, type, path,
             (flags & VFS_MNT_RDONLY) ? " read-only" : "");
    return 0;
fail:
    if (dir)
        vnode_put(dir);
    kfree(mnt);
    mutex_unlock(&mount_lock);
    return rc;
}

/* Unmount mnt (mount_lock held). */
static int umount_locked(struct vfs_mount *mnt)
{
    spin_lock(&vnode_lock);
    if (mnt->busy != 1 || mnt->root->refs != 1) {
        spin_unlock(&vnode_lock);
        return -EBUSY;
    }
    if (mnt->covered)
        mnt->covered->covered_by = NULL;
    else
        root_mount = NULL;
    spin_unlock(&vnode_lock);
    list_remove(&mnt->node);
    int rc = mnt->ops->unmount(mnt);
    if (rc < 0)
        log_err("vfs: unmounting %s: error %d", mnt->path, rc);
    if (mnt->covered)
        vnode_put(mnt->covered);
    kfree(mnt);
    return rc;
}

int vfs_umount(const char *path)
{
    vfs_init_once();
    mutex_lock(&mount_lock);
    struct vnode *v;
    int rc = vfs_lookup_path(NULL, path, 0, &v);
    if (rc == 0) {
        struct vfs_mount *mnt = v->mount;
        bool is_root = v == mnt->root;
        vnode_put(v);
        rc = is_root ? umount_locked(mnt) : -EINVAL;
    }
    mutex_unlock(&mount_lock);
    return rc;
}

int vfs_umount_all(void)
{
    vfs_init_once();
    int first = 0;
    mutex_lock(&mount_lock);
    while (!list_empty(&mounts)) {
        struct vfs_mount *mnt = list_entry(mounts.prev, struct vfs_mount, node);
        int rc = umount_locked(mnt);
        if (rc == -EBUSY) {
            log_err("vfs: %s is busy, syncing it instead", mnt->path);
            rc = mnt->ops->sync ? mnt->ops->sync(mnt) : 0;
            list_remove(&mnt->node);     /* left mounted but forgotten */
            rc = rc ? rc : -EBUSY;
        }
        if (rc < 0 && first == 0)
            first = rc;
    }
    mutex_unlock(&mount_lock);
    return first;
}

int vfs_sync_all(void)
{
    vfs_init_once();
    int first = 0;
    mutex_lock(&mount_lock);
    struct list_node *pos;
    list_for_each(pos, &mounts) {
        struct vfs_mount *mnt = list_entry(pos, struct vfs_mount, node);
        int rc = mnt->ops->sync ? mnt->ops->sync(mnt) : 0;
        if (rc < 0) {
            log_err("vfs: sync of %s failed: %d", mnt->path, rc);
            if (first == 0)
                first = rc;
        }
    }
    mutex_unlock(&mount_lock);
    return first;
}

int vfs_for_each_mount(int (*fn)(struct vfs_mount *mnt, void *arg), void *arg)
{
    vfs_init_once();
    int rc = 0;
    mutex_lock(&mount_lock);
    struct list_node *pos;
    list_for_each(pos, &mounts) {
        rc = fn(list_entry(pos, struct vfs_mount, node), arg);
        if (rc)
            break;
    }
    mutex_unlock(&mount_lock);
    return rc;
}
