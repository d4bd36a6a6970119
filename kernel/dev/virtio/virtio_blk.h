/*
 * kernel/dev/virtio/virtio_blk.h — the virtio block driver: each device
 * becomes a block device "vda", "vdb", ... (and its partitions "vda1" ...).
 */
#ifndef KPIO_VIRTIO_BLK_H
#define KPIO_VIRTIO_BLK_H

#include <stdbool.h>
#include <stdint.h>

struct virtio_blk_stats {
    uint64_t requests, interrupts, errors;
    uint64_t bytes_read, bytes_written;
    uint64_t in_flight, max_in_flight;
};

/* Register the driver (devices found by pci_init are probed now). */
void virtio_blk_init(void);
/* Counters of disk `name` ("vda"); false if there is no such disk. */
bool virtio_blk_stats(const char *name, struct virtio_blk_stats *out);

#endif
