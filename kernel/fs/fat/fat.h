/*
 * kernel/fs/fat/fat.h — the FAT12/16/32 file system ("fat"): mount a block
 * device by name with vfs_mount("fat", "vda2", "/data", flags). Long names,
 * read-write, power-cut-safe write ordering; see fat_internal.h.
 */
#ifndef KPIO_FAT_H
#define KPIO_FAT_H

void fat_register(void);

#endif
