#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The random-instant migration loop of the SMM issue: SeaBIOS -> GRUB ->
Linux migrated N times at random instants, hop after hop over unix
sockets; counts the migrations that stopped the VM with a vCPU inside
SMM (query-migrate's x-vcpus-in-smm) and prints the count.  Run through
tests/snapshot/seabios-smm, which builds the disks."""
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from cvtest import migrate_start, ACCEL, QMP, VM, fail, tmpdir  # noqa: E402

N = int(sys.argv[1])
FROM_START = len(sys.argv) > 2 and sys.argv[2] == "from-start"
d = tmpdir()
rnd = random.Random(os.environ.get("MIG_SEED"))


def wait_migration(q, timeout=180):
    end = time.time() + timeout
    while time.time() < end:
        r = q.ok("query-migrate")
        if r.get("status") in ("completed", "failed"):
            return r
        time.sleep(0.05)
    fail("migration did not finish in %d s: %r" % (timeout, r))


def check(vm):
    for ln in vm.lines:
        if "CVISOR-LINUX-FAIL" in ln:
            fail("%s: %s" % (vm.name, ln))


def done(vm):
    return any("CVISOR-LINUX-OK" in ln for ln in vm.lines)


vms = []
in_smm = 0
hops = 0
try:
    sock = os.path.join(d, "src.qmp")
    cur = VM(["run", "--accel", ACCEL, "--firmware", os.environ["SEABIOS"],
              "--disk", os.environ["BOOT_IMG"], "--disk",
              os.environ["DATA_IMG"], "--memory", "256M", "--verbose",
              "--api-socket", sock], "src")
    vms.append(cur)
    q = QMP(sock)
    if not FROM_START:
        cur.wait_line("GRUB: loading Linux", timeout=240)
    for i in range(N):
        # GRUB loads about 30 MB through SeaBIOS in some tens of seconds
        # here: short random gaps keep most hops in that phase.
        time.sleep(rnd.uniform(0.1, 1.5 if FROM_START else 0.8))
        if done(cur):
            break
        uri = "unix:" + os.path.join(d, "mig%d.sock" % i)
        dsock = os.path.join(d, "dst%d.qmp" % i)
        dst = VM(["run", "--accel", ACCEL, "--verbose", "--incoming", uri,
                  "--api-socket", dsock], "dst%d" % i)
        vms.append(dst)
        time.sleep(0.3)
        migrate_start(q, uri)
        r = wait_migration(q)
        if r["status"] != "completed":
            fail("hop %d: %r" % (i, r))
        check(cur)
        q.ok("quit")
        if cur.wait() != 0:
            fail("source exit status %r after quit" % cur.p.returncode)
        n = r.get("x-vcpus-in-smm")
        if n is None:
            fail("query-migrate has no x-vcpus-in-smm: %r" % r)
        in_smm += n > 0
        hops += 1
        print("hop %d: downtime %.3f ms, vCPUs in SMM: %d" %
              (i, r["x-downtime-us"] / 1000.0, n), flush=True)
        cur, q = dst, QMP(dsock)
    cur.wait_line("CVISOR-LINUX-OK", timeout=600)
    rc = cur.wait(timeout=120)
    check(cur)
    if rc != 0:
        fail("last destination: exit status %d" % rc)
    print("migrations that landed inside SMM: %d of %d" % (in_smm, hops))
    if os.environ.get("HAVE_SMM") == "1" and hops >= 3 and not in_smm:
        print("note: none of %d migrations landed inside SMM" % hops)
finally:
    for v in vms:
        v.kill()
