/*
 * kernel/dev/virtio/net.c — virtio network devices (VirtIO 1.2 §5.1) as
 * interfaces of the network stack.
 *
 * Queue 0 receives and queue 1 transmits (§5.1.2). Each holds one
 * descriptor per frame: a 12-byte virtio_net_hdr (§5.1.6) followed by the
 * Ethernet frame, in a 2 KiB slot of DMA memory. Every receive slot is
 * given to the device up front, so many frames are in flight; the interrupt
 * handler only wakes the device's thread, which copies finished frames into
 * packet buffers, gives the slots back and hands the frames to the stack.
 * Transmission copies the frame into a free slot; finished slots are
 * collected on the way, and by the transmit interrupt, which is switched on
 * only while free slots run low. The device completes TCP
 * and UDP checksums when it offers VIRTIO_NET_F_CSUM, and vouches for
 * received ones with VIRTIO_NET_F_GUEST_CSUM (DATA_VALID / NEEDS_CSUM).
 * Link status changes (VIRTIO_NET_F_STATUS) arrive as configuration
 * interrupts.
 */
#include "dev/virtio/net.h"
#include "dev/virtio/virtio.h"
#include "net/net.h"
#include "core/log.h"
#include "core/time.h"
#include "lib/lib.h"
#include "mm/mm.h"
#include "sched/sched.h"
#include "sched/thread.h"
#include "arch/x86_64/percpu.h"

/* Feature bits (§5.1.3). */
#define NET_F_CSUM       (1ull << 0)
#define NET_F_GUEST_CSUM (1ull << 1)
#define NET_F_MAC        (1ull << 5)
#define NET_F_GUEST_TSO4 (1ull << 7)
#define NET_F_GUEST_TSO6 (1ull << 8)
#define NET_F_MRG_RXBUF  (1ull << 15)
#define NET_F_STATUS     (1ull << 16)

/* Configuration (§5.1.4). */
#define CFG_MAC    0
#define CFG_STATUS 6
#define S_LINK_UP  1

/* Header flags (§5.1.6). */
#define HDR_F_NEEDS_CSUM 1
#define HDR_F_DATA_VALID 2

#define HDR_LEN    12
#define SLOT_SIZE  2048              /* transmit slots; receive slots without MRG_RXBUF */
#define RX_MRG_SLOT 4096             /* receive slots with mergeable buffers */
#define RX_MAX_PACKET 65550          /* a large received segment (§5.1.6.3.1) */
#define MAX_SLOTS  256
#define RX_BATCH   64

struct vnet_hdr {
    uint8_t flags;
    uint8_t gso_type;
    uint16_t hdr_len;
    uint16_t gso_size;
    uint16_t csum_start;
    uint16_t csum_offset;
    uint16_t num_buffers;
};

struct vnet {
    struct netif nif;
    struct virtio_dev *vdev;
    struct virtq *rxq, *txq;
    uint8_t *rx_mem, *tx_mem;          /* slots, DMA memory */
    uint64_t rx_phys, tx_phys;
    unsigned rx_slots, tx_slots;
    unsigned rx_slot_size;
    struct netbuf *rx_partial;         /* a packet spread over several buffers (MRG_RXBUF) */
    unsigned rx_partial_left;          /* buffers still to come for it */
    spinlock_t tx_lock;
    uint16_t *tx_free;                 /* free transmit slots */
    unsigned tx_nfree;
    struct semaphore wake;             /* interrupts -> the device thread */
    volatile bool config_changed;
    struct virtio_net_stats stats;
};

static struct vnet *devices[8];
static unsigned device_count;

/* ---- interrupts: only wake the thread ---- */

static void vnet_queue_irq(struct virtq *vq, void *ctx)
{
    (void)vq;
    struct vnet *d = ctx;
    d->stats.interrupts++;
    sem_up(&d->wake);
}

static void vnet_config_irq(struct virtio_dev *vdev, void *ctx)
{
    (void)vdev;
    struct vnet *d = ctx;
    d->config_changed = true;
    sem_up(&d->wake);
}

/* ---- receive ---- */

static int rx_give(struct vnet *d, unsigned slot)
{
    struct virtq_seg seg = { d->rx_phys + (uint64_t)slot * d->rx_slot_size, d->rx_slot_size, true };
    return virtq_add(d->rxq, &seg, 1, (void *)(uintptr_t)(slot + 1));
}

/* Starts a packet from its first buffer (header + data); NULL if it is
 * malformed or memory is short (counted). */
static struct netbuf *rx_start(struct vnet *d, const uint8_t *buf, uint32_t len, unsigned *more)
{
    const struct vnet_hdr *h = (const void *)buf;
    *more = 0;
    if (len <= HDR_LEN || len > d->rx_slot_size) {
        d->stats.rx_bad++;
        return NULL;
    }
    unsigned nbufs = virtio_has(d->vdev, NET_F_MRG_RXBUF) ? h->num_buffers : 1;
    if (nbufs == 0 || (uint64_t)nbufs * d->rx_slot_size > RX_MAX_PACKET + d->rx_slot_size) {
        d->stats.rx_bad++;
        return NULL;
    }
    uint32_t cap = nbufs == 1 ? len - HDR_LEN : (uint32_t)nbufs * d->rx_slot_size;
    struct netbuf *nb = netbuf_alloc(NET_HEADROOM, cap);
    if (!nb) {
        d->nif.stats.rx_dropped++;
        *more = nbufs - 1;          /* its other buffers are skipped */
        return NULL;
    }
    memcpy(nb->data, buf + HDR_LEN, len - HDR_LEN);
    nb->len = len - HDR_LEN;
    /* A partial checksum comes from a sender on this host and is as good as
     * verified; DATA_VALID says so outright. */
    if (virtio_has(d->vdev, NET_F_GUEST_CSUM) && (h->flags & (HDR_F_DATA_VALID | HDR_F_NEEDS_CSUM))) {
        nb->flags |= NETBUF_RX_CSUM_OK;
        d->stats.rx_csum_trusted++;
    }
    *more = nbufs - 1;
    return nb;
}

/* Takes up to max finished packets off the receive queue into packet
 * buffers, giving each slot straight back to the device. A packet may span
 * several buffers with MRG_RXBUF (§5.1.6.4); one cut short by the end of
 * the used ring is finished on the next call. */
static unsigned rx_collect(struct vnet *d, struct netbuf **out, unsigned max)
{
    unsigned n = 0;
    bool gave = false;
    while (n < max) {
        uint32_t len;
        void *token = virtq_next_used(d->rxq, &len);
        if (!token)
            break;
        unsigned slot = (unsigned)(uintptr_t)token - 1;
        const uint8_t *buf = d->rx_mem + (size_t)slot * d->rx_slot_size;
        if (d->rx_partial_left == 0) {
            unsigned more;
            struct netbuf *nb = rx_start(d, buf, len, &more);
            d->rx_partial = nb;
            d->rx_partial_left = more;
        } else {
            /* A continuation buffer: data only. */
            struct netbuf *nb = d->rx_partial;
            if (nb) {
                if (len > d->rx_slot_size || nb->len + len > nb->size - NET_HEADROOM) {
                    d->stats.rx_bad++;
                    netbuf_free(nb);
                    d->rx_partial = NULL;
                } else {
                    memcpy(nb->data + nb->len, buf, len);
                    nb->len += len;
                }
            }
            d->rx_partial_left--;
        }
        if (d->rx_partial_left == 0 && d->rx_partial) {
            out[n++] = d->rx_partial;
            d->rx_partial = NULL;
        }
        rx_give(d, slot);
        gave = true;
    }
    if (gave)
        virtq_kick(d->rxq);
    return n;
}

static void vnet_link_update(struct vnet *d)
{
    bool up = true;
    if (virtio_has(d->vdev, NET_F_STATUS))
        up = virtio_config_read16(d->vdev, CFG_STATUS) & S_LINK_UP;
    bool was = d->nif.flags & NETIF_LINK_UP;
    if (up != was) {
        d->stats.link_changes++;
        log_info("net: %s: link %s", d->nif.name, up ? "up" : "down");
        netif_set_link(&d->nif, up);
    }
}

/* The device's thread: frames in, link changes. */
static void vnet_thread(void *arg)
{
    struct vnet *d = arg;
    struct netbuf *batch[RX_BATCH];
    for (;;) {
        sem_down(&d->wake);
        if (d->config_changed) {
            d->config_changed = false;
            vnet_link_update(d);
        }
        for (;;) {
            virtq_disable_interrupts(d->rxq);
            unsigned n;
            while ((n = rx_collect(d, batch, RX_BATCH)) > 0) {
                d->stats.rx_frames += n;
                for (unsigned i = 0; i < n; i++)
                    netif_input(&d->nif, batch[i]);
            }
            /* Re-enable, and look again if frames slipped in meanwhile. */
            if (!virtq_enable_interrupts(d->rxq))
                break;
        }
    }
}

/* ---- transmit ---- */

/* Collects transmit slots the device has finished with (tx_lock held). */
static void tx_reclaim(struct vnet *d)
{
    uint32_t len;
    void *token;
    while ((token = virtq_next_used(d->txq, &len)))
        d->tx_free[d->tx_nfree++] = (uint16_t)((uintptr_t)token - 1);
}

/* Interrupt context: the device finished transmit slots while we were low. */
static void vnet_tx_irq(struct virtq *vq, void *ctx)
{
    (void)vq;
    struct vnet *d = ctx;
    uint64_t flags = spin_lock_irqsave(&d->tx_lock);
    d->stats.tx_interrupts++;
    tx_reclaim(d);
    if (d->tx_nfree > d->tx_slots / 4)
        virtq_disable_interrupts(d->txq);
    spin_unlock_irqrestore(&d->tx_lock, flags);
}

static int vnet_transmit(struct netif *nif, struct netbuf *nb)
{
    struct vnet *d = container_of(nif, struct vnet, nif);
    if (nb->len + HDR_LEN > SLOT_SIZE) {
        nif->stats.tx_errors++;
        netbuf_free(nb);
        return -EMSGSIZE;
    }
    uint64_t flags = spin_lock_irqsave(&d->tx_lock);
    if (d->tx_nfree == 0)
        tx_reclaim(d);
    if (d->tx_nfree == 0) {
        spin_unlock_irqrestore(&d->tx_lock, flags);
        d->stats.tx_full_drops++;
        nif->stats.tx_dropped++;
        netbuf_free(nb);
        return -ENOBUFS;
    }
    unsigned slot = d->tx_free[--d->tx_nfree];
    uint8_t *buf = d->tx_mem + (size_t)slot * SLOT_SIZE;
    struct vnet_hdr *h = (void *)buf;
    memset(h, 0, HDR_LEN);
    if (nb->flags & NETBUF_TX_CSUM) {
        /* §5.1.6.2: the device sums from csum_start and stores at csum_offset. */
        h->flags = HDR_F_NEEDS_CSUM;
        h->csum_start = (uint16_t)(nb->csum_start - (nb->data - nb->buf));
        h->csum_offset = nb->csum_offset;
        d->stats.tx_csum_offloaded++;
    }
    memcpy(buf + HDR_LEN, nb->data, nb->len);
    struct virtq_seg seg = { d->tx_phys + (uint64_t)slot * SLOT_SIZE, HDR_LEN + nb->len, false };
    int r = virtq_add(d->txq, &seg, 1, (void *)(uintptr_t)(slot + 1));
    if (r == 0) {
        virtq_kick(d->txq);
        d->stats.tx_frames++;
        /* Running low: let the device say when slots come back. */
        if (d->tx_nfree < d->tx_slots / 8 && virtq_enable_interrupts(d->txq))
            tx_reclaim(d);
    } else {
        d->tx_free[d->tx_nfree++] = (uint16_t)slot;
        nif->stats.tx_dropped++;
    }
    spin_unlock_irqrestore(&d->tx_lock, flags);
    netbuf_free(nb);
    return r;
}

static const struct netif_ops vnet_ops = { .transmit = vnet_transmit };

/* ---- probing ---- */

static void vnet_free(struct vnet *d)
{
    if (d->rx_mem)
        dma_free(d->rx_mem, (size_t)d->rx_slots * d->rx_slot_size);
    if (d->tx_mem)
        dma_free(d->tx_mem, (size_t)d->tx_slots * SLOT_SIZE);
    kfree(d->tx_free);
    kfree(d);
}

static int vnet_probe(struct virtio_dev *vdev)
{
    struct net_stack *ns = net_default();
    if (!ns || device_count >= ARRAY_SIZE(devices))
        return -ENODEV;
    struct vnet *d = kzalloc(sizeof(*d));
    if (!d)
        return -ENOMEM;
    d->vdev = vdev;
    spin_init(&d->tx_lock, "vnet-tx");
    sem_init(&d->wake, 0);

    /* Large received segments (the host's GRO/GSO) need mergeable buffers
     * and checksum trust (§5.1.3.1). */
    uint64_t offered = virtio_device_features(vdev);
    uint64_t want = NET_F_CSUM | NET_F_GUEST_CSUM | NET_F_MAC | NET_F_STATUS | NET_F_MRG_RXBUF;
    if ((offered & (NET_F_MRG_RXBUF | NET_F_GUEST_CSUM)) == (NET_F_MRG_RXBUF | NET_F_GUEST_CSUM))
        want |= NET_F_GUEST_TSO4 | NET_F_GUEST_TSO6;
    int r = virtio_negotiate(vdev, offered & want);
    if (r < 0) {
        vnet_free(d);
        return r;
    }
    if (virtio_has(vdev, NET_F_MAC)) {
        for (int i = 0; i < 6; i++)
            d->nif.hwaddr[i] = virtio_config_read8(vdev, CFG_MAC + (uint32_t)i);
    } else {
        /* A locally administered address of our own. */
        uint64_t t = time_ns();
        uint8_t mac[6] = { 0x52, 0x54, 0x00, (uint8_t)(t >> 16), (uint8_t)(t >> 8), (uint8_t)device_count };
        memcpy(d->nif.hwaddr, mac, 6);
    }
    d->rxq = virtio_setup_queue(vdev, 0, MAX_SLOTS, 0, vnet_queue_irq, d);
    d->txq = virtio_setup_queue(vdev, 1, MAX_SLOTS, 0, vnet_tx_irq, d);
    if (!d->rxq || !d->txq) {
        vnet_free(d);
        return -ENODEV;
    }
    d->rx_slots = virtq_size(d->rxq);
    d->tx_slots = virtq_size(d->txq);
    d->rx_slot_size = virtio_has(vdev, NET_F_MRG_RXBUF) ? RX_MRG_SLOT : SLOT_SIZE;
    d->rx_mem = dma_alloc((size_t)d->rx_slots * d->rx_slot_size, &d->rx_phys);
    d->tx_mem = dma_alloc((size_t)d->tx_slots * SLOT_SIZE, &d->tx_phys);
    d->tx_free = kmalloc(d->tx_slots * sizeof(*d->tx_free));
    if (!d->rx_mem || !d->tx_mem || !d->tx_free) {
        vnet_free(d);
        return -ENOMEM;
    }
    for (unsigned i = 0; i < d->tx_slots; i++)
        d->tx_free[d->tx_nfree++] = (uint16_t)i;
    for (unsigned i = 0; i < d->rx_slots; i++)
        rx_give(d, i);
    virtq_disable_interrupts(d->txq);

    snprintf(d->nif.name, sizeof(d->nif.name), "eth%u", device_count);
    d->nif.mtu = NET_ETH_MTU;
    d->nif.flags = NETIF_UP | NETIF_ETHERNET | NETIF_RX_CSUM;
    if (virtio_has(vdev, NET_F_CSUM))
        d->nif.flags |= NETIF_TX_CSUM;
    if (!virtio_has(vdev, NET_F_STATUS) || (virtio_config_read16(vdev, CFG_STATUS) & S_LINK_UP))
        d->nif.flags |= NETIF_LINK_UP;
    d->nif.ops = &vnet_ops;
    d->nif.driver = d;
    /* Attach before the device goes live, so that its frames find a home. */
    if ((r = netif_add(ns, &d->nif)) < 0) {
        log_err("net: %s: cannot attach (%d)", d->nif.name, r);
        vnet_free(d);
        return r;
    }
    /* The device's interrupts go to the CPU that set them up (this one):
     * its thread stays there, so that a frame costs no cross-CPU wake-up. */
    struct thread_opts opts = { .stack_size = 0, .cpu = (int)this_cpu_id() };
    struct thread *t = thread_create_opts("vnet-rx", vnet_thread, d, PRIO_HIGH, &opts);
    if (!t) {
        netif_remove(&d->nif);
        vnet_free(d);
        return -ENOMEM;
    }
    thread_detach(t);
    devices[device_count++] = d;
    virtio_on_config_change(vdev, vnet_config_irq, d);
    virtio_driver_ok(vdev);
    virtq_kick(d->rxq);
    const uint8_t *m = d->nif.hwaddr;
    log_info("net: %s: virtio-net %02x:%02x:%02x:%02x:%02x:%02x, %u/%u slots%s%s%s", d->nif.name,
             m[0], m[1], m[2], m[3], m[4], m[5], d->rx_slots, d->tx_slots,
             virtio_has(vdev, NET_F_CSUM) ? ", checksum offload" : "",
             virtio_has(vdev, NET_F_GUEST_TSO4) ? ", large receive" : "",
             virtio_has(vdev, NET_F_STATUS) ? ", link status" : "");
    net_configure_netif(&d->nif);
    return 0;
}

static struct virtio_driver vnet_driver = {
    .name = "virtio-net",
    .type = VIRTIO_ID_NET,
    .probe = vnet_probe,
};

void virtio_net_init(void)
{
    virtio_register_driver(&vnet_driver);
}

bool virtio_net_stats(const char *name, struct virtio_net_stats *out)
{
    for (unsigned i = 0; i < device_count; i++) {
        if (strcmp(devices[i]->nif.name, name) == 0) {
            *out = devices[i]->stats;
            return true;
        }
    }
    return false;
}
