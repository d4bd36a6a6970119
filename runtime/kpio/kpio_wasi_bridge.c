/*
 * runtime/kpio/kpio_wasi_bridge.c — the one place the kpio layer looks
 * inside a WASI context: its descriptor table. Pipes and sockets made by
 * kpio calls become ordinary WASI fds; spawn reads the caller's fds (the
 * module file, stdio, preopens) to hand them to the child.
 */
#include "kpio_internal.h"

#include "wasi_internal.h"

kpio_errno kpio_fd_get(wasi_ctx *ctx, uint32_t fd, wasi_handle *h, uint8_t *filetype,
                       uint64_t *rights)
{
    wasi_fd *f = wasi_fd_get(ctx, fd);
    if (!f || f->handle == -1)
        return KPIO_EBADF;
    *h = f->handle;
    if (filetype)
        *filetype = f->filetype;
    if (rights)
        *rights = f->rights_base;
    return KPIO_OK;
}

void kpio_fd_rights(wasi_ctx *ctx, uint32_t fd, uint64_t *base, uint64_t *inheriting)
{
    wasi_fd *f = wasi_fd_get(ctx, fd);
    *base = f ? f->rights_base : 0;
    *inheriting = f ? f->rights_inheriting : 0;
}

kpio_errno kpio_fd_add(wasi_ctx *ctx, wasi_handle h, uint8_t filetype, bool nonblock,
                       uint32_t *fd)
{
    wasi_fd proto;
    memset(&proto, 0, sizeof proto);
    proto.owned = true;
    proto.filetype = filetype;
    proto.handle = h;
    proto.fdflags = nonblock ? WASI_FDFLAG_NONBLOCK : 0;
    proto.rights_base = wasi_rights_for_type(filetype);
    proto.rights_inheriting = 0;
    int64_t r = wasi_fd_insert(ctx, &proto);
    if (r < 0)
        return KPIO_EMFILE;
    *fd = (uint32_t)r;
    return KPIO_OK;
}

bool kpio_preopen_get(wasi_ctx *ctx, uint32_t index, const char **name, wasi_handle *h,
                      uint64_t *rights, uint64_t *inheriting)
{
    uint32_t seen = 0;
    for (uint32_t fd = 0; fd < ctx->nfds; fd++) {
        wasi_fd *f = &ctx->fds[fd];
        if (!f->used || !f->preopen || f->filetype != WASI_FILETYPE_DIRECTORY)
            continue;
        if (seen++ == index) {
            *name = f->preopen_name;
            *h = f->handle;
            *rights = f->rights_base;
            *inheriting = f->rights_inheriting;
            return true;
        }
    }
    return false;
}

void kpio_fd_restrict(wasi_ctx *ctx, uint32_t fd, uint64_t rights, uint64_t inheriting)
{
    wasi_fd *f = wasi_fd_get(ctx, fd);
    if (f) {
        f->rights_base &= rights;
        f->rights_inheriting &= inheriting;
    }
}

kpio_errno kpio_errno_of(int64_t host_result)
{
    return host_result >= 0 ? KPIO_OK : (kpio_errno)wasi_errno(host_result);
}

void kpio_fd_close(wasi_ctx *ctx, uint32_t fd)
{
    wasi_fd_release(ctx, fd);
}
