/*
 * kernel/dev/virtio/virtqueue.c — split virtqueues (VirtIO 1.2 §2.7): the
 * descriptor table with its free list, the available ring the driver fills
 * and the used ring the device fills, indirect descriptor tables (§2.7.5.3)
 * and notification suppression (§2.7.7, §2.7.10).
 *
 * Portable: it touches only memory (from dma_alloc) and calls vq->notify,
 * so a host unit test can play the device.
 */
#include "dev/virtio/virtq.h"
#include "lib/lib.h"
#include "mm/mm.h"

struct virtq *virtq_create(uint16_t size, unsigned max_indirect)
{
    if (size == 0 || (size & (size - 1)) != 0)
        return NULL;
    struct virtq *vq = kzalloc(sizeof *vq);
    if (!vq)
        return NULL;
    vq->size = size;
    /* One block: descriptors (16-byte aligned), the available ring (2),
     * the used ring (4) (§2.7: alignment requirements). */
    size_t desc_bytes = 16u * size;
    size_t avail_bytes = 6u + 2u * size;
    size_t used_off = ALIGN_UP(desc_bytes + avail_bytes, (size_t)4);
    size_t used_bytes = 6u + 8u * size;
    vq->ring_bytes = used_off + used_bytes;
    uint64_t phys;
    vq->ring_mem = dma_alloc(vq->ring_bytes, &phys);
    vq->tokens = kzalloc(size * sizeof *vq->tokens);
    vq->chain_len = kzalloc(size * sizeof *vq->chain_len);
    if (max_indirect > 1) {
        vq->max_indirect = max_indirect;
        vq->indirect = dma_alloc((size_t)size * max_indirect * sizeof(struct virtq_desc),
                                 &vq->indirect_phys);
    }
    if (!vq->ring_mem || !vq->tokens || !vq->chain_len || (max_indirect > 1 && !vq->indirect)) {
        virtq_destroy(vq);
        return NULL;
    }
    vq->desc = vq->ring_mem;
    vq->avail = (struct virtq_avail *)((uint8_t *)vq->ring_mem + desc_bytes);
    vq->used = (struct virtq_used *)((uint8_t *)vq->ring_mem + used_off);
    vq->desc_phys = phys;
    vq->avail_phys = phys + desc_bytes;
    vq->used_phys = phys + used_off;
    for (uint16_t i = 0; i < size; i++)
        vq->desc[i].next = (uint16_t)(i + 1);
    vq->num_free = size;
    return vq;
}

void virtq_destroy(struct virtq *vq)
{
    if (!vq)
        return;
    if (vq->ring_mem)
        dma_free(vq->ring_mem, vq->ring_bytes);
    if (vq->indirect)
        dma_free(vq->indirect, (size_t)vq->size * vq->max_indirect * sizeof(struct virtq_desc));
    kfree(vq->tokens);
    kfree(vq->chain_len);
    kfree(vq);
}

unsigned virtq_free(const struct virtq *vq) { return vq->num_free; }
unsigned virtq_size(const struct virtq *vq) { return vq->size; }

unsigned virtq_max_segments(const struct virtq *vq)
{
    return vq->max_indirect > 1 ? vq->max_indirect : vq->size;
}

static uint16_t seg_flags(const struct virtq_seg *s, bool more)
{
    return (uint16_t)((s->device_writes ? VIRTQ_DESC_F_WRITE : 0) | (more ? VIRTQ_DESC_F_NEXT : 0));
}

int virtq_add(struct virtq *vq, const struct virtq_seg *segs, unsigned n, void *token)
{
    if (n == 0 || n > virtq_max_segments(vq) || !token)
        return -EINVAL;
    bool indirect = vq->max_indirect > 1 && n > 1;
    unsigned need = indirect ? 1 : n;
    if (vq->num_free < need)
        return -ENOSPC;
    uint16_t head = vq->free_head;
    if (indirect) {
        struct virtq_desc *table = vq->indirect + (size_t)head * vq->max_indirect;
        for (unsigned i = 0; i < n; i++) {
            table[i].addr = segs[i].phys;
            table[i].len = segs[i].len;
            table[i].flags = seg_flags(&segs[i], i + 1 < n);
            table[i].next = (uint16_t)(i + 1);
        }
        vq->desc[head].addr = vq->indirect_phys + (uint64_t)head * vq->max_indirect * sizeof(struct virtq_desc);
        vq->desc[head].len = (uint32_t)(n * sizeof(struct virtq_desc));
        vq->desc[head].flags = VIRTQ_DESC_F_INDIRECT;
        vq->free_head = vq->desc[head].next;
    } else {
        /* The free list is linked through next: the chain follows it. */
        uint16_t i = head;
        for (unsigned k = 0; k < n; k++) {
            vq->desc[i].addr = segs[k].phys;
            vq->desc[i].len = segs[k].len;
            vq->desc[i].flags = seg_flags(&segs[k], k + 1 < n);
            i = vq->desc[i].next;
        }
        vq->free_head = i;
    }
    vq->num_free = (uint16_t)(vq->num_free - need);
    vq->chain_len[head] = (uint16_t)need;
    vq->tokens[head] = token;
    vq->avail->ring[vq->avail_idx % vq->size] = head;
    /* The entry (and the descriptors) before the index that publishes it. */
    __atomic_thread_fence(__ATOMIC_RELEASE);
    vq->avail_idx++;
    __atomic_store_n(&vq->avail->idx, vq->avail_idx, __ATOMIC_RELEASE);
    return 0;
}

void virtq_kick(struct virtq *vq)
{
    /* The index write must be visible before we read the device's flag
     * (§2.7.13.4: a full barrier). */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    vq->kicks++;
    if (!(__atomic_load_n(&vq->used->flags, __ATOMIC_ACQUIRE) & VIRTQ_USED_F_NO_NOTIFY)) {
        vq->notifications++;
        vq->notify(vq);
    }
}

void *virtq_next_used(struct virtq *vq, uint32_t *len)
{
    for (;;) {
        uint16_t used_idx = __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE);
        if (vq->last_used == used_idx)
            return NULL;
        struct virtq_used_elem e = vq->used->ring[vq->last_used % vq->size];
        vq->last_used++;
        uint32_t id = e.id;
        if (id >= vq->size || !vq->tokens[id])
            continue;               /* a device bug: ignore the bogus entry */
        /* Give the chain back to the free list. */
        uint16_t last = (uint16_t)id;
        for (uint16_t k = 1; k < vq->chain_len[id]; k++)
            last = vq->desc[last].next;
        vq->desc[last].next = vq->free_head;
        vq->free_head = (uint16_t)id;
        vq->num_free = (uint16_t)(vq->num_free + vq->chain_len[id]);
        void *token = vq->tokens[id];
        vq->tokens[id] = NULL;
        if (len)
            *len = e.len;
        return token;
    }
}

void virtq_disable_interrupts(struct virtq *vq)
{
    __atomic_store_n(&vq->avail->flags, VIRTQ_AVAIL_F_NO_INTERRUPT, __ATOMIC_RELAXED);
}

bool virtq_enable_interrupts(struct virtq *vq)
{
    __atomic_store_n(&vq->avail->flags, 0, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE) != vq->last_used;
}

void virtq_poll(struct virtq *vq)
{
    if (__atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE) != vq->last_used && vq->callback)
        vq->callback(vq, vq->ctx);
}
