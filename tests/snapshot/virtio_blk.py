#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""virtio-blk with requests in flight (tests/guest/snapblk.c) live-migrated
at random instants, MIG_HOPS times (default 4, 2 on a slow KVM), then snapshotted while
running and restored into a new process: the guest's I/O must go on
(no lost kick, completion or interrupt: it fails after 5 s without a
completion) and every sector must read back as it was written."""
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from cvtest import migrate_start, ACCEL, SLOW, require_accel, QMP, VM, fail, guest, tmpdir  # noqa: E402

require_accel()
d = tmpdir()
HOPS = int(os.environ.get("MIG_HOPS", "2" if SLOW else "4"))
disk = os.path.join(d, "disk.img")
with open(disk, "wb") as f:
    f.write(bytes(64 << 10))


def wait_migration(q, timeout=120):
    end = time.time() + timeout
    while time.time() < end:
        r = q.ok("query-migrate")
        if r.get("status") in ("completed", "failed"):
            return r
        time.sleep(0.05)
    fail("migration did not finish in %d s: %r" % (timeout, r))


def rounds_check(vm):
    for ln in vm.lines:
        if "FAIL" in ln:
            fail("%s: %s" % (vm.name, ln))


vms = []
try:
    sock = os.path.join(d, "src.qmp")
    cur = VM(["run", "--accel", ACCEL, "--testdev", "--kernel",
              guest("snapblk"), "--memory", "64M", "--disk", disk,
              "--api-socket", sock], "src")
    vms.append(cur)
    cur.wait_line("READY")
    q = QMP(sock)
    rnd = random.Random(os.environ.get("MIG_SEED"))
    for i in range(HOPS):
        time.sleep(rnd.uniform(0.05, 0.4))
        uri = "unix:" + os.path.join(d, "mig%d.sock" % i)
        dsock = os.path.join(d, "dst%d.qmp" % i)
        dst = VM(["run", "--accel", ACCEL, "--incoming", uri,
                  "--api-socket", dsock], "dst%d" % i)
        vms.append(dst)
        time.sleep(0.3)
        migrate_start(q, uri)
        r = wait_migration(q)
        if r["status"] != "completed":
            fail("hop %d: %r" % (i, r))
        rounds_check(cur)
        q.ok("quit")
        if cur.wait() != 0:
            fail("source exit status %r after quit" % cur.p.returncode)
        cur, q = dst, QMP(dsock)
        print("hop %d: downtime %.3f ms" % (i, r["x-downtime-us"] / 1000.0),
              flush=True)

    # Stopped at a random instant, snapshotted and restored.  The disk
    # image is not in the snapshot (as with QEMU): the source must not
    # run on after the save, or the restored guest finds newer sectors.
    time.sleep(rnd.uniform(0.05, 0.4))
    snap = os.path.join(d, "vm.snap")
    q.ok("stop")
    q.ok("cvisor-snapshot-save", file=snap)
    q.ok("quit")
    if cur.wait() != 0:
        fail("snapshot source exit status %r" % cur.p.returncode)
    rounds_check(cur)
    cur = VM(["restore", snap, "--accel", ACCEL], "restored")
    vms.append(cur)
    time.sleep(1.0)		# the restored guest does I/O for a while
    cur.send(b"go")
    cur.wait_line("got go", timeout=60)
    rc = cur.wait()
    rounds_check(cur)
    if rc != 1:
        fail("restored guest: status %d (1 = pass)" % rc)
    print("virtio-blk I/O in flight survived %d migrations and a restore"
          % HOPS)
finally:
    for v in vms:
        v.kill()
