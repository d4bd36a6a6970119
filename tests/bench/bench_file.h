/*
 * tests/bench/bench_file.h — what the benchmark programs share: reading a
 * whole module file.
 */
#ifndef BENCH_FILE_H
#define BENCH_FILE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* The contents of path (malloc'd, size to *size), or NULL with a message. */
static inline uint8_t *bench_read_file(const char *path, long *size)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return NULL;
    }
    uint8_t *bytes = NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (*size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0)
        bytes = malloc((size_t)*size + 1);
    if (bytes && fread(bytes, 1, (size_t)*size, f) != (size_t)*size) {
        free(bytes);
        bytes = NULL;
    }
    if (!bytes)
        fprintf(stderr, "%s: cannot read\n", path);
    fclose(f);
    return bytes;
}

#endif
