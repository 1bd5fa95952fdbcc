# SPDX-License-Identifier: GPL-2.0
"""Helpers for the snapshot/migration/QMP tests: start cvisor with a
guest, watch its serial output, talk QMP to its --api-socket."""
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import shutil
import time

BUILD = os.environ.get("BUILD", "build")
CVISOR = os.environ.get("CVISOR", os.path.join(BUILD, "cvisor"))
ACCEL = os.environ.get("CVISOR_ACCEL", "emu")
QUIET = bool(os.environ.get("CVTEST_QUIET"))
# This project's nested KVM runs guest code at a few MIPS: less work there.
SLOW = ACCEL == "kvm"


def mib(n):
    """The guest's working set: n MiB, 1 on a slow backend."""
    return "mib=%d" % (1 if SLOW else n)


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def skip(msg):
    print(msg)
    sys.exit(77)


def guest(name):
    return os.path.join(BUILD, "tests", "guest", name + ".elf")


class VM:
    """A cvisor process: its serial output is collected line by line."""

    def __init__(self, args, name="vm"):
        self.name = name
        self.lines = []
        self.cond = threading.Condition()
        self.p = subprocess.Popen([CVISOR] + args, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT)
        self.t = threading.Thread(target=self._reader, daemon=True)
        self.t.start()

    def _reader(self):
        for raw in self.p.stdout:
            line = raw.decode(errors="replace").rstrip("\r\n")
            if not QUIET:
                print("[%s] %s" % (self.name, line), flush=True)
            with self.cond:
                self.lines.append(line)
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def wait_line(self, text, timeout=60):
        end = time.time() + timeout
        with self.cond:
            while True:
                for line in self.lines:
                    if text in line:
                        return line
                left = end - time.time()
                if left <= 0 or (self.p.poll() is not None and
                                 not self.t.is_alive()):
                    fail("%s: no line with %r (exit status %s)" %
                         (self.name, text, self.p.poll()))
                self.cond.wait(min(left, 0.5))

    def send(self, data):
        self.p.stdin.write(data)
        self.p.stdin.flush()

    def wait(self, timeout=120):
        try:
            rc = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            fail("%s did not end within %d s" % (self.name, timeout))
        self.t.join(5)
        return rc

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()


class QMP:
    """A QMP connection: replies and events kept apart."""

    def __init__(self, path, timeout=60, negotiate=True):
        end = time.time() + timeout
        while True:
            try:
                self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.s.connect(path)
                break
            except OSError:
                self.s.close()
                if time.time() > end:
                    fail("cannot connect to " + path)
                time.sleep(0.05)
        self.s.settimeout(timeout)
        self.buf = b""
        self.events = []
        self.greeting = self.recv()
        if negotiate:
            r = self.cmd("qmp_capabilities")
            if r != {"return": {}}:
                fail("qmp_capabilities: %r" % r)

    def recv(self):
        dec = json.JSONDecoder()
        while True:
            text = self.buf.decode(errors="replace").lstrip()
            if text:
                try:
                    obj, end = dec.raw_decode(text)
                    self.buf = text[end:].encode()
                    return obj
                except ValueError:
                    pass
            data = self.s.recv(65536)
            if not data:
                fail("QMP connection closed")
            self.buf += data

    def send_raw(self, data):
        self.s.sendall(data)

    def reply(self):
        while True:
            m = self.recv()
            if "event" in m:
                self.events.append(m)
                continue
            return m

    def cmd(self, name, **args):
        req = {"execute": name}
        if args:
            req["arguments"] = args
        self.send_raw(json.dumps(req).encode())
        return self.reply()

    def ok(self, name, **args):
        r = self.cmd(name, **args)
        if "return" not in r:
            fail("%s: %r" % (name, r))
        return r["return"]

    def event(self, name, timeout=60):
        end = time.time() + timeout
        while True:
            for e in self.events:
                if e["event"] == name:
                    self.events.remove(e)
                    return e
            if time.time() > end:
                fail("no %s event" % name)
            self.events.append(self.recv())


def migrate_start(q, uri, timeout=60):
    """QMP migrate to @uri, retried while the destination is not
    listening yet (it may start slowly on a loaded host or under ASan)."""
    end = time.time() + timeout
    while True:
        r = q.cmd("migrate", uri=uri)
        if "return" in r:
            return
        desc = r.get("error", {}).get("desc", "")
        if ("Connection refused" not in desc and
                "No such file" not in desc) or time.time() > end:
            fail("migrate: %r" % r)
        time.sleep(0.2)


def wait_migration(q, timeout=120):
    """Poll query-migrate on the source until it completed or failed."""
    end = time.time() + timeout
    last = time.time()
    while time.time() < end:
        r = q.ok("query-migrate")
        if r.get("status") in ("completed", "failed"):
            return r
        if time.time() - last > 10:
            print("migration in progress: %r" % r, flush=True)
            last = time.time()
        time.sleep(0.05)
    fail("migration did not finish in %d s: %r" % (timeout, r))


def testdev_guest(name, d, vmname="src"):
    """Start guest @name (tests/guest) with testdev and a QMP socket in
    directory @d: returns the VM and the socket's path."""
    sock = os.path.join(d, vmname + ".qmp")
    vm = VM(["run", "--accel", ACCEL, "--testdev", "--kernel", guest(name),
             "--api-socket", sock], vmname)
    return vm, sock


def expect_guest_pass(vm):
    """Wait for @vm's end: its guest must have passed (status 1)."""
    rc = vm.wait()
    if rc != 1:
        fail("%s: guest status %d (1 = pass)" % (vm.name, rc))


def snapshot_to_restore(q, src, snap, accel=None, api_socket=None):
    """Stop the VM behind QMP @q, snapshot it to @snap, quit it (status
    0 expected from @src) and restore it into a new process on @accel
    (default ACCEL), returned as a VM named "restore" (with a QMP socket
    at @api_socket if given)."""
    q.ok("stop")
    q.ok("cvisor-snapshot-save", file=snap)
    q.ok("quit")
    if src.wait() != 0:
        fail("source exit status %d after quit" % src.p.returncode)
    args = ["restore", snap, "--accel", accel or ACCEL]
    if api_socket:
        args += ["--api-socket", api_socket]
    return VM(args, "restore")


def free_tcp_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def migrate_complete(q, uri, timeout=60):
    """Migrate to @uri (migrate_start) and wait until it completed."""
    migrate_start(q, uri)
    end = time.time() + timeout
    while time.time() < end:
        st = q.ok("query-migrate").get("status")
        if st in ("completed", "failed"):
            break
        time.sleep(0.1)
    if st != "completed":
        fail("migration: %s" % st)


def restore_runs(snap, finish, n=2):
    """Restore @snap @n times, each into a new process, and finish() it."""
    for i in range(n):
        dst = VM(["restore", snap, "--accel", ACCEL], "restore%d" % i)
        try:
            time.sleep(0.5 * (i + 1))
            finish(dst)
        finally:
            dst.kill()


def migrate_run(src, sock, finish):
    """Live-migrate the running @src (QMP on @sock) to a new process over
    TCP, end the source (left in "postmigrate", as QEMU's) and finish()
    the destination."""
    port = free_tcp_port()
    dst = VM(["run", "--incoming", "tcp:127.0.0.1:%d" % port,
              "--accel", ACCEL], "mdst")
    try:
        q = QMP(sock)
        time.sleep(0.3)
        migrate_complete(q, "tcp:127.0.0.1:%d" % port)
        q.ok("quit")
        src.wait()
        finish(dst)
    finally:
        src.kill()
        dst.kill()


def require_accel():
    """Skip when this host cannot run the backend (a host capability)."""
    p = subprocess.run([CVISOR, "caps", "--accel", ACCEL],
                       capture_output=True, text=True)
    if p.returncode:
        lines = (p.stdout + p.stderr).strip().splitlines()
        skip("%s backend unavailable: %s" % (ACCEL, lines[-1] if lines else "?"))


_dirs = []


def _cleanup():
    for d in _dirs:
        shutil.rmtree(d, ignore_errors=True)


def tmpdir():
    import atexit
    d = tempfile.mkdtemp(prefix="cvisor-snap-")
    if not _dirs:
        atexit.register(_cleanup)
    _dirs.append(d)
    return d
