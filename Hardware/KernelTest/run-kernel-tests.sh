#!/usr/bin/env bash
# Runs the Linux backends' real-kernel tests (LinuxI2CStubTests, LinuxGPIOSimTests) without
# hardware: boots Debian 12's kernel under QEMU (TCG, no KVM needed) with a tiny busybox
# initramfs that loads i2c-dev and i2c-stub (a fake SMBus chip at 0x2A) and a gpio-sim chip
# (gpio-sim is not in Debian's kernel: it is built here out of tree from linux-source-6.1, with
# irq_sim.c linked in and irq_to_desc replaced by generic_handle_irq), shares the host's root
# read-only over 9p, and runs the already-built test binary in a chroot of it. The verdict comes
# back through a second, writable 9p share (QEMU exits 0 even after a guest panic).
#
# Needs root and Debian 12's apt: installs qemu-system-x86, busybox-static, cpio and the kernel
# headers matching the guest kernel; fetches the kernel image and linux-source-6.1 with
# `apt-get download` into the work folder (nothing installed for them). About 300 MB the first
# time. Build the tests first:  swift build --build-tests
# Usage: Hardware/KernelTest/run-kernel-tests.sh [test-binary] [filter]
# TRACTION_GUEST_ENV adds VAR=value words to the test's environment in the guest (for example
# LD_LIBRARY_PATH=... for a binary built against libgpiod 2.x from a folder).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
binary="${1:-$repo/.build/debug/TractionMonitorPackageTests.xctest}"
filter="${2:-HardwareTests.LinuxI2CStubTests,HardwareTests.LinuxGPIOSimTests}"
work="${TRACTION_KERNEL_TEST_DIR:-${TMPDIR:-/tmp}/traction-kernel-test}"
mkdir -p "$work"
[ -x "$binary" ] || { echo "no test binary at $binary (swift build --build-tests)"; exit 2; }

missing=()
command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
command -v busybox >/dev/null || missing+=(busybox-static)
command -v cpio >/dev/null || missing+=(cpio)
if [ ${#missing[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The guest kernel: the newest linux-image-6.1.0-*-amd64-unsigned Debian 12 offers.
if [ ! -d "$work/kernel/boot" ]; then
  pkg="$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' | awk '{print $1}' | sort -V | tail -n 1)"
  [ -n "$pkg" ] || { echo "no linux-image-6.1.0-*-amd64-unsigned in apt (apt-get update?)"; exit 2; }
  (cd "$work" && apt-get download -o APT::Sandbox::User=root "$pkg" >/dev/null)
  dpkg -x "$work"/"$pkg"_*.deb "$work/kernel"
fi
vmlinuz="$(ls "$work"/kernel/boot/vmlinuz-* | head -n 1)"
kver="$(basename "$vmlinuz" | sed 's/^vmlinuz-//')"
mods="$work/kernel/lib/modules/$kver/kernel"

# gpio-sim, out of tree. Any failure here skips the GPIO tests, not the I2C ones.
gpiosim=""
build_gpio_sim() {
  local headers="/usr/src/linux-headers-$kver"
  if [ ! -d "$headers" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "linux-headers-$kver" >/dev/null 2>&1 \
      || { echo "gpio-sim skipped: cannot install linux-headers-$kver"; return 1; }
  fi
  local src="$work/gpio-sim-src"
  if [ ! -f "$src/gpio-sim.c" ]; then
    (cd "$work" && apt-get download -o APT::Sandbox::User=root linux-source-6.1 >/dev/null 2>&1) \
      || { echo "gpio-sim skipped: cannot download linux-source-6.1"; return 1; }
    mkdir -p "$src/tree"
    dpkg-deb --fsys-tarfile "$work"/linux-source-6.1_*.deb | tar -x -O ./usr/src/linux-source-6.1.tar.xz \
      | tar -xJ -C "$src/tree" linux-source-6.1/drivers/gpio/gpio-sim.c linux-source-6.1/drivers/gpio/gpiolib.h \
        linux-source-6.1/kernel/irq/irq_sim.c
    cp "$src/tree/linux-source-6.1/drivers/gpio/gpio-sim.c" "$src/tree/linux-source-6.1/drivers/gpio/gpiolib.h" "$src/"
    sed -e 's/handle_simple_irq(irq_to_desc(irqnum));/generic_handle_irq(irqnum);/' -e '/^EXPORT_SYMBOL_GPL/d' \
      "$src/tree/linux-source-6.1/kernel/irq/irq_sim.c" >"$src/irq_sim.c"
    printf 'obj-m := gpio-sim-oot.o\ngpio-sim-oot-y := gpio-sim.o irq_sim.o\nccflags-y := -I$(src)\n' >"$src/Makefile"
  fi
  make -s -C "$headers" M="$src" modules >"$work/gpio-sim-build.log" 2>&1 \
    || { echo "gpio-sim skipped: module build failed (see $work/gpio-sim-build.log)"; return 1; }
  gpiosim="$src/gpio-sim-oot.ko"
}
build_gpio_sim || true

# The initramfs: busybox, the modules in dependency order, and /init.
rm -rf "$work/initramfs" && mkdir -p "$work/initramfs"/{bin,mods,proc,sys,dev,host,out}
cp "$(command -v busybox)" "$work/initramfs/bin/busybox"
for m in drivers/virtio/virtio drivers/virtio/virtio_ring drivers/virtio/virtio_pci_modern_dev \
  drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci net/9p/9pnet net/9p/9pnet_virtio \
  fs/netfs/netfs fs/fscache/fscache fs/9p/9p drivers/i2c/i2c-dev drivers/i2c/i2c-stub fs/configfs/configfs; do
  cp "$mods/$m.ko" "$work/initramfs/mods/"
done
[ -n "$gpiosim" ] && cp "$gpiosim" "$work/initramfs/mods/"
cat >"$work/initramfs/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in virtio virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci 9pnet 9pnet_virtio netfs fscache 9p i2c-dev configfs; do
  insmod /mods/\$m.ko || echo "insmod \$m failed"
done
insmod /mods/i2c-stub.ko chip_addr=0x2a || echo "insmod i2c-stub failed"
mount -t 9p -o trans=virtio,version=9p2000.L,ro hostroot /host
mount -t 9p -o trans=virtio,version=9p2000.L out /out
bus=""
for d in /sys/class/i2c-dev/i2c-*; do
  grep -q "SMBus stub" "\$d/name" 2>/dev/null && bus="/dev/\$(basename \$d)"
done
echo "i2c-stub bus: \$bus" >/out/log
gchip=""; gsys=""
if [ -f /mods/gpio-sim-oot.ko ] && insmod /mods/gpio-sim-oot.ko; then
  mount -t configfs none /sys/kernel/config
  c=/sys/kernel/config/gpio-sim/traction
  mkdir \$c \$c/bank0 && echo 8 >\$c/bank0/num_lines && echo 1 >\$c/live
  dev="\$(cat \$c/dev_name)"; name="\$(cat \$c/bank0/chip_name)"
  gchip="/dev/\$name"; gsys="/sys/devices/platform/\$dev/\$name"
fi
echo "gpio-sim chip: \$gchip (\$gsys)" >>/out/log
mount -t devtmpfs dev /host/dev; mount -t proc proc /host/proc; mount -t sysfs sys /host/sys
# A writable scratch space that does not hide the host's /tmp (the binary may live there).
mkdir -p /host/dev/shm && mount -t tmpfs shm /host/dev/shm
chroot /host /usr/bin/env TRACTION_I2C_STUB_BUS="\$bus" TRACTION_GPIO_SIM_CHIP="\$gchip" \
  TRACTION_GPIO_SIM_SYSFS="\$gsys" HOME=/dev/shm TMPDIR=/dev/shm ${TRACTION_GUEST_ENV:-} "$binary" "$filter" >>/out/log 2>&1
echo \$? >/out/rc
sync
poweroff -f
INIT
chmod +x "$work/initramfs/init"
(cd "$work/initramfs" && find . | cpio -o -H newc --quiet | gzip -1 >"$work/initramfs.cpio.gz")

rm -rf "$work/out" && mkdir -p "$work/out"
echo "booting $kver under QEMU (TCG); test binary $binary, filter $filter"
start=$(date +%s)
timeout 900 qemu-system-x86_64 -machine pc -accel tcg -m 2048 -smp 1 -nographic -no-reboot \
  -kernel "$vmlinuz" -initrd "$work/initramfs.cpio.gz" -append "console=ttyS0 quiet panic=-1" \
  -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on \
  -virtfs "local,path=$work/out,mount_tag=out,security_model=none" >"$work/console.log" 2>&1 || true
echo "guest ran $(( $(date +%s) - start )) s"
cat "$work/out/log" 2>/dev/null || { echo "no log from the guest; console:"; tail -n 40 "$work/console.log"; exit 1; }
rc="$(cat "$work/out/rc" 2>/dev/null || echo missing)"
echo "guest test exit status: $rc"
[ "$rc" = 0 ]
