/*
 * kernel/fs/fat/fat_internal.h — shared by the FAT driver's files.
 *
 * Layout of a FAT volume (Microsoft FAT specification, "FAT32 File System
 * Specification" 1.03, the sections cited as FATSPEC §N):
 *   reserved sectors (boot sector with the BPB, FSInfo on FAT32)
 *   num_fats copies of the allocation table
 *   FAT12/16 only: the fixed root directory
 *   the data area: clusters 2 .. cluster_count + 1
 *
 * All byte offsets here are relative to the start of the block device the
 * volume lives on. One mutex per mounted volume serialises every operation.
 */
#ifndef KPIO_FAT_INTERNAL_H
#define KPIO_FAT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "dev/blkdev.h"
#include "fs/bcache.h"
#include "fs/vfs.h"
#include "sched/sched.h"

#define FAT_ENTRY_SIZE      32
#define FAT_ATTR_READ_ONLY  0x01
#define FAT_ATTR_HIDDEN     0x02
#define FAT_ATTR_SYSTEM     0x04
#define FAT_ATTR_VOLUME_ID  0x08
#define FAT_ATTR_DIRECTORY  0x10
#define FAT_ATTR_ARCHIVE    0x20
#define FAT_ATTR_LFN        0x0F
#define FAT_NT_LOWER_BASE   0x08    /* byte 12: base name shown in lower case */
#define FAT_NT_LOWER_EXT    0x10    /* byte 12: extension shown in lower case */
#define FAT_DELETED         0xE5
#define FAT_LFN_LAST        0x40
#define FAT_LFN_CHARS       13
#define FAT_LFN_MAX         255     /* UTF-16 units */
#define FAT_DIR_MAX_ENTRIES 65536   /* FATSPEC §6: a directory is at most 2 MiB */
#define FAT_MAX_FILE_SIZE   0xFFFFFFFFull

/* Values of FAT entries (the width-independent form used in memory). */
#define FAT_FREE   0u
#define FAT_BAD    0x0FFFFFF7u
#define FAT_EOC    0x0FFFFFFFu      /* any value >= 0x0FFFFFF8 after widening */

struct fat_extent {
    uint32_t file_cluster;      /* index of the first cluster in the file */
    uint32_t disk_cluster;
    uint32_t count;
};

struct fat_node {
    struct vnode vnode;
    struct fat_node *hash_next;
    struct fat_node *parent;    /* the directory holding our entry (a reference); NULL for the root */
    bool hashed;
    bool is_root;
    bool unlinked;              /* entry removed while open: free the chain on release */
    /* Where our short entry lives: the parent's entry index, and how many
     * long-name entries come just before it. */
    uint32_t entry_index;
    uint32_t lfn_count;
    /* A copy of the entry's fields. */
    uint8_t attr;
    uint8_t nt_flags;
    uint32_t first_cluster;
    uint32_t size;
    uint8_t ctime_tenth;
    uint16_t ctime, cdate, adate, mtime, mdate;
    /* Extent cache: the chain as runs of consecutive clusters. */
    struct fat_extent *ext;
    uint32_t ext_count, ext_cap;
    uint32_t ext_clusters;      /* clusters covered by ext[] */
    bool ext_complete;          /* ext[] covers the whole chain */
    /* Directories: where the last name looked up was (checked before use). */
    bool hint_valid;
    uint32_t hint_hash, hint_index, hint_lfn;
    /* Sequential read-ahead state. */
    uint64_t ra_next;           /* where a sequential reader will read next */
    uint64_t ra_until;          /* read-ahead issued up to here */
};

#define FAT_HASH_SIZE 64

struct fat_fs {
    struct mutex lock;
    struct vfs_mount *mnt;
    struct blkdev *dev;
    struct bcache_dev *bd;
    bool read_only;             /* mounted so, or switched after finding damage */
    bool damaged;
    int bits;                   /* 12, 16 or 32 */
    uint32_t sector_size;
    uint32_t cluster_size, cluster_shift;
    uint32_t num_fats, active_fat;
    bool mirror;                /* write every FAT copy (else only active_fat) */
    uint64_t fat_offset;        /* FAT #0 */
    uint64_t fat_bytes;         /* one copy */
    uint64_t root_offset;       /* FAT12/16 fixed root directory */
    uint32_t root_entries;
    uint64_t data_offset;       /* cluster 2 */
    uint32_t cluster_count;     /* clusters 2 .. cluster_count + 1 exist */
    uint32_t root_cluster;      /* FAT32 */
    uint64_t fsinfo_offset;     /* FAT32 FSInfo sector, 0 if none */

    /* Allocation: a bitmap of clusters free for use now (bit set = free). */
    uint64_t *free_map;
    uint32_t free_count;
    uint32_t next_free;
    uint32_t *pending;          /* heads of chains to free after the next sync */
    uint32_t pending_len, pending_cap, pending_clusters;

    struct fat_node *root;
    struct fat_node *hash[FAT_HASH_SIZE];
    struct thread *scanner;     /* the background table scan (joined at unmount) */
};

/* ---- fat_table.c: the allocation table ---- */
int fat_get(struct fat_fs *fs, uint32_t cluster, uint32_t *value);
int fat_set(struct fat_fs *fs, uint32_t cluster, uint32_t value);
bool fat_is_eoc(const struct fat_fs *fs, uint32_t value);
bool fat_valid_cluster(const struct fat_fs *fs, uint32_t cluster);
/* Scan the table (once; at mount for writable volumes, on first need for
 * read-only ones): build the free map, check every entry, look for loops
 * and cross-links. Returns 0, -ENOMEM, -EIO; sets fs->damaged. */
int fat_scan(struct fat_fs *fs);
/* Allocate up to `want` clusters, as one run when possible near `hint`,
 * chained together and ended; returns the count (> 0) and *first, or
 * -ENOSPC / -EIO. */
int fat_alloc_run(struct fat_fs *fs, uint32_t hint, uint32_t want, uint32_t *first);
/* Free the chain starting at cluster, which nothing references any more:
 * it is checked and counted now, its entries are zeroed (and the clusters
 * become reusable) by fat_apply_pending() after the next sync. */
int fat_free_chain(struct fat_fs *fs, uint32_t cluster);
/* After a completed sync: zero the pending chains, make them free. */
int fat_apply_pending(struct fat_fs *fs);
/* Byte offset of a cluster's data. */
static inline uint64_t fat_cluster_offset(const struct fat_fs *fs, uint32_t cluster)
{
    return fs->data_offset + ((uint64_t)(cluster - 2) << fs->cluster_shift);
}

/* ---- fat_extent.c: files' cluster chains ---- */
/* Disk cluster of file cluster `index` and how many follow contiguously
 * (within the chain). -ENOENT if the chain is shorter, -EIO if damaged. */
int fat_map(struct fat_fs *fs, struct fat_node *n, uint32_t index, uint32_t *cluster,
            uint32_t *run);
/* Number of clusters in n's chain. */
int fat_chain_length(struct fat_fs *fs, struct fat_node *n, uint32_t *count);
/* Grow n's chain to `clusters` clusters (allocating, linking). */
int fat_extend_chain(struct fat_fs *fs, struct fat_node *n, uint32_t clusters);
/* Grow a directory's chain by `clusters` zeroed clusters (on disk before
 * they are linked). */
int fat_extend_dir(struct fat_fs *fs, struct fat_node *dir, uint32_t clusters);
/* Write count clusters from `first` as zeros now (synchronously), except
 * that the first head_len bytes come from head. */
int fat_zero_clusters_now(struct fat_fs *fs, uint32_t first, uint32_t count,
                          const uint8_t *head, uint32_t head_len);
/* Cut n's chain to `clusters` clusters (0: all; first_cluster becomes 0).
 * n->size must already be the new size: the entry is written first. */
int fat_shrink_chain(struct fat_fs *fs, struct fat_node *n, uint32_t clusters);
void fat_forget_extents(struct fat_node *n);

/* ---- fat_name.c: names ---- */
/* Check a UTF-8 name and convert it to UTF-16; returns the unit count or
 * -EINVAL / -EILSEQ / -ENAMETOOLONG. */
int fat_name_to_utf16(const char *name, size_t len, uint16_t *out);
/* The 8.3 form of a UTF-16 name if it is one exactly ("README.TXT" or, with
 * case flags, "readme.txt"): fills sfn[11] and *nt_flags, returns true. */
bool fat_name_fits_83(const uint16_t *name, int len, uint8_t sfn[11], uint8_t *nt_flags);
/* The upper-case 8.3 form of a name of that shape in any case (lookups). */
bool fat_name_83_key(const uint16_t *name, int len, uint8_t sfn[11]);
/* The stem of a generated short name ("Long File.txt" -> "LONGFI", "TXT"). */
void fat_short_stem(const uint16_t *name, int len, uint8_t base[8], int *base_len, uint8_t ext[3]);
/* Build "BASE~N  EXT" from a stem. */
void fat_short_with_tail(const uint8_t base[8], int base_len, const uint8_t ext[3], uint32_t n,
                         uint8_t sfn[11]);
uint8_t fat_lfn_checksum(const uint8_t sfn[11]);
/* Display form of a short entry's name as UTF-8 (honours the case flags). */
int fat_sfn_to_utf8(const uint8_t *entry, char *out, size_t size);
/* Case-insensitive equality of two UTF-16 names. */
bool fat_name_equal(const uint16_t *a, int alen, const uint16_t *b, int blen);

/* ---- fat_time.c: timestamps (FATSPEC §6.1; stored as UTC) ---- */
void fat_time_from_unix(int64_t unix_ns, uint16_t *date, uint16_t *time, uint8_t *tenth);
int64_t fat_time_to_unix(uint16_t date, uint16_t time, uint8_t tenth);

/* ---- fat_dir.c: directories ---- */
struct fat_found {
    uint32_t index;             /* the short entry */
    uint32_t lfn_count;
    uint8_t entry[FAT_ENTRY_SIZE];
    char name[VFS_NAME_MAX + 1];/* UTF-8 (long name, or the short one); readdir only */
};
/* Byte offset of entry `index` of dir; -ENOENT past its storage. */
int fat_dir_entry_offset(struct fat_fs *fs, struct fat_node *dir, uint32_t index, uint64_t *off);
/* Next live entry at or after *index; fills f, sets *index past it.
 * Returns 1, 0 at the end, or an error. */
int fat_dir_next(struct fat_fs *fs, struct fat_node *dir, uint32_t *index, struct fat_found *f);
/* Find name in dir. Returns 0 with f filled, -ENOENT, or an error. */
int fat_dir_find(struct fat_fs *fs, struct fat_node *dir, const char *name, size_t len,
                 struct fat_found *f);
/* Add an entry for `name` whose short entry is `entry` (its name bytes are
 * filled in here); returns 0 with the index and long-name count, or
 * -EEXIST, -ENOSPC, ... */
int fat_dir_add(struct fat_fs *fs, struct fat_node *dir, const char *name, size_t len,
                uint8_t entry[FAT_ENTRY_SIZE], uint32_t *index, uint32_t *lfn_count);
/* Mark the entry at index (and its long-name entries) deleted. */
int fat_dir_remove(struct fat_fs *fs, struct fat_node *dir, uint32_t index, uint32_t lfn_count);
/* Any live entry besides "." and ".."? 1 empty, 0 not, <0 error. */
int fat_dir_is_empty(struct fat_fs *fs, struct fat_node *dir);
/* Write n's fields back into its directory entry. */
int fat_node_write_entry(struct fat_fs *fs, struct fat_node *n);
/* Give a new directory's first cluster its "." and ".." entries (on disk now). */
int fat_dir_init_cluster(struct fat_fs *fs, uint32_t cluster, uint32_t parent_cluster,
                         const uint8_t *template_entry);
/* Point a moved directory's ".." entry at its new parent. */
int fat_dir_set_dotdot(struct fat_fs *fs, struct fat_node *dir, uint32_t parent_cluster);

/* ---- fat_file.c: file data ---- */
int64_t fat_file_read(struct fat_fs *fs, struct fat_node *n, uint64_t off, void *buf, size_t len);
int64_t fat_file_write(struct fat_fs *fs, struct fat_node *n, uint64_t off, const void *buf,
                       size_t len);
int fat_file_truncate(struct fat_fs *fs, struct fat_node *n, uint64_t size);

/* ---- fat_vnode.c / fat_mount.c ---- */
extern const struct vnode_ops fat_vnode_ops;
/* Report damage: log it once, switch the volume to read-only; returns -EIO. */
int fat_damaged(struct fat_fs *fs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Write everything back in order (FSInfo, then the cache's ordered sync). */
int fat_sync_locked(struct fat_fs *fs);
/* First cluster of a directory node as written in ".." entries (0 = root). */
uint32_t fat_dir_cluster_for_dotdot(struct fat_fs *fs, struct fat_node *dir);

#endif
