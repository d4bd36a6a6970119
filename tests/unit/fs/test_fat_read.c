/*
 * tests/unit/fs/test_fat_read.c — reading the shared FAT12/16/32 images
 * (../shared/fat-images, made with mkfs.fat and mtools): every file in the
 * manifest reads back with the right size and SHA-256, in several read
 * sizes; its first cluster and extent count match; directories list exactly
 * the manifest's names (long names, Unicode, NT lower-case flags, a
 * 300-entry directory with a deleted entry); lookups ignore case and accept
 * short aliases.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dev/blkpart.h"
#include "fs/fat/fat.h"
#include "fs/fat/fat_internal.h"
#include "fs/tmpfs.h"
#include "fs/vfs.h"
#include "hostblk.h"
#include "lib/lib.h"
#include "testutil.h"

struct mfile {
    char image[32];
    char path[256];
    uint64_t size;
    char sha[65];
    uint32_t first_cluster, extents;
};

static struct mfile *manifest;
static size_t manifest_len;

static void load_manifest(void)
{
    FILE *f = fopen(tu_image("manifest.tsv"), "r");
    assert_non_null(f);
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        manifest = realloc(manifest, (manifest_len + 1) * sizeof *manifest);
        struct mfile *m = &manifest[manifest_len++];
        char *save, *tok = strtok_r(line, "\t\n", &save);
        snprintf(m->image, sizeof m->image, "%s", tok);
        snprintf(m->path, sizeof m->path, "%s", strtok_r(NULL, "\t\n", &save));
        m->size = strtoull(strtok_r(NULL, "\t\n", &save), NULL, 10);
        snprintf(m->sha, sizeof m->sha, "%s", strtok_r(NULL, "\t\n", &save));
        m->first_cluster = (uint32_t)strtoul(strtok_r(NULL, "\t\n", &save), NULL, 10);
        m->extents = (uint32_t)strtoul(strtok_r(NULL, "\t\n", &save), NULL, 10);
    }
    fclose(f);
    assert_true(manifest_len > 900);
}

static struct hostblk *disk;

/* Mount image (its first partition when it has a table) read-only at /img. */
static void mount_image(const char *image)
{
    disk = hostblk_open(tu_image(image), "img", 512, HOSTBLK_READ_ONLY | HOSTBLK_ASYNC);
    assert_non_null(disk);
    blkdev_register(hostblk_dev(disk));
    int parts = blkpart_scan(hostblk_dev(disk));
    assert_true(parts >= 0);
    assert_int_equal(vfs_mount("fat", parts ? "img1" : "img", "/img", VFS_MNT_RDONLY), 0);
}

static void unmount_image(void)
{
    assert_int_equal(vfs_umount("/img"), 0);
    blkpart_remove_all(hostblk_dev(disk));
    blkdev_unregister(hostblk_dev(disk));
    hostblk_close(disk);
}

static int setup(void **state)
{
    (void)state;
    tmpfs_register();
    fat_register();
    bcache_set_default_size(8u << 20);
    if (vfs_mount("tmpfs", NULL, "/", 0) < 0 || vfs_mkdir(NULL, "/img", 0, 0755) < 0)
        return -1;
    load_manifest();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(manifest);
    return vfs_umount_all();
}

/* Read path whole in chunks of `chunk` bytes. */
static uint8_t *read_all(const char *path, size_t chunk, size_t *len)
{
    struct vfs_file *f;
    int rc = vfs_open(NULL, path, VFS_O_RDONLY, 0, &f);
    if (rc < 0) {
        fprintf(stderr, "open %s: %d\n", path, rc);
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (n + chunk > cap) {
            cap = 2 * (n + chunk);
            buf = realloc(buf, cap);
        }
        int64_t got = vfs_read(f, buf + n, chunk);
        assert_true(got >= 0);
        if (got == 0)
            break;
        n += (size_t)got;
    }
    vfs_close(f);
    *len = n;
    return buf;
}

static void check_image_files(const char *image)
{
    mount_image(image);
    const size_t chunks[] = { 1 << 20, 4096, 777 };
    int checked = 0;
    for (size_t i = 0; i < manifest_len; i++) {
        struct mfile *m = &manifest[i];
        if (strcmp(m->image, image) != 0)
            continue;
        char path[300];
        snprintf(path, sizeof path, "/img/%s", m->path);
        size_t len;
        uint8_t *data = read_all(path, chunks[i % 3], &len);
        assert_non_null(data);
        char sha[65];
        tu_sha256_hex(data, len, sha);
        if (len != m->size || strcmp(sha, m->sha) != 0)
            fail_msg("%s:%s: %zu bytes sha %s, want %llu bytes %s", image, m->path, len, sha,
                     (unsigned long long)m->size, m->sha);
        free(data);
        /* The chain seen by the driver matches the one mkfs/mtools made. */
        struct vfs_file *f;
        assert_int_equal(vfs_open(NULL, path, VFS_O_RDONLY, 0, &f), 0);
        struct fat_node *n = container_of(f->node, struct fat_node, vnode);
        struct fat_fs *fs = f->node->mount->fs;
        uint32_t clusters;
        mutex_lock(&fs->lock);
        assert_int_equal(fat_chain_length(fs, n, &clusters), 0);
        mutex_unlock(&fs->lock);
        assert_int_equal(n->first_cluster, m->first_cluster);
        assert_int_equal(n->ext_count, m->extents);
        struct vfs_stat st;
        assert_int_equal(vfs_fstat(f, &st), 0);
        assert_int_equal(st.size, m->size);
        assert_int_equal(st.type, VFS_REG);
        assert_true(st.mtime_ns >= 315532800LL * 1000000000LL);    /* 1980 */
        vfs_close(f);
        checked++;
    }
    assert_true(checked >= 300);
    unmount_image();
}

static void test_fat12_files(void **state) { (void)state; check_image_files("fat12-floppy.img"); }
static void test_fat16_files(void **state) { (void)state; check_image_files("fat16.img"); }
static void test_fat32_files(void **state) { (void)state; check_image_files("fat32-mbr.img"); }

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in directory dir (relative to /img) per the manifest, sorted. */
static size_t manifest_names(const char *image, const char *dir, char **out, size_t max)
{
    size_t n = 0, dlen = strlen(dir);
    for (size_t i = 0; i < manifest_len; i++) {
        struct mfile *m = &manifest[i];
        if (strcmp(m->image, image) != 0)
            continue;
        const char *rest = m->path;
        if (dlen) {
            if (strncmp(m->path, dir, dlen) != 0 || m->path[dlen] != '/')
                continue;
            rest = m->path + dlen + 1;
        }
        const char *slash = strchr(rest, '/');
        size_t len = slash ? (size_t)(slash - rest) : strlen(rest);
        bool seen = false;
        for (size_t k = 0; k < n; k++)
            seen |= strlen(out[k]) == len && strncmp(out[k], rest, len) == 0;
        if (!seen && n < max)
            out[n++] = strndup(rest, len);
    }
    qsort(out, n, sizeof *out, cmp_str);
    return n;
}

static void check_listing(const char *image, const char *dir)
{
    char *want[400], *got[400];
    size_t nwant = manifest_names(image, dir, want, 400), ngot = 0;
    char path[300];
    snprintf(path, sizeof path, "/img/%s", dir);
    struct vfs_file *f;
    assert_int_equal(vfs_open(NULL, path, VFS_O_RDONLY | VFS_O_DIRECTORY, 0, &f), 0);
    struct vfs_dirent *d = malloc(sizeof *d);
    while (vfs_readdir(f, d) == 1) {
        if (strcmp(d->name, ".") == 0 || strcmp(d->name, "..") == 0)
            continue;
        assert_true(ngot < 400);
        got[ngot++] = strdup(d->name);
    }
    free(d);
    vfs_close(f);
    qsort(got, ngot, sizeof *got, cmp_str);
    assert_int_equal(ngot, nwant);
    for (size_t i = 0; i < ngot; i++) {
        assert_string_equal(got[i], want[i]);
        free(got[i]);
        free(want[i]);
    }
}

static void test_listings(void **state)
{
    (void)state;
    const char *images[] = { "fat12-floppy.img", "fat16.img", "fat32-mbr.img" };
    for (int i = 0; i < 3; i++) {
        mount_image(images[i]);
        check_listing(images[i], "");
        check_listing(images[i], "DIR1");
        check_listing(images[i], "DIR1/SubDir/deep");
        check_listing(images[i], "manyfiles");
        unmount_image();
    }
}

static void test_lookups_ignore_case(void **state)
{
    (void)state;
    mount_image("fat32-mbr.img");
    struct vfs_stat st;
    assert_int_equal(vfs_stat(NULL, "/img/hello.txt", 0, &st), 0);
    assert_int_equal(vfs_stat(NULL, "/img/LOWER.TXT", 0, &st), 0);
    assert_int_equal(vfs_stat(NULL, "/img/long file name with spaces.TXT", 0, &st), 0);
    assert_int_equal(vfs_stat(NULL, "/img/CAFÉ-名前.TXT", 0, &st), 0);
    assert_int_equal(vfs_stat(NULL, "/img/dir1/subdir/DEEP/Nested.txt", 0, &st), 0);
    assert_int_equal(vfs_stat(NULL, "/img/manyfiles/file150.txt", 0, &st), -ENOENT);
    assert_int_equal(vfs_stat(NULL, "/img/manyfiles/FILE299.TXT", 0, &st), 0);
    assert_int_equal(vfs_stat(NULL, "/img/bad:name", 0, &st), -ENOENT);
    /* The short alias of a long name works as well. */
    struct vfs_file *f;
    assert_int_equal(vfs_stat(NULL, "/img/LONGFI~1.TXT", 0, &st), 0);
    assert_int_equal(st.size, 26);
    /* A read-only volume refuses changes. */
    assert_int_equal(vfs_mkdir(NULL, "/img/new", 0, 0755), -EROFS);
    assert_int_equal(vfs_open(NULL, "/img/HELLO.TXT", VFS_O_WRONLY, 0, &f), -EROFS);
    struct vfs_statfs sf;
    assert_int_equal(vfs_statfs(NULL, "/img", 0, &sf), 0);
    assert_string_equal(sf.fs_type, "fat32");
    assert_int_equal(sf.blocks, 127006);
    unmount_image();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fat12_files),
        cmocka_unit_test(test_fat16_files),
        cmocka_unit_test(test_fat32_files),
        cmocka_unit_test(test_listings),
        cmocka_unit_test(test_lookups_ignore_case),
    };
    return cmocka_run_group_tests_name("fat-read", tests, setup, teardown);
}
