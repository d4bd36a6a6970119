/*
 * tests/system/src/snapshot.c — describe a directory tree, for comparing
 * what a program left behind in KPIO with what it left on the host:
 *
 *   snapshot DIR
 *
 * One line per entry below DIR, sorted by path: "dir PATH", "link PATH
 * TARGET" or "file PATH SIZE HASH" (HASH: FNV-1a, 64 bits, in hex).
 * tests/system/userspace_wasi.py computes the same lines on the host.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char **lines;
static size_t nlines, cap;

static void add(char *line)
{
    if (nlines == cap) {
        cap = cap ? cap * 2 : 256;
        lines = realloc(lines, cap * sizeof *lines);
        if (!lines)
            exit(2);
    }
    lines[nlines++] = line;
}

static uint64_t fnv(const char *path, uint64_t *size)
{
    uint64_t h = 0xcbf29ce484222325ull;
    *size = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    unsigned char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        for (size_t i = 0; i < n; i++)
            h = (h ^ buf[i]) * 0x100000001b3ull;
        *size += n;
    }
    fclose(f);
    return h;
}

/* Buffers on the heap: the C stack in linear memory is small (64 KiB)
 * and this recurses once per directory level. */
static void walk(const char *root, const char *rel)
{
    char *path = malloc(3 * 4096), *sub = path + 4096, *full = path + 8192;
    if (!path)
        exit(2);
    snprintf(path, 4096, "%s%s%s", root, *rel ? "/" : "", rel);
    DIR *d = opendir(path);
    if (!d) {
        free(path);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char *line = malloc(8192);
        snprintf(sub, 4096, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
        snprintf(full, 4096, "%s/%s", root, sub);
        struct stat st;
        if (!line || lstat(full, &st) != 0)
            exit(2);
        if (S_ISLNK(st.st_mode)) {
            char target[1024];
            ssize_t n = readlink(full, target, sizeof target - 1);
            target[n < 0 ? 0 : n] = 0;
            snprintf(line, 8192, "link %s %s", sub, target);
            add(line);
        } else if (S_ISDIR(st.st_mode)) {
            snprintf(line, 8192, "dir %s", sub);
            add(line);
            walk(root, sub);
        } else {
            uint64_t size, h = fnv(full, &size);
            snprintf(line, 8192, "file %s %llu %016llx", sub, (unsigned long long)size,
                     (unsigned long long)h);
            add(line);
        }
    }
    closedir(d);
    free(path);
}

static int by_path(const void *a, const void *b)
{
    const char *x = strchr(*(char *const *)a, ' '), *y = strchr(*(char *const *)b, ' ');
    return strcmp(x, y);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: snapshot DIR\n");
        return 2;
    }
    walk(argv[1], "");
    qsort(lines, nlines, sizeof *lines, by_path);
    for (size_t i = 0; i < nlines; i++)
        printf("%s\n", lines[i]);
    return 0;
}
