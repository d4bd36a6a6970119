/*
 * kernel/dev/virtio/net.h — the virtio network driver: each device becomes
 * an Ethernet interface ("eth0", "eth1", ...) of the kernel's network stack.
 */
#ifndef KPIO_VIRTIO_NET_H
#define KPIO_VIRTIO_NET_H

#include <stdbool.h>
#include <stdint.h>

struct virtio_net_stats {
    uint64_t interrupts, rx_frames, tx_frames;
    uint64_t tx_full_drops, rx_bad, link_changes, tx_csum_offloaded, rx_csum_trusted, tx_interrupts;
};

/* Register the driver (devices pci_init found, or finds later, are probed). */
void virtio_net_init(void);
/* Counters of interface `name` ("eth0"); false if there is none. */
bool virtio_net_stats(const char *name, struct virtio_net_stats *out);

#endif
