# scripts/lib-linux.sh - shared by scripts/run-linux, scripts/run-linux-qemu,
# scripts/mkinitramfs and tests/linux/*: where the Linux boot artifacts live,
# which kernel to use, the kernel command line, and the ext2 disk.
# Source it (bash); it sets no shell options of its own.
# shellcheck shell=bash

# The repository root, whatever the caller's working directory.
CVISOR_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${BUILD:=build}"
# Artifacts are built, never committed: build/ is ignored.
LINUX_DIR=${LINUX_DIR:-$CVISOR_ROOT/$BUILD/linux}
# shellcheck disable=SC2034 # used by the scripts that source this file
INITRAMFS=$LINUX_DIR/initramfs.cpio.gz

# The Debian cloud kernel: virtio, ACPI, PVH built in or as modules, no
# graphics or hardware drivers to probe, so it boots quickly on a VMM
# without a BIOS.  The newest installed one wins (sort -V on the release).
pick_kernel() {
	local k
	k=$(find /boot -maxdepth 1 -name 'vmlinuz-*-cloud-amd64' 2>/dev/null |
		sort -V | tail -n 1)
	[ -n "$k" ] || return 1
	echo "$k"
}

# /boot/vmlinuz-6.1.0-56-cloud-amd64 -> 6.1.0-56-cloud-amd64 (the modules
# directory under /lib/modules has to match the kernel exactly).
kernel_release() {
	basename "$1" | sed 's/^vmlinuz-//'
}

# The kernel command line shared by cvisor and the QEMU peer, so that both
# boot the same thing (the boot-time benchmark compares them):
#   console=ttyS0   the console is COM1, cvisor's (and QEMU's) stdio
#   loglevel=4      warnings and errors only: every console byte is a port
#                   exit, and an interpreted guest pays for each; what goes
#                   wrong still shows
#   panic=-1        reboot at once on a panic, so a broken boot ends the VM
#                   (QEMU -no-reboot, cvisor: reset ends the run) instead of
#                   hanging until a test's timeout
# Nothing else on purpose: no timer, TSC or device probes are turned off, so
# the boot exercises what cvisor models (PIT, LAPIC, IOAPIC, ACPI, PCI).
# cvisor.mode=shell|script|net is read by our /init (scripts/initramfs/init).
# $2 = hvc0 puts the console on a virtio-console instead (cvisor run
# --console virtio; see linux_console).
linux_cmdline() {
	echo "console=${2:-ttyS0} loglevel=4 panic=-1 cvisor.mode=$1"
}

# The kernel console for cvisor run arguments "$@": hvc0 when they hold
# --console virtio (COM1's output is then discarded), else ttyS0.
linux_console() {
	local a prev=
	for a in "$@"; do
		if [ "$prev" = --console ] && [ "$a" = virtio ]; then
			echo hvc0
			return
		fi
		prev=$a
	done
	echo ttyS0
}

# A fresh ext2 image for the guest's /dev/vda: 16 MiB, made as an ordinary
# user (mke2fs -F on a regular file needs no root and no loop device).
make_disk() {
	rm -f "$1"
	truncate -s 16M "$1"
	mke2fs -q -F -t ext2 -L cvisor "$1" >/dev/null
}

# Install Debian packages (non-interactive) for those of "$@" that are
# missing; dpkg-query is the check, so an installed system stays untouched.
apt_ensure() {
	local missing=() p
	for p in "$@"; do
		[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = \
			"install ok installed" ] || missing+=("$p")
	done
	[ ${#missing[@]} = 0 ] && return 0
	echo "installing ${missing[*]} (apt-get)" >&2
	local sudo=()
	[ "$(id -u)" = 0 ] || sudo=(sudo)
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# (Re)build build/linux/initramfs.cpio.gz for kernel $1 when it is missing,
# made for another kernel, or older than its inputs.  $2 = --no-install
# forbids apt-get (tests).  mkinitramfs replaces the file atomically, so
# parallel callers are safe.
ensure_initramfs() {
	local kernel=$1 f stale=0 opts=()
	[ "${2:-}" = --no-install ] && opts=(--no-install)
	mkdir -p "$LINUX_DIR"
	if [ ! -f "$INITRAMFS" ] ||
		[ "$(cat "$INITRAMFS.kernel" 2>/dev/null)" != "$kernel" ]; then
		stale=1
	else
		for f in "$CVISOR_ROOT"/scripts/mkinitramfs "$CVISOR_ROOT"/scripts/initramfs/* /bin/busybox "$kernel"; do
			[ "$f" -nt "$INITRAMFS" ] && stale=1
		done
	fi
	[ $stale = 0 ] && return 0
	"$CVISOR_ROOT/scripts/mkinitramfs" --kernel "$kernel" "${opts[@]}" &&
		echo "$kernel" >"$INITRAMFS.kernel"
}

# The initramfs and a fresh build/linux/disk.img, for scripts/run-linux*.
prepare_linux() {
	ensure_initramfs "$1" || return 1
	make_disk "$LINUX_DIR/disk.img"
}

# Print what the guest wrote to the disk image, read on the host with
# debugfs (no mount, no root): proof the write went through virtio-blk.
show_disk_file() {
	debugfs -R "cat /hello.txt" "$1" 2>/dev/null
}

# The uncompressed vmlinux of bzImage $1, for PVH entry: extracted once to
# build/linux/vmlinux (redone when the bzImage is newer).  Exit status as
# scripts/extract-vmlinux --check-pvh: 3 when the kernel has no PVH note.
pvh_kernel() {
	local vm=$LINUX_DIR/vmlinux
	mkdir -p "$LINUX_DIR"
	if [ ! -f "$vm" ] || [ "$1" -nt "$vm" ] ||
		[ "$(cat "$vm.from" 2>/dev/null)" != "$1" ]; then
		"$CVISOR_ROOT/scripts/extract-vmlinux" "$1" "$vm" --check-pvh || return
		echo "$1" >"$vm.from"
	fi
	echo "$vm"
}
