/*
 * runtime/wasi/wasi_pathops.c — the path_* functions of
 * wasi_snapshot_preview1. Each walks its path with wasi_path_walk (which
 * keeps it inside the directory descriptor) and then asks the backend to act
 * on one name in one directory.
 */
#include "wasi_internal.h"
#include <kpio/errno.h>

#define ARG32(i) ((uint32_t)a[i])

/* Look up directory fd `fd` with `rights`, then walk its path. 0 or a WASI
 * errno; on success the caller ends with wasi_target_done. */
static int resolve(wasi_ctx *ctx, wasm_instance *inst, uint32_t fd, uint64_t rights,
                   uint32_t path, uint32_t len, bool follow, wasi_target *t)
{
    wasi_fd *dir;
    int e = wasi_fd_lookup(ctx, fd, rights, &dir);
    if (e)
        return e;
    return wasi_path_walk(ctx, inst, dir, path, len, follow, t);
}

/* With a trailing slash the target must be a directory: 0, ENOTDIR, or the
 * stat error (ENOENT when it does not exist). */
static int check_trailing_slash(wasi_ctx *ctx, const wasi_target *t)
{
    if (!t->trailing_slash)
        return 0;
    wasi_stat st;
    int r = ctx->be.stat_at(ctx->be.data, t->dir, t->name, &st);
    if (r < 0)
        return wasi_errno(r);
    return st.filetype == WASI_FILETYPE_DIRECTORY ? 0 : WASI_ENOTDIR;
}

WASI_IMPL(wasi_path_create_directory)
{
    wasi_target t;
    int e = resolve(ctx, inst, ARG32(0), WASI_RIGHT_PATH_CREATE_DIRECTORY, ARG32(1), ARG32(2),
                    false, &t);
    if (e)
        return e;
    e = wasi_errno(ctx->be.mkdir_at(ctx->be.data, t.dir, t.name));
    wasi_target_done(ctx, &t);
    return e;
}

WASI_IMPL(wasi_path_filestat_get)
{
    wasi_target t;
    int e = resolve(ctx, inst, ARG32(0), WASI_RIGHT_PATH_FILESTAT_GET, ARG32(2), ARG32(3),
                    ARG32(1) & WASI_LOOKUP_SYMLINK_FOLLOW, &t);
    if (e)
        return e;
    wasi_stat st;
    int r = ctx->be.stat_at(ctx->be.data, t.dir, t.name, &st);
    if (r < 0)
        e = wasi_errno(r);
    else if (t.trailing_slash && st.filetype != WASI_FILETYPE_DIRECTORY)
        e = WASI_ENOTDIR;
    else
        e = wasi_put_filestat(inst, ARG32(4), &st);
    wasi_target_done(ctx, &t);
    return e;
}

WASI_IMPL(wasi_path_filestat_set_times)
{
    uint32_t how = ARG32(6);
    if (how & ~(uint32_t)WASI_FSTFLAGS_ALL ||
        ((how & WASI_FSTFLAG_ATIM) && (how & WASI_FSTFLAG_ATIM_NOW)) ||
        ((how & WASI_FSTFLAG_MTIM) && (how & WASI_FSTFLAG_MTIM_NOW)))
        return WASI_EINVAL;
    wasi_target t;
    int e = resolve(ctx, inst, ARG32(0), WASI_RIGHT_PATH_FILESTAT_SET_TIMES, ARG32(2),
                    ARG32(3), ARG32(1) & WASI_LOOKUP_SYMLINK_FOLLOW, &t);
    if (e)
        return e;
    if (!(e = check_trailing_slash(ctx, &t)))
        e = wasi_errno(ctx->be.set_times(ctx->be.data, t.dir, t.name, a[4], a[5], how));
    wasi_target_done(ctx, &t);
    return e;
}

WASI_IMPL(wasi_path_link)
{
    wasi_target from, to;
    int e = resolve(ctx, inst, ARG32(0), WASI_RIGHT_PATH_LINK_SOURCE, ARG32(2), ARG32(3),
                    ARG32(1) & WASI_LOOKUP_SYMLINK_FOLLOW, &from);
    if (e)
        return e;
    e = resolve(ctx, inst, ARG32(4), WASI_RIGHT_PATH_LINK_TARGET, ARG32(5), ARG32(6), false, &to);
    if (e == 0) {
        if (from.trailing_slash || to.trailing_slash)
            e = WASI_ENOTDIR;           /* no hard links to directories */
        else
            e = wasi_errno(ctx->be.link_at(ctx->be.data, from.dir, from.name, to.dir, to.name));
        wasi_target_done(ctx, &to);
    }
    wasi_target_done(ctx, &from);
    return e;
}

/* Host open flags for path_open's oflags, fdflags and requested rights. */
static uint32_t open_flags(uint32_t oflags, uint32_t fdflags, uint64_t rights)
{
    uint32_t f = 0;
    if (rights & (WASI_RIGHT_FD_READ | WASI_RIGHT_FD_READDIR))
        f |= WASI_OPEN_READ;
    if (rights & (WASI_RIGHT_FD_DATASYNC | WASI_RIGHT_FD_WRITE | WASI_RIGHT_FD_ALLOCATE |
                  WASI_RIGHT_FD_FILESTAT_SET_SIZE))
        f |= WASI_OPEN_WRITE;
    if (oflags & WASI_OFLAG_CREAT)
        f |= WASI_OPEN_CREATE;
    if (oflags & WASI_OFLAG_EXCL)
        f |= WASI_OPEN_EXCL;
    if (oflags & WASI_OFLAG_TRUNC)
        f |= WASI_OPEN_TRUNC;
    if (oflags & WASI_OFLAG_DIRECTORY)
        f |= WASI_OPEN_DIRECTORY;
    if (fdflags & WASI_FDFLAG_APPEND)
        f |= WASI_OPEN_APPEND;
    if (fdflags & WASI_FDFLAG_NONBLOCK)
        f |= WASI_OPEN_NONBLOCK;
    if (fdflags & WASI_FDFLAG_DSYNC)
        f |= WASI_OPEN_DSYNC;
    if (fdflags & WASI_FDFLAG_SYNC)
        f |= WASI_OPEN_SYNC;
    if (fdflags & WASI_FDFLAG_RSYNC)
        f |= WASI_OPEN_RSYNC;
    return f;
}

/* path_open(fd, dirflags, path, path_len, oflags, rights_base,
 * rights_inheriting, fdflags, *fd) — witx path_open. */
WASI_IMPL(wasi_path_open)
{
    uint32_t oflags = ARG32(4), fdflags = ARG32(7);
    uint64_t base = a[5], inheriting = a[6];
    bool follow = ARG32(1) & WASI_LOOKUP_SYMLINK_FOLLOW;
    if (oflags & ~(uint32_t)WASI_OFLAGS_ALL || fdflags & ~(uint32_t)WASI_FDFLAGS_ALL)
        return WASI_EINVAL;
    uint64_t need = WASI_RIGHT_PATH_OPEN;
    if (oflags & WASI_OFLAG_CREAT)
        need |= WASI_RIGHT_PATH_CREATE_FILE;
    if (oflags & WASI_OFLAG_TRUNC)
        need |= WASI_RIGHT_PATH_FILESTAT_SET_SIZE;
    wasi_fd *dir;
    int e = wasi_fd_lookup(ctx, ARG32(0), need, &dir);
    if (e)
        return e;
    if ((base | inheriting) & ~dir->rights_inheriting)
        return WASI_ENOTCAPABLE;
    if (!wasi_mem(inst, ARG32(8), 4))
        return WASI_EFAULT;
    uint64_t dir_inheriting = dir->rights_inheriting;

    wasi_handle h;
    for (int attempt = 0;; attempt++) {
        wasi_target t;
        if ((e = wasi_path_walk(ctx, inst, dir, ARG32(2), ARG32(3), follow, &t)) != 0)
            return e;
        uint32_t flags = open_flags(oflags, fdflags, base);
        if (t.trailing_slash)
            flags |= WASI_OPEN_DIRECTORY;
        int r = ctx->be.open_at(ctx->be.data, t.dir, t.name, flags, &h);
        wasi_target_done(ctx, &t);
        /* A symlink that appeared after the walk looked: walk again. */
        if (r == -ELOOP && follow && attempt < 3)
            continue;
        if (r < 0)
            return wasi_errno(r);
        break;
    }
    wasi_stat st;
    int r = ctx->be.stat(ctx->be.data, h, &st);
    if (r < 0) {
        ctx->be.close(ctx->be.data, h);
        return wasi_errno(r);
    }
    wasi_fd f = {
        .owned = true,
        .filetype = st.filetype,
        .fdflags = (uint16_t)fdflags,
        .handle = h,
        .rights_base = base & wasi_rights_for_type(st.filetype),
        .rights_inheriting = inheriting & dir_inheriting,
    };
    int64_t fd = wasi_fd_insert(ctx, &f);
    if (fd < 0) {
        ctx->be.close(ctx->be.data, h);
        return WASI_EMFILE;
    }
    return wasi_put32(inst, ARG32(8), (uint32_t)fd);
}

WASI_IMPL(wasi_path_readlink)
{
    wasi_target t;
    int e = resolve(ctx, inst, ARG32(0), WASI_RIGHT_PATH_READLINK, ARG32(1), ARG32(2), false, &t);
    if (e)
        return e;
    uint32_t buf_len = ARG32(4);
    uint8_t *buf = wasi_mem(inst, ARG32(3), buf_len);
    char *tmp = wasi_malloc(WASI_PATH_MAX);
    if (!buf || !wasi_mem(inst, ARG32(5), 4)) {
        e = WASI_EFAULT;
    } else if (!tmp) {
        e = WASI_ENOMEM;
    } else {
        int n = ctx->be.readlink_at(ctx->be.data, t.dir, t.name, tmp, WASI_PATH_MAX);
        if (n < 0) {
            e = wasi_errno(n);
        } else {
            uint32_t copy = (uint32_t)n < buf_len ? (uint32_t)n : buf_len;
            memcpy(buf, tmp, copy);
            e = wasi_put32(inst, ARG32(5), copy);
        }
    }
    wasi_free(tmp);
    wasi_target_done(ctx, &t);
    return e;
}

WASI_IMPL(wasi_path_remove_directory)
{
    wasi_target t;
    int e = resolve(ctx, inst, ARG32(0), WASI_RIGHT_PATH_REMOVE_DIRECTORY, ARG32(1), ARG32(2),
                    false, &t);
    if (e)
        return e;
    e = wasi_errno(ctx->be.rmdir_at(ctx->be.data, t.dir, t.name));
    wasi_target_done(ctx, &t);
    return e;
}

WASI_IMPL(wasi_path_rename)
{
    wasi_target from, to;
    int e = resolve(ctx, inst, ARG32(0), WASI_RIGHT_PATH_RENAME_SOURCE, ARG32(1), ARG32(2),
                    false, &from);
    if (e)
        return e;
    e = resolve(ctx, inst, ARG32(3), WASI_RIGHT_PATH_RENAME_TARGET, ARG32(4), ARG32(5), false,
                &to);
    if (e == 0) {
        if (to.trailing_slash && !from.trailing_slash)
            from.trailing_slash = true; /* "file" -> "x/" must fail too */
        if (!(e = check_trailing_slash(ctx, &from)))
            e = wasi_errno(ctx->be.rename_at(ctx->be.data, from.dir, from.name, to.dir, to.name));
        wasi_target_done(ctx, &to);
    }
    wasi_target_done(ctx, &from);
    return e;
}

/* Would a symlink holding `target`, made `depth` directories below a
 * descriptor's directory, point above that directory? Decided on the text
 * alone, as the link may be followed later from anywhere. */
static bool target_escapes(const char *target, uint32_t depth)
{
    int64_t d = depth;
    for (const char *p = target; *p;) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == 2 && p[0] == '.' && p[1] == '.') {
            if (--d < 0)
                return true;
        } else if (len > 0 && !(len == 1 && p[0] == '.')) {
            d++;
        }
        p += len + (end != NULL);
    }
    return false;
}

WASI_IMPL(wasi_path_symlink)
{
    uint32_t len = ARG32(1);
    const uint8_t *src = wasi_mem(inst, ARG32(0), len);
    if (!src)
        return WASI_EFAULT;
    if (len == 0)
        return WASI_ENOENT;
    if (len >= WASI_PATH_MAX)
        return WASI_ENAMETOOLONG;
    if (wasi_has_nul(src, len))
        return WASI_EINVAL;
    if (src[0] == '/')
        return WASI_ENOTCAPABLE;        /* could never resolve inside a sandbox */
    /* Relative targets that climb out are refused as well (below): the walk
     * would never follow them, but other programs on the host might. */
    char *target = wasi_malloc(len + 1);
    if (!target)
        return WASI_ENOMEM;
    memcpy(target, src, len);
    target[len] = 0;
    wasi_target t;
    int e = resolve(ctx, inst, ARG32(2), WASI_RIGHT_PATH_SYMLINK, ARG32(3), ARG32(4), false, &t);
    if (e == 0) {
        if (target_escapes(target, t.depth))
            e = WASI_ENOTCAPABLE;
        else
            e = wasi_errno(ctx->be.symlink_at(ctx->be.data, target, t.dir, t.name));
        wasi_target_done(ctx, &t);
    }
    wasi_free(target);
    return e;
}

WASI_IMPL(wasi_path_unlink_file)
{
    wasi_target t;
    int e = resolve(ctx, inst, ARG32(0), WASI_RIGHT_PATH_UNLINK_FILE, ARG32(1), ARG32(2), false,
                    &t);
    if (e)
        return e;
    if (t.trailing_slash) {
        wasi_stat st;
        int r = ctx->be.stat_at(ctx->be.data, t.dir, t.name, &st);
        e = r < 0 ? wasi_errno(r)
                  : st.filetype == WASI_FILETYPE_DIRECTORY ? WASI_EISDIR : WASI_ENOTDIR;
    } else {
        e = wasi_errno(ctx->be.unlink_at(ctx->be.data, t.dir, t.name));
    }
    wasi_target_done(ctx, &t);
    return e;
}
