#!/usr/bin/env python3
"""tests/gdb/rsp.py - the GDB stub at the protocol level, without gdb:
^C interrupts a running VM (T02), malformed and unknown packets get
errors or empty replies and never kill the VM, 'g' has GDB's amd64 size,
unmapped memory is an error, detach lets the VM run on, and a second
debugger can attach afterwards."""
import os
import socket
import subprocess
import sys
import tempfile
import time

build = os.environ.get("BUILD", "build")
cvisor = os.environ.get("CVISOR", build + "/cvisor")
accel = os.environ.get("CVISOR_ACCEL", "emu")
elf = build + "/tests/guest/gdb_target.elf"


def sym(name):
    out = subprocess.run(["nm", elf], capture_output=True, text=True).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[2] == name:
            return int(f[0], 16)
    fail("no symbol " + name)


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


class Rsp:
    def __init__(self, port):
        for _ in range(100):
            try:
                self.s = socket.create_connection(("127.0.0.1", port))
                break
            except OSError:
                time.sleep(0.05)
        else:
            fail("cannot connect to the stub")
        self.s.settimeout(20)
        self.buf = b""

    def raw(self, data):
        self.s.sendall(data)

    def send(self, body):
        csum = sum(body.encode()) & 0xff
        self.raw(b"$" + body.encode() + b"#%02x" % csum)

    def reply(self):
        while True:
            while self.buf[:1] == b"+":
                self.buf = self.buf[1:]
            i = self.buf.find(b"$")
            j = self.buf.find(b"#", i)
            if i >= 0 and j >= 0 and len(self.buf) >= j + 3:
                body = self.buf[i + 1:j].decode()
                self.buf = self.buf[j + 3:]
                self.raw(b"+")
                return body
            data = self.s.recv(65536)
            if not data:
                fail("stub closed the connection")
            self.buf += data

    def cmd(self, body):
        self.send(body)
        return self.reply()


def main():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    vm = subprocess.Popen([cvisor, "run", "--accel", accel, "--testdev",
                           "--kernel", elf, "--append", "rounds=4000000000",
                           "--gdb", "tcp:127.0.0.1:%d,wait" % port],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        g = Rsp(port)
        if not g.cmd("?").startswith("T05thread:1;"):
            fail("first stop reply")
        g.raw(b"garbage")
        if g.cmd("") != "":
            fail("empty packet: non-empty reply")
        regs = g.cmd("g")
        if len(regs) != 2 * (16 * 8 + 8 + 4 + 6 * 4 + 8 * 10 + 8 * 4 + 16 * 16 + 4):
            fail("'g' reply of %d hex digits" % len(regs))
        for bad in ("mzz", "m100000", "p", "pzz", "P10", "Hgzz", "Z0,", "M1,1:zz"):
            r = g.cmd(bad)
            if not r.startswith("E"):
                fail("%r: reply %r, want an error" % (bad, r))
        if not g.cmd("me0000000,10").startswith("E"):
            fail("unmapped memory read did not fail")
        if g.cmd("Z9,0,0") != "" or g.cmd("qNoSuchQuery") != "" or g.cmd("X0,0:") != "":
            fail("unknown packets must get an empty reply")
        if g.cmd("T63") != "E01" or g.cmd("T1") != "OK":
            fail("thread alive")
        if g.cmd("vCont?") != "vCont;c;C;s;S":
            fail("vCont?")
        # Run, then interrupt with ^C.
        g.send("vCont;c")
        time.sleep(0.5)
        g.raw(b"\x03")
        r = g.reply()
        if not r.startswith("T02thread:"):
            fail("^C: reply %r" % r)
        calls = "m%x,4" % sym("gdb_calls")
        calls1 = g.cmd(calls)
        # Continue and interrupt until the guest made progress (a loaded
        # host may not schedule the vCPU within one short window).
        deadline = time.time() + 30
        while True:
            g.send("c")
            time.sleep(0.3)
            g.raw(b"\x03")
            if not g.reply().startswith("T02"):
                fail("second ^C")
            if g.cmd(calls) != calls1:
                break
            if time.time() > deadline:
                fail("the VM did not run between interrupts")
        if g.cmd("D") != "OK":
            fail("detach")
        g.s.close()
        time.sleep(0.2)
        if vm.poll() is not None:
            fail("the VM ended at detach (status %s)" % vm.returncode)
        g2 = Rsp(port)
        if not g2.cmd("?").startswith("T05"):
            fail("second attach")
        g2.cmd("D")
        g2.s.close()
    finally:
        vm.kill()
        out = vm.communicate()[0].decode(errors="replace")
    if "emulation failure" in out and accel == "kvm":
        print(out)
        print("the host KVM could not emulate a guest instruction")
        sys.exit(77)
    print("PASS")


main()
