/*
 * tests/unit/lib/zipbuild.c — in-memory zip writer for tests (APPNOTE
 * 6.3.10 §4.3.7, §4.3.12, §4.3.16), using zlib for deflate and CRC-32.
 */
#include "zipbuild.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

void zb_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

void zb_put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void reserve(uint8_t **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return;
    while (*cap < need)
        *cap = *cap ? *cap * 2 : 4096;
    *buf = realloc(*buf, *cap);
    if (!*buf)
        abort();
}

static void append(struct zb *z, const void *data, size_t len)
{
    reserve(&z->buf, &z->cap, z->len + len);
    if (len)
        memcpy(z->buf + z->len, data, len);
    z->len += len;
}

static void append_cd(struct zb *z, const void *data, size_t len)
{
    reserve(&z->cd, &z->cd_cap, z->cd_len + len);
    memcpy(z->cd + z->cd_len, data, len);
    z->cd_len += len;
}

void zb_init(struct zb *z)
{
    memset(z, 0, sizeof *z);
}

void zb_free(struct zb *z)
{
    free(z->buf);
    free(z->cd);
    memset(z, 0, sizeof *z);
}

uint8_t *zb_deflate(const void *data, size_t len, int level, int strategy, size_t *out_len)
{
    z_stream s;
    memset(&s, 0, sizeof s);
    if (deflateInit2(&s, level, Z_DEFLATED, -15, 8, strategy) != Z_OK)
        abort();
    size_t cap = deflateBound(&s, len) + 64;
    uint8_t *out = malloc(cap);
    s.next_in = (Bytef *)data;
    s.avail_in = (uInt)len;
    s.next_out = out;
    s.avail_out = (uInt)cap;
    if (deflate(&s, Z_FINISH) != Z_STREAM_END)
        abort();
    *out_len = s.total_out;
    deflateEnd(&s);
    return out;
}

void zb_add(struct zb *z, const char *name, const void *data, size_t len, int method)
{
    if (z->count == ZB_MAX_ENTRIES)
        abort();
    uint32_t crc = (uint32_t)crc32(0, data, (uInt)len);
    uint8_t *packed = NULL;
    const uint8_t *payload = data;
    size_t packed_len = len;
    if (method == 8) {
        packed = zb_deflate(data, len, 6, Z_DEFAULT_STRATEGY, &packed_len);
        payload = packed;
    }
    size_t name_len = strlen(name);
    struct zb_entry *e = &z->entry[z->count++];
    e->local_offset = z->len;
    e->compressed_size = packed_len;

    uint8_t h[30] = { 0 };
    zb_put32(h, 0x04034B50);
    zb_put16(h + 4, 20);
    zb_put16(h + 8, (uint16_t)method);
    zb_put32(h + 14, crc);
    zb_put32(h + 18, (uint32_t)packed_len);
    zb_put32(h + 22, (uint32_t)len);
    zb_put16(h + 26, (uint16_t)name_len);
    append(z, h, sizeof h);
    append(z, name, name_len);
    e->data_offset = z->len;
    append(z, payload, packed_len);

    uint8_t c[46] = { 0 };
    zb_put32(c, 0x02014B50);
    zb_put16(c + 4, 20);
    zb_put16(c + 6, 20);
    zb_put16(c + 10, (uint16_t)method);
    zb_put32(c + 16, crc);
    zb_put32(c + 20, (uint32_t)packed_len);
    zb_put32(c + 24, (uint32_t)len);
    zb_put16(c + 28, (uint16_t)name_len);
    zb_put32(c + 42, (uint32_t)e->local_offset);
    e->central_offset = z->cd_len;   /* relative until zb_finish */
    append_cd(z, c, sizeof c);
    append_cd(z, name, name_len);
    free(packed);
}

void zb_finish(struct zb *z, const char *comment)
{
    size_t comment_len = comment ? strlen(comment) : 0;
    z->cd_offset = z->len;
    append(z, z->cd, z->cd_len);
    for (int i = 0; i < z->count; i++)
        z->entry[i].central_offset += z->cd_offset;
    z->end_offset = z->len;
    uint8_t end[22] = { 0 };
    zb_put32(end, 0x06054B50);
    zb_put16(end + 8, (uint16_t)z->count);
    zb_put16(end + 10, (uint16_t)z->count);
    zb_put32(end + 12, (uint32_t)z->cd_len);
    zb_put32(end + 16, (uint32_t)z->cd_offset);
    zb_put16(end + 20, (uint16_t)comment_len);
    append(z, end, sizeof end);
    append(z, comment, comment_len);
}
