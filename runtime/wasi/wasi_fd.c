/*
 * runtime/wasi/wasi_fd.c — the fd_* functions of wasi_snapshot_preview1:
 * reading, writing, seeking, metadata, directory listing and the descriptor
 * table operations. Arguments arrive as 64-bit slots in witx order.
 */
#include "wasi_internal.h"
#include <kpio/errno.h>

#define ARG32(i) ((uint32_t)a[i])

WASI_IMPL(wasi_fd_advise)
{
    (void)inst;
    wasi_fd *f;
    int e = wasi_fd_lookup(ctx, ARG32(0), WASI_RIGHT_FD_ADVISE, &f);
    if (e)
        return e;
    if (ARG32(3) > WASI_ADVICE_MAX)
        return WASI_EINVAL;
    if (f->filetype == WASI_FILETYPE_DIRECTORY)
        return WASI_EBADF;
    return wasi_errno(ctx->be.advise(ctx->be.data, f->handle, a[1], a[2], (int)ARG32(3)));
}

WASI_IMPL(wasi_fd_allocate)
{
    (void)inst;
    wasi_fd *f;
    int e = wasi_fd_lookup(ctx, ARG32(0), WASI_RIGHT_FD_ALLOCATE, &f);
    if (e)
        return e;
    if (a[1] > INT64_MAX || a[2] > INT64_MAX || a[1] + a[2] > INT64_MAX)
        return WASI_EFBIG;
    if (a[2] == 0)
        return WASI_EINVAL;
    return wasi_errno(ctx->be.allocate(ctx->be.data, f->handle, a[1], a[2]));
}

WASI_IMPL(wasi_fd_close)
{
    (void)inst;
    return wasi_fd_release(ctx, ARG32(0));
}

WASI_IMPL(wasi_fd_datasync)
{
    (void)inst;
    wasi_fd *f;
    int e = wasi_fd_lookup(ctx, ARG32(0), WASI_RIGHT_FD_DATASYNC, &f);
    return e ? e : wasi_errno(ctx->be.sync(ctx->be.data, f->handle, true));
}

WASI_IMPL(wasi_fd_sync)
{
    (void)inst;
    wasi_fd *f;
    int e = wasi_fd_lookup(ctx, ARG32(0), WASI_RIGHT_FD_SYNC, &f);
    return e ? e : wasi_errno(ctx->be.sync(ctx->be.data, f->handle, false));
}

WASI_IMPL(wasi_fd_fdstat_get)
{
    wasi_fd *f;
    int e = wasi_fd_lookup(ctx, ARG32(0), 0, &f);
    if (e)
        return e;
    uint8_t *p = wasi_mem(inst, ARG32(1), WASI_FDSTAT_SIZE);
    if (!p)
        return WASI_EFAULT;
    memset(p, 0, WASI_FDSTAT_SIZE);
    wasi_st8(p, f->filetype);
    wasi_st16(p + 2, f->fdflags);
    wasi_st64(p + 8, f->rights_base);
    wasi_st64(p + 16, f->rights_inheriting);
    return 0;
}

WASI_IMPL(wasi_fd_fdstat_set_flags)
{
    (void)inst;
    wasi_fd *f;
    int e = wasi_fd_lookup(ctx, ARG32(0), WASI_RIGHT_FD_FDSTAT_SET_FLAGS, &f);
    if (e)
        return e;
    uint32_t flags = ARG32(1);
    if (flags & ~(uint32_t)WASI_FDFLAGS_ALL)
        return WASI_EINVAL;
    /* The sync flags are chosen at open time; they cannot change later. */
    uint32_t fixed = WASI_FDFLAG_DSYNC | WASI_FDFLAG_RSYNC | WASI_FDFLAG_SYNC;
    if ((flags & fixed) != (f->fdflags & fixed))
        return WASI_ENOTSUP;
    uint32_t host = (flags & WASI_FDFLAG_APPEND ? WASI_OPEN_APPEND : 0) |
                    (flags & WASI_FDFLAG_NONBLOCK ? WASI_OPEN_NONBLOCK : 0);
    int r = ctx->be.set_flags(ctx->be.data, f->handle, host);
    if (r < 0)
        return wasi_errno(r);
    f->fdflags = (uint16_t)flags;
    return 0;
}

WASI_IMPL(wasi_fd_fdstat_set_rights)
{
    (void)inst;
    wasi_fd *f = wasi_fd_get(ctx, ARG32(0));
    if (!f)
        return WASI_EBADF;
    if ((a[1] & ~f->rights_base) || (a[2] & ~f->rights_inheriting))
        return WASI_ENOTCAPABLE;    /* rights can only be dropped */
    f->rights_base = a[1];
    f->rights_inheriting = a[2];
    return 0;
}

WASI_IMPL(wasi_fd_filestat_get)
{
    wasi_fd *f;
    int e = wasi_fd_lookup(ctx, ARG32(0), WASI_RIGHT_FD_FILESTAT_GET, &f);
    if (e)
        return e;
    wasi_stat st;
    int r = ctx->be.stat(ctx->be.data, f->handle, &st);
    if (r < 0)
        return wasi_errno(r);
    return wasi_put_filestat(inst, ARG32(1), &st);
}

WASI_IMPL(wasi_fd_filestat_set_size)
{
    (void)inst;
    wasi_fd *f;
    int e = wasi_fd_lookup(ctx, ARG32(0), WASI_RIGHT_FD_FILESTAT_SET_SIZE, &f);
    if (e)
        return e;
    if (a[1] > INT64_MAX)
        return WASI_EINVAL;
    return wasi_errno(ctx->be.set_size(ctx->be.data, f->handle, a[1]));
}

/* Check an fstflags value: known bits only, never a time and "now" together. */
static bool fstflags_valid(uint32_t how)
{
    if (how & ~(uint32_t)WASI_FSTFLAGS_ALL)
        return false;
    if ((how & WASI_FSTFLAG_ATIM) && (how & WASI_FSTFLAG_ATIM_NOW))
        return false;
    if ((how & WASI_FSTFLAG_MTIM) && (how & WASI_FSTFLAG_MTIM_NOW))
        return false;
    return true;
}

WASI_IMPL(wasi_fd_filestat_set_times)
{
    (void)inst;
    wasi_fd *f;
    int e = wasi_fd_lookup(ctx, ARG32(0), WASI_RIGHT_FD_FILESTAT_SET_TIMES, &f);
    if (e)
        return e;
    if (!fstflags_valid(ARG32(3)))
        return WASI_EINVAL;
    return wasi_errno(ctx->be.set_times(ctx->be.data, f->handle, NULL, a[1], a[2], ARG32(3)));
}

/* fd_read, fd_pread, fd_write and fd_pwrite in one: the iovecs at a[1],
 * a[2]; `offset` < 0 for the current position; count stored at `count_ptr`. */
static int transfer(wasi_ctx *ctx, wasm_instance *inst, const uint64_t *a, bool write,
                    int64_t offset, uint32_t count_ptr)
{
    uint64_t rights = write ? WASI_RIGHT_FD_WRITE : WASI_RIGHT_FD_READ;
    if (offset >= 0)
        rights |= WASI_RIGHT_FD_SEEK;
    wasi_fd *f;
    int e = wasi_fd_lookup(ctx, ARG32(0), rights, &f);
    if (e)
        return e;
    if (f->filetype == WASI_FILETYPE_DIRECTORY)
        return WASI_EISDIR;
    wasi_iov small[WASI_IOV_SMALL], *iov;
    int n;
    if ((e = wasi_iovs_get(inst, ARG32(1), ARG32(2), small, &iov, &n)) == 0 &&
        !wasi_mem(inst, count_ptr, 4))
        e = WASI_EFAULT;
    if (e == 0) {
        int64_t r = write ? ctx->be.writev(ctx->be.data, f->handle, iov, n, offset)
                          : ctx->be.readv(ctx->be.data, f->handle, iov, n, offset);
        e = r < 0 ? wasi_errno(r) : wasi_put32(inst, count_ptr, (uint32_t)r);
    }
    wasi_iovs_put(iov, small);
    return e;
}

WASI_IMPL(wasi_fd_read)
{
    return transfer(ctx, inst, a, false, -1, ARG32(3));
}

WASI_IMPL(wasi_fd_write)
{
    return transfer(ctx, inst, a, true, -1, ARG32(3));
}

WASI_IMPL(wasi_fd_pread)
{
    if (a[3] > INT64_MAX)
        return WASI_EINVAL;
    return transfer(ctx, inst, a, false, (int64_t)a[3], ARG32(4));
}

WASI_IMPL(wasi_fd_pwrite)
{
    if (a[3] > INT64_MAX)
        return WASI_EINVAL;
    return transfer(ctx, inst, a, true, (int64_t)a[3], ARG32(4));
}

WASI_IMPL(wasi_fd_prestat_get)
{
    wasi_fd *f = wasi_fd_get(ctx, ARG32(0));
    if (!f || !f->preopen)
        return WASI_EBADF;
    uint8_t *p = wasi_mem(inst, ARG32(1), WASI_PRESTAT_SIZE);
    if (!p)
        return WASI_EFAULT;
    memset(p, 0, WASI_PRESTAT_SIZE);
    wasi_st8(p, WASI_PREOPENTYPE_DIR);
    wasi_st32(p + 4, (uint32_t)strlen(f->preopen_name));
    return 0;
}

WASI_IMPL(wasi_fd_prestat_dir_name)
{
    wasi_fd *f = wasi_fd_get(ctx, ARG32(0));
    if (!f || !f->preopen)
        return WASI_EBADF;
    size_t len = strlen(f->preopen_name);
    if (ARG32(2) < len)
        return WASI_ENAMETOOLONG;
    uint8_t *p = wasi_mem(inst, ARG32(1), len);
    if (!p)
        return WASI_EFAULT;
    memcpy(p, f->preopen_name, len);
    return 0;
}

/* Where fd_readdir writes its entries. */
typedef struct readdir_out {
    uint8_t *buf;
    uint32_t size, used;
} readdir_out;

/* Append one dirent (header, then name) to the output; the last one may be
 * cut short, which tells the guest the buffer was full (witx fd_readdir). */
static bool readdir_emit(void *arg, const wasi_dirent *e)
{
    readdir_out *o = arg;
    uint8_t head[WASI_DIRENT_SIZE] = { 0 };
    wasi_st64(head, e->next);
    wasi_st64(head + 8, e->ino);
    wasi_st32(head + 16, (uint32_t)e->namelen);
    wasi_st8(head + 20, e->filetype);
    uint32_t room = o->size - o->used;
    uint32_t n = room < WASI_DIRENT_SIZE ? room : WASI_DIRENT_SIZE;
    memcpy(o->buf + o->used, head, n);
    o->used += n;
    room -= n;
    n = room < e->namelen ? room : (uint32_t)e->namelen;
    memcpy(o->buf + o->used, e->name, n);
    o->used += n;
    return o->used < o->size;
}

WASI_IMPL(wasi_fd_readdir)
{
    wasi_fd *f;
    int e = wasi_fd_lookup(ctx, ARG32(0), WASI_RIGHT_FD_READDIR, &f);
    if (e)
        return e;
    if (f->filetype != WASI_FILETYPE_DIRECTORY)
        return WASI_ENOTDIR;
    readdir_out o = { .buf = wasi_mem(inst, ARG32(1), ARG32(2)), .size = ARG32(2) };
    if (!o.buf || !wasi_mem(inst, ARG32(4), 4))
        return WASI_EFAULT;
    if (o.size > 0) {
        int r = ctx->be.readdir(ctx->be.data, f->handle, a[3], readdir_emit, &o);
        if (r < 0)
            return wasi_errno(r);
    }
    return wasi_put32(inst, ARG32(4), o.used);
}

WASI_IMPL(wasi_fd_renumber)
{
    (void)inst;
    uint32_t from = ARG32(0), to = ARG32(1);
    wasi_fd *f = wasi_fd_get(ctx, from);
    if (!f || !wasi_fd_get(ctx, to))
        return WASI_EBADF;
    if (from == to)
        return 0;
    wasi_fd moved = *f;
    memset(f, 0, sizeof(*f));           /* from is gone, its handle lives on in to */
    wasi_fd_release(ctx, to);
    ctx->fds[to] = moved;
    return 0;
}

WASI_IMPL(wasi_fd_seek)
{
    int64_t offset = (int64_t)a[1];
    uint32_t whence = ARG32(2);
    uint64_t right = (offset == 0 && whence == WASI_WHENCE_CUR) ? WASI_RIGHT_FD_TELL
                                                                : WASI_RIGHT_FD_SEEK;
    wasi_fd *f;
    int e = wasi_fd_lookup(ctx, ARG32(0), right, &f);
    if (e)
        return e;
    if (whence > WASI_WHENCE_END)
        return WASI_EINVAL;
    if (!wasi_mem(inst, ARG32(3), 8))
        return WASI_EFAULT;
    int64_t r = ctx->be.seek(ctx->be.data, f->handle, offset, (int)whence);
    if (r < 0)
        return wasi_errno(r);
    return wasi_put64(inst, ARG32(3), (uint64_t)r);
}

WASI_IMPL(wasi_fd_tell)
{
    wasi_fd *f;
    int e = wasi_fd_lookup(ctx, ARG32(0), WASI_RIGHT_FD_TELL, &f);
    if (e)
        return e;
    if (!wasi_mem(inst, ARG32(1), 8))
        return WASI_EFAULT;
    int64_t r = ctx->be.seek(ctx->be.data, f->handle, 0, WASI_WHENCE_CUR);
    if (r < 0)
        return wasi_errno(r);
    return wasi_put64(inst, ARG32(1), (uint64_t)r);
}
