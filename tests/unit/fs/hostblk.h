/*
 * tests/unit/fs/hostblk.h — a block device backed by a host file, for unit
 * tests, the fsutil tool and fuzzers.
 *
 * Options: completions on a worker thread (HOSTBLK_ASYNC) to exercise the
 * asynchronous paths; injected I/O errors; a journal of every write and
 * flush (HOSTBLK_JOURNAL) from which tests rebuild the disk as a power cut
 * at any moment would have left it.
 */
#ifndef KPIO_TEST_HOSTBLK_H
#define KPIO_TEST_HOSTBLK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "dev/blkdev.h"

#define HOSTBLK_READ_ONLY 1u
#define HOSTBLK_ASYNC     2u
#define HOSTBLK_JOURNAL   4u

struct hostblk;

/* Open path as a disk named `name`. NULL (with a message) on failure. */
struct hostblk *hostblk_open(const char *path, const char *name, uint32_t sector_size,
                             unsigned flags);
/* A disk of dev_bytes over a private in-memory copy of buf[0..len) (for
 * fuzzers and damaged-image tests): bytes past len read as zeros and writes
 * there are dropped, so large volumes cost only their first bytes. */
struct hostblk *hostblk_open_mem(const void *buf, size_t len, uint64_t dev_bytes,
                                 const char *name, uint32_t sector_size, unsigned flags);
struct blkdev *hostblk_dev(struct hostblk *h);
void hostblk_close(struct hostblk *h);

/* Fail every read (or write) after `after` more successful ones; -1 = never. */
void hostblk_fail_reads_after(struct hostblk *h, long after);
void hostblk_fail_writes_after(struct hostblk *h, long after);

struct hostblk_counts {
    uint64_t reads, writes, flushes, bytes_read, bytes_written;
};
void hostblk_get_counts(struct hostblk *h, struct hostblk_counts *out);

/* Journal: entries in submission order; a flush entry has data == NULL. */
struct hostblk_write {
    uint64_t sector;
    uint32_t len;
    uint8_t *data;
};
size_t hostblk_journal_len(struct hostblk *h);
const struct hostblk_write *hostblk_journal_entry(struct hostblk *h, size_t i);

#endif
