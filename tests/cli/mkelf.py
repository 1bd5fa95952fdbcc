#!/usr/bin/env python3
"""mkelf.py OUT [options]: write a tiny Multiboot ELF32 for the CLI tests.

--code ok        check EAX magic and the first byte of --append ('X': the
                 command line is "KERNEL-PATH APPEND", as QEMU writes it), print
                 "OK" on COM1 and write 42 to isa-debug-exit (status 85)
--code poweroff  16-bit write of 0x2000 to port 0x604 (status 0)
--code jmp-mmio  jump to 0xFEE00000 (the LAPIC page): code emu cannot run
--paddr/--memsz  where the one PT_LOAD segment goes and how big it is
--lie-filesz N   claim N more file bytes than the file has
--no-header      leave out the Multiboot header
--aout           no ELF: a flat image using the header's address fields
                 (flag bit 16), loaded at --paddr with --memsz of bss
"""
import argparse
import struct

p = argparse.ArgumentParser()
p.add_argument("out")
p.add_argument("--code", default="ok", choices=["ok", "poweroff", "jmp-mmio"])
p.add_argument("--paddr", type=lambda s: int(s, 0), default=0x100000)
p.add_argument("--memsz", type=lambda s: int(s, 0), default=0)
p.add_argument("--lie-filesz", type=lambda s: int(s, 0), default=0)
p.add_argument("--no-header", action="store_true")
p.add_argument("--aout", action="store_true")
a = p.parse_args()


def code_ok():
    out = lambda ch: b"\xb0" + bytes([ch]) + b"\xee"     # mov al, ch; out dx, al
    bad = b"\xb0\x07\xe6\xf4\xf4"                        # mov al, 7; out 0xf4, al; hlt
    tail = (b"\x66\xba\xf8\x03" + out(ord("O")) + out(ord("K")) + out(10) +
            b"\xb0\x2a\xe6\xf4\xf4")                     # 42 -> status 85
    check_cmd = b"\x80\x38\x58" + b"\x75" + bytes([len(tail)])  # cmp byte [eax],'X'; jne bad
    load_cmd = (b"\x8b\x43\x10" +                        # mov eax, [ebx+16]
                # 1: mov cl, [eax]; inc eax; cmp cl, ' '; jne 1b
                b"\x8a\x08\x40\x80\xf9\x20\x75\xf8")
    rest = load_cmd + check_cmd + tail
    head = b"\x3d" + struct.pack("<I", 0x2BADB002) + b"\x75" + bytes([len(rest)])
    return head + rest + bad


def code_poweroff():
    # mov dx, 0x604; mov ax, 0x2000; out dx, ax; hlt
    return b"\x66\xba\x04\x06\x66\xb8\x00\x20\x66\xef\xf4"


if a.code == "ok":
    code = code_ok()
elif a.code == "poweroff":
    code = code_poweroff()
else:
    code = b"\xb8\x00\x00\xe0\xfe\xff\xe0"          # mov eax, 0xfee00000; jmp eax

if a.aout:
    # header_addr, load_addr, load_end_addr (0: whole file), bss_end_addr,
    # entry_addr right after the 32-byte header.
    flags = 1 << 16
    hdr = struct.pack("<IIIIIIII", 0x1BADB002, flags,
                      (-(0x1BADB002 + flags)) & 0xFFFFFFFF, a.paddr, a.paddr,
                      0, a.paddr + 32 + len(code) + a.memsz, a.paddr + 32)
    with open(a.out, "wb") as f:
        f.write(hdr + code)
    raise SystemExit(0)
ehsize, phsize = 52, 32
hdr_off = ehsize + phsize
mb = b"" if a.no_header else struct.pack(
    "<III", 0x1BADB002, 0, (-0x1BADB002) & 0xFFFFFFFF)
body = mb + code
filesz = len(body)
memsz = max(a.memsz, filesz)
entry = a.paddr + len(mb)

ident = b"\x7fELF" + bytes([1, 1, 1]) + bytes(9)
ehdr = ident + struct.pack("<HHIIIIIHHHHHH", 2, 3, 1, entry, ehsize, 0, 0,
                           ehsize, phsize, 1, 0, 0, 0)
phdr = struct.pack("<IIIIIIII", 1, hdr_off, a.paddr, a.paddr,
                   filesz + a.lie_filesz, memsz + a.lie_filesz, 7, 4)
with open(a.out, "wb") as f:
    f.write(ehdr + phdr + body)
