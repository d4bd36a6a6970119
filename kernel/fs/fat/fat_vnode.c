/*
 * kernel/fs/fat/fat_vnode.c — FAT files and directories as VFS vnodes.
 *
 * FAT has no inode numbers: a file is its directory entry. A node is keyed by
 * (first cluster of the parent directory, index of its short entry); the
 * table holds every node with references so that two opens of one file share
 * one node. Each node holds a reference to its parent directory's node.
 * A file removed while open keeps its clusters until its last reference
 * goes; rename moves the node to its new key.
 */
#include "fs/fat/fat_internal.h"
#include "core/log.h"
#include "fs/le.h"
#include "lib/lib.h"
#include "mm/mm.h"

static struct fat_fs *fs_of(struct vnode *v) { return v->mount->fs; }
static struct fat_node *node_of(struct vnode *v) { return container_of(v, struct fat_node, vnode); }

/* The key children of dir are filed under. */
static uint32_t dir_key(const struct fat_node *dir)
{
    return dir->first_cluster;
}

uint32_t fat_dir_cluster_for_dotdot(struct fat_fs *fs, struct fat_node *dir)
{
    (void)fs;
    return dir->is_root ? 0 : dir->first_cluster;
}

static unsigned hash_slot(uint32_t key, uint32_t index)
{
    return (key * 2654435761u ^ index * 40503u) % FAT_HASH_SIZE;
}

static struct fat_node *table_find(struct fat_fs *fs, uint32_t key, uint32_t index)
{
    for (struct fat_node *n = fs->hash[hash_slot(key, index)]; n; n = n->hash_next)
        if (dir_key(n->parent) == key && n->entry_index == index)
            return n;
    return NULL;
}

static void table_insert(struct fat_fs *fs, struct fat_node *n)
{
    unsigned h = hash_slot(dir_key(n->parent), n->entry_index);
    n->hash_next = fs->hash[h];
    fs->hash[h] = n;
    n->hashed = true;
}

static void table_remove(struct fat_fs *fs, struct fat_node *n)
{
    if (!n->hashed)
        return;
    struct fat_node **pp = &fs->hash[hash_slot(dir_key(n->parent), n->entry_index)];
    while (*pp && *pp != n)
        pp = &(*pp)->hash_next;
    if (*pp)
        *pp = n->hash_next;
    n->hashed = false;
}

/* Copy a directory entry's fields into n. */
static void load_entry(struct fat_fs *fs, struct fat_node *n, const uint8_t *e)
{
    n->attr = e[11];
    n->nt_flags = e[12];
    n->ctime_tenth = e[13];
    n->ctime = le16(e + 14);
    n->cdate = le16(e + 16);
    n->adate = le16(e + 18);
    n->mtime = le16(e + 22);
    n->mdate = le16(e + 24);
    n->first_cluster = le16(e + 26) | (fs->bits == 32 ? (uint32_t)le16(e + 20) << 16 : 0);
    n->size = le32(e + 28);
}

/* Check an entry before trusting it; -EIO (volume switched to read-only) if damaged. */
static int check_entry(struct fat_fs *fs, const uint8_t *e)
{
    uint32_t cluster = le16(e + 26) | (fs->bits == 32 ? (uint32_t)le16(e + 20) << 16 : 0);
    bool dir = e[11] & FAT_ATTR_DIRECTORY;
    if (cluster != 0 && !fat_valid_cluster(fs, cluster))
        return fat_damaged(fs, "entry points to cluster %u, outside the volume", cluster);
    if (dir && cluster == 0)
        return fat_damaged(fs, "a directory entry has no cluster");
    if (!dir && cluster == 0 && le32(e + 28) != 0)
        return fat_damaged(fs, "a file of %u bytes has no cluster", le32(e + 28));
    uint64_t max = (uint64_t)fs->cluster_count << fs->cluster_shift;
    if (!dir && le32(e + 28) > max)
        return fat_damaged(fs, "a file claims %u bytes, more than the volume holds", le32(e + 28));
    return 0;
}

/* The node for a found entry of dir: the one in the table (with a new
 * reference) or a new one. fs locked. */
static int node_get(struct fat_fs *fs, struct fat_node *dir, const struct fat_found *f,
                    struct fat_node **out)
{
    struct fat_node *n = table_find(fs, dir_key(dir), f->index);
    if (n) {
        vnode_get(&n->vnode);
        *out = n;
        return 0;
    }
    int rc = check_entry(fs, f->entry);
    if (rc < 0)
        return rc;
    n = kzalloc(sizeof *n);
    if (!n)
        return -ENOMEM;
    bool is_dir = f->entry[11] & FAT_ATTR_DIRECTORY;
    vnode_init(&n->vnode, fs->mnt, &fat_vnode_ops, is_dir ? VFS_DIR : VFS_REG, fs);
    load_entry(fs, n, f->entry);
    n->entry_index = f->index;
    n->lfn_count = f->lfn_count;
    n->parent = dir;
    vnode_get(&dir->vnode);
    if (is_dir)
        vnode_swap_parent(&n->vnode, &dir->vnode);
    table_insert(fs, n);
    *out = n;
    return 0;
}

/* A node for an entry that may not be open: the table's (no new reference)
 * or a temporary one (*temp set; free it with kfree after fat_forget_extents). */
static struct fat_node *node_peek(struct fat_fs *fs, struct fat_node *dir,
                                  const struct fat_found *f, bool *temp)
{
    struct fat_node *n = table_find(fs, dir_key(dir), f->index);
    *temp = n == NULL;
    if (n)
        return n;
    n = kzalloc(sizeof *n);
    if (!n)
        return NULL;
    load_entry(fs, n, f->entry);
    n->vnode.type = (f->entry[11] & FAT_ATTR_DIRECTORY) ? VFS_DIR : VFS_REG;
    n->entry_index = f->index;
    n->lfn_count = f->lfn_count;
    n->parent = dir;
    return n;
}

static void node_unpeek(struct fat_node *n, bool temp)
{
    if (temp) {
        fat_forget_extents(n);
        kfree(n);
    }
}

static uint64_t ino_of(const struct fat_node *n)
{
    if (n->is_root)
        return 1;
    return ((uint64_t)dir_key(n->parent) << 16 | n->entry_index) + 2;
}

/* ---- vnode operations ---- */

static int fat_lookup(struct vnode *dirv, const char *name, size_t len, struct vnode **out)
{
    struct fat_fs *fs = fs_of(dirv);
    struct fat_found *f = kmalloc(sizeof *f);
    if (!f)
        return -ENOMEM;
    mutex_lock(&fs->lock);
    struct fat_node *n;
    int rc = fat_dir_find(fs, node_of(dirv), name, len, f);
    if (rc == 0)
        rc = node_get(fs, node_of(dirv), f, &n);
    mutex_unlock(&fs->lock);
    kfree(f);
    if (rc == 0)
        *out = &n->vnode;
    return rc;
}

/* A fresh short entry: attributes and all timestamps now. */
static void new_entry(uint8_t e[FAT_ENTRY_SIZE], uint8_t attr)
{
    memset(e, 0, FAT_ENTRY_SIZE);
    e[11] = attr;
    uint16_t date, time;
    uint8_t tenth;
    fat_time_from_unix(vfs_now(), &date, &time, &tenth);
    e[13] = tenth;
    put_le16(e + 14, time);
    put_le16(e + 16, date);
    put_le16(e + 18, date);
    put_le16(e + 22, time);
    put_le16(e + 24, date);
}

static void set_entry_cluster(struct fat_fs *fs, uint8_t *e, uint32_t cluster)
{
    put_le16(e + 20, (uint16_t)(fs->bits == 32 ? cluster >> 16 : 0));
    put_le16(e + 26, (uint16_t)cluster);
}

static int fat_create(struct vnode *dirv, const char *name, size_t len, uint32_t type,
                      uint32_t mode, struct vnode **out)
{
    struct fat_fs *fs = fs_of(dirv);
    struct fat_node *dir = node_of(dirv);
    struct fat_found *f = kzalloc(sizeof *f);
    if (!f)
        return -ENOMEM;
    mutex_lock(&fs->lock);
    int rc = 0;
    uint32_t cluster = 0;
    if (fs->read_only) {
        rc = -EROFS;
        goto out;
    }
    if (dir->unlinked) {
        rc = -ENOENT;
        goto out;
    }
    uint8_t attr = type == VFS_DIR ? FAT_ATTR_DIRECTORY : FAT_ATTR_ARCHIVE;
    if ((mode & 0222) == 0)
        attr |= FAT_ATTR_READ_ONLY;
    new_entry(f->entry, attr);
    if (type == VFS_DIR) {
        /* The new directory's cluster, with "." and "..", is on the disk
         * before any entry points at it. */
        rc = fat_alloc_run(fs, 0, 1, &cluster);
        if (rc < 0)
            goto out;
        rc = fat_dir_init_cluster(fs, cluster, fat_dir_cluster_for_dotdot(fs, dir), f->entry);
        if (rc < 0)
            goto out;
        set_entry_cluster(fs, f->entry, cluster);
    }
    rc = fat_dir_add(fs, dir, name, len, f->entry, &f->index, &f->lfn_count);
    if (rc < 0)
        goto out;
    struct fat_node *n;
    rc = node_get(fs, dir, f, &n);
    if (rc == 0) {
        *out = &n->vnode;
        cluster = 0;
    }
out:
    if (rc < 0 && cluster)
        fat_free_chain(fs, cluster);
    mutex_unlock(&fs->lock);
    kfree(f);
    return rc;
}

/* Remove the entry f of dir and what it owns (fs locked): the clusters go
 * now, or when the last reference to an open node goes. */
static int remove_found(struct fat_fs *fs, struct fat_node *dir, const struct fat_found *f)
{
    int rc = fat_dir_remove(fs, dir, f->index, f->lfn_count);
    if (rc < 0)
        return rc;
    struct fat_node *open = table_find(fs, dir_key(dir), f->index);
    if (open) {
        table_remove(fs, open);
        open->unlinked = true;
        if (open->vnode.type == VFS_DIR)
            vnode_swap_parent(&open->vnode, NULL);
        return 0;
    }
    bool temp;
    struct fat_node *n = node_peek(fs, dir, f, &temp);
    if (!n)
        return -ENOMEM;
    rc = fat_free_chain(fs, n->first_cluster);
    node_unpeek(n, temp);
    return rc;
}

static int fat_unlink(struct vnode *dirv, const char *name, size_t len, bool rmdir)
{
    struct fat_fs *fs = fs_of(dirv);
    struct fat_node *dir = node_of(dirv);
    struct fat_found *f = kmalloc(sizeof *f);
    if (!f)
        return -ENOMEM;
    mutex_lock(&fs->lock);
    int rc = fs->read_only ? -EROFS : fat_dir_find(fs, dir, name, len, f);
    if (rc == 0) {
        bool is_dir = f->entry[11] & FAT_ATTR_DIRECTORY;
        if (rmdir && !is_dir)
            rc = -ENOTDIR;
        else if (!rmdir && is_dir)
            rc = -EISDIR;
        if (rc == 0 && is_dir) {
            bool temp;
            struct fat_node *n = node_peek(fs, dir, f, &temp);
            rc = n ? fat_dir_is_empty(fs, n) : -ENOMEM;
            rc = rc == 1 ? 0 : rc == 0 ? -ENOTEMPTY : rc;
            if (n)
                node_unpeek(n, temp);
        }
        if (rc == 0)
            rc = remove_found(fs, dir, f);
    }
    mutex_unlock(&fs->lock);
    kfree(f);
    return rc;
}

static int fat_rename(struct vnode *olddirv, const char *oldname, size_t oldlen,
                      struct vnode *newdirv, const char *newname, size_t newlen)
{
    struct fat_fs *fs = fs_of(olddirv);
    struct fat_node *olddir = node_of(olddirv), *newdir = node_of(newdirv);
    struct fat_found *of = kmalloc(sizeof *of), *tf = kmalloc(sizeof *tf);
    struct fat_node *put_parent = NULL;
    int rc = -ENOMEM;
    if (!of || !tf)
        goto out_free;
    mutex_lock(&fs->lock);
    rc = fs->read_only ? -EROFS : fat_dir_find(fs, olddir, oldname, oldlen, of);
    if (rc < 0)
        goto out;
    bool is_dir = of->entry[11] & FAT_ATTR_DIRECTORY;
    rc = fat_dir_find(fs, newdir, newname, newlen, tf);
    bool same_entry = rc == 0 && olddir == newdir && tf->index == of->index;
    if (rc == 0 && !same_entry) {
        /* Replace the target (the VFS checked the kinds match). */
        if (tf->entry[11] & FAT_ATTR_DIRECTORY) {
            bool temp;
            struct fat_node *t = node_peek(fs, newdir, tf, &temp);
            rc = t ? fat_dir_is_empty(fs, t) : -ENOMEM;
            rc = rc == 1 ? 0 : rc == 0 ? -ENOTEMPTY : rc;
            if (t)
                node_unpeek(t, temp);
            if (rc < 0)
                goto out;
        }
        rc = remove_found(fs, newdir, tf);
        if (rc < 0)
            goto out;
    } else if (rc != -ENOENT && rc != 0) {
        goto out;
    }
    struct fat_node *open = table_find(fs, dir_key(olddir), of->index);
    uint8_t entry[FAT_ENTRY_SIZE];
    memcpy(entry, of->entry, FAT_ENTRY_SIZE);
    uint32_t first = le16(entry + 26) | (fs->bits == 32 ? (uint32_t)le16(entry + 20) << 16 : 0);
    uint32_t new_index, new_lfns;
    if (same_entry) {
        /* Only the case changes: the old entry must go first, or the new
         * name would collide with it. */
        rc = fat_dir_remove(fs, olddir, of->index, of->lfn_count);
        if (rc == 0)
            rc = fat_dir_add(fs, newdir, newname, newlen, entry, &new_index, &new_lfns);
    } else {
        /* New name first, made durable before the old one goes: a power cut
         * in between leaves the file under both names, never under none. */
        rc = fat_dir_add(fs, newdir, newname, newlen, entry, &new_index, &new_lfns);
        if (rc == 0 && first != 0)
            rc = fat_sync_locked(fs);
        if (rc == 0)
            rc = fat_dir_remove(fs, olddir, of->index, of->lfn_count);
    }
    if (rc < 0)
        goto out;
    if (is_dir && olddir != newdir) {
        bool temp = false;
        struct fat_node *d = open ? open : node_peek(fs, olddir, of, &temp);
        rc = d ? fat_dir_set_dotdot(fs, d, fat_dir_cluster_for_dotdot(fs, newdir)) : -ENOMEM;
        if (d && !open)
            node_unpeek(d, temp);
    }
    if (open) {
        table_remove(fs, open);
        open->entry_index = new_index;
        open->lfn_count = new_lfns;
        if (olddir != newdir) {
            vnode_get(&newdir->vnode);
            put_parent = open->parent;
            open->parent = newdir;
            if (is_dir)
                vnode_swap_parent(&open->vnode, &newdir->vnode);
        }
        table_insert(fs, open);
    }
out:
    mutex_unlock(&fs->lock);
    if (put_parent)
        vnode_put(&put_parent->vnode);
out_free:
    kfree(of);
    kfree(tf);
    return rc;
}

static int64_t fat_read(struct vnode *v, uint64_t off, void *buf, size_t len)
{
    struct fat_fs *fs = fs_of(v);
    mutex_lock(&fs->lock);
    int64_t rc = fat_file_read(fs, node_of(v), off, buf, len);
    mutex_unlock(&fs->lock);
    return rc;
}

static int64_t fat_write(struct vnode *v, uint64_t off, const void *buf, size_t len)
{
    struct fat_fs *fs = fs_of(v);
    mutex_lock(&fs->lock);
    int64_t rc = fs->read_only ? -EROFS : fat_file_write(fs, node_of(v), off, buf, len);
    mutex_unlock(&fs->lock);
    return rc;
}

static int fat_truncate(struct vnode *v, uint64_t size)
{
    struct fat_fs *fs = fs_of(v);
    mutex_lock(&fs->lock);
    int rc = fs->read_only ? -EROFS : fat_file_truncate(fs, node_of(v), size);
    mutex_unlock(&fs->lock);
    return rc;
}

static int fat_getattr(struct vnode *v, struct vfs_stat *st)
{
    struct fat_fs *fs = fs_of(v);
    struct fat_node *n = node_of(v);
    mutex_lock(&fs->lock);
    st->ino = ino_of(n);
    st->type = v->type;
    bool dir = v->type == VFS_DIR;
    st->mode = dir ? 0755 : 0644;
    if (n->attr & FAT_ATTR_READ_ONLY)
        st->mode &= ~0222u;
    st->nlink = n->unlinked ? 0 : 1;
    if (dir) {
        uint32_t clusters = 0;
        if (!(n->is_root && fs->bits != 32))
            fat_chain_length(fs, n, &clusters);
        st->size = (uint64_t)clusters << fs->cluster_shift;
        if (n->is_root && fs->bits != 32)
            st->size = (uint64_t)fs->root_entries * FAT_ENTRY_SIZE;
    } else {
        st->size = n->size;
    }
    st->blocks = ALIGN_UP(st->size, (uint64_t)fs->cluster_size) / 512;
    st->blksize = MAX(fs->cluster_size, 4096u);
    if (n->is_root) {
        st->mtime_ns = st->atime_ns = st->ctime_ns = 0;
    } else {
        st->mtime_ns = fat_time_to_unix(n->mdate, n->mtime, 0);
        st->atime_ns = fat_time_to_unix(n->adate, 0, 0);
        st->ctime_ns = st->mtime_ns;
    }
    mutex_unlock(&fs->lock);
    return 0;
}

static int fat_set_times(struct vnode *v, int64_t atime_ns, int64_t mtime_ns)
{
    struct fat_fs *fs = fs_of(v);
    struct fat_node *n = node_of(v);
    mutex_lock(&fs->lock);
    int rc = 0;
    if (fs->read_only)
        rc = -EROFS;
    else if (!n->is_root) {
        uint16_t time;
        if (atime_ns != VFS_TIME_OMIT)
            fat_time_from_unix(atime_ns, &n->adate, &time, NULL);
        if (mtime_ns != VFS_TIME_OMIT)
            fat_time_from_unix(mtime_ns, &n->mdate, &n->mtime, NULL);
        rc = fat_node_write_entry(fs, n);
    }
    mutex_unlock(&fs->lock);
    return rc;
}

static int fat_readdir(struct vnode *dirv, uint64_t *cookie, struct vfs_dirent *out)
{
    struct fat_fs *fs = fs_of(dirv);
    struct fat_node *dir = node_of(dirv);
    struct fat_found *f = kmalloc(sizeof *f);
    if (!f)
        return -ENOMEM;
    if (*cookie >= FAT_DIR_MAX_ENTRIES) {
        kfree(f);
        return 0;
    }
    uint32_t index = (uint32_t)*cookie;
    mutex_lock(&fs->lock);
    int rc = fat_dir_next(fs, dir, &index, f);
    mutex_unlock(&fs->lock);
    if (rc == 1) {
        out->ino = ((uint64_t)dir_key(dir) << 16 | f->index) + 2;
        out->type = (f->entry[11] & FAT_ATTR_DIRECTORY) ? VFS_DIR : VFS_REG;
        strlcpy(out->name, f->name, sizeof out->name);
        *cookie = index;
    }
    kfree(f);
    return rc;
}

static int fat_fsync(struct vnode *v)
{
    struct fat_fs *fs = fs_of(v);
    mutex_lock(&fs->lock);
    int rc = fat_sync_locked(fs);
    mutex_unlock(&fs->lock);
    return rc;
}

static void fat_release(struct vnode *v)
{
    struct fat_fs *fs = fs_of(v);
    struct fat_node *n = node_of(v);
    mutex_lock(&fs->lock);
    if (!vnode_release_ok(v) || n->is_root) {
        mutex_unlock(&fs->lock);
        return;
    }
    table_remove(fs, n);
    if (n->unlinked && n->first_cluster && !fs->read_only)
        fat_free_chain(fs, n->first_cluster);
    struct fat_node *parent = n->parent;
    fat_forget_extents(n);
    kfree(n);
    mutex_unlock(&fs->lock);
    if (parent)
        vnode_put(&parent->vnode);
}

const struct vnode_ops fat_vnode_ops = {
    .lookup = fat_lookup,
    .create = fat_create,
    .unlink = fat_unlink,
    .rename = fat_rename,
    .read = fat_read,
    .write = fat_write,
    .truncate = fat_truncate,
    .getattr = fat_getattr,
    .set_times = fat_set_times,
    .readdir = fat_readdir,
    .fsync = fat_fsync,
    .release = fat_release,
};
