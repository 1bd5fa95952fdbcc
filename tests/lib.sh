# tests/lib.sh - helpers for shell tests.  Source it; exit 0 = pass,
# 77 = skip (last line printed is the reason), anything else = fail.

: "${BUILD:=build}"
: "${CVISOR:=$BUILD/cvisor}"
: "${CVISOR_ACCEL:=auto}"

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "$*"; exit 77; }

# Skip unless the backend in CVISOR_ACCEL opens; the reason names what is
# missing ("kvm: /dev/kvm: No such file or directory").
require_accel() {
	local out
	if ! out=$("$CVISOR" caps --accel "$CVISOR_ACCEL" 2>&1); then
		skip "$CVISOR_ACCEL backend unavailable: $(tail -n 1 <<<"$out")"
	fi
}

# Skip unless the backend reports capability NAME (as printed by
# `cvisor caps`, e.g. "read-only memslots").
require_cap() {
	local out
	out=$("$CVISOR" caps --accel "$CVISOR_ACCEL" 2>&1) ||
		skip "$CVISOR_ACCEL backend unavailable: $(tail -n 1 <<<"$out")"
	grep -q "^yes  *$1\b" <<<"$out" ||
		skip "$1: not supported by the $CVISOR_ACCEL backend on this host"
}

# run_vm OUTFILE ARGS...: run cvisor, capture stdout+stderr, set $rc.
run_vm() {
	local out=$1; shift
	"$CVISOR" run --accel "$CVISOR_ACCEL" "$@" >"$out" 2>&1 </dev/null
	rc=$?
}

expect_rc() {
	[ "$rc" = "$1" ] || { cat "$2" 2>/dev/null; fail "exit status $rc, expected $1"; }
}

expect_grep() {
	grep -qE -- "$1" "$2" || { cat "$2"; fail "output lacks /$1/"; }
}
