/*
 * kernel/fs/tmpfs.c — a file system in memory, for /tmp and the root.
 *
 * Files keep their data in 4 KiB pages allocated on first write (holes read
 * as zeros); directories keep a list of entries, each with a cookie that
 * stays valid for readdir while others come and go; symbolic links and hard
 * links are supported. The whole file system is capped at a byte budget
 * (a quarter of memory by default; "size=N[KMG]" as the mount source sets
 * it), beyond which writes fail with -ENOSPC. One mutex per mount.
 */
#include "fs/tmpfs.h"
#include "fs/vfs.h"
#include "lib/lib.h"
#include "mm/mm.h"

#define TMPFS_PAGE 4096u

struct tmpfs {
    struct mutex lock;
    uint64_t bytes_used, bytes_max;
    uint64_t next_ino;
    struct list_node all;           /* every node, for unmount */
};

struct tmpfs_node {
    struct vnode vnode;
    struct list_node all_node;
    uint64_t ino;
    uint32_t mode;
    uint32_t nlink;
    int64_t atime, mtime, ctime;
    /* regular files */
    uint64_t size;
    uint8_t **pages;
    uint64_t page_slots;
    /* directories */
    struct list_node entries;
    uint64_t next_cookie;
    uint32_t subdirs;
    /* symbolic links */
    char *target;
};

struct tmpfs_dirent {
    struct list_node node;
    struct tmpfs_node *child;
    uint64_t cookie;
    size_t len;
    char name[];
};

static const struct vnode_ops tmpfs_vnode_ops;
static const struct vfs_mount_ops tmpfs_mount_ops;

static struct tmpfs_node *node_of(struct vnode *v) { return container_of(v, struct tmpfs_node, vnode); }
static struct tmpfs *fs_of(struct vnode *v) { return v->fs; }

/* A new node with one vnode reference (fs locked, or during mount). */
static struct tmpfs_node *node_new(struct tmpfs *fs, struct vfs_mount *mnt, uint32_t type,
                                   uint32_t mode)
{
    struct tmpfs_node *n = kzalloc(sizeof *n);
    if (!n)
        return NULL;
    vnode_init(&n->vnode, mnt, &tmpfs_vnode_ops, type, fs);
    n->ino = fs->next_ino++;
    n->mode = mode & 07777;
    n->nlink = 1;
    n->atime = n->mtime = n->ctime = vfs_now();
    list_init(&n->entries);
    list_push_back(&fs->all, &n->all_node);
    return n;
}

static void node_free(struct tmpfs *fs, struct tmpfs_node *n)
{
    for (uint64_t i = 0; i < n->page_slots; i++) {
        if (n->pages[i]) {
            kfree(n->pages[i]);
            fs->bytes_used -= TMPFS_PAGE;
        }
    }
    kfree(n->pages);
    while (!list_empty(&n->entries)) {
        struct tmpfs_dirent *d = list_entry(n->entries.next, struct tmpfs_dirent, node);
        list_remove(&d->node);
        kfree(d);
    }
    if (n->target) {
        fs->bytes_used -= strlen(n->target) + 1;
        kfree(n->target);
    }
    list_remove(&n->all_node);
    kfree(n);
}

static struct tmpfs_dirent *find_entry(struct tmpfs_node *dir, const char *name, size_t len)
{
    struct list_node *pos;
    list_for_each(pos, &dir->entries) {
        struct tmpfs_dirent *d = list_entry(pos, struct tmpfs_dirent, node);
        if (d->len == len && memcmp(d->name, name, len) == 0)
            return d;
    }
    return NULL;
}

/* Add an entry for child to dir (fs locked). */
static int add_entry(struct tmpfs *fs, struct tmpfs_node *dir, const char *name, size_t len,
                     struct tmpfs_node *child)
{
    if (fs->bytes_used + sizeof(struct tmpfs_dirent) + len > fs->bytes_max)
        return -ENOSPC;
    struct tmpfs_dirent *d = kmalloc(sizeof *d + len + 1);
    if (!d)
        return -ENOMEM;
    d->child = child;
    d->cookie = dir->next_cookie++;
    d->len = len;
    memcpy(d->name, name, len);
    d->name[len] = 0;
    list_push_back(&dir->entries, &d->node);
    if (child->vnode.type == VFS_DIR) {
        dir->subdirs++;
        child->vnode.parent = &dir->vnode;
    }
    dir->mtime = dir->ctime = vfs_now();
    return 0;
}

/* Drop one link of d's child and remove d (fs locked); frees the child if
 * nothing refers to it any more. */
static void remove_entry(struct tmpfs *fs, struct tmpfs_node *dir, struct tmpfs_dirent *d)
{
    struct tmpfs_node *child = d->child;
    list_remove(&d->node);
    kfree(d);
    if (child->vnode.type == VFS_DIR) {
        dir->subdirs--;
        vnode_swap_parent(&child->vnode, NULL);
        child->nlink = 0;
    } else {
        child->nlink--;
    }
    child->ctime = dir->mtime = dir->ctime = vfs_now();
    if (child->nlink == 0 && vnode_idle(&child->vnode))
        node_free(fs, child);
}

/* ---- vnode operations ---- */

static int tmpfs_lookup(struct vnode *dirv, const char *name, size_t len, struct vnode **out)
{
    struct tmpfs *fs = fs_of(dirv);
    mutex_lock(&fs->lock);
    struct tmpfs_dirent *d = find_entry(node_of(dirv), name, len);
    if (d) {
        vnode_get(&d->child->vnode);
        *out = &d->child->vnode;
    }
    mutex_unlock(&fs->lock);
    return d ? 0 : -ENOENT;
}

static int tmpfs_create(struct vnode *dirv, const char *name, size_t len, uint32_t type,
                        uint32_t mode, struct vnode **out)
{
    struct tmpfs *fs = fs_of(dirv);
    struct tmpfs_node *dir = node_of(dirv);
    mutex_lock(&fs->lock);
    int rc = -EEXIST;
    if (dir->nlink == 0) {
        rc = -ENOENT;                   /* the directory was removed */
    } else if (!find_entry(dir, name, len)) {
        struct tmpfs_node *n = node_new(fs, dirv->mount, type, mode);
        rc = -ENOMEM;
        if (n) {
            if (type == VFS_DIR)
                n->nlink = 2;
            rc = add_entry(fs, dir, name, len, n);
            if (rc < 0) {
                n->nlink = 0;           /* never linked: freed by the put below */
                mutex_unlock(&fs->lock);
                vnode_put(&n->vnode);
                return rc;
            }
            *out = &n->vnode;
        }
    }
    mutex_unlock(&fs->lock);
    return rc;
}

static int tmpfs_symlink(struct vnode *dirv, const char *name, size_t len, const char *target)
{
    struct tmpfs *fs = fs_of(dirv);
    size_t tlen = strlen(target);
    mutex_lock(&fs->lock);
    int rc = -EEXIST;
    if (!find_entry(node_of(dirv), name, len)) {
        rc = -ENOSPC;
        if (fs->bytes_used + tlen + 1 <= fs->bytes_max) {
            struct tmpfs_node *n = node_new(fs, dirv->mount, VFS_LNK, 0777);
            char *copy = kmalloc(tlen + 1);
            rc = -ENOMEM;
            if (n && copy) {
                memcpy(copy, target, tlen + 1);
                n->target = copy;
                n->size = tlen;
                fs->bytes_used += tlen + 1;
                rc = add_entry(fs, node_of(dirv), name, len, n);
            } else {
                kfree(copy);
            }
            if (n) {
                if (rc < 0)
                    n->nlink = 0;
                mutex_unlock(&fs->lock);
                vnode_put(&n->vnode);   /* the entry keeps it (or it is freed) */
                return rc;
            }
        }
    }
    mutex_unlock(&fs->lock);
    return rc;
}

static int tmpfs_link(struct vnode *dirv, const char *name, size_t len, struct vnode *target)
{
    struct tmpfs *fs = fs_of(dirv);
    mutex_lock(&fs->lock);
    int rc = -EEXIST;
    struct tmpfs_node *n = node_of(target);
    if (n->nlink == 0)
        rc = -ENOENT;
    else if (!find_entry(node_of(dirv), name, len)) {
        rc = add_entry(fs, node_of(dirv), name, len, n);
        if (rc == 0) {
            n->nlink++;
            n->ctime = vfs_now();
        }
    }
    mutex_unlock(&fs->lock);
    return rc;
}

static int tmpfs_readlink(struct vnode *v, char *buf, size_t size)
{
    struct tmpfs_node *n = node_of(v);
    size_t len = MIN(size, (size_t)n->size);
    memcpy(buf, n->target, len);
    return (int)len;
}

static int tmpfs_unlink(struct vnode *dirv, const char *name, size_t len, bool rmdir)
{
    struct tmpfs *fs = fs_of(dirv);
    mutex_lock(&fs->lock);
    struct tmpfs_dirent *d = find_entry(node_of(dirv), name, len);
    int rc = 0;
    if (!d)
        rc = -ENOENT;
    else if (rmdir && d->child->vnode.type != VFS_DIR)
        rc = -ENOTDIR;
    else if (!rmdir && d->child->vnode.type == VFS_DIR)
        rc = -EISDIR;
    else if (rmdir && !list_empty(&d->child->entries))
        rc = -ENOTEMPTY;
    else
        remove_entry(fs, node_of(dirv), d);
    mutex_unlock(&fs->lock);
    return rc;
}

static int tmpfs_rename(struct vnode *olddirv, const char *oldname, size_t oldlen,
                        struct vnode *newdirv, const char *newname, size_t newlen)
{
    struct tmpfs *fs = fs_of(olddirv);
    struct tmpfs_node *olddir = node_of(olddirv), *newdir = node_of(newdirv);
    mutex_lock(&fs->lock);
    int rc = 0;
    struct tmpfs_dirent *d = find_entry(olddir, oldname, oldlen);
    struct tmpfs_dirent *t = find_entry(newdir, newname, newlen);
    struct tmpfs_dirent *moved = NULL;
    if (!d) {
        rc = -ENOENT;
        goto out;
    }
    if (t && t->child == d->child)
        goto out;                   /* two links to one file: POSIX says do nothing */
    if (t && t->child->vnode.type == VFS_DIR && !list_empty(&t->child->entries)) {
        rc = -ENOTEMPTY;
        goto out;
    }
    moved = kmalloc(sizeof *moved + newlen + 1);
    if (!moved) {
        rc = -ENOMEM;
        goto out;
    }
    struct tmpfs_node *child = d->child;
    if (t)
        remove_entry(fs, newdir, t);
    list_remove(&d->node);
    kfree(d);
    if (child->vnode.type == VFS_DIR)
        olddir->subdirs--;
    moved->child = child;
    moved->cookie = newdir->next_cookie++;
    moved->len = newlen;
    memcpy(moved->name, newname, newlen);
    moved->name[newlen] = 0;
    list_push_back(&newdir->entries, &moved->node);
    if (child->vnode.type == VFS_DIR) {
        newdir->subdirs++;
        vnode_swap_parent(&child->vnode, &newdir->vnode);
    }
    int64_t now = vfs_now();
    olddir->mtime = olddir->ctime = newdir->mtime = newdir->ctime = child->ctime = now;
out:
    mutex_unlock(&fs->lock);
    return rc;
}

static int64_t tmpfs_read(struct vnode *v, uint64_t off, void *buf, size_t len)
{
    struct tmpfs *fs = fs_of(v);
    struct tmpfs_node *n = node_of(v);
    mutex_lock(&fs->lock);
    size_t done = 0;
    if (off < n->size) {
        len = (size_t)MIN((uint64_t)len, n->size - off);
        while (done < len) {
            uint64_t page = (off + done) / TMPFS_PAGE;
            uint32_t in = (uint32_t)((off + done) % TMPFS_PAGE);
            size_t chunk = MIN(len - done, (size_t)(TMPFS_PAGE - in));
            if (page < n->page_slots && n->pages[page])
                memcpy((uint8_t *)buf + done, n->pages[page] + in, chunk);
            else
                memset((uint8_t *)buf + done, 0, chunk);
            done += chunk;
        }
    }
    n->atime = vfs_now();
    mutex_unlock(&fs->lock);
    return (int64_t)done;
}

/* Make room for `pages` page slots (fs locked). */
static int grow_slots(struct tmpfs_node *n, uint64_t pages)
{
    if (pages <= n->page_slots)
        return 0;
    uint64_t slots = MAX(pages, n->page_slots * 2);
    uint8_t **p = krealloc(n->pages, slots * sizeof *p);
    if (!p)
        return -ENOMEM;
    memset(p + n->page_slots, 0, (slots - n->page_slots) * sizeof *p);
    n->pages = p;
    n->page_slots = slots;
    return 0;
}

static int64_t tmpfs_write(struct vnode *v, uint64_t off, const void *buf, size_t len)
{
    struct tmpfs *fs = fs_of(v);
    struct tmpfs_node *n = node_of(v);
    mutex_lock(&fs->lock);
    if (off == VFS_APPEND_OFFSET)
        off = n->size;
    int64_t rc = 0;
    size_t done = 0;
    if (off + len < off || off + len > (1ull << 44)) {
        rc = -EFBIG;
        goto out;
    }
    rc = grow_slots(n, (off + len + TMPFS_PAGE - 1) / TMPFS_PAGE);
    while (rc == 0 && done < len) {
        uint64_t page = (off + done) / TMPFS_PAGE;
        uint32_t in = (uint32_t)((off + done) % TMPFS_PAGE);
        size_t chunk = MIN(len - done, (size_t)(TMPFS_PAGE - in));
        if (!n->pages[page]) {
            if (fs->bytes_used + TMPFS_PAGE > fs->bytes_max) {
                rc = -ENOSPC;
                break;
            }
            n->pages[page] = kzalloc(TMPFS_PAGE);
            if (!n->pages[page]) {
                rc = -ENOMEM;
                break;
            }
            fs->bytes_used += TMPFS_PAGE;
        }
        memcpy(n->pages[page] + in, (const uint8_t *)buf + done, chunk);
        done += chunk;
    }
    if (done > 0) {
        n->size = MAX(n->size, off + done);
        n->mtime = n->ctime = vfs_now();
        rc = (int64_t)done;
    }
out:
    mutex_unlock(&fs->lock);
    return rc;
}

static int tmpfs_truncate(struct vnode *v, uint64_t size)
{
    struct tmpfs *fs = fs_of(v);
    struct tmpfs_node *n = node_of(v);
    if (size > (1ull << 44))
        return -EFBIG;
    mutex_lock(&fs->lock);
    if (size < n->size) {
        uint64_t keep = (size + TMPFS_PAGE - 1) / TMPFS_PAGE;
        for (uint64_t i = keep; i < n->page_slots; i++) {
            if (n->pages[i]) {
                kfree(n->pages[i]);
                n->pages[i] = NULL;
                fs->bytes_used -= TMPFS_PAGE;
            }
        }
        /* Zero the cut-off tail of the last page so growing again reads zeros. */
        if (size % TMPFS_PAGE && keep > 0 && keep - 1 < n->page_slots && n->pages[keep - 1])
            memset(n->pages[keep - 1] + size % TMPFS_PAGE, 0, TMPFS_PAGE - size % TMPFS_PAGE);
    }
    n->size = size;
    n->mtime = n->ctime = vfs_now();
    mutex_unlock(&fs->lock);
    return 0;
}

static int tmpfs_getattr(struct vnode *v, struct vfs_stat *st)
{
    struct tmpfs *fs = fs_of(v);
    struct tmpfs_node *n = node_of(v);
    mutex_lock(&fs->lock);
    st->ino = n->ino;
    st->type = v->type;
    st->mode = n->mode;
    st->nlink = v->type == VFS_DIR ? 2u + n->subdirs : n->nlink;
    st->size = v->type == VFS_DIR ? TMPFS_PAGE : n->size;
    uint64_t pages = 0;
    for (uint64_t i = 0; i < n->page_slots; i++)
        pages += n->pages[i] != NULL;
    st->blocks = pages * (TMPFS_PAGE / 512);
    st->blksize = TMPFS_PAGE;
    st->atime_ns = n->atime;
    st->mtime_ns = n->mtime;
    st->ctime_ns = n->ctime;
    mutex_unlock(&fs->lock);
    return 0;
}

static int tmpfs_set_times(struct vnode *v, int64_t atime_ns, int64_t mtime_ns)
{
    struct tmpfs *fs = fs_of(v);
    struct tmpfs_node *n = node_of(v);
    mutex_lock(&fs->lock);
    if (atime_ns != VFS_TIME_OMIT)
        n->atime = atime_ns;
    if (mtime_ns != VFS_TIME_OMIT)
        n->mtime = mtime_ns;
    n->ctime = vfs_now();
    mutex_unlock(&fs->lock);
    return 0;
}

static int tmpfs_readdir(struct vnode *dirv, uint64_t *cookie, struct vfs_dirent *out)
{
    struct tmpfs *fs = fs_of(dirv);
    mutex_lock(&fs->lock);
    int rc = 0;
    struct list_node *pos;
    list_for_each(pos, &node_of(dirv)->entries) {
        struct tmpfs_dirent *d = list_entry(pos, struct tmpfs_dirent, node);
        if (d->cookie < *cookie)
            continue;
        out->ino = d->child->ino;
        out->type = d->child->vnode.type;
        strlcpy(out->name, d->name, sizeof out->name);
        *cookie = d->cookie + 1;
        rc = 1;
        break;
    }
    mutex_unlock(&fs->lock);
    return rc;
}

static void tmpfs_release(struct vnode *v)
{
    struct tmpfs *fs = fs_of(v);
    struct tmpfs_node *n = node_of(v);
    mutex_lock(&fs->lock);
    if (vnode_release_ok(v) && n->nlink == 0)
        node_free(fs, n);
    mutex_unlock(&fs->lock);
}

static const struct vnode_ops tmpfs_vnode_ops = {
    .lookup = tmpfs_lookup,
    .create = tmpfs_create,
    .symlink = tmpfs_symlink,
    .link = tmpfs_link,
    .readlink = tmpfs_readlink,
    .unlink = tmpfs_unlink,
    .rename = tmpfs_rename,
    .read = tmpfs_read,
    .write = tmpfs_write,
    .truncate = tmpfs_truncate,
    .getattr = tmpfs_getattr,
    .set_times = tmpfs_set_times,
    .readdir = tmpfs_readdir,
    .release = tmpfs_release,
};

/* ---- mount ---- */

static int tmpfs_statfs(struct vfs_mount *mnt, struct vfs_statfs *out)
{
    struct tmpfs *fs = mnt->fs;
    mutex_lock(&fs->lock);
    strlcpy(out->fs_type, "tmpfs", sizeof out->fs_type);
    out->block_size = TMPFS_PAGE;
    out->blocks = fs->bytes_max / TMPFS_PAGE;
    out->blocks_free = (fs->bytes_max - MIN(fs->bytes_used, fs->bytes_max)) / TMPFS_PAGE;
    out->name_max = VFS_NAME_MAX;
    mutex_unlock(&fs->lock);
    return 0;
}

static int tmpfs_sync(struct vfs_mount *mnt)
{
    (void)mnt;
    return 0;
}

static int tmpfs_unmount(struct vfs_mount *mnt)
{
    struct tmpfs *fs = mnt->fs;
    /* Nothing is in use (the VFS checked): free every node. */
    while (!list_empty(&fs->all))
        node_free(fs, list_entry(fs->all.next, struct tmpfs_node, all_node));
    kfree(fs);
    return 0;
}

static const struct vfs_mount_ops tmpfs_mount_ops = {
    .sync = tmpfs_sync,
    .statfs = tmpfs_statfs,
    .unmount = tmpfs_unmount,
};

/* "size=N" with an optional K, M or G suffix; 0 if absent or malformed. */
static uint64_t parse_size(const char *s)
{
    if (!s || strncmp(s, "size=", 5) != 0)
        return 0;
    s += 5;
    uint64_t v = 0;
    if (*s < '0' || *s > '9')
        return 0;
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (uint64_t)(*s++ - '0');
    switch (*s) {
    case 'K': case 'k': v <<= 10; break;
    case 'M': case 'm': v <<= 20; break;
    case 'G': case 'g': v <<= 30; break;
    case 0: break;
    default: return 0;
    }
    return v;
}

static int tmpfs_mount(struct vfs_mount *mnt, const char *source, unsigned flags)
{
    (void)flags;
    struct tmpfs *fs = kzalloc(sizeof *fs);
    if (!fs)
        return -ENOMEM;
    mutex_init(&fs->lock, "tmpfs");
    list_init(&fs->all);
    fs->next_ino = 1;
    fs->bytes_max = parse_size(source);
    if (!fs->bytes_max) {
        struct mm_stats st;
        mm_get_stats(&st);
        fs->bytes_max = MAX(st.frames_total * PAGE_SIZE / 4, (uint64_t)1 << 20);
    }
    struct tmpfs_node *root = node_new(fs, mnt, VFS_DIR, 0755);
    if (!root) {
        kfree(fs);
        return -ENOMEM;
    }
    root->nlink = 2;
    mnt->fs = fs;
    mnt->ops = &tmpfs_mount_ops;
    mnt->root = &root->vnode;
    return 0;
}

static struct vfs_fs_type tmpfs_type = { .name = "tmpfs", .mount = tmpfs_mount };

void tmpfs_register(void)
{
    vfs_register_fs(&tmpfs_type);
}
