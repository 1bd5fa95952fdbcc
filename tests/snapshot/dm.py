#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Out-of-process devices in snapshots and migration: a guest (dmsnap)
works with cvisor-dm iotest and keeps cvisor-dm virtio-blk programmed;
the VM is snapshotted, quit, restored (the restore starts the device
models again and hands each its saved state) and must carry on: its
iotest scratch memory, counters, config space and raised INTA line and
virtio-blk's config space as they were.  Then the restored VM is
live-migrated to a third process, which gets "go" and must pass.

Also: a VM whose device model was connected by hand (--ioreq-socket)
refuses the snapshot with a message naming it, and keeps running."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from cvtest import ACCEL, BUILD, require_accel, QMP, VM, fail, guest, tmpdir  # noqa: E402

require_accel()
d = tmpdir()
disk = os.path.join(d, "disk.img")
with open(disk, "wb") as f:
    f.truncate(1 << 20)
snap = os.path.join(d, "vm.snap")
DMS = ["--device-model", "iotest", "--device-model",
       "virtio-blk,file=" + disk]


def dm_children(vm):
    out = subprocess.run(["pgrep", "-P", str(vm.p.pid), "-x", "cvisor-dm"],
                         capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


sock = os.path.join(d, "src.qmp")
src = VM(["run", "--accel", ACCEL, "--testdev", "--kernel", guest("dmsnap"),
          "--api-socket", sock] + DMS, "src")
try:
    src.wait_line("READY")
    src.wait_line("round 64")
    q = QMP(sock)
    r = q.ok("cvisor-snapshot-save", file=snap)
    print("snapshot with 2 device models: %d bytes, paused %.2f ms"
          % (r["bytes"], r["pause-ms"]))
    q.ok("quit")
    if src.wait() != 0:
        fail("source exit status %d after quit" % src.p.returncode)
finally:
    src.kill()

sock2 = os.path.join(d, "restored.qmp")
mid = VM(["restore", snap, "--accel", ACCEL, "--api-socket", sock2],
         "restored")
try:
    mid.wait_line("round 128")
    if len(dm_children(mid)) != 2:
        fail("the restored VM runs %d device models, not 2"
             % len(dm_children(mid)))
    q = QMP(sock2)
    dsock = os.path.join(d, "dst.qmp")
    uri = "unix:" + os.path.join(d, "mig.sock")
    dst = VM(["run", "--accel", ACCEL, "--incoming", uri,
              "--api-socket", dsock], "dst")
    try:
        # The socket file appears at bind(), a moment before listen().
        for _ in range(200):
            r = q.cmd("migrate", uri=uri)
            if "error" not in r:
                break
            time.sleep(0.05)
        else:
            fail("migrate: %r" % r)
        end = time.time() + 120
        while True:
            st = q.ok("query-migrate")
            if st.get("status") in ("completed", "failed"):
                break
            if time.time() > end:
                fail("migration did not finish: %r" % st)
            time.sleep(0.05)
        if st["status"] != "completed":
            fail("migration with device models: %r" % st)
        print("migrated with 2 device models: downtime %.3f ms"
              % st["downtime"])
        q.ok("quit")
        mid.wait()
        dst.wait_line("round")
        dst.send(b"go")
        dst.wait_line("device models carried on")
        rc = dst.wait()
        if rc != 1:
            fail("migrated guest: status %d (1 = pass)" % rc)
    finally:
        dst.kill()
finally:
    mid.kill()

# A device model connected by hand cannot be saved: a clear refusal.
isock = os.path.join(d, "ioreq.sock")
qsock = os.path.join(d, "hand.qmp")
hand = VM(["run", "--accel", ACCEL, "--testdev", "--kernel", guest("dmsnap"),
           "--ioreq-socket", isock + ",wait=1", "--api-socket", qsock,
           "--device-model", "iotest"], "hand")
dm = None
try:
    for _ in range(200):
        if os.path.exists(isock):
            break
        time.sleep(0.05)
    dm = subprocess.Popen([os.path.join(BUILD, "cvisor-dm"), "--socket", isock,
                           "--slot", "17", "virtio-blk,file=" + disk],
                          stdin=subprocess.DEVNULL)
    hand.wait_line("READY")
    q = QMP(qsock)
    r = q.cmd("cvisor-snapshot-save", file=os.path.join(d, "hand.snap"))
    desc = r.get("error", {}).get("desc", "")
    if "error" not in r or "--ioreq-socket" not in desc:
        fail("snapshot with a hand-connected device model: %r" % r)
    print("refused as expected: %s" % desc)
    if q.ok("query-status")["status"] != "running":
        fail("the VM did not go on running after the refused snapshot")
    q.ok("quit")
    hand.wait()
finally:
    hand.kill()
    if dm:
        dm.kill()
        dm.wait()
print("device models in snapshot/restore and migration OK")
