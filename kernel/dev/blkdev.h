/*
 * kernel/dev/blkdev.h — block devices: the one interface between disk drivers
 * (virtio-blk, a host file in unit tests) and their users (partition tables,
 * the block cache, file systems).
 *
 * A driver fills in a struct blkdev (sector size, sector count, read-only,
 * limits) and a submit function, and registers it. Users build a struct
 * blk_request (operation, first sector, a list of buffer segments, a
 * completion callback) and call blkdev_submit(): the generic layer checks the
 * request against the device (bounds, alignment, read-only), translates a
 * partition's sectors to its disk's and hands it to the disk's driver.
 *
 * Completion contract for drivers: submit() either returns a negative errno
 * (the request was not accepted and done() is never called) or 0, and then
 * done() is called exactly once, in thread context (never in an interrupt
 * handler), possibly before submit() returns. Callers therefore never hold a
 * lock across blkdev_submit() that their done() callback takes.
 *
 * Buffers are kernel virtual addresses of memory the device can reach by DMA
 * (frames, dma_alloc, the kernel heap); a segment may cross page boundaries,
 * drivers translate page by page.
 */
#ifndef KPIO_BLKDEV_H
#define KPIO_BLKDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/list.h"

#define BLKDEV_NAME_MAX 16

enum blk_op { BLK_READ = 0, BLK_WRITE = 1, BLK_FLUSH = 2 };

struct blk_segment {
    void *buf;
    uint32_t len;           /* bytes; a multiple of the sector size */
};

struct blk_request {
    enum blk_op op;
    uint64_t sector;        /* first sector, in the submitted device's units */
    uint32_t nsegs;
    struct blk_segment *segs;
    void (*done)(struct blk_request *req);
    void *priv;             /* the caller's */
    int status;             /* set before done(): 0 or a negative errno */
    /* Filled by the generic layer for the driver: */
    uint64_t disk_sector;   /* first sector on the whole disk */
    uint64_t bytes;         /* total of segs[].len */
    struct list_node driver_node;   /* free for the driver while it owns the request */
};

struct blkdev;

struct blkdev_ops {
    /* Queue req on the disk (req->disk_sector, req->bytes already checked). */
    int (*submit)(struct blkdev *disk, struct blk_request *req);
};

struct blkdev {
    char name[BLKDEV_NAME_MAX];     /* "vda", "vda1", "host0" */
    uint32_t sector_size;           /* 512 .. 4096, a power of two */
    uint64_t sectors;
    bool read_only;
    uint32_t max_segments;          /* per request; 0 = no limit */
    uint32_t max_bytes;             /* per request; 0 = no limit */
    const struct blkdev_ops *ops;   /* whole disks only */
    void *driver;                   /* the driver's */

    /* Partitions: a window [start, start + sectors) of a parent disk. */
    struct blkdev *parent;
    uint64_t start;
    uint8_t part_type_guid[16];     /* GPT type GUID (zero for MBR partitions) */
    uint8_t part_guid[16];          /* GPT unique GUID */
    uint8_t mbr_type;               /* MBR system id (0 for GPT partitions) */
    uint32_t part_index;            /* 1-based; 0 for a whole disk */
    char part_label[72];            /* GPT name as UTF-8 */

    struct list_node node;          /* registry */
};

/* Register a whole disk or a partition so blkdev_find/blkdev_next see it. */
void blkdev_register(struct blkdev *dev);
void blkdev_unregister(struct blkdev *dev);
/* Look a device up by name; NULL if none. */
struct blkdev *blkdev_find(const char *name);
/* Iterate: pass NULL for the first device; returns NULL after the last. */
struct blkdev *blkdev_next(struct blkdev *prev);

/* The whole disk under dev (dev itself for a disk). */
struct blkdev *blkdev_disk(struct blkdev *dev);

/* Check req against dev and pass it to the disk's driver. Returns 0 when
 * accepted (done() will be called) or a negative errno:
 * -EINVAL misaligned or empty, -ENXIO beyond the end, -EROFS write to a
 * read-only device. */
int blkdev_submit(struct blkdev *dev, struct blk_request *req);

/* Synchronous helpers over blkdev_submit: read/write `bytes` (a multiple of
 * the sector size) at `sector`, or flush the disk's write cache. Return 0 or
 * a negative errno. */
int blkdev_read(struct blkdev *dev, uint64_t sector, void *buf, size_t bytes);
int blkdev_write(struct blkdev *dev, uint64_t sector, const void *buf, size_t bytes);
int blkdev_flush(struct blkdev *dev);

/* Make a partition device of `sectors` sectors at `start` on disk, named
 * "<disk><index>" ("vda1"). NULL if out of memory. Not registered yet. */
struct blkdev *blkdev_new_partition(struct blkdev *disk, uint32_t index,
                                    uint64_t start, uint64_t sectors);
void blkdev_free_partition(struct blkdev *part);

#endif
