/*
 * kernel/fs/storage.h — storage in the running kernel (kernel only; the
 * portable parts have their own headers).
 *
 * storage_init() (from the kernel's init sequence, after the scheduler and
 * interrupts are up): file systems, the root tmpfs, PCI, monitor commands;
 * virtio-blk and the boot disk's partitions at /boot (read-only) and /data
 * follow in a background thread (storage_wait_ready() waits for them), which
 * then writes back every 5 seconds. storage_shutdown(): unmount everything,
 * writing all dirty data (call it before powering off or rebooting).
 */
#ifndef KPIO_STORAGE_H
#define KPIO_STORAGE_H

/* GPT name of the data partition on the boot disk (tools/image.mk). */
#define STORAGE_DATA_LABEL "KPIO-DATA"
#define STORAGE_SCRATCH_LABEL "KPIO-SCRATCH"

void storage_init(void);
/* Wait until the disks are probed and /boot and /data mounted (done in the
 * background after storage_init; gives up after 30 s). */
void storage_wait_ready(void);
void storage_shutdown(void);
void storage_register_commands(void);
/* fstest: workloads for the system tests and benchmarks (storage_fstest.c). */
void storage_register_test_commands(void);

#endif
