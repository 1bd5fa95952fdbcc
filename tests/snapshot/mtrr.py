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
from cvtest import (ACCEL, require_accel, QMP, expect_guest_pass,  # noqa: E402
                    snapshot_to_restore, testdev_guest, tmpdir)

require_accel()
d = tmpdir()
src, sock = testdev_guest("mtrrsnap", d)
try:
    src.wait_line("READY", timeout=120)
    dst = snapshot_to_restore(QMP(sock), src, os.path.join(d, "mtrr.snap"))
finally:
    src.kill()
try:
    dst.send(b"go")
    dst.wait_line("MTRR: all", timeout=120)
    expect_guest_pass(dst)
finally:
    dst.kill()
print("MTRRs and PAT survive a snapshot and restore on %s" % ACCEL)
