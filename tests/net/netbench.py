#!/usr/bin/python3
"""tests/net/netbench.py — network benchmark (make bench): KPIO and Debian's
Linux (tools/linux-guest) in the same QEMU machine with the same virtio-net
NIC, each on its own tap device in one network namespace (KPIO on tap0 =
10.77.0.1/24, Linux on tap1 = 10.78.0.1/24), against the same Linux peers
(tests/net/peer.py) on the host side, in one run:

  TCP receive  (guest downloads BYTES from the host)      Mbit/s
  TCP send     (guest uploads BYTES to the host)          Mbit/s
  connections per second (connect, read to the end, close; the host closes)

Both guests are booted once and measured alternately, figure by figure, ROUNDS
times (so that the load of the machine weighs on both alike); medians are
reported as
"bench: net_METRIC_{kpio,linux,ratio} = VALUE UNIT" (ratio = KPIO / Linux,
higher is better for all three), raw results in build/bench/net.json. Both
guests time themselves with their own clocks and print the same words
(KPIO's `tcp recv -n` etc., Linux's guest/netbench). The last line is
'N passed, N failed' (measurements that produced a figure).
"""
import json
import os
import re
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from netlab import LINUX_ADDR, REPO, Console, Lab, boot_kpio  # noqa: E402

LINUX_GUEST = os.path.join(REPO, "tools", "linux-guest", "linux-guest")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 3))
BYTES = int(os.environ.get("NET_BENCH_BYTES", 64 << 20))
CONNS = int(os.environ.get("NET_BENCH_CONNS", 300))
OUT = os.path.join(REPO, "build", "bench")

TRANSFER = re.compile(r"(received|sent) (\d+) bytes in [\d.]+ s \(([\d.]+) Mbit/s\)")
CPS = re.compile(r"cps: (\d+) connections in (\d+) ms, (\d+) per second")


class Guest:
    """What differs between the two guests: how to boot and the commands."""

    def __init__(self, name, console, recv, send, cps):
        self.name, self.console = name, console
        self.recv, self.send, self.cps = recv, send, cps


LINUX_LINK = "10.78.0.1"


def boot_linux(lab):
    lab.add_tap("tap1", f"{LINUX_LINK}/24")
    p = lab.spawn(LINUX_GUEST, "run", "--nic", "tap,ifname=tap1", "--timeout", "1800",
                  stdin=subprocess.PIPE)
    c = Console(p, "lnx> ", name="linux-guest", log=os.path.join(OUT, "net-linux.serial"))
    c.expect("linux-guest: shell ready", 180)
    c.send("export PS1='ln''x> '")          # the echo of this line must not match
    c.expect("lnx> ", 30)
    c.cmd(". /guest/virtio.sh >/dev/null 2>&1; ip link set eth0 up; "
          "ip addr add 10.78.0.200/24 dev eth0", 60)
    c.cmd(f"ping -c 2 -W 2 {LINUX_LINK}", 30)
    return Guest("linux", c, f"netbench recv {LINUX_LINK} 5001", f"netbench send {LINUX_LINK} 5002 {BYTES}",
                 f"netbench cps {LINUX_LINK} 5003 {CONNS}")


def boot_kpio_guest(lab):
    c = boot_kpio(lab, timeout=1800, log=os.path.join(OUT, "net-kpio.serial"))
    if "eth0: flags" not in c.cmd("ifconfig eth0"):
        raise RuntimeError("KPIO has no virtio-net interface")
    c.cmd("dhcp", 60)
    c.cmd(f"ping -c 2 {LINUX_ADDR}", 30)
    return Guest("kpio", c, f"tcp recv -n {LINUX_ADDR} 5001", f"tcp send -n {LINUX_ADDR} 5002 {BYTES}",
                 f"tcp cps {LINUX_ADDR} 5003 {CONNS}")


def record(results, ok, key, good, value):
    ok.append(good)
    if good:
        results.setdefault(key, []).append(value)


def measure_round(lab, guests, results, ok):
    """One round: each figure for each guest in turn."""
    for g in guests:
        src = lab.peer("source", 5001, BYTES)
        m = TRANSFER.search(g.console.cmd(g.recv, 900))
        lab.peer_result(src)
        record(results, ok, f"tcp_recv_{g.name}", bool(m and int(m.group(2)) == BYTES),
               m and float(m.group(3)))
    for g in guests:
        sink = lab.peer("sink", 5002)
        m = TRANSFER.search(g.console.cmd(g.send, 900))
        seen = lab.peer_result(sink)
        record(results, ok, f"tcp_send_{g.name}", bool(m and seen["bytes"] == BYTES),
               m and float(m.group(3)))
    for g in guests:
        m = CPS.search(g.console.cmd(g.cps, 900))
        record(results, ok, f"cps_{g.name}", bool(m and int(m.group(1)) == CONNS), m and float(m.group(3)))


def main():
    os.makedirs(OUT, exist_ok=True)
    subprocess.run([LINUX_GUEST, "build"], check=True)
    lab = Lab()
    results, ok = {}, []
    try:
        lab.peer("close", 5003)
        guests = [boot_kpio_guest(lab), boot_linux(lab)]
        for r in range(ROUNDS):
            measure_round(lab, guests, results, ok)
            print(f"netbench: round {r + 1}: " + ", ".join(f"{k} {v[-1]}" for k, v in sorted(results.items())),
                  flush=True)
    finally:
        lab.close()
    units = {"tcp_recv": "Mbit/s", "tcp_send": "Mbit/s", "cps": "conn/s"}
    summary = {}
    for metric, unit in units.items():
        k, l = results.get(f"{metric}_kpio"), results.get(f"{metric}_linux")
        if not k or not l:
            continue
        mk, ml = statistics.median(k), statistics.median(l)
        summary[metric] = {"kpio": mk, "linux": ml, "ratio": mk / ml if ml else 0, "unit": unit,
                           "kpio_runs": k, "linux_runs": l}
        print(f"bench: net_{metric}_kpio = {mk:.3f} {unit}")
        print(f"bench: net_{metric}_linux = {ml:.3f} {unit}")
        print(f"bench: net_{metric}_ratio = {mk / ml:.3f} x")
    with open(os.path.join(OUT, "net.json"), "w") as f:
        json.dump({"date": time.strftime("%Y-%m-%d %H:%M"), "rounds": ROUNDS, "bytes": BYTES,
                   "conns": CONNS, "results": summary}, f, indent=1)
    print(f"{sum(ok)} passed, {len(ok) - sum(ok)} failed")
    return 0 if all(ok) and summary else 1


if __name__ == "__main__":
    sys.exit(main())
