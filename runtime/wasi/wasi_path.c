/*
 * runtime/wasi/wasi_path.c — path resolution confined to a directory
 * descriptor (the capability model of WASI Preview 1).
 *
 * The walk never hands the backend more than one name at a time and never
 * lets it follow a symbolic link: each directory on the way is opened
 * relative to the one before with "no follow", ".." is answered from the
 * walker's own stack of directories (so it can never climb above the
 * starting descriptor), and symlinks are read and spliced into the remaining
 * path by the walker, which refuses absolute targets. A symlink swapped in
 * while a walk runs therefore cannot lead out either: the open that meets it
 * fails instead of following it.
 */
#include "wasi_internal.h"
#include <kpio/errno.h>

typedef struct walker {
    wasi_ctx *ctx;
    wasi_handle *stack;         /* stack[0] is the starting directory (borrowed) */
    uint32_t depth, cap;
    char *path;                 /* the part of the path still to walk */
    char *scratch;
    uint32_t symlinks;
} walker;

static wasi_handle top(const walker *w) { return w->stack[w->depth - 1]; }

static int push(walker *w, wasi_handle h)
{
    if (w->depth == w->cap) {
        uint32_t cap = w->cap * 2;
        wasi_handle *s = wasi_realloc(w->stack, cap * sizeof(*s));
        if (!s)
            return WASI_ENOMEM;
        w->stack = s;
        w->cap = cap;
    }
    w->stack[w->depth++] = h;
    return 0;
}

static void pop(walker *w)
{
    w->depth--;
    w->ctx->be.close(w->ctx->be.data, w->stack[w->depth]);
}

/* If `name` in the top directory is a symlink, make the remaining path its
 * target followed by `rest`. Returns 0, `not_link_err` if it is not a
 * symlink, or another WASI errno. */
static int expand_symlink(walker *w, const char *name, const char *rest, int not_link_err)
{
    if (++w->symlinks > WASI_SYMLINK_MAX)
        return WASI_ELOOP;
    int n = w->ctx->be.readlink_at(w->ctx->be.data, top(w), name, w->scratch, WASI_PATH_MAX);
    if (n == -EINVAL || n == -ENOENT)
        return not_link_err;            /* not a symlink (or gone) */
    if (n < 0)
        return wasi_errno(n);
    if (n >= WASI_PATH_MAX)
        return WASI_ENAMETOOLONG;
    if (n == 0)
        return WASI_ENOENT;
    if (w->scratch[0] == '/')
        return WASI_ENOTCAPABLE;        /* absolute: outside every sandbox */
    size_t rest_len = strlen(rest);
    if ((size_t)n + rest_len > WASI_PATH_MAX)
        return WASI_ENAMETOOLONG;
    memcpy(w->scratch + n, rest, rest_len + 1);
    char *t = w->path;                  /* rest may point into path: swap, not copy */
    w->path = w->scratch;
    w->scratch = t;
    return 0;
}

/* The walk proper, on a prepared walker. See wasi_path_walk. */
static int walk(walker *w, bool follow, wasi_target *out)
{
    const char *p = w->path;
    for (;;) {
        while (*p == '/')
            p++;
        if (*p == 0) {                  /* nothing after the last slash */
            memcpy(out->name, ".", 2);
            return 0;
        }
        const char *end = p;
        while (*end && *end != '/')
            end++;
        const char *next = end;
        while (*next == '/')
            next++;
        bool last = *next == 0;
        size_t len = (size_t)(end - p);
        if (last && next > end)
            out->trailing_slash = true;

        if (len == 1 && p[0] == '.') {
            if (last) {
                memcpy(out->name, ".", 2);
                return 0;
            }
            p = next;
            continue;
        }
        if (len == 2 && p[0] == '.' && p[1] == '.') {
            if (w->depth == 1)
                return WASI_ENOTCAPABLE; /* would climb above the descriptor */
            pop(w);
            if (last) {
                memcpy(out->name, ".", 2);
                return 0;
            }
            p = next;
            continue;
        }
        if (len >= sizeof(out->name))
            return WASI_ENAMETOOLONG;
        memcpy(out->name, p, len);
        out->name[len] = 0;

        if (!last) {
            wasi_handle h;
            int e = w->ctx->be.open_at(w->ctx->be.data, top(w), out->name,
                                       WASI_OPEN_SEARCH | WASI_OPEN_DIRECTORY, &h);
            if (e == 0) {
                if ((e = push(w, h)) != 0) {
                    w->ctx->be.close(w->ctx->be.data, h);
                    return e;
                }
                p = next;
                continue;
            }
            if (e != -ELOOP && e != -ENOTDIR)
                return wasi_errno(e);
            if ((e = expand_symlink(w, out->name, end, wasi_errno(e))) != 0)
                return e;
            p = w->path;
            continue;
        }

        if (follow || out->trailing_slash) {
            wasi_stat st;
            int e = w->ctx->be.stat_at(w->ctx->be.data, top(w), out->name, &st);
            if (e == 0 && st.filetype == WASI_FILETYPE_SYMBOLIC_LINK) {
                if ((e = expand_symlink(w, out->name, end, WASI_ELOOP)) != 0)
                    return e;
                out->trailing_slash = false;
                p = w->path;
                continue;
            }
        }
        return 0;
    }
}

int wasi_path_walk(wasi_ctx *ctx, wasm_instance *inst, wasi_fd *dir, uint32_t path,
                   uint32_t path_len, bool follow, wasi_target *out)
{
    memset(out, 0, sizeof(*out));
    if (dir->filetype != WASI_FILETYPE_DIRECTORY)
        return WASI_ENOTDIR;
    const uint8_t *src = wasi_mem(inst, path, path_len);
    if (!src)
        return WASI_EFAULT;
    if (path_len == 0)
        return WASI_ENOENT;
    if (path_len > WASI_PATH_MAX)
        return WASI_ENAMETOOLONG;
    if (wasi_has_nul(src, path_len))
        return WASI_EINVAL;
    if (src[0] == '/')
        return WASI_ENOTCAPABLE;

    walker w = { .ctx = ctx, .depth = 1, .cap = 8 };
    w.stack = wasi_malloc(w.cap * sizeof(*w.stack));
    w.path = wasi_malloc(WASI_PATH_MAX + 1);
    w.scratch = wasi_malloc(WASI_PATH_MAX + 1);
    int e = WASI_ENOMEM;
    if (w.stack && w.path && w.scratch) {
        w.stack[0] = dir->handle;
        memcpy(w.path, src, path_len);
        w.path[path_len] = 0;
        e = walk(&w, follow, out);
    }
    if (e == 0) {
        out->dir = top(&w);
        out->depth = w.depth - 1;
        out->dir_owned = w.depth > 1;
        if (out->dir_owned)
            w.depth--;                  /* the caller closes it */
    }
    while (w.depth > 1)
        pop(&w);
    wasi_free(w.stack);
    wasi_free(w.path);
    wasi_free(w.scratch);
    return e;
}

void wasi_target_done(wasi_ctx *ctx, wasi_target *t)
{
    if (t->dir_owned)
        ctx->be.close(ctx->be.data, t->dir);
    t->dir_owned = false;
}
