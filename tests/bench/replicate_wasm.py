#!/usr/bin/env python3
"""tests/bench/replicate_wasm.py IN.wasm MB OUT.wasm — a module of at least
MB megabytes made from IN's compiled code: every defined function of IN is
appended again (same type, same body) as many times as needed. The copies
are never called (calls in their bodies still name the originals), so the
module behaves as IN does; it only has more code to load, validate and
compile. Custom sections (names, debug info) are dropped.

Used for the 20 MB start-up figure of the JIT (issue 7): clang needs many
minutes for 20 MB of generated C, and this is real clang -O2 code."""
import sys


def read_leb(b, i):
    """Unsigned LEB128 at b[i]: (value, next index)."""
    v = shift = 0
    while True:
        byte = b[i]
        i += 1
        v |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return v, i


def leb(v):
    out = bytearray()
    while True:
        byte = v & 0x7F
        v >>= 7
        out.append(byte | (0x80 if v else 0))
        if not v:
            return bytes(out)


def section(sid, payload):
    return bytes([sid]) + leb(len(payload)) + payload


def main():
    src, mb, dst = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    b = open(src, "rb").read()
    if b[:8] != b"\0asm\1\0\0\0":
        sys.exit(f"{src}: not a WebAssembly 1.0 binary")
    sections, i = [], 8
    while i < len(b):
        sid = b[i]
        size, j = read_leb(b, i + 1)
        sections.append((sid, b[j:j + size]))
        i = j + size
    sections = [(sid, p) for sid, p in sections if sid != 0]
    funcs = dict(sections)[3]
    code = dict(sections)[10]
    nfunc, fstart = read_leb(funcs, 0)
    ncode, cstart = read_leb(code, 0)
    assert nfunc == ncode, "function and code sections disagree"
    others = sum(len(p) for sid, p in sections if sid not in (3, 10))
    copies = max(1, int(-(-(mb * 1e6 - others) // (len(code) - cstart))))   # ceil
    new_funcs = leb(nfunc * copies) + funcs[fstart:] * copies
    new_code = leb(ncode * copies) + code[cstart:] * copies
    with open(dst, "wb") as f:
        f.write(b[:8])
        for sid, p in sections:
            f.write(section(sid, new_funcs if sid == 3 else new_code if sid == 10 else p))


if __name__ == "__main__":
    main()
