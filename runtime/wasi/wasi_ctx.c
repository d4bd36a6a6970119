/*
 * runtime/wasi/wasi_ctx.c — the WASI context: arguments, environment, the
 * guest's descriptor table with its rights, and the setup calls an embedder
 * makes before instantiating.
 */
#include "wasi_internal.h"
#include <kpio/errno.h>

wasi_ctx *wasi_ctx_new(const wasi_backend *backend)
{
    wasi_ctx *ctx = wasi_calloc(1, sizeof(*ctx));
    if (!ctx)
        return NULL;
    ctx->be = *backend;
    ctx->nfds = 16;
    ctx->fds = wasi_calloc(ctx->nfds, sizeof(wasi_fd));
    if (!ctx->fds) {
        wasi_free(ctx);
        return NULL;
    }
    return ctx;
}

static void free_strings(char **v, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        wasi_free(v[i]);
    wasi_free(v);
}

void wasi_ctx_free(wasi_ctx *ctx)
{
    if (!ctx)
        return;
    for (uint32_t fd = 0; fd < ctx->nfds; fd++)
        if (ctx->fds[fd].used)
            wasi_fd_release(ctx, fd);
    wasi_free(ctx->fds);
    free_strings(ctx->argv, ctx->argc);
    free_strings(ctx->env, ctx->envc);
    wasi_free(ctx);
}

static char *dup_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = wasi_malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* Append a copy of s to the vector *v of *n strings. 0 or -ENOMEM. */
static int push_string(char ***v, uint32_t *n, const char *s)
{
    char **grown = wasi_realloc(*v, (*n + 1) * sizeof(char *));
    if (!grown)
        return -ENOMEM;
    *v = grown;
    if (!(grown[*n] = dup_string(s)))
        return -ENOMEM;
    (*n)++;
    return 0;
}

int wasi_ctx_set_args(wasi_ctx *ctx, int argc, const char *const *argv)
{
    free_strings(ctx->argv, ctx->argc);
    ctx->argv = NULL;
    ctx->argc = 0;
    for (int i = 0; i < argc; i++)
        if (push_string(&ctx->argv, &ctx->argc, argv[i]) < 0)
            return -ENOMEM;
    return 0;
}

int wasi_ctx_add_env(wasi_ctx *ctx, const char *key_value)
{
    if (!strchr(key_value, '='))
        return -EINVAL;
    return push_string(&ctx->env, &ctx->envc, key_value);
}

wasi_fd *wasi_fd_get(wasi_ctx *ctx, uint32_t fd)
{
    if (fd >= ctx->nfds || !ctx->fds[fd].used)
        return NULL;
    return &ctx->fds[fd];
}

int wasi_fd_lookup(wasi_ctx *ctx, uint32_t fd, uint64_t rights, wasi_fd **out)
{
    wasi_fd *f = wasi_fd_get(ctx, fd);
    if (!f)
        return WASI_EBADF;
    if ((f->rights_base & rights) != rights)
        return WASI_ENOTCAPABLE;
    *out = f;
    return 0;
}

/* Make the table at least `want` slots long. 0 or -ENOMEM. */
static int grow_table(wasi_ctx *ctx, uint32_t want)
{
    if (want <= ctx->nfds)
        return 0;
    uint32_t n = ctx->nfds;
    while (n < want)
        n *= 2;
    wasi_fd *fds = wasi_realloc(ctx->fds, n * sizeof(wasi_fd));
    if (!fds)
        return -ENOMEM;
    memset(fds + ctx->nfds, 0, (n - ctx->nfds) * sizeof(wasi_fd));
    ctx->fds = fds;
    ctx->nfds = n;
    return 0;
}

int64_t wasi_fd_insert(wasi_ctx *ctx, const wasi_fd *proto)
{
    uint32_t fd = 0;
    while (fd < ctx->nfds && ctx->fds[fd].used)
        fd++;
    if (fd >= WASI_MAX_FDS || grow_table(ctx, fd + 1) < 0)
        return -1;
    ctx->fds[fd] = *proto;
    ctx->fds[fd].used = true;
    return fd;
}

int wasi_fd_release(wasi_ctx *ctx, uint32_t fd)
{
    wasi_fd *f = wasi_fd_get(ctx, fd);
    if (!f)
        return WASI_EBADF;
    int r = 0;
    if (f->owned)
        r = ctx->be.close(ctx->be.data, f->handle);
    wasi_free(f->preopen_name);
    memset(f, 0, sizeof(*f));
    return r < 0 ? wasi_errno(r) : 0;
}

/* Rights a descriptor of this type may hold at most. */
uint64_t wasi_rights_for_type(uint8_t filetype)
{
    switch (filetype) {
    case WASI_FILETYPE_DIRECTORY: return WASI_RIGHTS_DIRECTORY;
    case WASI_FILETYPE_REGULAR_FILE: return WASI_RIGHTS_REGULAR_FILE;
    case WASI_FILETYPE_SOCKET_STREAM:
    case WASI_FILETYPE_SOCKET_DGRAM: return WASI_RIGHTS_SOCKET;
    default: return WASI_RIGHTS_CHARACTER_DEVICE;
    }
}

int wasi_ctx_set_stdio(wasi_ctx *ctx, int fd, wasi_handle h, bool owned)
{
    if (fd < 0 || fd > 2)
        return -EINVAL;
    if (ctx->fds[fd].used)
        wasi_fd_release(ctx, (uint32_t)fd);
    wasi_stat st;
    uint8_t type = WASI_FILETYPE_CHARACTER_DEVICE;
    if (ctx->be.stat(ctx->be.data, h, &st) == 0)
        type = st.filetype;
    wasi_fd *f = &ctx->fds[fd];
    memset(f, 0, sizeof(*f));
    f->used = true;
    f->owned = owned;
    f->handle = h;
    f->filetype = type;
    f->rights_base = wasi_rights_for_type(type);
    f->rights_inheriting = 0;
    return 0;
}

/* Make sure fds 0-2 are taken before preopens go in, so that preopens start
 * at 3 as wasi-libc expects. */
static void reserve_stdio(wasi_ctx *ctx)
{
    for (int fd = 0; fd < 3; fd++)
        if (!ctx->fds[fd].used) {
            ctx->fds[fd].used = true;   /* closed stdio: EBADF on use */
            ctx->fds[fd].rights_base = 0;
            ctx->fds[fd].filetype = WASI_FILETYPE_UNKNOWN;
            ctx->fds[fd].handle = -1;
        }
}

int wasi_ctx_preopen_dir(wasi_ctx *ctx, wasi_handle dir, const char *guest_name)
{
    reserve_stdio(ctx);
    wasi_fd f = {
        .owned = true,
        .preopen = true,
        .filetype = WASI_FILETYPE_DIRECTORY,
        .handle = dir,
        .rights_base = WASI_RIGHTS_DIRECTORY,
        .rights_inheriting = WASI_RIGHTS_DIRECTORY | WASI_RIGHTS_REGULAR_FILE,
        .preopen_name = dup_string(guest_name),
    };
    int64_t fd = f.preopen_name ? wasi_fd_insert(ctx, &f) : -1;
    if (fd < 0) {
        wasi_free(f.preopen_name);
        ctx->be.close(ctx->be.data, dir);
        return -ENOMEM;
    }
    return (int)fd;
}

int wasi_ctx_preopen_socket(wasi_ctx *ctx, wasi_handle sock)
{
    reserve_stdio(ctx);
    wasi_fd f = {
        .owned = true,
        .filetype = WASI_FILETYPE_SOCKET_STREAM,
        .handle = sock,
        .rights_base = WASI_RIGHTS_SOCKET,
        .rights_inheriting = WASI_RIGHTS_SOCKET,
    };
    int64_t fd = wasi_fd_insert(ctx, &f);
    if (fd < 0) {
        ctx->be.close(ctx->be.data, sock);
        return -ENOMEM;
    }
    return (int)fd;
}

int wasi_ctx_raised_signal(const wasi_ctx *ctx)
{
    return ctx->raised_signal;
}

static int iovs_decode(wasm_instance *inst, uint32_t iovs, uint32_t count, wasi_iov *out,
                       int *n_out)
{
    if (count > WASI_IOV_MAX)
        return WASI_EINVAL;
    const uint8_t *p = wasi_mem(inst, iovs, (uint64_t)count * WASI_IOVEC_SIZE);
    if (!p)
        return WASI_EFAULT;
    uint64_t total = 0;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t buf = wasi_ld32(p + i * WASI_IOVEC_SIZE);
        uint32_t len = wasi_ld32(p + i * WASI_IOVEC_SIZE + 4);
        uint8_t *host = wasi_mem(inst, buf, len);
        if (!host)
            return WASI_EFAULT;
        total += len;
        if (total > UINT32_MAX)
            return WASI_EINVAL;     /* the count could not be reported */
        out[i].base = host;
        out[i].len = len;
    }
    *n_out = (int)count;
    return 0;
}

int wasi_put_filestat(wasm_instance *inst, uint64_t off, const wasi_stat *st)
{
    uint8_t *p = wasi_mem(inst, off, WASI_FILESTAT_SIZE);
    if (!p)
        return WASI_EFAULT;
    memset(p, 0, WASI_FILESTAT_SIZE);
    wasi_st64(p + 0, st->dev);
    wasi_st64(p + 8, st->ino);
    wasi_st8(p + 16, st->filetype);
    wasi_st64(p + 24, st->nlink);
    wasi_st64(p + 32, st->size);
    wasi_st64(p + 40, st->atim);
    wasi_st64(p + 48, st->mtim);
    wasi_st64(p + 56, st->ctim);
    return 0;
}

int wasi_iovs_get(wasm_instance *inst, uint32_t list, uint32_t count,
                  wasi_iov small[WASI_IOV_SMALL], wasi_iov **iov, int *n)
{
    *iov = small;
    if (count > WASI_IOV_SMALL &&
        !(*iov = wasi_malloc(sizeof(wasi_iov) * (count < WASI_IOV_MAX ? count : 1))))
        return WASI_ENOMEM;
    return iovs_decode(inst, list, count, *iov, n);
}

void wasi_iovs_put(wasi_iov *iov, wasi_iov small[WASI_IOV_SMALL])
{
    if (iov != small)
        wasi_free(iov);
}
