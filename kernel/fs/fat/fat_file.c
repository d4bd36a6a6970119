/*
 * kernel/fs/fat/fat_file.c — reading, writing and truncating file data.
 *
 * Data moves through the block cache in runs of consecutive clusters (from
 * the node's extents), so a large transfer on a contiguous file turns into
 * large device requests. Sequential readers get read-ahead along the file's
 * own chain. Writes keep the order the power-cut guarantees need: clusters
 * are allocated (FAT) before data is written and the directory entry (size,
 * first cluster) is updated last; shrinking writes the entry first.
 */
#include "fs/fat/fat_internal.h"
#include "lib/lib.h"

#define READ_AHEAD_BYTES (1u << 20)

static uint64_t clusters_for(const struct fat_fs *fs, uint64_t bytes)
{
    return (bytes + fs->cluster_size - 1) >> fs->cluster_shift;
}

/* Call fn on each contiguous disk run of file bytes [off, off+len). */
static int for_each_run(struct fat_fs *fs, struct fat_node *n, uint64_t off, uint64_t len,
                        int (*fn)(struct fat_fs *fs, uint64_t disk_off, uint64_t pos, uint32_t bytes, void *arg),
                        void *arg)
{
    uint64_t done = 0;
    while (done < len) {
        uint64_t pos = off + done;
        uint32_t cluster, run;
        int rc = fat_map(fs, n, (uint32_t)(pos >> fs->cluster_shift), &cluster, &run);
        if (rc == -ENOENT)
            return fat_damaged(fs, "a file's cluster chain is shorter than its size");
        if (rc < 0)
            return rc;
        uint32_t in = (uint32_t)(pos & (fs->cluster_size - 1));
        uint64_t avail = ((uint64_t)run << fs->cluster_shift) - in;
        uint32_t bytes = (uint32_t)MIN(MIN(avail, len - done), (uint64_t)(1u << 30));
        rc = fn(fs, fat_cluster_offset(fs, cluster) + in, done, bytes, arg);
        if (rc < 0)
            return rc;
        done += bytes;
    }
    return 0;
}

/* Large reads go around the cache (straight into the caller's buffer). */
#define DIRECT_READ_BYTES (64u << 10)

static int read_run(struct fat_fs *fs, uint64_t disk_off, uint64_t pos, uint32_t bytes, void *arg)
{
    if (bytes >= DIRECT_READ_BYTES)
        return bcache_read_direct(fs->bd, disk_off, (uint8_t *)arg + pos, bytes);
    return bcache_read(fs->bd, disk_off, (uint8_t *)arg + pos, bytes);
}

static int readahead_run(struct fat_fs *fs, uint64_t disk_off, uint64_t pos, uint32_t bytes, void *arg)
{
    (void)pos;
    (void)arg;
    bcache_readahead(fs->bd, disk_off, bytes);
    return 0;
}

struct write_src {
    const uint8_t *buf;         /* NULL: zeros */
};

static int write_run(struct fat_fs *fs, uint64_t disk_off, uint64_t pos, uint32_t bytes, void *arg)
{
    struct write_src *src = arg;
    if (src->buf)
        return bcache_write(fs->bd, disk_off, src->buf + pos, bytes, BC_DATA);
    static const uint8_t zeros[512];
    for (uint32_t done = 0; done < bytes;) {
        uint32_t n = MIN(bytes - done, (uint32_t)sizeof zeros);
        int rc = bcache_write(fs->bd, disk_off + done, zeros, n, BC_DATA);
        if (rc < 0)
            return rc;
        done += n;
    }
    return 0;
}

int64_t fat_file_read(struct fat_fs *fs, struct fat_node *n, uint64_t off, void *buf, size_t len)
{
    if (off >= n->size)
        return 0;
    uint64_t count = MIN((uint64_t)len, n->size - off);
    /* A reader continuing where it stopped with small reads gets the next
     * part fetched ahead into the cache (large reads go around it). */
    if (off == n->ra_next && count < DIRECT_READ_BYTES) {
        uint64_t from = MAX(n->ra_until, off + count);
        uint64_t to = MIN(off + count + READ_AHEAD_BYTES, (uint64_t)n->size);
        if (to > from && to - from >= READ_AHEAD_BYTES / 4) {
            for_each_run(fs, n, from, to - from, readahead_run, NULL);
            n->ra_until = to;
        }
    } else {
        n->ra_until = 0;
    }
    int rc = for_each_run(fs, n, off, count, read_run, buf);
    if (rc < 0)
        return rc;
    n->ra_next = off + count;
    return (int64_t)count;
}

/* Set the modification time to now. */
static void touch(struct fat_node *n)
{
    fat_time_from_unix(vfs_now(), &n->mdate, &n->mtime, NULL);
    n->adate = n->mdate;
    n->attr |= FAT_ATTR_ARCHIVE;
}

/* Make the chain at least `clusters` long; on a full volume keep what was
 * allocated and report how far it reaches in *have. */
static int grow_chain(struct fat_fs *fs, struct fat_node *n, uint64_t clusters, uint32_t *have)
{
    int rc = fat_extend_chain(fs, n, (uint32_t)clusters);
    int lrc = fat_chain_length(fs, n, have);
    return rc < 0 ? rc : lrc;
}

int64_t fat_file_write(struct fat_fs *fs, struct fat_node *n, uint64_t off, const void *buf,
                       size_t len)
{
    if (off == VFS_APPEND_OFFSET)
        off = n->size;
    if (off >= FAT_MAX_FILE_SIZE)
        return -EFBIG;
    uint64_t end = MIN(off + len, FAT_MAX_FILE_SIZE);
    uint32_t have;
    int rc = grow_chain(fs, n, clusters_for(fs, end), &have);
    if (rc == -ENOSPC) {
        end = MIN(end, (uint64_t)have << fs->cluster_shift);
        if (end <= off)
            return -ENOSPC;
    } else if (rc < 0) {
        return rc;
    }
    struct write_src zero = { NULL };
    if (off > n->size) {
        /* The gap reads as zeros: whatever the clusters held before is gone. */
        rc = for_each_run(fs, n, n->size, off - n->size, write_run, &zero);
        if (rc < 0)
            return rc;
    }
    struct write_src src = { buf };
    rc = for_each_run(fs, n, off, end - off, write_run, &src);
    if (rc < 0)
        return rc;
    if (end > n->size)
        n->size = (uint32_t)end;
    touch(n);
    rc = fat_node_write_entry(fs, n);
    if (rc < 0)
        return rc;
    return (int64_t)(end - off);
}

int fat_file_truncate(struct fat_fs *fs, struct fat_node *n, uint64_t size)
{
    if (size > FAT_MAX_FILE_SIZE)
        return -EFBIG;
    uint32_t old = n->size;
    int rc;
    if (size < old) {
        n->size = (uint32_t)size;
        touch(n);
        rc = fat_node_write_entry(fs, n);
        if (rc == 0)
            rc = fat_shrink_chain(fs, n, (uint32_t)clusters_for(fs, size));
        return rc;
    }
    if (size > old) {
        uint32_t have;
        rc = grow_chain(fs, n, clusters_for(fs, size), &have);
        if (rc == 0) {
            struct write_src zero = { NULL };
            rc = for_each_run(fs, n, old, size - old, write_run, &zero);
        }
        if (rc < 0) {
            fat_shrink_chain(fs, n, (uint32_t)clusters_for(fs, old));
            return rc;
        }
        n->size = (uint32_t)size;
    }
    touch(n);
    return fat_node_write_entry(fs, n);
}
