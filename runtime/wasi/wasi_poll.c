/*
 * runtime/wasi/wasi_poll.c — poll_oneoff: wait for clock deadlines and for
 * descriptors to become readable or writable (witx poll_oneoff,
 * subscription and event). Regular files and directories are always ready,
 * as POSIX poll() reports them.
 */
#include "wasi_internal.h"
#include <kpio/errno.h>

#define ARG32(i) ((uint32_t)a[i])

typedef struct sub {
    uint64_t userdata;
    uint8_t type;               /* WASI_EVENTTYPE_* */
    uint16_t error;             /* settled before waiting */
    bool done;                  /* has an event to report */
    uint64_t deadline;          /* clocks: monotonic ns */
    int poll_index;             /* fds: entry in the pollfd array, or -1 */
    uint64_t nbytes;
    uint16_t flags;
} sub;

static uint64_t now_mono(wasi_ctx *ctx)
{
    uint64_t ns = 0;
    ctx->be.clock_time(ctx->be.data, WASI_CLOCK_MONOTONIC, &ns);
    return ns;
}

/* Decode a clock subscription (at p) into s. */
static void setup_clock(wasi_ctx *ctx, const uint8_t *p, sub *s)
{
    uint32_t id = wasi_ld32(p + 16);
    uint64_t timeout = wasi_ld64(p + 24);
    bool abs = wasi_ld16(p + 40) & WASI_SUBCLOCK_ABSTIME;
    uint64_t mono = now_mono(ctx);
    if (id == WASI_CLOCK_MONOTONIC) {
        s->deadline = abs ? timeout : mono + timeout;
    } else if (id == WASI_CLOCK_REALTIME) {
        uint64_t real = 0;
        ctx->be.clock_time(ctx->be.data, WASI_CLOCK_REALTIME, &real);
        if (!abs)
            s->deadline = mono + timeout;
        else
            s->deadline = timeout <= real ? mono : mono + (timeout - real);
    } else {
        s->error = WASI_EINVAL;  /* CPU-time clocks cannot be waited on */
        s->done = true;
        return;
    }
    if (s->deadline < mono)
        s->deadline = mono;
}

/* Decode an fd subscription; regular files and errors settle at once,
 * others get a pollfd entry. */
static void setup_fd(wasi_ctx *ctx, const uint8_t *p, sub *s, wasi_pollfd *pfds, int *npfds)
{
    wasi_fd *f;
    int e = wasi_fd_lookup(ctx, wasi_ld32(p + 16), WASI_RIGHT_POLL_FD_READWRITE, &f);
    if (e) {
        s->error = (uint16_t)e;
        s->done = true;
        return;
    }
    if (f->filetype == WASI_FILETYPE_REGULAR_FILE || f->filetype == WASI_FILETYPE_DIRECTORY) {
        s->done = true;
        if (s->type == WASI_EVENTTYPE_FD_READ && f->filetype == WASI_FILETYPE_REGULAR_FILE) {
            wasi_stat st;
            int64_t pos = ctx->be.seek(ctx->be.data, f->handle, 0, WASI_WHENCE_CUR);
            if (pos >= 0 && ctx->be.stat(ctx->be.data, f->handle, &st) == 0 &&
                st.size > (uint64_t)pos)
                s->nbytes = st.size - (uint64_t)pos;
        }
        return;
    }
    wasi_pollfd *pf = &pfds[*npfds];
    memset(pf, 0, sizeof(*pf));
    pf->handle = f->handle;
    pf->want_read = s->type == WASI_EVENTTYPE_FD_READ;
    pf->want_write = s->type == WASI_EVENTTYPE_FD_WRITE;
    s->poll_index = (*npfds)++;
}

/* Wait and settle subscriptions until at least one is done. */
static int wait_for_events(wasi_ctx *ctx, sub *subs, uint32_t n, wasi_pollfd *pfds, int npfds)
{
    bool any_done = false, any_clock = false;
    uint64_t first = UINT64_MAX;
    for (uint32_t i = 0; i < n; i++) {
        any_done |= subs[i].done;
        if (subs[i].type == WASI_EVENTTYPE_CLOCK && !subs[i].done) {
            any_clock = true;
            if (subs[i].deadline < first)
                first = subs[i].deadline;
        }
    }
    for (;;) {
        uint64_t now = now_mono(ctx);
        int64_t timeout = -1;
        if (any_done)
            timeout = 0;
        else if (any_clock)
            timeout = first > now ? (int64_t)(first - now) : 0;
        int r = ctx->be.poll(ctx->be.data, pfds, npfds, timeout);
        /* The host interrupts a wait only to stop the instance (kpio's
         * proc_kill, a CPU limit): return so the stop can take effect. */
        if (r < 0)
            return wasi_errno(r);
        now = now_mono(ctx);
        for (uint32_t i = 0; i < n; i++) {
            sub *s = &subs[i];
            if (s->done)
                continue;
            if (s->type == WASI_EVENTTYPE_CLOCK) {
                s->done = s->deadline <= now;
            } else if (s->poll_index >= 0 && r > 0) {
                wasi_pollfd *pf = &pfds[s->poll_index];
                if (pf->error) {
                    s->error = (uint16_t)wasi_errno(pf->error);
                    s->done = true;
                } else if (pf->ready) {
                    s->done = true;
                    s->nbytes = pf->nbytes;
                    if (pf->ready & WASI_POLL_HANGUP)
                        s->flags = WASI_EVENT_FD_READWRITE_HANGUP;
                }
            }
            any_done |= s->done;
        }
        if (any_done)
            return 0;
    }
}

WASI_IMPL(wasi_poll_oneoff)
{
    uint32_t n = ARG32(2);
    if (n == 0)
        return WASI_EINVAL;
    const uint8_t *in = wasi_mem(inst, ARG32(0), (uint64_t)n * WASI_SUBSCRIPTION_SIZE);
    if (!in || !wasi_mem(inst, ARG32(1), (uint64_t)n * WASI_EVENT_SIZE) ||
        !wasi_mem(inst, ARG32(3), 4))
        return WASI_EFAULT;
    sub *subs = wasi_calloc(n, sizeof(sub));
    wasi_pollfd *pfds = wasi_calloc(n, sizeof(wasi_pollfd));
    int e = WASI_ENOMEM;
    int npfds = 0;
    if (subs && pfds) {
        e = 0;
        for (uint32_t i = 0; i < n && !e; i++) {
            const uint8_t *p = in + (size_t)i * WASI_SUBSCRIPTION_SIZE;
            sub *s = &subs[i];
            s->userdata = wasi_ld64(p);
            s->type = p[8];
            s->poll_index = -1;
            if (s->type == WASI_EVENTTYPE_CLOCK)
                setup_clock(ctx, p, s);
            else if (s->type == WASI_EVENTTYPE_FD_READ || s->type == WASI_EVENTTYPE_FD_WRITE)
                setup_fd(ctx, p, s, pfds, &npfds);
            else
                e = WASI_EINVAL;
        }
    }
    if (!e)
        e = wait_for_events(ctx, subs, n, pfds, npfds);
    if (!e) {
        /* Re-read: memory may not move during a host call, but be exact. */
        uint8_t *out = wasi_mem(inst, ARG32(1), (uint64_t)n * WASI_EVENT_SIZE);
        uint32_t count = 0;
        for (uint32_t i = 0; i < n; i++) {
            if (!subs[i].done)
                continue;
            uint8_t *ev = out + (size_t)count++ * WASI_EVENT_SIZE;
            memset(ev, 0, WASI_EVENT_SIZE);
            wasi_st64(ev, subs[i].userdata);
            wasi_st16(ev + 8, subs[i].error);
            wasi_st8(ev + 10, subs[i].type);
            if (subs[i].type != WASI_EVENTTYPE_CLOCK) {
                wasi_st64(ev + 16, subs[i].nbytes);
                wasi_st16(ev + 24, subs[i].flags);
            }
        }
        e = wasi_put32(inst, ARG32(3), count);
    }
    wasi_free(subs);
    wasi_free(pfds);
    return e;
}
