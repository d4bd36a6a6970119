#!/usr/bin/python3
"""Writes a small seed corpus for net_fuzz: records in the fuzzer's own
format (mode byte first) for a TCP handshake, data, FIN and RST, ARP, UDP,
ICMP and fragments. Usage: make-seeds.py OUTDIR"""
import os
import struct
import sys


def tcp(flags, seq, ack, payload=b"", opts=b""):
    # mode 2, body len, bcast?, src sel(0=10.0.0.9), src raw, dst sel(1 -> US), optlen sel,
    # sport sel, dport sel, seq, ack, flags, window, options, payload, csum-ok byte, clock step
    optsel = len(opts) // 4
    rec = bytes([2, len(payload), 0, 0]) + b"\0\0\0\0" + bytes([1, optsel, 0, 1])
    rec += struct.pack(">II", seq, ack) + bytes([flags]) + struct.pack(">H", 65535)
    rec += opts + payload + b"\0\0" + bytes([0, 0])  # ip id, frag, csum flag
    return rec + bytes([1])


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    mss_ts = bytes([2, 4, 5, 180, 1, 3, 3, 7, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 1, 0])
    seeds = {
        "handshake": tcp(0x02, 1000, 0, opts=mss_ts) + tcp(0x10, 1001, 0),
        "data": tcp(0x02, 5000, 0) + tcp(0x18, 5001, 0, b"GET / HTTP/1.1\r\n\r\n") + tcp(0x11, 5019, 0),
        "rst": tcp(0x02, 7000, 0) + tcp(0x04, 7001, 0),
        "arp": bytes([1, 0, 0x80, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0]),
        "udp": bytes([5, 12, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1]) + b"dnsquerydata" + bytes([0, 0, 0, 0, 3]),
        "icmp": bytes([6, 16, 0, 0, 0, 0, 0, 0, 1]) + bytes([8, 0, 0, 0, 0, 1, 0, 1]) + b"pingdata" + bytes([0, 0, 0, 0, 0]),
        "frag": bytes([5, 100, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1]) + bytes(range(100)) + bytes([0, 9, 0xe1, 0, 0]),
    }
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    # Seeds for parsers_fuzz: an odd first byte means DNS, an even one HTTP.
    pout = out + "-parsers"
    os.makedirs(pout, exist_ok=True)
    vectors = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../../shared/dns-vectors/dns-vectors.json")
    if os.path.exists(vectors):
        import json
        with open(vectors) as f:
            for v in json.load(f)["vectors"]:
                with open(os.path.join(pout, "dns-" + v["name"]), "wb") as g:
                    g.write(b"\x01" + bytes.fromhex(v["hex"]))
    http = {
        "http-length": b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
        "http-chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        "http-close": b"HTTP/1.0 200 OK\r\n\r\nbody until close",
        "http-redirect": b"HTTP/1.1 302 Found\r\nLocation: http://a.test:81/x\r\nContent-Length: 0\r\n\r\n",
    }
    for name, data in http.items():
        with open(os.path.join(pout, name), "wb") as f:
            f.write(b"\x00" + data)


if __name__ == "__main__":
    main()
