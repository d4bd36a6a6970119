/*
 * tests/unit/fs/testutil.c — helpers for the storage unit tests.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "fs/pattern.h"
#include "lib/sha256.h"

static char tmpdir[256];

static void remove_tmpdir(void)
{
    if (tmpdir[0] && !getenv("KEEP_TMP")) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", tmpdir);
    }
}

const char *tu_tmpdir(void)
{
    if (!tmpdir[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(tmpdir, sizeof tmpdir, "%s/kpio-fs-XXXXXX", base ? base : "/tmp");
        if (!mkdtemp(tmpdir)) {
            perror("mkdtemp");
            abort();
        }
        atexit(remove_tmpdir);
    }
    return tmpdir;
}

const char *tu_tmp(const char *name)
{
    static char bufs[4][512];
    static int next;
    char *b = bufs[next++ % 4];
    snprintf(b, 512, "%s/%s", tu_tmpdir(), name);
    return b;
}

static int run_status(int status)
{
    if (status == -1 || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

int tu_sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    return run_status(system(cmd));
}

char *tu_sh_output(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    FILE *p = popen(cmd, "r");
    if (!p)
        return NULL;
    size_t cap = 4096, len = 0;
    char *out = malloc(cap);
    size_t n;
    while (out && (n = fread(out + len, 1, cap - len - 1, p)) > 0) {
        len += n;
        if (cap - len < 2) {
            cap *= 2;
            out = realloc(out, cap);
        }
    }
    pclose(p);
    if (out)
        out[len] = 0;
    return out;
}

const char *tu_image(const char *name)
{
    static char path[512];
    const char *dir = getenv("STORAGE_IMAGES");
    snprintf(path, sizeof path, "%s/%s", dir ? dir : "build/host/storage/images", name);
    return path;
}

int tu_copy(const char *from, const char *to)
{
    return tu_sh("cp --sparse=always '%s' '%s'", from, to) == 0 ? 0 : -1;
}

int tu_make_file(const char *path, uint64_t bytes)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return -1;
    int rc = ftruncate(fd, (off_t)bytes);
    close(fd);
    return rc;
}

uint8_t *tu_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(size > 0 ? (size_t)size : 1);
    if (buf && size > 0 && fread(buf, 1, (size_t)size, f) != (size_t)size) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)(size > 0 ? size : 0);
    return buf;
}

/* ---- SHA-256 ---- */

void tu_sha256_hex(const void *buf, size_t len, char out[65])
{
    uint8_t digest[SHA256_DIGEST_SIZE];
    sha256(buf, len, digest);
    sha256_hex(digest, out);
}

uint64_t tu_rand(uint64_t *state)
{
    uint64_t x = *state ? *state : 0x9E3779B97F4A7C15ULL;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

void tu_fill_pattern_at(void *buf, size_t len, uint64_t seed, uint64_t off)
{
    pattern_fill(buf, len, seed, off);
}

void tu_fill_pattern(void *buf, size_t len, uint64_t seed)
{
    tu_fill_pattern_at(buf, len, seed, 0);
}
