/*
 * kernel/dev/virtio/virtq.h — the split virtqueue's layout (VirtIO 1.2 §2.7)
 * and its internal state, shared by the transport (virtio_pci.c), the ring
 * code (virtqueue.c) and the host unit test that plays the device.
 */
#ifndef KPIO_VIRTQ_H
#define KPIO_VIRTQ_H

#include "dev/virtio/virtio.h"

#define VIRTQ_DESC_F_NEXT      1
#define VIRTQ_DESC_F_WRITE     2
#define VIRTQ_DESC_F_INDIRECT  4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY     1

struct virtq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

struct virtq_avail {
    uint16_t flags;
    uint16_t idx;
    uint16_t ring[];            /* then used_event */
};

struct virtq_used_elem {
    uint32_t id;
    uint32_t len;
};

struct virtq_used {
    uint16_t flags;
    uint16_t idx;
    struct virtq_used_elem ring[];  /* then avail_event */
};

struct virtq {
    struct virtio_dev *vdev;
    uint16_t index, size;
    struct virtq_desc *desc;
    struct virtq_avail *avail;
    struct virtq_used *used;
    uint64_t desc_phys, avail_phys, used_phys;
    void *ring_mem;
    size_t ring_bytes;
    uint16_t free_head, num_free;
    uint16_t avail_idx;         /* next free slot in the avail ring */
    uint16_t last_used;         /* next used entry to take */
    void **tokens;              /* per chain head */
    uint16_t *chain_len;        /* descriptors held by the chain at each head */
    struct virtq_desc *indirect;/* size * max_indirect entries, one table per head */
    uint64_t indirect_phys;
    unsigned max_indirect;      /* 0: no indirect tables */
    void (*notify)(struct virtq *vq);
    virtq_callback callback;
    void *ctx;
    unsigned msix_entry;
    uint64_t kicks, notifications;
};

/* Allocate and initialise a queue of `size` (a power of two) entries with
 * optional indirect tables; NULL if out of memory. */
struct virtq *virtq_create(uint16_t size, unsigned max_indirect);
void virtq_destroy(struct virtq *vq);

#endif
