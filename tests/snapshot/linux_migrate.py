#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Linux with 2 vCPUs rewriting and checksumming 8 MiB of tmpfs round
after round is live-migrated over TCP on loopback, to a new process and
back to another, MIG_HOPS times (default 2).  This is the test of the
lost TSC-deadline timer: a destination that restores a vCPU without its
armed deadline never ends the guest's next sleep.  Every round's two
checksums must agree on every host, rounds must keep coming after each
hop, and the last destination ends the load on request and powers off
cleanly.  Run through tests/snapshot/linux-migrate."""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from cvtest import migrate_start, ACCEL, QMP, VM, fail, tmpdir  # noqa: E402

d = tmpdir()
HOPS = int(os.environ.get("MIG_HOPS", "2"))
kernel = os.environ["LINUX_KERNEL"]
initrd = os.environ["LINUX_INITRD"]
append = os.environ["LINUX_APPEND"]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def rounds(vm):
    return sum(1 for ln in vm.lines if "CVISOR-MEMLOAD round" in ln)


def check(vm):
    for ln in vm.lines:
        if "CVISOR-LINUX-FAIL" in ln:
            fail("%s: %s" % (vm.name, ln))


vms = []
try:
    sock = os.path.join(d, "src.qmp")
    cur = VM(["run", "--accel", ACCEL, "--cpus", "2", "--memory", "256M",
              "--kernel", kernel, "--initrd", initrd, "--append", append,
              "--api-socket", sock], "src")
    vms.append(cur)
    cur.wait_line("CVISOR-MEMLOAD round 2", timeout=240)
    q = QMP(sock)
    for i in range(HOPS):
        uri = "tcp:127.0.0.1:%d" % free_port()
        dsock = os.path.join(d, "dst%d.qmp" % i)
        dst = VM(["run", "--accel", ACCEL, "--incoming", uri,
                  "--api-socket", dsock], "dst%d" % i)
        vms.append(dst)
        time.sleep(0.5)
        migrate_start(q, uri)
        while True:
            r = q.ok("query-migrate")
            if r["status"] in ("completed", "failed"):
                break
            time.sleep(0.1)
        if r["status"] != "completed":
            fail("hop %d: %r" % (i, r))
        ram = r["ram"]
        print("hop %d over %s: rounds %d, pages %d, bytes %d, total %d ms, "
              "downtime %.3f ms" % (i, uri, ram["dirty-sync-count"],
                                    ram["normal"], ram["transferred"],
                                    r["total-time"],
                                    r["x-downtime-us"] / 1000.0), flush=True)
        check(cur)
        q.ok("quit")
        if cur.wait() != 0:
            fail("source exit status %r" % cur.p.returncode)
        cur, q = dst, QMP(dsock)
        # The load goes on on the destination: two more rounds.
        end = time.time() + 120
        while rounds(cur) < 2 and time.time() < end:
            check(cur)
            time.sleep(0.2)
        if rounds(cur) < 2:
            fail("%s: no memload rounds after the migration" % cur.name)
    cur.send(b"stop\n")
    cur.wait_line("CVISOR-MEMLOAD-OK", timeout=120)
    rc = cur.wait()
    check(cur)
    if rc != 0:
        fail("last destination: exit status %d" % rc)
    print("Linux migrated %d times under write load, checksums agree" % HOPS)
finally:
    for v in vms:
        v.kill()
