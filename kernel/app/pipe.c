/*
 * kernel/app/pipe.c — pipes between apps: a 64 KiB ring buffer, one reader
 * end and one writer end (each a handle; duplicates share an end). A read
 * waits for data and returns 0 once every writer is gone; a write waits for
 * room and fails with -EPIPE once the reader is gone. Writes of up to
 * PIPE_BUF (4096) bytes are never interleaved with other writers' (POSIX).
 */
#include "app/app.h"
#include "lib/lib.h"
#include "mm/mm.h"

#define PIPE_ATOMIC 4096u

struct pipe {
    struct mutex lock;
    uint8_t *buf;
    uint32_t head;              /* next byte to read */
    uint32_t len;               /* bytes in the buffer */
    bool reader_open, writer_open;
    volatile uint32_t ends;     /* ends not yet closed: the last one frees the pipe */
    struct app_waitq readers;   /* woken when data arrives or the writer goes */
    struct app_waitq writers;   /* woken when room appears or the reader goes */
};

int pipe_create(struct handle *out[2])
{
    struct pipe *p = kzalloc(sizeof *p);
    uint8_t *buf = kmalloc(PIPE_CAPACITY);
    struct handle *r = handle_new(HANDLE_PIPE_READ), *w = handle_new(HANDLE_PIPE_WRITE);
    if (!p || !buf || !r || !w) {
        kfree(p);
        kfree(buf);
        if (r) {
            r->kind = HANDLE_NULL;
            handle_put(r);
        }
        if (w) {
            w->kind = HANDLE_NULL;
            handle_put(w);
        }
        return -ENOMEM;
    }
    mutex_init(&p->lock, "pipe");
    p->buf = buf;
    p->reader_open = p->writer_open = true;
    p->ends = 2;
    app_waitq_init(&p->readers);
    app_waitq_init(&p->writers);
    r->u.pipe = w->u.pipe = p;
    out[0] = r;
    out[1] = w;
    return 0;
}

struct app_waitq *pipe_waitq(struct pipe *p, bool reader)
{
    return reader ? &p->readers : &p->writers;
}

void pipe_close_end(struct pipe *p, bool reader)
{
    mutex_lock(&p->lock);
    if (reader)
        p->reader_open = false;
    else
        p->writer_open = false;
    mutex_unlock(&p->lock);
    /* the other end learns of it: end of file, or EPIPE */
    app_waitq_wake(reader ? &p->writers : &p->readers);
    if (__atomic_sub_fetch(&p->ends, 1, __ATOMIC_ACQ_REL) == 0) {
        kfree(p->buf);
        kfree(p);
    }
}

int64_t pipe_read(struct pipe *p, void *buf, size_t len, bool nonblock)
{
    if (len == 0)
        return 0;
    struct app_wait w;
    struct app_waitq *q = &p->readers;
    app_wait_begin(&w, &q, 1);
    int64_t r;
    for (;;) {
        mutex_lock(&p->lock);
        if (p->len > 0) {
            uint32_t n = (uint32_t)MIN(len, (size_t)p->len);
            uint32_t first = MIN(n, PIPE_CAPACITY - p->head);
            memcpy(buf, p->buf + p->head, first);
            memcpy((uint8_t *)buf + first, p->buf, n - first);
            p->head = (p->head + n) % PIPE_CAPACITY;
            p->len -= n;
            mutex_unlock(&p->lock);
            app_waitq_wake(&p->writers);
            r = n;
            break;
        }
        bool eof = !p->writer_open;
        mutex_unlock(&p->lock);
        if (eof) {
            r = 0;
            break;
        }
        if (nonblock) {
            r = -EAGAIN;
            break;
        }
        int rc = app_wait_sleep(&w, 0);
        if (rc == -EINTR) {
            r = rc;
            break;
        }
    }
    app_wait_end(&w);
    return r;
}

int64_t pipe_write(struct pipe *p, const void *buf, size_t len, bool nonblock)
{
    if (len == 0)
        return 0;
    struct app_wait w;
    struct app_waitq *q = &p->writers;
    app_wait_begin(&w, &q, 1);
    size_t done = 0;
    int64_t r = 0;
    while (done < len) {
        mutex_lock(&p->lock);
        if (!p->reader_open) {
            mutex_unlock(&p->lock);
            r = -EPIPE;
            break;
        }
        uint32_t room = PIPE_CAPACITY - p->len;
        /* a small write goes in whole or waits; a large one in pieces */
        bool fits = len - done <= PIPE_ATOMIC ? room >= len - done : room > 0;
        if (fits) {
            uint32_t n = (uint32_t)MIN(len - done, (size_t)room);
            uint32_t tail = (p->head + p->len) % PIPE_CAPACITY;
            uint32_t first = MIN(n, PIPE_CAPACITY - tail);
            memcpy(p->buf + tail, (const uint8_t *)buf + done, first);
            memcpy(p->buf, (const uint8_t *)buf + done + first, n - first);
            p->len += n;
            done += n;
            mutex_unlock(&p->lock);
            app_waitq_wake(&p->readers);
            continue;
        }
        mutex_unlock(&p->lock);
        if (nonblock) {
            r = -EAGAIN;
            break;
        }
        int rc = app_wait_sleep(&w, 0);
        if (rc == -EINTR) {
            r = rc;
            break;
        }
    }
    app_wait_end(&w);
    return done > 0 ? (int64_t)done : r;
}

unsigned pipe_poll(struct pipe *p, bool reader, uint64_t *nbytes)
{
    mutex_lock(&p->lock);
    unsigned ready = 0;
    if (reader) {
        if (p->len > 0)
            ready |= WASI_POLL_READABLE;
        if (!p->writer_open)
            ready |= WASI_POLL_READABLE | WASI_POLL_HANGUP;
        *nbytes = p->len;
    } else {
        if (PIPE_CAPACITY - p->len >= PIPE_ATOMIC)
            ready |= WASI_POLL_WRITABLE;
        if (!p->reader_open)
            ready |= WASI_POLL_WRITABLE | WASI_POLL_HANGUP;
        *nbytes = PIPE_CAPACITY - p->len;
    }
    mutex_unlock(&p->lock);
    return ready;
}
