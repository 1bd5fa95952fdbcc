# tests/linux/common.sh - shared by the Linux boot tests (bash; source it).
# Skips (exit 77, reason last) rather than installing anything: a test never
# runs apt-get; scripts/run-linux is what installs the kernel and busybox.
# shellcheck shell=bash

cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
# shellcheck source=tests/lib.sh
. tests/lib.sh
# shellcheck source=scripts/lib-linux.sh
. scripts/lib-linux.sh

# Guest RAM for the tests: small, so two boots in parallel fit anywhere.
# shellcheck disable=SC2034 # used by the tests that source this file
TEST_MEM_MIB=256

# Skip unless the kernel, busybox-static and the tools are here, the backend
# opens, and this cvisor has the options in "$@" (the machine engineer adds
# them; until then the test says which one is missing).  Sets $kernel and
# (re)builds the initramfs into build/linux/.
linux_require() {
	local opt help
	kernel=$(pick_kernel) ||
		skip "Debian linux-image-cloud-amd64 not installed (scripts/run-linux installs it)"
	# (no pipe into grep -q: with pipefail, file's SIGPIPE would fail it)
	[[ $(file -L /bin/busybox 2>/dev/null) == *'statically linked'* ]] ||
		skip "Debian busybox-static not installed (scripts/run-linux installs it)"
	for t in cpio debugfs mke2fs gcc; do
		command -v "$t" >/dev/null || skip "$t not installed (scripts/run-linux installs it)"
	done
	require_accel
	help=$("$CVISOR" run --help 2>&1 || true)
	for opt in "$@"; do
		grep -q -- "$opt" <<<"$help" ||
			skip "cvisor run has no $opt option yet (Linux machine model not wired in)"
	done
	prepare_linux_test
}

# The initramfs is shared (build/linux); the disk is the test's own.
prepare_linux_test() {
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	ensure_initramfs "$kernel" --no-install >"$tmp/mkinitramfs.log" 2>&1 || {
		cat "$tmp/mkinitramfs.log"
		fail "could not build the initramfs"
	}
	make_disk "$tmp/disk.img"
}
