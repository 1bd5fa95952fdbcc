#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""QMP protocol and pause/resume on a running guest (snapcont).

The guest works until "go" arrives on COM1.  The host pauses it, checks
that the vCPUs really stopped (no serial output, query-status), sends
"go" while it is paused, resumes it, and the guest must then find the
input, see its LAPIC timer, PIT and RTC still working and its memory
intact.  Along the way the QMP wire protocol is checked: greeting,
negotiation, error classes, ids, events."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from cvtest import ACCEL, mib, require_accel, QMP, VM, fail, guest, tmpdir  # noqa: E402

require_accel()
d = tmpdir()
sock = os.path.join(d, "qmp.sock")
vm = VM(["run", "--accel", ACCEL, "--testdev", "--kernel",
         guest("snapcont"), "--append", mib(2), "--api-socket", sock])
try:
    vm.wait_line("READY")
    q = QMP(sock, negotiate=False)
    g = q.greeting
    if "QMP" not in g or "version" not in g["QMP"] or \
            g["QMP"].get("capabilities") != []:
        fail("bad greeting %r" % g)
    r = q.cmd("query-status")
    if r.get("error", {}).get("class") != "CommandNotFound":
        fail("command before negotiation: %r" % r)
    q.ok("qmp_capabilities")
    r = q.cmd("qmp_capabilities")
    if r.get("error", {}).get("class") != "CommandNotFound":
        fail("second qmp_capabilities: %r" % r)
    r = q.cmd("no-such-command")
    if r.get("error", {}).get("class") != "CommandNotFound":
        fail("unknown command: %r" % r)
    q.send_raw(b'{"execute": "query-status", "id": {"n": [1, 2]}}')
    r = q.reply()
    if r.get("id") != {"n": [1, 2]} or r["return"]["status"] != "running" \
            or r["return"]["running"] is not True:
        fail("query-status with id: %r" % r)
    q.send_raw(b'{"execute": 42}')
    r = q.reply()
    if r.get("error", {}).get("class") != "GenericError":
        fail("non-string execute: %r" % r)
    q.send_raw(b'[1, 2]')
    r = q.reply()
    if r.get("error", {}).get("class") != "GenericError":
        fail("non-object input: %r" % r)
    q.send_raw(b'{"execute": "stop"' + b'}}}\n')
    r = q.reply()
    if "return" not in r:
        fail("stop: %r" % r)
    r = q.reply()
    if r.get("error", {}).get("class") != "GenericError":
        fail("garbage after a command: %r" % r)
    r = q.cmd("cvisor-snapshot-save")
    if r.get("error", {}).get("class") != "GenericError":
        fail("snapshot without file: %r" % r)

    # Paused: no progress, the status says so, and a STOP event came.
    q.event("STOP")
    st = q.ok("query-status")
    if st["status"] != "paused" or st["running"]:
        fail("after stop: %r" % st)
    n = len(vm.lines)
    vm.send(b"go")
    time.sleep(1.0)
    if len(vm.lines) != n:
        fail("the guest printed while paused: %r" % vm.lines[n:])
    q.ok("stop")		# a no-op, as in QEMU
    q.ok("cont")
    q.event("RESUME")
    vm.wait_line("got go")
    rc = vm.wait()
    if rc != 1:
        fail("guest status %d (1 = pass)" % rc)
    e = q.event("SHUTDOWN")
    if e["data"]["guest"] is not True:
        fail("SHUTDOWN: %r" % e)
    print("pause/resume and QMP protocol OK")
finally:
    vm.kill()
