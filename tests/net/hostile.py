#!/usr/bin/python3
"""Hostile traffic for KPIO, sent as raw Ethernet frames on a tap device from
inside the test's network namespace (AF_PACKET; root).

  hostile.py IFACE DST_MAC DST_IP SRC_MAC SRC_IP PORT MODE [ARGS]

MODE garbage N      N frames of random length and content
     malformed      IPv4/TCP/UDP/ICMP with bad checksums, lengths, options
     synflood N     N SYNs from random sources to PORT
     fragments      overlapping, duplicated and incomplete IPv4 fragments
     segments SPORT SEQ ACK N   N out-of-window, overlapping and RST/SYN
                    segments on an established connection from SRC_IP:SPORT
Prints how many frames it sent."""
import os
import random
import socket
import struct
import sys


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def ip4(s):
    return socket.inet_aton(s)


class Raw:
    def __init__(self, iface, dst_mac, src_mac):
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        self.s.bind((iface, 0))
        self.dst, self.src = mac(dst_mac), mac(src_mac)
        self.sent = 0

    def frame(self, payload, ethertype=0x0800, dst=None):
        self.s.send((dst or self.dst) + self.src + struct.pack("!H", ethertype) + payload)
        self.sent += 1


def ip_header(src, dst, proto, length, ident=0, frag=0, ttl=64, bad_csum=False):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + length, ident, frag, ttl, proto, 0, src, dst)
    c = csum(h)
    if bad_csum:
        c ^= 0x5555
    return h[:10] + struct.pack("!H", c) + h[12:]


def tcp_segment(src, dst, sport, dport, seq, ack, flags, data=b"", wnd=65535, opts=b"", bad=False):
    off = (20 + len(opts)) // 4
    h = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, off << 4, flags, wnd, 0, 0) + opts
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(h) + len(data))
    c = csum(pseudo + h + data)
    if bad:
        c ^= 0x1234
    h = h[:16] + struct.pack("!H", c) + h[18:]
    return ip_header(src, dst, 6, len(h) + len(data)) + h + data


def udp_datagram(src, dst, sport, dport, data, bad=False):
    h = struct.pack("!HHHH", sport, dport, 8 + len(data), 0)
    c = csum(src + dst + struct.pack("!BBH", 0, 17, 8 + len(data)) + h + data) or 0xffff
    if bad:
        c ^= 0x4321
    return ip_header(src, dst, 17, 8 + len(data)) + h[:6] + struct.pack("!H", c) + data


def main():
    iface, dst_mac, dst_ip, src_mac, src_ip, port, mode = sys.argv[1:8]
    args = sys.argv[8:]
    raw = Raw(iface, dst_mac, src_mac)
    rnd = random.Random(1234)
    dst, src, port = ip4(dst_ip), ip4(src_ip), int(port)
    if mode == "garbage":
        for _ in range(int(args[0])):
            n = rnd.randrange(0, 1500)
            raw.frame(os.urandom(n), ethertype=rnd.choice([0x0800, 0x0806, 0x86dd, rnd.randrange(65536)]))
    elif mode == "malformed":
        good = tcp_segment(src, dst, 40000, port, 1, 0, 0x02)
        raw.frame(tcp_segment(src, dst, 40001, port, 1, 0, 0x02, bad=True))          # TCP checksum
        raw.frame(good[:10] + b"\0\0" + good[12:])                                   # IP checksum
        raw.frame(good[:2] + struct.pack("!H", 1400) + good[4:])                     # total length
        raw.frame(bytes([0x44]) + good[1:])                                          # IHL 4
        raw.frame(bytes([0x65]) + good[1:])                                          # version 6
        raw.frame(good[:30])                                                         # cut short
        raw.frame(tcp_segment(src, dst, 40002, port, 1, 0, 0x02, opts=bytes([2, 0, 0, 0])))
        raw.frame(tcp_segment(src, dst, 40003, port, 1, 0, 0x02, opts=bytes([8, 40, 0, 0])))
        raw.frame(udp_datagram(src, dst, 5000, 53, b"x" * 30, bad=True))
        raw.frame(udp_datagram(src, dst, 5000, 9, b"x" * 30))                        # closed port
        icmp = bytes([8, 0, 0, 0, 0, 1, 0, 1]) + b"p" * 20
        raw.frame(ip_header(src, dst, 1, len(icmp)) + icmp)                          # bad ICMP csum
        raw.frame(bytes(28), ethertype=0x0806)                                        # bad ARP
        raw.frame(ip_header(src, dst, 99, 10) + bytes(10))                           # unknown proto
        for ttl in (0, 1):
            raw.frame(ip_header(src, dst, 17, 8, ttl=ttl) + bytes(8))
    elif mode == "synflood":
        for i in range(int(args[0])):
            s = bytes([192, 0, 2, rnd.randrange(1, 255)]) if i % 2 else bytes([10, 77, 0, rnd.randrange(100, 250)])
            raw.frame(tcp_segment(s, dst, rnd.randrange(1024, 65535), port, rnd.randrange(1 << 32), 0, 0x02,
                                  opts=bytes([2, 4, 5, 180])))
    elif mode == "fragments":
        icmp = bytes([8, 0, 0, 0, 0x12, 0x34, 0, 1]) + bytes(range(256)) * 12
        icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
        for ident in range(1, 200):
            pieces = [(0, 1480), (1480, 1480), (1480 - 8 * (ident % 3), 800)]     # overlaps
            for off, n in pieces:
                body = icmp[off:off + n]
                more = 0x2000 if off + n < len(icmp) else 0
                raw.frame(ip_header(src, dst, 1, len(body), ident=ident, frag=more | (off // 8)) + body)
        for ident in range(300, 400):                                                 # never finished
            raw.frame(ip_header(src, dst, 17, 1480, ident=ident, frag=0x2000) + bytes(1480))
    elif mode == "segments":
        sport, seq, ack, n = int(args[0]), int(args[1]), int(args[2]), int(args[3])
        for _ in range(n):
            kind = rnd.randrange(6)
            off = rnd.randrange(-(1 << 30), 1 << 30)
            if kind == 0:      # far out of window, with data
                raw.frame(tcp_segment(src, dst, sport, port, (seq + off) & 0xffffffff, ack, 0x18, b"X" * 100))
            elif kind == 1:    # RST with a wrong sequence number
                raw.frame(tcp_segment(src, dst, sport, port, (seq + off) & 0xffffffff, 0, 0x04))
            elif kind == 2:    # SYN on the established connection
                raw.frame(tcp_segment(src, dst, sport, port, (seq + off) & 0xffffffff, 0, 0x02))
            elif kind == 3:    # ACK for data never sent
                raw.frame(tcp_segment(src, dst, sport, port, seq, (ack + abs(off)) & 0xffffffff, 0x10))
            elif kind == 4:    # old duplicate overlapping what was delivered
                raw.frame(tcp_segment(src, dst, sport, port, (seq - 50) & 0xffffffff, ack, 0x18, b"Y" * 40))
            else:              # bad checksum on the right 4-tuple
                raw.frame(tcp_segment(src, dst, sport, port, seq, ack, 0x18, b"Z" * 10, bad=True))
    else:
        sys.exit("unknown mode " + mode)
    print(f"sent {raw.sent}", flush=True)


if __name__ == "__main__":
    main()
