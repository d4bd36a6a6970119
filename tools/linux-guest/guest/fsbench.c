/*
 * fsbench.c — the Linux side of the storage benchmark (guest.run=fsbench):
 * the same steps as KPIO's `fstest bench` (kernel/fs/storage_fstest.c) on a
 * vfat file system:
 *   sequential write of MIB MiB in 1 MiB writes, then fsync;
 *   unmount and mount again (nothing cached), sequential read;
 *   FILES files of 4 KiB created in one directory, then sync;
 *   the same files deleted, then sync.
 *   fsbench DEVICE MOUNTPOINT MIB FILES
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"

static const char *dev, *mnt;

static void die(const char *what)
{
    fprintf(stderr, "fsbench: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void do_mount(void)
{
    if (mount(dev, mnt, "vfat", 0, "") < 0)
        die("mount");
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: fsbench DEVICE MOUNTPOINT MIB FILES\n");
        return 2;
    }
    dev = argv[1];
    mnt = argv[2];
    long mib = atol(argv[3]), files = atol(argv[4]);
    mkdir(mnt, 0755);
    do_mount();
    static char buf[1 << 20], path[512];
    memset(buf, 0x5a, sizeof buf);

    snprintf(path, sizeof path, "%s/seq.bin", mnt);
    uint64_t t0 = now_ns();
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        die("create seq.bin");
    for (long i = 0; i < mib; i++)
        if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf)
            die("write");
    if (fsync(fd) < 0)
        die("fsync");
    close(fd);
    uint64_t t1 = now_ns();
    report("linux_seq_write", (double)mib * (1 << 20) / 1e6 / ((t1 - t0) / 1e9), "MB/s");

    if (umount(mnt) < 0)
        die("umount");
    do_mount();
    t0 = now_ns();
    fd = open(path, O_RDONLY);
    if (fd < 0)
        die("open seq.bin");
    long long got = 0;
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        got += n;
    close(fd);
    t1 = now_ns();
    if (got != mib * (1 << 20))
        die("short read");
    report("linux_seq_read", (double)got / 1e6 / ((t1 - t0) / 1e9), "MB/s");

    snprintf(path, sizeof path, "%s/files", mnt);
    mkdir(path, 0755);
    t0 = now_ns();
    for (long i = 0; i < files; i++) {
        snprintf(path, sizeof path, "%s/files/file%05ld", mnt, i);
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd < 0 || write(fd, buf, 4096) != 4096)
            die("create");
        close(fd);
    }
    sync();
    t1 = now_ns();
    report("linux_create_4k", files / ((t1 - t0) / 1e9), "ops/s");
    t0 = now_ns();
    for (long i = 0; i < files; i++) {
        snprintf(path, sizeof path, "%s/files/file%05ld", mnt, i);
        if (unlink(path) < 0)
            die("unlink");
    }
    sync();
    t1 = now_ns();
    report("linux_delete_4k", files / ((t1 - t0) / 1e9), "ops/s");

    snprintf(path, sizeof path, "%s/seq.bin", mnt);
    unlink(path);
    snprintf(path, sizeof path, "%s/files", mnt);
    rmdir(path);
    if (umount(mnt) < 0)
        die("umount");
    return 0;
}
