/*
 * kernel/fs/fat/fat_extent.c — files' cluster chains as extents.
 *
 * Walking a FAT chain costs one table lookup per cluster; each node keeps
 * the part of its chain walked so far as runs of consecutive clusters, so
 * that a contiguous 1 GiB file is one extent and random access is a binary
 * search. The walk is bounded by the cluster count (a loop is damage, never
 * a hang) and checks every link.
 */
#include "fs/fat/fat_internal.h"
#include "lib/lib.h"
#include "mm/mm.h"

/* Clusters walked past the one asked for while the chain is contiguous. */
#define WALK_AHEAD 65536u

void fat_forget_extents(struct fat_node *n)
{
    kfree(n->ext);
    n->ext = NULL;
    n->ext_count = n->ext_cap = n->ext_clusters = 0;
    n->ext_complete = false;
}

/* Append cluster as file cluster n->ext_clusters. */
static int push_cluster(struct fat_node *n, uint32_t cluster, uint32_t count)
{
    if (n->ext_count > 0) {
        struct fat_extent *last = &n->ext[n->ext_count - 1];
        if (last->disk_cluster + last->count == cluster) {
            last->count += count;
            n->ext_clusters += count;
            return 0;
        }
    }
    if (n->ext_count == n->ext_cap) {
        uint32_t cap = n->ext_cap ? n->ext_cap * 2 : 4;
        struct fat_extent *e = krealloc(n->ext, cap * sizeof *e);
        if (!e)
            return -ENOMEM;
        n->ext = e;
        n->ext_cap = cap;
    }
    n->ext[n->ext_count++] = (struct fat_extent){ n->ext_clusters, cluster, count };
    n->ext_clusters += count;
    return 0;
}

/* Walk the chain further until file cluster `index` is covered (or the
 * chain ends: ext_complete). */
static int walk_to(struct fat_fs *fs, struct fat_node *n, uint32_t index)
{
    if (n->first_cluster == 0) {
        n->ext_complete = true;
        return 0;
    }
    int rc;
    if (n->ext_count == 0) {
        if (!fat_valid_cluster(fs, n->first_cluster))
            return fat_damaged(fs, "entry points to cluster %u, outside the volume", n->first_cluster);
        rc = push_cluster(n, n->first_cluster, 1);
        if (rc < 0)
            return rc;
    }
    /* Walk until index is covered, then on while the chain stays
     * contiguous (a bounded way), so that callers see whole runs. */
    for (;;) {
        if (n->ext_complete)
            break;
        struct fat_extent *last = &n->ext[n->ext_count - 1];
        uint32_t cur = last->disk_cluster + last->count - 1;
        bool covered = n->ext_clusters > index;
        if (covered && n->ext_clusters - index >= WALK_AHEAD)
            break;
        uint32_t next;
        rc = fat_get(fs, cur, &next);
        if (rc < 0)
            return rc;
        if (fat_is_eoc(fs, next)) {
            n->ext_complete = true;
            break;
        }
        if (covered && next != cur + 1)
            break;                  /* the run ends here: enough for now */
        if (!fat_valid_cluster(fs, next))
            return fat_damaged(fs, "cluster %u links to %u (%s)", cur, next,
                               next == FAT_FREE ? "a free cluster" :
                               next == FAT_BAD ? "a bad cluster" : "outside the volume");
        if (n->ext_clusters >= fs->cluster_count)
            return fat_damaged(fs, "cluster chain starting at %u loops", n->first_cluster);
        rc = push_cluster(n, next, 1);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int fat_map(struct fat_fs *fs, struct fat_node *n, uint32_t index, uint32_t *cluster,
            uint32_t *run)
{
    if (index >= n->ext_clusters) {
        int rc = walk_to(fs, n, index);
        if (rc < 0)
            return rc;
        if (index >= n->ext_clusters)
            return -ENOENT;
    }
    uint32_t lo = 0, hi = n->ext_count;
    while (hi - lo > 1) {
        uint32_t mid = (lo + hi) / 2;
        if (n->ext[mid].file_cluster <= index)
            lo = mid;
        else
            hi = mid;
    }
    const struct fat_extent *e = &n->ext[lo];
    *cluster = e->disk_cluster + (index - e->file_cluster);
    *run = e->count - (index - e->file_cluster);
    return 0;
}

int fat_chain_length(struct fat_fs *fs, struct fat_node *n, uint32_t *count)
{
    int rc = walk_to(fs, n, UINT32_MAX);
    if (rc < 0)
        return rc;
    *count = n->ext_clusters;
    return 0;
}

int fat_zero_clusters_now(struct fat_fs *fs, uint32_t first, uint32_t count,
                          const uint8_t *head, uint32_t head_len)
{
    uint64_t start = fat_cluster_offset(fs, first);
    uint64_t end = start + ((uint64_t)count << fs->cluster_shift);
    for (uint64_t off = start; off < end;) {
        uint64_t block = off >> BCACHE_BLOCK_SHIFT;
        uint32_t in = (uint32_t)(off & (BCACHE_BLOCK_SIZE - 1));
        uint32_t n = (uint32_t)MIN(end - off, (uint64_t)(BCACHE_BLOCK_SIZE - in));
        struct bbuf *b;
        int rc = bcache_get(fs->bd, block, in == 0 && n == BCACHE_BLOCK_SIZE ? BC_NOREAD : 0, &b);
        if (rc < 0)
            return rc;
        memset(b->data + in, 0, n);
        if (off < start + head_len) {
            uint32_t k = (uint32_t)MIN((uint64_t)n, start + head_len - off);
            memcpy(b->data + in, head + (off - start), k);
        }
        rc = bcache_write_now(b, in, n);
        bcache_put(b);
        if (rc < 0)
            return rc;
        off += n;
    }
    return 0;
}

/* Grow n's chain to `clusters`; with zero, new clusters are zeroed on the
 * disk before the chain reaches them (directories). */
static int extend(struct fat_fs *fs, struct fat_node *n, uint32_t clusters, bool zero)
{
    uint32_t have;
    int rc = fat_chain_length(fs, n, &have);
    if (rc < 0)
        return rc;
    while (have < clusters) {
        uint32_t last = n->ext_count ? n->ext[n->ext_count - 1].disk_cluster +
                                       n->ext[n->ext_count - 1].count - 1 : 0;
        uint32_t first;
        int got = fat_alloc_run(fs, last ? last + 1 : 0, clusters - have, &first);
        if (got < 0)
            return got;
        if (zero) {
            rc = fat_zero_clusters_now(fs, first, (uint32_t)got, NULL, 0);
            if (rc < 0)
                return rc;
        }
        /* The new run is already chained and ended; now hang it on. */
        if (last)
            rc = fat_set(fs, last, first);
        else
            n->first_cluster = first;
        if (rc < 0)
            return rc;
        rc = push_cluster(n, first, (uint32_t)got);
        if (rc < 0) {
            fat_forget_extents(n);      /* rebuilt from the table on next use */
            return rc;
        }
        n->ext_complete = true;
        have += (uint32_t)got;
    }
    return 0;
}

int fat_extend_chain(struct fat_fs *fs, struct fat_node *n, uint32_t clusters)
{
    return extend(fs, n, clusters, false);
}

int fat_extend_dir(struct fat_fs *fs, struct fat_node *dir, uint32_t clusters)
{
    uint32_t have;
    int rc = fat_chain_length(fs, dir, &have);
    if (rc < 0)
        return rc;
    return extend(fs, dir, have + clusters, true);
}

int fat_shrink_chain(struct fat_fs *fs, struct fat_node *n, uint32_t clusters)
{
    uint32_t have;
    int rc = fat_chain_length(fs, n, &have);
    if (rc < 0)
        return rc;
    if (clusters >= have)
        return 0;
    uint32_t cut;           /* first cluster to free */
    if (clusters == 0) {
        cut = n->first_cluster;
        n->first_cluster = 0;
        /* The entry stops pointing at the chain before the chain is freed. */
        rc = fat_node_write_entry(fs, n);
        if (rc < 0)
            return rc;
    } else {
        uint32_t last, run;
        rc = fat_map(fs, n, clusters - 1, &last, &run);
        if (rc < 0)
            return rc;
        rc = fat_map(fs, n, clusters, &cut, &run);
        if (rc < 0)
            return rc;
        rc = fat_set(fs, last, FAT_EOC);
        if (rc < 0)
            return rc;
    }
    /* Trim the extent list to the kept clusters. */
    while (n->ext_count > 0 && n->ext[n->ext_count - 1].file_cluster >= clusters)
        n->ext_count--;
    if (n->ext_count > 0) {
        struct fat_extent *e = &n->ext[n->ext_count - 1];
        e->count = MIN(e->count, clusters - e->file_cluster);
    }
    n->ext_clusters = clusters;
    n->ext_complete = true;
    return fat_free_chain(fs, cut);
}
