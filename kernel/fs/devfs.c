/*
 * kernel/fs/devfs.c — /dev: a flat directory of character devices.
 *
 * The device table is global (drivers add to it at any time); each mount
 * makes one vnode per device on first lookup and keeps it until unmount.
 */
#include "fs/devfs.h"
#include "fs/vfs.h"
#include "lib/lib.h"
#include "mm/mm.h"

#define DEVFS_MAX 32
#define DEVFS_NAME_MAX 24

struct devfs_device {
    char name[DEVFS_NAME_MAX];
    const struct devfs_device_ops *ops;
    void *ctx;
};

static struct devfs_device devices[DEVFS_MAX];
static unsigned device_count;
static spinlock_t devfs_lock = SPINLOCK_INIT("devfs");
static struct devfs_hooks hooks;

struct devfs_mount {
    struct mutex lock;
    int64_t mounted_at;
    struct vnode *nodes[DEVFS_MAX];     /* made on first lookup */
};

static const struct vnode_ops devfs_dir_ops;
static const struct vnode_ops devfs_dev_ops;

/* ---- built-in devices ---- */

static int64_t null_read(void *ctx, void *buf, size_t len) { (void)ctx; (void)buf; (void)len; return 0; }
static int64_t sink_write(void *ctx, const void *buf, size_t len) { (void)ctx; (void)buf; return (int64_t)len; }

static int64_t zero_read(void *ctx, void *buf, size_t len)
{
    (void)ctx;
    memset(buf, 0, len);
    return (int64_t)len;
}

static int64_t random_read(void *ctx, void *buf, size_t len)
{
    (void)ctx;
    if (!hooks.random_fill)
        return -ENXIO;
    hooks.random_fill(buf, len);
    return (int64_t)len;
}

static int64_t console_read(void *ctx, void *buf, size_t len)
{
    (void)ctx;
    return hooks.console_read ? hooks.console_read(buf, len) : 0;
}

static int64_t console_write(void *ctx, const void *buf, size_t len)
{
    (void)ctx;
    return hooks.console_write ? hooks.console_write(buf, len) : (int64_t)len;
}

static const struct devfs_device_ops null_ops = { null_read, sink_write };
static const struct devfs_device_ops zero_ops = { zero_read, sink_write };
static const struct devfs_device_ops random_ops = { random_read, sink_write };
static const struct devfs_device_ops console_ops = { console_read, console_write };

int devfs_add(const char *name, const struct devfs_device_ops *ops, void *ctx)
{
    if (strlen(name) >= DEVFS_NAME_MAX || strchr(name, '/'))
        return -EINVAL;
    spin_lock(&devfs_lock);
    int rc = 0;
    for (unsigned i = 0; i < device_count; i++)
        if (strcmp(devices[i].name, name) == 0)
            rc = -EEXIST;
    if (rc == 0 && device_count == DEVFS_MAX)
        rc = -ENOSPC;
    if (rc == 0) {
        struct devfs_device *d = &devices[device_count];
        strlcpy(d->name, name, sizeof d->name);
        d->ops = ops;
        d->ctx = ctx;
        __atomic_store_n(&device_count, device_count + 1, __ATOMIC_RELEASE);
    }
    spin_unlock(&devfs_lock);
    return rc;
}

void devfs_set_hooks(const struct devfs_hooks *h)
{
    hooks = *h;
}

/* ---- vnodes ---- */

static unsigned dev_index(struct vnode *v)
{
    return (unsigned)(uintptr_t)v->fs;
}

static struct devfs_mount *dm_of(struct vnode *v)
{
    return v->mount->fs;
}

static int devfs_lookup(struct vnode *dir, const char *name, size_t len, struct vnode **out)
{
    struct devfs_mount *dm = dm_of(dir);
    unsigned count = __atomic_load_n(&device_count, __ATOMIC_ACQUIRE);
    for (unsigned i = 0; i < count; i++) {
        if (strlen(devices[i].name) != len || memcmp(devices[i].name, name, len) != 0)
            continue;
        mutex_lock(&dm->lock);
        struct vnode *v = dm->nodes[i];
        if (v) {
            vnode_get(v);
        } else {
            v = kzalloc(sizeof *v);
            if (!v) {
                mutex_unlock(&dm->lock);
                return -ENOMEM;
            }
            vnode_init(v, dir->mount, &devfs_dev_ops, VFS_CHR, (void *)(uintptr_t)i);
            dm->nodes[i] = v;
        }
        mutex_unlock(&dm->lock);
        *out = v;
        return 0;
    }
    return -ENOENT;
}

static int devfs_readdir(struct vnode *dir, uint64_t *cookie, struct vfs_dirent *out)
{
    (void)dir;
    unsigned count = __atomic_load_n(&device_count, __ATOMIC_ACQUIRE);
    if (*cookie >= count)
        return 0;
    unsigned i = (unsigned)*cookie;
    out->ino = i + 2;
    out->type = VFS_CHR;
    strlcpy(out->name, devices[i].name, sizeof out->name);
    *cookie = i + 1;
    return 1;
}

static int devfs_getattr(struct vnode *v, struct vfs_stat *st)
{
    bool dir = v->type == VFS_DIR;
    st->ino = dir ? 1 : dev_index(v) + 2;
    st->type = v->type;
    st->mode = dir ? 0755 : 0666;
    st->nlink = dir ? 2 : 1;
    st->blksize = 4096;
    st->atime_ns = st->mtime_ns = st->ctime_ns = dm_of(v)->mounted_at;
    return 0;
}

static int64_t devfs_read(struct vnode *v, uint64_t off, void *buf, size_t len)
{
    (void)off;
    struct devfs_device *d = &devices[dev_index(v)];
    return d->ops->read ? d->ops->read(d->ctx, buf, len) : -EINVAL;
}

static int64_t devfs_write(struct vnode *v, uint64_t off, const void *buf, size_t len)
{
    (void)off;
    struct devfs_device *d = &devices[dev_index(v)];
    return d->ops->write ? d->ops->write(d->ctx, buf, len) : -EINVAL;
}

static int devfs_truncate(struct vnode *v, uint64_t size)
{
    (void)v;
    (void)size;
    return 0;
}

static void devfs_release(struct vnode *v)
{
    vnode_release_ok(v);        /* kept until unmount */
}

static const struct vnode_ops devfs_dir_ops = {
    .lookup = devfs_lookup,
    .getattr = devfs_getattr,
    .readdir = devfs_readdir,
    .release = devfs_release,
};

static const struct vnode_ops devfs_dev_ops = {
    .read = devfs_read,
    .write = devfs_write,
    .truncate = devfs_truncate,
    .getattr = devfs_getattr,
    .release = devfs_release,
};

/* ---- mount ---- */

static int devfs_statfs(struct vfs_mount *mnt, struct vfs_statfs *out)
{
    (void)mnt;
    strlcpy(out->fs_type, "devfs", sizeof out->fs_type);
    out->block_size = 4096;
    out->name_max = DEVFS_NAME_MAX - 1;
    return 0;
}

static int devfs_unmount(struct vfs_mount *mnt)
{
    struct devfs_mount *dm = mnt->fs;
    for (unsigned i = 0; i < DEVFS_MAX; i++)
        kfree(dm->nodes[i]);
    kfree(mnt->root);
    kfree(dm);
    return 0;
}

static const struct vfs_mount_ops devfs_mount_ops = {
    .statfs = devfs_statfs,
    .unmount = devfs_unmount,
};

static int devfs_mount(struct vfs_mount *mnt, const char *source, unsigned flags)
{
    (void)source;
    (void)flags;
    struct devfs_mount *dm = kzalloc(sizeof *dm);
    struct vnode *root = kzalloc(sizeof *root);
    if (!dm || !root) {
        kfree(dm);
        kfree(root);
        return -ENOMEM;
    }
    mutex_init(&dm->lock, "devfs");
    dm->mounted_at = vfs_now();
    mnt->fs = dm;
    mnt->ops = &devfs_mount_ops;
    vnode_init(root, mnt, &devfs_dir_ops, VFS_DIR, NULL);
    mnt->root = root;
    return 0;
}

static struct vfs_fs_type devfs_type = { .name = "devfs", .mount = devfs_mount };

void devfs_register(void)
{
    static bool builtins;
    if (!builtins) {
        builtins = true;
        devfs_add("null", &null_ops, NULL);
        devfs_add("zero", &zero_ops, NULL);
        devfs_add("random", &random_ops, NULL);
        devfs_add("urandom", &random_ops, NULL);
        devfs_add("console", &console_ops, NULL);
    }
    vfs_register_fs(&devfs_type);
}
