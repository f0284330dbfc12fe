#!/usr/bin/env bash
# Runs LinuxI2CStubTests against a real Linux kernel: boots Debian 12's kernel under QEMU (TCG,
# no KVM needed) with a tiny busybox initramfs that loads i2c-dev and i2c-stub (a fake SMBus chip
# at 0x2A), shares the host's root read-only over 9p, and runs the already-built test binary in
# a chroot of it. The verdict comes back through a second, writable 9p share (QEMU exits 0 even
# after a guest panic, so its exit status proves nothing).
#
# Needs: apt-get install qemu-system-x86 busybox-static; the kernel package is fetched with
# `apt-get download` into the work folder (nothing is installed for it). Build the tests first:
#   swift build --build-tests
# Usage: Hardware/KernelTest/run-i2c-stub.sh [test-binary] [filter]
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
binary="${1:-$repo/.build/debug/TractionMonitorPackageTests.xctest}"
filter="${2:-HardwareTests.LinuxI2CStubTests}"
work="${TRACTION_KERNEL_TEST_DIR:-${TMPDIR:-/tmp}/traction-kernel-test}"
mkdir -p "$work"

for tool in qemu-system-x86_64 busybox cpio; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install qemu-system-x86 busybox-static cpio)"; exit 2; }
done
[ -x "$binary" ] || { echo "no test binary at $binary (swift build --build-tests)"; exit 2; }

# The kernel: the newest linux-image-6.1.0-*-amd64-unsigned Debian 12 offers.
if [ ! -d "$work/kernel/boot" ]; then
  pkg="$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' | awk '{print $1}' | sort -V | tail -n 1)"
  [ -n "$pkg" ] || { echo "no linux-image-6.1.0-*-amd64-unsigned in apt (apt-get update?)"; exit 2; }
  (cd "$work" && apt-get download -o APT::Sandbox::User=root "$pkg" >/dev/null)
  dpkg -x "$work"/"$pkg"_*.deb "$work/kernel"
fi
vmlinuz="$(ls "$work"/kernel/boot/vmlinuz-* | head -n 1)"
mods="$(ls -d "$work"/kernel/lib/modules/* | head -n 1)/kernel"

# The initramfs: busybox, the modules in dependency order, and /init.
rm -rf "$work/initramfs" && mkdir -p "$work/initramfs"/{bin,mods,proc,sys,dev,host,out}
cp "$(command -v busybox)" "$work/initramfs/bin/busybox"
order=(drivers/virtio/virtio drivers/virtio/virtio_ring drivers/virtio/virtio_pci_modern_dev
  drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci net/9p/9pnet net/9p/9pnet_virtio
  fs/netfs/netfs fs/fscache/fscache fs/9p/9p drivers/i2c/i2c-dev drivers/i2c/i2c-stub)
for m in "${order[@]}"; do
  for candidate in "$mods/$m.ko" "$mods/$m.ko.xz"; do
    [ -f "$candidate" ] && cp "$candidate" "$work/initramfs/mods/"
  done
done
cat >"$work/initramfs/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in virtio virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci 9pnet 9pnet_virtio netfs fscache 9p i2c-dev; do
  insmod /mods/\$m.ko* || echo "insmod \$m failed"
done
insmod /mods/i2c-stub.ko* chip_addr=0x2a || echo "insmod i2c-stub failed"
mount -t 9p -o trans=virtio,version=9p2000.L,ro hostroot /host
mount -t 9p -o trans=virtio,version=9p2000.L out /out
bus=""
for d in /sys/class/i2c-dev/i2c-*; do
  grep -q "SMBus stub" "\$d/name" 2>/dev/null && bus="/dev/\$(basename \$d)"
done
echo "i2c-stub bus: \$bus" >/out/log
mount -t devtmpfs dev /host/dev; mount -t proc proc /host/proc; mount -t sysfs sys /host/sys
mount -t tmpfs tmp /host/tmp
chroot /host /usr/bin/env TRACTION_I2C_STUB_BUS="\$bus" HOME=/tmp "$binary" "$filter" >>/out/log 2>&1
echo \$? >/out/rc
sync
poweroff -f
INIT
chmod +x "$work/initramfs/init"
(cd "$work/initramfs" && find . | cpio -o -H newc --quiet | gzip -1 >"$work/initramfs.cpio.gz")

rm -rf "$work/out" && mkdir -p "$work/out"
echo "booting $(basename "$vmlinuz") under QEMU (TCG); test binary $binary, filter $filter"
start=$(date +%s)
timeout 600 qemu-system-x86_64 -machine pc -accel tcg -m 2048 -smp 1 -nographic -no-reboot \
  -kernel "$vmlinuz" -initrd "$work/initramfs.cpio.gz" -append "console=ttyS0 quiet panic=-1" \
  -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on \
  -virtfs "local,path=$work/out,mount_tag=out,security_model=none" >"$work/console.log" 2>&1 || true
echo "guest ran $(( $(date +%s) - start )) s"
cat "$work/out/log" 2>/dev/null || { echo "no log from the guest; console:"; tail -n 40 "$work/console.log"; exit 1; }
rc="$(cat "$work/out/rc" 2>/dev/null || echo missing)"
echo "guest test exit status: $rc"
[ "$rc" = 0 ]
