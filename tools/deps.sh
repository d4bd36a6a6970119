#!/bin/sh
# tools/deps.sh — install the Debian packages KPIO needs to build, run and test.
# Idempotent and quick when everything is present: it asks dpkg first and only
# calls apt-get for what is missing.
#   tools/deps.sh        what build, run, test and bench need
#   tools/deps.sh gui    also QEMU's window support (make run GUI=1)
set -e

PACKAGES="
  make gcc clang lld llvm nasm binutils python3
  qemu-system-x86 qemu-utils ovmf
  mtools dosfstools gdisk zip bsdextrautils
  wabt wasi-libc libclang-rt-14-dev-wasm32 libclang-rt-14-dev
  libcmocka-dev python3-pytest zlib1g-dev
  busybox-static cpio
  dnsmasq socat iproute2 iputils-ping nodejs
"

[ "${1:-}" = "gui" ] && PACKAGES="$PACKAGES qemu-system-gui"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

if [ -n "$missing" ]; then
    echo "deps: installing$missing"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO=sudo
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq || true
    $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
