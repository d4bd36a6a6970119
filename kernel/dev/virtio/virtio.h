/*
 * kernel/dev/virtio/virtio.h — the VirtIO 1.x transport over modern PCI,
 * shared by every virtio driver (blk, net, gpu, input ...). VirtIO 1.2:
 * §2.7 split virtqueues, §3.1 device initialisation, §4.1 the PCI transport.
 *
 * Writing a driver:
 *
 *   static int mydev_probe(struct virtio_dev *vdev)
 *   {
 *       // 1. features: what the device offers, what we take
 *       uint64_t offered = virtio_device_features(vdev);
 *       int rc = virtio_negotiate(vdev, offered & (MY_F_A | MY_F_B | VIRTIO_F_INDIRECT_DESC));
 *       // 2. device-specific configuration
 *       uint64_t capacity = virtio_config_read64(vdev, 0);
 *       // 3. queues, each with a callback run in interrupt context
 *       struct virtq *vq = virtio_setup_queue(vdev, 0, 256, 32, my_irq, me);
 *       // 4. go
 *       virtio_driver_ok(vdev);
 *   }
 *   static struct virtio_driver mydrv = { .name = "mydev", .type = VIRTIO_ID_MYDEV,
 *                                         .probe = mydev_probe };
 *   virtio_register_driver(&mydrv);
 *
 * Using a queue (the queue functions do no locking: a driver serialises its
 * calls on one queue, usually with a spinlock taken irqsave, since the
 * callback runs in an interrupt handler):
 *
 *   struct virtq_seg segs[] = { { hdr_phys, 16, false },     // device reads
 *                               { data_phys, 4096, true } }; // device writes
 *   virtq_add(vq, segs, 2, token);    // -ENOSPC when out of descriptors
 *   virtq_kick(vq);                   // tell the device (unless it said not to)
 *   ... callback(vq, ctx) in the interrupt handler: wake a thread ...
 *   while ((token = virtq_next_used(vq, &len)))   // finished buffers, in order done
 *       ...
 *
 * Memory for rings and indirect tables comes from dma_alloc(); buffers given
 * to virtq_add are physical addresses (virtio_dma_segments() splits a kernel
 * buffer into physically contiguous pieces).
 */
#ifndef KPIO_VIRTIO_H
#define KPIO_VIRTIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "dev/pci.h"

/* Device types (VirtIO 1.2 §5). */
#define VIRTIO_ID_NET     1
#define VIRTIO_ID_BLOCK   2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_RNG     4
#define VIRTIO_ID_GPU     16
#define VIRTIO_ID_INPUT   18

/* Device-independent feature bits (VirtIO 1.2 §6). */
#define VIRTIO_F_INDIRECT_DESC (1ull << 28)
#define VIRTIO_F_EVENT_IDX     (1ull << 29)
#define VIRTIO_F_VERSION_1     (1ull << 32)

#define VIRTIO_MAX_QUEUES 16

struct virtq;
typedef void (*virtq_callback)(struct virtq *vq, void *ctx);

struct virtio_dev {
    struct pci_dev *pci;
    const struct virtio_driver *driver;
    uint16_t type;                      /* VIRTIO_ID_* */
    char name[16];                      /* "virtio2" (for logs) */
    volatile uint8_t *common;           /* common configuration (§4.1.4.3) */
    volatile uint8_t *notify;           /* notification area (§4.1.4.4) */
    uint32_t notify_multiplier;
    volatile uint8_t *isr;
    volatile uint8_t *device_cfg;       /* device-specific configuration */
    uint32_t device_cfg_len;
    uint64_t features;                  /* negotiated */
    unsigned msix_entries;              /* MSI-X table entries in use (0: polled) */
    int vectors[VIRTIO_MAX_QUEUES + 1]; /* CPU vector per entry */
    void *vector_ctx[VIRTIO_MAX_QUEUES + 1];
    struct virtq *queues[VIRTIO_MAX_QUEUES];
    struct thread *poller;              /* polls the queues when there are no interrupts */
    bool stop_polling;
    void (*config_changed)(struct virtio_dev *vdev, void *ctx);
    void *config_ctx;
    void *priv;                         /* the driver's */
};

struct virtio_driver {
    const char *name;
    uint16_t type;                      /* VIRTIO_ID_* it drives */
    /* Set the device up (features, queues, virtio_driver_ok); 0 or -errno
     * (then the transport resets the device and frees what it set up). */
    int (*probe)(struct virtio_dev *vdev);
    struct pci_driver pci;              /* the transport's */
};

/* Find the driver's devices (now and any found later). */
void virtio_register_driver(struct virtio_driver *drv);

/* ---- set-up, in probe ---- */
uint64_t virtio_device_features(struct virtio_dev *vdev);
/* Offer `wanted` (VERSION_1 is added) and check the device accepts it
 * (FEATURES_OK). 0, or -ENODEV if it does not. */
int virtio_negotiate(struct virtio_dev *vdev, uint64_t wanted);
static inline bool virtio_has(const struct virtio_dev *vdev, uint64_t feature)
{
    return (vdev->features & feature) != 0;
}
unsigned virtio_num_queues(struct virtio_dev *vdev);
/* Set up queue `index` with at most max_size entries (the device's size if
 * smaller) and, when max_indirect > 1 and indirect descriptors were
 * negotiated, one indirect table of max_indirect entries per request.
 * callback runs in interrupt context when the device used buffers.
 * NULL on failure. */
struct virtq *virtio_setup_queue(struct virtio_dev *vdev, unsigned index, unsigned max_size,
                                 unsigned max_indirect, virtq_callback callback, void *ctx);
/* Configuration-change interrupts go to fn (interrupt context). */
void virtio_on_config_change(struct virtio_dev *vdev,
                             void (*fn)(struct virtio_dev *vdev, void *ctx), void *ctx);
/* The device is live. */
void virtio_driver_ok(struct virtio_dev *vdev);
/* Stop the device (status 0); its queues must not be used afterwards. */
void virtio_reset(struct virtio_dev *vdev);

/* Device-specific configuration (read consistently: multi-byte values are
 * re-read while the device's configuration generation changes). */
uint8_t virtio_config_read8(struct virtio_dev *vdev, uint32_t off);
uint16_t virtio_config_read16(struct virtio_dev *vdev, uint32_t off);
uint32_t virtio_config_read32(struct virtio_dev *vdev, uint32_t off);
uint64_t virtio_config_read64(struct virtio_dev *vdev, uint32_t off);
void virtio_config_write8(struct virtio_dev *vdev, uint32_t off, uint8_t v);

/* ---- queues ---- */
struct virtq_seg {
    uint64_t phys;
    uint32_t len;
    bool device_writes;         /* after every device-readable segment */
};
/* Queue a buffer made of n segments; token comes back from virtq_next_used.
 * 0, -ENOSPC (not enough free descriptors now), -EINVAL (n too large). */
int virtq_add(struct virtq *vq, const struct virtq_seg *segs, unsigned n, void *token);
/* Tell the device about added buffers (skipped when it asked not to be told). */
void virtq_kick(struct virtq *vq);
/* The next buffer the device finished (and the bytes it wrote), or NULL. */
void *virtq_next_used(struct virtq *vq, uint32_t *len);
/* Descriptors free now, and the queue's size. */
unsigned virtq_free(const struct virtq *vq);
unsigned virtq_size(const struct virtq *vq);
/* Most segments one virtq_add takes. */
unsigned virtq_max_segments(const struct virtq *vq);
/* Ask the device for no interrupts / interrupts again. enable returns true
 * if buffers were used meanwhile (poll once more then). */
void virtq_disable_interrupts(struct virtq *vq);
bool virtq_enable_interrupts(struct virtq *vq);
/* Call the queue's callback if it has used buffers (for polled devices). */
void virtq_poll(struct virtq *vq);

/* Split [buf, buf+len) (kernel memory) into physically contiguous segments,
 * at most max; returns the count, or -EINVAL if it needs more or is not
 * mapped. */
int virtio_dma_segments(const void *buf, size_t len, bool device_writes,
                        struct virtq_seg *segs, unsigned max);

#endif
