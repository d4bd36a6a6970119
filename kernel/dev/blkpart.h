/*
 * kernel/dev/blkpart.h — partition tables: GPT (UEFI 2.10 §5.3) and, for
 * disks without one, the classic MBR (UEFI 2.10 §5.2.1). Each partition
 * becomes a block device of its own ("vda1", "vda2", ...).
 */
#ifndef KPIO_BLKPART_H
#define KPIO_BLKPART_H

#include <stdint.h>
#include "dev/blkdev.h"

/* Well-known GPT partition type GUIDs, in on-disk byte order. */
extern const uint8_t GPT_TYPE_ESP[16];          /* C12A7328-F81F-11D2-BA4B-00A0C93EC93B */
extern const uint8_t GPT_TYPE_BASIC_DATA[16];   /* EBD0A0A2-B9E5-4433-87C0-68B6B72699C7 */
extern const uint8_t GPT_TYPE_LINUX_FS[16];     /* 0FC63DAF-8483-4772-8E79-3D69D8477DE4 */

/* Read the partition table of disk and register one block device per
 * partition. Returns the number of partitions (0 if the disk has no table)
 * or a negative errno for a read error. A damaged table is logged and
 * ignored (the disk itself stays usable): a GPT whose primary header is bad
 * falls back to the backup header at the end of the disk. */
int blkpart_scan(struct blkdev *disk);

/* Unregister and free every partition device of disk. */
void blkpart_remove_all(struct blkdev *disk);

/* Format a GUID as "C12A7328-F81F-11D2-BA4B-00A0C93EC93B" (37 bytes). */
void blkpart_guid_format(const uint8_t guid[16], char out[37]);

/* CRC-32 (IEEE 802.3, reflected, as GPT uses) of buf[0..len), continuing from crc (start with 0). */
uint32_t blkpart_crc32(uint32_t crc, const void *buf, size_t len);

#endif
