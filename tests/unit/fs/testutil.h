/*
 * tests/unit/fs/testutil.h — helpers shared by the storage unit tests:
 * temporary files, running host tools (sgdisk, mkfs.fat, fsck.fat, mtools),
 * the shared FAT images, SHA-256 in hex.
 */
#ifndef KPIO_TEST_TESTUTIL_H
#define KPIO_TEST_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

/* A fresh private directory for this test process (removed at exit). */
const char *tu_tmpdir(void);
/* tu_tmpdir()/name in a static rotating buffer. */
const char *tu_tmp(const char *name);
/* Run a shell command built from fmt; returns its exit status (-1 if it died). */
int tu_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Run a shell command and return its stdout (malloc'ed, NUL-terminated). */
char *tu_sh_output(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Path of a decompressed shared image ($STORAGE_IMAGES/name). */
const char *tu_image(const char *name);
/* Copy a file; 0 on success. */
int tu_copy(const char *from, const char *to);
/* Make a file of `bytes` zero bytes (sparse). */
int tu_make_file(const char *path, uint64_t bytes);
/* Read a whole file (malloc'ed); *len gets its size. NULL on error. */
uint8_t *tu_read_file(const char *path, size_t *len);

/* SHA-256 of buf, as 64 lower-case hex digits plus NUL (kernel/lib/sha256.c;
 * streams use lib/sha256.h directly). */
void tu_sha256_hex(const void *buf, size_t len, char out[65]);

/* Deterministic pseudo-random numbers (xorshift64*). */
uint64_t tu_rand(uint64_t *state);
/* Deterministic test data (kernel/fs/pattern.h): any slice of stream
 * `seed` can be produced and checked on its own. */
void tu_fill_pattern(void *buf, size_t len, uint64_t seed);
void tu_fill_pattern_at(void *buf, size_t len, uint64_t seed, uint64_t off);

#endif
