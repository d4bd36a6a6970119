/*
 * kernel/fs/tmpfs.h — the in-memory file system ("tmpfs"). Mount it with
 * vfs_mount("tmpfs", "size=64M" or NULL, path, 0).
 */
#ifndef KPIO_TMPFS_H
#define KPIO_TMPFS_H

void tmpfs_register(void);

#endif
