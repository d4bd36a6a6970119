/*
 * tests/fuzz/fuzz_fat.c — libFuzzer target: the input is the start of a
 * 64 MiB disk (the rest reads as zeros). It goes through the partition
 * scanner (GPT/MBR), then the FAT driver mounts the first partition or the
 * whole disk, the directory tree is walked (bounded) and every file read;
 * when the volume mounted writable, a few changes are made as well (create,
 * write, rename, delete, mkdir) before unmounting. Anything but a clean
 * error is a finding: a crash, a sanitizer report, a leak, a hang.
 *
 * Seeds: the shared images (../shared/fat-images), cut to -max_len.
 */
#include <stdint.h>
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

extern int kshim_log_level;

static void walk(const char *path, int depth, int *budget)
{
    if (depth > 5 || *budget <= 0)
        return;
    struct vfs_file *d;
    if (vfs_open(NULL, path, VFS_O_RDONLY | VFS_O_DIRECTORY, 0, &d) < 0)
        return;
    static struct vfs_dirent e;
    char child[1024];
    static uint8_t buf[16384];
    while (--*budget > 0 && vfs_readdir(d, &e) == 1) {
        if (strcmp(e.name, ".") == 0 || strcmp(e.name, "..") == 0)
            continue;
        snprintf(child, sizeof child, "%s/%s", path, e.name);
        if (e.type == VFS_DIR) {
            walk(child, depth + 1, budget);
            continue;
        }
        struct vfs_stat st;
        vfs_stat(NULL, child, 0, &st);
        struct vfs_file *f;
        if (vfs_open(NULL, child, VFS_O_RDONLY, 0, &f) < 0)
            continue;
        int64_t total = 0, n;
        while ((n = vfs_read(f, buf, sizeof buf)) > 0 && (total += n) < (256 << 10)) {
        }
        vfs_close(f);
    }
    vfs_close(d);
}

static void change_things(void)
{
    struct vfs_file *f;
    if (vfs_open(NULL, "/f/fuzz new file.txt", VFS_O_RDWR | VFS_O_CREAT, 0644, &f) == 0) {
        static uint8_t data[5000];
        vfs_write(f, data, sizeof data);
        vfs_pwrite(f, "x", 1, 20000);
        vfs_ftruncate(f, 100);
        vfs_close(f);
    }
    vfs_mkdir(NULL, "/f/FUZZDIR", 0, 0755);
    vfs_rename(NULL, "/f/fuzz new file.txt", NULL, "/f/FUZZDIR/moved", 0);
    vfs_unlink(NULL, "/f/FUZZDIR/moved", 0);
    vfs_rmdir(NULL, "/f/FUZZDIR", 0);
    vfs_unlink(NULL, "/f/HELLO.TXT", 0);
    vfs_sync_all();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        kshim_log_level = -1;           /* damaged volumes are expected: stay quiet */
        tmpfs_register();
        fat_register();
        bcache_set_default_size(2u << 20);
        vfs_mount("tmpfs", NULL, "/", 0);
        vfs_mkdir(NULL, "/f", 0, 0755);
        ready = true;
    }
    struct hostblk *h = hostblk_open_mem(data, size, 64u << 20, "fz", 512, 0);
    if (!h)
        return 0;
    blkdev_register(hostblk_dev(h));
    int parts = blkpart_scan(hostblk_dev(h));
    if (vfs_mount("fat", parts > 0 ? "fz1" : "fz", "/f", 0) == 0) {
        int budget = 3000;
        walk("/f", 0, &budget);
        struct vfs_statfs sf;
        if (vfs_statfs(NULL, "/f", 0, &sf) == 0 && !sf.read_only)
            change_things();
        if (vfs_umount("/f") != 0)
            abort();                    /* something kept a reference: a leak */
    }
    blkpart_remove_all(hostblk_dev(h));
    blkdev_unregister(hostblk_dev(h));
    hostblk_close(h);
    return 0;
}
