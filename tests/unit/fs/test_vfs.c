/*
 * tests/unit/fs/test_vfs.c — the VFS over tmpfs and devfs: path resolution
 * (".", "..", symlinks, loops, mount points, RESOLVE_BENEATH), open flags,
 * file objects, directory listing, rename rules, hard links, unlinking open
 * files, read-only mounts, busy unmounts, space limits, devfs devices and
 * hooks, concurrent creators, and no leaked memory at the end.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fs/devfs.h"
#include "fs/tmpfs.h"
#include "fs/vfs.h"
#include "lib/lib.h"
#include "mm/mm.h"

static uint64_t heap_before;

static int setup(void **state)
{
    (void)state;
    struct mm_stats st;
    mm_get_stats(&st);
    heap_before = st.heap_allocations;
    tmpfs_register();
    devfs_register();
    if (vfs_mount("tmpfs", NULL, "/", 0) < 0)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    int rc = vfs_umount_all();
    struct mm_stats st;
    mm_get_stats(&st);
    /* devfs's built-in table is static; everything else must be gone. */
    if (st.heap_allocations != heap_before) {
        fprintf(stderr, "leak: %llu heap objects\n",
                (unsigned long long)(st.heap_allocations - heap_before));
        return -1;
    }
    return rc;
}

static void put_file(const char *path, const char *text)
{
    struct vfs_file *f;
    assert_int_equal(vfs_open(NULL, path, VFS_O_WRONLY | VFS_O_CREAT | VFS_O_TRUNC, 0644, &f), 0);
    assert_int_equal(vfs_write(f, text, strlen(text)), (int64_t)strlen(text));
    vfs_close(f);
}

/* Read a whole small file into a static buffer ("" on error: returns errno). */
static int get_file(struct vfs_file *base, const char *path, char *out, size_t size)
{
    struct vfs_file *f;
    int rc = vfs_open(base, path, VFS_O_RDONLY, 0, &f);
    if (rc < 0)
        return rc;
    int64_t n = vfs_read(f, out, size - 1);
    vfs_close(f);
    if (n < 0)
        return (int)n;
    out[n] = 0;
    return 0;
}

static void test_files_and_dirs(void **state)
{
    (void)state;
    assert_int_equal(vfs_mkdir(NULL, "/a", 0, 0755), 0);
    assert_int_equal(vfs_mkdir(NULL, "/a/b", 0, 0755), 0);
    assert_int_equal(vfs_mkdir(NULL, "/a/b", 0, 0755), -EEXIST);
    assert_int_equal(vfs_mkdir(NULL, "/nope/b", 0, 0755), -ENOENT);
    put_file("/a/b/f.txt", "hello world");
    struct vfs_stat st;
    assert_int_equal(vfs_stat(NULL, "/a/b/f.txt", 0, &st), 0);
    assert_int_equal(st.type, VFS_REG);
    assert_int_equal(st.size, 11);
    assert_int_equal(vfs_stat(NULL, "/a/b/f.txt/", 0, &st), -ENOTDIR);
    assert_int_equal(vfs_stat(NULL, "/a/b/f.txt/x", 0, &st), -ENOTDIR);
    assert_int_equal(vfs_stat(NULL, "", 0, &st), -ENOENT);

    struct vfs_file *f;
    assert_int_equal(vfs_open(NULL, "/a/./b/../b//f.txt", VFS_O_RDWR, 0, &f), 0);
    char buf[64];
    assert_int_equal(vfs_seek(f, 6, VFS_SEEK_SET), 6);
    assert_int_equal(vfs_read(f, buf, 5), 5);
    assert_memory_equal(buf, "world", 5);
    assert_int_equal(vfs_read(f, buf, 5), 0);                   /* end of file */
    assert_int_equal(vfs_seek(f, -5, VFS_SEEK_END), 6);
    assert_int_equal(vfs_write(f, "WORLD!", 6), 6);
    assert_int_equal(vfs_seek(f, 0, VFS_SEEK_CUR), 12);
    assert_int_equal(vfs_seek(f, -100, VFS_SEEK_CUR), -EINVAL);
    /* A hole reads as zeros. */
    assert_int_equal(vfs_pwrite(f, "z", 1, 10000), 1);
    assert_int_equal(vfs_pread(f, buf, 4, 5000), 4);
    assert_memory_equal(buf, "\0\0\0\0", 4);
    assert_int_equal(vfs_ftruncate(f, 5), 0);
    assert_int_equal(vfs_fstat(f, &st), 0);
    assert_int_equal(st.size, 5);
    assert_int_equal(vfs_ftruncate(f, 8), 0);
    assert_int_equal(vfs_pread(f, buf, 8, 0), 8);
    assert_memory_equal(buf, "hello\0\0\0", 8);                 /* regrown tail is zero */
    vfs_close(f);

    /* Directories: listing with "." and "..", cookies. */
    put_file("/a/b/g.txt", "g");
    assert_int_equal(vfs_open(NULL, "/a/b", VFS_O_RDONLY | VFS_O_DIRECTORY, 0, &f), 0);
    struct vfs_dirent *d = malloc(sizeof *d);
    const char *want[] = { ".", "..", "f.txt", "g.txt" };
    uint64_t cookie_g = 0;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(vfs_readdir(f, d), 1);
        assert_string_equal(d->name, want[i]);
        if (i == 2)
            cookie_g = d->next_cookie;
    }
    assert_int_equal(vfs_readdir(f, d), 0);
    assert_int_equal(vfs_seekdir(f, cookie_g), 0);
    assert_int_equal(vfs_readdir(f, d), 1);
    assert_string_equal(d->name, "g.txt");
    assert_int_equal(vfs_read(f, buf, 1), -EISDIR);
    vfs_close(f);
    free(d);

    assert_int_equal(vfs_open(NULL, "/a/b/f.txt", VFS_O_RDONLY | VFS_O_DIRECTORY, 0, &f), -ENOTDIR);
    assert_int_equal(vfs_open(NULL, "/a/b", VFS_O_WRONLY, 0, &f), -EISDIR);
    assert_int_equal(vfs_rmdir(NULL, "/a/b", 0), -ENOTEMPTY);
    assert_int_equal(vfs_rmdir(NULL, "/a/b/f.txt", 0), -ENOTDIR);
    assert_int_equal(vfs_unlink(NULL, "/a/b", 0), -EISDIR);
    assert_int_equal(vfs_rmdir(NULL, "/a/b/.", 0), -EINVAL);
    assert_int_equal(vfs_unlink(NULL, "/a/b/f.txt", 0), 0);
    assert_int_equal(vfs_unlink(NULL, "/a/b/g.txt", 0), 0);
    assert_int_equal(vfs_unlink(NULL, "/a/b/g.txt", 0), -ENOENT);
    assert_int_equal(vfs_rmdir(NULL, "/a/b", 0), 0);
    assert_int_equal(vfs_rmdir(NULL, "/a", 0), 0);
}

static void test_open_flags(void **state)
{
    (void)state;
    struct vfs_file *f;
    put_file("/o.txt", "abc");
    assert_int_equal(vfs_open(NULL, "/o.txt", VFS_O_WRONLY | VFS_O_CREAT | VFS_O_EXCL, 0644, &f), -EEXIST);
    assert_int_equal(vfs_open(NULL, "/missing", VFS_O_RDONLY, 0, &f), -ENOENT);
    assert_int_equal(vfs_open(NULL, "/o.txt", VFS_O_RDONLY, 0, &f), 0);
    assert_int_equal(vfs_write(f, "x", 1), -EBADF);
    vfs_close(f);
    assert_int_equal(vfs_open(NULL, "/o.txt", VFS_O_WRONLY | VFS_O_APPEND, 0, &f), 0);
    assert_int_equal(vfs_write(f, "de", 2), 2);
    char buf[8];
    assert_int_equal(vfs_read(f, buf, 1), -EBADF);
    vfs_close(f);
    char text[32];
    assert_int_equal(get_file(NULL, "/o.txt", text, sizeof text), 0);
    assert_string_equal(text, "abcde");
    assert_int_equal(vfs_open(NULL, "/o.txt", VFS_O_WRONLY | VFS_O_TRUNC, 0, &f), 0);
    vfs_close(f);
    struct vfs_stat st;
    assert_int_equal(vfs_stat(NULL, "/o.txt", 0, &st), 0);
    assert_int_equal(st.size, 0);
    assert_int_equal(vfs_open(NULL, "/newdir/", VFS_O_WRONLY | VFS_O_CREAT, 0644, &f), -EISDIR);
    char longname[VFS_NAME_MAX + 10];
    memset(longname, 'n', sizeof longname);
    longname[0] = '/';
    longname[sizeof longname - 1] = 0;
    assert_int_equal(vfs_open(NULL, longname, VFS_O_WRONLY | VFS_O_CREAT, 0644, &f), -ENAMETOOLONG);
    assert_int_equal(vfs_unlink(NULL, "/o.txt", 0), 0);
}

static void test_symlinks(void **state)
{
    (void)state;
    assert_int_equal(vfs_mkdir(NULL, "/s", 0, 0755), 0);
    assert_int_equal(vfs_mkdir(NULL, "/s/real", 0, 0755), 0);
    put_file("/s/real/data", "linked");
    assert_int_equal(vfs_symlink("real", NULL, "/s/rel", 0), 0);
    assert_int_equal(vfs_symlink("/s/real/data", NULL, "/s/abs", 0), 0);
    assert_int_equal(vfs_symlink("rel/data", NULL, "/s/chain", 0), 0);
    assert_int_equal(vfs_symlink("loop2", NULL, "/s/loop1", 0), 0);
    assert_int_equal(vfs_symlink("loop1", NULL, "/s/loop2", 0), 0);
    assert_int_equal(vfs_symlink("nowhere", NULL, "/s/dangling", 0), 0);
    assert_int_equal(vfs_symlink("x", NULL, "/s/rel", 0), -EEXIST);
    char text[32];
    assert_int_equal(get_file(NULL, "/s/rel/data", text, sizeof text), 0);
    assert_string_equal(text, "linked");
    assert_int_equal(get_file(NULL, "/s/abs", text, sizeof text), 0);
    assert_string_equal(text, "linked");
    assert_int_equal(get_file(NULL, "/s/chain", text, sizeof text), 0);
    assert_string_equal(text, "linked");
    assert_int_equal(get_file(NULL, "/s/loop1", text, sizeof text), -ELOOP);
    assert_int_equal(get_file(NULL, "/s/dangling", text, sizeof text), -ENOENT);
    /* ".." after a link to a directory is taken from the target. */
    assert_int_equal(get_file(NULL, "/s/rel/../real/data", text, sizeof text), 0);
    struct vfs_stat st;
    assert_int_equal(vfs_stat(NULL, "/s/rel", VFS_NOFOLLOW, &st), 0);
    assert_int_equal(st.type, VFS_LNK);
    assert_int_equal(vfs_stat(NULL, "/s/rel", 0, &st), 0);
    assert_int_equal(st.type, VFS_DIR);
    assert_int_equal(vfs_stat(NULL, "/s/rel/", VFS_NOFOLLOW, &st), 0);  /* slash follows */
    assert_int_equal(st.type, VFS_DIR);
    char target[64];
    assert_int_equal(vfs_readlink(NULL, "/s/chain", 0, target, sizeof target), 8);
    assert_memory_equal(target, "rel/data", 8);
    assert_int_equal(vfs_readlink(NULL, "/s/real", 0, target, sizeof target), -EINVAL);
    struct vfs_file *f;
    assert_int_equal(vfs_open(NULL, "/s/abs", VFS_O_RDONLY | VFS_O_NOFOLLOW, 0, &f), -ELOOP);
    /* A chain longer than the limit fails even without a cycle. */
    char name[32], dest[32];
    for (int i = 0; i <= VFS_SYMLINK_MAX; i++) {
        snprintf(name, sizeof name, "/s/l%d", i);
        snprintf(dest, sizeof dest, i == VFS_SYMLINK_MAX ? "real/data" : "l%d", i + 1);
        assert_int_equal(vfs_symlink(dest, NULL, name, 0), 0);
    }
    assert_int_equal(get_file(NULL, "/s/l1", text, sizeof text), 0);     /* 40 links */
    assert_int_equal(get_file(NULL, "/s/l0", text, sizeof text), -ELOOP); /* 41 */
    /* Removing a link leaves its target alone. */
    assert_int_equal(vfs_unlink(NULL, "/s/rel", 0), 0);
    assert_int_equal(vfs_stat(NULL, "/s/real/data", 0, &st), 0);
}

static void test_mounts_and_dotdot(void **state)
{
    (void)state;
    assert_int_equal(vfs_mkdir(NULL, "/mnt", 0, 0755), 0);
    put_file("/mnt/hidden", "under");
    assert_int_equal(vfs_mount("tmpfs", "size=1M", "/mnt", 0), 0);
    struct vfs_stat st;
    assert_int_equal(vfs_stat(NULL, "/mnt/hidden", 0, &st), -ENOENT);
    put_file("/mnt/top", "over");
    put_file("/rootfile", "root");
    char text[32];
    assert_int_equal(get_file(NULL, "/mnt/../rootfile", text, sizeof text), 0);
    assert_int_equal(get_file(NULL, "/../../rootfile", text, sizeof text), 0);   /* root's parent is root */
    struct vfs_stat a, b;
    assert_int_equal(vfs_stat(NULL, "/mnt/top", 0, &a), 0);
    assert_int_equal(vfs_stat(NULL, "/rootfile", 0, &b), 0);
    assert_int_not_equal(a.dev, b.dev);
    assert_int_equal(vfs_mount("tmpfs", NULL, "/mnt", 0), -EBUSY);
    assert_int_equal(vfs_mount("nosuchfs", NULL, "/x", 0), -ENODEV);
    assert_int_equal(vfs_rmdir(NULL, "/mnt", 0), -EBUSY);
    assert_int_equal(vfs_rename(NULL, "/mnt/top", NULL, "/moved", 0), -EXDEV);

    struct vfs_file *f;
    assert_int_equal(vfs_open(NULL, "/mnt/top", VFS_O_RDONLY, 0, &f), 0);
    assert_int_equal(vfs_umount("/mnt"), -EBUSY);
    vfs_close(f);
    assert_int_equal(vfs_umount("/mnt/top"), -EINVAL);
    assert_int_equal(vfs_umount("/mnt"), 0);
    assert_int_equal(get_file(NULL, "/mnt/hidden", text, sizeof text), 0);
    assert_string_equal(text, "under");

    /* Read-only mounts refuse every change. */
    assert_int_equal(vfs_mount("tmpfs", NULL, "/mnt", VFS_MNT_RDONLY), 0);
    assert_int_equal(vfs_mkdir(NULL, "/mnt/d", 0, 0755), -EROFS);
    assert_int_equal(vfs_open(NULL, "/mnt/f", VFS_O_WRONLY | VFS_O_CREAT, 0644, &f), -EROFS);
    assert_int_equal(vfs_symlink("x", NULL, "/mnt/l", 0), -EROFS);
    struct vfs_statfs sf;
    assert_int_equal(vfs_statfs(NULL, "/mnt", 0, &sf), 0);
    assert_true(sf.read_only);
    assert_string_equal(sf.fs_type, "tmpfs");
    assert_int_equal(vfs_umount("/mnt"), 0);
}

static void test_beneath(void **state)
{
    (void)state;
    assert_int_equal(vfs_mkdir(NULL, "/box", 0, 0755), 0);
    assert_int_equal(vfs_mkdir(NULL, "/box/in", 0, 0755), 0);
    put_file("/secret", "no");
    put_file("/box/in/ok", "yes");
    assert_int_equal(vfs_symlink("../../secret", NULL, "/box/in/escape", 0), 0);
    assert_int_equal(vfs_symlink("/secret", NULL, "/box/abs", 0), 0);
    assert_int_equal(vfs_symlink("in/ok", NULL, "/box/inside", 0), 0);
    assert_int_equal(vfs_symlink("../box/in/ok", NULL, "/box/outandback", 0), 0);
    struct vfs_file *box;
    assert_int_equal(vfs_open(NULL, "/box", VFS_O_RDONLY | VFS_O_DIRECTORY, 0, &box), 0);
    char text[32];
    unsigned B = VFS_RESOLVE_BENEATH;
    struct vfs_file *f;
    assert_int_equal(vfs_open(box, "in/ok", B, 0, &f), 0);
    vfs_close(f);
    assert_int_equal(vfs_open(box, "in/../in/ok", B, 0, &f), 0);
    vfs_close(f);
    assert_int_equal(vfs_open(box, "inside", B, 0, &f), 0);
    vfs_close(f);
    assert_int_equal(vfs_open(box, "../secret", B, 0, &f), -EXDEV);
    assert_int_equal(vfs_open(box, "/secret", B, 0, &f), -EXDEV);
    assert_int_equal(vfs_open(box, "in/escape", B, 0, &f), -EXDEV);
    assert_int_equal(vfs_open(box, "abs", B, 0, &f), -EXDEV);
    assert_int_equal(vfs_open(box, "outandback", B, 0, &f), -EXDEV);
    assert_int_equal(vfs_open(box, "..", B, 0, &f), -EXDEV);
    assert_int_equal(vfs_mkdir(box, "../evil", B, 0755), -EXDEV);
    assert_int_equal(vfs_rename(box, "in/ok", box, "../stolen", B), -EXDEV);
    /* Without the flag the same paths work relative to the base. */
    assert_int_equal(get_file(box, "../secret", text, sizeof text), 0);
    assert_string_equal(text, "no");
    vfs_close(box);
}

static void test_rename_rules(void **state)
{
    (void)state;
    assert_int_equal(vfs_mkdir(NULL, "/r", 0, 0755), 0);
    assert_int_equal(vfs_mkdir(NULL, "/r/d1", 0, 0755), 0);
    assert_int_equal(vfs_mkdir(NULL, "/r/d1/sub", 0, 0755), 0);
    assert_int_equal(vfs_mkdir(NULL, "/r/d2", 0, 0755), 0);
    put_file("/r/d2/x", "x");
    put_file("/r/f1", "one");
    put_file("/r/f2", "two");
    assert_int_equal(vfs_rename(NULL, "/r/d1", NULL, "/r/d1/sub/inner", 0), -EINVAL);
    assert_int_equal(vfs_rename(NULL, "/r/d1", NULL, "/r/d2", 0), -ENOTEMPTY);
    assert_int_equal(vfs_rename(NULL, "/r/d1", NULL, "/r/f1", 0), -ENOTDIR);
    assert_int_equal(vfs_rename(NULL, "/r/f1", NULL, "/r/d1", 0), -EISDIR);
    assert_int_equal(vfs_rename(NULL, "/r/nope", NULL, "/r/x", 0), -ENOENT);
    assert_int_equal(vfs_rename(NULL, "/r/f1", NULL, "/r/f1", 0), 0);
    assert_int_equal(vfs_rename(NULL, "/r/f1", NULL, "/r/f2", 0), 0);   /* replaces */
    char text[32];
    assert_int_equal(get_file(NULL, "/r/f2", text, sizeof text), 0);
    assert_string_equal(text, "one");
    struct vfs_stat st;
    assert_int_equal(vfs_stat(NULL, "/r/f1", 0, &st), -ENOENT);
    /* Moving a directory moves its "..". */
    struct vfs_file *sub;
    assert_int_equal(vfs_open(NULL, "/r/d1/sub", VFS_O_RDONLY, 0, &sub), 0);
    assert_int_equal(vfs_rename(NULL, "/r/d1/sub", NULL, "/r/d2/moved", 0), 0);
    assert_int_equal(get_file(sub, "../x", text, sizeof text), 0);
    assert_string_equal(text, "x");
    vfs_close(sub);
    assert_int_equal(vfs_rmdir(NULL, "/r/d2/moved", 0), 0);
    assert_int_equal(vfs_rename(NULL, "/r/d2/x", NULL, "/r/d1/x", 0), 0);
    assert_int_equal(vfs_rename(NULL, "/r/d2", NULL, "/r/d1", 0), -ENOTEMPTY);
    assert_int_equal(vfs_unlink(NULL, "/r/d1/x", 0), 0);
    assert_int_equal(vfs_rename(NULL, "/r/d2", NULL, "/r/d1", 0), 0);  /* over an empty dir */
    assert_int_equal(vfs_stat(NULL, "/r/d2", 0, &st), -ENOENT);
}

static void test_links_and_open_unlinked(void **state)
{
    (void)state;
    put_file("/h1", "shared");
    assert_int_equal(vfs_link(NULL, "/h1", NULL, "/h2", 0), 0);
    struct vfs_stat st;
    assert_int_equal(vfs_stat(NULL, "/h2", 0, &st), 0);
    assert_int_equal(st.nlink, 2);
    assert_int_equal(vfs_link(NULL, "/", NULL, "/h3", 0), -EPERM);
    assert_int_equal(vfs_unlink(NULL, "/h1", 0), 0);
    char text[32];
    assert_int_equal(get_file(NULL, "/h2", text, sizeof text), 0);
    assert_string_equal(text, "shared");
    struct vfs_file *f;
    assert_int_equal(vfs_open(NULL, "/h2", VFS_O_RDWR, 0, &f), 0);
    assert_int_equal(vfs_unlink(NULL, "/h2", 0), 0);
    /* Still usable through the open file. */
    assert_int_equal(vfs_pwrite(f, "S", 1, 0), 1);
    assert_int_equal(vfs_pread(f, text, 6, 0), 6);
    assert_memory_equal(text, "Shared", 6);
    assert_int_equal(vfs_fstat(f, &st), 0);
    assert_int_equal(st.nlink, 0);
    vfs_close(f);
    assert_int_equal(vfs_stat(NULL, "/h2", 0, &st), -ENOENT);
    /* A removed directory that is still open has no "..", takes no entries. */
    assert_int_equal(vfs_mkdir(NULL, "/gone", 0, 0755), 0);
    assert_int_equal(vfs_open(NULL, "/gone", VFS_O_RDONLY, 0, &f), 0);
    assert_int_equal(vfs_rmdir(NULL, "/gone", 0), 0);
    struct vfs_file *g;
    assert_int_equal(vfs_open(f, "new", VFS_O_WRONLY | VFS_O_CREAT, 0644, &g), -ENOENT);
    assert_int_equal(vfs_stat(f, "..", 0, &st), -ENOENT);
    vfs_close(f);
}

static void test_times(void **state)
{
    (void)state;
    put_file("/t", "t");
    assert_int_equal(vfs_set_times(NULL, "/t", 0, 1000000000LL * 86400, VFS_TIME_OMIT), 0);
    struct vfs_stat st;
    assert_int_equal(vfs_stat(NULL, "/t", 0, &st), 0);
    assert_int_equal(st.atime_ns, 1000000000LL * 86400);
    int64_t before = vfs_now();
    assert_int_equal(vfs_set_times(NULL, "/t", 0, VFS_TIME_OMIT, VFS_TIME_NOW), 0);
    assert_int_equal(vfs_stat(NULL, "/t", 0, &st), 0);
    assert_true(st.mtime_ns >= before);
    assert_int_equal(st.atime_ns, 1000000000LL * 86400);
    assert_int_equal(vfs_unlink(NULL, "/t", 0), 0);
}

static void test_tmpfs_space_limit(void **state)
{
    (void)state;
    assert_int_equal(vfs_mkdir(NULL, "/small", 0, 0755), 0);
    assert_int_equal(vfs_mount("tmpfs", "size=64K", "/small", 0), 0);
    struct vfs_file *f;
    assert_int_equal(vfs_open(NULL, "/small/big", VFS_O_WRONLY | VFS_O_CREAT, 0644, &f), 0);
    static char chunk[100000];
    int64_t n = vfs_write(f, chunk, sizeof chunk);
    assert_true(n > 0 && n <= 65536);                   /* a short write, then */
    assert_int_equal(vfs_write(f, chunk, 4096), -ENOSPC);
    assert_int_equal(vfs_ftruncate(f, 0), 0);           /* space comes back */
    assert_int_equal(vfs_pwrite(f, chunk, 4096, 0), 4096);
    vfs_close(f);
    struct vfs_statfs sf;
    assert_int_equal(vfs_statfs(NULL, "/small", 0, &sf), 0);
    assert_int_equal(sf.blocks, 16);
    assert_int_equal(vfs_umount("/small"), 0);
}

static char console_out[64];
static size_t console_len;
static int64_t fake_console_write(const void *buf, size_t len)
{
    size_t n = MIN(len, sizeof console_out - console_len);
    memcpy(console_out + console_len, buf, n);
    console_len += n;
    return (int64_t)len;
}
static int64_t fake_console_read(void *buf, size_t len)
{
    size_t n = MIN(len, (size_t)3);
    memcpy(buf, "ab\n", n);
    return (int64_t)n;
}
static void fake_random(void *buf, size_t len)
{
    memset(buf, 0x5A, len);
}
static int64_t counter_read(void *ctx, void *buf, size_t len)
{
    int *count = ctx;
    (*count)++;
    memset(buf, 'c', len);
    return (int64_t)len;
}

static void test_devfs(void **state)
{
    (void)state;
    assert_int_equal(vfs_mkdir(NULL, "/dev", 0, 0755), 0);
    assert_int_equal(vfs_mount("devfs", NULL, "/dev", 0), 0);
    struct vfs_file *f;
    char buf[16];
    assert_int_equal(vfs_open(NULL, "/dev/null", VFS_O_RDWR, 0, &f), 0);
    assert_int_equal(vfs_read(f, buf, sizeof buf), 0);
    assert_int_equal(vfs_write(f, "gone", 4), 4);
    vfs_close(f);
    assert_int_equal(vfs_open(NULL, "/dev/zero", VFS_O_RDONLY, 0, &f), 0);
    memset(buf, 1, sizeof buf);
    assert_int_equal(vfs_read(f, buf, sizeof buf), sizeof buf);
    for (size_t i = 0; i < sizeof buf; i++)
        assert_int_equal(buf[i], 0);
    vfs_close(f);
    assert_int_equal(vfs_open(NULL, "/dev/random", VFS_O_RDONLY, 0, &f), 0);
    assert_int_equal(vfs_read(f, buf, sizeof buf), -ENXIO);    /* no generator yet */
    struct devfs_hooks hooks = { fake_console_read, fake_console_write, fake_random };
    devfs_set_hooks(&hooks);
    assert_int_equal(vfs_read(f, buf, 4), 4);
    assert_memory_equal(buf, "\x5A\x5A\x5A\x5A", 4);
    vfs_close(f);
    assert_int_equal(vfs_open(NULL, "/dev/console", VFS_O_RDWR, 0, &f), 0);
    assert_int_equal(vfs_write(f, "hi", 2), 2);
    assert_int_equal(vfs_read(f, buf, sizeof buf), 3);
    vfs_close(f);
    assert_int_equal(console_len, 2);
    assert_memory_equal(console_out, "hi", 2);
    struct devfs_hooks none = { 0 };
    devfs_set_hooks(&none);

    static int reads;
    static const struct devfs_device_ops counter_ops = { counter_read, NULL };
    assert_int_equal(devfs_add("counter", &counter_ops, &reads), 0);
    assert_int_equal(devfs_add("counter", &counter_ops, &reads), -EEXIST);
    assert_int_equal(vfs_open(NULL, "/dev/counter", VFS_O_RDWR, 0, &f), 0);
    assert_int_equal(vfs_read(f, buf, 2), 2);
    assert_int_equal(vfs_write(f, buf, 2), -EINVAL);
    vfs_close(f);
    assert_int_equal(reads, 1);

    assert_int_equal(vfs_open(NULL, "/dev", VFS_O_RDONLY, 0, &f), 0);
    struct vfs_dirent *d = malloc(sizeof *d);
    int count = 0;
    bool saw_console = false;
    while (vfs_readdir(f, d) == 1) {
        count++;
        saw_console |= strcmp(d->name, "console") == 0;
    }
    free(d);
    vfs_close(f);
    assert_int_equal(count, 2 + 6);
    assert_true(saw_console);
    assert_int_equal(vfs_open(NULL, "/dev/newfile", VFS_O_WRONLY | VFS_O_CREAT, 0644, &f), -EPERM);
    assert_int_equal(vfs_umount("/dev"), 0);
}

struct creator {
    int id;
    int errors;
};

static void *creator_main(void *p)
{
    struct creator *c = p;
    char path[64], text[32];
    for (int i = 0; i < 200; i++) {
        snprintf(path, sizeof path, "/par/t%d-%d", c->id, i);
        snprintf(text, sizeof text, "%d:%d", c->id, i);
        struct vfs_file *f;
        if (vfs_open(NULL, path, VFS_O_RDWR | VFS_O_CREAT | VFS_O_EXCL, 0644, &f) < 0) {
            c->errors++;
            continue;
        }
        if (vfs_write(f, text, strlen(text)) != (int64_t)strlen(text))
            c->errors++;
        vfs_close(f);
        if (i % 2 && vfs_unlink(NULL, path, 0) < 0)
            c->errors++;
    }
    return NULL;
}

static void test_concurrent_creators(void **state)
{
    (void)state;
    assert_int_equal(vfs_mkdir(NULL, "/par", 0, 0755), 0);
    pthread_t t[4];
    struct creator c[4];
    for (int i = 0; i < 4; i++) {
        c[i] = (struct creator){ i, 0 };
        pthread_create(&t[i], NULL, creator_main, &c[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(c[i].errors, 0);
    }
    struct vfs_file *f;
    assert_int_equal(vfs_open(NULL, "/par", VFS_O_RDONLY, 0, &f), 0);
    struct vfs_dirent *d = malloc(sizeof *d);
    int count = 0;
    while (vfs_readdir(f, d) == 1)
        count++;
    free(d);
    vfs_close(f);
    assert_int_equal(count, 2 + 4 * 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_files_and_dirs),
        cmocka_unit_test(test_open_flags),
        cmocka_unit_test(test_symlinks),
        cmocka_unit_test(test_mounts_and_dotdot),
        cmocka_unit_test(test_beneath),
        cmocka_unit_test(test_rename_rules),
        cmocka_unit_test(test_links_and_open_unlinked),
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_tmpfs_space_limit),
        cmocka_unit_test(test_devfs),
        cmocka_unit_test(test_concurrent_creators),
    };
    return cmocka_run_group_tests_name("vfs", tests, setup, teardown);
}
