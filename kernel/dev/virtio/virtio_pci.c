/*
 * kernel/dev/virtio/virtio_pci.c — the VirtIO 1.x PCI transport (VirtIO 1.2
 * §4.1): finding the configuration structures through vendor capabilities
 * (§4.1.4), the initialisation sequence (§3.1.1), feature negotiation,
 * queue set-up with MSI-X vectors (§4.1.5.1.2), notifications (§4.1.4.4).
 *
 * Only the modern interface is used: transitional devices (QEMU's
 * virtio-blk and virtio-net) offer it too; legacy-only devices are refused.
 * Without MSI-X or MSI the queues are polled by a kernel thread.
 */
#include "dev/virtio/virtio.h"
#include "dev/virtio/virtq.h"
#include "arch/x86_64/apic.h"
#include "core/log.h"
#include "lib/lib.h"
#include "mm/mm.h"
#include "sched/sched.h"

#define VIRTIO_PCI_VENDOR 0x1af4

/* Capability types (§4.1.4). */
#define CAP_COMMON 1
#define CAP_NOTIFY 2
#define CAP_ISR    3
#define CAP_DEVICE 4

/* Common configuration registers (§4.1.4.3). */
#define C_DFSELECT    0
#define C_DF          4
#define C_GFSELECT    8
#define C_GF          12
#define C_MSIX_CONFIG 16
#define C_NUM_QUEUES  18
#define C_STATUS      20
#define C_CFG_GEN     21
#define C_Q_SELECT    22
#define C_Q_SIZE      24
#define C_Q_MSIX      26
#define C_Q_ENABLE    28
#define C_Q_NOFF      30
#define C_Q_DESC      32
#define C_Q_AVAIL     40
#define C_Q_USED      48

/* Device status bits (§2.1). */
#define S_ACKNOWLEDGE 1
#define S_DRIVER      2
#define S_DRIVER_OK   4
#define S_FEATURES_OK 8
#define S_FAILED      128

#define NO_VECTOR 0xffff

static unsigned device_count;

static inline uint8_t rd8(struct virtio_dev *v, unsigned off) { return *(volatile uint8_t *)(v->common + off); }
static inline uint16_t rd16(struct virtio_dev *v, unsigned off) { return *(volatile uint16_t *)(v->common + off); }
static inline uint32_t rd32(struct virtio_dev *v, unsigned off) { return *(volatile uint32_t *)(v->common + off); }
static inline void wr8(struct virtio_dev *v, unsigned off, uint8_t x) { *(volatile uint8_t *)(v->common + off) = x; }
static inline void wr16(struct virtio_dev *v, unsigned off, uint16_t x) { *(volatile uint16_t *)(v->common + off) = x; }
static inline void wr32(struct virtio_dev *v, unsigned off, uint32_t x) { *(volatile uint32_t *)(v->common + off) = x; }

static void wr64(struct virtio_dev *v, unsigned off, uint64_t x)
{
    wr32(v, off, (uint32_t)x);
    wr32(v, off + 4, (uint32_t)(x >> 32));
}

/* ---- configuration structures ---- */

/* Map the structure a vendor capability at `cap` describes; NULL if it does
 * not fit its BAR. */
static volatile uint8_t *map_cap(struct pci_dev *pci, uint8_t cap, uint32_t *len)
{
    uint8_t bar = pci_read8(pci, cap + 4);
    uint32_t offset = pci_read32(pci, cap + 8), length = pci_read32(pci, cap + 12);
    if (bar >= 6 || pci->bar[bar].io || (uint64_t)offset + length > pci->bar[bar].size)
        return NULL;
    uint8_t *base = pci_map_bar(pci, bar);
    if (!base)
        return NULL;
    if (len)
        *len = length;
    return base + offset;
}

static int find_structures(struct virtio_dev *v)
{
    struct pci_dev *pci = v->pci;
    for (uint8_t cap = pci_find_cap(pci, PCI_CAP_VENDOR, 0); cap; cap = pci_find_cap(pci, PCI_CAP_VENDOR, cap)) {
        uint8_t type = pci_read8(pci, cap + 3);
        if (type == CAP_COMMON && !v->common)
            v->common = map_cap(pci, cap, NULL);
        else if (type == CAP_NOTIFY && !v->notify) {
            v->notify = map_cap(pci, cap, NULL);
            v->notify_multiplier = pci_read32(pci, cap + 16);
        } else if (type == CAP_ISR && !v->isr)
            v->isr = map_cap(pci, cap, NULL);
        else if (type == CAP_DEVICE && !v->device_cfg)
            v->device_cfg = map_cap(pci, cap, &v->device_cfg_len);
    }
    return v->common && v->notify ? 0 : -ENODEV;
}

/* ---- status, features ---- */

void virtio_reset(struct virtio_dev *v)
{
    wr8(v, C_STATUS, 0);
    /* §4.1.4.3.2: reset is done when the status reads back 0. */
    for (int i = 0; i < 1000000 && rd8(v, C_STATUS) != 0; i++)
        __asm__ volatile("pause");
}

static void add_status(struct virtio_dev *v, uint8_t bits)
{
    wr8(v, C_STATUS, rd8(v, C_STATUS) | bits);
}

uint64_t virtio_device_features(struct virtio_dev *v)
{
    wr32(v, C_DFSELECT, 0);
    uint64_t lo = rd32(v, C_DF);
    wr32(v, C_DFSELECT, 1);
    uint64_t hi = rd32(v, C_DF);
    return lo | hi << 32;
}

int virtio_negotiate(struct virtio_dev *v, uint64_t wanted)
{
    uint64_t offered = virtio_device_features(v);
    uint64_t take = (wanted | VIRTIO_F_VERSION_1) & offered;
    if (!(take & VIRTIO_F_VERSION_1)) {
        log_err("%s: the device does not offer VirtIO 1.0", v->name);
        return -ENODEV;
    }
    wr32(v, C_GFSELECT, 0);
    wr32(v, C_GF, (uint32_t)take);
    wr32(v, C_GFSELECT, 1);
    wr32(v, C_GF, (uint32_t)(take >> 32));
    add_status(v, S_FEATURES_OK);
    if (!(rd8(v, C_STATUS) & S_FEATURES_OK)) {
        log_err("%s: the device refused features 0x%llx", v->name, (unsigned long long)take);
        return -ENODEV;
    }
    v->features = take;
    return 0;
}

unsigned virtio_num_queues(struct virtio_dev *v)
{
    return rd16(v, C_NUM_QUEUES);
}

void virtio_driver_ok(struct virtio_dev *v)
{
    add_status(v, S_DRIVER_OK);
}

/* ---- device configuration ---- */

#define CONFIG_READ(bits)                                                           \
    uint##bits##_t virtio_config_read##bits(struct virtio_dev *v, uint32_t off)     \
    {                                                                               \
        if (!v->device_cfg || off + bits / 8 > v->device_cfg_len)                   \
            return 0;                                                               \
        uint8_t gen;                                                                \
        uint##bits##_t x;                                                           \
        do {                                                                        \
            gen = rd8(v, C_CFG_GEN);                                                \
            x = *(volatile uint##bits##_t *)(v->device_cfg + off);                  \
        } while (gen != rd8(v, C_CFG_GEN));                                         \
        return x;                                                                   \
    }
CONFIG_READ(8)
CONFIG_READ(16)
CONFIG_READ(32)

uint64_t virtio_config_read64(struct virtio_dev *v, uint32_t off)
{
    if (!v->device_cfg || off + 8 > v->device_cfg_len)
        return 0;
    uint8_t gen;
    uint64_t x;
    do {        /* two 32-bit halves, consistent thanks to the generation (§4.1.3.1) */
        gen = rd8(v, C_CFG_GEN);
        x = *(volatile uint32_t *)(v->device_cfg + off) |
            (uint64_t)*(volatile uint32_t *)(v->device_cfg + off + 4) << 32;
    } while (gen != rd8(v, C_CFG_GEN));
    return x;
}

void virtio_config_write8(struct virtio_dev *v, uint32_t off, uint8_t x)
{
    if (v->device_cfg && off < v->device_cfg_len)
        *(volatile uint8_t *)(v->device_cfg + off) = x;
}

void virtio_on_config_change(struct virtio_dev *v, void (*fn)(struct virtio_dev *, void *), void *ctx)
{
    v->config_ctx = ctx;
    __atomic_store_n(&v->config_changed, fn, __ATOMIC_RELEASE);
}

/* ---- interrupts ---- */

struct vector_ctx {
    struct virtio_dev *vdev;
    unsigned entry;
};

/* An MSI-X entry fired: run the callbacks of the queues routed to it. */
static void entry_irq(void *p)
{
    struct vector_ctx *c = p;
    struct virtio_dev *v = c->vdev;
    if (c->entry == 0 && v->msix_entries > 1) {
        void (*fn)(struct virtio_dev *, void *) = __atomic_load_n(&v->config_changed, __ATOMIC_ACQUIRE);
        if (fn)
            fn(v, v->config_ctx);
        return;
    }
    for (unsigned i = 0; i < VIRTIO_MAX_QUEUES; i++) {
        struct virtq *vq = v->queues[i];
        if (vq && vq->msix_entry == c->entry && vq->callback)
            vq->callback(vq, vq->ctx);
    }
}

/* Route MSI-X entries (0: configuration changes, then one per queue while
 * there are entries). 0 or -errno; msix_entries 0 means "poll". */
static int setup_interrupts(struct virtio_dev *v)
{
    unsigned table = pci_msix_table_size(v->pci);
    unsigned want = 1 + MIN(virtio_num_queues(v), (unsigned)VIRTIO_MAX_QUEUES);
    unsigned n = table ? MIN(table, want) : 1;
    unsigned have = 0;
    for (unsigned i = 0; i < n; i++) {
        struct vector_ctx *c = kzalloc(sizeof *c);
        if (!c)
            break;
        c->vdev = v;
        c->entry = i;
        v->vectors[i] = irq_alloc_vector(entry_irq, c);
        if (v->vectors[i] < 0) {
            kfree(c);
            break;
        }
        v->vector_ctx[i] = c;
        have++;
    }
    int got = have ? pci_msix_enable(v->pci, have, v->vectors) : -ENOSPC;
    /* Entries beyond what the device took are given back. */
    for (unsigned i = got > 0 ? (unsigned)got : 0; i < have; i++) {
        irq_free_vector(v->vectors[i]);
        kfree(v->vector_ctx[i]);
        v->vector_ctx[i] = NULL;
    }
    if (got <= 0) {
        log_warn("%s: no MSI-X or MSI (%d): polling its queues", v->name, got);
        v->msix_entries = 0;
        return 0;
    }
    v->msix_entries = (unsigned)got;
    wr16(v, C_MSIX_CONFIG, 0);
    if (rd16(v, C_MSIX_CONFIG) == NO_VECTOR)
        log_warn("%s: configuration-change interrupts refused", v->name);
    return 0;
}

/* ---- queues ---- */

static void notify_pci(struct virtq *vq)
{
    struct virtio_dev *v = vq->vdev;
    wr16(v, C_Q_SELECT, vq->index);
    uint16_t off = rd16(v, C_Q_NOFF);
    *(volatile uint16_t *)(v->notify + (uint32_t)off * v->notify_multiplier) = vq->index;
}

struct virtq *virtio_setup_queue(struct virtio_dev *v, unsigned index, unsigned max_size,
                                 unsigned max_indirect, virtq_callback callback, void *ctx)
{
    if (index >= VIRTIO_MAX_QUEUES || index >= virtio_num_queues(v) || v->queues[index])
        return NULL;
    wr16(v, C_Q_SELECT, (uint16_t)index);
    unsigned dev_size = rd16(v, C_Q_SIZE);
    if (dev_size == 0)
        return NULL;
    unsigned size = 1;
    while (size * 2 <= MIN(dev_size, max_size))
        size *= 2;
    if (!virtio_has(v, VIRTIO_F_INDIRECT_DESC))
        max_indirect = 0;
    struct virtq *vq = virtq_create((uint16_t)size, max_indirect);
    if (!vq)
        return NULL;
    vq->vdev = v;
    vq->index = (uint16_t)index;
    vq->notify = notify_pci;
    vq->callback = callback;
    vq->ctx = ctx;
    wr16(v, C_Q_SIZE, (uint16_t)size);
    wr64(v, C_Q_DESC, vq->desc_phys);
    wr64(v, C_Q_AVAIL, vq->avail_phys);
    wr64(v, C_Q_USED, vq->used_phys);
    if (v->msix_entries) {
        vq->msix_entry = v->msix_entries > 1 ? 1 + index % (v->msix_entries - 1) : 0;
        wr16(v, C_Q_MSIX, (uint16_t)vq->msix_entry);
        if (rd16(v, C_Q_MSIX) == NO_VECTOR) {
            log_err("%s: queue %u: the device refused its interrupt vector", v->name, index);
            virtq_destroy(vq);
            return NULL;
        }
    }
    __atomic_store_n(&v->queues[index], vq, __ATOMIC_RELEASE);
    wr16(v, C_Q_ENABLE, 1);
    return vq;
}

/* Devices without usable interrupts: look at their queues every
 * millisecond (from before the driver's probe, which may wait for I/O). */
static void poll_thread(void *arg)
{
    struct virtio_dev *v = arg;
    while (!__atomic_load_n(&v->stop_polling, __ATOMIC_ACQUIRE)) {
        for (unsigned i = 0; i < VIRTIO_MAX_QUEUES; i++) {
            struct virtq *vq = __atomic_load_n(&v->queues[i], __ATOMIC_ACQUIRE);
            if (vq)
                virtq_poll(vq);
        }
        thread_sleep_ns(1000000);
    }
}

/* ---- probing ---- */

static void release(struct virtio_dev *v)
{
    if (v->poller) {
        __atomic_store_n(&v->stop_polling, true, __ATOMIC_RELEASE);
        thread_join(v->poller);
    }
    virtio_reset(v);
    for (unsigned i = 0; i < VIRTIO_MAX_QUEUES; i++)
        virtq_destroy(v->queues[i]);
    for (unsigned i = 0; i < v->msix_entries; i++) {
        irq_free_vector(v->vectors[i]);
        kfree(v->vector_ctx[i]);
    }
    kfree(v);
}

static int virtio_pci_probe(struct pci_dev *pci)
{
    struct virtio_driver *drv = container_of(pci->driver, struct virtio_driver, pci);
    uint16_t type = pci->device >= 0x1040 ? pci->device - 0x1040 : pci->subsys_id;
    if (type != drv->type)
        return -ENODEV;
    struct virtio_dev *v = kzalloc(sizeof *v);
    if (!v)
        return -ENOMEM;
    v->pci = pci;
    v->driver = drv;
    v->type = type;
    snprintf(v->name, sizeof v->name, "virtio%u", device_count);
    pci_enable(pci);
    int rc = find_structures(v);
    if (rc < 0) {
        log_warn("pci %02x:%02x.%x: virtio device without the modern interface", pci->bus,
                 pci->slot, pci->func);
        kfree(v);
        return rc;
    }
    virtio_reset(v);
    add_status(v, S_ACKNOWLEDGE | S_DRIVER);
    rc = setup_interrupts(v);
    if (rc == 0 && !v->msix_entries) {
        v->poller = thread_create("virtio-poll", poll_thread, v, PRIO_HIGH);
        if (!v->poller)
            rc = -ENOMEM;
    }
    if (rc == 0)
        rc = drv->probe(v);
    if (rc < 0) {
        add_status(v, S_FAILED);
        release(v);
        return rc;
    }
    pci->driver_data = v;
    device_count++;
    return 0;
}

void virtio_register_driver(struct virtio_driver *drv)
{
    drv->pci.name = drv->name;
    drv->pci.vendor = VIRTIO_PCI_VENDOR;
    drv->pci.device = PCI_ANY_ID;
    drv->pci.class_code = PCI_ANY_CLASS;
    drv->pci.subclass = PCI_ANY_CLASS;
    drv->pci.probe = virtio_pci_probe;
    pci_register_driver(&drv->pci);
}

int virtio_dma_segments(const void *buf, size_t len, bool device_writes,
                        struct virtq_seg *segs, unsigned max)
{
    unsigned n = 0;
    uintptr_t va = (uintptr_t)buf;
    while (len > 0) {
        size_t in_page = (size_t)(PAGE_SIZE - (va & (PAGE_SIZE - 1)));
        size_t chunk = MIN(len, in_page);
        uint64_t pa = virt_to_phys((const void *)va);
        if (pa == ~0ull)
            return -EINVAL;
        if (n > 0 && segs[n - 1].phys + segs[n - 1].len == pa && segs[n - 1].len + chunk <= 0xffffffffu) {
            segs[n - 1].len += (uint32_t)chunk;
        } else {
            if (n == max)
                return -EINVAL;
            segs[n++] = (struct virtq_seg){ pa, (uint32_t)chunk, device_writes };
        }
        va += chunk;
        len -= chunk;
    }
    return (int)n;
}
