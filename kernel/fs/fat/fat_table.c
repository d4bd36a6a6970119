/*
 * kernel/fs/fat/fat_table.c — the file allocation table (FATSPEC §4):
 * reading and writing entries of all three widths, the mount-time scan that
 * builds the free-cluster bitmap and looks for damage, cluster allocation
 * and freeing.
 *
 * Entries are handled in a width-independent form: 0 free, 2.. a next
 * cluster, FAT_BAD, and >= 0x0FFFFFF8 end of chain. Every change goes to
 * each copy of the table (or only the active one when mirroring is off).
 *
 * Freeing is deferred: a chain that lost its directory entry keeps its table
 * entries until a sync has made the entry's removal durable; only then are
 * they zeroed and the clusters reused. So after a power cut a directory
 * entry never points at free clusters, or at clusters that already hold
 * another file's data.
 */
#include "fs/fat/fat_internal.h"
#include "core/log.h"
#include "lib/lib.h"
#include "mm/mm.h"

bool fat_is_eoc(const struct fat_fs *fs, uint32_t value)
{
    (void)fs;
    return value >= 0x0FFFFFF8u;
}

bool fat_valid_cluster(const struct fat_fs *fs, uint32_t cluster)
{
    return cluster >= 2 && cluster <= fs->cluster_count + 1;
}

/* Byte offset of cluster's entry in FAT copy `copy`. */
static uint64_t entry_offset(const struct fat_fs *fs, uint32_t copy, uint32_t cluster)
{
    uint64_t off;
    switch (fs->bits) {
    case 12: off = cluster + cluster / 2; break;
    case 16: off = (uint64_t)cluster * 2; break;
    default: off = (uint64_t)cluster * 4; break;
    }
    return fs->fat_offset + copy * fs->fat_bytes + off;
}

/* Read the raw 16 or 32 bits at off. */
static int read_raw(struct fat_fs *fs, uint64_t off, uint32_t *raw)
{
    uint8_t b[4] = { 0 };
    int rc = bcache_read(fs->bd, off, b, fs->bits == 32 ? 4 : 2);
    *raw = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    return rc;
}

/* Widen a raw entry value to the 28-bit form. */
static uint32_t widen(const struct fat_fs *fs, uint32_t cluster, uint32_t raw)
{
    uint32_t v;
    switch (fs->bits) {
    case 12:
        v = (cluster & 1) ? (raw >> 4) & 0xFFF : raw & 0xFFF;
        return v >= 0xFF7 ? v | 0x0FFFF000u : v;
    case 16:
        v = raw & 0xFFFF;
        return v >= 0xFFF7 ? v | 0x0FFF0000u : v;
    default:
        return raw & 0x0FFFFFFFu;
    }
}

int fat_get(struct fat_fs *fs, uint32_t cluster, uint32_t *value)
{
    uint32_t raw;
    int rc = read_raw(fs, entry_offset(fs, fs->active_fat, cluster), &raw);
    if (rc < 0)
        return rc;
    *value = widen(fs, cluster, raw);
    return 0;
}

int fat_set(struct fat_fs *fs, uint32_t cluster, uint32_t value)
{
    for (uint32_t copy = 0; copy < fs->num_fats; copy++) {
        if (!fs->mirror && copy != fs->active_fat)
            continue;
        uint64_t off = entry_offset(fs, copy, cluster);
        uint32_t raw;
        int rc = read_raw(fs, off, &raw);
        if (rc < 0)
            return rc;
        uint8_t b[4];
        size_t len = 2;
        switch (fs->bits) {
        case 12:
            if (cluster & 1)
                raw = (raw & 0x000F) | (value & 0xFFF) << 4;
            else
                raw = (raw & 0xF000) | (value & 0xFFF);
            break;
        case 16:
            raw = value & 0xFFFF;
            break;
        default:
            raw = (raw & 0xF0000000u) | (value & 0x0FFFFFFFu);   /* FATSPEC §4: keep the top bits */
            len = 4;
            break;
        }
        for (size_t i = 0; i < 4; i++)
            b[i] = (uint8_t)(raw >> (8 * i));
        rc = bcache_write(fs->bd, off, b, len, BC_FAT);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Chain clusters [first, first+count) together and end the chain: each
 * entry points to the next, the last is EOC. FAT16/32 entries are written a
 * cache block at a time. */
static int set_chain(struct fat_fs *fs, uint32_t first, uint32_t count)
{
    if (fs->bits == 12) {
        for (uint32_t i = 0; i < count; i++) {
            int rc = fat_set(fs, first + i, i + 1 < count ? first + i + 1 : FAT_EOC);
            if (rc < 0)
                return rc;
        }
        return 0;
    }
    unsigned width = fs->bits / 8;
    for (uint32_t copy = 0; copy < fs->num_fats; copy++) {
        if (!fs->mirror && copy != fs->active_fat)
            continue;
        uint32_t c = first, end = first + count;
        while (c < end) {
            uint64_t off = entry_offset(fs, copy, c);
            struct bbuf *b;
            int rc = bcache_get(fs->bd, off >> BCACHE_BLOCK_SHIFT, 0, &b);
            if (rc < 0)
                return rc;
            uint32_t in = (uint32_t)(off & (BCACHE_BLOCK_SIZE - 1)), from = in;
            for (; in + width <= b->len && c < end; in += width, c++) {
                uint32_t v = c + 1 < end ? c + 1 : FAT_EOC;
                uint8_t *p = b->data + in;
                if (width == 2) {
                    p[0] = (uint8_t)v;
                    p[1] = (uint8_t)(v >> 8);
                } else {
                    /* FATSPEC §4: the top 4 bits of a FAT32 entry are kept. */
                    v = (v & 0x0FFFFFFFu) | ((uint32_t)(p[3] & 0xF0) << 24);
                    p[0] = (uint8_t)v;
                    p[1] = (uint8_t)(v >> 8);
                    p[2] = (uint8_t)(v >> 16);
                    p[3] = (uint8_t)(v >> 24);
                }
            }
            bcache_mark_dirty(b, from, in - from, BC_FAT);
            bcache_put(b);
        }
    }
    return 0;
}

/* ---- bitmaps ---- */

static inline bool bit_get(const uint64_t *map, uint32_t i) { return (map[i / 64] >> (i % 64)) & 1; }
static inline void bit_set(uint64_t *map, uint32_t i) { map[i / 64] |= 1ull << (i % 64); }
static inline void bit_clear(uint64_t *map, uint32_t i) { map[i / 64] &= ~(1ull << (i % 64)); }

static uint64_t *bitmap_new(uint32_t bits)
{
    return kzalloc(((size_t)bits + 63) / 64 * sizeof(uint64_t));
}

/* ---- mount-time scan ---- */

#define SCAN_TABLE_MAX (1u << 22)   /* clusters decoded into memory at once (16 MiB) */

/* Decode the active table into next[2 .. cluster_count+1], a block at a time. */
static int load_table(struct fat_fs *fs, uint32_t *next)
{
    uint32_t total = fs->cluster_count + 2;
    if (fs->bits == 12) {
        for (uint32_t c = 2; c < total; c++) {
            int rc = fat_get(fs, c, &next[c]);
            if (rc < 0)
                return rc;
        }
        return 0;
    }
    unsigned width = fs->bits / 8;
    uint64_t base = entry_offset(fs, fs->active_fat, 0);
    uint32_t c = 2;
    while (c < total) {
        uint64_t off = base + (uint64_t)c * width;
        struct bbuf *b;
        int rc = bcache_get(fs->bd, off >> BCACHE_BLOCK_SHIFT, 0, &b);
        if (rc < 0)
            return rc;
        uint32_t in = (uint32_t)(off & (BCACHE_BLOCK_SIZE - 1));
        for (; in + width <= b->len && c < total; in += width, c++) {
            const uint8_t *p = b->data + in;
            uint32_t raw = width == 2 ? (uint32_t)(p[0] | p[1] << 8)
                                      : (uint32_t)p[0] | (uint32_t)p[1] << 8 |
                                        (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
            next[c] = widen(fs, c, raw);
        }
        bcache_put(b);
    }
    return 0;
}

/* Check the decoded table: free clusters into the free map; entries
 * pointing outside the volume, clusters with two predecessors (cross-linked
 * chains) and loops are damage. A loop shows as clusters in use that no
 * walk from a chain's head reaches. */
static int check_table(struct fat_fs *fs, const uint32_t *next)
{
    uint32_t total = fs->cluster_count + 2;
    uint64_t *has_pred = bitmap_new(total), *visited = bitmap_new(total);
    int rc = 0;
    if (!has_pred || !visited) {
        rc = -ENOMEM;
        goto out;
    }
    for (uint32_t c = 2; c < total; c++) {
        uint32_t v = next[c];
        if (v == FAT_FREE) {
            bit_set(fs->free_map, c);
            fs->free_count++;
        } else if (v == FAT_BAD || fat_is_eoc(fs, v)) {
            continue;
        } else if (!fat_valid_cluster(fs, v)) {
            fat_damaged(fs, "FAT entry of cluster %u points to %u, outside the volume", c, v);
        } else if (bit_get(has_pred, v)) {
            fat_damaged(fs, "cluster %u is linked from two chains", v);
        } else {
            bit_set(has_pred, v);
        }
    }
    if (fs->damaged)
        goto out;
    for (uint32_t c = 2; c < total; c++) {
        if (bit_get(fs->free_map, c) || bit_get(has_pred, c) || next[c] == FAT_BAD)
            continue;
        for (uint32_t cur = c; fat_valid_cluster(fs, cur) && !bit_get(visited, cur); cur = next[cur])
            bit_set(visited, cur);
    }
    for (uint32_t c = 2; c < total; c++) {
        if (!bit_get(fs->free_map, c) && !bit_get(visited, c) && next[c] != FAT_BAD) {
            fat_damaged(fs, "cluster chain through cluster %u loops", c);
            break;
        }
    }
out:
    kfree(has_pred);
    kfree(visited);
    return rc;
}

int fat_scan(struct fat_fs *fs)
{
    if (fs->free_map)
        return 0;
    uint32_t total = fs->cluster_count + 2;
    fs->free_map = bitmap_new(total);
    if (!fs->free_map)
        return -ENOMEM;
    fs->free_count = 0;
    /* Fetch the whole table in large reads first. */
    bcache_readahead(fs->bd, entry_offset(fs, fs->active_fat, 0), fs->fat_bytes);
    int rc;
    uint32_t *next = total <= SCAN_TABLE_MAX ? kmalloc((size_t)total * sizeof *next) : NULL;
    if (next) {
        rc = load_table(fs, next);
        if (rc == 0)
            rc = check_table(fs, next);
        kfree(next);
    } else {
        /* Too big to hold: the free map only, one entry at a time. */
        rc = 0;
        for (uint32_t c = 2; c < total && rc == 0; c++) {
            uint32_t v;
            rc = fat_get(fs, c, &v);
            if (rc == 0 && v == FAT_FREE) {
                bit_set(fs->free_map, c);
                fs->free_count++;
            }
        }
    }
    if (rc < 0) {
        kfree(fs->free_map);
        fs->free_map = NULL;
    }
    return rc;
}

/* ---- allocation ---- */

/* The first free cluster at or after start, wrapping around; 0 if none. */
static uint32_t find_free(struct fat_fs *fs, uint32_t start)
{
    uint32_t total = fs->cluster_count + 2;
    if (start < 2 || start >= total)
        start = 2;
    /* Scan word by word from start to the end, then from the beginning. */
    for (int pass = 0; pass < 2; pass++) {
        uint32_t from = pass == 0 ? start : 2, to = pass == 0 ? total : start;
        for (uint32_t i = from; i < to; i += 64 - i % 64) {
            uint64_t word = fs->free_map[i / 64] >> (i % 64);
            if (word) {
                uint32_t c = i + (uint32_t)__builtin_ctzll(word);
                if (c < to)
                    return c;
            }
        }
    }
    return 0;
}

int fat_alloc_run(struct fat_fs *fs, uint32_t hint, uint32_t want, uint32_t *first)
{
    int src = fat_scan(fs);
    if (src < 0)
        return src;
    if (fs->free_count == 0 && fs->pending_clusters > 0) {
        /* Everything left was freed since the last sync: make that durable. */
        int rc = fat_sync_locked(fs);
        if (rc < 0)
            return rc;
    }
    if (fs->free_count == 0 || want == 0)
        return -ENOSPC;
    uint32_t total = fs->cluster_count + 2;
    uint32_t start = 0;
    if (hint >= 2 && hint < total && bit_get(fs->free_map, hint))
        start = hint;
    else
        start = find_free(fs, fs->next_free);
    if (start == 0)
        return -ENOSPC;
    uint32_t count = 1;
    while (count < want && start + count < total && bit_get(fs->free_map, start + count))
        count++;
    for (uint32_t i = 0; i < count; i++)
        bit_clear(fs->free_map, start + i);
    fs->free_count -= count;
    fs->next_free = start + count < total ? start + count : 2;
    int rc = set_chain(fs, start, count);
    if (rc < 0)
        return rc;
    *first = start;
    return (int)count;
}

int fat_free_chain(struct fat_fs *fs, uint32_t cluster)
{
    if (!fat_valid_cluster(fs, cluster))
        return 0;
    /* Walk the chain now (checking it, forgetting its unwritten data,
     * counting it); its table entries stay until the next sync. */
    uint32_t count = 0, cur = cluster;
    for (;;) {
        if (++count > fs->cluster_count)
            return fat_damaged(fs, "cluster chain through %u loops", cluster);
        uint32_t next;
        int rc = fat_get(fs, cur, &next);
        if (rc < 0)
            return rc;
        if (next == FAT_FREE)
            return fat_damaged(fs, "cluster chain runs into free cluster %u", cur);
        bcache_discard(fs->bd, fat_cluster_offset(fs, cur), fs->cluster_size);
        if (fat_is_eoc(fs, next) || next == FAT_BAD)
            break;
        if (!fat_valid_cluster(fs, next))
            return fat_damaged(fs, "cluster %u links to %u, outside the volume", cur, next);
        cur = next;
    }
    if (fs->pending_len == fs->pending_cap) {
        uint32_t cap = fs->pending_cap ? fs->pending_cap * 2 : 64;
        uint32_t *p = krealloc(fs->pending, cap * sizeof *p);
        if (!p) {
            /* No memory to remember it: the clusters stay allocated until
             * fsck reclaims them (lost space, never a conflict). */
            return -ENOMEM;
        }
        fs->pending = p;
        fs->pending_cap = cap;
    }
    fs->pending[fs->pending_len++] = cluster;
    fs->pending_clusters += count;
    return 0;
}

int fat_apply_pending(struct fat_fs *fs)
{
    int rc = fat_scan(fs);          /* the free map must exist to take the clusters */
    if (rc < 0)
        return rc;
    for (uint32_t i = 0; i < fs->pending_len && rc == 0; i++) {
        uint32_t cur = fs->pending[i];
        for (uint32_t steps = 0; fat_valid_cluster(fs, cur) && steps <= fs->cluster_count; steps++) {
            uint32_t next;
            rc = fat_get(fs, cur, &next);
            if (rc == 0)
                rc = fat_set(fs, cur, FAT_FREE);
            if (rc < 0)
                break;
            bit_set(fs->free_map, cur);
            fs->free_count++;
            if (fat_is_eoc(fs, next) || next == FAT_BAD)
                break;
            cur = next;
        }
    }
    fs->pending_len = 0;
    fs->pending_clusters = 0;
    return rc;
}
