#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bench/snapshot.py - snapshot, restore and live migration, cvisor (emu)
side by side with QEMU TCG in the same run (bench/run's "snapshot"
section; see bench/README.md).

  snapshot   1 vCPU, 128 MiB, a guest that has written 8 MiB
             (tests/guest/snapcont.elf): file size, bytes on disk, time
             to save and how long the vCPUs were stopped.
             cvisor: QMP cvisor-snapshot-save.  QEMU: QMP migrate to
             "exec:cat > FILE" (its snapshot-to-file path).
  restore    the same file into a new process, until the guest runs.
             cvisor: restore --verbose prints the time from exec to the
             VM ready to start its vCPUs.  QEMU: -incoming "exec:cat FILE",
             from spawn until query-status leaves "inmigrate" (the image
             was saved paused, so QEMU then sits paused, ready to run).
  migrate    an idle 512 MiB Linux (Debian's cloud kernel, the busybox
             initramfs in bench mode) over a unix socket: the downtime
             and total time each reports; then the same kernel in memload
             mode (rewriting 8 MiB of tmpfs continuously): total time.

Prints one line per metric: NAME cvisor=... qemu=... ratio=...  Medians
of BENCH_RUNS_SNAP (default 5) runs for snapshot and restore."""
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time

os.environ["CVTEST_QUIET"] = "1"
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests",
                                "snapshot"))
from cvtest import CVISOR, QMP, VM, guest  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS_SNAP", "5"))
KERNEL = os.environ.get("BENCH_KERNEL", "")
INITRD = os.environ.get("BENCH_INITRD", "")
d = tempfile.mkdtemp(prefix="cvisor-bench-snap-")
QEMU = ["qemu-system-x86_64", "-accel", "tcg", "-nodefaults",
        "-no-user-config", "-display", "none", "-serial", "stdio"]


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def line(name, c, q, unit):
    ratio = c / q if q and q == q and c == c else float("nan")
    print("%-30s cvisor %10.3f %-3s qemu-tcg %10.3f %-3s ratio %.3f" %
          (name, c, unit, q, unit, ratio), flush=True)


class QemuVM(VM):
    """A QEMU process: its serial output is collected like cvisor's."""

    def __init__(self, args, name):
        self.name = name
        self.lines = []
        import threading
        self.cond = threading.Condition()
        self.p = subprocess.Popen(QEMU + args, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT)
        self.t = threading.Thread(target=self._reader, daemon=True)
        self.t.start()


def wait_mig(q):
    while True:
        r = q.ok("query-migrate")
        if r.get("status") in ("completed", "failed"):
            return r
        time.sleep(0.01)


def disk_kib(path):
    return os.stat(path).st_blocks // 2


# ---------------------------------------------------------------- cvisor

def cvisor_snapshot():
    sock = os.path.join(d, "c.qmp")
    snap = os.path.join(d, "c.snap")
    vm = VM(["run", "--accel", "emu", "--testdev", "--memory", "128M",
             "--kernel", guest("snapcont"), "--append", "mib=8",
             "--api-socket", sock], "cvisor")
    vm.wait_line("READY")
    q = QMP(sock)
    q.ok("stop")
    tot, pause = [], []
    for _ in range(RUNS):
        r = q.ok("cvisor-snapshot-save", file=snap)
        tot.append(r["total-ms"])
        pause.append(r["pause-ms"])
    q.ok("quit")
    vm.wait()
    rest = []
    for _ in range(RUNS):
        p = subprocess.Popen([CVISOR, "restore", snap, "--accel", "emu",
                              "--verbose"], stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
        for ln in p.stderr:
            m = re.search(r"restored .* in ([0-9.]+) ms", ln)
            if m:
                rest.append(float(m.group(1)))
                break
        p.kill()
        p.wait()
    return (os.stat(snap).st_size, disk_kib(snap), med(tot), med(pause),
            med(rest))


def cvisor_linux_migrate(mode, mem):
    sock = os.path.join(d, "l.qmp")
    append = "console=ttyS0 loglevel=4 panic=-1 cvisor.mode=%s " \
             "cvisor.linger=600 cvisor.mib=8" % mode
    src = VM(["run", "--accel", "emu", "--memory", mem, "--kernel", KERNEL,
              "--initrd", INITRD, "--append", append, "--api-socket", sock],
             "cvisor-src")
    src.wait_line("CVISOR-BOOT-DONE" if mode == "bench" else
                  "CVISOR-MEMLOAD round 2", timeout=300)
    time.sleep(2)
    uri = "unix:" + os.path.join(d, "lmig.sock")
    dst = VM(["run", "--accel", "emu", "--incoming", uri], "cvisor-dst")
    time.sleep(0.5)
    q = QMP(sock)
    q.ok("migrate", uri=uri)
    r = wait_mig(q)
    q.ok("quit")
    src.wait()
    dst.kill()
    if r["status"] != "completed":
        raise SystemExit("cvisor migration failed: %r" % r)
    return r["x-downtime-us"] / 1000.0, r["x-total-time-us"] / 1000.0, \
        r["ram"]["dirty-sync-count"]


# ---------------------------------------------------------------- qemu

def qemu_snapshot():
    sock = os.path.join(d, "q.qmp")
    snap = os.path.join(d, "q.snap")
    common = ["-M", "pc", "-m", "128M", "-kernel", guest("snapcont"),
              "-qmp", "unix:%s,server=on,wait=off" % sock]
    vm = QemuVM(common + ["-append", "mib=8"], "qemu")
    vm.wait_line("READY")
    q = QMP(sock)
    q.ok("stop")
    tot, down = [], []
    for _ in range(RUNS):
        q.ok("migrate", uri="exec:cat > " + snap)
        r = wait_mig(q)
        if r["status"] != "completed":
            break
        tot.append(r["total-time"])
        down.append(r.get("downtime", r["total-time"]))
        # QEMU migrates a VM only once from its postmigrate pause.
        if "return" not in q.cmd("cont") or "return" not in q.cmd("stop"):
            break
    q.ok("quit")
    vm.wait()
    rest = []
    for i in range(RUNS):
        s2 = os.path.join(d, "qi%d.qmp" % i)
        t0 = time.monotonic()
        p = subprocess.Popen(QEMU + ["-M", "pc", "-m", "128M", "-qmp",
                                     "unix:%s,server=on,wait=off" % s2,
                                     "-incoming", "exec:cat " + snap],
                             stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        q2 = QMP(s2)
        # The image was saved paused, so QEMU stays paused once loaded.
        while q2.ok("query-status")["status"] == "inmigrate":
            if time.monotonic() - t0 > 60:
                break
            time.sleep(0.0005)
        rest.append((time.monotonic() - t0) * 1000)
        p.kill()
        p.wait()
    return (os.stat(snap).st_size, disk_kib(snap), med(tot), med(down),
            med(rest))


def qemu_linux_migrate(mode, mem):
    sock = os.path.join(d, "ql.qmp")
    append = "console=ttyS0 loglevel=4 panic=-1 cvisor.mode=%s " \
             "cvisor.linger=600 cvisor.mib=8" % mode
    common = ["-M", "pc", "-m", mem]
    src = QemuVM(common + ["-kernel", KERNEL, "-initrd", INITRD, "-append",
                           append, "-qmp", "unix:%s,server=on,wait=off" %
                           sock], "qemu-src")
    src.wait_line("CVISOR-BOOT-DONE" if mode == "bench" else
                  "CVISOR-MEMLOAD round 2", timeout=300)
    time.sleep(2)
    msock = os.path.join(d, "qlmig.sock")
    dst = QemuVM(common + ["-incoming", "unix:" + msock], "qemu-dst")
    time.sleep(1)
    q = QMP(sock)
    q.ok("migrate", uri="unix:" + msock)
    r = wait_mig(q)
    q.ok("quit")
    src.wait()
    dst.kill()
    if r["status"] != "completed":
        raise SystemExit("qemu migration failed: %r" % r)
    return float(r["downtime"]), float(r["total-time"]), \
        r["ram"]["dirty-sync-count"]


def main():
    sys.stdout = open(sys.stdout.fileno(), "w", buffering=1)
    c = cvisor_snapshot()
    q = qemu_snapshot()
    print("snapshot of a 1 vCPU / 128 MiB guest that wrote 8 MiB "
          "(median of %d):" % RUNS)
    line("snapshot file size", c[0] / 2**20, q[0] / 2**20, "MiB")
    line("snapshot on disk", c[1] / 1024, q[1] / 1024, "MiB")
    line("snapshot time", c[2], q[2], "ms")
    line("snapshot vCPUs stopped", c[3], q[3], "ms")
    line("restore to first instruction", c[4], q[4], "ms")
    print("restore goal <= 10 ms: %s" % ("PASS" if c[4] <= 10 else "MISS"))
    if not KERNEL:
        print("migration: skipped (no Debian cloud kernel / initramfs)")
        return
    cd, ct, cr = cvisor_linux_migrate("bench", "512M")
    qd, qt, qr = qemu_linux_migrate("bench", "512M")
    print("live migration of an idle 512 MiB Linux over a unix socket:")
    line("downtime", cd, qd, "ms")
    line("total time", ct, qt, "ms")
    print("  rounds: cvisor %d, qemu %d" % (cr, qr))
    print("downtime goal <= 20 ms: %s" % ("PASS" if cd <= 20 else "MISS"))
    cd, ct, cr = cvisor_linux_migrate("memload", "512M")
    qd, qt, qr = qemu_linux_migrate("memload", "512M")
    print("live migration of a 512 MiB Linux rewriting 8 MiB continuously:")
    line("total time", ct, qt, "ms")
    line("downtime", cd, qd, "ms")
    print("  rounds: cvisor %d, qemu %d" % (cr, qr))


if __name__ == "__main__":
    main()
