/*
 * kernel/fs/bcache.h — the block cache between file systems and block devices.
 *
 * One cache (a memory budget, LRU eviction) serves every attached device.
 * Blocks are BCACHE_BLOCK_SIZE bytes (one page) at block-aligned offsets of
 * the device; the last block of a device may be shorter (bbuf.len).
 *
 * Write-back with ordering: a file system marks the bytes it changed dirty
 * with a class saying what they are. bcache_sync() writes the dirty sectors
 * class by class, with a device flush between classes:
 *     BC_DATA (file contents)  ->  BC_FAT (allocation tables)  ->  BC_META
 *     (directories, FSInfo)
 * so that after a power cut the allocation table never lags behind a
 * directory entry that points into it, and file data is on the disk before
 * the metadata that makes it reachable. A sector marked with two classes is
 * written with the later one. Dirty data is written on sync, on detach, and
 * when a device's dirty share grows past half the cache (from inside
 * bcache_get() of that device, so a file system must keep its in-memory state
 * ordered as above whenever it calls bcache_get()).
 *
 * Only the owner of a device (its file system, which serialises its own
 * operations) may get, modify or sync that device's blocks. Reads of missing
 * blocks in a range are issued as one request per contiguous run; sequential
 * readers ask for read-ahead with bcache_readahead(), which runs
 * asynchronously.
 */
#ifndef KPIO_BCACHE_H
#define KPIO_BCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "dev/blkdev.h"
#include "lib/list.h"

#define BCACHE_BLOCK_SHIFT 12
#define BCACHE_BLOCK_SIZE  (1u << BCACHE_BLOCK_SHIFT)

enum bcache_class { BC_DATA = 0, BC_FAT = 1, BC_META = 2, BC_CLASSES = 3 };

/* bcache_get() flags */
#define BC_NOREAD 1u   /* the caller overwrites the whole block: skip the read, zero it */

struct bcache;
struct bcache_dev;

/* A cached block. Callers use data, block and len; the rest is private. */
struct bbuf {
    uint8_t *data;
    uint64_t block;
    uint32_t len;               /* valid bytes (BCACHE_BLOCK_SIZE except a device's last block) */

    struct bcache_dev *bd;
    struct bbuf *hash_next;
    struct list_node lru;       /* in the clean LRU iff unreferenced, clean and valid */
    struct list_node dirty_node;/* in bd->dirty iff any dirty mask is set */
    uint32_t refs;
    uint8_t state;              /* BB_READING, BB_VALID, BB_ERROR */
    uint8_t dirty[BC_CLASSES];  /* per class, one bit per sector of the block */
};

struct bcache_stats {
    uint64_t hits, misses;
    uint64_t read_requests, write_requests, flushes;
    uint64_t blocks_read, blocks_written;
    uint64_t blocks, dirty_blocks;
};

/* The cache every file system shares: made on first use with
 * bcache_set_default_size()'s size (32 MiB unless set). */
struct bcache *bcache_default(void);
void bcache_set_default_size(size_t max_bytes);

/* A cache of at most max_bytes of block data (at least 64 blocks). NULL if out of memory. */
struct bcache *bcache_create(size_t max_bytes);
/* Free the cache; every device must be detached first. */
void bcache_destroy(struct bcache *c);

/* Use dev through cache c. NULL if out of memory or dev's sector size is not
 * 512..4096. */
struct bcache_dev *bcache_attach(struct bcache *c, struct blkdev *dev);
/* Write back dev's dirty blocks, drop its blocks and forget it. Returns the
 * write-back status (the blocks are dropped even on error). */
int bcache_detach(struct bcache_dev *bd);

struct blkdev *bcache_blkdev(struct bcache_dev *bd);
uint64_t bcache_dev_bytes(struct bcache_dev *bd);

/* Get block `block` with a reference; reads it unless cached (or BC_NOREAD).
 * Returns 0, -ENXIO past the end, -EIO on a read error, -ENOMEM. */
int bcache_get(struct bcache_dev *bd, uint64_t block, unsigned flags, struct bbuf **out);
void bcache_put(struct bbuf *b);

/* Mark bytes [off, off+len) of b as changed, of class cls. */
void bcache_mark_dirty(struct bbuf *b, uint32_t off, uint32_t len, enum bcache_class cls);

/* Write the sectors covering [off, off+len) of b to the device now and wait;
 * they are clean afterwards. For blocks that must reach the disk before
 * anything that is written later by sync (new directory clusters). */
int bcache_write_now(struct bbuf *b, uint32_t off, uint32_t len);

/* Byte-range helpers over get/put. */
int bcache_read(struct bcache_dev *bd, uint64_t off, void *buf, size_t len);
int bcache_write(struct bcache_dev *bd, uint64_t off, const void *buf, size_t len,
                 enum bcache_class cls);

/* bcache_read for large transfers: blocks the cache does not hold are read
 * from the device straight into buf (which must be memory the device can
 * reach), without passing through the cache; cached blocks (which may hold
 * unwritten changes) are copied from it. Only the device's owner may use it
 * (nobody may change its blocks meanwhile). */
int bcache_read_direct(struct bcache_dev *bd, uint64_t off, void *buf, size_t len);

/* Start reading the missing blocks of [off, off+len) in the background. */
void bcache_readahead(struct bcache_dev *bd, uint64_t off, uint64_t len);

/* Ordered write-back of dev's dirty sectors (see above), ending with a
 * flush. Returns 0 or the first error (the failed blocks stay dirty). */
int bcache_sync(struct bcache_dev *bd);

/* Drop dev's clean unreferenced blocks (tests: force re-reads from disk). */
void bcache_drop_clean(struct bcache_dev *bd);

/* Forget dev's dirty changes in [off, off+len) without writing them (the
 * bytes belong to clusters that were freed). */
void bcache_discard(struct bcache_dev *bd, uint64_t off, uint64_t len);

void bcache_get_stats(struct bcache *c, struct bcache_stats *out);
uint64_t bcache_dev_dirty_blocks(struct bcache_dev *bd);

#endif
