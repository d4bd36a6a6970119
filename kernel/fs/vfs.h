/*
 * kernel/fs/vfs.h — the virtual file system: one name space of mounted file
 * systems, path resolution, and open-file objects.
 *
 * Users (the kernel monitor, the WASI layer, the Linux layer) see:
 *   - paths, resolved from a base directory file (NULL = the root "/"):
 *     ".", "..", symbolic links (at most VFS_SYMLINK_MAX per resolution,
 *     then -ELOOP), mount points crossed both ways; with VFS_RESOLVE_BENEATH
 *     a path may not leave its base (absolute paths, ".." above the base and
 *     absolute symlinks give -EXDEV) — what WASI preopens need;
 *   - open files (struct vfs_file), reference counted: vfs_file_get() for
 *     every extra holder (an fd table slot), vfs_close() drops one;
 *   - errors as negative errno values (include/kpio/errno.h).
 *
 * File systems implement struct vnode_ops on their vnodes and a struct
 * vfs_fs_type; see the comments there for what each operation must do.
 * Everything here may sleep (thread context only).
 */
#ifndef KPIO_VFS_H
#define KPIO_VFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/list.h"
#include "sched/sched.h"

#define VFS_NAME_MAX     765    /* bytes of UTF-8 in one name (255 UTF-16 units) */
#define VFS_PATH_MAX     4096
#define VFS_SYMLINK_MAX  40

enum vfs_type { VFS_NONE = 0, VFS_REG = 1, VFS_DIR = 2, VFS_LNK = 3, VFS_CHR = 4, VFS_BLK = 5 };

/* Open flags (Linux's values, so the Linux layer passes them through). */
#define VFS_O_RDONLY    0x0000
#define VFS_O_WRONLY    0x0001
#define VFS_O_RDWR      0x0002
#define VFS_O_ACCMODE   0x0003
#define VFS_O_CREAT     0x0040
#define VFS_O_EXCL      0x0080
#define VFS_O_TRUNC     0x0200
#define VFS_O_APPEND    0x0400
#define VFS_O_DIRECTORY 0x10000
#define VFS_O_NOFOLLOW  0x20000
/* Resolution flags, accepted by every path function. */
#define VFS_RESOLVE_BENEATH 0x1000000
#define VFS_NOFOLLOW        VFS_O_NOFOLLOW     /* for stat/set_times: do not follow a final link */

enum vfs_whence { VFS_SEEK_SET = 0, VFS_SEEK_CUR = 1, VFS_SEEK_END = 2 };

/* Mount flags */
#define VFS_MNT_RDONLY 1u

struct vfs_stat {
    uint64_t dev;           /* mount id */
    uint64_t ino;
    uint32_t type;          /* enum vfs_type */
    uint32_t mode;          /* permission bits (0755, 0644, read-only: 0555/0444) */
    uint64_t nlink;
    uint64_t size;
    uint64_t blocks;        /* 512-byte units allocated */
    uint32_t blksize;       /* preferred I/O size */
    int64_t atime_ns, mtime_ns, ctime_ns;   /* since 1970-01-01 UTC */
};

struct vfs_dirent {
    uint64_t ino;
    uint32_t type;          /* enum vfs_type */
    uint64_t next_cookie;   /* pass to vfs_seekdir to continue after this entry */
    char name[VFS_NAME_MAX + 1];
};

struct vfs_statfs {
    char fs_type[16];
    uint64_t block_size;
    uint64_t blocks, blocks_free;
    uint64_t name_max;
    bool read_only;
};

#define VFS_APPEND_OFFSET UINT64_MAX

/* "leave this time alone" / "now" for vfs_set_times */
#define VFS_TIME_OMIT INT64_MIN
#define VFS_TIME_NOW  (INT64_MIN + 1)

struct vnode;
struct vfs_mount;

/*
 * Operations on a file system's vnodes. Names passed in are single
 * components (no '/', never "." or ".."), not NUL-terminated, length given.
 * A NULL operation means "not supported" (-EPERM for namespace operations,
 * -EINVAL for data operations, -ENOTDIR/-EISDIR as fits).
 */
struct vnode_ops {
    /* Find name in dir; *out gets a new reference. -ENOENT if absent. */
    int (*lookup)(struct vnode *dir, const char *name, size_t len, struct vnode **out);
    /* Create a regular file or directory (type VFS_REG/VFS_DIR) that does not exist yet. */
    int (*create)(struct vnode *dir, const char *name, size_t len, uint32_t type,
                  uint32_t mode, struct vnode **out);
    int (*symlink)(struct vnode *dir, const char *name, size_t len, const char *target);
    /* A hard link to node (a regular file) named name in dir. */
    int (*link)(struct vnode *dir, const char *name, size_t len, struct vnode *node);
    /* Read a link's target into buf (not NUL-terminated); returns its length. */
    int (*readlink)(struct vnode *node, char *buf, size_t size);
    /* Remove name from dir: a non-directory (rmdir = false) or an empty directory. */
    int (*unlink)(struct vnode *dir, const char *name, size_t len, bool rmdir);
    /* Move/rename; the VFS has checked types, emptiness of a replaced
     * directory and that newdir is not inside the moved directory. */
    int (*rename)(struct vnode *olddir, const char *oldname, size_t oldlen,
                  struct vnode *newdir, const char *newname, size_t newlen);
    /* Read/write at off; return the bytes done (read: 0 at the end). A write
     * at VFS_APPEND_OFFSET goes to the current end of the file, atomically. */
    int64_t (*read)(struct vnode *node, uint64_t off, void *buf, size_t len);
    int64_t (*write)(struct vnode *node, uint64_t off, const void *buf, size_t len);
    int (*truncate)(struct vnode *node, uint64_t size);
    int (*getattr)(struct vnode *node, struct vfs_stat *st);
    int (*set_times)(struct vnode *node, int64_t atime_ns, int64_t mtime_ns);
    /* Entry at *cookie (0 = first; "." and ".." are added by the VFS): fills
     * out, advances *cookie; returns 1, or 0 at the end. */
    int (*readdir)(struct vnode *dir, uint64_t *cookie, struct vfs_dirent *out);
    int (*fsync)(struct vnode *node);
    /* The last reference went away. The file system takes its own lock and
     * then asks vnode_release_ok(): only if that says true may it free the
     * vnode (another thread may have found it again meanwhile). */
    void (*release)(struct vnode *node);
};

struct vnode {
    const struct vnode_ops *ops;
    struct vfs_mount *mount;
    uint32_t type;                  /* enum vfs_type */
    uint32_t refs;                  /* guarded by the VFS's vnode lock */
    uint32_t releasing;             /* release() calls under way */
    /* Directories: the parent directory, kept valid by the file system for as
     * long as this vnode has references (NULL at the file system's root and
     * for a removed directory). The VFS follows it for "..". */
    struct vnode *parent;
    struct vfs_mount *covered_by;   /* a mount on this directory */
    void *fs;                       /* the file system's */
};

/* Operations on a mounted file system. */
struct vfs_mount_ops {
    int (*sync)(struct vfs_mount *mnt);
    int (*statfs)(struct vfs_mount *mnt, struct vfs_statfs *out);
    /* Write everything back and free the file system (its vnodes are all released). */
    int (*unmount)(struct vfs_mount *mnt);
};

struct vfs_fs_type {
    const char *name;               /* "fat", "tmpfs", "devfs" */
    /* Mount `source` (a block device name, or NULL) on mnt: fill
     * mnt->ops, mnt->fs and mnt->root (a vnode with one reference). */
    int (*mount)(struct vfs_mount *mnt, const char *source, unsigned flags);
    struct list_node node;
};

struct vfs_mount {
    uint64_t id;
    const struct vfs_fs_type *type;
    const struct vfs_mount_ops *ops;
    struct vnode *root;
    struct vnode *covered;          /* the directory it is mounted on; NULL for "/" */
    unsigned flags;                 /* VFS_MNT_RDONLY */
    char source[32];
    char path[256];                 /* where it is mounted, for listings */
    uint64_t busy;                  /* vnodes with references (the root included) */
    void *fs;
    struct list_node node;
};

struct vfs_file {
    struct vnode *node;
    uint32_t flags;                 /* VFS_O_* given to open */
    uint32_t refs;
    struct mutex lock;              /* offset and directory cursor */
    uint64_t offset;
    uint64_t dir_cookie;
};

/* ---- set-up ---- */
void vfs_register_fs(struct vfs_fs_type *type);
/* Mount file system `type` from `source` at path (the first mount must be "/"). */
int vfs_mount(const char *type, const char *source, const char *path, unsigned flags);
/* Unmount the file system mounted at path; -EBUSY while anything in it is in use. */
int vfs_umount(const char *path);
/* Write every mounted file system back. Returns the first error. */
int vfs_sync_all(void);
/* Unmount everything (shutdown); returns the first error. */
int vfs_umount_all(void);
/* Call fn for each mount in mount order; stop if it returns non-zero. */
int vfs_for_each_mount(int (*fn)(struct vfs_mount *mnt, void *arg), void *arg);

/* ---- files ---- */
int vfs_open(struct vfs_file *base, const char *path, uint32_t flags, uint32_t mode,
             struct vfs_file **out);
void vfs_file_get(struct vfs_file *f);
void vfs_close(struct vfs_file *f);
int64_t vfs_read(struct vfs_file *f, void *buf, size_t len);
int64_t vfs_write(struct vfs_file *f, const void *buf, size_t len);
int64_t vfs_pread(struct vfs_file *f, void *buf, size_t len, uint64_t off);
int64_t vfs_pwrite(struct vfs_file *f, const void *buf, size_t len, uint64_t off);
/* Returns the new offset. */
int64_t vfs_seek(struct vfs_file *f, int64_t off, int whence);
int vfs_fstat(struct vfs_file *f, struct vfs_stat *st);
int vfs_ftruncate(struct vfs_file *f, uint64_t size);
int vfs_fsync(struct vfs_file *f);
int vfs_fset_times(struct vfs_file *f, int64_t atime_ns, int64_t mtime_ns);
/* Next entry of a directory file: 1 with *out filled, 0 at the end. */
int vfs_readdir(struct vfs_file *f, struct vfs_dirent *out);
/* Continue reading at a cookie from vfs_dirent.next_cookie (0 = start). */
int vfs_seekdir(struct vfs_file *f, uint64_t cookie);
int vfs_fstatfs(struct vfs_file *f, struct vfs_statfs *out);

/* ---- paths (base: a directory file or NULL for "/"; flags: VFS_RESOLVE_BENEATH, VFS_NOFOLLOW) ---- */
int vfs_stat(struct vfs_file *base, const char *path, unsigned flags, struct vfs_stat *st);
int vfs_mkdir(struct vfs_file *base, const char *path, unsigned flags, uint32_t mode);
int vfs_rmdir(struct vfs_file *base, const char *path, unsigned flags);
int vfs_unlink(struct vfs_file *base, const char *path, unsigned flags);
int vfs_rename(struct vfs_file *oldbase, const char *oldpath, struct vfs_file *newbase,
               const char *newpath, unsigned flags);
int vfs_symlink(const char *target, struct vfs_file *base, const char *path, unsigned flags);
int vfs_link(struct vfs_file *oldbase, const char *oldpath, struct vfs_file *newbase,
             const char *newpath, unsigned flags);
/* Returns the target's length (not NUL-terminated; truncated to size). */
int vfs_readlink(struct vfs_file *base, const char *path, unsigned flags, char *buf, size_t size);
int vfs_truncate(struct vfs_file *base, const char *path, unsigned flags, uint64_t size);
int vfs_set_times(struct vfs_file *base, const char *path, unsigned flags,
                  int64_t atime_ns, int64_t mtime_ns);
int vfs_statfs(struct vfs_file *base, const char *path, unsigned flags, struct vfs_statfs *out);

/* ---- for file systems ---- */
/* Initialise a new vnode of mnt with one reference. */
void vnode_init(struct vnode *v, struct vfs_mount *mnt, const struct vnode_ops *ops,
                uint32_t type, void *fs);
void vnode_get(struct vnode *v);
void vnode_put(struct vnode *v);
/* In release(), under the file system's lock: true if the vnode really is
 * unused now and may be freed. Call exactly once per release(). */
bool vnode_release_ok(struct vnode *v);
/* Set a directory vnode's parent (under the VFS's lock, so ".." never sees a
 * half-done change); returns the old one for the file system to release. */
struct vnode *vnode_swap_parent(struct vnode *v, struct vnode *parent);
/* The number of references (for file systems' own bookkeeping). */
uint32_t vnode_refs(struct vnode *v);
/* No references and no release() under way: a file system holding its own
 * lock may free the vnode. */
bool vnode_idle(struct vnode *v);
/* Current time for timestamps (time_unix_ns). */
int64_t vfs_now(void);

#endif
