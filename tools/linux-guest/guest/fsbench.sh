# guest.run=fsbench: Linux's vfat on the first virtio disk, the same work as
# KPIO's `fstest bench vdb 128 2000` (kernel/fs/storage_fstest.c).
. /guest/virtio.sh
fsbench /dev/vda /mnt 128 2000
