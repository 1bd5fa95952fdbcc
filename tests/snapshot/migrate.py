#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Live migration of a guest under write load (snapcont rewrites and
verifies its memory continuously), over a unix socket and over TCP on
loopback, hop after hop (A -> B -> C -> D): every hop must report its
rounds, pages, bytes, total time and downtime; the source ends paused
in "postmigrate"; the last destination gets "go" and must find every
page of its memory as the guest last wrote it.

Failures: a destination that disconnects mid-stream leaves the source
running (and a later migration still works); a source that dies
mid-stream leaves the destination with status 125 and one message,
without running anything."""
import os
import socket
import struct
import subprocess
import sys
import time
import zlib

sys.path.insert(0, os.path.dirname(__file__))
from cvtest import migrate_start, wait_migration, ACCEL, mib, require_accel, CVISOR, QMP, VM, fail, guest, tmpdir  # noqa: E402

require_accel()
d = tmpdir()
HOPS = int(os.environ.get("MIG_HOPS", "3"))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def migrate(q, uri):
    migrate_start(q, uri)
    r = wait_migration(q)
    if r["status"] != "completed":
        fail("migration to %s: %r" % (uri, r))
    ram = r["ram"]
    print("migrated to %s: rounds %d, pages %d, bytes %d, total %d ms, "
          "downtime %.3f ms" % (uri, ram["dirty-sync-count"], ram["normal"],
                                ram["transferred"], r["total-time"],
                                r["x-downtime-us"] / 1000.0))
    for k in ("dirty-sync-count", "normal", "transferred"):
        if ram[k] <= 0:
            fail("migration stats: %s = %r" % (k, ram[k]))
    if "downtime" not in r:
        fail("no downtime reported: %r" % r)
    st = q.ok("query-status")
    if st["status"] != "postmigrate" or st["running"]:
        fail("source after migration: %r" % st)
    return r


def start_dest(uri, i):
    sock = os.path.join(d, "dst%d.qmp" % i)
    vm = VM(["run", "--accel", ACCEL, "--incoming", uri,
             "--api-socket", sock], "dst%d" % i)
    return vm, sock


vms = []
try:
    sock = os.path.join(d, "src.qmp")
    cur = VM(["run", "--accel", ACCEL, "--testdev", "--kernel",
              guest("snapcont"), "--memory", "128M", "--append",
              mib(16) + " " + os.environ.get("SNAP_APPEND", ""),
              "--api-socket", sock], "src")
    vms.append(cur)
    cur.wait_line("READY")
    q = QMP(sock)

    # A destination that hangs up mid-stream: the source carries on.
    lsock = os.path.join(d, "fake.sock")
    ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    ls.bind(lsock)
    ls.listen(1)
    q.ok("migrate", uri="unix:" + lsock)
    c, _ = ls.accept()
    c.recv(100000)
    c.close()
    ls.close()
    r = wait_migration(q)
    if r["status"] != "failed" or not r.get("error-desc"):
        fail("migration to a vanishing destination: %r" % r)
    print("vanishing destination: %s" % r["error-desc"])
    if q.ok("query-status")["status"] != "running":
        fail("the source stopped after a failed migration")
    q.event("MIGRATION")

    for i in range(HOPS):
        if i % 2:
            uri = "tcp:127.0.0.1:%d" % free_port()
        else:
            uri = "unix:" + os.path.join(d, "mig%d.sock" % i)
        dst, dsock = start_dest(uri, i)
        vms.append(dst)
        time.sleep(0.3)		# let it listen
        migrate(q, uri)
        q.ok("quit")
        if cur.wait() != 0:
            fail("source exit status %r after quit" % cur.p.returncode)
        cur, q = dst, QMP(dsock)
        if q.ok("query-status")["status"] != "running":
            fail("destination not running after the migration")
    cur.send(b"go")
    cur.wait_line("got go")
    rc = cur.wait()
    if rc != 1:
        fail("migrated guest: status %d (1 = pass)" % rc)

    # A source that dies mid-stream: header and machine, then nothing.
    uri = "unix:" + os.path.join(d, "cut.sock")
    dst = subprocess.Popen([CVISOR, "run", "--accel", ACCEL, "--incoming",
                            uri], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    for _ in range(100):
        try:
            s.connect(uri[5:])
            break
        except OSError:
            time.sleep(0.05)
    m = (struct.pack("<H", 3) + b"emu" + struct.pack("<IQ", 1, 128 << 20)
         + bytes([0, 0, 1]) + struct.pack("<I", 0) + struct.pack("<H", 0)
         + bytes(7) + bytes(4))
    rec = struct.pack("<IIQII", 1, 1, len(m), zlib.crc32(m), 0) + \
        b"machine".ljust(32, b"\0") + m
    s.sendall(b"CVSNAP\r\n" + struct.pack("<II", 1, 2) + rec +
              struct.pack("<IIQ", 5, 1, 4096))
    s.close()
    out, err = dst.communicate(timeout=60)
    err = err.decode().strip()
    print("source gone: status %d: %s" % (dst.returncode, err))
    if dst.returncode != 125 or out or "truncated" not in err or \
            len(err.splitlines()) != 1:
        fail("destination after a source died: %d %r %r" %
             (dst.returncode, out, err))
    print("live migration OK")
finally:
    for v in vms:
        v.kill()
