/*
 * kernel/net/netbuf.c — packet buffers. Each is one kmalloc'd block: the
 * header struct, then headroom, then data. A global counter of live buffers
 * lets tests check that no workload leaks frames.
 */
#include "net/netpriv.h"

static long netbufs_live;

/* Returns a buffer whose data is len bytes, preceded by headroom free bytes,
 * or NULL when memory is short. The data is not cleared. */
struct netbuf *netbuf_alloc(uint32_t headroom, uint32_t len)
{
    if (headroom > 65536 || len > 1u << 20)
        return NULL;
    uint32_t size = headroom + len;
    struct netbuf *nb = kmalloc(sizeof(*nb) + size);
    if (!nb)
        return NULL;
    list_init(&nb->node);
    nb->netif = NULL;
    nb->data = nb->buf + headroom;
    nb->len = len;
    nb->size = size;
    nb->flags = 0;
    nb->csum_start = 0;
    nb->csum_offset = 0;
    nb->meta[0] = 0;
    nb->meta[1] = 0;
    __atomic_add_fetch(&netbufs_live, 1, __ATOMIC_RELAXED);
    return nb;
}

void netbuf_free(struct netbuf *nb)
{
    if (!nb)
        return;
    __atomic_sub_fetch(&netbufs_live, 1, __ATOMIC_RELAXED);
    kfree(nb);
}

void *netbuf_push(struct netbuf *nb, uint32_t n)
{
    if ((uint32_t)(nb->data - nb->buf) < n)
        return NULL;
    nb->data -= n;
    nb->len += n;
    return nb->data;
}

void *netbuf_pull(struct netbuf *nb, uint32_t n)
{
    if (nb->len < n)
        return NULL;
    nb->data += n;
    nb->len -= n;
    return nb->data;
}

void netbuf_trim(struct netbuf *nb, uint32_t len)
{
    if (len < nb->len)
        nb->len = len;
}

long netbuf_live(void)
{
    return __atomic_load_n(&netbufs_live, __ATOMIC_RELAXED);
}
