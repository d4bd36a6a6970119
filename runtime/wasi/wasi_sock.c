/*
 * runtime/wasi/wasi_sock.c — sock_accept, sock_recv, sock_send and
 * sock_shutdown on sockets the embedder preopened (Preview 1 cannot create
 * or connect sockets itself).
 */
#include "wasi_internal.h"

#define ARG32(i) ((uint32_t)a[i])

static bool is_socket(const wasi_fd *f)
{
    return f->filetype == WASI_FILETYPE_SOCKET_STREAM || f->filetype == WASI_FILETYPE_SOCKET_DGRAM;
}

/* Look up a socket fd with rights: 0, EBADF, ENOTCAPABLE or ENOTSOCK. */
static int lookup_socket(wasi_ctx *ctx, uint32_t fd, uint64_t rights, wasi_fd **out)
{
    wasi_fd *f = wasi_fd_get(ctx, fd);
    if (!f)
        return WASI_EBADF;
    if (!is_socket(f))
        return WASI_ENOTSOCK;
    return wasi_fd_lookup(ctx, fd, rights, out);
}

WASI_IMPL(wasi_sock_accept)
{
    wasi_fd *f;
    int e = lookup_socket(ctx, ARG32(0), WASI_RIGHT_SOCK_ACCEPT, &f);
    if (e)
        return e;
    uint32_t flags = ARG32(1);
    if (flags & ~(uint32_t)WASI_FDFLAG_NONBLOCK)
        return WASI_EINVAL;
    if (!wasi_mem(inst, ARG32(2), 4))
        return WASI_EFAULT;
    wasi_handle h;
    int r = ctx->be.sock_accept(ctx->be.data, f->handle, flags & WASI_FDFLAG_NONBLOCK, &h);
    if (r < 0)
        return wasi_errno(r);
    wasi_fd conn = {
        .owned = true,
        .filetype = WASI_FILETYPE_SOCKET_STREAM,
        .fdflags = (uint16_t)flags,
        .handle = h,
        .rights_base = WASI_RIGHTS_SOCKET & ~WASI_RIGHT_SOCK_ACCEPT,
        .rights_inheriting = 0,
    };
    int64_t fd = wasi_fd_insert(ctx, &conn);
    if (fd < 0) {
        ctx->be.close(ctx->be.data, h);
        return WASI_EMFILE;
    }
    return wasi_put32(inst, ARG32(2), (uint32_t)fd);
}

/* sock_recv(fd, ri_data, ri_data_len, ri_flags, *ro_datalen, *ro_flags) */
WASI_IMPL(wasi_sock_recv)
{
    wasi_fd *f;
    int e = lookup_socket(ctx, ARG32(0), WASI_RIGHT_FD_READ, &f);
    if (e)
        return e;
    uint32_t flags = ARG32(3);
    if (flags & ~(uint32_t)(WASI_RIFLAG_RECV_PEEK | WASI_RIFLAG_RECV_WAITALL))
        return WASI_EINVAL;
    if (!wasi_mem(inst, ARG32(4), 4) || !wasi_mem(inst, ARG32(5), 2))
        return WASI_EFAULT;
    wasi_iov small[WASI_IOV_SMALL], *iov;
    int n;
    if (!(e = wasi_iovs_get(inst, ARG32(1), ARG32(2), small, &iov, &n))) {
        bool truncated = false;
        int64_t r = ctx->be.sock_recv(ctx->be.data, f->handle, iov, n,
                                      flags & WASI_RIFLAG_RECV_PEEK,
                                      flags & WASI_RIFLAG_RECV_WAITALL, &truncated);
        if (r < 0) {
            e = wasi_errno(r);
        } else {
            wasi_put32(inst, ARG32(4), (uint32_t)r);
            wasi_st16(wasi_mem(inst, ARG32(5), 2),
                      truncated ? WASI_ROFLAG_RECV_DATA_TRUNCATED : 0);
        }
    }
    wasi_iovs_put(iov, small);
    return e;
}

/* sock_send(fd, si_data, si_data_len, si_flags, *so_datalen); no siflags
 * are defined. */
WASI_IMPL(wasi_sock_send)
{
    wasi_fd *f;
    int e = lookup_socket(ctx, ARG32(0), WASI_RIGHT_FD_WRITE, &f);
    if (e)
        return e;
    if (!wasi_mem(inst, ARG32(4), 4))
        return WASI_EFAULT;
    wasi_iov small[WASI_IOV_SMALL], *iov;
    int n;
    if (!(e = wasi_iovs_get(inst, ARG32(1), ARG32(2), small, &iov, &n))) {
        int64_t r = ctx->be.sock_send(ctx->be.data, f->handle, iov, n);
        e = r < 0 ? wasi_errno(r) : wasi_put32(inst, ARG32(4), (uint32_t)r);
    }
    wasi_iovs_put(iov, small);
    return e;
}

WASI_IMPL(wasi_sock_shutdown)
{
    (void)inst;
    wasi_fd *f;
    int e = lookup_socket(ctx, ARG32(0), WASI_RIGHT_SOCK_SHUTDOWN, &f);
    if (e)
        return e;
    uint32_t how = ARG32(1);
    if (how == 0 || how & ~(uint32_t)(WASI_SDFLAG_RD | WASI_SDFLAG_WR))
        return WASI_EINVAL;
    return wasi_errno(ctx->be.sock_shutdown(ctx->be.data, f->handle, how & WASI_SDFLAG_RD,
                                            how & WASI_SDFLAG_WR));
}
