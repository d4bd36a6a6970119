/*
 * kernel/fs/unicode.h — UTF-8 <-> UTF-16 conversion and simple case folding
 * for file names (FAT long names, GPT partition names).
 *
 * UTF-8 per RFC 3629 (no overlong forms, no surrogates, at most U+10FFFF);
 * UTF-16 per Unicode §3.9 (surrogate pairs for U+10000 and above).
 */
#ifndef KPIO_FS_UNICODE_H
#define KPIO_FS_UNICODE_H

#include <stddef.h>
#include <stdint.h>

/* Decode one code point from s[0..len); returns the bytes used (1-4) and
 * stores the code point in *cp, or returns -EILSEQ for invalid UTF-8. */
int utf8_decode(const char *s, size_t len, uint32_t *cp);

/* Encode cp into out (room for 4 bytes); returns the bytes written. */
size_t utf8_encode(uint32_t cp, char *out);

/* Convert UTF-8 s[0..len) to UTF-16 units in out[0..max). Returns the number
 * of units, -EILSEQ for invalid UTF-8, -ENAMETOOLONG if it does not fit. */
int utf8_to_utf16(const char *s, size_t len, uint16_t *out, size_t max);

/* Convert UTF-16 units in[0..n) to NUL-terminated UTF-8 in out[0..size).
 * An unpaired surrogate becomes U+FFFD. Returns the length without the NUL,
 * or -ENAMETOOLONG if it does not fit. */
int utf16_to_utf8(const uint16_t *in, size_t n, char *out, size_t size);

/* Upper-case a code point for case-insensitive name comparison: ASCII,
 * Latin-1, Latin Extended-A, Greek and Cyrillic basics. Others unchanged. */
uint32_t unicode_upper(uint32_t cp);

#endif
