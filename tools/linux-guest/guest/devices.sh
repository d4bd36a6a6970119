# guest.run=devices: the virtio drivers load and find QEMU's devices.
. /guest/virtio.sh
ls /sys/bus/virtio/devices/
cat /proc/partitions
