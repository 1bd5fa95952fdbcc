#!/usr/bin/env python3
# tests/hyperv/syndbg_peer.py DIR - the "kernel debugger" end of the
# syndbg bridge tests: a UDP socket on 127.0.0.1 that echoes every
# datagram back to its sender.  It writes its port to DIR/port.  Commands
# from the guest (datagrams starting with "CMD:"):
#   CMD:FLOOD N SIZE  note the VMM's RSS (pid in DIR/pid), then send N
#                     datagrams of SIZE bytes as fast as possible
#   CMD:RSS           note the VMM's RSS again, write "before after" (KiB)
#                     to DIR/rss, answer OK
#   CMD:QUIT          answer BYE and close: later sends find no listener
# It gives up after 120 s without traffic.
import os
import socket
import sys


def rss_kib(d):
    try:
        with open(os.path.join(d, "pid")) as f:
            pid = int(f.read().strip())
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return -1


def main():
    d = sys.argv[1]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(120)
    tmp = os.path.join(d, "port.tmp")
    with open(tmp, "w") as f:
        f.write("%d\n" % s.getsockname()[1])
    os.rename(tmp, os.path.join(d, "port"))
    rss_before = -1
    while True:
        try:
            data, addr = s.recvfrom(65536)
        except socket.timeout:
            return 1
        if not data.startswith(b"CMD:"):
            s.sendto(data, addr)
            continue
        words = data[4:].split()
        if words[0] == b"FLOOD":
            n, size = int(words[1]), int(words[2])
            rss_before = rss_kib(d)
            s.setblocking(False)
            payload = b"\x5a" * size
            for _ in range(n):
                try:
                    s.sendto(payload, addr)
                except (BlockingIOError, OSError):
                    pass
            s.settimeout(120)
        elif words[0] == b"RSS":
            with open(os.path.join(d, "rss"), "w") as f:
                f.write("%d %d\n" % (rss_before, rss_kib(d)))
            s.sendto(b"OK", addr)
        elif words[0] == b"QUIT":
            s.sendto(b"BYE", addr)
            s.close()
            return 0


if __name__ == "__main__":
    sys.exit(main())
