#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The memory type MSRs (PAT, MTRRdefType, the fixed and variable MTRRs)
are part of a snapshot on both backends: the guest (mtrrsnap) sets them,
the VM is snapshotted and restored into a new process, and the restored
guest reads every one back unchanged.  KVM does not list the MTRRs in
KVM_GET_MSR_INDEX_LIST, so the vCPU state adds them itself."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from cvtest import (ACCEL, require_accel, QMP, VM, fail, guest,  # noqa: E402
                    snapshot_to_restore, tmpdir)

require_accel()
d = tmpdir()
sock = os.path.join(d, "qmp.sock")
snap = os.path.join(d, "mtrr.snap")
src = VM(["run", "--accel", ACCEL, "--testdev", "--kernel",
          guest("mtrrsnap"), "--api-socket", sock], "src")
try:
    src.wait_line("READY", timeout=120)
    dst = snapshot_to_restore(QMP(sock), src, snap)
finally:
    src.kill()
try:
    dst.send(b"go")
    dst.wait_line("MTRR: all", timeout=120)
    rc = dst.wait()
    if rc != 1:
        fail("restored guest: status %d (1 = pass)" % rc)
finally:
    dst.kill()
print("MTRRs and PAT survive a snapshot and restore on %s" % ACCEL)
