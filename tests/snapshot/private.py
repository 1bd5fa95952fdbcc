#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A VM with --private-memory can be neither snapshotted nor migrated
(docs/private-memory.md: the VMM cannot read its private pages): the QMP
commands and the CLI fail with that reason, nothing is written or sent,
and the VM keeps running and finishes its work afterwards."""
import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from cvtest import ACCEL, CVISOR, mib, require_accel, QMP, VM, fail, guest, skip, tmpdir  # noqa: E402

REASON = "the VMM cannot read its private pages"

require_accel()
d = tmpdir()
sock = os.path.join(d, "qmp.sock")
snap = os.path.join(d, "vm.snap")
vm = VM(["run", "--accel", ACCEL, "--testdev", "--private-memory",
         "--kernel", guest("snapcont"), "--memory", "64M",
         "--append", mib(2) + " rtc=0", "--api-socket", sock], "vm")
try:
    # A KVM without SW_PROTECTED VMs refuses to start: the host lacks it.
    deadline = time.time() + 60
    while time.time() < deadline:
        with vm.cond:
            lines = list(vm.lines)
        if any("READY" in line for line in lines):
            break
        if vm.p.poll() is not None:
            vm.t.join(5)
            text = "\n".join(vm.lines)
            if vm.p.returncode == 125 and \
               "not supported by this host's KVM" in text:
                skip(vm.lines[-1])
            fail("the VM ended before READY (status %d)" % vm.p.returncode)
        time.sleep(0.1)
    vm.wait_line("READY")
    q = QMP(sock)

    r = q.cmd("cvisor-snapshot-save", file=snap)
    if "error" not in r or REASON not in r["error"].get("desc", ""):
        fail("snapshot of a private-memory VM: %r" % r)
    if os.path.exists(snap):
        fail("a refused snapshot left %s behind" % snap)

    # Migration: a listener that would take the stream gets nothing.
    lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lst.bind(("127.0.0.1", 0))
    lst.listen(1)
    lst.settimeout(2)
    port = lst.getsockname()[1]
    r = q.cmd("migrate", uri="tcp:127.0.0.1:%d" % port)
    if "error" not in r or REASON not in r["error"].get("desc", ""):
        fail("migration of a private-memory VM: %r" % r)
    try:
        c, _ = lst.accept()
        c.settimeout(2)
        if c.recv(16):
            fail("a refused migration sent data")
        c.close()
    except socket.timeout:
        pass
    lst.close()

    # The CLI says the same, with its error status.
    p = subprocess.run([CVISOR, "snapshot", sock, snap],
                       capture_output=True, text=True, timeout=60)
    if p.returncode == 0 or REASON not in p.stdout + p.stderr:
        fail("cvisor snapshot: status %d, %r" % (p.returncode,
                                                 p.stdout + p.stderr))
    print("refused: " + (p.stdout + p.stderr).strip().splitlines()[-1])

    if q.ok("query-status")["status"] != "running":
        fail("the VM is not running after the refusals")
    vm.send(b"go")
    vm.wait_line("got go")
    rc = vm.wait()
    if rc != 1:
        fail("guest: status %d after the refusals (1 = pass)" % rc)
finally:
    vm.kill()
print("private-memory snapshot and migration refused, VM unharmed")
