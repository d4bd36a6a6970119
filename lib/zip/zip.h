/*
 * lib/zip/zip.h — read a zip archive held in memory (PKWARE APPNOTE 6.3.10),
 * portable C11 without libc or allocation.
 *
 * zip_open() checks the whole structure up front: the end record, every
 * central directory entry, each entry's local header and data range, and the
 * limits (entry count, name length, sizes). Entries may be stored or
 * deflated; zip64, encryption, multi-disk archives and other methods are
 * refused. zip_extract() decompresses one entry and checks its CRC-32.
 *
 *   zip_archive z;
 *   if (zip_open(&z, data, size, NULL) != ZIP_OK) puts(z.message);
 *   zip_entry e;
 *   for (zip_iter_begin(&z, &e); zip_iter_next(&z, &e);) ...
 */
#ifndef KPIO_ZIP_H
#define KPIO_ZIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZIP_NAME_MAX 255

typedef enum zip_result {
    ZIP_OK = 0,
    ZIP_ERR_NOT_ZIP,        /* no end of central directory record */
    ZIP_ERR_CORRUPT,        /* a structure is inconsistent or out of bounds */
    ZIP_ERR_UNSUPPORTED,    /* zip64, encryption, several disks, unknown method */
    ZIP_ERR_LIMIT,          /* more entries, longer names or more data than allowed */
    ZIP_ERR_DATA,           /* compressed data does not decode to the declared size */
    ZIP_ERR_CRC,            /* decoded data does not match its CRC-32 */
    ZIP_ERR_NOT_FOUND,      /* zip_find: no such entry */
    ZIP_ERR_BUFFER,         /* zip_extract: output buffer smaller than the entry */
} zip_result;

/* Zero in a field means the default. */
typedef struct zip_limits {
    uint32_t max_entries;       /* default 4096 */
    uint64_t max_entry_size;    /* uncompressed, default 64 MiB */
    uint64_t max_total_size;    /* uncompressed, all entries, default 256 MiB */
} zip_limits;

typedef struct zip_archive {
    const uint8_t *data;
    size_t size;
    size_t cd_offset;           /* central directory */
    size_t cd_size;
    uint32_t entry_count;
    uint64_t total_size;        /* sum of uncompressed sizes */
    uint64_t largest_entry;     /* largest uncompressed size */
    char message[192];          /* what the last failure was, in words */
} zip_archive;

typedef struct zip_entry {
    char name[ZIP_NAME_MAX + 1];
    uint16_t method;            /* 0 stored, 8 deflated */
    uint16_t flags;
    uint32_t crc32;
    uint32_t compressed_size;
    uint32_t size;              /* uncompressed */
    size_t data_offset;         /* of the compressed data in the archive */
    uint32_t index;             /* position in the central directory */
    size_t next;                /* iteration cursor */
} zip_entry;

/* Check the archive data[0..size) and prepare to read it. data must stay
 * valid while z is used. limits may be NULL. */
zip_result zip_open(zip_archive *z, const uint8_t *data, size_t size, const zip_limits *limits);

/* Iterate over the entries in central directory order. */
void zip_iter_begin(const zip_archive *z, zip_entry *e);
bool zip_iter_next(const zip_archive *z, zip_entry *e);

/* Find an entry by exact name. */
zip_result zip_find(zip_archive *z, const char *name, zip_entry *e);

/* Decompress entry e into out (capacity out_cap >= e->size) and check its
 * CRC-32. */
zip_result zip_extract(zip_archive *z, const zip_entry *e, uint8_t *out, size_t out_cap);

const char *zip_strerror(zip_result r);

/* CRC-32 as zip and gzip use it (ISO-HDLC, reflected polynomial 0xEDB88320).
 * Start with crc = 0; feed the result back in to continue. */
uint32_t zip_crc32(uint32_t crc, const void *data, size_t len);

#endif
