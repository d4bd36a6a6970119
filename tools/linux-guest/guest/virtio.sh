# Load the virtio PCI, block and network drivers (from the same kernel
# package; /lib/modules/load-order lists them dependencies first).
# Source it from a script that needs /dev/vda or eth0:  . /guest/virtio.sh
for m in $(cat /lib/modules/load-order); do
    insmod "/lib/modules/$m.ko" || echo "linux-guest: insmod $m failed"
done
