#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A Hyper-V guest (tests/guest/hyperv_snap.c: SynIC, two synthetic
timers, the reference TSC page, the hypercall page, the syndbg buffers
with USE_HCALLS) snapshotted while its timers run, restored into a new
process, and live-migrated: the machine keeps its --hyperv
configuration, every Hyper-V MSR reads what the guest wrote, both
timers keep firing, the reference clock goes on, and the synthetic
debugger answers its hypercalls (issue 11)."""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from cvtest import ACCEL, migrate_run, require_accel, restore_runs, QMP, VM, fail, guest, skip, tmpdir  # noqa: E402

require_accel()
d = tmpdir()
# The debugger's address: a UDP socket nobody reads is enough (the
# guest only resets the session); the restored VM opens its own socket.
peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
peer.bind(("127.0.0.1", 0))
port = peer.getsockname()[1]
HV = "stimer,syndbg,host_ip=127.0.0.1,host_port=%d,use_hcalls=on" % port


def start(args, name):
    """Start a VM; skip if this host's KVM lacks Hyper-V."""
    vm = VM(args, name)
    deadline = time.time() + 120
    while time.time() < deadline:
        with vm.cond:
            if any("READY" in line for line in vm.lines):
                return vm
        if vm.p.poll() is not None:
            vm.t.join(5)
            text = "\n".join(vm.lines)
            if vm.p.returncode == 125 and \
               "not supported by this host's KVM" in text:
                skip(vm.lines[-1])
            fail("%s ended before READY (status %d)" %
                 (name, vm.p.returncode))
        time.sleep(0.1)
    fail("%s: no READY" % name)


def finish(vm):
    """Send go; the guest checks everything and must pass."""
    vm.send(b"go")
    vm.wait_line("got go")
    rc = vm.wait()
    if rc != 1:
        fail("%s: guest status %d (1 = pass)" % (vm.name, rc))
    vm.wait_line("Hyper-V MSRs kept")
    vm.wait_line("debug session reset")


def run_args(sock):
    return ["run", "--accel", ACCEL, "--kernel", guest("hyperv_snap"),
            "--memory", "64M", "--hyperv", HV, "--append", "port=%d" % port,
            "--api-socket", sock]


# Snapshot while the timers run, then restore twice from the file.
sock = os.path.join(d, "qmp.sock")
snap = os.path.join(d, "hv.snap")
src = start(run_args(sock), "src")
try:
    q = QMP(sock)
    time.sleep(0.3)
    r = q.ok("cvisor-snapshot-save", file=snap)
    print("snapshot: %d bytes, paused %.2f ms" % (r["bytes"], r["pause-ms"]))
    if q.ok("query-status")["status"] != "running":
        fail("the source did not go on running after a snapshot")
    finish(src)
finally:
    src.kill()
restore_runs(snap, finish)

# Live migration of the same guest, mid-work.
sock = os.path.join(d, "qmp2.sock")
migrate_run(start(run_args(sock), "msrc"), sock, finish)
peer.close()
print("Hyper-V state survives snapshot, restore and migration")
