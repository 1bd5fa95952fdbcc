# tests/firmware/common.sh - shared by the firmware machine's tests (bash;
# source it).  Tests never install packages: a missing Debian package is a
# skip naming it (.ci/run and scripts/mkdisk-grub install them).
# shellcheck shell=bash

cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
# shellcheck source=tests/lib.sh
. tests/lib.sh

# Debian's SeaBIOS build with SMM support (QEMU's pc default, 256 KiB).
SEABIOS=${SEABIOS:-/usr/share/seabios/bios-256k.bin}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

require_seabios() {
	[ -f "$SEABIOS" ] || skip "Debian seabios not installed ($SEABIOS missing)"
}

# Does this backend have SMM?  (cvisor caps: "yes  SMM")
have_smm() {
	"$CVISOR" caps --accel "$CVISOR_ACCEL" 2>/dev/null | grep -q '^yes  *SMM$'
}

# The N of "cvisor: smm-entries N" (--verbose), or empty.  The guest's
# serial output may end without a newline, so the line need not start it.
smm_entries() {
	grep -ao 'cvisor: smm-entries [0-9][0-9]*' "$1" | tail -n 1 |
		sed 's/.* //'
}
