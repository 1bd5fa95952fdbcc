#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A guest with live values in all sixteen YMM registers (both halves) is
snapshotted through QMP and restored into a new process: the restored
guest must find every register as it left it, i.e. the AVX component
travels in the xsave state of the snapshot."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from cvtest import ACCEL, require_accel, QMP, VM, fail, guest, skip, tmpdir  # noqa: E402



def wait_ready(vm, timeout=60):
    """READY from the guest; a skip when the host's KVM cannot emulate
    the guest's VEX instructions (the guest kit's convention: a missing
    host capability), a failure otherwise."""
    end = time.time() + timeout
    while time.time() < end:
        if any("READY" in line for line in vm.lines):
            return
        if vm.p.poll() is not None:
            vm.t.join(5)
            if any("emulation failure" in line for line in vm.lines):
                skip("host KVM cannot emulate an instruction of this guest")
            fail("%s: no READY (exit status %s)" % (vm.name, vm.p.returncode))
        time.sleep(0.1)
    fail("%s: no READY within %d s" % (vm.name, timeout))


require_accel()
d = tmpdir()
sock = os.path.join(d, "qmp.sock")
snap = os.path.join(d, "vm.snap")
src = VM(["run", "--accel", ACCEL, "--testdev", "--kernel",
          guest("avxsnap"), "--memory", "64M", "--api-socket", sock], "src")
try:
    wait_ready(src)
    q = QMP(sock)
    q.ok("stop")
    q.ok("cvisor-snapshot-save", file=snap)
    q.ok("quit")
    src.wait()
finally:
    src.kill()

dst = VM(["restore", snap, "--accel", ACCEL], "restore")
try:
    dst.send(b"go")
    dst.wait_line("got go")
    rc = dst.wait()
    if rc != 1:
        fail("restored guest: status %d (1 = pass)" % rc)
finally:
    dst.kill()
print("snapshot of YMM state OK")
