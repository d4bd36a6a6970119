/*
 * kernel/dev/virtio/virtio_blk.c — virtio block devices (VirtIO 1.2 §5.2)
 * as block devices "vda", "vdb", ...
 *
 * A request is a header (type, sector in 512-byte units), the data buffers
 * and a status byte the device writes (§5.2.6), one indirect descriptor
 * table per request when the device offers them. Requests are queued
 * without waiting (as many as there are slots); the interrupt handler only
 * wakes the device's completion thread, which takes finished requests off
 * the used ring and calls their done() in thread context. Flush is passed on
 * when the device has a write cache (VIRTIO_BLK_F_FLUSH); a read-only device
 * (VIRTIO_BLK_F_RO) becomes a read-only block device.
 */
#include "dev/virtio/virtio_blk.h"
#include "dev/virtio/virtio.h"
#include "dev/blkdev.h"
#include "dev/blkpart.h"
#include "core/log.h"
#include "lib/lib.h"
#include "mm/mm.h"
#include "sched/sched.h"

/* Feature bits (§5.2.3). */
#define BLK_F_SIZE_MAX  (1ull << 1)
#define BLK_F_SEG_MAX   (1ull << 2)
#define BLK_F_RO        (1ull << 5)
#define BLK_F_BLK_SIZE  (1ull << 6)
#define BLK_F_FLUSH     (1ull << 9)

/* Configuration (§5.2.4). */
#define CFG_CAPACITY  0
#define CFG_SIZE_MAX  8
#define CFG_SEG_MAX   12
#define CFG_BLK_SIZE  20

/* Request types and status (§5.2.6). */
#define T_IN    0
#define T_OUT   1
#define T_FLUSH 4
#define S_OK     0
#define S_IOERR  1
#define S_UNSUPP 2

#define MAX_DATA_SEGS 128
#define QUEUE_SIZE    256

struct vblk_slot {
    /* Device-visible: header and status (in DMA memory). */
    struct {
        uint32_t type;
        uint32_t reserved;
        uint64_t sector;
    } hdr;
    uint8_t status;
    uint8_t pad[7];
};

struct vblk {
    struct blkdev dev;
    struct virtio_dev *vdev;
    struct virtq *vq;
    spinlock_t lock;                /* the queue and the slot list */
    struct semaphore free_slots;
    struct semaphore irq;           /* the interrupt handler's wake-ups */
    struct vblk_slot *slots;        /* DMA memory */
    uint64_t slots_phys;
    struct blk_request **slot_req;
    uint16_t *free_list;
    unsigned nslots, nfree;
    unsigned max_segs;              /* data segments per request */
    uint32_t size_max;
    struct virtio_blk_stats stats;
};

static unsigned disk_count;
static struct vblk *disks[26];

/* Interrupt context: only wake the completion thread. */
static void vblk_irq(struct virtq *vq, void *ctx)
{
    (void)vq;
    struct vblk *vb = ctx;
    vb->stats.interrupts++;
    sem_up(&vb->irq);
}

static int status_to_errno(uint8_t status)
{
    return status == S_OK ? 0 : status == S_UNSUPP ? -EOPNOTSUPP : -EIO;
}

/* The completion thread: finished requests come back here, never in an
 * interrupt handler. */
static void completion_thread(void *arg)
{
    struct vblk *vb = arg;
    for (;;) {
        sem_down(&vb->irq);
        for (;;) {
            uint64_t flags = spin_lock_irqsave(&vb->lock);
            uint32_t len;
            void *token = virtq_next_used(vb->vq, &len);
            struct blk_request *req = NULL;
            int status = 0;
            if (token) {
                unsigned slot = (unsigned)((struct vblk_slot *)token - vb->slots);
                req = vb->slot_req[slot];
                status = status_to_errno(vb->slots[slot].status);
                vb->slot_req[slot] = NULL;
                vb->free_list[vb->nfree++] = (uint16_t)slot;
                vb->stats.in_flight--;
            }
            spin_unlock_irqrestore(&vb->lock, flags);
            if (!token)
                break;
            sem_up(&vb->free_slots);
            if (status < 0)
                vb->stats.errors++;
            req->status = status;
            req->done(req);
        }
    }
}

static int vblk_submit(struct blkdev *disk, struct blk_request *req)
{
    struct vblk *vb = disk->driver;
    if (req->op == BLK_FLUSH && !virtio_has(vb->vdev, BLK_F_FLUSH)) {
        req->status = 0;            /* no write cache: nothing to flush */
        req->done(req);
        return 0;
    }
    /* Data buffers as physically contiguous pieces, header first, status last. */
    struct virtq_seg *segs = kmalloc((vb->max_segs + 2) * sizeof *segs);
    if (!segs)
        return -ENOMEM;
    unsigned n = 1;
    bool writes = req->op == BLK_READ;
    for (uint32_t i = 0; i < req->nsegs; i++) {
        int k = virtio_dma_segments(req->segs[i].buf, req->segs[i].len, writes, segs + n,
                                    vb->max_segs + 1 - n);
        if (k < 0) {
            kfree(segs);
            return -EINVAL;
        }
        n += (unsigned)k;
    }
    for (unsigned i = 1; i < n && vb->size_max; i++) {
        if (segs[i].len > vb->size_max) {
            kfree(segs);
            return -EINVAL;
        }
    }
    sem_down(&vb->free_slots);
    uint64_t flags = spin_lock_irqsave(&vb->lock);
    unsigned slot = vb->free_list[--vb->nfree];
    struct vblk_slot *s = &vb->slots[slot];
    s->hdr.type = req->op == BLK_READ ? T_IN : req->op == BLK_WRITE ? T_OUT : T_FLUSH;
    s->hdr.reserved = 0;
    s->hdr.sector = req->op == BLK_FLUSH ? 0 : req->disk_sector * (vb->dev.sector_size / 512);
    s->status = 0xff;
    uint64_t phys = vb->slots_phys + (uint64_t)slot * sizeof *s;
    segs[0] = (struct virtq_seg){ phys, sizeof s->hdr, false };
    segs[n++] = (struct virtq_seg){ phys + offsetof(struct vblk_slot, status), 1, true };
    vb->slot_req[slot] = req;
    int rc = virtq_add(vb->vq, segs, n, s);
    if (rc == 0) {
        virtq_kick(vb->vq);
        vb->stats.requests++;
        vb->stats.in_flight++;
        vb->stats.max_in_flight = MAX(vb->stats.max_in_flight, vb->stats.in_flight);
        if (req->op == BLK_READ)
            vb->stats.bytes_read += req->bytes;
        else if (req->op == BLK_WRITE)
            vb->stats.bytes_written += req->bytes;
    } else {
        vb->slot_req[slot] = NULL;
        vb->free_list[vb->nfree++] = (uint16_t)slot;
    }
    spin_unlock_irqrestore(&vb->lock, flags);
    kfree(segs);
    if (rc < 0)
        sem_up(&vb->free_slots);
    return rc;
}

static const struct blkdev_ops vblk_ops = { .submit = vblk_submit };

static int vblk_probe(struct virtio_dev *vdev)
{
    if (disk_count >= ARRAY_SIZE(disks))
        return -ENOSPC;
    uint64_t offered = virtio_device_features(vdev);
    int rc = virtio_negotiate(vdev, offered & (BLK_F_SIZE_MAX | BLK_F_SEG_MAX | BLK_F_RO |
                                                BLK_F_BLK_SIZE | BLK_F_FLUSH | VIRTIO_F_INDIRECT_DESC));
    if (rc < 0)
        return rc;
    struct vblk *vb = kzalloc(sizeof *vb);
    if (!vb)
        return -ENOMEM;
    vb->vdev = vdev;
    vdev->priv = vb;
    spin_init(&vb->lock, "virtio-blk");
    sem_init(&vb->irq, 0);

    uint32_t sector_size = 512;
    if (virtio_has(vdev, BLK_F_BLK_SIZE)) {
        uint32_t bs = virtio_config_read32(vdev, CFG_BLK_SIZE);
        if (bs >= 512 && bs <= 4096 && (bs & (bs - 1)) == 0)
            sector_size = bs;
    }
    uint32_t seg_max = virtio_has(vdev, BLK_F_SEG_MAX) ? virtio_config_read32(vdev, CFG_SEG_MAX) : 1;
    vb->max_segs = MAX(1u, MIN(seg_max, (unsigned)MAX_DATA_SEGS));
    vb->size_max = virtio_has(vdev, BLK_F_SIZE_MAX) ? virtio_config_read32(vdev, CFG_SIZE_MAX) : 0;

    vb->vq = virtio_setup_queue(vdev, 0, QUEUE_SIZE, vb->max_segs + 2, vblk_irq, vb);
    if (!vb->vq) {
        kfree(vb);
        return -ENOMEM;
    }
    /* With indirect tables a request holds one descriptor, else its chain. */
    bool indirect = virtio_has(vdev, VIRTIO_F_INDIRECT_DESC);
    if (!indirect)
        vb->max_segs = MIN(vb->max_segs, virtq_size(vb->vq) - 2);
    vb->nslots = indirect ? virtq_size(vb->vq) : MAX(1u, virtq_size(vb->vq) / (vb->max_segs + 2));
    vb->slots = dma_alloc(vb->nslots * sizeof *vb->slots, &vb->slots_phys);
    vb->slot_req = kzalloc(vb->nslots * sizeof *vb->slot_req);
    vb->free_list = kzalloc(vb->nslots * sizeof *vb->free_list);
    if (!vb->slots || !vb->slot_req || !vb->free_list) {
        dma_free(vb->slots, vb->nslots * sizeof *vb->slots);
        kfree(vb->slot_req);
        kfree(vb->free_list);
        kfree(vb);
        return -ENOMEM;
    }
    for (unsigned i = 0; i < vb->nslots; i++)
        vb->free_list[vb->nfree++] = (uint16_t)(vb->nslots - 1 - i);
    sem_init(&vb->free_slots, vb->nslots);

    struct blkdev *d = &vb->dev;
    snprintf(d->name, sizeof d->name, "vd%c", 'a' + disk_count);
    d->sector_size = sector_size;
    d->sectors = virtio_config_read64(vdev, CFG_CAPACITY) * 512 / sector_size;
    d->read_only = virtio_has(vdev, BLK_F_RO);
    /* Worst case, every page of a request is a segment of its own. */
    d->max_segments = vb->max_segs;
    d->max_bytes = (vb->max_segs - 1) * (uint32_t)PAGE_SIZE;
    if (vb->size_max && vb->size_max < PAGE_SIZE)
        d->max_bytes = vb->size_max;
    d->ops = &vblk_ops;
    d->driver = vb;
    list_init(&d->node);

    struct thread *t = thread_create(d->name, completion_thread, vb, PRIO_HIGH);
    if (!t)
        return -ENOMEM;         /* leaks the queue: the device is reset by the transport */
    thread_detach(t);
    virtio_driver_ok(vdev);
    disks[disk_count++] = vb;
    blkdev_register(d);
    int parts = blkpart_scan(d);
    log_debug("virtio-blk: %s: %llu MiB, %u-byte sectors, %d partitions%s%s", d->name,
             (unsigned long long)(d->sectors * d->sector_size >> 20), d->sector_size,
             parts > 0 ? parts : 0, virtio_has(vdev, BLK_F_FLUSH) ? ", write cache" : "",
             d->read_only ? ", read-only" : "");
    log_debug("virtio-blk: %s: %u requests of up to %u segments%s", d->name, vb->nslots,
              vb->max_segs, indirect ? ", indirect descriptors" : "");
    return 0;
}

static struct virtio_driver vblk_driver = {
    .name = "virtio-blk",
    .type = VIRTIO_ID_BLOCK,
    .probe = vblk_probe,
};

void virtio_blk_init(void)
{
    virtio_register_driver(&vblk_driver);
}

bool virtio_blk_stats(const char *name, struct virtio_blk_stats *out)
{
    for (unsigned i = 0; i < disk_count; i++) {
        if (strcmp(disks[i]->dev.name, name) == 0) {
            *out = disks[i]->stats;
            return true;
        }
    }
    return false;
}
