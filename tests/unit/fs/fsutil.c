/*
 * tests/unit/fs/fsutil.c — kpio-fsutil: KPIO's block layer, cache, VFS and
 * FAT driver as a host command, for tests against the host's own tools
 * (fsck.fat, mtools) and for poking at images by hand.
 *
 *   kpio-fsutil [--ro] [--cache BYTES] IMAGE [COMMAND ARGS...]
 *
 * The image's first partition is used when it has a partition table (GPT or
 * MBR), else the whole image. With a command on the line it runs that one;
 * without, it reads commands from stdin, one per line (words split on
 * spaces; a word may be quoted with "..."). Commands:
 *   ls PATH           entries as "type size name" (d/f), sorted by position
 *   cat PATH          contents to stdout
 *   stat PATH         "type size mtime_s"
 *   put HOST PATH     copy a host file in       get PATH HOST   copy out
 *   fill PATH SIZE SEED [CHUNK]   write SIZE bytes of test pattern SEED
 *                     (kpio-fsutil --gen SIZE SEED prints the same bytes)
 *   append PATH TEXT  append TEXT               write PATH OFF TEXT
 *   truncate PATH SIZE   mkdir PATH   rmdir PATH   rm PATH   mv OLD NEW
 *   fsync PATH   sync   df   echo TEXT
 * The volume is unmounted (everything written back) at the end. The exit
 * status is 0, or 1 after the first failing command (its error on stderr).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dev/blkpart.h"
#include "fs/bcache.h"
#include "fs/fat/fat.h"
#include "fs/tmpfs.h"
#include "fs/vfs.h"
#include "hostblk.h"
#include "lib/lib.h"
#include "testutil.h"

static const char *errname(int rc)
{
    static char buf[32];
    snprintf(buf, sizeof buf, "%s", strerror(-rc));
    return buf;
}

/* Prefix a user path with the mount point. */
static const char *at(const char *path)
{
    static char buf[2][4200];
    static int next;
    char *b = buf[next++ % 2];
    snprintf(b, 4200, "/v%s%s", path[0] == '/' ? "" : "/", path);
    return b;
}

static int cmd_ls(const char *path)
{
    struct vfs_file *f;
    int rc = vfs_open(NULL, at(path), VFS_O_RDONLY | VFS_O_DIRECTORY, 0, &f);
    if (rc < 0)
        return rc;
    struct vfs_dirent *d = malloc(sizeof *d);
    char child[4200];
    while ((rc = vfs_readdir(f, d)) == 1) {
        if (strcmp(d->name, ".") == 0 || strcmp(d->name, "..") == 0)
            continue;
        snprintf(child, sizeof child, "%s/%s", at(path), d->name);
        struct vfs_stat st;
        rc = vfs_stat(NULL, child, 0, &st);
        if (rc < 0)
            break;
        printf("%c %llu %s\n", st.type == VFS_DIR ? 'd' : 'f', (unsigned long long)st.size, d->name);
    }
    free(d);
    vfs_close(f);
    return rc < 0 ? rc : 0;
}

/* Stream a file to fn in 1 MiB pieces. */
static int read_file(const char *path, void (*fn)(const uint8_t *p, size_t n, void *arg), void *arg)
{
    struct vfs_file *f;
    int rc = vfs_open(NULL, at(path), VFS_O_RDONLY, 0, &f);
    if (rc < 0)
        return rc;
    uint8_t *buf = malloc(1 << 20);
    int64_t n;
    while ((n = vfs_read(f, buf, 1 << 20)) > 0)
        fn(buf, (size_t)n, arg);
    free(buf);
    vfs_close(f);
    return n < 0 ? (int)n : 0;
}

static void to_stream(const uint8_t *p, size_t n, void *arg)
{
    fwrite(p, 1, n, (FILE *)arg);
}

static int write_all(struct vfs_file *f, const uint8_t *p, size_t n)
{
    while (n > 0) {
        int64_t w = vfs_write(f, p, n);
        if (w < 0)
            return (int)w;
        if (w == 0)
            return -EIO;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int cmd_put(const char *host, const char *path)
{
    FILE *in = fopen(host, "rb");
    if (!in)
        return -errno;
    struct vfs_file *f;
    int rc = vfs_open(NULL, at(path), VFS_O_WRONLY | VFS_O_CREAT | VFS_O_TRUNC, 0644, &f);
    if (rc == 0) {
        uint8_t *buf = malloc(1 << 20);
        size_t n;
        while (rc == 0 && (n = fread(buf, 1, 1 << 20, in)) > 0)
            rc = write_all(f, buf, n);
        free(buf);
        vfs_close(f);
    }
    fclose(in);
    return rc;
}

static int cmd_fill(const char *path, uint64_t size, uint64_t seed, size_t chunk)
{
    struct vfs_file *f;
    int rc = vfs_open(NULL, at(path), VFS_O_WRONLY | VFS_O_CREAT | VFS_O_TRUNC, 0644, &f);
    if (rc < 0)
        return rc;
    uint8_t *buf = malloc(chunk);
    for (uint64_t done = 0; rc == 0 && done < size;) {
        size_t n = (size_t)MIN((uint64_t)chunk, size - done);
        tu_fill_pattern_at(buf, n, seed, done);
        rc = write_all(f, buf, n);
        done += n;
    }
    free(buf);
    vfs_close(f);
    return rc;
}

/* --gen SIZE SEED: the fill pattern itself on stdout (the tests' oracle). */
static int gen(uint64_t size, uint64_t seed)
{
    uint8_t *buf = malloc(1 << 20);
    for (uint64_t done = 0; done < size;) {
        size_t n = (size_t)MIN((uint64_t)(1 << 20), size - done);
        tu_fill_pattern_at(buf, n, seed, done);
        fwrite(buf, 1, n, stdout);
        done += n;
    }
    free(buf);
    return fflush(stdout) == 0 ? 0 : 1;
}

static int cmd_write_at(const char *path, uint64_t off, const char *text, bool append)
{
    struct vfs_file *f;
    uint32_t flags = VFS_O_WRONLY | VFS_O_CREAT | (append ? VFS_O_APPEND : 0);
    int rc = vfs_open(NULL, at(path), flags, 0644, &f);
    if (rc < 0)
        return rc;
    if (!append)
        rc = (int)vfs_seek(f, (int64_t)off, VFS_SEEK_SET);
    if (rc >= 0)
        rc = write_all(f, (const uint8_t *)text, strlen(text));
    vfs_close(f);
    return rc < 0 ? rc : 0;
}

static int cmd_fsync(const char *path)
{
    struct vfs_file *f;
    int rc = vfs_open(NULL, at(path), VFS_O_RDONLY, 0, &f);
    if (rc < 0)
        return rc;
    rc = vfs_fsync(f);
    vfs_close(f);
    return rc;
}

static int run(int argc, char **argv)
{
    if (argc == 0)
        return 0;
    const char *c = argv[0];
#define NEED(n) do { if (argc != (n) + 1) { fprintf(stderr, "%s: wrong arguments\n", c); return -EINVAL; } } while (0)
    if (strcmp(c, "ls") == 0) { NEED(1); return cmd_ls(argv[1]); }
    if (strcmp(c, "cat") == 0) { NEED(1); return read_file(argv[1], to_stream, stdout); }
    if (strcmp(c, "get") == 0) {
        NEED(2);
        FILE *out = fopen(argv[2], "wb");
        if (!out)
            return -errno;
        int rc = read_file(argv[1], to_stream, out);
        fclose(out);
        return rc;
    }
    if (strcmp(c, "stat") == 0) {
        NEED(1);
        struct vfs_stat st;
        int rc = vfs_stat(NULL, at(argv[1]), 0, &st);
        if (rc == 0)
            printf("%c %llu %lld\n", st.type == VFS_DIR ? 'd' : 'f', (unsigned long long)st.size,
                   (long long)(st.mtime_ns / 1000000000));
        return rc;
    }
    if (strcmp(c, "put") == 0) { NEED(2); return cmd_put(argv[1], argv[2]); }
    if (strcmp(c, "fill") == 0) {
        if (argc != 4 && argc != 5)
            return -EINVAL;
        return cmd_fill(argv[1], strtoull(argv[2], NULL, 0), strtoull(argv[3], NULL, 0),
                        argc == 5 ? strtoull(argv[4], NULL, 0) : (1u << 20));
    }
    if (strcmp(c, "append") == 0) { NEED(2); return cmd_write_at(argv[1], 0, argv[2], true); }
    if (strcmp(c, "write") == 0) { NEED(3); return cmd_write_at(argv[1], strtoull(argv[2], NULL, 0), argv[3], false); }
    if (strcmp(c, "truncate") == 0) { NEED(2); return vfs_truncate(NULL, at(argv[1]), 0, strtoull(argv[2], NULL, 0)); }
    if (strcmp(c, "mkdir") == 0) { NEED(1); return vfs_mkdir(NULL, at(argv[1]), 0, 0755); }
    if (strcmp(c, "rmdir") == 0) { NEED(1); return vfs_rmdir(NULL, at(argv[1]), 0); }
    if (strcmp(c, "rm") == 0) { NEED(1); return vfs_unlink(NULL, at(argv[1]), 0); }
    if (strcmp(c, "mv") == 0) { NEED(2); return vfs_rename(NULL, at(argv[1]), NULL, at(argv[2]), 0); }
    if (strcmp(c, "fsync") == 0) { NEED(1); return cmd_fsync(argv[1]); }
    if (strcmp(c, "sync") == 0) { NEED(0); return vfs_sync_all(); }
    if (strcmp(c, "echo") == 0) { NEED(1); printf("%s\n", argv[1]); return 0; }
    if (strcmp(c, "df") == 0) {
        NEED(0);
        struct vfs_statfs sf;
        int rc = vfs_statfs(NULL, "/v", 0, &sf);
        if (rc == 0)
            printf("%s %llu %llu %llu\n", sf.fs_type, (unsigned long long)sf.block_size,
                   (unsigned long long)sf.blocks, (unsigned long long)sf.blocks_free);
        return rc;
    }
    fprintf(stderr, "unknown command %s\n", c);
    return -EINVAL;
}

/* Split a line into words; "..." quotes a word. */
static int split(char *line, char **argv, int max)
{
    int argc = 0;
    char *p = line;
    while (*p && argc < max) {
        while (*p == ' ' || *p == '\t' || *p == '\n')
            p++;
        if (!*p)
            break;
        if (*p == '"') {
            argv[argc++] = ++p;
            while (*p && *p != '"')
                p++;
        } else {
            argv[argc++] = p;
            while (*p && *p != ' ' && *p != '\t' && *p != '\n')
                p++;
        }
        if (*p)
            *p++ = 0;
    }
    return argc;
}

int main(int argc, char **argv)
{
    unsigned flags = 0;
    size_t cache = 32u << 20;
    int i = 1;
    if (argc == 4 && strcmp(argv[1], "--gen") == 0)
        return gen(strtoull(argv[2], NULL, 0), strtoull(argv[3], NULL, 0));
    for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
        if (strcmp(argv[i], "--ro") == 0)
            flags |= VFS_MNT_RDONLY;
        else if (strcmp(argv[i], "--cache") == 0 && i + 1 < argc)
            cache = strtoull(argv[++i], NULL, 0);
        else {
            fprintf(stderr, "unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (i >= argc) {
        fprintf(stderr, "usage: kpio-fsutil [--ro] [--cache BYTES] IMAGE [COMMAND ARGS...]\n");
        return 2;
    }
    struct hostblk *h = hostblk_open(argv[i], "disk", 512,
                                     (flags & VFS_MNT_RDONLY) ? HOSTBLK_READ_ONLY : 0);
    if (!h)
        return 1;
    blkdev_register(hostblk_dev(h));
    bcache_set_default_size(cache);
    tmpfs_register();
    fat_register();
    int parts = blkpart_scan(hostblk_dev(h));
    int rc = vfs_mount("tmpfs", NULL, "/", 0);
    if (rc == 0)
        rc = vfs_mkdir(NULL, "/v", 0, 0755);
    if (rc == 0)
        rc = vfs_mount("fat", parts > 0 ? "disk1" : "disk", "/v", flags);
    if (rc < 0) {
        fprintf(stderr, "kpio-fsutil: cannot mount %s: %s\n", argv[i], errname(rc));
        return 1;
    }
    int status = 0;
    if (i + 1 < argc) {
        rc = run(argc - i - 1, argv + i + 1);
        if (rc < 0) {
            fprintf(stderr, "kpio-fsutil: %s: %s\n", argv[i + 1], errname(rc));
            status = 1;
        }
    } else {
        char *line = malloc(8192);
        while (fgets(line, 8192, stdin)) {
            char *words[8];
            int n = split(line, words, 8);
            rc = run(n, words);
            if (rc < 0) {
                fprintf(stderr, "kpio-fsutil: %s: %s\n", words[0], errname(rc));
                status = 1;
                break;
            }
        }
        free(line);
    }
    fflush(stdout);
    rc = vfs_umount_all();
    if (rc < 0) {
        fprintf(stderr, "kpio-fsutil: unmount: %s\n", errname(rc));
        status = 1;
    }
    blkpart_remove_all(hostblk_dev(h));
    blkdev_unregister(hostblk_dev(h));
    hostblk_close(h);
    return status;
}
