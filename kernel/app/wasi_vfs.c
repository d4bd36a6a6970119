/*
 * kernel/app/wasi_vfs.c — the file half of the kernel's WASI backend
 * (runtime/wasi/wasi_backend.h) over the VFS.
 *
 * The portable WASI core walks guest paths itself and asks this file about
 * one name in one directory at a time, never to follow a symbolic link; so
 * every call here passes VFS_O_NOFOLLOW/VFS_NOFOLLOW and, as a second line
 * of defence, VFS_RESOLVE_BENEATH (a name that would climb out of the
 * directory fails with -EXDEV). Handles are struct handle (handle.c).
 */
#include "app/app.h"
#include "fs/vfs.h"
#include "lib/lib.h"
#include "mm/mm.h"
#include "wasi_abi.h"

#define BENEATH (VFS_RESOLVE_BENEATH | VFS_NOFOLLOW)

/* The VFS file behind a handle, or NULL if it is not a file. */
static struct vfs_file *file_of(wasi_handle h)
{
    struct handle *hd = handle_of(h);
    return hd && hd->kind == HANDLE_FILE ? hd->u.file : NULL;
}

static uint8_t filetype_of(uint32_t vfs_type)
{
    switch (vfs_type) {
    case VFS_REG: return WASI_FILETYPE_REGULAR_FILE;
    case VFS_DIR: return WASI_FILETYPE_DIRECTORY;
    case VFS_LNK: return WASI_FILETYPE_SYMBOLIC_LINK;
    case VFS_CHR: return WASI_FILETYPE_CHARACTER_DEVICE;
    case VFS_BLK: return WASI_FILETYPE_BLOCK_DEVICE;
    default: return WASI_FILETYPE_UNKNOWN;
    }
}

static void convert_stat(const struct vfs_stat *s, wasi_stat *st)
{
    st->dev = s->dev;
    st->ino = s->ino;
    st->nlink = s->nlink;
    st->size = s->size;
    st->atim = s->atime_ns > 0 ? (uint64_t)s->atime_ns : 0;
    st->mtim = s->mtime_ns > 0 ? (uint64_t)s->mtime_ns : 0;
    st->ctim = s->ctime_ns > 0 ? (uint64_t)s->ctime_ns : 0;
    st->filetype = filetype_of(s->type);
}

static int k_open_at(void *data, wasi_handle dir, const char *name, uint32_t flags,
                     wasi_handle *out)
{
    (void)data;
    struct vfs_file *d = file_of(dir);
    if (!d)
        return -ENOTDIR;
    uint32_t o = VFS_O_NOFOLLOW | VFS_RESOLVE_BENEATH;
    if (flags & WASI_OPEN_SEARCH)
        o |= VFS_O_RDONLY;
    else if ((flags & WASI_OPEN_READ) && (flags & WASI_OPEN_WRITE))
        o |= VFS_O_RDWR;
    else if (flags & WASI_OPEN_WRITE)
        o |= VFS_O_WRONLY;
    else
        o |= VFS_O_RDONLY;
    if (flags & WASI_OPEN_CREATE)
        o |= VFS_O_CREAT;
    if (flags & WASI_OPEN_EXCL)
        o |= VFS_O_EXCL;
    if (flags & WASI_OPEN_TRUNC)
        o |= VFS_O_TRUNC;
    if (flags & WASI_OPEN_DIRECTORY)
        o |= VFS_O_DIRECTORY;
    if (flags & WASI_OPEN_APPEND)
        o |= VFS_O_APPEND;
    struct handle *h = handle_new(HANDLE_FILE);
    if (!h)
        return -ENOMEM;
    int rc = vfs_open(d, name, o, 0666, &h->u.file);
    if (rc < 0) {
        h->kind = HANDLE_NULL;
        handle_put(h);
        return rc;
    }
    if (flags & WASI_OPEN_NONBLOCK)
        h->flags |= HANDLE_NONBLOCK;
    if (flags & WASI_OPEN_APPEND)
        h->flags |= HANDLE_APPEND;
    *out = handle_value(h);
    return 0;
}

static int k_close(void *data, wasi_handle h)
{
    (void)data;
    if (h == -1 || !h)
        return -EBADF;
    handle_put(handle_of(h));
    return 0;
}

static int64_t k_seek(void *data, wasi_handle h, int64_t off, int whence)
{
    (void)data;
    struct vfs_file *f = file_of(h);
    if (!f)
        return -ESPIPE;
    static const int map[] = { VFS_SEEK_SET, VFS_SEEK_CUR, VFS_SEEK_END };
    if (whence < 0 || whence > 2)
        return -EINVAL;
    return vfs_seek(f, off, map[whence]);
}

static int k_sync(void *data, wasi_handle h, bool data_only)
{
    (void)data;
    (void)data_only;
    struct vfs_file *f = file_of(h);
    return f ? vfs_fsync(f) : -EINVAL;
}

static int k_advise(void *data, wasi_handle h, uint64_t off, uint64_t len, int advice)
{
    (void)data;
    (void)off;
    (void)len;
    (void)advice;
    /* Advice changes nothing here (the block cache reads ahead by itself). */
    return file_of(h) ? 0 : -ESPIPE;
}

static int k_allocate(void *data, wasi_handle h, uint64_t off, uint64_t len)
{
    (void)data;
    struct vfs_file *f = file_of(h);
    if (!f)
        return -ESPIPE;
    if (off + len < off)
        return -EFBIG;
    struct vfs_stat st;
    int rc = vfs_fstat(f, &st);
    if (rc < 0)
        return rc;
    /* posix_fallocate: the file is at least off+len long afterwards */
    return st.size >= off + len ? 0 : vfs_ftruncate(f, off + len);
}

static int k_stat(void *data, wasi_handle h, wasi_stat *st)
{
    (void)data;
    struct handle *hd = handle_of(h);
    if (!hd || h == -1)
        return -EBADF;
    memset(st, 0, sizeof *st);
    switch (hd->kind) {
    case HANDLE_FILE: {
        struct vfs_stat s;
        int rc = vfs_fstat(hd->u.file, &s);
        if (rc == 0)
            convert_stat(&s, st);
        return rc;
    }
    case HANDLE_TTY:
        st->filetype = WASI_FILETYPE_CHARACTER_DEVICE;
        break;
    case HANDLE_SOCKET:
        st->filetype = hd->u.s.type == KPIO_SOCK_DGRAM ? WASI_FILETYPE_SOCKET_DGRAM
                                                       : WASI_FILETYPE_SOCKET_STREAM;
        break;
    default:
        st->filetype = WASI_FILETYPE_UNKNOWN;   /* pipes, the null stream: not terminals */
        break;
    }
    st->nlink = 1;
    st->ino = (uint64_t)(uintptr_t)hd;
    return 0;
}

static int k_stat_at(void *data, wasi_handle dir, const char *name, wasi_stat *st)
{
    (void)data;
    struct vfs_file *d = file_of(dir);
    if (!d)
        return -ENOTDIR;
    struct vfs_stat s;
    int rc = vfs_stat(d, name, BENEATH, &s);
    if (rc == 0)
        convert_stat(&s, st);
    return rc;
}

static int k_set_size(void *data, wasi_handle h, uint64_t size)
{
    (void)data;
    struct vfs_file *f = file_of(h);
    return f ? vfs_ftruncate(f, size) : -EINVAL;
}

static int64_t time_arg(uint64_t ns, uint32_t how, uint32_t set, uint32_t now)
{
    if (how & now)
        return VFS_TIME_NOW;
    if (how & set)
        return ns > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)ns;
    return VFS_TIME_OMIT;
}

static int k_set_times(void *data, wasi_handle h, const char *name, uint64_t atim,
                       uint64_t mtim, uint32_t how)
{
    (void)data;
    struct vfs_file *f = file_of(h);
    if (!f)
        return name ? -ENOTDIR : -EBADF;
    int64_t a = time_arg(atim, how, WASI_TIME_ATIM, WASI_TIME_ATIM_NOW);
    int64_t m = time_arg(mtim, how, WASI_TIME_MTIM, WASI_TIME_MTIM_NOW);
    return name ? vfs_set_times(f, name, BENEATH, a, m) : vfs_fset_times(f, a, m);
}

static int k_set_flags(void *data, wasi_handle h, uint32_t flags)
{
    (void)data;
    struct handle *hd = handle_of(h);
    if (!hd || h == -1)
        return -EBADF;
    uint32_t f = 0;
    if (flags & WASI_OPEN_APPEND)
        f |= HANDLE_APPEND;
    if (flags & WASI_OPEN_NONBLOCK)
        f |= HANDLE_NONBLOCK;
    hd->flags = f;
    if (hd->kind == HANDLE_FILE) {
        /* the VFS appends by the open flag */
        struct vfs_file *file = hd->u.file;
        mutex_lock(&file->lock);
        file->flags = (file->flags & ~VFS_O_APPEND) | (f & HANDLE_APPEND ? VFS_O_APPEND : 0);
        mutex_unlock(&file->lock);
    }
    return 0;
}

static int k_readdir(void *data, wasi_handle dir, uint64_t cookie, wasi_dirent_fn fn, void *arg)
{
    (void)data;
    struct vfs_file *d = file_of(dir);
    if (!d)
        return -ENOTDIR;
    struct vfs_dirent *e = kmalloc(sizeof *e);
    if (!e)
        return -ENOMEM;
    int rc = vfs_seekdir(d, cookie);
    while (rc == 0) {
        rc = vfs_readdir(d, e);
        if (rc <= 0)
            break;
        wasi_dirent we = {
            .next = e->next_cookie, .ino = e->ino, .filetype = filetype_of(e->type),
            .name = e->name, .namelen = strlen(e->name),
        };
        rc = 0;
        if (!fn(arg, &we))
            break;
    }
    kfree(e);
    return rc < 0 ? rc : 0;
}

static int k_mkdir_at(void *data, wasi_handle dir, const char *name)
{
    (void)data;
    struct vfs_file *d = file_of(dir);
    return d ? vfs_mkdir(d, name, BENEATH, 0777) : -ENOTDIR;
}

static int k_rmdir_at(void *data, wasi_handle dir, const char *name)
{
    (void)data;
    struct vfs_file *d = file_of(dir);
    return d ? vfs_rmdir(d, name, BENEATH) : -ENOTDIR;
}

static int k_unlink_at(void *data, wasi_handle dir, const char *name)
{
    (void)data;
    struct vfs_file *d = file_of(dir);
    return d ? vfs_unlink(d, name, BENEATH) : -ENOTDIR;
}

static int k_rename_at(void *data, wasi_handle od, const char *on, wasi_handle nd, const char *nn)
{
    (void)data;
    struct vfs_file *a = file_of(od), *b = file_of(nd);
    return a && b ? vfs_rename(a, on, b, nn, BENEATH) : -ENOTDIR;
}

static int k_link_at(void *data, wasi_handle od, const char *on, wasi_handle nd, const char *nn)
{
    (void)data;
    struct vfs_file *a = file_of(od), *b = file_of(nd);
    return a && b ? vfs_link(a, on, b, nn, BENEATH) : -ENOTDIR;
}

static int k_symlink_at(void *data, const char *target, wasi_handle dir, const char *name)
{
    (void)data;
    struct vfs_file *d = file_of(dir);
    return d ? vfs_symlink(target, d, name, BENEATH) : -ENOTDIR;
}

static int k_readlink_at(void *data, wasi_handle dir, const char *name, char *buf, size_t len)
{
    (void)data;
    struct vfs_file *d = file_of(dir);
    return d ? vfs_readlink(d, name, BENEATH, buf, len) : -ENOTDIR;
}

void app_wasi_backend_vfs(wasi_backend *b)
{
    b->open_at = k_open_at;
    b->close = k_close;
    b->seek = k_seek;
    b->sync = k_sync;
    b->advise = k_advise;
    b->allocate = k_allocate;
    b->stat = k_stat;
    b->stat_at = k_stat_at;
    b->set_size = k_set_size;
    b->set_times = k_set_times;
    b->set_flags = k_set_flags;
    b->readdir = k_readdir;
    b->mkdir_at = k_mkdir_at;
    b->rmdir_at = k_rmdir_at;
    b->unlink_at = k_unlink_at;
    b->rename_at = k_rename_at;
    b->link_at = k_link_at;
    b->symlink_at = k_symlink_at;
    b->readlink_at = k_readlink_at;
}
