#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Restoring a damaged snapshot must fail with status 125 and one clear
line naming the problem, before the guest runs a single instruction:
truncated files (inside the header, a record, the RAM), a flipped byte
(CRC), another format version, not a snapshot at all, a machine
description that does not match the state, a missing file."""
import os
import struct
import subprocess
import sys
import zlib

sys.path.insert(0, os.path.dirname(__file__))
from cvtest import ACCEL, require_accel, CVISOR, QMP, VM, fail, guest, tmpdir  # noqa: E402

require_accel()
d = tmpdir()
sock = os.path.join(d, "qmp.sock")
snap = os.path.join(d, "good.snap")
src = VM(["run", "--accel", ACCEL, "--testdev", "--kernel",
          guest("snapcont"), "--append", "mib=1 rtc=0",
          "--api-socket", sock], "src")
try:
    src.wait_line("READY")
    q = QMP(sock)
    q.ok("cvisor-snapshot-save", file=snap)
    q.ok("quit")
    src.wait()
finally:
    src.kill()
good = open(snap, "rb").read()

# Walk the records: (offset, type, length) up to END.
recs = []
off = 16
while True:
    typ, ver, ln, crc = struct.unpack_from("<IIQI", good, off)
    recs.append((off, typ, ln))
    off += 56 + ln
    if typ == 6:
        break
end_of_records = off


def expect(name, data, regex_words):
    path = os.path.join(d, name + ".snap")
    with open(path, "wb") as f:
        f.write(data)
    p = subprocess.run([CVISOR, "restore", path, "--accel", ACCEL],
                       stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=60)
    out = p.stdout.decode(errors="replace")
    err = p.stderr.decode(errors="replace").strip()
    print("%-22s status %d: %s" % (name, p.returncode, err))
    if p.returncode != 125:
        fail("%s: status %d, expected 125" % (name, p.returncode))
    if out:
        fail("%s: the guest ran: %r" % (name, out))
    lines = [ln for ln in err.splitlines() if ln]
    if len(lines) != 1 or not lines[0].startswith("cvisor: "):
        fail("%s: expected one error line, got %r" % (name, err))
    for w in regex_words:
        if w not in lines[0]:
            fail("%s: %r does not say %r" % (name, lines[0], w))
    os.unlink(path)


def patch_rec(data, idx, payload):
    """Replace record idx's payload, fixing its length and CRC."""
    off, typ, ln = recs[idx]
    ver = struct.unpack_from("<I", data, off + 4)[0]
    name = data[off + 24:off + 56]
    hdr = struct.pack("<IIQII", typ, ver, len(payload),
                      zlib.crc32(payload), 0) + name
    return data[:off] + hdr + payload + data[off + 56 + ln:]


expect("empty", b"", ["truncated"])
expect("half-header", good[:10], ["truncated"])
expect("header-only", good[:16], ["truncated"])
expect("mid-record-header", good[:16 + 30], ["truncated"])
expect("mid-machine", good[:recs[1][0] + 60], ["truncated"])
expect("before-end", good[:recs[-1][0]], ["truncated"])
# Cut inside the RAM area: the file no longer holds all of guest RAM.
expect("ram-cut", good[:end_of_records + 8192], ["truncated"])
flip = bytearray(good)
flip[recs[2][0] + 56 + 3] ^= 0x40
expect("flipped-byte", bytes(flip), ["checksum mismatch"])
expect("version-9", good[:8] + struct.pack("<I", 9) + good[12:],
       ["version 9", "not supported"])
expect("not-a-snapshot", b"\x7fELF" + good[4:], ["not a cvisor snapshot"])
# A machine with other RAM than the state: the RAM layout disagrees.
mi = [i for i, r in enumerate(recs) if r[1] == 1][0]
m = good[recs[mi][0] + 56:recs[mi][0] + 56 + recs[mi][2]]
nlen = struct.unpack_from("<H", m, 0)[0]
ram_at = 2 + nlen + 4
bigger = m[:ram_at] + struct.pack("<Q", 256 << 20) + m[ram_at + 8:]
expect("wrong-ram-size", patch_rec(good, mi, bigger), ["wrong machine"])
ncpu = m[:2 + nlen] + struct.pack("<I", 4) + m[2 + nlen + 4:]
expect("wrong-cpus", patch_rec(good, mi, ncpu), ["wrong machine"])
expect("zero-cpus", patch_rec(good, mi, m[:2 + nlen] + struct.pack("<I", 0)
                              + m[2 + nlen + 4:]), ["wrong machine"])
# A component section this machine does not have.
ci = [i for i, r in enumerate(recs) if r[1] == 3][0]
off = recs[ci][0]
renamed = bytearray(good)
renamed[off + 24:off + 56] = b"nosuchdev0".ljust(32, b"\0")
expect("unknown-component", bytes(renamed), ["wrong machine"])
p = subprocess.run([CVISOR, "restore", os.path.join(d, "missing.snap")],
                   capture_output=True, timeout=30)
if p.returncode != 125 or b"No such file" not in p.stderr:
    fail("missing file: %d %r" % (p.returncode, p.stderr))
print("bad snapshot files rejected")
