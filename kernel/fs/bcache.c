/*
 * kernel/fs/bcache.c — the block cache (see bcache.h for the rules).
 *
 * Locking: one mutex per cache guards the hash table, the LRU, every block's
 * state/refs/dirty masks and the per-device dirty lists. It is never held
 * across blkdev_submit(); I/O completions (thread context) take it to mark
 * blocks and wake waiters through one condition variable.
 */
#include "fs/bcache.h"
#include "core/log.h"
#include "lib/lib.h"
#include "mm/mm.h"
#include "sched/sched.h"

enum { BB_READING = 1, BB_VALID = 2, BB_ERROR = 3 };

#define MIN_BLOCKS       64
#define MAX_RUN_BLOCKS   256     /* blocks per read request */
#define WRITE_SEGS_MAX   256     /* segments per write request */

struct bcache {
    struct mutex lock;
    struct condvar io_cond;         /* any I/O completed */
    struct bbuf **hash;
    uint64_t hash_mask;
    uint64_t capacity;              /* blocks */
    uint64_t count;                 /* blocks allocated */
    struct list_node clean_lru;     /* front = most recently used */
    struct list_node devices;
    struct bcache_stats stats;
};

struct bcache_dev {
    struct bcache *cache;
    struct blkdev *dev;
    uint64_t nblocks;
    uint64_t dirty_count;
    struct list_node dirty;         /* blocks with any dirty mask */
    struct list_node node;          /* in cache->devices */
    struct mutex sync_lock;
    bool unflushed;                 /* written since the last flush */
};

/* One read or write request in flight. */
struct bc_io {
    struct blk_request req;
    struct bcache *cache;
    struct bbuf **bufs;             /* reads: the blocks to mark valid */
    uint32_t nbufs;
    uint32_t *pending;              /* writes: the batch counter to decrement */
    int *batch_status;
    struct blk_segment segs[];
};

static int writeback(struct bcache_dev *bd, int last, bool ordered);

/* ---- hash table and block lifetime (cache lock held) ---- */

static uint64_t hash_of(struct bcache *c, struct bcache_dev *bd, uint64_t block)
{
    uint64_t h = ((uint64_t)(uintptr_t)bd >> 4) ^ (block * 0x9E3779B97F4A7C15ULL);
    return (h ^ (h >> 29)) & c->hash_mask;
}

static struct bbuf *hash_find(struct bcache *c, struct bcache_dev *bd, uint64_t block)
{
    for (struct bbuf *b = c->hash[hash_of(c, bd, block)]; b; b = b->hash_next)
        if (b->bd == bd && b->block == block)
            return b;
    return NULL;
}

static void free_block(struct bcache *c, struct bbuf *b);

/* hash_find, but a block whose earlier read failed and that nobody holds is
 * dropped, so that the next user reads it again. */
static struct bbuf *lookup(struct bcache *c, struct bcache_dev *bd, uint64_t block)
{
    struct bbuf *b = hash_find(c, bd, block);
    if (b && b->state == BB_ERROR && b->refs == 0) {
        free_block(c, b);
        b = NULL;
    }
    return b;
}

static void hash_insert(struct bcache *c, struct bbuf *b)
{
    uint64_t h = hash_of(c, b->bd, b->block);
    b->hash_next = c->hash[h];
    c->hash[h] = b;
}

static void hash_remove(struct bcache *c, struct bbuf *b)
{
    struct bbuf **pp = &c->hash[hash_of(c, b->bd, b->block)];
    while (*pp != b)
        pp = &(*pp)->hash_next;
    *pp = b->hash_next;
}

static bool is_dirty(const struct bbuf *b)
{
    return (b->dirty[0] | b->dirty[1] | b->dirty[2]) != 0;
}

static void free_block(struct bcache *c, struct bbuf *b)
{
    hash_remove(c, b);
    list_remove(&b->lru);
    frame_free(virt_to_phys(b->data), 0);
    kfree(b);
    c->count--;
}

/* Put b on the clean LRU if it is evictable, else take it off. */
static void lru_update(struct bcache *c, struct bbuf *b)
{
    list_remove(&b->lru);
    if (b->refs == 0 && b->state == BB_VALID && !is_dirty(b))
        list_push_front(&c->clean_lru, &b->lru);
}

static uint32_t block_len(struct bcache_dev *bd, uint64_t block)
{
    uint64_t total = bd->dev->sectors * bd->dev->sector_size;
    uint64_t start = block << BCACHE_BLOCK_SHIFT;
    return (uint32_t)MIN((uint64_t)BCACHE_BLOCK_SIZE, total - start);
}

/* A new block for (bd, block): evicts the least recently used clean block
 * when the cache is full (or grows past capacity when nothing is
 * evictable). Returned with refs = 1, not yet in the hash. */
static struct bbuf *alloc_block(struct bcache *c, struct bcache_dev *bd, uint64_t block)
{
    if (c->count >= c->capacity && !list_empty(&c->clean_lru)) {
        struct bbuf *victim = list_entry(c->clean_lru.prev, struct bbuf, lru);
        free_block(c, victim);
    }
    struct bbuf *b = kzalloc(sizeof *b);
    if (!b)
        return NULL;
    uint64_t phys = frame_alloc(0);
    if (!phys) {
        kfree(b);
        return NULL;
    }
    b->data = phys_to_virt(phys);
    b->block = block;
    b->len = block_len(bd, block);
    b->bd = bd;
    b->refs = 1;
    list_init(&b->lru);
    list_init(&b->dirty_node);
    c->count++;
    return b;
}

/* ---- I/O ---- */

static struct bc_io *io_alloc(uint32_t nsegs)
{
    return kzalloc(sizeof(struct bc_io) + nsegs * sizeof(struct blk_segment));
}

/* Completion of a read run: mark the blocks valid (or failed) and wake waiters. */
static void read_done(struct blk_request *req)
{
    struct bc_io *io = req->priv;
    struct bcache *c = io->cache;
    mutex_lock(&c->lock);
    for (uint32_t i = 0; i < io->nbufs; i++) {
        struct bbuf *b = io->bufs[i];
        /* A failed block stays in the table until a bcache_get() reports it. */
        b->state = req->status == 0 ? BB_VALID : BB_ERROR;
        b->refs--;
        lru_update(c, b);
    }
    c->stats.blocks_read += io->nbufs;
    cond_broadcast(&c->io_cond);
    mutex_unlock(&c->lock);
    kfree(io->bufs);
    kfree(io);
}

/* Submit a read of the given referenced, BB_READING blocks (consecutive).
 * Takes over the references. On a submit error the blocks fail at once. */
static void submit_read(struct bcache_dev *bd, struct bbuf **bufs, uint32_t n)
{
    struct bcache *c = bd->cache;
    struct bc_io *io = io_alloc(n);
    if (io) {
        io->cache = c;
        io->bufs = bufs;
        io->nbufs = n;
        for (uint32_t i = 0; i < n; i++)
            io->segs[i] = (struct blk_segment){ bufs[i]->data, bufs[i]->len };
        io->req = (struct blk_request){
            .op = BLK_READ, .nsegs = n, .segs = io->segs, .done = read_done, .priv = io,
            .sector = (bufs[0]->block << BCACHE_BLOCK_SHIFT) / bd->dev->sector_size,
        };
        mutex_lock(&c->lock);
        c->stats.read_requests++;
        mutex_unlock(&c->lock);
        int rc = blkdev_submit(bd->dev, &io->req);
        if (rc == 0)
            return;
        io->req.status = rc;
        read_done(&io->req);
        return;
    }
    /* No memory for the request: the blocks fail at once. */
    mutex_lock(&c->lock);
    for (uint32_t i = 0; i < n; i++) {
        bufs[i]->state = BB_ERROR;
        bufs[i]->refs--;
    }
    cond_broadcast(&c->io_cond);
    mutex_unlock(&c->lock);
    kfree(bufs);
}

/* Make sure blocks [first, first+count) are cached or being read: missing
 * ones are allocated (while there is room, if `optional`) and read in runs.
 * Does not wait. */
static void fetch_range(struct bcache_dev *bd, uint64_t first, uint64_t count, bool optional)
{
    struct bcache *c = bd->cache;
    uint64_t end = MIN(first + count, bd->nblocks);
    uint64_t blk = first;
    /* One block is one segment: a run fits the disk's request limits. */
    struct blkdev *disk = blkdev_disk(bd->dev);
    uint32_t max_run = MAX_RUN_BLOCKS;
    if (disk->max_segments)
        max_run = MIN(max_run, disk->max_segments);
    if (disk->max_bytes)
        max_run = MIN(max_run, MAX(1u, disk->max_bytes / BCACHE_BLOCK_SIZE));
    while (blk < end) {
        struct bbuf **run = kmalloc(MAX_RUN_BLOCKS * sizeof *run);
        if (!run)
            return;
        uint32_t n = 0;
        bool stop = false;
        mutex_lock(&c->lock);
        /* Skip cached blocks, then collect a run of missing ones. */
        while (blk < end && lookup(c, bd, blk))
            blk++;
        while (blk < end && n < max_run && !lookup(c, bd, blk)) {
            struct bbuf *b = NULL;
            if (!optional || c->count < c->capacity || !list_empty(&c->clean_lru))
                b = alloc_block(c, bd, blk);
            if (!b) {
                stop = true;        /* no room or no memory */
                break;
            }
            b->state = BB_READING;
            hash_insert(c, b);
            c->stats.misses++;
            run[n++] = b;
            blk++;
        }
        mutex_unlock(&c->lock);
        if (n > 0)
            submit_read(bd, run, n);
        else
            kfree(run);
        if (stop)
            return;
    }
}

/* ---- public: get / put / dirty ---- */

int bcache_get(struct bcache_dev *bd, uint64_t block, unsigned flags, struct bbuf **out)
{
    struct bcache *c = bd->cache;
    if (block >= bd->nblocks)
        return -ENXIO;
    /* A device holding more than half the cache dirty writes its file data
     * back first (no ordering needed); if that is not enough, everything. */
    if (bd->dirty_count > c->capacity / 2) {
        int rc = writeback(bd, BC_DATA, false);
        if (rc == 0 && bd->dirty_count > c->capacity / 2 + c->capacity / 4)
            rc = bcache_sync(bd);
        if (rc < 0)
            log_warn("bcache: %s: write-back failed (%d)", bd->dev->name, rc);
    }
    mutex_lock(&c->lock);
    struct bbuf *b = lookup(c, bd, block);
    if (b) {
        c->stats.hits++;
    } else if (flags & BC_NOREAD) {
        b = alloc_block(c, bd, block);
        if (!b) {
            mutex_unlock(&c->lock);
            return -ENOMEM;
        }
        memset(b->data, 0, BCACHE_BLOCK_SIZE);
        b->state = BB_VALID;
        b->refs = 0;
        hash_insert(c, b);
        c->stats.misses++;
    } else {
        /* Read it; retry if it was evicted again before we got back here. */
        for (int tries = 0; !b && tries < 4; tries++) {
            mutex_unlock(&c->lock);
            fetch_range(bd, block, 1, false);
            mutex_lock(&c->lock);
            b = hash_find(c, bd, block);
        }
        if (!b) {
            mutex_unlock(&c->lock);
            return -ENOMEM;
        }
    }
    b->refs++;
    list_remove(&b->lru);
    while (b->state == BB_READING)
        cond_wait(&c->io_cond, &c->lock);
    if (b->state == BB_ERROR) {
        if (--b->refs == 0)
            free_block(c, b);
        mutex_unlock(&c->lock);
        return -EIO;
    }
    mutex_unlock(&c->lock);
    *out = b;
    return 0;
}

void bcache_put(struct bbuf *b)
{
    struct bcache *c = b->bd->cache;
    mutex_lock(&c->lock);
    b->refs--;
    lru_update(c, b);
    mutex_unlock(&c->lock);
}

/* Bit mask of the sectors of b touched by [off, off+len). */
static uint8_t sector_mask(struct bbuf *b, uint32_t off, uint32_t len)
{
    uint32_t ss = b->bd->dev->sector_size;
    uint32_t first = off / ss, last = (off + len - 1) / ss;
    uint8_t mask = 0;
    for (uint32_t s = first; s <= last; s++)
        mask |= (uint8_t)(1u << s);
    return mask;
}

void bcache_mark_dirty(struct bbuf *b, uint32_t off, uint32_t len, enum bcache_class cls)
{
    if (len == 0)
        return;
    struct bcache *c = b->bd->cache;
    uint8_t mask = sector_mask(b, off, len);
    mutex_lock(&c->lock);
    bool was_dirty = is_dirty(b);
    /* A sector is written with the latest class it was marked with. */
    uint8_t later = 0;
    for (int k = cls + 1; k < BC_CLASSES; k++)
        later |= b->dirty[k];
    for (int k = 0; k < (int)cls; k++)
        b->dirty[k] &= (uint8_t)~mask;
    b->dirty[cls] |= (uint8_t)(mask & ~later);
    if (!was_dirty) {
        list_push_back(&b->bd->dirty, &b->dirty_node);
        b->bd->dirty_count++;
        c->stats.dirty_blocks++;
    }
    mutex_unlock(&c->lock);
}

/* Clear dirty bits `mask` of b in every class (cache lock held). */
static void clear_dirty(struct bcache *c, struct bbuf *b, uint8_t mask)
{
    bool was_dirty = is_dirty(b);
    for (int k = 0; k < BC_CLASSES; k++)
        b->dirty[k] &= (uint8_t)~mask;
    if (was_dirty && !is_dirty(b)) {
        list_remove(&b->dirty_node);
        b->bd->dirty_count--;
        c->stats.dirty_blocks--;
    }
    lru_update(c, b);
}

int bcache_write_now(struct bbuf *b, uint32_t off, uint32_t len)
{
    struct bcache_dev *bd = b->bd;
    uint32_t ss = bd->dev->sector_size;
    uint32_t start = ALIGN_DOWN(off, ss), end = ALIGN_UP(off + len, ss);
    int rc = blkdev_write(bd->dev, ((b->block << BCACHE_BLOCK_SHIFT) + start) / ss,
                          b->data + start, end - start);
    if (rc < 0)
        return rc;
    mutex_lock(&bd->cache->lock);
    bd->unflushed = true;
    bd->cache->stats.write_requests++;
    clear_dirty(bd->cache, b, sector_mask(b, start, end - start));
    mutex_unlock(&bd->cache->lock);
    return 0;
}

/* ---- byte-range helpers ---- */

int bcache_read(struct bcache_dev *bd, uint64_t off, void *buf, size_t len)
{
    uint8_t *out = buf;
    if (off > bcache_dev_bytes(bd) || len > bcache_dev_bytes(bd) - off)
        return -ENXIO;
    uint64_t window = bd->cache->capacity / 4;
    uint64_t next_fetch = off >> BCACHE_BLOCK_SHIFT;
    while (len > 0) {
        uint64_t block = off >> BCACHE_BLOCK_SHIFT;
        uint32_t in = (uint32_t)(off & (BCACHE_BLOCK_SIZE - 1));
        uint32_t n = (uint32_t)MIN((uint64_t)len, (uint64_t)(BCACHE_BLOCK_SIZE - in));
        /* Issue reads for the rest of the range in windows, ahead of copying. */
        if (block >= next_fetch && len > n) {
            uint64_t last = (off + len - 1) >> BCACHE_BLOCK_SHIFT;
            uint64_t count = MIN(last - block + 1, window);
            fetch_range(bd, block, count, true);
            next_fetch = block + count;
        }
        struct bbuf *b;
        int rc = bcache_get(bd, block, 0, &b);
        if (rc < 0)
            return rc;
        memcpy(out, b->data + in, n);
        bcache_put(b);
        out += n;
        off += n;
        len -= n;
    }
    return 0;
}

/* ---- direct reads ---- */

struct direct_batch {
    struct semaphore done;
    int status;
};

static void direct_done(struct blk_request *req)
{
    struct direct_batch *b = req->priv;
    if (req->status < 0)
        b->status = req->status;
    sem_up(&b->done);
}

/* Read blocks [first, first+count) straight from the device into buf, in
 * requests the disk accepts, all in flight at once. */
static int read_uncached(struct bcache_dev *bd, uint64_t first, uint64_t count, uint8_t *buf)
{
    struct blkdev *disk = blkdev_disk(bd->dev);
    uint64_t per_req = disk->max_bytes ? MAX(1u, disk->max_bytes / BCACHE_BLOCK_SIZE) : 256;
    uint64_t nreq = (count + per_req - 1) / per_req;
    struct blk_request *reqs = kzalloc(nreq * (sizeof *reqs + sizeof(struct blk_segment)));
    if (!reqs)
        return -ENOMEM;
    struct blk_segment *segs = (struct blk_segment *)(reqs + nreq);
    struct direct_batch b = { .status = 0 };
    sem_init(&b.done, 0);
    uint64_t submitted = 0;
    for (uint64_t i = 0; i < nreq; i++) {
        uint64_t blk = first + i * per_req, n = MIN(per_req, first + count - blk);
        segs[i] = (struct blk_segment){ buf + (blk - first) * BCACHE_BLOCK_SIZE,
                                        (uint32_t)(n * BCACHE_BLOCK_SIZE) };
        reqs[i] = (struct blk_request){
            .op = BLK_READ, .sector = (blk << BCACHE_BLOCK_SHIFT) / bd->dev->sector_size,
            .nsegs = 1, .segs = &segs[i], .done = direct_done, .priv = &b,
        };
        int rc = blkdev_submit(bd->dev, &reqs[i]);
        if (rc < 0) {
            b.status = rc;
            break;
        }
        submitted++;
    }
    for (uint64_t i = 0; i < submitted; i++)
        sem_down(&b.done);
    kfree(reqs);
    mutex_lock(&bd->cache->lock);
    bd->cache->stats.read_requests += submitted;
    bd->cache->stats.blocks_read += count;
    mutex_unlock(&bd->cache->lock);
    return b.status;
}

int bcache_read_direct(struct bcache_dev *bd, uint64_t off, void *buf, size_t len)
{
    uint8_t *out = buf;
    if (off > bcache_dev_bytes(bd) || len > bcache_dev_bytes(bd) - off)
        return -ENXIO;
    /* Partial blocks at either end go through the cache. */
    uint32_t head = (uint32_t)(-off & (BCACHE_BLOCK_SIZE - 1));
    if (head || len < BCACHE_BLOCK_SIZE) {
        size_t n = MIN(len, (size_t)head ? (size_t)head : len);
        int rc = bcache_read(bd, off, out, n);
        if (rc < 0 || n == len)
            return rc;
        out += n;
        off += n;
        len -= n;
    }
    uint64_t first = off >> BCACHE_BLOCK_SHIFT, whole = len >> BCACHE_BLOCK_SHIFT;
    struct bcache *c = bd->cache;
    uint64_t i = 0;
    while (i < whole) {
        /* A run of blocks the cache does not hold comes from the disk;
         * blocks it holds (maybe changed) come from the cache. */
        uint64_t run = 0;
        mutex_lock(&c->lock);
        while (i + run < whole && !lookup(c, bd, first + i + run))
            run++;
        mutex_unlock(&c->lock);
        int rc;
        if (run > 0)
            rc = read_uncached(bd, first + i, run, out + i * BCACHE_BLOCK_SIZE);
        else {
            run = 1;
            rc = bcache_read(bd, (first + i) << BCACHE_BLOCK_SHIFT, out + i * BCACHE_BLOCK_SIZE,
                             BCACHE_BLOCK_SIZE);
        }
        if (rc < 0)
            return rc;
        i += run;
    }
    size_t tail = len & (BCACHE_BLOCK_SIZE - 1);
    if (tail)
        return bcache_read(bd, (first + whole) << BCACHE_BLOCK_SHIFT, out + whole * BCACHE_BLOCK_SIZE, tail);
    return 0;
}

int bcache_write(struct bcache_dev *bd, uint64_t off, const void *buf, size_t len,
                 enum bcache_class cls)
{
    const uint8_t *in = buf;
    if (off > bcache_dev_bytes(bd) || len > bcache_dev_bytes(bd) - off)
        return -ENXIO;
    while (len > 0) {
        uint64_t block = off >> BCACHE_BLOCK_SHIFT;
        uint32_t pos = (uint32_t)(off & (BCACHE_BLOCK_SIZE - 1));
        uint32_t n = (uint32_t)MIN((uint64_t)len, (uint64_t)(BCACHE_BLOCK_SIZE - pos));
        bool whole = pos == 0 && n == block_len(bd, block);
        struct bbuf *b;
        int rc = bcache_get(bd, block, whole ? BC_NOREAD : 0, &b);
        if (rc < 0)
            return rc;
        memcpy(b->data + pos, in, n);
        bcache_mark_dirty(b, pos, n, cls);
        bcache_put(b);
        in += n;
        off += n;
        len -= n;
    }
    return 0;
}

void bcache_readahead(struct bcache_dev *bd, uint64_t off, uint64_t len)
{
    if (len == 0 || off >= bcache_dev_bytes(bd))
        return;
    uint64_t first = off >> BCACHE_BLOCK_SHIFT;
    uint64_t last = (MIN(off + len, bcache_dev_bytes(bd)) - 1) >> BCACHE_BLOCK_SHIFT;
    uint64_t count = MIN(last - first + 1, bd->cache->capacity / 4);
    fetch_range(bd, first, count, true);
}

/* ---- write-back ---- */

static void write_done(struct blk_request *req)
{
    struct bc_io *io = req->priv;
    struct bcache *c = io->cache;
    mutex_lock(&c->lock);
    if (req->status < 0 && *io->batch_status == 0)
        *io->batch_status = req->status;
    (*io->pending)--;
    cond_broadcast(&c->io_cond);
    mutex_unlock(&c->lock);
    kfree(io);
}

/* A dirty block snapshot for one sync. */
struct sync_item {
    struct bbuf *b;
    uint8_t mask[BC_CLASSES];
};

/* Sort sync items by block number (heap sort: no recursion, no libc). */
static void sift_down(struct sync_item *a, size_t start, size_t n)
{
    size_t root = start;
    while (2 * root + 1 < n) {
        size_t child = 2 * root + 1;
        if (child + 1 < n && a[child + 1].b->block > a[child].b->block)
            child++;
        if (a[root].b->block >= a[child].b->block)
            return;
        struct sync_item t = a[root];
        a[root] = a[child];
        a[child] = t;
        root = child;
    }
}

static void sort_items(struct sync_item *a, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        sift_down(a, i, n);
    for (size_t end = n; end-- > 1;) {
        struct sync_item t = a[0];
        a[0] = a[end];
        a[end] = t;
        sift_down(a, 0, end);
    }
}

/* Submit one write request of a batch (counted in *io->pending). */
static void submit_write(struct bcache_dev *bd, struct bc_io *io)
{
    mutex_lock(&bd->cache->lock);
    (*io->pending)++;
    bd->cache->stats.write_requests++;
    mutex_unlock(&bd->cache->lock);
    int rc = blkdev_submit(bd->dev, &io->req);
    if (rc < 0) {
        io->req.status = rc;
        write_done(&io->req);
    }
}

/* Write the sectors of class cls of the (sorted) items, coalescing contiguous
 * sectors into requests, all in flight at once, and wait for them. Returns 0
 * or a negative errno. */
static int write_class(struct bcache_dev *bd, struct sync_item *items, size_t n, int cls)
{
    struct bcache *c = bd->cache;
    uint32_t ss = bd->dev->sector_size;
    struct blkdev *disk = blkdev_disk(bd->dev);
    uint32_t max_segs = disk->max_segments ? MIN(disk->max_segments, WRITE_SEGS_MAX) : WRITE_SEGS_MAX;
    uint64_t max_bytes = disk->max_bytes ? disk->max_bytes : UINT64_MAX;
    uint32_t pending = 0;
    int status = 0;
    struct bc_io *io = NULL;
    uint64_t next = 0;              /* the sector that would extend io */
    uint64_t io_bytes = 0;

    for (size_t i = 0; i < n && status == 0; i++) {
        struct bbuf *b = items[i].b;
        uint8_t mask = items[i].mask[cls];
        uint64_t base = (b->block << BCACHE_BLOCK_SHIFT) / ss;
        for (uint32_t s = 0; s < b->len / ss; s++) {
            if (!(mask & (1u << s)))
                continue;
            uint8_t *p = b->data + s * ss;
            if (io && base + s == next && io_bytes + ss <= max_bytes) {
                struct blk_segment *seg = &io->segs[io->req.nsegs - 1];
                if ((uint8_t *)seg->buf + seg->len == p) {
                    seg->len += ss;
                    io_bytes += ss;
                    next++;
                    continue;
                }
                if (io->req.nsegs < max_segs) {
                    io->segs[io->req.nsegs++] = (struct blk_segment){ p, ss };
                    io_bytes += ss;
                    next++;
                    continue;
                }
            }
            if (io)
                submit_write(bd, io);
            io = io_alloc(max_segs);
            if (!io) {
                status = -ENOMEM;
                break;
            }
            io->cache = c;
            io->pending = &pending;
            io->batch_status = &status;
            io->segs[0] = (struct blk_segment){ p, ss };
            io->req = (struct blk_request){
                .op = BLK_WRITE, .sector = base + s, .nsegs = 1, .segs = io->segs,
                .done = write_done, .priv = io,
            };
            io_bytes = ss;
            next = base + s + 1;
        }
    }
    if (io)
        submit_write(bd, io);

    mutex_lock(&c->lock);
    while (pending > 0)
        cond_wait(&c->io_cond, &c->lock);
    if (status == 0)
        for (size_t i = 0; i < n; i++)
            if (items[i].mask[cls])
                c->stats.blocks_written++;
    mutex_unlock(&c->lock);
    return status;
}

static int flush_dev(struct bcache_dev *bd)
{
    int rc = blkdev_flush(bd->dev);
    mutex_lock(&bd->cache->lock);
    bd->cache->stats.flushes++;
    if (rc == 0)
        bd->unflushed = false;
    mutex_unlock(&bd->cache->lock);
    return rc;
}

/* Write back the dirty sectors of classes 0..last in class order. With
 * `ordered`, a flush comes before each class (when anything was written
 * since the last flush) and at the end: bcache_sync(). Without, no flush at
 * all: the data-only write-back under memory pressure, which may go ahead of
 * everything (the next ordered sync flushes it before any table or
 * directory sector). */
static int writeback(struct bcache_dev *bd, int last, bool ordered)
{
    struct bcache *c = bd->cache;
    mutex_lock(&bd->sync_lock);
    mutex_lock(&c->lock);
    size_t n = (size_t)bd->dirty_count;
    struct sync_item *items = n ? kmalloc(n * sizeof *items) : NULL;
    if (n && !items) {
        mutex_unlock(&c->lock);
        mutex_unlock(&bd->sync_lock);
        return -ENOMEM;
    }
    size_t i = 0;
    struct list_node *pos;
    list_for_each(pos, &bd->dirty) {
        struct bbuf *b = list_entry(pos, struct bbuf, dirty_node);
        b->refs++;
        list_remove(&b->lru);
        items[i].b = b;
        memcpy(items[i].mask, b->dirty, BC_CLASSES);
        i++;
    }
    bool unflushed = bd->unflushed;
    mutex_unlock(&c->lock);

    sort_items(items, n);
    int rc = 0;
    for (int cls = 0; cls <= last && rc == 0; cls++) {
        bool any = false;
        for (size_t k = 0; k < n && !any; k++)
            any = items[k].mask[cls] != 0;
        if (!any)
            continue;
        /* Everything written before this class must be durable first. */
        if (ordered && unflushed) {
            rc = flush_dev(bd);
            if (rc < 0)
                break;
        }
        rc = write_class(bd, items, n, cls);
        if (rc < 0)
            break;
        mutex_lock(&c->lock);
        for (size_t k = 0; k < n; k++)
            clear_dirty(c, items[k].b, items[k].mask[cls]);
        bd->unflushed = true;
        mutex_unlock(&c->lock);
        unflushed = true;
    }
    if (ordered && rc == 0 && (unflushed || bd->unflushed))
        rc = flush_dev(bd);

    mutex_lock(&c->lock);
    for (size_t k = 0; k < n; k++) {
        items[k].b->refs--;
        lru_update(c, items[k].b);
    }
    mutex_unlock(&c->lock);
    kfree(items);
    mutex_unlock(&bd->sync_lock);
    return rc;
}

int bcache_sync(struct bcache_dev *bd)
{
    return writeback(bd, BC_META, true);
}

/* ---- devices, cache ---- */

static struct bcache *default_cache;
static size_t default_size = 32u << 20;
static spinlock_t default_lock = SPINLOCK_INIT("bcache-default");

void bcache_set_default_size(size_t max_bytes)
{
    default_size = max_bytes;
}

struct bcache *bcache_default(void)
{
    spin_lock(&default_lock);
    struct bcache *c = default_cache;
    spin_unlock(&default_lock);
    if (c)
        return c;
    c = bcache_create(default_size);
    spin_lock(&default_lock);
    if (!default_cache) {
        default_cache = c;
        c = NULL;
    }
    struct bcache *result = default_cache;
    spin_unlock(&default_lock);
    if (c)
        bcache_destroy(c);
    return result;
}

struct bcache *bcache_create(size_t max_bytes)
{
    struct bcache *c = kzalloc(sizeof *c);
    if (!c)
        return NULL;
    c->capacity = MAX((uint64_t)MIN_BLOCKS, (uint64_t)(max_bytes / BCACHE_BLOCK_SIZE));
    uint64_t buckets = 64;
    while (buckets < c->capacity)
        buckets <<= 1;
    c->hash = kzalloc(buckets * sizeof *c->hash);
    if (!c->hash) {
        kfree(c);
        return NULL;
    }
    c->hash_mask = buckets - 1;
    mutex_init(&c->lock, "bcache");
    cond_init(&c->io_cond);
    list_init(&c->clean_lru);
    list_init(&c->devices);
    return c;
}

void bcache_destroy(struct bcache *c)
{
    if (!c)
        return;
    if (!list_empty(&c->devices))
        panic("bcache_destroy: devices still attached");
    kfree(c->hash);
    kfree(c);
}

struct bcache_dev *bcache_attach(struct bcache *c, struct blkdev *dev)
{
    uint32_t ss = dev->sector_size;
    if (ss < 512 || ss > BCACHE_BLOCK_SIZE || (ss & (ss - 1)) != 0)
        return NULL;
    struct bcache_dev *bd = kzalloc(sizeof *bd);
    if (!bd)
        return NULL;
    bd->cache = c;
    bd->dev = dev;
    bd->nblocks = (dev->sectors * ss + BCACHE_BLOCK_SIZE - 1) >> BCACHE_BLOCK_SHIFT;
    list_init(&bd->dirty);
    mutex_init(&bd->sync_lock, "bcache-sync");
    mutex_lock(&c->lock);
    list_push_back(&c->devices, &bd->node);
    mutex_unlock(&c->lock);
    return bd;
}

/* Free every unreferenced block of bd (clean ones only unless `all`). */
static void drop_blocks(struct bcache_dev *bd, bool all)
{
    struct bcache *c = bd->cache;
    mutex_lock(&c->lock);
    for (uint64_t h = 0; h <= c->hash_mask; h++) {
        struct bbuf *b = c->hash[h];
        while (b) {
            struct bbuf *next = b->hash_next;
            if (b->bd == bd && b->refs == 0 && b->state != BB_READING && (all || !is_dirty(b))) {
                if (is_dirty(b)) {
                    list_remove(&b->dirty_node);
                    bd->dirty_count--;
                    c->stats.dirty_blocks--;
                }
                free_block(c, b);
            }
            b = next;
        }
    }
    mutex_unlock(&c->lock);
}

int bcache_detach(struct bcache_dev *bd)
{
    struct bcache *c = bd->cache;
    int rc = bcache_sync(bd);
    /* Wait for read-ahead still in flight, then drop everything. */
    mutex_lock(&c->lock);
    for (;;) {
        bool busy = false;
        for (uint64_t h = 0; h <= c->hash_mask && !busy; h++)
            for (struct bbuf *b = c->hash[h]; b; b = b->hash_next)
                if (b->bd == bd && b->state == BB_READING)
                    busy = true;
        if (!busy)
            break;
        cond_wait(&c->io_cond, &c->lock);
    }
    mutex_unlock(&c->lock);
    drop_blocks(bd, true);
    mutex_lock(&c->lock);
    list_remove(&bd->node);
    mutex_unlock(&c->lock);
    kfree(bd);
    return rc;
}

void bcache_drop_clean(struct bcache_dev *bd)
{
    drop_blocks(bd, false);
}

void bcache_discard(struct bcache_dev *bd, uint64_t off, uint64_t len)
{
    struct bcache *c = bd->cache;
    uint32_t ss = bd->dev->sector_size;
    uint64_t start = ALIGN_UP(off, (uint64_t)ss), end = ALIGN_DOWN(off + len, (uint64_t)ss);
    if (start >= end)
        return;
    mutex_lock(&c->lock);
    for (uint64_t blk = start >> BCACHE_BLOCK_SHIFT; blk <= (end - 1) >> BCACHE_BLOCK_SHIFT; blk++) {
        struct bbuf *b = hash_find(c, bd, blk);
        if (!b || !is_dirty(b))
            continue;
        uint64_t bstart = blk << BCACHE_BLOCK_SHIFT;
        uint32_t from = (uint32_t)(MAX(start, bstart) - bstart);
        uint32_t to = (uint32_t)(MIN(end, bstart + b->len) - bstart);
        if (from < to)
            clear_dirty(c, b, sector_mask(b, from, to - from));
    }
    mutex_unlock(&c->lock);
}

struct blkdev *bcache_blkdev(struct bcache_dev *bd) { return bd->dev; }
uint64_t bcache_dev_bytes(struct bcache_dev *bd) { return bd->dev->sectors * bd->dev->sector_size; }

uint64_t bcache_dev_dirty_blocks(struct bcache_dev *bd)
{
    mutex_lock(&bd->cache->lock);
    uint64_t n = bd->dirty_count;
    mutex_unlock(&bd->cache->lock);
    return n;
}

void bcache_get_stats(struct bcache *c, struct bcache_stats *out)
{
    mutex_lock(&c->lock);
    *out = c->stats;
    out->blocks = c->count;
    mutex_unlock(&c->lock);
}
