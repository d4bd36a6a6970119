/*
 * kernel/app/handle.c — the objects behind apps' descriptors.
 *
 * A WASI descriptor (runtime/wasi) holds an opaque wasi_handle; in the
 * kernel it is a pointer to a struct handle: a VFS file or directory, one
 * end of a pipe, the console, the null stream or a socket. Handles are
 * reference counted; duplicating one (a child's stdio, a preopen handed
 * down) shares it, and the last reference closes the object: the file, the
 * pipe end (its peer sees end-of-file or EPIPE), the socket.
 */
#include "app/app.h"
#include "fs/vfs.h"
#include "lib/lib.h"
#include "mm/mm.h"
#include "net/socket.h"

static volatile uint64_t live;

struct handle *handle_new(enum handle_kind kind)
{
    struct handle *h = kzalloc(sizeof *h);
    if (!h)
        return NULL;
    h->refs = 1;
    h->kind = kind;
    __atomic_add_fetch(&live, 1, __ATOMIC_RELAXED);
    return h;
}

void handle_get(struct handle *h)
{
    __atomic_add_fetch(&h->refs, 1, __ATOMIC_RELAXED);
}

void handle_put(struct handle *h)
{
    if (__atomic_sub_fetch(&h->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    switch (h->kind) {
    case HANDLE_FILE:
        vfs_close(h->u.file);
        break;
    case HANDLE_PIPE_READ:
    case HANDLE_PIPE_WRITE:
        pipe_close_end(h->u.pipe, h->kind == HANDLE_PIPE_READ);
        break;
    case HANDLE_SOCKET:
        sock_close(h->u.s.sock);
        break;
    case HANDLE_TTY:
    case HANDLE_NULL:
        break;
    }
    __atomic_sub_fetch(&live, 1, __ATOMIC_RELAXED);
    kfree(h);
}

int handle_open_path(const char *path, uint32_t vfs_flags, struct handle **out)
{
    struct handle *h = handle_new(HANDLE_FILE);
    if (!h)
        return -ENOMEM;
    int rc = vfs_open(NULL, path, vfs_flags, 0666, &h->u.file);
    if (rc < 0) {
        h->kind = HANDLE_NULL;
        handle_put(h);
        return rc;
    }
    *out = h;
    return 0;
}

uint64_t handle_live(void)
{
    return live;
}
