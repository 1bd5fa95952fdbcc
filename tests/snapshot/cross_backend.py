#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A snapshot taken on one backend restores on the other: snapcont is
snapshotted on kvm (paused, with "go" pending in the UART) and restored
on emu, then the other way round; each restored guest must go on and
pass its checks (memory, LAPIC timer, PIT, RTC, CMOS).  The vCPU MSR
lists differ between the backends (docs/snapshot-format.md: the MSRs
both sides know are restored, unused or capability ones left out).
Skips only when this host has no usable /dev/kvm."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from cvtest import CVISOR, QMP, VM, fail, guest, skip, tmpdir  # noqa: E402

for accel in ("kvm", "emu"):
    p = subprocess.run([CVISOR, "caps", "--accel", accel],
                       capture_output=True, text=True)
    if p.returncode:
        lines = (p.stdout + p.stderr).strip().splitlines()
        skip("%s backend unavailable: %s" % (accel, lines[-1] if lines else "?"))
d = tmpdir()


def snapshot_on(accel, snap):
    sock = os.path.join(d, accel + ".qmp")
    src = VM(["run", "--accel", accel, "--testdev", "--kernel",
              guest("snapcont"), "--memory", "64M", "--append", "mib=1",
              "--api-socket", sock], "on-" + accel)
    try:
        src.wait_line("READY", timeout=120)
        q = QMP(sock)
        q.ok("stop")
        src.send(b"go")
        time.sleep(0.5)
        q.ok("cvisor-snapshot-save", file=snap)
        q.ok("quit")
        if src.wait() != 0:
            fail("%s source: exit status %d" % (accel, src.p.returncode))
    finally:
        src.kill()


def restore_on(accel, snap):
    dst = VM(["restore", snap, "--accel", accel], "restored-on-" + accel)
    try:
        dst.wait_line("got go", timeout=120)
        rc = dst.wait()
        if rc != 1:
            fail("restored on %s: status %d (1 = pass)" % (accel, rc))
    finally:
        dst.kill()


for a, b in (("kvm", "emu"), ("emu", "kvm")):
    snap = os.path.join(d, "%s.snap" % a)
    snapshot_on(a, snap)
    restore_on(b, snap)
    print("snapshot on %s restored on %s: the guest carried on" % (a, b),
          flush=True)
