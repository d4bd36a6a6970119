/*
 * tests/unit/fs/hostblk.c — a file- or memory-backed block device.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hostblk.h"
#include "lib/lib.h"

struct hostblk {
    struct blkdev dev;
    int fd;                     /* -1 for a memory disk */
    uint8_t *mem;
    size_t mem_len;             /* bytes backed by mem; the rest reads as zeros */
    unsigned flags;
    long fail_reads_after, fail_writes_after;
    struct hostblk_counts counts;
    pthread_mutex_t lock;       /* counters, journal, fault counters, queue */
    /* journal */
    struct hostblk_write *journal;
    size_t journal_len, journal_cap;
    /* async worker */
    pthread_t worker;
    pthread_cond_t queue_cond;
    struct list_node queue;
    bool stopping;
};

static void journal_add(struct hostblk *h, uint64_t sector, const struct blk_request *req)
{
    if (h->journal_len == h->journal_cap) {
        h->journal_cap = h->journal_cap ? 2 * h->journal_cap : 256;
        h->journal = realloc(h->journal, h->journal_cap * sizeof *h->journal);
        if (!h->journal)
            abort();
    }
    struct hostblk_write *w = &h->journal[h->journal_len++];
    w->sector = sector;
    w->len = req ? (uint32_t)req->bytes : 0;
    w->data = NULL;
    if (req) {
        w->data = malloc(w->len);
        if (!w->data)
            abort();
        size_t off = 0;
        for (uint32_t i = 0; i < req->nsegs; i++) {
            memcpy(w->data + off, req->segs[i].buf, req->segs[i].len);
            off += req->segs[i].len;
        }
    }
}

/* Carry out one request; returns its status. */
static int do_request(struct hostblk *h, struct blk_request *req)
{
    uint32_t ss = h->dev.sector_size;
    pthread_mutex_lock(&h->lock);
    int injected = 0;
    if (req->op == BLK_READ && h->fail_reads_after >= 0 && h->fail_reads_after-- == 0) {
        injected = -EIO;
        h->fail_reads_after = 0;
    }
    if (req->op == BLK_WRITE && h->fail_writes_after >= 0 && h->fail_writes_after-- == 0) {
        injected = -EIO;
        h->fail_writes_after = 0;
    }
    if (!injected) {
        if (req->op == BLK_READ) {
            h->counts.reads++;
            h->counts.bytes_read += req->bytes;
        } else if (req->op == BLK_WRITE) {
            h->counts.writes++;
            h->counts.bytes_written += req->bytes;
            if (h->flags & HOSTBLK_JOURNAL)
                journal_add(h, req->disk_sector, req);
        } else {
            h->counts.flushes++;
            if (h->flags & HOSTBLK_JOURNAL)
                journal_add(h, 0, NULL);
        }
    }
    pthread_mutex_unlock(&h->lock);
    if (injected)
        return injected;
    if (req->op == BLK_FLUSH)
        return h->fd >= 0 && fdatasync(h->fd) < 0 ? -EIO : 0;

    uint64_t off = req->disk_sector * ss;
    for (uint32_t i = 0; i < req->nsegs; i++) {
        void *buf = req->segs[i].buf;
        size_t len = req->segs[i].len;
        if (h->fd < 0) {
            size_t in = off < h->mem_len ? (size_t)MIN((uint64_t)len, h->mem_len - off) : 0;
            if (req->op == BLK_READ) {
                memcpy(buf, h->mem + off, in);
                memset((uint8_t *)buf + in, 0, len - in);
            } else {
                memcpy(h->mem + off, buf, in);
            }
        } else {
            ssize_t n = req->op == BLK_READ ? pread(h->fd, buf, len, (off_t)off)
                                            : pwrite(h->fd, buf, len, (off_t)off);
            if (n != (ssize_t)len)
                return -EIO;
        }
        off += len;
    }
    return 0;
}

static void *worker_main(void *arg)
{
    struct hostblk *h = arg;
    pthread_mutex_lock(&h->lock);
    for (;;) {
        while (list_empty(&h->queue) && !h->stopping)
            pthread_cond_wait(&h->queue_cond, &h->lock);
        if (list_empty(&h->queue))
            break;
        struct blk_request *req = list_entry(h->queue.next, struct blk_request, driver_node);
        list_remove(&req->driver_node);
        pthread_mutex_unlock(&h->lock);
        req->status = do_request(h, req);
        req->done(req);
        pthread_mutex_lock(&h->lock);
    }
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

static int hostblk_submit(struct blkdev *disk, struct blk_request *req)
{
    struct hostblk *h = disk->driver;
    if (h->flags & HOSTBLK_ASYNC) {
        pthread_mutex_lock(&h->lock);
        list_push_back(&h->queue, &req->driver_node);
        pthread_cond_signal(&h->queue_cond);
        pthread_mutex_unlock(&h->lock);
        return 0;
    }
    req->status = do_request(h, req);
    req->done(req);
    return 0;
}

static const struct blkdev_ops hostblk_ops = { .submit = hostblk_submit };

static struct hostblk *hostblk_new(const char *name, uint32_t sector_size, uint64_t bytes,
                                   unsigned flags)
{
    struct hostblk *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    snprintf(h->dev.name, sizeof h->dev.name, "%s", name);
    h->dev.sector_size = sector_size;
    h->dev.sectors = bytes / sector_size;
    h->dev.read_only = (flags & HOSTBLK_READ_ONLY) != 0;
    h->dev.max_segments = 128;
    h->dev.max_bytes = 1u << 20;
    h->dev.ops = &hostblk_ops;
    h->dev.driver = h;
    list_init(&h->dev.node);
    h->fd = -1;
    h->flags = flags;
    h->fail_reads_after = h->fail_writes_after = -1;
    pthread_mutex_init(&h->lock, NULL);
    pthread_cond_init(&h->queue_cond, NULL);
    list_init(&h->queue);
    if (flags & HOSTBLK_ASYNC)
        pthread_create(&h->worker, NULL, worker_main, h);
    return h;
}

struct hostblk *hostblk_open(const char *path, const char *name, uint32_t sector_size,
                             unsigned flags)
{
    int fd = open(path, (flags & HOSTBLK_READ_ONLY) ? O_RDONLY : O_RDWR);
    if (fd < 0) {
        fprintf(stderr, "hostblk: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        close(fd);
        return NULL;
    }
    struct hostblk *h = hostblk_new(name, sector_size, (uint64_t)st.st_size, flags);
    if (!h) {
        close(fd);
        return NULL;
    }
    h->fd = fd;
    return h;
}

struct hostblk *hostblk_open_mem(const void *buf, size_t len, uint64_t dev_bytes,
                                 const char *name, uint32_t sector_size, unsigned flags)
{
    struct hostblk *h = hostblk_new(name, sector_size, MAX(dev_bytes, (uint64_t)len), flags);
    if (!h)
        return NULL;
    h->mem = malloc(len ? len : 1);
    if (!h->mem) {
        hostblk_close(h);
        return NULL;
    }
    memcpy(h->mem, buf, len);
    h->mem_len = len;
    return h;
}

struct blkdev *hostblk_dev(struct hostblk *h) { return &h->dev; }

void hostblk_close(struct hostblk *h)
{
    if (!h)
        return;
    if (h->flags & HOSTBLK_ASYNC) {
        pthread_mutex_lock(&h->lock);
        h->stopping = true;
        pthread_cond_signal(&h->queue_cond);
        pthread_mutex_unlock(&h->lock);
        pthread_join(h->worker, NULL);
    }
    if (h->fd >= 0)
        close(h->fd);
    for (size_t i = 0; i < h->journal_len; i++)
        free(h->journal[i].data);
    free(h->journal);
    free(h->mem);
    free(h);
}

void hostblk_fail_reads_after(struct hostblk *h, long after)
{
    pthread_mutex_lock(&h->lock);
    h->fail_reads_after = after;
    pthread_mutex_unlock(&h->lock);
}

void hostblk_fail_writes_after(struct hostblk *h, long after)
{
    pthread_mutex_lock(&h->lock);
    h->fail_writes_after = after;
    pthread_mutex_unlock(&h->lock);
}

void hostblk_get_counts(struct hostblk *h, struct hostblk_counts *out)
{
    pthread_mutex_lock(&h->lock);
    *out = h->counts;
    pthread_mutex_unlock(&h->lock);
}

size_t hostblk_journal_len(struct hostblk *h) { return h->journal_len; }

const struct hostblk_write *hostblk_journal_entry(struct hostblk *h, size_t i)
{
    return i < h->journal_len ? &h->journal[i] : NULL;
}
