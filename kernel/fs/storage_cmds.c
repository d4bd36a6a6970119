/*
 * kernel/fs/storage_cmds.c — the monitor's storage commands (until the
 * WebAssembly shell takes over): ls, cat, write, mkdir, rm, mv, df, mount,
 * umount, sync, lsblk. Paths are absolute or relative to "/".
 */
#include "fs/storage.h"
#include "core/monitor.h"
#include "dev/blkdev.h"
#include "dev/blkpart.h"
#include "dev/virtio/virtio_blk.h"
#include "fs/vfs.h"
#include "lib/lib.h"
#include "mm/mm.h"

static const char *error_name(int rc)
{
    switch (-rc) {
    case ENOENT: return "no such file or directory";
    case EEXIST: return "already exists";
    case ENOTDIR: return "not a directory";
    case EISDIR: return "is a directory";
    case ENOTEMPTY: return "directory not empty";
    case EROFS: return "read-only file system";
    case ENOSPC: return "no space left";
    case EINVAL: return "invalid argument";
    case EIO: return "I/O error";
    case EBUSY: return "busy";
    case EXDEV: return "not on the same file system";
    case ENAMETOOLONG: return "name too long";
    case ELOOP: return "too many symbolic links";
    case ENODEV: return "no such device or file system type";
    default: return "error";
    }
}

/* Report rc for path; returns rc (the monitor prints the errno too). */
static int fail(const char *what, const char *path, int rc)
{
    monitor_printf("%s: %s: %s\n", what, path, error_name(rc));
    return rc;
}

static const char *type_mark(uint32_t type)
{
    return type == VFS_DIR ? "d" : type == VFS_LNK ? "l" : type == VFS_CHR ? "c" : "-";
}

static int cmd_ls(int argc, char **argv)
{
    storage_wait_ready();
    const char *path = argc > 1 ? argv[1] : "/";
    struct vfs_stat st;
    int rc = vfs_stat(NULL, path, 0, &st);
    if (rc < 0)
        return fail("ls", path, rc);
    if (st.type != VFS_DIR) {
        monitor_printf("%s %10llu %s\n", type_mark(st.type), (unsigned long long)st.size, path);
        return 0;
    }
    struct vfs_file *dir;
    rc = vfs_open(NULL, path, VFS_O_RDONLY | VFS_O_DIRECTORY, 0, &dir);
    if (rc < 0)
        return fail("ls", path, rc);
    struct vfs_dirent *d = kmalloc(sizeof *d);
    unsigned count = 0;
    while (d && (rc = vfs_readdir(dir, d)) == 1) {
        if (strcmp(d->name, ".") == 0 || strcmp(d->name, "..") == 0)
            continue;
        struct vfs_stat cst = { 0 };
        vfs_stat(dir, d->name, VFS_NOFOLLOW, &cst);
        monitor_printf("%s %10llu %s%s\n", type_mark(d->type), (unsigned long long)cst.size, d->name,
                       d->type == VFS_DIR ? "/" : "");
        count++;
    }
    kfree(d);
    vfs_close(dir);
    if (rc < 0)
        return fail("ls", path, rc);
    monitor_printf("%u entries\n", count);
    return 0;
}

static int cmd_cat(int argc, char **argv)
{
    storage_wait_ready();
    if (argc != 2)
        return -EINVAL;
    struct vfs_file *f;
    int rc = vfs_open(NULL, argv[1], VFS_O_RDONLY, 0, &f);
    if (rc < 0)
        return fail("cat", argv[1], rc);
    char *buf = kmalloc(4096);
    int64_t n = buf ? 0 : -ENOMEM;
    while (buf && (n = vfs_read(f, buf, 4096)) > 0)
        monitor_write(buf, (unsigned long)n);
    kfree(buf);
    vfs_close(f);
    return n < 0 ? fail("cat", argv[1], (int)n) : 0;
}

/* write PATH WORDS...: the words joined by spaces and a newline, replacing the file. */
static int cmd_write(int argc, char **argv)
{
    storage_wait_ready();
    if (argc < 2)
        return -EINVAL;
    struct vfs_file *f;
    int rc = vfs_open(NULL, argv[1], VFS_O_WRONLY | VFS_O_CREAT | VFS_O_TRUNC, 0644, &f);
    if (rc < 0)
        return fail("write", argv[1], rc);
    int64_t n = 0;
    for (int i = 2; i < argc && n >= 0; i++) {
        n = vfs_write(f, argv[i], strlen(argv[i]));
        if (n >= 0)
            n = vfs_write(f, i + 1 < argc ? " " : "\n", 1);
    }
    vfs_close(f);
    return n < 0 ? fail("write", argv[1], (int)n) : 0;
}

static int cmd_mkdir(int argc, char **argv)
{
    storage_wait_ready();
    if (argc != 2)
        return -EINVAL;
    int rc = vfs_mkdir(NULL, argv[1], 0, 0755);
    return rc < 0 ? fail("mkdir", argv[1], rc) : 0;
}

/* rm PATH: a file, or an empty directory. */
static int cmd_rm(int argc, char **argv)
{
    storage_wait_ready();
    if (argc != 2)
        return -EINVAL;
    int rc = vfs_unlink(NULL, argv[1], 0);
    if (rc == -EISDIR)
        rc = vfs_rmdir(NULL, argv[1], 0);
    return rc < 0 ? fail("rm", argv[1], rc) : 0;
}

static int cmd_mv(int argc, char **argv)
{
    storage_wait_ready();
    if (argc != 3)
        return -EINVAL;
    int rc = vfs_rename(NULL, argv[1], NULL, argv[2], 0);
    return rc < 0 ? fail("mv", argv[1], rc) : 0;
}

static int df_line(struct vfs_mount *mnt, void *arg)
{
    (void)arg;
    struct vfs_statfs sf = { 0 };
    if (mnt->ops->statfs)
        mnt->ops->statfs(mnt, &sf);
    uint64_t kib = sf.blocks * sf.block_size / 1024, free_kib = sf.blocks_free * sf.block_size / 1024;
    monitor_printf("%-10s %-7s %10llu %10llu %10llu  %s\n", mnt->source, sf.fs_type,
                   (unsigned long long)kib, (unsigned long long)(kib - free_kib),
                   (unsigned long long)free_kib, mnt->path);
    return 0;
}

static int cmd_df(int argc, char **argv)
{
    storage_wait_ready();
    (void)argc;
    (void)argv;
    monitor_printf("%-10s %-7s %10s %10s %10s  %s\n", "source", "type", "KiB", "used", "free", "mounted on");
    return vfs_for_each_mount(df_line, NULL);
}

static int mount_line(struct vfs_mount *mnt, void *arg)
{
    (void)arg;
    monitor_printf("%s on %s type %s (%s)\n", mnt->source, mnt->path, mnt->type->name,
                   (mnt->flags & VFS_MNT_RDONLY) ? "ro" : "rw");
    return 0;
}

/* mount: list; mount TYPE SOURCE PATH [ro]: mount. */
static int cmd_mount(int argc, char **argv)
{
    storage_wait_ready();
    if (argc == 1)
        return vfs_for_each_mount(mount_line, NULL);
    if (argc != 4 && argc != 5)
        return -EINVAL;
    bool ro = argc == 5 && strcmp(argv[4], "ro") == 0;
    int rc = vfs_mount(argv[1], strcmp(argv[2], "-") == 0 ? NULL : argv[2], argv[3],
                       ro ? VFS_MNT_RDONLY : 0);
    return rc < 0 ? fail("mount", argv[2], rc) : 0;
}

static int cmd_umount(int argc, char **argv)
{
    storage_wait_ready();
    if (argc != 2)
        return -EINVAL;
    int rc = vfs_umount(argv[1]);
    return rc < 0 ? fail("umount", argv[1], rc) : 0;
}

static int cmd_sync(int argc, char **argv)
{
    storage_wait_ready();
    (void)argc;
    (void)argv;
    int rc = vfs_sync_all();
    if (rc == 0)
        monitor_printf("synced\n");
    return rc;
}

static int cmd_lsblk(int argc, char **argv)
{
    storage_wait_ready();
    (void)argc;
    (void)argv;
    for (struct blkdev *d = blkdev_next(NULL); d; d = blkdev_next(d)) {
        char type[37] = "";
        if (d->parent && d->mbr_type)
            snprintf(type, sizeof type, "MBR type 0x%02x", d->mbr_type);
        else if (d->parent)
            blkpart_guid_format(d->part_type_guid, type);
        monitor_printf("%-8s %10llu KiB %4u-byte sectors %s %s %s\n", d->name,
                       (unsigned long long)(d->sectors * d->sector_size / 1024), d->sector_size,
                       d->read_only ? "ro" : "rw", type, d->part_label);
        struct virtio_blk_stats vs;
        if (!d->parent && virtio_blk_stats(d->name, &vs))
            monitor_printf("         %llu requests, %llu interrupts, %llu KiB read, %llu KiB written, %llu errors\n",
                           (unsigned long long)vs.requests, (unsigned long long)vs.interrupts,
                           (unsigned long long)(vs.bytes_read >> 10),
                           (unsigned long long)(vs.bytes_written >> 10), (unsigned long long)vs.errors);
    }
    return 0;
}

static const struct monitor_cmd commands[] = {
    { "ls", "[PATH]", "list a directory (type, size, name)", cmd_ls },
    { "cat", "PATH", "print a file", cmd_cat },
    { "write", "PATH [TEXT...]", "replace a file with TEXT and a newline", cmd_write },
    { "mkdir", "PATH", "make a directory", cmd_mkdir },
    { "rm", "PATH", "remove a file or an empty directory", cmd_rm },
    { "mv", "OLD NEW", "rename or move", cmd_mv },
    { "df", "", "space on each mounted file system", cmd_df },
    { "mount", "[TYPE SOURCE PATH [ro]]", "list mounts, or mount (SOURCE - for none)", cmd_mount },
    { "umount", "PATH", "unmount, writing everything back", cmd_umount },
    { "sync", "", "write all cached changes to the disks", cmd_sync },
    { "lsblk", "", "block devices and partitions", cmd_lsblk },
};

void storage_register_commands(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
        monitor_register(&commands[i]);
}
