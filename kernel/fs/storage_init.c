/*
 * kernel/fs/storage_init.c — bringing storage up at boot (kernel only):
 * the file-system types, the root tmpfs with /dev, /tmp, /boot, /data, /mnt,
 * PCI and the monitor's storage commands at once; then, in the storage
 * thread, the virtio block driver, the boot disk's EFI system partition at
 * /boot (read-only) and its data partition (GPT name "KPIO-DATA") at /data,
 * and write-back of dirty data every few seconds.
 */
#include "fs/storage.h"
#include "arch/x86_64/cpu.h"
#include "core/console.h"
#include "core/log.h"
#include "core/time.h"
#include "dev/blkdev.h"
#include "dev/blkpart.h"
#include "dev/pci.h"
#include "dev/serial.h"
#include "dev/virtio/virtio_blk.h"
#include "fs/bcache.h"
#include "fs/devfs.h"
#include "fs/fat/fat.h"
#include "fs/tmpfs.h"
#include "fs/vfs.h"
#include "lib/lib.h"
#include "mm/mm.h"
#include "sched/sched.h"

#define WRITEBACK_INTERVAL_NS (5 * NS_PER_S)
#define READY_TIMEOUT_NS      (30 * NS_PER_S)

/* ---- devfs hooks ---- */

static int64_t console_in(void *buf, size_t len)
{
    uint8_t *p = buf;
    size_t n = 0;
    if (len == 0)
        return 0;
    p[n++] = (uint8_t)serial_getc();            /* wait for the first byte */
    while (n < len && p[n - 1] != '\n' && p[n - 1] != '\r') {
        int c = serial_getc_timeout(0);
        if (c < 0)
            break;
        p[n++] = (uint8_t)c;
    }
    return (int64_t)n;
}

static int64_t console_out(const void *buf, size_t len)
{
    console_write(buf, len);
    return (int64_t)len;
}

/* RDRAND (Intel SDM vol. 1 §7.3.17): retry while the carry flag says "not ready". */
static bool rdrand64(uint64_t *v)
{
    for (int i = 0; i < 100; i++) {
        uint8_t ok;
        __asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
        if (ok)
            return true;
    }
    return false;
}

static void random_fill(void *buf, size_t len)
{
    uint8_t *p = buf;
    while (len > 0) {
        uint64_t v = 0;
        if (!rdrand64(&v))
            panic("devfs: RDRAND stopped delivering");
        size_t n = MIN(len, sizeof v);
        memcpy(p, &v, n);
        p += n;
        len -= n;
    }
}

static bool have_rdrand(void)
{
    uint32_t a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    return c & (1u << 30);
}

/* ---- boot disk ---- */

static void mount_boot_partitions(void)
{
    struct blkdev *esp = NULL, *data = NULL;
    for (struct blkdev *d = blkdev_next(NULL); d; d = blkdev_next(d)) {
        if (!d->parent || strcmp(d->parent->name, "vda") != 0)
            continue;
        if (!esp && memcmp(d->part_type_guid, GPT_TYPE_ESP, 16) == 0)
            esp = d;
        if (!data && strcmp(d->part_label, STORAGE_DATA_LABEL) == 0)
            data = d;
    }
    int esp_rc = esp ? vfs_mount("fat", esp->name, "/boot", VFS_MNT_RDONLY) : -ENODEV;
    int data_rc = data ? vfs_mount("fat", data->name, "/data", 0) : -ENODEV;
    if (esp_rc < 0)
        log_err("storage: no /boot: EFI system partition on vda %s (%d)", esp ? esp->name : "missing", esp_rc);
    if (data_rc < 0)
        log_err("storage: no /data: partition %s on vda %s (%d)", STORAGE_DATA_LABEL,
                data ? data->name : "missing", data_rc);
    if (esp_rc == 0 && data_rc == 0)
        log_debug("storage: /boot on %s (read-only), /data on %s, /tmp, /dev", esp->name, data->name);
}

/* ---- the storage thread: disks, mounts, then write-back ---- */

static struct mutex ready_lock;
static struct condvar ready_cond;
static bool ready;

void storage_wait_ready(void)
{
    mutex_lock(&ready_lock);
    uint64_t deadline = time_ns() + READY_TIMEOUT_NS;
    while (!ready && time_ns() < deadline)
        cond_wait_timeout(&ready_cond, &ready_lock, deadline - time_ns());
    mutex_unlock(&ready_lock);
}

/* Probe the disks and mount the boot partitions (off the boot path: the
 * prompt does not wait for disk I/O), then write back every few seconds. */
static void storage_thread(void *arg)
{
    (void)arg;
    virtio_blk_init();
    mount_boot_partitions();
    mutex_lock(&ready_lock);
    ready = true;
    cond_broadcast(&ready_cond);
    mutex_unlock(&ready_lock);
    for (;;) {
        thread_sleep_ns(WRITEBACK_INTERVAL_NS);
        vfs_sync_all();
    }
}

void storage_shutdown(void)
{
    int rc = vfs_umount_all();
    if (rc < 0)
        log_err("storage: unmounting at shutdown: %d", rc);
}

/* ---- init ---- */

static void must(int rc, const char *what)
{
    if (rc < 0)
        log_err("storage: %s failed: %d", what, rc);
}

void storage_init(void)
{
    /* A cache of a sixteenth of memory, 8 MiB to 256 MiB. */
    struct mm_stats st;
    mm_get_stats(&st);
    uint64_t cache = st.frames_total * PAGE_SIZE / 16;
    bcache_set_default_size((size_t)MIN(MAX(cache, (uint64_t)8 << 20), (uint64_t)256 << 20));

    tmpfs_register();
    devfs_register();
    fat_register();
    struct devfs_hooks hooks = { console_in, console_out, have_rdrand() ? random_fill : NULL };
    devfs_set_hooks(&hooks);

    must(vfs_mount("tmpfs", NULL, "/", 0), "the root tmpfs");
    static const char *const dirs[] = { "/dev", "/tmp", "/boot", "/data", "/mnt" };
    for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
        must(vfs_mkdir(NULL, dirs[i], 0, 0755), dirs[i]);
    must(vfs_mount("devfs", NULL, "/dev", 0), "devfs");
    must(vfs_mount("tmpfs", NULL, "/tmp", 0), "/tmp");

    pci_init();
    pci_register_commands();
    storage_register_commands();
    storage_register_test_commands();

    mutex_init(&ready_lock, "storage-ready");
    cond_init(&ready_cond);
    struct thread *t = thread_create("storage", storage_thread, NULL, PRIO_NORMAL);
    if (t) {
        thread_detach(t);
    } else {
        log_err("storage: no thread: disks are probed now");
        virtio_blk_init();
        mount_boot_partitions();
        ready = true;
    }
}
