#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Seed 000 end to end: a vCPU inside its SMI handler (running from
SMRAM, with another SMI pending and an NMI held) is snapshotted and
restored into a new process, then live-migrated; each time the guest
(tests/guest/smmsnap.c) must see the vCPU still in SMM, then leave it,
take the pending SMI once and the NMI once.  The snapshot is taken with
"go" pending in the UART, so nothing runs between save and restore."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from cvtest import (migrate_start, ACCEL, QMP, VM, fail, guest, require_accel,  # noqa: E402
                    skip, tmpdir)

require_accel()
d = tmpdir()
ARGS = ["--accel", ACCEL, "--testdev", "--cpus", "2", "--kernel",
        guest("smmsnap")]


def start(name, sock):
    vm = VM(["run"] + ARGS + ["--api-socket", sock], name)
    while True:
        with vm.cond:
            for line in vm.lines:
                if line.startswith("SKIP: "):
                    vm.wait()
                    skip(line[6:])
                if "IN_SMM" in line:
                    return vm
            if vm.p.poll() is not None and not vm.t.is_alive():
                fail("%s ended (status %d) before entering SMM" %
                     (name, vm.p.returncode))
            vm.cond.wait(0.5)


def finish(vm):
    vm.wait_line("released")
    rc = vm.wait()
    if rc != 1:
        fail("%s: guest status %d (1 = pass)" % (vm.name, rc))


vms = []
try:
    # Snapshot inside SMM, restore in a new process.
    sock = os.path.join(d, "a.qmp")
    snap = os.path.join(d, "smm.snap")
    a = start("src", sock)
    vms.append(a)
    q = QMP(sock)
    q.ok("stop")
    a.send(b"go")
    time.sleep(0.5)
    q.ok("cvisor-snapshot-save", file=snap)
    q.ok("quit")
    a.wait()
    b = VM(["restore", snap, "--accel", ACCEL], "restored")
    vms.append(b)
    finish(b)
    print("snapshot/restore inside SMM OK")

    # Live migration inside SMM (the AP keeps writing RAM from SMM).
    sock = os.path.join(d, "c.qmp")
    c = start("src2", sock)
    vms.append(c)
    q = QMP(sock)
    uri = "unix:" + os.path.join(d, "mig.sock")
    dst = VM(["run", "--accel", ACCEL, "--incoming", uri], "dst")
    vms.append(dst)
    time.sleep(0.3)
    migrate_start(q, uri)
    while True:
        r = q.ok("query-migrate")
        if r["status"] in ("completed", "failed"):
            break
        time.sleep(0.05)
    if r["status"] != "completed":
        fail("migration inside SMM: %r" % r)
    print("migrated inside SMM: rounds %d, pages %d, downtime %.3f ms" %
          (r["ram"]["dirty-sync-count"], r["ram"]["normal"],
           r["x-downtime-us"] / 1000.0))
    q.ok("quit")
    c.wait()
    dst.send(b"go")
    finish(dst)
    print("live migration inside SMM OK")
finally:
    for v in vms:
        v.kill()
