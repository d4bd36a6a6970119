/*
 * tests/unit/lib/zipbuild.h — build zip archives in memory for the tests,
 * with zlib (an independent implementation) compressing and computing
 * CRCs. Offsets of every structure are kept so tests can corrupt them.
 */
#ifndef ZIPBUILD_H
#define ZIPBUILD_H

#include <stddef.h>
#include <stdint.h>

#define ZB_MAX_ENTRIES 64

struct zb_entry {
    size_t local_offset;        /* local header */
    size_t central_offset;      /* central directory header (after zb_finish) */
    size_t data_offset;
    size_t compressed_size;
};

struct zb {
    uint8_t *buf;
    size_t len, cap;
    int count;
    struct zb_entry entry[ZB_MAX_ENTRIES];
    size_t cd_offset, end_offset;
    /* central headers are kept aside until zb_finish */
    uint8_t *cd;
    size_t cd_len, cd_cap;
};

void zb_init(struct zb *z);
void zb_free(struct zb *z);
/* Add an entry; method 0 (stored) or 8 (deflated with zlib level 6). */
void zb_add(struct zb *z, const char *name, const void *data, size_t len, int method);
/* Write the central directory and end record; comment may be NULL. */
void zb_finish(struct zb *z, const char *comment);

/* Raw deflate (no zlib header) with the given level and strategy; returns
 * a malloc'd buffer and its size in *out_len. */
uint8_t *zb_deflate(const void *data, size_t len, int level, int strategy, size_t *out_len);

void zb_put16(uint8_t *p, uint16_t v);
void zb_put32(uint8_t *p, uint32_t v);

#endif
