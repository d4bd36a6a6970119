/*
 * lib/zip/zip.c — zip archive reader (PKWARE APPNOTE.TXT 6.3.10).
 *
 * The central directory (§4.3.12) is the archive's table of contents; each
 * entry points back to a local file header (§4.3.7) followed by the data.
 * Everything is read with explicit little-endian loads and every offset is
 * checked against the buffer before use.
 */
#include "zip.h"

#include "../common/msg.h"
#include "../inflate/inflate.h"

#define SIG_LOCAL   0x04034B50u
#define SIG_CENTRAL 0x02014B50u
#define SIG_END     0x06054B50u
#define SIG_END64_LOCATOR 0x07064B50u

#define LOCAL_HEADER_SIZE   30
#define CENTRAL_HEADER_SIZE 46
#define END_RECORD_SIZE     22

#define FLAG_ENCRYPTED      0x0001u
#define FLAG_STRONG_CRYPTO  0x0040u

#define DEFAULT_MAX_ENTRIES    4096u
#define DEFAULT_MAX_ENTRY_SIZE (64ull << 20)
#define DEFAULT_MAX_TOTAL_SIZE (256ull << 20)

static uint16_t load16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t load32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Start z->message with "entry N (name): " for an entry-level failure. */
static struct msg entry_message(zip_archive *z, uint32_t index, const char *name)
{
    struct msg m = msg_init(z->message, sizeof z->message);
    msg_str(&m, "entry ");
    msg_uint(&m, index);
    if (name && name[0]) {
        msg_str(&m, " (");
        msg_strn(&m, name, 64);
        msg_str(&m, ")");
    }
    msg_str(&m, ": ");
    return m;
}

static zip_result fail(zip_archive *z, zip_result r, const char *text)
{
    struct msg m = msg_init(z->message, sizeof z->message);
    msg_str(&m, text);
    return r;
}

static zip_result fail_entry(zip_archive *z, zip_result r, const zip_entry *e, const char *text)
{
    struct msg m = entry_message(z, e->index, e->name);
    msg_str(&m, text);
    return r;
}

/* Find the end of central directory record (§4.3.16): the last 22 + n bytes
 * of the archive, where n is its comment length. Returns its offset or -1. */
static long find_end_record(const uint8_t *data, size_t size)
{
    if (size < END_RECORD_SIZE)
        return -1;
    size_t last = size - END_RECORD_SIZE;
    size_t stop = last > 0xFFFF ? last - 0xFFFF : 0;
    for (size_t pos = last + 1; pos-- > stop;) {
        if (load32(data + pos) == SIG_END && load16(data + pos + 20) == size - pos - END_RECORD_SIZE)
            return (long)pos;
    }
    return -1;
}

/* Parse the central directory header at z->data[pos] into e and check its
 * local header. Returns ZIP_OK and sets e->next to the following header. */
static zip_result read_entry(zip_archive *z, size_t pos, uint32_t index, zip_entry *e)
{
    const uint8_t *d = z->data;
    size_t cd_end = z->cd_offset + z->cd_size;

    e->index = index;
    e->name[0] = 0;
    if (pos > cd_end || cd_end - pos < CENTRAL_HEADER_SIZE || load32(d + pos) != SIG_CENTRAL)
        return fail_entry(z, ZIP_ERR_CORRUPT, e, "central directory header missing");

    const uint8_t *h = d + pos;
    e->flags = load16(h + 8);
    e->method = load16(h + 10);
    e->crc32 = load32(h + 16);
    e->compressed_size = load32(h + 20);
    e->size = load32(h + 24);
    size_t name_len = load16(h + 28);
    size_t extra_len = load16(h + 30);
    size_t comment_len = load16(h + 32);
    uint16_t disk = load16(h + 34);
    size_t local = load32(h + 42);

    size_t header_len = CENTRAL_HEADER_SIZE + name_len + extra_len + comment_len;
    if (header_len > cd_end - pos)
        return fail_entry(z, ZIP_ERR_CORRUPT, e, "central directory header runs past its end");
    if (name_len == 0)
        return fail_entry(z, ZIP_ERR_CORRUPT, e, "empty file name");
    if (name_len > ZIP_NAME_MAX)
        return fail_entry(z, ZIP_ERR_LIMIT, e, "file name longer than 255 bytes");
    for (size_t i = 0; i < name_len; i++) {
        if (h[CENTRAL_HEADER_SIZE + i] == 0)
            return fail_entry(z, ZIP_ERR_CORRUPT, e, "NUL byte in file name");
        e->name[i] = (char)h[CENTRAL_HEADER_SIZE + i];
    }
    e->name[name_len] = 0;
    e->next = pos + header_len;

    if (e->flags & (FLAG_ENCRYPTED | FLAG_STRONG_CRYPTO))
        return fail_entry(z, ZIP_ERR_UNSUPPORTED, e, "encrypted entries are not supported");
    if (e->method != 0 && e->method != 8) {
        struct msg m = entry_message(z, index, e->name);
        msg_str(&m, "unsupported compression method ");
        msg_uint(&m, e->method);
        return ZIP_ERR_UNSUPPORTED;
    }
    if (e->compressed_size == 0xFFFFFFFFu || e->size == 0xFFFFFFFFu || local == 0xFFFFFFFFu ||
        disk == 0xFFFF)
        return fail_entry(z, ZIP_ERR_UNSUPPORTED, e, "zip64 entries are not supported");
    if (disk != 0)
        return fail_entry(z, ZIP_ERR_UNSUPPORTED, e, "entry on another disk");
    if (e->method == 0 && e->compressed_size != e->size)
        return fail_entry(z, ZIP_ERR_CORRUPT, e, "stored entry with different compressed size");

    /* The local header: same name and method; the data lies before the
     * central directory. */
    if (local >= z->cd_offset || z->cd_offset - local < LOCAL_HEADER_SIZE ||
        load32(d + local) != SIG_LOCAL)
        return fail_entry(z, ZIP_ERR_CORRUPT, e, "local header missing");
    const uint8_t *lh = d + local;
    size_t local_name_len = load16(lh + 26);
    size_t local_extra_len = load16(lh + 28);
    if (load16(lh + 8) != e->method)
        return fail_entry(z, ZIP_ERR_CORRUPT, e, "local header method differs from central directory");
    if (local_name_len != name_len ||
        __builtin_memcmp(lh + LOCAL_HEADER_SIZE, h + CENTRAL_HEADER_SIZE, name_len) != 0)
        return fail_entry(z, ZIP_ERR_CORRUPT, e, "local header name differs from central directory");
    size_t data = local + LOCAL_HEADER_SIZE + local_name_len + local_extra_len;
    if (data > z->cd_offset || z->cd_offset - data < e->compressed_size)
        return fail_entry(z, ZIP_ERR_CORRUPT, e, "data runs into the central directory");
    e->data_offset = data;
    return ZIP_OK;
}

zip_result zip_open(zip_archive *z, const uint8_t *data, size_t size, const zip_limits *limits)
{
    zip_limits lim = { 0 };
    if (limits)
        lim = *limits;
    if (!lim.max_entries)
        lim.max_entries = DEFAULT_MAX_ENTRIES;
    if (!lim.max_entry_size)
        lim.max_entry_size = DEFAULT_MAX_ENTRY_SIZE;
    if (!lim.max_total_size)
        lim.max_total_size = DEFAULT_MAX_TOTAL_SIZE;

    z->data = data;
    z->size = size;
    z->cd_offset = z->cd_size = 0;
    z->entry_count = 0;
    z->total_size = z->largest_entry = 0;
    z->message[0] = 0;

    long end = find_end_record(data, size);
    if (end < 0)
        return fail(z, ZIP_ERR_NOT_ZIP, "not a zip archive (no end of central directory record)");
    const uint8_t *eocd = data + end;
    if (end >= 20 && load32(eocd - 20) == SIG_END64_LOCATOR)
        return fail(z, ZIP_ERR_UNSUPPORTED, "zip64 archives are not supported");
    uint16_t disk = load16(eocd + 4), cd_disk = load16(eocd + 6);
    uint16_t here = load16(eocd + 8), total = load16(eocd + 10);
    uint32_t cd_size = load32(eocd + 12), cd_offset = load32(eocd + 16);
    if (disk != 0 || cd_disk != 0 || here != total)
        return fail(z, ZIP_ERR_UNSUPPORTED, "multi-disk archives are not supported");
    if (total == 0xFFFF || cd_size == 0xFFFFFFFFu || cd_offset == 0xFFFFFFFFu)
        return fail(z, ZIP_ERR_UNSUPPORTED, "zip64 archives are not supported");
    if (cd_offset > (size_t)end || (size_t)end - cd_offset < cd_size)
        return fail(z, ZIP_ERR_CORRUPT, "central directory lies outside the archive");
    if (total > lim.max_entries) {
        struct msg m = msg_init(z->message, sizeof z->message);
        msg_str(&m, "too many entries (");
        msg_uint(&m, total);
        msg_str(&m, ", limit ");
        msg_uint(&m, lim.max_entries);
        msg_str(&m, ")");
        return ZIP_ERR_LIMIT;
    }
    z->cd_offset = cd_offset;
    z->cd_size = cd_size;

    /* Walk and check every entry; together they must fill the directory. */
    size_t pos = cd_offset;
    zip_entry e;
    for (uint32_t i = 0; i < total; i++) {
        zip_result r = read_entry(z, pos, i, &e);
        if (r != ZIP_OK)
            return r;
        if (e.size > lim.max_entry_size)
            return fail_entry(z, ZIP_ERR_LIMIT, &e, "larger than the size limit");
        z->total_size += e.size;
        if (z->total_size > lim.max_total_size)
            return fail_entry(z, ZIP_ERR_LIMIT, &e, "archive contents exceed the total size limit");
        if (e.size > z->largest_entry)
            z->largest_entry = e.size;
        pos = e.next;
    }
    if (pos != (size_t)cd_offset + cd_size)
        return fail(z, ZIP_ERR_CORRUPT, "central directory size does not match its entries");
    z->entry_count = total;
    return ZIP_OK;
}

void zip_iter_begin(const zip_archive *z, zip_entry *e)
{
    e->index = 0;
    e->next = z->cd_offset;
}

bool zip_iter_next(const zip_archive *z, zip_entry *e)
{
    uint32_t index = e->next == z->cd_offset ? 0 : e->index + 1;
    if (index >= z->entry_count)
        return false;
    /* zip_open checked every entry, so this cannot fail; the cast drops
     * const only for the message buffer, which stays untouched on success. */
    return read_entry((zip_archive *)z, e->next, index, e) == ZIP_OK;
}

zip_result zip_find(zip_archive *z, const char *name, zip_entry *e)
{
    for (zip_iter_begin(z, e); zip_iter_next(z, e);) {
        size_t i = 0;
        while (name[i] && name[i] == e->name[i])
            i++;
        if (name[i] == 0 && e->name[i] == 0)
            return ZIP_OK;
    }
    struct msg m = msg_init(z->message, sizeof z->message);
    msg_str(&m, "no entry named ");
    msg_strn(&m, name, 128);
    return ZIP_ERR_NOT_FOUND;
}

zip_result zip_extract(zip_archive *z, const zip_entry *e, uint8_t *out, size_t out_cap)
{
    if (out_cap < e->size)
        return fail_entry(z, ZIP_ERR_BUFFER, e, "output buffer too small");
    const uint8_t *src = z->data + e->data_offset;

    if (e->method == 0) {
        __builtin_memcpy(out, src, e->size);
    } else {
        size_t produced = 0;
        inflate_result r = inflate_raw(src, e->compressed_size, out, e->size, NULL, &produced);
        if (r != INFLATE_OK) {
            struct msg m = entry_message(z, e->index, e->name);
            msg_str(&m, "bad deflate data: ");
            msg_str(&m, inflate_strerror(r));
            return ZIP_ERR_DATA;
        }
        if (produced != e->size)
            return fail_entry(z, ZIP_ERR_DATA, e, "decompressed data shorter than declared");
    }
    if (zip_crc32(0, out, e->size) != e->crc32)
        return fail_entry(z, ZIP_ERR_CRC, e, "CRC-32 mismatch (data corrupted)");
    return ZIP_OK;
}

const char *zip_strerror(zip_result r)
{
    switch (r) {
    case ZIP_OK:              return "ok";
    case ZIP_ERR_NOT_ZIP:     return "not a zip archive";
    case ZIP_ERR_CORRUPT:     return "corrupt zip archive";
    case ZIP_ERR_UNSUPPORTED: return "unsupported zip feature";
    case ZIP_ERR_LIMIT:       return "zip archive exceeds a limit";
    case ZIP_ERR_DATA:        return "corrupt compressed data";
    case ZIP_ERR_CRC:         return "CRC-32 mismatch";
    case ZIP_ERR_NOT_FOUND:   return "no such entry";
    case ZIP_ERR_BUFFER:      return "buffer too small";
    }
    return "unknown zip error";
}
