/*
 * runtime/kpio/kpio_net.c — sockets and name resolution for apps
 * (sdk/include/kpio.h). Sockets are WASI fds of type SOCKET_STREAM or
 * SOCKET_DGRAM in the caller's table; each call checks the fd, the
 * network permission and every guest pointer, then asks the backend.
 */
#include "kpio_internal.h"

/* The socket behind fd (and its type). */
static kpio_errno socket_of(kpio_process *self, uint32_t fd, wasi_handle *h, uint8_t *type)
{
    uint8_t t;
    kpio_errno e = kpio_fd_get(self->wasi, fd, h, &t, NULL);
    if (e != KPIO_OK)
        return e;
    if (t != KPIO_FILETYPE_SOCKET_STREAM && t != KPIO_FILETYPE_SOCKET_DGRAM)
        return KPIO_ENOTSOCK;
    if (type)
        *type = t;
    return KPIO_OK;
}

#define BE (self->sys->be)

KPIO_IMPL(kpio_h_sock_open)
{
    uint32_t family = (uint32_t)a[0], type = (uint32_t)a[1];
    uint8_t *out = kpio_mem(inst, (uint32_t)a[2], 4);
    if (!out)
        return KPIO_EFAULT;
    if (!self->perms.network)
        return KPIO_EACCES;
    if (family == KPIO_AF_INET6)
        return KPIO_EAFNOSUPPORT;
    if (family != KPIO_AF_INET)
        return KPIO_EAFNOSUPPORT;
    bool nonblock = type & KPIO_SOCK_NONBLOCK;
    type &= ~KPIO_SOCK_NONBLOCK;
    if (type != KPIO_SOCK_STREAM && type != KPIO_SOCK_DGRAM)
        return KPIO_EPROTONOSUPPORT;
    wasi_handle h;
    kpio_errno e = kpio_errno_of(BE.sock_open(BE.data, family, type, nonblock, &h));
    if (e != KPIO_OK)
        return e;
    uint32_t fd;
    uint8_t ft = type == KPIO_SOCK_STREAM ? KPIO_FILETYPE_SOCKET_STREAM : KPIO_FILETYPE_SOCKET_DGRAM;
    e = kpio_fd_add(self->wasi, h, ft, nonblock, &fd);
    if (e != KPIO_OK) {
        self->sys->wasi_be.close(self->sys->wasi_be.data, h);
        return e;
    }
    kpio_st32(out, fd);
    return KPIO_OK;
}

/* connect and bind share their shape: (fd, sockaddr*). */
static kpio_errno with_address(kpio_process *self, wasm_instance *inst, const uint64_t *a,
                               int (*op)(void *, wasi_handle, const kpio_sockaddr *))
{
    wasi_handle h;
    kpio_sockaddr addr;
    kpio_errno e = socket_of(self, (uint32_t)a[0], &h, NULL);
    if (e == KPIO_OK)
        e = kpio_get_sockaddr(inst, (uint32_t)a[1], &addr);
    if (e == KPIO_OK)
        e = kpio_errno_of(op(BE.data, h, &addr));
    return e;
}

KPIO_IMPL(kpio_h_sock_connect)
{
    return with_address(self, inst, a, BE.sock_connect);
}

KPIO_IMPL(kpio_h_sock_bind)
{
    return with_address(self, inst, a, BE.sock_bind);
}

KPIO_IMPL(kpio_h_sock_listen)
{
    (void)inst;
    wasi_handle h;
    uint8_t type;
    kpio_errno e = socket_of(self, (uint32_t)a[0], &h, &type);
    if (e != KPIO_OK)
        return e;
    if (type != KPIO_FILETYPE_SOCKET_STREAM)
        return KPIO_ENOTSUP;
    return kpio_errno_of(BE.sock_listen(BE.data, h, (uint32_t)a[1]));
}

KPIO_IMPL(kpio_h_sock_accept)
{
    uint32_t flags = (uint32_t)a[1];
    uint8_t *conn_out = kpio_mem(inst, (uint32_t)a[2], 4);
    uint32_t peer_ptr = (uint32_t)a[3];
    if (!conn_out || (peer_ptr && !kpio_mem(inst, peer_ptr, sizeof(kpio_sockaddr))))
        return KPIO_EFAULT;
    if (flags & ~KPIO_SOCK_NONBLOCK)
        return KPIO_EINVAL;
    wasi_handle h, c;
    kpio_sockaddr peer;
    memset(&peer, 0, sizeof peer);
    kpio_errno e = socket_of(self, (uint32_t)a[0], &h, NULL);
    if (e != KPIO_OK)
        return e;
    bool nonblock = flags & KPIO_SOCK_NONBLOCK;
    e = kpio_errno_of(BE.sock_accept(BE.data, h, nonblock, &c, &peer));
    if (e != KPIO_OK)
        return e;
    uint32_t fd;
    e = kpio_fd_add(self->wasi, c, KPIO_FILETYPE_SOCKET_STREAM, nonblock, &fd);
    if (e != KPIO_OK) {
        self->sys->wasi_be.close(self->sys->wasi_be.data, c);
        return e;
    }
    kpio_st32(conn_out, fd);
    if (peer_ptr)
        kpio_put_sockaddr(inst, peer_ptr, &peer);
    return KPIO_OK;
}

KPIO_IMPL(kpio_h_sock_send_to)
{
    uint32_t buf = (uint32_t)a[1], len = (uint32_t)a[2], flags = (uint32_t)a[3];
    uint32_t addr_ptr = (uint32_t)a[4];
    uint8_t *sent_out = kpio_mem(inst, (uint32_t)a[5], 4);
    const uint8_t *data = kpio_mem(inst, buf, len);
    if (!sent_out || !data)
        return KPIO_EFAULT;
    if (flags != 0)
        return KPIO_EINVAL;
    wasi_handle h;
    kpio_errno e = socket_of(self, (uint32_t)a[0], &h, NULL);
    kpio_sockaddr addr;
    if (e == KPIO_OK && addr_ptr)
        e = kpio_get_sockaddr(inst, addr_ptr, &addr);
    if (e != KPIO_OK)
        return e;
    int64_t n = BE.sock_send_to(BE.data, h, data, len, addr_ptr ? &addr : NULL);
    if (n < 0)
        return kpio_errno_of(n);
    kpio_st32(sent_out, (uint32_t)n);
    return KPIO_OK;
}

KPIO_IMPL(kpio_h_sock_recv_from)
{
    uint32_t buf = (uint32_t)a[1], len = (uint32_t)a[2], flags = (uint32_t)a[3];
    uint32_t from_ptr = (uint32_t)a[4];
    uint8_t *got_out = kpio_mem(inst, (uint32_t)a[5], 4);
    uint8_t *data = kpio_mem(inst, buf, len);
    if (!got_out || !data || (from_ptr && !kpio_mem(inst, from_ptr, sizeof(kpio_sockaddr))))
        return KPIO_EFAULT;
    if (flags & ~KPIO_MSG_PEEK)
        return KPIO_EINVAL;
    wasi_handle h;
    kpio_errno e = socket_of(self, (uint32_t)a[0], &h, NULL);
    if (e != KPIO_OK)
        return e;
    kpio_sockaddr from;
    memset(&from, 0, sizeof from);
    int64_t n = BE.sock_recv_from(BE.data, h, data, len, flags & KPIO_MSG_PEEK,
                                  from_ptr ? &from : NULL);
    if (n < 0)
        return kpio_errno_of(n);
    kpio_st32(got_out, (uint32_t)n);
    if (from_ptr)
        kpio_put_sockaddr(inst, from_ptr, &from);
    return KPIO_OK;
}

static kpio_errno address_of(kpio_process *self, wasm_instance *inst, const uint64_t *a,
                             int (*op)(void *, wasi_handle, kpio_sockaddr *))
{
    if (!kpio_mem(inst, (uint32_t)a[1], sizeof(kpio_sockaddr)))
        return KPIO_EFAULT;
    wasi_handle h;
    kpio_sockaddr addr;
    memset(&addr, 0, sizeof addr);
    kpio_errno e = socket_of(self, (uint32_t)a[0], &h, NULL);
    if (e == KPIO_OK)
        e = kpio_errno_of(op(BE.data, h, &addr));
    if (e == KPIO_OK)
        e = kpio_put_sockaddr(inst, (uint32_t)a[1], &addr);
    return e;
}

KPIO_IMPL(kpio_h_sock_local_addr)
{
    return address_of(self, inst, a, BE.sock_local_addr);
}

KPIO_IMPL(kpio_h_sock_peer_addr)
{
    return address_of(self, inst, a, BE.sock_peer_addr);
}

static bool option_known(uint32_t option)
{
    return option >= KPIO_SO_REUSEADDR && option <= KPIO_SO_BROADCAST;
}

KPIO_IMPL(kpio_h_sock_set_option)
{
    (void)inst;
    uint32_t option = (uint32_t)a[1];
    if (!option_known(option) || option == KPIO_SO_ERROR || option == KPIO_SO_TYPE)
        return KPIO_ENOPROTOOPT;
    wasi_handle h;
    kpio_errno e = socket_of(self, (uint32_t)a[0], &h, NULL);
    if (e != KPIO_OK)
        return e;
    return kpio_errno_of(BE.sock_set_option(BE.data, h, option, a[2]));
}

KPIO_IMPL(kpio_h_sock_get_option)
{
    uint32_t option = (uint32_t)a[1];
    uint8_t *out = kpio_mem(inst, (uint32_t)a[2], 8);
    if (!out)
        return KPIO_EFAULT;
    if (!option_known(option))
        return KPIO_ENOPROTOOPT;
    wasi_handle h;
    uint8_t type;
    kpio_errno e = socket_of(self, (uint32_t)a[0], &h, &type);
    if (e != KPIO_OK)
        return e;
    uint64_t v = 0;
    if (option == KPIO_SO_TYPE) {
        v = type == KPIO_FILETYPE_SOCKET_STREAM ? KPIO_SOCK_STREAM : KPIO_SOCK_DGRAM;
    } else {
        e = kpio_errno_of(BE.sock_get_option(BE.data, h, option, &v));
        if (e != KPIO_OK)
            return e;
        if (option == KPIO_SO_ERROR && v != 0)
            v = kpio_errno_of(-(int64_t)v);   /* a host errno, as a kpio one */
    }
    kpio_st64(out, v);
    return KPIO_OK;
}

KPIO_IMPL(kpio_h_resolve)
{
    uint32_t name_ptr = (uint32_t)a[0], name_len = (uint32_t)a[1], out_ptr = (uint32_t)a[2];
    uint32_t max = (uint32_t)a[3];
    uint8_t *count_out = kpio_mem(inst, (uint32_t)a[4], 4);
    const uint8_t *name = kpio_mem(inst, name_ptr, name_len);
    if (!count_out || !name || max > 64 ||
        (max && !kpio_mem(inst, out_ptr, max * (uint32_t)sizeof(kpio_sockaddr))))
        return !count_out || !name ? KPIO_EFAULT : (max > 64 ? KPIO_EINVAL : KPIO_EFAULT);
    if (!self->perms.network)
        return KPIO_EACCES;
    if (name_len == 0 || name_len > 253 || kpio_has_nul(name, name_len))
        return KPIO_EINVAL;
    char host[254];
    memcpy(host, name, name_len);
    host[name_len] = 0;
    kpio_sockaddr found[64];
    uint32_t count = 0;
    kpio_errno e = kpio_errno_of(BE.resolve(BE.data, host, found, max ? max : 1, &count));
    if (e != KPIO_OK)
        return e;
    for (uint32_t i = 0; i < count && i < max; i++)
        kpio_put_sockaddr(inst, out_ptr + i * (uint32_t)sizeof(kpio_sockaddr), &found[i]);
    kpio_st32(count_out, count);
    return KPIO_OK;
}
