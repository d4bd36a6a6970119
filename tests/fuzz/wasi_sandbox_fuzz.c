/*
 * tests/fuzz/wasi_sandbox_fuzz.c — libFuzzer target for the WASI sandbox.
 * Each input is a program of path operations (open, create, mkdir, unlink,
 * rmdir, rename, link, symlink with any target, readlink, set_times,
 * readdir) with paths built from tokens like "..", "/", "link", run through
 * the real WASI core and Linux backend against a sandbox directory that
 * already holds symlinks pointing out. After every operation the directory
 * beside the sandbox must be exactly as it was, and nothing read may be its
 * secret. Any violation aborts (a finding).
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake_engine.h"
#include "wasi.h"
#include "wasi_abi.h"
#include "wasi_posix.h"

static char base[128], sandbox[160];
static char outside_before[4096];

/* A listing of outside/: names, types, sizes, mtimes. */
static void describe_outside(char *out, size_t size)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/outside", base);
    size_t at = (size_t)snprintf(out, size, "|");
    const char *names[] = { "", "secret.txt", "dir", "dir/inner.txt" };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char p[300];
        struct stat st;
        snprintf(p, sizeof(p), "%s/%s", path, names[i]);
        if (lstat(p, &st) < 0)
            at += (size_t)snprintf(out + at, size - at, "%s:missing|", names[i]);
        else
            at += (size_t)snprintf(out + at, size - at, "%s:%o:%lld:%lld.%ld:%ld|", names[i],
                                   st.st_mode, (long long)st.st_size, (long long)st.st_mtim.tv_sec,
                                   st.st_mtim.tv_nsec, (long)st.st_nlink);
    }
    DIR *d = opendir(path);
    struct dirent *e;
    while (d && (e = readdir(d)))
        at += (size_t)snprintf(out + at, size - at, "%s,", e->d_name);
    if (d)
        closedir(d);
}

static void rm_tree(const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        unlink(path);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char p[1024];
        snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            rm_tree(p);
        else
            unlink(p);
    }
    closedir(d);
    rmdir(path);
}

static void put(const char *rel, const char *text)
{
    char p[300];
    snprintf(p, sizeof(p), "%s/%s", base, rel);
    FILE *f = fopen(p, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void link_at(const char *target, const char *rel)
{
    char p[300];
    snprintf(p, sizeof(p), "%s/%s", base, rel);
    symlink(target, p);
}

static void make_sandbox(void)
{
    char p[300];
    rm_tree(sandbox);
    mkdir(sandbox, 0755);
    snprintf(p, sizeof(p), "%s/sub", sandbox);
    mkdir(p, 0755);
    put("sandbox/a", "inside a");
    put("sandbox/sub/b", "inside b");
    link_at("../outside", "sandbox/out");
    link_at("../../outside/secret.txt", "sandbox/sub/s");
    snprintf(p, sizeof(p), "%s/outside/dir", base);
    link_at(p, "sandbox/abs");
    link_at("..", "sandbox/sub/up");
    link_at("sub", "sandbox/link");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(base, sizeof(base), "/tmp/kpio-wasi-fuzz-XXXXXX");
    if (!mkdtemp(base))
        abort();
    snprintf(sandbox, sizeof(sandbox), "%s/sandbox", base);
    char p[300];
    snprintf(p, sizeof(p), "%s/outside", base);
    mkdir(p, 0755);
    snprintf(p, sizeof(p), "%s/outside/dir", base);
    mkdir(p, 0755);
    put("outside/secret.txt", "SECRET");
    put("outside/dir/inner.txt", "SECRET2");
    describe_outside(outside_before, sizeof(outside_before));
    return 0;
}

static const char *const tokens[] = {
    "..", ".", "/", "a", "sub", "out", "abs", "link", "up", "s", "secret.txt", "dir",
    "inner.txt", "new", "x", "//", "../", "b",
};
#define NTOKENS (sizeof(tokens) / sizeof(tokens[0]))

/* Build a path from the next bytes of input into guest memory at `at`;
 * returns its length. */
static uint32_t take_path(const uint8_t **p, const uint8_t *end, uint32_t at)
{
    if (*p >= end)
        return 0;
    unsigned n = **p % 6 + 1;
    (*p)++;
    uint32_t len = 0;
    for (unsigned i = 0; i < n && *p < end; i++, (*p)++) {
        const char *t = tokens[**p % NTOKENS];
        size_t tl = strlen(t);
        memcpy(fake_inst.mem + at + len, t, tl);
        len += (uint32_t)tl;
        if ((**p & 0x80) && i + 1 < n)
            fake_inst.mem[at + len++] = '/';
    }
    return len;
}

static void check_outside(void)
{
    char now[4096];
    describe_outside(now, sizeof(now));
    if (strcmp(now, outside_before) != 0) {
        fprintf(stderr, "outside changed:\n%s\n%s\n", outside_before, now);
        abort();
    }
}

/* Read an fd through fd_read; abort if it yields a secret. */
static void read_check(uint32_t fd)
{
    uint32_t iov[2] = { 8192, 64 };
    memcpy(fake_inst.mem + 4096, iov, 8);
    if (WCALL("fd_read", fd, 4096, 1, 64) == 0) {
        uint32_t n;
        memcpy(&n, fake_inst.mem + 64, 4);
        if (n >= 6 && memmem(fake_inst.mem + 8192, n, "SECRET", 6)) {
            fprintf(stderr, "read a secret through fd %u\n", fd);
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    make_sandbox();
    memset(&fake_inst, 0, sizeof(fake_inst));
    wasi_backend be;
    wasi_posix_backend(&be);
    wasi_ctx *ctx = wasi_ctx_new(&be);
    int dfd = open(sandbox, O_RDONLY | O_DIRECTORY);
    if (!ctx || dfd < 0)
        abort();
    for (int fd = 0; fd < 3; fd++)
        wasi_ctx_set_stdio(ctx, fd, fd, false);
    wasi_ctx_preopen_dir(ctx, dfd, "/sandbox");
    fake_reset_linker();
    wasi_link(NULL, ctx);

    uint32_t dirs[4] = { 3, 3, 3, 3 };     /* directory fds to work from */
    const uint8_t *p = data, *end = data + size;
    for (int steps = 0; p < end && steps < 16; steps++) {
        uint8_t op = *p++;
        uint32_t d = dirs[op >> 6], d2 = dirs[(op >> 4) & 3];
        uint32_t l1 = take_path(&p, end, 1024);
        uint32_t l2 = take_path(&p, end, 2048);
        uint32_t follow = op & 1;
        switch ((op >> 1) % 11) {
        case 0: case 1: {                    /* open, maybe creating */
            uint32_t oflags = (op >> 1) % 11 ? WASI_OFLAG_CREAT | WASI_OFLAG_TRUNC : 0;
            uint64_t rights = WASI_RIGHTS_REGULAR_FILE | WASI_RIGHTS_DIRECTORY;
            if (WCALL("path_open", d, follow, 1024, l1, oflags, rights, rights, 0, 64) == 0) {
                uint32_t fd;
                memcpy(&fd, fake_inst.mem + 64, 4);
                read_check(fd);
                uint8_t st[24];
                if (WCALL("fd_fdstat_get", fd, 128) == 0) {
                    memcpy(st, fake_inst.mem + 128, 24);
                    if (st[0] == WASI_FILETYPE_DIRECTORY) {
                        dirs[(op >> 4) & 3] = fd;
                        WCALL("fd_readdir", fd, 8192, 512, 0, 64);
                        break;
                    }
                }
                uint32_t iov[2] = { 8192, 3 };
                memcpy(fake_inst.mem + 4096, iov, 8);
                memcpy(fake_inst.mem + 8192, "new", 3);
                WCALL("fd_write", fd, 4096, 1, 64);
                WCALL("fd_filestat_set_size", fd, 1);
                WCALL("fd_close", fd);
            }
            break;
        }
        case 2: WCALL("path_create_directory", d, 1024, l1); break;
        case 3: WCALL("path_unlink_file", d, 1024, l1); break;
        case 4: WCALL("path_remove_directory", d, 1024, l1); break;
        case 5: WCALL("path_rename", d, 1024, l1, d2, 2048, l2); break;
        case 6: WCALL("path_link", d, follow, 1024, l1, d2, 2048, l2); break;
        case 7: WCALL("path_symlink", 2048, l2, d, 1024, l1); break;
        case 8: WCALL("path_readlink", d, 1024, l1, 8192, 256, 64); break;
        case 9: WCALL("path_filestat_set_times", d, follow, 1024, l1, 5, 5,
                      WASI_FSTFLAG_ATIM | WASI_FSTFLAG_MTIM); break;
        case 10: WCALL("path_filestat_get", d, follow, 1024, l1, 128); break;
        }
        check_outside();
    }
    wasi_ctx_free(ctx);
    return 0;
}
