/*
 * tests/unit/fs/test_fat_corrupt.c — damaged volumes: random boot sectors,
 * FAT chains that loop, point past the end or cross, truncated images,
 * entries with impossible sizes or clusters, a directory that contains
 * itself, garbage directory clusters. Each is refused at mount with an error
 * or mounted (or switched) read-only, and walking and reading everything on
 * it ends with clear errors: never a crash (ASan/UBSan) or a hang.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dev/blkpart.h"
#include "fs/bcache.h"
#include "fs/fat/fat.h"
#include "fs/le.h"
#include "fs/tmpfs.h"
#include "fs/vfs.h"
#include "hostblk.h"
#include "lib/lib.h"
#include "testutil.h"

static uint8_t *image;
static size_t image_len;
static struct hostblk *disk;

/* Load a shared image into memory to damage it. */
static void load(const char *name)
{
    free(image);
    image = tu_read_file(tu_image(name), &image_len);
    assert_non_null(image);
}

struct geo {
    uint64_t fat, data, root;
    uint32_t cluster, bits, fat_bytes, root_cluster;
};

static struct geo geometry(void)
{
    const uint8_t *b = image;
    struct geo g;
    uint32_t sec = le16(b + 11), rsv = le16(b + 14), nfat = b[16], rootents = le16(b + 17);
    uint32_t fatsz = le16(b + 22) ? le16(b + 22) : le32(b + 36);
    g.fat = (uint64_t)rsv * sec;
    g.fat_bytes = fatsz * sec;
    g.root = g.fat + (uint64_t)nfat * g.fat_bytes;
    g.data = g.root + ((uint64_t)rootents * 32 + sec - 1) / sec * sec;
    g.cluster = b[13] * sec;
    uint64_t total = le16(b + 19) ? le16(b + 19) : le32(b + 32);
    uint64_t clusters = (total * sec - g.data) / g.cluster;
    g.bits = le16(b + 22) == 0 ? 32 : clusters < 4085 ? 12 : 16;
    g.root_cluster = g.bits == 32 ? le32(b + 44) : 0;
    return g;
}

/* Set FAT entry `c` in every copy (FAT16/32 images only). */
static void set_fat(const struct geo *g, uint32_t c, uint32_t v)
{
    for (int copy = 0; copy < image[16]; copy++) {
        uint8_t *p = image + g->fat + (uint64_t)copy * g->fat_bytes;
        if (g->bits == 16)
            put_le16(p + 2 * c, (uint16_t)v);
        else
            put_le32(p + 4 * c, v);
    }
}

static uint32_t get_fat(const struct geo *g, uint32_t c)
{
    const uint8_t *p = image + g->fat;
    return g->bits == 16 ? le16(p + 2 * c) : le32(p + 4 * c) & 0x0FFFFFFF;
}

/* The 32-byte root entry with short name `sfn` (FAT16 fixed root). */
static uint8_t *root_entry(const struct geo *g, const char *sfn)
{
    for (uint64_t off = g->root; off < g->data; off += 32)
        if (memcmp(image + off, sfn, 11) == 0)
            return image + off;
    fail_msg("no entry %s", sfn);
    return NULL;
}

static int mount_mem(size_t len)
{
    disk = hostblk_open_mem(image, len, len, "bad", 512, 0);
    assert_non_null(disk);
    blkdev_register(hostblk_dev(disk));
    return vfs_mount("fat", "bad", "/b", 0);
}

static void unmount_mem(bool mounted)
{
    if (mounted)
        assert_int_equal(vfs_umount("/b"), 0);
    blkdev_unregister(hostblk_dev(disk));
    hostblk_close(disk);
    disk = NULL;
}

struct walk_result {
    int files, dirs, errors;
};

/* Visit everything under path (depth and entries bounded), reading files. */
static void walk(const char *path, int depth, struct walk_result *r)
{
    if (depth > 6 || r->files + r->dirs > 5000)
        return;
    struct vfs_file *d;
    int rc = vfs_open(NULL, path, VFS_O_RDONLY | VFS_O_DIRECTORY, 0, &d);
    if (rc < 0) {
        r->errors++;
        return;
    }
    r->dirs++;
    struct vfs_dirent *e = malloc(sizeof *e);
    char *child = malloc(VFS_PATH_MAX);
    static uint8_t buf[65536];
    while ((rc = vfs_readdir(d, e)) == 1) {
        if (strcmp(e->name, ".") == 0 || strcmp(e->name, "..") == 0)
            continue;
        snprintf(child, VFS_PATH_MAX, "%s/%s", path, e->name);
        if (e->type == VFS_DIR) {
            walk(child, depth + 1, r);
            continue;
        }
        struct vfs_file *f;
        if (vfs_open(NULL, child, VFS_O_RDONLY, 0, &f) < 0) {
            r->errors++;
            continue;
        }
        r->files++;
        int64_t n, total = 0;
        while ((n = vfs_read(f, buf, sizeof buf)) > 0 && total < (8 << 20))
            total += n;
        if (n < 0)
            r->errors++;
        vfs_close(f);
    }
    if (rc < 0)
        r->errors++;
    free(child);
    free(e);
    vfs_close(d);
}

static bool mounted_read_only(void)
{
    struct vfs_statfs sf;
    assert_int_equal(vfs_statfs(NULL, "/b", 0, &sf), 0);
    return sf.read_only;
}

static int setup(void **state)
{
    (void)state;
    tmpfs_register();
    fat_register();
    bcache_set_default_size(4u << 20);
    return vfs_mount("tmpfs", NULL, "/", 0) || vfs_mkdir(NULL, "/b", 0, 0755);
}

static int teardown(void **state)
{
    (void)state;
    free(image);
    return vfs_umount_all();
}

/* After each test: whatever a failed test left mounted goes away. */
static int cleanup(void **state)
{
    (void)state;
    if (disk) {
        vfs_umount("/b");
        unmount_mem(false);
    }
    return 0;
}

static void test_random_boot_sectors(void **state)
{
    (void)state;
    int refused = 0, mounted = 0;
    for (uint64_t seed = 1; seed <= 60; seed++) {
        load("fat16.img");
        tu_fill_pattern(image, 512, seed);
        if (seed % 2 == 0) {
            /* Plausible values in the fields checked first, random others,
             * so that deeper checks (and sometimes the scan) are reached. */
            image[0] = 0xEB;
            image[2] = 0x90;
            put_le16(image + 11, 512);
            image[13] = (uint8_t)(1u << (seed % 8));
            put_le16(image + 14, (uint16_t)(1 + seed % 8));
            image[16] = (uint8_t)(1 + seed % 2);
            if (seed % 4 == 0)
                put_le16(image + 22, 0);          /* FAT32 layout */
            else
                put_le16(image + 22, (uint16_t)(1 + image[22] % 64));
            if (seed % 4 == 0)
                put_le16(image + 17, 0);
            image[510] = 0x55;
            image[511] = 0xAA;
        }
        int rc = mount_mem(image_len);
        if (rc == 0) {
            mounted++;
            struct walk_result r = { 0 };
            walk("/b", 0, &r);
        } else {
            assert_true(rc == -EINVAL || rc == -EIO);
            refused++;
        }
        unmount_mem(rc == 0);
    }
    assert_true(refused >= 30);
    fprintf(stderr, "random boot sectors: %d refused, %d mounted\n", refused, mounted);
}

static void test_truncated_image(void **state)
{
    (void)state;
    const char *names[] = { "fat12-floppy.img", "fat16.img" };
    for (int i = 0; i < 2; i++) {
        load(names[i]);
        assert_int_equal(mount_mem(image_len / 2), -EINVAL);
        unmount_mem(false);
    }
    assert_int_equal(mount_mem(256), -EINVAL);          /* smaller than a boot sector */
    unmount_mem(false);
}

static void test_looping_chain(void **state)
{
    (void)state;
    load("fat16.img");
    struct geo g = geometry();
    uint8_t *e = root_entry(&g, "BIG     BIN");
    uint32_t first = le16(e + 26), last = first;
    while (get_fat(&g, last) < 0xFFF8)
        last = get_fat(&g, last);
    set_fat(&g, last, first);                           /* the end links back to the start */
    assert_int_equal(mount_mem(image_len), 0);
    assert_true(mounted_read_only());
    struct vfs_file *f;
    assert_int_equal(vfs_open(NULL, "/b/big.bin", VFS_O_RDONLY, 0, &f), 0);
    static uint8_t buf[400000];
    assert_int_equal(vfs_read(f, buf, sizeof buf), 307323);   /* the size ends the read */
    vfs_close(f);
    assert_int_equal(vfs_mkdir(NULL, "/b/new", 0, 0755), -EROFS);
    unmount_mem(true);

    /* A loop inside a directory's chain: listing it ends. */
    load("fat32-mbr.img");
    memmove(image, image + (1 << 20), image_len - (1 << 20));   /* the partition alone */
    image_len -= 1 << 20;
    g = geometry();
    set_fat(&g, g.root_cluster, g.root_cluster);
    assert_int_equal(mount_mem(image_len), 0);
    assert_true(mounted_read_only());
    struct walk_result r = { 0 };
    walk("/b", 0, &r);
    unmount_mem(true);
}

static void test_chain_past_the_end(void **state)
{
    (void)state;
    load("fat16.img");
    struct geo g = geometry();
    uint8_t *e = root_entry(&g, "BIG     BIN");
    uint32_t first = le16(e + 26);
    set_fat(&g, get_fat(&g, first), 0xFFF0);            /* second link: past the last cluster */
    assert_int_equal(mount_mem(image_len), 0);
    assert_true(mounted_read_only());
    struct vfs_file *f;
    assert_int_equal(vfs_open(NULL, "/b/big.bin", VFS_O_RDONLY, 0, &f), 0);
    static uint8_t buf[400000];
    assert_int_equal(vfs_read(f, buf, sizeof buf), -EIO);
    vfs_close(f);
    /* Other files still read. */
    assert_int_equal(vfs_open(NULL, "/b/HELLO.TXT", VFS_O_RDONLY, 0, &f), 0);
    assert_int_equal(vfs_read(f, buf, sizeof buf), 13);
    vfs_close(f);
    unmount_mem(true);
}

static void test_cross_linked_chains(void **state)
{
    (void)state;
    load("fat16.img");
    struct geo g = geometry();
    uint8_t *big = root_entry(&g, "BIG     BIN"), *ex = root_entry(&g, "EXACT4~1BIN");
    /* exact4096.bin's first cluster now leads into big.bin's second one. */
    set_fat(&g, le16(ex + 26), get_fat(&g, le16(big + 26)));
    assert_int_equal(mount_mem(image_len), 0);
    assert_true(mounted_read_only());
    struct walk_result r = { 0 };
    walk("/b", 0, &r);
    assert_true(r.files > 300);
    unmount_mem(true);
}

static void test_huge_entry_size(void **state)
{
    (void)state;
    load("fat16.img");
    struct geo g = geometry();
    put_le32(root_entry(&g, "HELLO   TXT") + 28, 0xFFFFFFF0u);
    assert_int_equal(mount_mem(image_len), 0);
    struct vfs_stat st;
    assert_int_equal(vfs_stat(NULL, "/b/HELLO.TXT", 0, &st), -EIO);
    assert_true(mounted_read_only());                   /* switched when it was found */
    struct walk_result r = { 0 };
    walk("/b", 0, &r);
    assert_true(r.errors >= 1 && r.files > 300);
    unmount_mem(true);

    /* A size the chain cannot hold (but the volume could). */
    load("fat16.img");
    put_le32(root_entry(&g, "HELLO   TXT") + 28, 5u << 20);
    assert_int_equal(mount_mem(image_len), 0);
    struct vfs_file *f;
    assert_int_equal(vfs_open(NULL, "/b/hello.txt", VFS_O_RDONLY, 0, &f), 0);
    static uint8_t buf[65536];
    int64_t n;
    while ((n = vfs_read(f, buf, sizeof buf)) > 0) {
    }
    assert_int_equal(n, -EIO);
    vfs_close(f);
    assert_true(mounted_read_only());
    unmount_mem(true);
}

static void test_bad_entry_clusters(void **state)
{
    (void)state;
    load("fat16.img");
    struct geo g = geometry();
    put_le16(root_entry(&g, "DIR1       ") + 26, 0xFFF0);  /* a directory outside the volume */
    put_le16(root_entry(&g, "EXACT512BIN") + 26, 1);       /* a file at reserved cluster 1 */
    assert_int_equal(mount_mem(image_len), 0);
    struct vfs_stat st;
    assert_int_equal(vfs_stat(NULL, "/b/DIR1/readme.md", 0, &st), -EIO);
    assert_int_equal(vfs_stat(NULL, "/b/exact512.bin", 0, &st), -EIO);
    assert_int_equal(vfs_stat(NULL, "/b/HELLO.TXT", 0, &st), 0);
    unmount_mem(true);

    load("fat32-mbr.img");
    memmove(image, image + (1 << 20), image_len - (1 << 20));
    image_len -= 1 << 20;
    put_le32(image + 44, 1);                                /* root directory at cluster 1 */
    assert_int_equal(mount_mem(image_len), -EINVAL);
    unmount_mem(false);
}

static void test_directory_containing_itself(void **state)
{
    (void)state;
    load("fat16.img");
    struct geo g = geometry();
    uint8_t *dir1 = root_entry(&g, "DIR1       ");
    uint32_t c = le16(dir1 + 26);
    /* DIR1's "SubDir" entry now points back at DIR1 itself. */
    uint8_t *cl = image + g.data + (uint64_t)(c - 2) * g.cluster;
    for (uint32_t off = 0; off < g.cluster; off += 32)
        if (memcmp(cl + off, "SUBDIR     ", 11) == 0)
            put_le16(cl + off + 26, (uint16_t)c);
    assert_int_equal(mount_mem(image_len), 0);
    struct vfs_stat st;
    assert_int_equal(vfs_stat(NULL, "/b/DIR1/SubDir/SubDir/SubDir/SubDir/readme.md", 0, &st), 0);
    struct walk_result r = { 0 };
    walk("/b", 0, &r);                      /* bounded by depth: ends */
    assert_true(r.dirs > 6);
    unmount_mem(true);
}

static void test_garbage_directory_clusters(void **state)
{
    (void)state;
    load("fat16.img");
    struct geo g = geometry();
    /* Fill the root directory and manyfiles/'s first cluster with noise. */
    tu_fill_pattern(image + g.root + 64, (size_t)(g.data - g.root - 64), 7);
    for (uint64_t off = g.root; off < g.root + 64; off += 32)
        image[off + 11] = 0x0F;             /* and two stray long-name parts */
    assert_int_equal(mount_mem(image_len), 0);
    struct walk_result r = { 0 };
    walk("/b", 0, &r);
    unmount_mem(true);
}

static void test_bad_fsinfo_ignored(void **state)
{
    (void)state;
    load("fat32-mbr.img");
    memmove(image, image + (1 << 20), image_len - (1 << 20));
    image_len -= 1 << 20;
    memset(image + le16(image + 48) * 512, 0x33, 512);      /* FSInfo overwritten */
    assert_int_equal(mount_mem(image_len), 0);
    assert_false(mounted_read_only());
    struct vfs_file *f;
    assert_int_equal(vfs_open(NULL, "/b/new.txt", VFS_O_WRONLY | VFS_O_CREAT, 0644, &f), 0);
    assert_int_equal(vfs_write(f, "ok", 2), 2);
    vfs_close(f);
    unmount_mem(true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_random_boot_sectors, cleanup),
        cmocka_unit_test_teardown(test_truncated_image, cleanup),
        cmocka_unit_test_teardown(test_looping_chain, cleanup),
        cmocka_unit_test_teardown(test_chain_past_the_end, cleanup),
        cmocka_unit_test_teardown(test_cross_linked_chains, cleanup),
        cmocka_unit_test_teardown(test_huge_entry_size, cleanup),
        cmocka_unit_test_teardown(test_bad_entry_clusters, cleanup),
        cmocka_unit_test_teardown(test_directory_containing_itself, cleanup),
        cmocka_unit_test_teardown(test_garbage_directory_clusters, cleanup),
        cmocka_unit_test_teardown(test_bad_fsinfo_ignored, cleanup),
    };
    return cmocka_run_group_tests_name("fat-corrupt", tests, setup, teardown);
}
