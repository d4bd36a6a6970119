"""KPIO's network stack, run as a Linux process on a tap device, against real
Linux peers in a network namespace: a DHCP lease and its renewal from
dnsmasq, ping both ways, DNS names from dnsmasq (aliases, missing names), TCP
in both directions with SHA-256 checked at both ends (active and passive
opens), HTTP/1.1 GET, 100 concurrent connections, and the same transfers
through the impairment relay (loss, duplication, reordering, delay).

Run by `make test-net-host` (root; uses ip netns, tap, dnsmasq)."""
import os
import re
import subprocess
import time

import pytest

from netlab import BUILD, LINUX_ADDR, Console, Lab, parse_transfer

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


def test_ping_both_ways(lab, kpio):
    out = kpio.cmd(f"ping -c 3 -i 200 {LINUX_ADDR}", 30)
    assert "3 packets transmitted, 3 received, 0% packet loss" in out, out
    r = lab.sh("ping", "-c", "3", "-i", "0.2", "-W", "2", kpio.addr, check=False)
    assert r.returncode == 0 and " 0% packet loss" in r.stdout, r.stdout
    # Larger than one frame: fragmented on the way out and reassembled in KPIO.
    r = lab.sh("ping", "-c", "2", "-s", "4000", "-W", "2", kpio.addr, check=False)
    assert r.returncode == 0 and "4008 bytes from" in r.stdout, r.stdout
    out = kpio.cmd(f"ping -c 2 -s 3000 -i 200 {LINUX_ADDR}", 30)
    assert "2 received" in out, out


def test_dns_names(lab, kpio):
    assert "server.kpio.test has address 10.77.0.1" in kpio.cmd("host server.kpio.test")
    assert "alias.kpio.test has address 10.77.0.1" in kpio.cmd("host alias.kpio.test")
    out = kpio.cmd("host missing.kpio.test")
    assert "Host missing.kpio.test not found" in out and "[status -2]" in out
    log = lab.dnsmasq_log()
    assert "query[A] server.kpio.test" in log
    assert "query[A] missing.kpio.test" in log
    # Cached: asking again does not reach dnsmasq.
    before = lab.dnsmasq_log().count("query[A] server.kpio.test")
    kpio.cmd("host server.kpio.test")
    assert lab.dnsmasq_log().count("query[A] server.kpio.test") == before


def test_tcp_download_and_upload(lab, kpio):
    src = lab.peer("source", 5001, CLEAN_BYTES)
    got = parse_transfer(kpio.cmd(f"tcp recv {LINUX_ADDR} 5001", 300))
    want = lab.peer_result(src)
    assert got["bytes"] == want["bytes"] == CLEAN_BYTES
    assert got["sha256"] == want["sha256"]

    sink = lab.peer("sink", 5002)
    sent = parse_transfer(kpio.cmd(f"tcp send server.kpio.test 5002 {CLEAN_BYTES}", 300))
    seen = lab.peer_result(sink)
    assert sent["bytes"] == seen["bytes"] == CLEAN_BYTES
    assert sent["sha256"] == seen["sha256"]


def test_tcp_passive_opens(lab, kpio):
    # Linux connects to KPIO and uploads ...
    kpio.send("tcp sink 7001")
    kpio.expect("listening on port 7001", 10)
    client = lab.peer("send", kpio.addr, 7001, 8 * MiB)
    got = parse_transfer(kpio.wait(120))
    assert got["sha256"] == lab.peer_result(client)["sha256"]
    # ... and downloads.
    kpio.send("tcp source 7002 8M")
    kpio.expect("listening on port 7002", 10)
    client = lab.peer("recv", kpio.addr, 7002)
    sent = parse_transfer(kpio.wait(120))
    seen = lab.peer_result(client)
    assert seen["bytes"] == 8 * MiB and seen["sha256"] == sent["sha256"]


def test_http_get(lab, kpio, tmp_path):
    blob = os.urandom(3 * MiB + 12345)
    www = tmp_path / "www"
    www.mkdir()
    (www / "blob.bin").write_bytes(blob)
    (www / "hello.txt").write_text("Hello from Linux\n")
    os.chmod(tmp_path, 0o755)
    lab.peer("http", 8080, str(www))
    out = kpio.cmd("http get -s http://server.kpio.test:8080/blob.bin", 120)
    import hashlib
    assert f"status 200, {len(blob)} bytes" in out, out
    assert hashlib.sha256(blob).hexdigest() in out
    out = kpio.cmd("http get http://10.77.0.1:8080/hello.txt", 30)
    assert "Hello from Linux" in out
    out = kpio.cmd("http get -s http://server.kpio.test:8080/nothing-here", 30)
    assert "status 404" in out


def test_hundred_concurrent_connections(lab, kpio):
    lab.peer("echo", 5003)
    out = kpio.cmd(f"tcp conns {LINUX_ADDR} 5003 100 64K", 180)
    assert "conns: 100 ok, 0 failed" in out, out
    r = lab.sh("ss", "-tn", "state", "established", f"( sport = :5003 )")
    assert r.stdout.count("10.77.0.") == 0       # all closed again


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
        addr = lease(c, 120)
        out = c.cmd(f"ping -c 10 -i 100 -W 1000 {LINUX_ADDR}", 60)
        assert re.search(r"10 packets transmitted, [1-9]\d* received", out), out

        src = lab.peer("source", 5001, IMPAIRED_BYTES)
        got = parse_transfer(c.cmd(f"tcp recv {LINUX_ADDR} 5001", 600))
        assert got["sha256"] == lab.peer_result(src)["sha256"]

        sink = lab.peer("sink", 5002)
        sent = parse_transfer(c.cmd(f"tcp send {LINUX_ADDR} 5002 {IMPAIRED_BYTES}", 600))
        assert sent["sha256"] == lab.peer_result(sink)["sha256"]

        lab.peer("echo", 5003)
        out = c.cmd(f"tcp conns {LINUX_ADDR} 5003 20 16K", 600)
        assert "conns: 20 ok, 0 failed" in out, out
        stats = c.cmd("netstat -s")
        assert int(re.search(r"retransmitted\s+(\d+)", stats).group(1)) > 0
        lab.stop(relay)
        counters = relay.stdout.read()
        assert re.search(r"lost [1-9]", counters) and re.search(r"duplicated [1-9]", counters), counters
    finally:
        lab.close()
