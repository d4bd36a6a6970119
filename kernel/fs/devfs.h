/*
 * kernel/fs/devfs.h — the device file system for /dev: character devices
 * null, zero, random, urandom and console built in, more added by drivers.
 *
 * The kernel connects the console and the random generator through hooks;
 * until it does, reading the console gives end-of-file, writing it discards,
 * and reading random fails with -ENXIO.
 */
#ifndef KPIO_DEVFS_H
#define KPIO_DEVFS_H

#include <stddef.h>
#include <stdint.h>

struct devfs_hooks {
    /* Read console input (may block until a line or byte is there). */
    int64_t (*console_read)(void *buf, size_t len);
    int64_t (*console_write)(const void *buf, size_t len);
    /* Fill buf with cryptographically strong random bytes. */
    void (*random_fill)(void *buf, size_t len);
};

/* A character device: read/write ignore offsets; NULL means "not supported". */
struct devfs_device_ops {
    int64_t (*read)(void *ctx, void *buf, size_t len);
    int64_t (*write)(void *ctx, const void *buf, size_t len);
};

void devfs_register(void);
void devfs_set_hooks(const struct devfs_hooks *hooks);
/* Add /dev/<name>; -EEXIST if taken, -ENOSPC if the table is full. */
int devfs_add(const char *name, const struct devfs_device_ops *ops, void *ctx);

#endif
