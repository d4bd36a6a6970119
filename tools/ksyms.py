#!/usr/bin/env python3
"""tools/ksyms.py — build the kernel's embedded symbol table (kernel/core/ksyms.h).

    nm -S -n --defined-only kernel.elf | tools/ksyms.py > ksyms.bin

Keeps text symbols (t/T/W), sorted by address. Where several names share an
address, a function (non-zero size) beats a label, and a plain name beats a
linker-defined one starting with "__" (so _start, not __kernel_start).
"""
import struct
import sys

MAGIC = 0x4D59534B


def parse_nm(lines):
    symbols = {}
    for line in lines:
        parts = line.split()
        if len(parts) == 4:
            addr, size, kind, name = parts
        elif len(parts) == 3:
            addr, kind, name = parts
            size = "0"
        else:
            continue
        if kind not in ("t", "T", "W", "w"):
            continue
        a, s = int(addr, 16), int(size, 16)
        rank = (s > 0, not name.startswith("__"))
        if a not in symbols or rank > symbols[a][2]:
            symbols[a] = (s, name, rank)
    return sorted((a, s, n) for a, (s, n, _) in symbols.items())


def build(symbols):
    names = bytearray()
    entries = bytearray()
    for addr, size, name in symbols:
        entries += struct.pack("<QII", addr, min(size, 0xFFFFFFFF), len(names))
        names += name.encode() + b"\0"
    header_size = 16
    names_offset = header_size + len(entries)
    return struct.pack("<IIII", MAGIC, len(symbols), names_offset, 0) + entries + names


def main():
    sys.stdout.buffer.write(build(parse_nm(sys.stdin)))


if __name__ == "__main__":
    main()
