/*
 * kernel/fs/fat/fat_mount.c — mounting a FAT volume: the boot sector's BPB
 * (FATSPEC §3), the FAT type, FSInfo (§5), the mount-time table scan; sync,
 * statfs and unmount.
 *
 * A boot sector that does not describe a consistent volume inside the device
 * is refused with a message saying what is wrong. Damage found in the table
 * (entries pointing outside the volume, two chains sharing a cluster, loops)
 * mounts the volume read-only; damage found later (a bad chain or entry met
 * while working) switches it to read-only then. Either way nothing more is
 * written to a damaged volume.
 */
#include <stdarg.h>

#include "fs/fat/fat.h"
#include "fs/fat/fat_internal.h"
#include "core/log.h"
#include "fs/le.h"
#include "lib/lib.h"
#include "mm/mm.h"

#define FSINFO_LEAD   0x41615252u
#define FSINFO_STRUCT 0x61417272u
#define FSINFO_TRAIL  0xAA550000u

int fat_damaged(struct fat_fs *fs, const char *fmt, ...)
{
    if (!fs->damaged) {
        char msg[160];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        log_err("fat: %s: damaged volume: %s; no more changes will be written (run fsck)",
                fs->dev->name, msg);
    }
    fs->damaged = true;
    fs->read_only = true;
    return -EIO;
}

/* Refuse a mount: log why and return -EINVAL. */
static int refuse(struct blkdev *dev, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int refuse(struct blkdev *dev, const char *fmt, ...)
{
    char msg[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    log_err("fat: %s: not a usable FAT volume: %s", dev->name, msg);
    return -EINVAL;
}

static bool power_of_two(uint32_t v) { return v && !(v & (v - 1)); }

static uint32_t log2_of(uint32_t v)
{
    uint32_t s = 0;
    while ((1u << s) < v)
        s++;
    return s;
}

/* Parse and check the BPB in sector bs; fill fs's geometry. */
static int parse_bpb(struct fat_fs *fs, const uint8_t *bs)
{
    struct blkdev *dev = fs->dev;
    if (bs[0] != 0xEB && bs[0] != 0xE9)
        return refuse(dev, "no boot sector jump instruction (byte 0 is 0x%02x)", bs[0]);
    uint32_t bytes_per_sector = le16(bs + 11);
    uint32_t sectors_per_cluster = bs[13];
    uint32_t reserved = le16(bs + 14);
    uint32_t num_fats = bs[16];
    uint32_t root_entries = le16(bs + 17);
    uint64_t total = le16(bs + 19) ? le16(bs + 19) : le32(bs + 32);
    uint32_t fat16_size = le16(bs + 22);
    uint32_t fat_size = fat16_size ? fat16_size : le32(bs + 36);
    bool fat32 = fat16_size == 0;

    if (!power_of_two(bytes_per_sector) || bytes_per_sector < 512 || bytes_per_sector > 4096)
        return refuse(dev, "bytes per sector %u", bytes_per_sector);
    if (bytes_per_sector < dev->sector_size)
        return refuse(dev, "%u-byte sectors on a device with %u-byte sectors", bytes_per_sector,
                      dev->sector_size);
    if (!power_of_two(sectors_per_cluster) || bytes_per_sector * sectors_per_cluster > (256u << 10))
        return refuse(dev, "%u sectors per cluster", sectors_per_cluster);
    if (reserved == 0)
        return refuse(dev, "no reserved sectors");
    if (num_fats == 0 || num_fats > 4)
        return refuse(dev, "%u FAT copies", num_fats);
    if (fat_size == 0)
        return refuse(dev, "FAT size 0");
    if (fat32 && root_entries != 0)
        return refuse(dev, "FAT32 layout with a fixed root directory");
    if (!fat32 && root_entries == 0)
        return refuse(dev, "FAT12/16 layout without a root directory");
    uint64_t root_sectors = ((uint64_t)root_entries * FAT_ENTRY_SIZE + bytes_per_sector - 1) / bytes_per_sector;
    uint64_t meta = reserved + (uint64_t)num_fats * fat_size + root_sectors;
    if (total <= meta)
        return refuse(dev, "%llu sectors leave no data area", (unsigned long long)total);
    uint64_t bytes = total * bytes_per_sector;
    uint64_t dev_bytes = dev->sectors * dev->sector_size;
    if (bytes > dev_bytes)
        return refuse(dev, "the volume is %llu bytes but the device only %llu (truncated?)",
                      (unsigned long long)bytes, (unsigned long long)dev_bytes);
    uint64_t clusters = (total - meta) / sectors_per_cluster;
    int bits = fat32 ? 32 : clusters < 4085 ? 12 : 16;
    if (clusters == 0 || (bits == 16 && clusters >= 65525) || clusters > 0x0FFFFFF5)
        return refuse(dev, "%llu clusters do not fit FAT%d", (unsigned long long)clusters, bits);
    /* FATSPEC §4: the table must hold an entry for every cluster. */
    uint64_t entries = (uint64_t)fat_size * bytes_per_sector * 8 / (uint64_t)bits;
    if (entries < clusters + 2)
        return refuse(dev, "FAT of %u sectors is too small for %llu clusters", fat_size,
                      (unsigned long long)clusters);

    fs->bits = bits;
    fs->sector_size = bytes_per_sector;
    fs->cluster_size = bytes_per_sector * sectors_per_cluster;
    fs->cluster_shift = log2_of(fs->cluster_size);
    fs->num_fats = num_fats;
    fs->mirror = true;
    fs->active_fat = 0;
    fs->fat_offset = (uint64_t)reserved * bytes_per_sector;
    fs->fat_bytes = (uint64_t)fat_size * bytes_per_sector;
    fs->root_entries = root_entries;
    fs->root_offset = fs->fat_offset + num_fats * fs->fat_bytes;
    fs->data_offset = fs->root_offset + root_sectors * bytes_per_sector;
    fs->cluster_count = (uint32_t)clusters;
    if (fat32) {
        uint16_t ext_flags = le16(bs + 40);
        if (le16(bs + 42) != 0)
            return refuse(dev, "FAT32 version %u.%u", bs[43], bs[42]);
        if (ext_flags & 0x80) {             /* mirroring off: one active FAT */
            fs->mirror = false;
            fs->active_fat = ext_flags & 0x0F;
            if (fs->active_fat >= num_fats)
                return refuse(dev, "active FAT %u of %u", fs->active_fat, num_fats);
        }
        fs->root_cluster = le32(bs + 44);
        if (!fat_valid_cluster(fs, fs->root_cluster))
            return refuse(dev, "root directory cluster %u", fs->root_cluster);
        uint32_t fsinfo = le16(bs + 48);
        if (fsinfo != 0 && fsinfo != 0xFFFF && fsinfo < reserved)
            fs->fsinfo_offset = (uint64_t)fsinfo * bytes_per_sector;
    }
    return 0;
}

/* Read FSInfo; a damaged one is ignored (and never written). */
static void read_fsinfo(struct fat_fs *fs)
{
    if (!fs->fsinfo_offset)
        return;
    uint8_t s[512];
    if (bcache_read(fs->bd, fs->fsinfo_offset, s, sizeof s) < 0 || le32(s) != FSINFO_LEAD ||
        le32(s + 484) != FSINFO_STRUCT || le32(s + 508) != FSINFO_TRAIL) {
        log_warn("fat: %s: FSInfo sector is not valid; ignoring it", fs->dev->name);
        fs->fsinfo_offset = 0;
        return;
    }
    uint32_t next = le32(s + 492);
    if (fat_valid_cluster(fs, next))
        fs->next_free = next;
}

static int write_fsinfo(struct fat_fs *fs)
{
    if (!fs->fsinfo_offset || fs->read_only)
        return 0;
    uint8_t v[8];
    put_le32(v, fs->free_count);
    put_le32(v + 4, fs->next_free >= 2 ? fs->next_free : 0xFFFFFFFFu);
    return bcache_write(fs->bd, fs->fsinfo_offset + 488, v, sizeof v, BC_META);
}

int fat_sync_locked(struct fat_fs *fs)
{
    /* Everything in order (data, table, directories), then the deferred
     * frees whose directory entries are now gone from the disk, then once
     * more for those and the FSInfo counts. */
    int rc = write_fsinfo(fs);
    if (rc == 0)
        rc = bcache_sync(fs->bd);
    if (rc == 0 && fs->pending_len > 0 && !fs->read_only) {
        rc = fat_apply_pending(fs);
        if (rc == 0)
            rc = write_fsinfo(fs);
        if (rc == 0)
            rc = bcache_sync(fs->bd);
    }
    return rc;
}

static int fat_sync(struct vfs_mount *mnt)
{
    struct fat_fs *fs = mnt->fs;
    mutex_lock(&fs->lock);
    int rc = fat_sync_locked(fs);
    mutex_unlock(&fs->lock);
    return rc;
}

static int fat_statfs(struct vfs_mount *mnt, struct vfs_statfs *out)
{
    struct fat_fs *fs = mnt->fs;
    mutex_lock(&fs->lock);
    int rc = fat_scan(fs);            /* read-only volumes count free space only now */
    snprintf(out->fs_type, sizeof out->fs_type, "fat%d", fs->bits);
    out->block_size = fs->cluster_size;
    out->blocks = fs->cluster_count;
    out->blocks_free = fs->free_count + fs->pending_clusters;
    out->name_max = VFS_NAME_MAX;
    out->read_only = fs->read_only;
    mutex_unlock(&fs->lock);
    return rc;
}

/* The background table scan (its result is kept; errors surface again at
 * the first allocation). */
static void scan_thread(void *arg)
{
    struct fat_fs *fs = arg;
    mutex_lock(&fs->lock);
    int rc = fat_scan(fs);
    if (rc < 0)
        log_err("fat: %s: reading the allocation table: %d", fs->dev->name, rc);
    else
        log_debug("fat: %s: %u clusters free", fs->dev->name, fs->free_count);
    mutex_unlock(&fs->lock);
}

static void fat_free_fs(struct fat_fs *fs)
{
    if (fs->root) {
        fat_forget_extents(fs->root);
        kfree(fs->root);
    }
    kfree(fs->free_map);
    kfree(fs->pending);
    kfree(fs);
}

static int fat_unmount(struct vfs_mount *mnt)
{
    struct fat_fs *fs = mnt->fs;
    if (fs->scanner)
        thread_join(fs->scanner);
    mutex_lock(&fs->lock);
    int rc = fat_sync_locked(fs);
    mutex_unlock(&fs->lock);
    int drc = bcache_detach(fs->bd);
    if (rc == 0)
        rc = drc;
    fat_free_fs(fs);
    return rc;
}

static const struct vfs_mount_ops fat_mount_ops = {
    .sync = fat_sync,
    .statfs = fat_statfs,
    .unmount = fat_unmount,
};

static bool device_read_only(struct blkdev *dev)
{
    for (; dev; dev = dev->parent)
        if (dev->read_only)
            return true;
    return false;
}

static int fat_mount(struct vfs_mount *mnt, const char *source, unsigned flags)
{
    struct blkdev *dev = source ? blkdev_find(source) : NULL;
    if (!dev)
        return -ENODEV;
    struct fat_fs *fs = kzalloc(sizeof *fs);
    if (!fs)
        return -ENOMEM;
    mutex_init(&fs->lock, "fat");
    fs->mnt = mnt;
    fs->dev = dev;
    fs->bd = bcache_attach(bcache_default(), dev);
    uint8_t *bs = kmalloc(512);
    int rc = -ENOMEM;
    if (!fs->bd || !bs)
        goto fail;
    rc = -EINVAL;
    if (dev->sectors * dev->sector_size < 512) {
        refuse(dev, "device smaller than a boot sector");
        goto fail;
    }
    rc = bcache_read(fs->bd, 0, bs, 512);
    if (rc < 0)
        goto fail;
    rc = parse_bpb(fs, bs);
    if (rc < 0)
        goto fail;
    fs->read_only = (flags & VFS_MNT_RDONLY) || device_read_only(dev);
    if (flags & VFS_MNT_RDONLY)
        mnt->flags |= VFS_MNT_RDONLY;

    read_fsinfo(fs);
    fs->root = kzalloc(sizeof *fs->root);
    rc = -ENOMEM;
    if (!fs->root)
        goto fail;
    fs->root->is_root = true;
    fs->root->attr = FAT_ATTR_DIRECTORY;
    fs->root->first_cluster = fs->bits == 32 ? fs->root_cluster : 0;
    vnode_init(&fs->root->vnode, mnt, &fat_vnode_ops, VFS_DIR, fs);
    if (fs->bits == 32) {
        uint32_t clusters;
        fat_chain_length(fs, fs->root, &clusters);   /* damage here makes it read-only */
    }
    if (fs->damaged)
        mnt->flags |= VFS_MNT_RDONLY;
    else if (fs->read_only && !(flags & VFS_MNT_RDONLY))
        mnt->flags |= VFS_MNT_RDONLY;
    mnt->fs = fs;
    mnt->ops = &fat_mount_ops;
    mnt->root = &fs->root->vnode;
    kfree(bs);
    /* A writable volume's table is scanned in the background: the mount
     * (and the boot) does not wait; the first allocation or statfs does. */
    if (!fs->read_only) {
        fs->scanner = thread_create("fat-scan", scan_thread, fs, PRIO_NORMAL);
        if (!fs->scanner)
            scan_thread(fs);
    }
    log_debug("fat: %s: FAT%d, %u clusters of %u bytes%s", dev->name, fs->bits, fs->cluster_count,
             fs->cluster_size, fs->read_only ? ", read-only" : "");
    return 0;
fail:
    kfree(bs);
    if (fs->bd)
        bcache_detach(fs->bd);
    fat_free_fs(fs);
    return rc;
}

static struct vfs_fs_type fat_type = { .name = "fat", .mount = fat_mount };

void fat_register(void)
{
    vfs_register_fs(&fat_type);
}
