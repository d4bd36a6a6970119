"""KPIO's network stack in the kernel, over virtio-net in QEMU, against Linux
peers in a network namespace (tap0 = 10.77.0.1 with dnsmasq for DHCP and DNS):
a lease, ping both ways, DNS names (aliases, missing names), 100 MiB each
way over TCP with SHA-256 checked at both ends, HTTP GET, passive opens, 100
concurrent connections, hostile traffic (garbage, malformed headers and
checksums, 10,000 SYNs, overlapping fragments, out-of-window segments) with
no crash and no leak, and the same transfers over an impaired link (10% loss,
5% duplication, 5% reordering, 50 ms delay each way) through the user-space
impairment relay (tests/net/impair.c).

Run by `make test-net-qemu`. One boot serves the clean-link tests, one the
impaired link. Every QEMU run
has a hard timeout (tools/kpio-qemu --timeout); the namespace goes at the end.
"""
import os
import re
import subprocess
import time

import pytest

from netlab import (IMAGE, LINUX_ADDR, PEER, PYTHON, REPO, Lab, boot_kpio, check_connections,
                    check_dns_names, check_http_get, check_impaired_session, check_passive_opens,
                    check_ping_both_ways, check_transfers, dgram_nic, mem_counters, qmp_command)

MiB = 1 << 20
BIG = int(os.environ.get("KPIO_NET_QEMU_BYTES", 100 * MiB))
IMPAIRED = int(os.environ.get("KPIO_NET_QEMU_IMPAIRED_BYTES", 1 * MiB))
HOSTILE = os.path.join(REPO, "tests", "net", "hostile.py")
LOGS = os.path.join(REPO, "build", "test-logs", "system")

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="network namespaces need root"),
    pytest.mark.skipif(not os.path.exists(IMAGE), reason="build/kpio.img is missing: run make"),
]


def wait_lease(vm, timeout=60):
    out = vm.cmd("ifconfig eth0")
    if "eth0: flags" not in out:
        pytest.skip("the kernel has no virtio-net interface (virtio transport not linked)")
    m = vm.expect(r"DHCP lease (10\.77\.0\.\d+)/24", timeout) if "inet 10.77" not in out else None
    addr = re.search(r"inet (10\.77\.0\.\d+)/24", vm.cmd("ifconfig eth0"))
    assert addr, "no address after the lease"
    return addr.group(1)


@pytest.fixture(scope="module")
def net():
    os.makedirs(LOGS, exist_ok=True)
    lab = Lab()
    try:
        qmp = os.path.join(lab.tmp, "qmp.sock")
        vm = boot_kpio(lab, log=os.path.join(LOGS, "net-clean.serial"), extra=["--qmp", qmp])
        vm.qmp = qmp
        vm.addr = wait_lease(vm)
        yield lab, vm
    finally:
        lab.close()


def test_dhcp_lease(net):
    lab, vm = net
    assert re.match(r"10\.77\.0\.(5\d|[6-9]\d)$", vm.addr)
    assert re.search(rf"DHCPACK\(tap0\) {re.escape(vm.addr)} 52:54:00:12:34:56", lab.dnsmasq_log())
    assert f"default            {LINUX_ADDR}" in vm.cmd("route")
    out = vm.cmd("dhcp status")
    assert f"bound {vm.addr}/24 server {LINUX_ADDR} router {LINUX_ADDR}" in out


def test_ping_both_ways(net):
    lab, vm = net
    check_ping_both_ways(lab, vm, vm.addr, 3000)


def test_link_status(net):
    """The NIC's link goes down and up (QMP set_link): KPIO sees both, sends
    nothing while down, and works again once up."""
    lab, vm = net
    qmp_command(vm.qmp, "set_link", name="n0", up=False)
    vm.expect("net: eth0: link down", 30)
    assert "RUNNING" not in vm.cmd("ifconfig eth0").split("\n")[1]
    out = vm.cmd(f"ping -c 1 -W 500 {LINUX_ADDR}", 30)
    assert "0 received" in out, out
    qmp_command(vm.qmp, "set_link", name="n0", up=True)
    vm.expect("net: eth0: link up", 30)
    assert "RUNNING" in vm.cmd("ifconfig eth0")
    out = vm.cmd(f"ping -c 2 -i 200 {LINUX_ADDR}", 30)
    assert "2 received" in out, out


def test_dns_names(net):
    lab, vm = net
    check_dns_names(lab, vm)


def test_tcp_100mib_download_and_upload(net):
    lab, vm = net
    got, sent = check_transfers(lab, vm, BIG, 900, server="server.kpio.test")
    print(f"\nKPIO in QEMU: download {got['mbit']} Mbit/s, upload {sent['mbit']} Mbit/s")


def test_tcp_passive_opens(net):
    lab, vm = net
    check_passive_opens(lab, vm, vm.addr, 4 * MiB, 300)


def test_http_get(net, tmp_path):
    lab, vm = net
    if "/data" not in vm.cmd("df"):
        check_http_get(lab, vm, str(tmp_path / "www"), 300)
        return

    def read_back(path):
        if path.endswith(".txt"):
            return vm.cmd(f"cat {path}")
        return vm.cmd(f"ls {os.path.dirname(path)}")

    check_http_get(lab, vm, str(tmp_path / "www"), 300, "/data", read_back)
    vm.cmd("rm /data/blob.bin")
    vm.cmd("rm /data/hello.txt")


def hostile(lab, vm, *args):
    mac = re.search(r"ether ([0-9a-f:]{17})", vm.cmd("ifconfig eth0")).group(1)
    linux_mac = lab.sh("cat", "/sys/class/net/tap0/address").stdout.strip()
    r = lab.sh(PYTHON, HOSTILE, "tap0", mac, vm.addr, linux_mac, LINUX_ADDR, *map(str, args), timeout=300)
    assert r.stdout.startswith("sent "), r.stdout + r.stderr


def settle(vm, base, timeout=90):
    """Polls the memory counters until they are back at base."""
    deadline = time.time() + timeout
    while True:
        now = mem_counters(vm)
        if all(now[k] == base[k] for k in ("netbufs", "heap", "tcp", "half_open", "udp", "sockets")):
            return now
        if time.time() > deadline:
            raise AssertionError(f"not back to the baseline:\n before {base}\n after  {now}")
        time.sleep(2)


def test_hostile_traffic_no_crash_no_leak(net):
    lab, vm = net
    vm.cmd(f"ping -c 1 {LINUX_ADDR}", 30)             # ARP settled on both sides

    def echo_ok():
        client.stdin.write("the connection still works\n")
        client.stdin.flush()
        assert client.stdout.readline().strip() == "echo ok"

    # One quiet round first, so that caches the kernel grows for new threads
    # (not freed by design) are in the baseline.
    assert "echod on port 7000" in vm.cmd("tcp echod 7000")
    client = lab.spawn(PYTHON, PEER, "echoclient", vm.addr, "7000", stdin=subprocess.PIPE)
    client.stdout.readline()
    echo_ok()
    client.stdin.close()
    client.wait(30)
    vm.cmd("tcp echod stop", 60)
    # The baseline has no connection left, TIME_WAIT included: one that
    # expired during the test would otherwise look like heap freed.
    deadline = time.time() + 90
    while True:
        base = mem_counters(vm)
        if base["tcp"] == 0 or time.time() > deadline:
            break
        time.sleep(2)
    assert base["tcp"] == 0, f"connections left before the test: {base}"

    assert "echod on port 7000" in vm.cmd("tcp echod 7000")
    client = lab.spawn(PYTHON, PEER, "echoclient", vm.addr, "7000", stdin=subprocess.PIPE)
    sport = int(client.stdout.readline().split()[1])
    echo_ok()
    hostile(lab, vm, 7000, "garbage", 3000)
    hostile(lab, vm, 7000, "malformed")
    hostile(lab, vm, 7000, "fragments")
    hostile(lab, vm, 7000, "segments", sport, 1, 1, 3000)
    echo_ok()
    hostile(lab, vm, 7000, "synflood", 10000)
    echo_ok()
    out = vm.cmd(f"ping -c 2 -i 200 {LINUX_ADDR}", 60)
    assert "2 received" in out, out
    stats = vm.cmd("netstat -s")
    assert int(re.search(r"SYNs evicted\s+(\d+)", stats).group(1)) + \
        int(re.search(r"resets received\s+(\d+)", stats).group(1)) > 0, stats
    assert int(re.search(r"bad checksums\s+(\d+)", stats.split("Tcp:")[1]).group(1)) >= 1
    assert int(re.search(r"out of window\s+(\d+)", stats).group(1)) > 0
    assert mem_counters(vm)["half_open"] <= 128          # NET_TCP_SYN_BACKLOG
    client.stdin.close()
    client.wait(30)
    assert "echod stopped" in vm.cmd("tcp echod stop", 60)
    settle(vm, base)


def test_hundred_concurrent_connections(net):
    lab, vm = net
    check_connections(lab, vm, 100, "64K", 600)


def test_impaired_link():
    """10% loss, 5% duplication, 5% reordering, 50 ms each way."""
    os.makedirs(LOGS, exist_ok=True)
    lab = Lab()
    try:
        relay = lab.impair(17001, 17002, loss=10, dup=5, reorder=5, delay=50, seed=11)
        vm = boot_kpio(lab, nic=dgram_nic(17002, 17001), log=os.path.join(LOGS, "net-impaired.serial"))
        wait_lease(vm, 180)
        check_impaired_session(lab, vm, relay, IMPAIRED, 900)
    finally:
        lab.close()
