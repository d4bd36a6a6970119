"""KPIO's network stack, run as a Linux process on a tap device, against real
Linux peers in a network namespace: a DHCP lease and its renewal from
dnsmasq, ping both ways, DNS names from dnsmasq (aliases, missing names), TCP
in both directions with SHA-256 checked at both ends (active and passive
opens), HTTP/1.1 GET, 100 concurrent connections, and the same transfers
through the impairment relay (loss, duplication, reordering, delay).

Run by `make test-net-host` (root; uses ip netns, tap, dnsmasq). The
scenarios are shared with the QEMU suite (netlab.py)."""
import os
import re
import subprocess
import time

import pytest

from netlab import (BUILD, LINUX_ADDR, Console, Lab, check_connections, check_dns_names,
                    check_http_get, check_impaired_session, check_passive_opens,
                    check_ping_both_ways, check_transfers)

NETHOST = os.path.join(BUILD, "kpio-nethost")
MiB = 1 << 20
CLEAN_BYTES = int(os.environ.get("KPIO_NET_BYTES", 100 * MiB))
IMPAIRED_BYTES = int(os.environ.get("KPIO_NET_IMPAIRED_BYTES", 2 * MiB))


def start_kpio(lab, *link):
    p = lab.spawn(NETHOST, *link, stdin=subprocess.PIPE)
    c = Console(p, "kpio-net> ", name="kpio-nethost")
    c.expect("kpio-net> ", 10)
    return c


def lease(c, timeout=60):
    out = c.cmd("dhcp", timeout)
    m = re.search(r"bound ([\d.]+)/(\d+)", out)
    assert m, out
    return m.group(1)


@pytest.fixture
def lab():
    lab = Lab()
    yield lab
    lab.close()


@pytest.fixture
def kpio(lab):
    c = start_kpio(lab, "--tap", "tap0")
    c.addr = lease(c)
    return c


def test_dhcp_lease(lab, kpio):
    assert re.match(r"10\.77\.0\.(5\d|[6-9]\d)$", kpio.addr)
    out = kpio.cmd("ifconfig eth0")
    assert f"inet {kpio.addr}/24" in out
    assert f"default            {LINUX_ADDR}" in kpio.cmd("route")
    assert "servers: 10.77.0.1" in kpio.cmd("dns")
    log = lab.dnsmasq_log()
    assert re.search(rf"DHCPACK\(tap0\) {re.escape(kpio.addr)} 52:54:00:4b:50:01", log)


def test_dhcp_renewal_with_dnsmasq():
    lab = Lab(t1=2, t2=4)
    try:
        c = start_kpio(lab, "--tap", "tap0")
        addr = lease(c)
        time.sleep(7)          # dnsmasq rounds T1 up to 3 s
        out = c.cmd("dhcp status")
        renewals = int(re.search(r"renewals (\d+)", out).group(1))
        assert renewals >= 2, out
        assert f"bound {addr}/24" in out
        acks = re.findall(rf"DHCPACK\(tap0\) {re.escape(addr)} ", lab.dnsmasq_log())
        assert len(acks) >= 3
    finally:
        lab.close()


def test_dhcp_rebinding_with_dnsmasq():
    """The server answers only broadcasts: unicast renewals at T1 go
    unanswered, and at T2 KPIO rebinds by broadcast, keeping its address."""
    lab = Lab(t1=2, t2=4)
    try:
        relay = lab.impair(17011, 17012, block_unicast_udp=67)
        c = start_kpio(lab, "--udp", "17012:17011")
        addr = lease(c)
        time.sleep(9)
        out = c.cmd("dhcp status")
        assert re.search(rf"(bound|renewing|rebinding) {re.escape(addr)}/24", out), out
        assert int(re.search(r"renewals (\d+)", out).group(1)) >= 1, out
        lab.stop(relay)
        blocked = int(re.search(r"blocked (\d+) unicast", relay.stdout.read()).group(1))
        assert blocked >= 1                       # renewals were tried and lost
        acks = re.findall(rf"DHCPACK\(tap0\) {re.escape(addr)} ", lab.dnsmasq_log())
        assert len(acks) >= 2                     # the first lease, then the rebinding
    finally:
        lab.close()


def test_ping_both_ways(lab, kpio):
    check_ping_both_ways(lab, kpio, kpio.addr, 4000)
    out = kpio.cmd(f"ping -c 2 -s 3000 -i 200 {LINUX_ADDR}", 30)
    assert "2 received" in out, out


def test_dns_names(lab, kpio):
    check_dns_names(lab, kpio)
    assert "[status -2]" in kpio.cmd("host missing.kpio.test")
    # Cached (dnsmasq gives its local records a 60 s TTL here): no new query.
    before = lab.dnsmasq_log().count("query[A] server.kpio.test")
    kpio.cmd("host server.kpio.test")
    assert lab.dnsmasq_log().count("query[A] server.kpio.test") == before


def test_tcp_download_and_upload(lab, kpio):
    check_transfers(lab, kpio, CLEAN_BYTES, 300, server="server.kpio.test")


def test_tcp_passive_opens(lab, kpio):
    check_passive_opens(lab, kpio, kpio.addr, 8 * MiB, 120)


def test_http_get(lab, kpio, tmp_path):
    out = tmp_path / "out"
    out.mkdir()

    def read_back(path):
        with open(path, "rb") as f:
            data = f.read()
        return data.decode() if path.endswith(".txt") else data

    check_http_get(lab, kpio, str(tmp_path / "www"), 120, str(out), read_back)


def test_hundred_concurrent_connections(lab, kpio):
    check_connections(lab, kpio, 100, "64K", 180)


def test_refused_and_unreachable(lab, kpio):
    out = kpio.cmd(f"tcp recv {LINUX_ADDR} 5999", 30)
    assert "connection refused" in out
    out = kpio.cmd("ping -c 1 -W 500 10.77.0.200", 30)
    assert "0 received" in out


def test_impaired_link_transfers():
    """10% loss, 5% duplication, 5% reordering and 50 ms delay each way."""
    lab = Lab()
    try:
        relay = lab.impair(17001, 17002, loss=10, dup=5, reorder=5, delay=50, seed=7)
        c = start_kpio(lab, "--udp", "17002:17001")
        lease(c, 120)
        check_impaired_session(lab, c, relay, IMPAIRED_BYTES, 600)
    finally:
        lab.close()
