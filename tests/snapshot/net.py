#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""virtio-net with traffic across a snapshot, a restore into a new
process and a live migration (tests/guest/netsnap.c).  The test makes a
network namespace with a multi-queue tap (no other interface, so
nothing leaves it), runs itself inside it, and echoes the guest's
numbered frames from a raw socket on the tap.  While frames flow, the
VM is stopped, saved, ended and restored on the same tap, then the
restored VM is live-migrated to a third process on the same tap (the
destination attaches a queue of its own); traffic must go on.

Checked: every frame the guest sent reached the tap exactly once and
in order (1, 2, 3... with no gap across the restore: the TX ring's
state is exact), the guest saw no echo twice or out of order (its RX
ring is exact too), and 20 more echoes after the migration.  Echoes
the peer sent while no cvisor had the tap open, or that the tap queued
for the migration source after it stopped, are lost, as on any tap
without a reader; the guest counts them."""
import os
import socket
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from cvtest import (ACCEL, require_accel, QMP, VM, expect_guest_pass,  # noqa: E402
                    fail, guest, migrate_start, skip, snapshot_to_restore,
                    tmpdir, wait_migration)

ETHERTYPE = 0x88B5
MAGIC = 0x544e5643
TAP = "cvtnet0"


def outside():
    """Make the namespace and the tap, run the test inside, clean up."""
    if os.getuid() != 0:
        skip("snapshot-net needs root (a network namespace and a tap)")
    if not os.path.exists("/dev/net/tun"):
        skip("snapshot-net needs /dev/net/tun")
    ns = "cvisor-snet-%d" % os.getpid()
    try:
        if subprocess.run(["ip", "netns", "add", ns]).returncode:
            skip("cannot create a network namespace")
    except FileNotFoundError:
        skip("snapshot-net needs iproute2 (ip)")
    try:
        for cmd in (["link", "set", "lo", "up"],
                    ["tuntap", "add", "dev", TAP, "mode", "tap",
                     "multi_queue"],
                    ["link", "set", TAP, "up"]):
            subprocess.run(["ip", "-n", ns] + cmd, check=True)
        rc = subprocess.run(["ip", "netns", "exec", ns, sys.executable,
                             __file__, "--inside"]).returncode
    finally:
        subprocess.run(["ip", "netns", "del", ns])
    sys.exit(rc)


class Echo:
    """Echo the guest's frames on the tap; record their numbers."""

    def __init__(self):
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                               socket.htons(ETHERTYPE))
        self.s.bind((TAP, 0))
        self.s.settimeout(0.2)
        self.seqs = []
        self.stop = False
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while not self.stop:
            try:
                f = self.s.recv(2048)
            except (socket.timeout, OSError):
                continue
            if len(f) < 26:
                continue
            magic, seq, echo = struct.unpack_from("<III", f, 14)
            if magic != MAGIC or echo:
                continue
            self.seqs.append(seq)
            reply = f[6:12] + f[6:12] + f[12:14] + \
                struct.pack("<III", MAGIC, seq, 1) + f[26:]
            try:
                self.s.send(reply)
            except OSError:
                pass	# the tap has no reader right now


def inside():
    require_accel()
    d = tmpdir()
    sock = os.path.join(d, "src.qmp")
    echo = Echo()
    src = VM(["run", "--accel", ACCEL, "--testdev", "--kernel",
              guest("netsnap"), "--net", "tap=" + TAP,
              "--api-socket", sock], "src")
    rsock = os.path.join(d, "restore.qmp")
    try:
        src.wait_line("READY", timeout=120)
        res = snapshot_to_restore(QMP(sock), src, os.path.join(d, "n.snap"),
                                  api_socket=rsock)
    finally:
        src.kill()
    dst = None
    try:
        at_restore = len(echo.seqs)
        # Let the restored VM send for a while, then move it live.
        while len(echo.seqs) < at_restore + 20:
            if res.p.poll() is not None:
                fail("the restored VM ended (status %d)" % res.p.returncode)
            time.sleep(0.05)
        at_migration = len(echo.seqs)
        dst = VM(["run", "--accel", ACCEL, "--incoming",
                  "unix:" + os.path.join(d, "mig.sock")], "dst")
        q = QMP(rsock)
        migrate_start(q, "unix:" + os.path.join(d, "mig.sock"))
        r = wait_migration(q)
        if r["status"] != "completed":
            fail("migration: %r" % r)
        print("migrated: downtime %.3f ms" % (r["x-downtime-us"] / 1000.0))
        q.ok("quit")
        res.wait()
        dst.send(b"go")
        dst.wait_line("NET: sent", timeout=120)
        expect_guest_pass(dst)
    finally:
        res.kill()
        if dst:
            dst.kill()
    echo.stop = True
    seqs = echo.seqs
    if seqs != list(range(1, len(seqs) + 1)):
        bad = [(i + 1, s) for i, s in enumerate(seqs) if s != i + 1][:5]
        fail("frames on the tap not 1, 2, 3...: first differences "
             "(position, frame) %r" % bad)
    if len(seqs) <= at_migration:
        fail("no frame after the migration")
    print("virtio-net: %d frames in order, none lost or doubled; "
          "%d after the restore, %d after the migration" %
          (len(seqs), len(seqs) - at_restore, len(seqs) - at_migration))


if __name__ == "__main__":
    if "--inside" in sys.argv:
        inside()
    else:
        outside()
