/*
 * tests/unit/fs/test_blk.c — block devices and partition tables: request
 * checks, partition windows, GPT tables made by the host's sgdisk (primary,
 * backup, both damaged), MBR tables made by sfdisk-style bytes and by the
 * shared FAT32 image, superfloppies with no table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dev/blkdev.h"
#include "dev/blkpart.h"
#include "fs/le.h"
#include "hostblk.h"
#include "lib/lib.h"
#include "testutil.h"

static void write_at(const char *path, uint64_t off, const void *buf, size_t len)
{
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    fseek(f, (long)off, SEEK_SET);
    assert_int_equal(fwrite(buf, 1, len, f), len);
    fclose(f);
}

static void test_request_checks(void **state)
{
    (void)state;
    const char *img = tu_tmp("plain.img");
    assert_int_equal(tu_make_file(img, 64 * 512), 0);
    struct hostblk *h = hostblk_open(img, "hd0", 512, 0);
    assert_non_null(h);
    struct blkdev *dev = hostblk_dev(h);
    uint8_t buf[1024];
    memset(buf, 0xAB, sizeof buf);
    assert_int_equal(blkdev_write(dev, 62, buf, 1024), 0);
    assert_int_equal(blkdev_write(dev, 63, buf, 1024), -ENXIO);     /* past the end */
    assert_int_equal(blkdev_write(dev, 1ull << 62, buf, 512), -ENXIO);
    assert_int_equal(blkdev_read(dev, 0, buf, 100), -EINVAL);       /* not whole sectors */
    uint8_t back[1024];
    assert_int_equal(blkdev_read(dev, 62, back, 1024), 0);
    assert_memory_equal(back, buf, 1024);
    assert_int_equal(blkdev_flush(dev), 0);
    hostblk_close(h);

    h = hostblk_open(img, "hd0", 512, HOSTBLK_READ_ONLY);
    dev = hostblk_dev(h);
    assert_int_equal(blkdev_write(dev, 0, buf, 512), -EROFS);
    assert_int_equal(blkdev_read(dev, 62, back, 512), 0);
    hostblk_close(h);
}

static void test_partition_window(void **state)
{
    (void)state;
    const char *img = tu_tmp("window.img");
    assert_int_equal(tu_make_file(img, 100 * 512), 0);
    struct hostblk *h = hostblk_open(img, "vdb", 512, HOSTBLK_ASYNC);
    struct blkdev *disk = hostblk_dev(h);
    struct blkdev *part = blkdev_new_partition(disk, 2, 10, 20);
    assert_non_null(part);
    assert_string_equal(part->name, "vdb2");
    uint8_t buf[512];
    memset(buf, 0x5A, sizeof buf);
    assert_int_equal(blkdev_write(part, 19, buf, 512), 0);          /* last sector */
    assert_int_equal(blkdev_write(part, 20, buf, 512), -ENXIO);     /* one past */
    uint8_t back[512];
    assert_int_equal(blkdev_read(disk, 29, back, 512), 0);          /* lands at 10 + 19 */
    assert_memory_equal(back, buf, 512);
    part->read_only = true;
    assert_int_equal(blkdev_write(part, 0, buf, 512), -EROFS);
    blkdev_free_partition(part);
    hostblk_close(h);
}

/* Make a 4 MiB GPT disk with sgdisk: an ESP and a basic-data partition. */
static const char *make_gpt(const char *name)
{
    const char *img = tu_tmp(name);
    assert_int_equal(tu_make_file(img, 4u << 20), 0);
    assert_int_equal(tu_sh("sgdisk -o -n 1:2048:+1M -t 1:ef00 -c 1:ESP "
                           "-n 2:0:0 -t 2:0700 -c 2:'Données' '%s' >/dev/null", img), 0);
    return img;
}

static void check_gpt_parts(struct blkdev *disk)
{
    struct blkdev *p1 = blkdev_find("gpt1"), *p2 = blkdev_find("gpt2");
    assert_non_null(p1);
    assert_non_null(p2);
    assert_ptr_equal(p1->parent, disk);
    assert_int_equal(p1->start, 2048);
    assert_int_equal(p1->sectors, 2048);
    assert_memory_equal(p1->part_type_guid, GPT_TYPE_ESP, 16);
    assert_string_equal(p1->part_label, "ESP");
    assert_int_equal(p2->start, 4096);
    assert_memory_equal(p2->part_type_guid, GPT_TYPE_BASIC_DATA, 16);
    assert_string_equal(p2->part_label, "Données");
    /* sgdisk ends the last partition at the last usable LBA (disk - 34). */
    assert_int_equal(p2->start + p2->sectors, disk->sectors - 33);
    char text[37];
    blkpart_guid_format(p1->part_type_guid, text);
    assert_string_equal(text, "C12A7328-F81F-11D2-BA4B-00A0C93EC93B");
}

static void test_gpt_from_sgdisk(void **state)
{
    (void)state;
    const char *img = make_gpt("gpt.img");
    struct hostblk *h = hostblk_open(img, "gpt", 512, 0);
    struct blkdev *disk = hostblk_dev(h);
    blkdev_register(disk);
    assert_int_equal(blkpart_scan(disk), 2);
    check_gpt_parts(disk);
    blkpart_remove_all(disk);
    assert_null(blkdev_find("gpt1"));
    blkdev_unregister(disk);
    hostblk_close(h);
}

static void test_gpt_backup_used_when_primary_damaged(void **state)
{
    (void)state;
    const char *img = make_gpt("gpt-bad1.img");
    uint8_t junk[512];
    memset(junk, 0x77, sizeof junk);
    /* Point the primary header's entry array at empty sectors: read without
     * its CRC check it would show no partitions at all. */
    uint8_t lba[8];
    put_le64(lba, 40);
    write_at(img, 512 + 72, lba, 8);
    struct hostblk *h = hostblk_open(img, "gpt", 512, 0);
    struct blkdev *disk = hostblk_dev(h);
    assert_int_equal(blkpart_scan(disk), 2);
    check_gpt_parts(disk);
    blkpart_remove_all(disk);

    /* A damaged primary entry array falls back as well. */
    hostblk_close(h);
    img = make_gpt("gpt-bad2.img");
    write_at(img, 2 * 512 + 40, junk, 8);           /* entry 1's start LBA */
    h = hostblk_open(img, "gpt", 512, 0);
    disk = hostblk_dev(h);
    assert_int_equal(blkpart_scan(disk), 2);
    check_gpt_parts(disk);
    blkpart_remove_all(disk);
    hostblk_close(h);
}

static void test_gpt_both_damaged(void **state)
{
    (void)state;
    const char *img = make_gpt("gpt-bad3.img");
    uint8_t junk[16];
    memset(junk, 0x77, sizeof junk);
    write_at(img, 512 + 60, junk, 16);
    write_at(img, (4u << 20) - 512 + 60, junk, 16);
    struct hostblk *h = hostblk_open(img, "gpt", 512, 0);
    assert_int_equal(blkpart_scan(hostblk_dev(h)), 0);
    assert_null(blkdev_find("gpt1"));
    hostblk_close(h);
}

/* A GPT whose header CRC is valid but whose entries lie about their bounds. */
static void test_gpt_bad_entries_skipped(void **state)
{
    (void)state;
    const char *img = make_gpt("gpt-bad4.img");
    size_t len;
    uint8_t *disk_bytes = tu_read_file(img, &len);
    assert_non_null(disk_bytes);
    uint8_t *hdr = disk_bytes + 512, *entries = disk_bytes + 1024;
    put_le64(entries + 128 + 40, 1u << 30);         /* entry 2 ends far past the disk */
    put_le32(hdr + 88, blkpart_crc32(0, entries, le32(hdr + 80) * le32(hdr + 84)));
    put_le32(hdr + 16, 0);
    put_le32(hdr + 16, blkpart_crc32(0, hdr, le32(hdr + 12)));
    write_at(img, 0, disk_bytes, 64 * 512);
    free(disk_bytes);
    struct hostblk *h = hostblk_open(img, "gpt", 512, 0);
    assert_int_equal(blkpart_scan(hostblk_dev(h)), 1);
    assert_non_null(blkdev_find("gpt1"));
    assert_null(blkdev_find("gpt2"));
    blkpart_remove_all(hostblk_dev(h));
    hostblk_close(h);
}

static void test_mbr_shared_image(void **state)
{
    (void)state;
    struct hostblk *h = hostblk_open(tu_image("fat32-mbr.img"), "mbr", 512, HOSTBLK_READ_ONLY);
    assert_non_null(h);
    struct blkdev *disk = hostblk_dev(h);
    assert_int_equal(blkpart_scan(disk), 1);
    struct blkdev *p = blkdev_find("mbr1");
    assert_non_null(p);
    assert_int_equal(p->start, 2048);
    assert_int_equal(p->mbr_type, 0x0C);
    assert_true(p->read_only);
    blkpart_remove_all(disk);
    hostblk_close(h);
}

static void test_superfloppies_have_no_table(void **state)
{
    (void)state;
    const char *names[] = { "fat12-floppy.img", "fat16.img" };
    for (size_t i = 0; i < 2; i++) {
        struct hostblk *h = hostblk_open(tu_image(names[i]), "sf", 512, HOSTBLK_READ_ONLY);
        assert_non_null(h);
        assert_int_equal(blkpart_scan(hostblk_dev(h)), 0);
        hostblk_close(h);
    }
}

static void test_mbr_entries_outside_disk_skipped(void **state)
{
    (void)state;
    const char *img = tu_tmp("mbr-bad.img");
    assert_int_equal(tu_make_file(img, 1u << 20), 0);
    uint8_t mbr[512] = { 0 };
    uint8_t *e = mbr + 446;
    e[4] = 0x83; put_le32(e + 8, 64); put_le32(e + 12, 100);          /* fine */
    e += 16;
    e[4] = 0x0C; put_le32(e + 8, 1000); put_le32(e + 12, 1u << 20);   /* runs past the end */
    e += 16;
    e[4] = 0x05; put_le32(e + 8, 200); put_le32(e + 12, 10);          /* extended: skipped */
    mbr[510] = 0x55;
    mbr[511] = 0xAA;
    write_at(img, 0, mbr, 512);
    struct hostblk *h = hostblk_open(img, "m", 512, 0);
    assert_int_equal(blkpart_scan(hostblk_dev(h)), 1);
    struct blkdev *p = blkdev_find("m1");
    assert_non_null(p);
    assert_int_equal(p->sectors, 100);
    blkpart_remove_all(hostblk_dev(h));
    hostblk_close(h);
}

static void test_read_errors_reported(void **state)
{
    (void)state;
    const char *img = make_gpt("gpt-eio.img");
    struct hostblk *h = hostblk_open(img, "gpt", 512, 0);
    hostblk_fail_reads_after(h, 0);
    assert_int_equal(blkpart_scan(hostblk_dev(h)), -EIO);
    hostblk_close(h);
}

static void test_crc32_known_value(void **state)
{
    (void)state;
    /* The CRC-32 check value of "123456789" (IEEE 802.3). */
    assert_int_equal(blkpart_crc32(0, "123456789", 9), 0xCBF43926);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_checks),
        cmocka_unit_test(test_partition_window),
        cmocka_unit_test(test_gpt_from_sgdisk),
        cmocka_unit_test(test_gpt_backup_used_when_primary_damaged),
        cmocka_unit_test(test_gpt_both_damaged),
        cmocka_unit_test(test_gpt_bad_entries_skipped),
        cmocka_unit_test(test_mbr_shared_image),
        cmocka_unit_test(test_superfloppies_have_no_table),
        cmocka_unit_test(test_mbr_entries_outside_disk_skipped),
        cmocka_unit_test(test_read_errors_reported),
        cmocka_unit_test(test_crc32_known_value),
    };
    return cmocka_run_group_tests_name("blk", tests, NULL, NULL);
}
