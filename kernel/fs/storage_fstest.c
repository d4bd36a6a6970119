/*
 * kernel/fs/storage_fstest.c — the monitor's `fstest`: storage workloads
 * that the system tests (tests/system/storage_qemu.py) and benchmarks
 * (tests/bench/storage_bench.py) run on an extra disk and then check from
 * the host with fsck.fat and mtools. File contents come from
 * kernel/fs/pattern.h, which the host side reproduces.
 *
 *   fstest workload DEV   the fixed plan below, then unmount
 *   fstest verify DEV     check every "PATH SIZE SEED" line of DEV's /MANIFEST.TXT
 *   fstest powercut DEV   write and fsync files for ever, announcing each
 *   fstest walk DEV       mount (maybe read-only), list and read everything
 *   fstest bench DEV MIB FILES   sequential write/read MB/s, creates/deletes per second
 *
 * Each ends with a line "fstest: done" or "fstest: FAILED: ...".
 */
#include "core/monitor.h"
#include "core/time.h"
#include "fs/pattern.h"
#include "fs/storage.h"
#include "fs/vfs.h"
#include "lib/lib.h"
#include "mm/mm.h"

#define MNT "/mnt/w"

static int failed(const char *what, int rc)
{
    monitor_printf("fstest: FAILED: %s: %d\n", what, rc);
    return rc < 0 ? rc : -EIO;
}

static int mount_dev(const char *dev, unsigned flags)
{
    int rc = vfs_mkdir(NULL, MNT, 0, 0755);
    if (rc < 0 && rc != -EEXIST)
        return rc;
    return vfs_mount("fat", dev, MNT, flags);
}

/* MNT + rel into a static buffer (one at a time). */
static const char *at(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *at(const char *fmt, ...)
{
    static char path[300];
    int n = snprintf(path, sizeof path, "%s/", MNT);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path + n, sizeof path - (size_t)n, fmt, ap);
    va_end(ap);
    return path;
}

/* Write `size` bytes of stream seed at `off` of an open file, chunk at a time. */
static int put_pattern(struct vfs_file *f, uint64_t off, uint64_t size, uint64_t seed,
                       uint64_t pattern_off, size_t chunk, uint8_t *buf)
{
    for (uint64_t done = 0; done < size;) {
        size_t n = (size_t)MIN((uint64_t)chunk, size - done);
        pattern_fill(buf, n, seed, pattern_off + done);
        int64_t w = vfs_pwrite(f, buf, n, off + done);
        if (w != (int64_t)n)
            return w < 0 ? (int)w : -EIO;
        done += n;
    }
    return 0;
}

static int make_file(const char *path, uint64_t size, uint64_t seed, size_t chunk, uint8_t *buf,
                     bool sync)
{
    struct vfs_file *f;
    int rc = vfs_open(NULL, path, VFS_O_WRONLY | VFS_O_CREAT | VFS_O_TRUNC, 0644, &f);
    if (rc < 0)
        return rc;
    rc = put_pattern(f, 0, size, seed, 0, chunk, buf);
    if (rc == 0 && sync)
        rc = vfs_fsync(f);
    vfs_close(f);
    return rc;
}

/* The plan the host's model follows (storage_qemu.py: workload_model). */
static int workload(const char *dev)
{
    uint8_t *buf = kmalloc(1 << 20);
    if (!buf)
        return failed("memory", -ENOMEM);
    int rc = mount_dev(dev, 0);
    if (rc < 0) {
        kfree(buf);
        return failed("mount", rc);
    }
    uint64_t t0 = time_ns();
#define STEP(what, expr) do { rc = (expr); if (rc < 0) { failed(what, rc); goto out; } } while (0)
    STEP("mkdir big", vfs_mkdir(NULL, at("big"), 0, 0755));
    STEP("file64", make_file(at("big/file64.bin"), 64u << 20, 64, 1 << 20, buf, false));
    STEP("mkdir many", vfs_mkdir(NULL, at("many"), 0, 0755));
    for (int i = 0; i < 1000; i++)
        STEP("many", make_file(at("many/f%04d.txt", i), 50 + (uint64_t)(i * 37 % 3000), 1000 + (uint64_t)i,
                               4096, buf, false));
    char from[300];
    for (int i = 0; i < 1000; i += 10) {
        strlcpy(from, at("many/f%04d.txt", i), sizeof from);
        STEP("rename", vfs_rename(NULL, from, NULL, at("many/renamed file %04d.txt", i), 0));
    }
    for (int i = 5; i < 1000; i += 100) {
        strlcpy(from, at("many/f%04d.txt", i), sizeof from);
        STEP("move", vfs_rename(NULL, from, NULL, at("big/moved%04d.txt", i), 0));
    }
    for (int i = 3; i < 1000; i += 7)
        if (i % 10 != 0 && i % 100 != 5)
            STEP("rm", vfs_unlink(NULL, at("many/f%04d.txt", i), 0));
    STEP("mkdir a", vfs_mkdir(NULL, at("a"), 0, 0755));
    STEP("mkdir b", vfs_mkdir(NULL, at("a/b"), 0, 0755));
    STEP("mkdir c", vfs_mkdir(NULL, at("a/b/c"), 0, 0755));
    STEP("mkdir d", vfs_mkdir(NULL, at("a/b/c/d"), 0, 0755));
    STEP("deep", make_file(at("a/b/c/d/deep ünïcödé name.txt"), 12345, 7, 4096, buf, false));
    STEP("truncated", make_file(at("big/truncated.bin"), 100000, 8, 4096, buf, false));
    STEP("truncate", vfs_truncate(NULL, at("big/truncated.bin"), 0, 33333));
    STEP("patched", make_file(at("big/patched.bin"), 20000, 10, 4096, buf, false));
    struct vfs_file *f;
    STEP("open patched", vfs_open(NULL, at("big/patched.bin"), VFS_O_WRONLY, 0, &f));
    rc = put_pattern(f, 7777, 500, 11, 0, 4096, buf);
    vfs_close(f);
    STEP("patch", rc);
    STEP("empty", make_file(at("empty.txt"), 0, 0, 4096, buf, false));
    STEP("rmdir", vfs_mkdir(NULL, at("gone"), 0, 0755));
    STEP("rmdir", vfs_rmdir(NULL, at("gone"), 0));
#undef STEP
    monitor_printf("fstest: workload written in %llu ms\n", (unsigned long long)((time_ns() - t0) / NS_PER_MS));
out:
    kfree(buf);
    int urc = vfs_umount(MNT);
    if (rc == 0 && urc < 0)
        return failed("umount", urc);
    if (rc == 0)
        monitor_printf("fstest: done\n");
    return rc;
}

/* Compare a file with size bytes of stream seed. */
static int check_file(const char *path, uint64_t size, uint64_t seed, uint8_t *buf, uint8_t *want)
{
    struct vfs_file *f;
    int rc = vfs_open(NULL, path, VFS_O_RDONLY, 0, &f);
    if (rc < 0)
        return rc;
    uint64_t off = 0;
    int64_t n;
    while ((n = vfs_read(f, buf, 1 << 16)) > 0) {
        pattern_fill(want, (size_t)n, seed, off);
        if (off + (uint64_t)n > size || memcmp(buf, want, (size_t)n) != 0) {
            n = -EIO;
            break;
        }
        off += (uint64_t)n;
    }
    vfs_close(f);
    if (n < 0)
        return (int)n;
    return off == size ? 0 : -EIO;
}

static int verify(const char *dev)
{
    int rc = mount_dev(dev, VFS_MNT_RDONLY);
    if (rc < 0)
        return failed("mount", rc);
    uint8_t *buf = kmalloc(1 << 16), *want = kmalloc(1 << 16);
    char *manifest = kmalloc(1 << 16);
    struct vfs_file *f = NULL;
    int64_t len = -ENOMEM;
    if (buf && want && manifest && (rc = vfs_open(NULL, at("MANIFEST.TXT"), VFS_O_RDONLY, 0, &f)) == 0) {
        len = vfs_read(f, manifest, (1 << 16) - 1);
        vfs_close(f);
    }
    unsigned checked = 0, bad = 0;
    if (len >= 0) {
        manifest[len] = 0;
        /* Lines: PATH<TAB>SIZE<TAB>SEED (PATH may hold spaces). */
        for (char *line = manifest; *line;) {
            char *end = strchr(line, '\n');
            if (end)
                *end = 0;
            char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
            if (t1 && t2) {
                *t1 = 0;
                uint64_t size = 0, seed = 0;
                for (char *p = t1 + 1; *p >= '0' && *p <= '9'; p++)
                    size = size * 10 + (uint64_t)(*p - '0');
                for (char *p = t2 + 1; *p >= '0' && *p <= '9'; p++)
                    seed = seed * 10 + (uint64_t)(*p - '0');
                int frc = check_file(at("%s", line), size, seed, buf, want);
                checked++;
                if (frc < 0) {
                    bad++;
                    monitor_printf("fstest: %s: %d\n", line, frc);
                }
            }
            if (!end)
                break;
            line = end + 1;
        }
    }
    kfree(buf);
    kfree(want);
    kfree(manifest);
    vfs_umount(MNT);
    if (len < 0)
        return failed("MANIFEST.TXT", (int)(rc < 0 ? rc : len));
    monitor_printf("fstest: verified %u files, %u bad\n", checked, bad);
    if (bad)
        return failed("verify", -EIO);
    monitor_printf("fstest: done\n");
    return 0;
}

/* Power-cut workload: never returns (the host cuts the power). */
static int powercut(const char *dev)
{
    uint8_t *buf = kmalloc(16384);
    int rc = buf ? mount_dev(dev, 0) : -ENOMEM;
    if (rc < 0)
        return failed("mount", rc);
    rc = vfs_mkdir(NULL, at("pc"), 0, 0755);
    if (rc < 0 && rc != -EEXIST)
        return failed("mkdir", rc);
    char from[300];
    for (unsigned i = 0;; i++) {
        uint64_t size = 1000 + (uint64_t)i * 7919 % 150000, seed = 5000 + i;
        rc = make_file(at("pc/file%05u.bin", i), size, seed, 16384, buf, true);
        if (rc < 0)
            return failed("write", rc);
        monitor_printf("fstest: synced pc/file%05u.bin %llu %llu\n", i, (unsigned long long)size,
                       (unsigned long long)seed);
        if (i % 10 == 9) {
            rc = make_file(at("pc/junk%05u.tmp", i), 30000, 1, 16384, buf, false);
            if (rc < 0)
                return failed("junk", rc);
        }
        if (i % 5 == 4) {
            unsigned old = i - 3;
            monitor_printf("fstest: renaming pc/file%05u.bin pc/renamed%05u.bin\n", old, old);
            strlcpy(from, at("pc/file%05u.bin", old), sizeof from);
            rc = vfs_rename(NULL, from, NULL, at("pc/renamed%05u.bin", old), 0);
            if (rc < 0)
                return failed("rename", rc);
        }
        if (i % 7 == 6 && (i - 5) % 5 != 1) {
            monitor_printf("fstest: deleting pc/file%05u.bin\n", i - 5);
            rc = vfs_unlink(NULL, at("pc/file%05u.bin", i - 5), 0);
            if (rc < 0 && rc != -ENOENT)
                return failed("delete", rc);
        }
    }
}

/* Walk everything (bounded), reading files; for damaged disks. */
static void walk(const char *path, int depth, unsigned *files, unsigned *errors, uint8_t *buf)
{
    struct vfs_file *d;
    if (depth > 8 || vfs_open(NULL, path, VFS_O_RDONLY | VFS_O_DIRECTORY, 0, &d) < 0) {
        (*errors)++;
        return;
    }
    struct vfs_dirent *e = kmalloc(sizeof *e);
    char *child = kmalloc(VFS_PATH_MAX);
    int rc = 0;
    while (e && child && *files < 20000 && (rc = vfs_readdir(d, e)) == 1) {
        if (strcmp(e->name, ".") == 0 || strcmp(e->name, "..") == 0)
            continue;
        snprintf(child, VFS_PATH_MAX, "%s/%s", path, e->name);
        if (e->type == VFS_DIR) {
            walk(child, depth + 1, files, errors, buf);
            continue;
        }
        struct vfs_file *f;
        (*files)++;
        if (vfs_open(NULL, child, VFS_O_RDONLY, 0, &f) < 0) {
            (*errors)++;
            continue;
        }
        int64_t n;
        uint64_t total = 0;
        while ((n = vfs_read(f, buf, 1 << 16)) > 0 && (total += (uint64_t)n) < (64u << 20)) {
        }
        if (n < 0)
            (*errors)++;
        vfs_close(f);
    }
    if (rc < 0)
        (*errors)++;
    kfree(e);
    kfree(child);
    vfs_close(d);
}

static int walk_dev(const char *dev)
{
    int rc = mount_dev(dev, 0);
    if (rc < 0) {
        monitor_printf("fstest: mount refused: %d\n", rc);
        monitor_printf("fstest: done\n");
        return 0;
    }
    struct vfs_statfs sf;
    vfs_statfs(NULL, MNT, 0, &sf);
    uint8_t *buf = kmalloc(1 << 16);
    unsigned files = 0, errors = 0;
    if (buf)
        walk(MNT, 0, &files, &errors, buf);
    kfree(buf);
    vfs_statfs(NULL, MNT, 0, &sf);
    monitor_printf("fstest: walked %u files, %u errors, %s\n", files, errors,
                   sf.read_only ? "read-only" : "read-write");
    rc = vfs_umount(MNT);
    if (rc < 0)
        return failed("umount", rc);
    monitor_printf("fstest: done\n");
    return 0;
}

static void report(const char *metric, uint64_t bytes_or_count, uint64_t ns, bool per_second_mb)
{
    /* value * 1000, in MB/s (10^6 bytes, so bytes per microsecond) or operations per second */
    uint64_t milli = per_second_mb ? bytes_or_count * 1000ull / (ns / 1000 + 1)
                                   : bytes_or_count * 1000000000000ull / (ns + 1);
    monitor_printf("bench: %s = %llu.%03llu %s\n", metric, (unsigned long long)(milli / 1000),
                   (unsigned long long)(milli % 1000), per_second_mb ? "MB/s" : "ops/s");
}

static int bench(const char *dev, uint64_t mib, unsigned nfiles)
{
    uint8_t *buf = kmalloc(1 << 20);
    int rc = buf ? mount_dev(dev, 0) : -ENOMEM;
    if (rc < 0)
        return failed("mount", rc);
    uint64_t bytes = mib << 20;
    /* Sequential write of a fresh file, 1 MiB writes, then fsync. */
    pattern_fill(buf, 1 << 20, 3, 0);
    struct vfs_file *f = NULL;
    uint64_t t0 = time_ns();
    rc = vfs_open(NULL, at("seq.bin"), VFS_O_WRONLY | VFS_O_CREAT | VFS_O_TRUNC, 0644, &f);
    for (uint64_t off = 0; rc == 0 && off < bytes; off += 1 << 20)
        rc = vfs_write(f, buf, 1 << 20) == (1 << 20) ? 0 : -EIO;
    if (rc == 0)
        rc = vfs_fsync(f);
    if (f)
        vfs_close(f);
    uint64_t t1 = time_ns();
    if (rc < 0)
        return failed("write", rc);
    report("seq_write", bytes, t1 - t0, true);
    /* Sequential read after a remount (nothing cached). */
    vfs_umount(MNT);
    rc = mount_dev(dev, 0);
    if (rc < 0)
        return failed("remount", rc);
    t0 = time_ns();
    rc = vfs_open(NULL, at("seq.bin"), VFS_O_RDONLY, 0, &f);
    uint64_t got = 0;
    int64_t n = 0;
    while (rc == 0 && (n = vfs_read(f, buf, 1 << 20)) > 0)
        got += (uint64_t)n;
    if (rc == 0)
        vfs_close(f);
    t1 = time_ns();
    if (rc < 0 || got != bytes)
        return failed("read", rc < 0 ? rc : -EIO);
    report("seq_read", bytes, t1 - t0, true);
    /* Create nfiles 4 KiB files in one directory, sync; then delete them, sync. */
    rc = vfs_mkdir(NULL, at("files"), 0, 0755);
    t0 = time_ns();
    for (unsigned i = 0; rc == 0 && i < nfiles; i++) {
        rc = vfs_open(NULL, at("files/file%05u", i), VFS_O_WRONLY | VFS_O_CREAT | VFS_O_EXCL, 0644, &f);
        if (rc == 0) {
            rc = vfs_write(f, buf, 4096) == 4096 ? 0 : -EIO;
            vfs_close(f);
        }
    }
    if (rc == 0)
        rc = vfs_sync_all();
    t1 = time_ns();
    if (rc < 0)
        return failed("create", rc);
    report("create_4k", nfiles, t1 - t0, false);
    t0 = time_ns();
    for (unsigned i = 0; rc == 0 && i < nfiles; i++)
        rc = vfs_unlink(NULL, at("files/file%05u", i), 0);
    if (rc == 0)
        rc = vfs_sync_all();
    t1 = time_ns();
    if (rc < 0)
        return failed("delete", rc);
    report("delete_4k", nfiles, t1 - t0, false);
    vfs_unlink(NULL, at("seq.bin"), 0);
    vfs_rmdir(NULL, at("files"), 0);
    kfree(buf);
    rc = vfs_umount(MNT);
    if (rc < 0)
        return failed("umount", rc);
    monitor_printf("fstest: done\n");
    return 0;
}

static uint64_t parse_u64(const char *s)
{
    uint64_t v = 0;
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (uint64_t)(*s++ - '0');
    return v;
}

static int cmd_fstest(int argc, char **argv)
{
    storage_wait_ready();
    if (argc >= 3 && strcmp(argv[1], "workload") == 0)
        return workload(argv[2]);
    if (argc >= 3 && strcmp(argv[1], "verify") == 0)
        return verify(argv[2]);
    if (argc >= 3 && strcmp(argv[1], "powercut") == 0)
        return powercut(argv[2]);
    if (argc >= 3 && strcmp(argv[1], "walk") == 0)
        return walk_dev(argv[2]);
    if (argc >= 5 && strcmp(argv[1], "bench") == 0)
        return bench(argv[2], parse_u64(argv[3]), (unsigned)parse_u64(argv[4]));
    monitor_printf("usage: fstest workload|verify|powercut|walk DEV, fstest bench DEV MIB FILES\n");
    return -EINVAL;
}

static const struct monitor_cmd fstest_cmd = {
    "fstest", "workload|verify|powercut|walk|bench DEV ...",
    "storage test workloads on a disk (for the system tests)", cmd_fstest };

void storage_register_test_commands(void)
{
    monitor_register(&fstest_cmd);
}
