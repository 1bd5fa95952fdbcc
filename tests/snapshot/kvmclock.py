#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""kvmclock across a snapshot, two restores and a live migration: the
guest (tests/guest/kvmpv.c in "snap" mode) reads its pvclock record
without pause while the host saves or moves it; after "go" its clock
must have gone on from where it was (never back: guest time stands still
between save and load), at the rate of the ACPI PM timer, with a TSC
rate that matches the record's scale (issue 16 item 5)."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from cvtest import ACCEL, migrate_run, require_accel, restore_runs, QMP, VM, fail, guest, tmpdir  # noqa: E402

require_accel()
d = tmpdir()
# This host's nested KVM never returns from a guest VMCALL.
APPEND = "snap" + (" nohcall" if ACCEL == "kvm" else "")


def finish(vm):
    vm.send(b"go")
    vm.wait_line("got go")
    vm.wait_line("kvmclock went on")
    rc = vm.wait()
    if rc != 1:
        fail("%s: guest status %d (1 = pass)" % (vm.name, rc))


def run_args(sock):
    return ["run", "--accel", ACCEL, "--testdev", "--kernel",
            guest("kvmpv"), "--memory", "64M", "--append", APPEND,
            "--api-socket", sock]


sock = os.path.join(d, "qmp.sock")
snap = os.path.join(d, "kvmclock.snap")
src = VM(run_args(sock), "src")
try:
    src.wait_line("READY")
    q = QMP(sock)
    time.sleep(0.3)
    q.ok("cvisor-snapshot-save", file=snap)
    finish(src)
finally:
    src.kill()
restore_runs(snap, finish)

sock = os.path.join(d, "qmp2.sock")
src = VM(run_args(sock), "msrc")
try:
    src.wait_line("READY")
except BaseException:
    src.kill()
    raise
migrate_run(src, sock, finish)
print("kvmclock survives snapshot, restore and migration")
