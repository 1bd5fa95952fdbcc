#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Snapshot a working guest (snapcont) through QMP and restore it into a
new process, twice from the same file: the guest must go on where it
was, with its memory intact, its LAPIC timer and PIT running, the RTC
and CMOS as it left them, and the serial input that was pending in the
UART when the snapshot was taken.  Also checks that the snapshot is
sparse, that a paused VM stays paused, and the SHUTDOWN event of a QMP
quit."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from cvtest import ACCEL, mib, require_accel, QMP, VM, fail, guest, tmpdir  # noqa: E402

APPEND = mib(4) + " " + os.environ.get("SNAP_APPEND", "")
require_accel()
d = tmpdir()
sock = os.path.join(d, "qmp.sock")
snap = os.path.join(d, "vm.snap")
src = VM(["run", "--accel", ACCEL, "--testdev", "--kernel",
          guest("snapcont"), "--memory", "128M", "--append", APPEND,
          "--api-socket", sock], "src")
try:
    src.wait_line("READY")
    q = QMP(sock)
    # "go" arrives while the VM is paused: it is pending input in the
    # UART when the snapshot is taken, and the restored guest reads it.
    q.ok("stop")
    src.send(b"go")
    time.sleep(0.5)
    r = q.ok("cvisor-snapshot-save", file=snap)
    if q.ok("query-status")["status"] != "paused":
        fail("a snapshot of a paused VM did not leave it paused")
    st = os.stat(snap)
    print("snapshot: %d bytes, %d KiB on disk, %d RAM pages, paused %.2f ms"
          % (st.st_size, st.st_blocks // 2, r["ram-pages"], r["pause-ms"]))
    if r["bytes"] != st.st_size or st.st_size < 128 << 20:
        fail("snapshot size %d, reply %r" % (st.st_size, r))
    # Sparse: the guest touched a few MiB of its 128.
    if st.st_blocks * 512 > 32 << 20:
        fail("snapshot not sparse: %d bytes allocated" % (st.st_blocks * 512))
    # A running VM goes on running after a snapshot.
    q.ok("cont")
    q.ok("cvisor-snapshot-save", file=snap + ".2")
    if q.ok("query-status")["status"] != "running":
        fail("the source did not go on running after a snapshot")
    os.unlink(snap + ".2")
    q.ok("quit")
    e = q.event("SHUTDOWN")
    if e["data"] != {"guest": False, "reason": "host-qmp-quit"}:
        fail("SHUTDOWN after quit: %r" % e)
    if src.wait() != 0:
        fail("source exit status %d after quit" % src.p.returncode)
finally:
    src.kill()

for i in range(2):
    dst = VM(["restore", snap, "--accel", ACCEL], "restore%d" % i)
    try:
        dst.wait_line("got go")
        rc = dst.wait()
        if rc != 1:
            fail("restored guest: status %d (1 = pass)" % rc)
    finally:
        dst.kill()
print("snapshot/restore OK")
