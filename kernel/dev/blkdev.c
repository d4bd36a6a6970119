/*
 * kernel/dev/blkdev.c — the block-device registry, request checking and
 * partition windows, and synchronous read/write/flush helpers.
 */
#include "dev/blkdev.h"
#include "lib/lib.h"
#include "mm/mm.h"
#include "sched/sched.h"

static struct list_node blkdev_list = LIST_INIT(blkdev_list);
static spinlock_t blkdev_lock = SPINLOCK_INIT("blkdev");

void blkdev_register(struct blkdev *dev)
{
    spin_lock(&blkdev_lock);
    list_push_back(&blkdev_list, &dev->node);
    spin_unlock(&blkdev_lock);
}

void blkdev_unregister(struct blkdev *dev)
{
    spin_lock(&blkdev_lock);
    list_remove(&dev->node);
    spin_unlock(&blkdev_lock);
}

struct blkdev *blkdev_find(const char *name)
{
    struct blkdev *found = NULL;
    struct list_node *pos;
    spin_lock(&blkdev_lock);
    list_for_each(pos, &blkdev_list) {
        struct blkdev *dev = list_entry(pos, struct blkdev, node);
        if (strcmp(dev->name, name) == 0) {
            found = dev;
            break;
        }
    }
    spin_unlock(&blkdev_lock);
    return found;
}

struct blkdev *blkdev_next(struct blkdev *prev)
{
    struct blkdev *next = NULL;
    spin_lock(&blkdev_lock);
    struct list_node *n = prev ? prev->node.next : blkdev_list.next;
    if (n != &blkdev_list)
        next = list_entry(n, struct blkdev, node);
    spin_unlock(&blkdev_lock);
    return next;
}

struct blkdev *blkdev_disk(struct blkdev *dev)
{
    while (dev->parent)
        dev = dev->parent;
    return dev;
}

int blkdev_submit(struct blkdev *dev, struct blk_request *req)
{
    uint64_t bytes = 0;
    if (req->op == BLK_READ || req->op == BLK_WRITE) {
        if (req->nsegs == 0)
            return -EINVAL;
        for (uint32_t i = 0; i < req->nsegs; i++) {
            uint32_t len = req->segs[i].len;
            if (len == 0 || len % dev->sector_size != 0)
                return -EINVAL;
            bytes += len;
        }
        uint64_t count = bytes / dev->sector_size;
        if (req->sector > dev->sectors || count > dev->sectors - req->sector)
            return -ENXIO;
    } else if (req->op != BLK_FLUSH) {
        return -EINVAL;
    }

    struct blkdev *top = blkdev_disk(dev);
    if ((top->max_segments && req->nsegs > top->max_segments) ||
        (top->max_bytes && bytes > top->max_bytes))
        return -EINVAL;             /* callers split requests to the disk's limits */
    uint64_t sector = req->sector;
    struct blkdev *disk = dev;
    bool read_only = dev->read_only;
    while (disk->parent) {
        sector += disk->start;
        disk = disk->parent;
        read_only |= disk->read_only;
    }
    if (req->op == BLK_WRITE && read_only)
        return -EROFS;
    req->disk_sector = sector;
    req->bytes = bytes;
    req->status = 0;
    return disk->ops->submit(disk, req);
}

/* ---- synchronous helpers ---- */

static void sync_done(struct blk_request *req)
{
    sem_up((struct semaphore *)req->priv);
}

/* Submit one request and wait for it; returns its status. */
static int submit_and_wait(struct blkdev *dev, enum blk_op op, uint64_t sector,
                           void *buf, uint32_t len)
{
    struct semaphore sem;
    sem_init(&sem, 0);
    struct blk_segment seg = { buf, len };
    struct blk_request req = {
        .op = op, .sector = sector, .nsegs = op == BLK_FLUSH ? 0 : 1, .segs = &seg,
        .done = sync_done, .priv = &sem,
    };
    int rc = blkdev_submit(dev, &req);
    if (rc < 0)
        return rc;
    sem_down(&sem);
    return req.status;
}

/* Split a transfer into requests the disk accepts and run them in turn. */
static int transfer(struct blkdev *dev, enum blk_op op, uint64_t sector, void *buf, size_t bytes)
{
    if (bytes % dev->sector_size != 0)
        return -EINVAL;
    struct blkdev *disk = blkdev_disk(dev);
    size_t chunk = disk->max_bytes ? disk->max_bytes : (1u << 20);
    chunk = MIN(chunk, (size_t)1 << 20);
    chunk -= chunk % dev->sector_size;
    uint8_t *p = buf;
    while (bytes > 0) {
        size_t n = MIN(bytes, chunk);
        int rc = submit_and_wait(dev, op, sector, p, (uint32_t)n);
        if (rc < 0)
            return rc;
        p += n;
        bytes -= n;
        sector += n / dev->sector_size;
    }
    return 0;
}

int blkdev_read(struct blkdev *dev, uint64_t sector, void *buf, size_t bytes)
{
    return transfer(dev, BLK_READ, sector, buf, bytes);
}

int blkdev_write(struct blkdev *dev, uint64_t sector, const void *buf, size_t bytes)
{
    return transfer(dev, BLK_WRITE, sector, (void *)buf, bytes);
}

int blkdev_flush(struct blkdev *dev)
{
    return submit_and_wait(dev, BLK_FLUSH, 0, NULL, 0);
}

/* ---- partitions ---- */

struct blkdev *blkdev_new_partition(struct blkdev *disk, uint32_t index,
                                    uint64_t start, uint64_t sectors)
{
    struct blkdev *part = kzalloc(sizeof *part);
    if (!part)
        return NULL;
    /* "vda" + "1"; a disk name ending in a digit gets a 'p' ("nvme0p1"). */
    size_t len = strlen(disk->name);
    bool digit = len > 0 && disk->name[len - 1] >= '0' && disk->name[len - 1] <= '9';
    snprintf(part->name, sizeof part->name, "%s%s%u", disk->name, digit ? "p" : "", index);
    part->sector_size = disk->sector_size;
    part->sectors = sectors;
    part->read_only = disk->read_only;
    part->max_segments = disk->max_segments;
    part->max_bytes = disk->max_bytes;
    part->parent = disk;
    part->start = start;
    part->part_index = index;
    list_init(&part->node);
    return part;
}

void blkdev_free_partition(struct blkdev *part)
{
    kfree(part);
}
