/*
 * kernel/dev/blkpart.c — GPT and MBR partition tables.
 *
 * GPT (UEFI 2.10 §5.3): the primary header at LBA 1 and its entry array are
 * checked (signature, header size, both CRC-32s, MyLBA, usable range); if
 * they are bad, the backup header (its AlternateLBA, or the disk's last
 * sector) is tried. Entries outside the usable range or overlapping an
 * earlier entry are skipped with a warning. MBR (UEFI 2.10 §5.2.1): the four
 * primary entries; a protective MBR (type 0xEE) means "look for a GPT";
 * extended partitions are not followed.
 */
#include "dev/blkpart.h"
#include "core/log.h"
#include "fs/le.h"
#include "fs/unicode.h"
#include "lib/lib.h"
#include "mm/mm.h"

const uint8_t GPT_TYPE_ESP[16] = {
    0x28, 0x73, 0x2A, 0xC1, 0x1F, 0xF8, 0xD2, 0x11, 0xBA, 0x4B, 0x00, 0xA0, 0xC9, 0x3E, 0xC9, 0x3B };
const uint8_t GPT_TYPE_BASIC_DATA[16] = {
    0xA2, 0xA0, 0xD0, 0xEB, 0xE5, 0xB9, 0x33, 0x44, 0x87, 0xC0, 0x68, 0xB6, 0xB7, 0x26, 0x99, 0xC7 };
const uint8_t GPT_TYPE_LINUX_FS[16] = {
    0xAF, 0x3D, 0xC6, 0x0F, 0x83, 0x84, 0x72, 0x47, 0x8E, 0x79, 0x3D, 0x69, 0xD8, 0x47, 0x7D, 0xE4 };

#define GPT_MAX_ENTRIES      1024
#define GPT_MAX_ARRAY_BYTES  (1u << 20)
#define MBR_TYPE_PROTECTIVE  0xEE

uint32_t blkpart_crc32(uint32_t crc, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    crc = ~crc;
    while (len--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
    }
    return ~crc;
}

void blkpart_guid_format(const uint8_t g[16], char out[37])
{
    snprintf(out, 37, "%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X",
             le32(g), le16(g + 4), le16(g + 6), g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
}

static bool guid_is_zero(const uint8_t g[16])
{
    for (int i = 0; i < 16; i++)
        if (g[i])
            return false;
    return true;
}

/* Register partition `index` of disk; returns 0 or -ENOMEM. */
static int add_partition(struct blkdev *disk, uint32_t index, uint64_t start, uint64_t count,
                         struct blkdev **out)
{
    struct blkdev *part = blkdev_new_partition(disk, index, start, count);
    if (!part)
        return -ENOMEM;
    blkdev_register(part);
    *out = part;
    return 0;
}

/* A parsed, checked GPT header. */
struct gpt_header {
    uint64_t my_lba, alternate_lba, first_usable, last_usable, entries_lba;
    uint32_t entry_count, entry_size, entries_crc;
};

/* Read and check the GPT header at lba. Returns 0, -EINVAL if it is not a
 * valid header, or a read error. */
static int gpt_read_header(struct blkdev *disk, uint64_t lba, uint8_t *sector, struct gpt_header *h)
{
    uint32_t ss = disk->sector_size;
    int rc = blkdev_read(disk, lba, sector, ss);
    if (rc < 0)
        return rc;
    if (memcmp(sector, "EFI PART", 8) != 0)
        return -EINVAL;
    uint32_t header_size = le32(sector + 12);
    if (header_size < 92 || header_size > ss)
        return -EINVAL;
    uint32_t stored_crc = le32(sector + 16);
    put_le32(sector + 16, 0);
    if (blkpart_crc32(0, sector, header_size) != stored_crc) {
        log_warn("gpt: %s: header at LBA %llu has a bad CRC", disk->name, (unsigned long long)lba);
        return -EINVAL;
    }
    h->my_lba = le64(sector + 24);
    h->alternate_lba = le64(sector + 32);
    h->first_usable = le64(sector + 40);
    h->last_usable = le64(sector + 48);
    h->entries_lba = le64(sector + 72);
    h->entry_count = le32(sector + 80);
    h->entry_size = le32(sector + 84);
    h->entries_crc = le32(sector + 88);
    uint64_t array_bytes = (uint64_t)h->entry_count * h->entry_size;
    uint64_t array_sectors = (array_bytes + ss - 1) / ss;
    if (h->my_lba != lba || h->entry_size < 128 || h->entry_size % 8 != 0 ||
        h->entry_count > GPT_MAX_ENTRIES || array_bytes > GPT_MAX_ARRAY_BYTES ||
        h->first_usable > h->last_usable || h->last_usable >= disk->sectors ||
        h->entries_lba >= disk->sectors || array_sectors > disk->sectors - h->entries_lba) {
        log_warn("gpt: %s: header at LBA %llu is inconsistent", disk->name, (unsigned long long)lba);
        return -EINVAL;
    }
    return 0;
}

/* Register the partitions of a checked header whose entry array is good.
 * Returns the count, -EINVAL for a bad array CRC, or another error. */
static int gpt_register(struct blkdev *disk, const struct gpt_header *h)
{
    uint32_t ss = disk->sector_size;
    size_t bytes = ALIGN_UP((size_t)h->entry_count * h->entry_size, (size_t)ss);
    if (bytes == 0)
        return 0;
    uint8_t *array = kmalloc(bytes);
    if (!array)
        return -ENOMEM;
    int rc = blkdev_read(disk, h->entries_lba, array, bytes);
    if (rc < 0)
        goto out;
    if (blkpart_crc32(0, array, (size_t)h->entry_count * h->entry_size) != h->entries_crc) {
        log_warn("gpt: %s: partition entry array has a bad CRC", disk->name);
        rc = -EINVAL;
        goto out;
    }
    int count = 0;
    for (uint32_t i = 0; i < h->entry_count; i++) {
        const uint8_t *e = array + (size_t)i * h->entry_size;
        if (guid_is_zero(e))
            continue;
        uint64_t start = le64(e + 32), end = le64(e + 40);
        if (start < h->first_usable || end > h->last_usable || start > end) {
            log_warn("gpt: %s: entry %u (LBA %llu-%llu) outside the usable range, skipped",
                     disk->name, i + 1, (unsigned long long)start, (unsigned long long)end);
            continue;
        }
        bool overlaps = false;
        for (uint32_t j = 0; j < i; j++) {
            const uint8_t *o = array + (size_t)j * h->entry_size;
            if (!guid_is_zero(o) && le64(o + 32) <= end && start <= le64(o + 40) &&
                le64(o + 32) >= h->first_usable && le64(o + 40) <= h->last_usable)
                overlaps = true;
        }
        if (overlaps) {
            log_warn("gpt: %s: entry %u overlaps an earlier one, skipped", disk->name, i + 1);
            continue;
        }
        struct blkdev *part;
        rc = add_partition(disk, i + 1, start, end - start + 1, &part);
        if (rc < 0)
            goto out;
        memcpy(part->part_type_guid, e, 16);
        memcpy(part->part_guid, e + 16, 16);
        uint16_t name[36];
        size_t n = 0;
        while (n < 36 && le16(e + 56 + 2 * n) != 0) {
            name[n] = le16(e + 56 + 2 * n);
            n++;
        }
        if (utf16_to_utf8(name, n, part->part_label, sizeof part->part_label) < 0)
            part->part_label[0] = 0;
        count++;
    }
    rc = count;
out:
    kfree(array);
    return rc;
}

/* Try the primary GPT, then the backup. Returns the partition count, or
 * -EINVAL if neither header is valid. */
static int gpt_scan(struct blkdev *disk, uint8_t *sector)
{
    struct gpt_header h;
    uint64_t backup_lba = disk->sectors - 1;
    int rc = gpt_read_header(disk, 1, sector, &h);
    if (rc == 0) {
        if (h.alternate_lba > 1 && h.alternate_lba < disk->sectors)
            backup_lba = h.alternate_lba;
        rc = gpt_register(disk, &h);
        if (rc != -EINVAL)
            return rc;
    } else if (rc != -EINVAL) {
        return rc;
    }
    rc = gpt_read_header(disk, backup_lba, sector, &h);
    if (rc < 0)
        return rc;
    log_warn("gpt: %s: primary table damaged, using the backup at LBA %llu", disk->name,
             (unsigned long long)backup_lba);
    return gpt_register(disk, &h);
}

int blkpart_scan(struct blkdev *disk)
{
    if (disk->sectors < 2)
        return 0;
    uint8_t *sector = kmalloc(disk->sector_size);
    if (!sector)
        return -ENOMEM;
    int rc = blkdev_read(disk, 0, sector, disk->sector_size);
    if (rc < 0)
        goto out;
    bool has_mbr = sector[510] == 0x55 && sector[511] == 0xAA;
    bool protective = false;
    for (int i = 0; has_mbr && i < 4; i++)
        protective |= sector[446 + 16 * i + 4] == MBR_TYPE_PROTECTIVE;

    /* A GPT is looked for behind a protective MBR, or when no MBR is there. */
    if (protective || !has_mbr) {
        rc = gpt_scan(disk, sector);
        if (rc != -EINVAL)
            goto out;
        rc = 0;
        if (protective) {
            log_warn("blk: %s: protective MBR but no valid GPT", disk->name);
            goto out;
        }
        if (!has_mbr)
            goto out;
        rc = blkdev_read(disk, 0, sector, disk->sector_size);
        if (rc < 0)
            goto out;
    }

    /* A FAT boot sector also ends in 55 AA: its "entries" are code and BPB
     * fields. Accept the table only if every entry has a valid status byte. */
    for (int i = 0; i < 4; i++) {
        uint8_t status = sector[446 + 16 * i];
        if (status != 0x00 && status != 0x80) {
            rc = 0;
            goto out;
        }
    }
    int count = 0;
    for (int i = 0; i < 4; i++) {
        const uint8_t *e = sector + 446 + 16 * i;
        uint8_t type = e[4];
        uint64_t start = le32(e + 8), len = le32(e + 12);
        if (type == 0 || len == 0)
            continue;
        if (type == 0x05 || type == 0x0F || type == 0x85) {
            log_info("blk: %s: extended partition %d not supported, skipped", disk->name, i + 1);
            continue;
        }
        if (start == 0 || start >= disk->sectors || len > disk->sectors - start) {
            log_warn("blk: %s: MBR partition %d lies outside the disk, skipped", disk->name, i + 1);
            continue;
        }
        struct blkdev *part;
        rc = add_partition(disk, (uint32_t)i + 1, start, len, &part);
        if (rc < 0)
            goto out;
        part->mbr_type = type;
        count++;
    }
    rc = count;
out:
    kfree(sector);
    return rc;
}

void blkpart_remove_all(struct blkdev *disk)
{
    struct blkdev *dev = blkdev_next(NULL);
    while (dev) {
        struct blkdev *next = blkdev_next(dev);
        if (dev->parent == disk) {
            blkdev_unregister(dev);
            blkdev_free_partition(dev);
        }
        dev = next;
    }
}
