#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""QEMU's deferred incoming migration: a destination started with
"--incoming defer" serves QMP without a VM (status "inmigrate"; commands
that need the VM are refused) until migrate-incoming names the URI; then
it receives the migrated guest (snapcont) and runs it on the same
socket, which must answer for the VM afterwards.  A deferred destination
that gets quit before any migration ends with status 0."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from cvtest import migrate_start, ACCEL, mib, require_accel, QMP, VM, fail, guest, tmpdir  # noqa: E402

require_accel()
d = tmpdir()
vms = []
try:
    # Quit while waiting: nothing ran, status 0.
    qsock = os.path.join(d, "quit.qmp")
    v = VM(["run", "--accel", ACCEL, "--incoming", "defer",
            "--api-socket", qsock], "quitter")
    vms.append(v)
    q = QMP(qsock)
    q.ok("quit")
    if v.wait() != 0:
        fail("deferred destination quit: status %d" % v.p.returncode)

    sock = os.path.join(d, "src.qmp")
    src = VM(["run", "--accel", ACCEL, "--testdev", "--kernel",
              guest("snapcont"), "--memory", "64M", "--append", mib(4),
              "--api-socket", sock], "src")
    vms.append(src)
    dsock = os.path.join(d, "dst.qmp")
    dst = VM(["run", "--accel", ACCEL, "--incoming", "defer",
              "--api-socket", dsock], "dst")
    vms.append(dst)
    src.wait_line("READY", timeout=120)
    qs, qd = QMP(sock), QMP(dsock)
    st = qd.ok("query-status")
    if st["status"] != "inmigrate" or st["running"]:
        fail("deferred destination: %r" % st)
    r = qd.cmd("stop")
    if "error" not in r:
        fail("stop without a VM: %r" % r)
    r = qd.cmd("migrate-incoming", uri="floppy:1")
    if "error" not in r:
        fail("migrate-incoming with a bad URI: %r" % r)
    uri = "unix:" + os.path.join(d, "mig.sock")
    qd.ok("migrate-incoming", uri=uri)
    r = qd.cmd("migrate-incoming", uri=uri)
    if "error" not in r:
        fail("a second migrate-incoming: %r" % r)
    time.sleep(0.3)
    migrate_start(qs, uri)
    end = time.time() + 120
    while True:
        r = qs.ok("query-migrate")
        if r["status"] in ("completed", "failed"):
            break
        if time.time() > end:
            fail("migration did not finish: %r" % r)
        time.sleep(0.05)
    if r["status"] != "completed":
        fail("migration to the deferred destination: %r" % r)
    qs.ok("quit")
    src.wait()
    st = qd.ok("query-status")
    if st["status"] != "running":
        fail("destination after the migration: %r" % st)
    qd.ok("stop")
    qd.ok("cont")
    dst.send(b"go")
    dst.wait_line("got go")
    rc = dst.wait()
    if rc != 1:
        fail("migrated guest: status %d (1 = pass)" % rc)
    print("--incoming defer + migrate-incoming OK")
finally:
    for v in vms:
        v.kill()
