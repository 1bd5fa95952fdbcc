#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""QMP system_powerdown presses the ACPI fixed power button: the guest
(tests/guest/pm_powerbutton.c) sees PWRBTN_STS, clears it and powers
off; cvisor sends POWERDOWN, then SHUTDOWN with guest true, and exits
with status 0."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from cvtest import require_accel, QMP, fail, testdev_guest, tmpdir  # noqa: E402

require_accel()
vm, sock = testdev_guest("pm_powerbutton", tmpdir(), "guest")
try:
    vm.wait_line("READY", timeout=120)
    q = QMP(sock)
    r = q.cmd("system_powerdown")
    if r != {"return": {}}:
        fail("system_powerdown: %r" % r)
    q.event("POWERDOWN")
    vm.wait_line("PWRBTN_STS set", timeout=120)
    e = q.event("SHUTDOWN", timeout=120)
    if not e["data"].get("guest"):
        fail("SHUTDOWN after the power button: %r" % e)
    rc = vm.wait()
    if rc != 0:
        fail("exit status %d after the guest powered off" % rc)
    print("system_powerdown: the guest saw the power button and powered off")
finally:
    vm.kill()
