/*
 * lib/inflate/inflate.h — a DEFLATE decoder (RFC 1951), portable C11.
 *
 * It decodes a whole raw deflate stream from one buffer into another, the
 * way a zip entry is stored: the caller knows the uncompressed size and gives
 * an output buffer of exactly that capacity. No allocation, no libc; about
 * 3 KiB of stack. Bad input always ends in an error, never in a read or write
 * outside the two buffers.
 */
#ifndef KPIO_INFLATE_H
#define KPIO_INFLATE_H

#include <stddef.h>
#include <stdint.h>

typedef enum inflate_result {
    INFLATE_OK = 0,
    INFLATE_ERR_TRUNCATED,      /* input ended before the final block did */
    INFLATE_ERR_BLOCK_TYPE,     /* block type 3 (reserved) */
    INFLATE_ERR_STORED_LENGTH,  /* stored block: LEN and NLEN disagree */
    INFLATE_ERR_BAD_CODE,       /* Huffman code lengths describe no valid code */
    INFLATE_ERR_BAD_SYMBOL,     /* a code that is not in the table, or length/distance 30-31 */
    INFLATE_ERR_DISTANCE,       /* a match reaches back before the start of the output */
    INFLATE_ERR_OUTPUT_FULL,    /* the data is longer than the output buffer */
} inflate_result;

/*
 * Decode the raw deflate stream in[0..in_len) into out[0..out_cap).
 * On INFLATE_OK, *out_len is the number of bytes produced and *in_used the
 * number of input bytes the stream occupied (up to its last, partly used
 * byte). Either pointer may be NULL. On error, out holds what was decoded so
 * far and the two counts say how far it got.
 */
inflate_result inflate_raw(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap,
                           size_t *in_used, size_t *out_len);

/* A short English description of a result ("invalid distance too far back"). */
const char *inflate_strerror(inflate_result r);

#endif
