"""Network test laboratory for KPIO: a network namespace with a tap device
(the Linux end of KPIO's link), dnsmasq as DHCP and DNS server, Linux peers,
the user-space impairment relay, and a console driver that talks to a
KPIO command prompt (the host-process stack here; QEMU's serial console in the
system tests). Every process is started here and ended by its PID; the
namespace is deleted at the end. No packet leaves the machine: the namespace
has no route out."""
import json
import os
import queue
import re
import shutil
import subprocess
import tempfile
import threading
import time

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "../.."))
BUILD = os.path.join(REPO, "build", "host", "net")
PEER = os.path.join(REPO, "tests", "net", "peer.py")
PYTHON = "/usr/bin/python3"

LINUX_ADDR = "10.77.0.1"
IMAGE = os.path.join(REPO, "build", "kpio.img")
QEMU_RUNNER = os.path.join(REPO, "tools", "kpio-qemu")
ANSI = re.compile(r"\x1b\[[0-9;=?]*[A-Za-z]")
PANIC = re.compile(r"KERNEL (PANIC|EXCEPTION)")
DOMAIN = "kpio.test"


def run(cmd, check=True, timeout=30):
    return subprocess.run(cmd, check=check, timeout=timeout, capture_output=True, text=True)


class Lab:
    """A namespace holding tap0 = 10.77.0.1/24, with dnsmasq serving DHCP
    (10.77.0.50-99) and DNS for kpio.test on it."""

    counter = 0

    def __init__(self, t1=None, t2=None):
        Lab.counter += 1
        self.ns = f"kpio-net-{os.getpid()}-{Lab.counter}"
        self.tmp = tempfile.mkdtemp(prefix="kpio-net-")
        self.procs = []
        run(["ip", "netns", "add", self.ns])
        try:
            self.sh("ip", "link", "set", "lo", "up")
            self.sh("ip", "tuntap", "add", "tap0", "mode", "tap")
            self.sh("ip", "link", "set", "tap0", "up")
            self.sh("ip", "addr", "add", f"{LINUX_ADDR}/24", "dev", "tap0")
            self.start_dnsmasq(t1, t2)
        except Exception:
            self.close()
            raise

    def add_tap(self, name, cidr):
        """A second link (tap device) in the namespace with the host side at cidr."""
        self.sh("ip", "tuntap", "add", name, "mode", "tap")
        self.sh("ip", "link", "set", name, "up")
        self.sh("ip", "addr", "add", cidr, "dev", name)

    def sh(self, *cmd, check=True, timeout=30):
        return run(["ip", "netns", "exec", self.ns, *cmd], check=check, timeout=timeout)

    def spawn(self, *cmd, stdin=None, stdout=subprocess.PIPE, stderr=subprocess.STDOUT):
        p = subprocess.Popen(["ip", "netns", "exec", self.ns, *cmd], stdin=stdin, stdout=stdout,
                             stderr=stderr, text=True, bufsize=1, errors="replace")
        self.procs.append(p)
        return p

    def start_dnsmasq(self, t1, t2):
        args = [
            "dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--interface=tap0", "--bind-interfaces",
            "--no-resolv", "--no-hosts", "--no-ping", f"--local=/{DOMAIN}/",
            f"--dhcp-leasefile={self.tmp}/leases", "--pid-file=",
            "--dhcp-range=10.77.0.50,10.77.0.99,255.255.255.0,2m",
            f"--dhcp-option=option:router,{LINUX_ADDR}", f"--dhcp-option=option:dns-server,{LINUX_ADDR}",
            f"--host-record=server.{DOMAIN},{LINUX_ADDR}", f"--cname=www.{DOMAIN},server.{DOMAIN}",
            f"--cname=alias.{DOMAIN},www.{DOMAIN}", f"--log-facility={self.tmp}/dnsmasq.log",
            "--log-dhcp", "--log-queries", "--local-ttl=60",
        ]
        # A name with more addresses than a 512-byte UDP answer holds (TC=1).
        args += [f"--host-record=big.{DOMAIN},10.77.1.{i}" for i in range(1, 41)]
        if t1:
            args.append(f"--dhcp-option=option:T1,{t1}")
        if t2:
            args.append(f"--dhcp-option=option:T2,{t2}")
        self.dnsmasq = self.spawn(*args)
        deadline = time.time() + 10
        while time.time() < deadline:
            if ":53 " in self.sh("ss", "-lun", check=False).stdout:
                return
            time.sleep(0.1)
        raise RuntimeError("dnsmasq did not start")

    def dnsmasq_log(self):
        try:
            with open(os.path.join(self.tmp, "dnsmasq.log")) as f:
                return f.read()
        except OSError:
            return ""

    def peer(self, *args):
        """Starts peer.py in the namespace and waits for READY."""
        p = self.spawn(PYTHON, PEER, *[str(a) for a in args])
        line = p.stdout.readline()
        if "READY" not in line:
            raise RuntimeError(f"peer {args} failed: {line}{p.stdout.read() if p.poll() is not None else ''}")
        return p

    @staticmethod
    def peer_result(p, timeout=300):
        out, _ = p.communicate(timeout=timeout)
        lines = [l for l in out.splitlines() if l.startswith("{")]
        if not lines:
            raise RuntimeError(f"peer gave no result: {out}")
        return json.loads(lines[-1])

    def impair(self, lport, rport, loss=0, dup=0, reorder=0, delay=0, seed=1, block_unicast_udp=0):
        p = self.spawn(os.path.join(BUILD, "kpio-impair"), "--tap", "tap0", "--udp", f"{lport}:{rport}",
                       "--loss", str(loss), "--dup", str(dup), "--reorder", str(reorder),
                       "--delay", str(delay), "--seed", str(seed),
                       "--block-unicast-udp", str(block_unicast_udp))
        line = p.stdout.readline()
        if "ready" not in line:
            raise RuntimeError(f"impairment relay failed: {line}")
        return p

    def stop(self, p):
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def close(self):
        for p in reversed(self.procs):
            self.stop(p)
        run(["ip", "netns", "del", self.ns], check=False)
        shutil.rmtree(self.tmp, ignore_errors=True)


class Console:
    """Drives a KPIO prompt: send a command line, collect its output up to the
    next prompt. Works on any process whose stdout carries the console."""

    def __init__(self, proc, prompt, name="kpio", eol="\n", log=None):
        self.proc = proc
        self.prompt = prompt
        self.name = name
        self.eol = eol
        self.log = open(log, "w") if log else None
        self.lines = queue.Queue()
        self.transcript = []
        self.buf = ""
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        while True:
            ch = self.proc.stdout.read(1)
            if not ch:
                self.lines.put(None)
                return
            self.lines.put(ch)

    def expect(self, pattern, timeout):
        """Reads until the regex matches the collected text; returns the text."""
        deadline = time.time() + timeout
        rx = re.compile(pattern)
        while True:
            m = rx.search(self.buf)
            if m:
                text, self.buf = self.buf[:m.end()], self.buf[m.end():]
                self.transcript.append(text)
                return text
            left = deadline - time.time()
            if left <= 0:
                raise TimeoutError(f"{self.name}: no {pattern!r} within {timeout}s; got:\n{self.buf[-3000:]}")
            try:
                ch = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if ch is None:
                raise EOFError(f"{self.name} exited; last output:\n{self.buf[-3000:]}")
            if self.log:
                self.log.write(ch)
                self.log.flush()
            if ch == "\r":
                continue
            self.buf += ch
            if "\x1b" in self.buf[-16:]:
                self.buf = ANSI.sub("", self.buf)
            if PANIC.search(self.buf[-200:]):
                raise RuntimeError(f"{self.name}: kernel panic:\n{self.buf[-3000:]}")

    def send(self, line):
        """Types a command without waiting for it to finish."""
        self.proc.stdin.write(line + self.eol)
        self.proc.stdin.flush()

    def wait(self, timeout=60):
        """The output of the running command, once the prompt is back."""
        text = self.expect(re.escape(self.prompt), timeout)
        return text[: -len(self.prompt)]

    def cmd(self, line, timeout=60):
        self.send(line)
        return self.wait(timeout)


def parse_transfer(text):
    """'received|sent N bytes ... sha256 H' from the tcp commands."""
    m = re.search(r"(received|sent) (\d+) bytes in [\d.]+ s \(([\d.]+) Mbit/s\) sha256 ([0-9a-f]{64})", text)
    if not m:
        raise AssertionError(f"no transfer report in:\n{text}")
    return {"bytes": int(m.group(2)), "mbit": float(m.group(3)), "sha256": m.group(4)}


def boot_kpio(lab, nic=None, cmdline=None, timeout=600, extra=(), log=None, tap="tap0"):
    """Boots build/kpio.img in QEMU inside the lab's namespace (tools/kpio-qemu,
    hard timeout) with a virtio-net NIC on tap0 (or `nic`: extra QEMU
    arguments); returns a Console on its serial monitor ("kpio> ")."""
    cmd = [QEMU_RUNNER, "--smp", "2", "--mem", "1G", "--timeout", str(timeout)]
    # the kernel monitor on the console, not the shell (kernel/app)
    cmd += ["--cmdline", f"{cmdline} init=monitor" if cmdline else "init=monitor"]
    if nic is None:
        cmd += ["--nic", f"tap,ifname={tap}"]
    else:
        for a in nic:
            cmd += [f"--qemu-arg={a}"]
    cmd += list(extra) + [IMAGE]
    p = lab.spawn(*cmd, stdin=subprocess.PIPE)
    c = Console(p, "kpio> ", name="kpio-qemu", eol="\r", log=log)
    c.expect("kpio> ", 120)
    return c


def dgram_nic(lport, rport):
    """QEMU arguments for a virtio-net NIC whose frames go to a UDP socket on
    127.0.0.1 (the impairment relay's other end)."""
    return ["-netdev", f"dgram,id=n0,local.type=inet,local.host=127.0.0.1,local.port={lport},"
                       f"remote.type=inet,remote.host=127.0.0.1,remote.port={rport}",
            "-device", "virtio-net-pci,netdev=n0"]


def mem_counters(console):
    """`netstat -m` as a dict of ints."""
    out = console.cmd("netstat -m")
    m = re.search(r"netbufs (-?\d+) heap-objects (\d+) frames-free (\d+) tcp (\d+) listen (\d+) "
                  r"half-open (\d+) time-wait (\d+) udp (\d+) sockets (\d+)", out)
    if not m:
        raise AssertionError(f"no counters in: {out}")
    keys = ["netbufs", "heap", "frames_free", "tcp", "listen", "half_open", "time_wait", "udp", "sockets"]
    return dict(zip(keys, map(int, m.groups())))


# ---- scenarios shared by the host-process and QEMU suites ----
# Each drives a KPIO console `c` (whose address is `addr`) against the lab's
# Linux side and asserts what must hold.

def check_ping_both_ways(lab, c, addr, big):
    """Ping Linux from KPIO and KPIO from Linux, also with `big` payloads
    (fragmented, reassembled on the other side)."""
    out = c.cmd(f"ping -c 3 -i 200 {LINUX_ADDR}", 30)
    assert "3 packets transmitted, 3 received, 0% packet loss" in out, out
    r = lab.sh("ping", "-c", "3", "-i", "0.2", "-W", "2", addr, check=False)
    assert r.returncode == 0 and " 0% packet loss" in r.stdout, r.stdout
    r = lab.sh("ping", "-c", "2", "-s", str(big), "-W", "2", addr, check=False)
    assert r.returncode == 0 and f"{big + 8} bytes from" in r.stdout, r.stdout


def check_dns_names(lab, c):
    """Names from dnsmasq: a host record, a chain of aliases, a missing name."""
    assert "server.kpio.test has address 10.77.0.1" in c.cmd("host server.kpio.test")
    assert "alias.kpio.test has address 10.77.0.1" in c.cmd("host alias.kpio.test")
    out = c.cmd("host missing.kpio.test")
    assert "Host missing.kpio.test not found" in out, out
    log = lab.dnsmasq_log()
    assert "query[A] server.kpio.test" in log and "query[A] missing.kpio.test" in log
    # Too big for UDP: the answer comes truncated, and again over TCP.
    out = c.cmd("host big.kpio.test", 60)
    assert len(re.findall(r"big\.kpio\.test has address 10\.77\.1\.\d+", out)) == 8, out
    assert lab.dnsmasq_log().count("query[A] big.kpio.test") >= 2


def check_transfers(lab, c, nbytes, timeout, server=LINUX_ADDR):
    """KPIO downloads then uploads nbytes; SHA-256 compared at both ends.
    Returns the two reports."""
    src = lab.peer("source", 5001, nbytes)
    got = parse_transfer(c.cmd(f"tcp recv {LINUX_ADDR} 5001", timeout))
    want = Lab.peer_result(src)
    assert got["bytes"] == want["bytes"] == nbytes
    assert got["sha256"] == want["sha256"]
    sink = lab.peer("sink", 5002)
    sent = parse_transfer(c.cmd(f"tcp send {server} 5002 {nbytes}", timeout))
    seen = Lab.peer_result(sink)
    assert sent["bytes"] == seen["bytes"] == nbytes
    assert sent["sha256"] == seen["sha256"]
    return got, sent


def check_passive_opens(lab, c, addr, nbytes, timeout):
    """Linux connects to KPIO and uploads, then downloads."""
    c.send("tcp sink 7001")
    c.expect("listening on port 7001", 30)
    client = lab.peer("send", addr, 7001, nbytes)
    got = parse_transfer(c.wait(timeout))
    assert got["sha256"] == Lab.peer_result(client)["sha256"]
    c.send(f"tcp source 7002 {nbytes}")
    c.expect("listening on port 7002", 30)
    client = lab.peer("recv", addr, 7002)
    sent = parse_transfer(c.wait(timeout))
    seen = Lab.peer_result(client)
    assert seen["bytes"] == nbytes and seen["sha256"] == sent["sha256"]


def check_http_get(lab, c, www, timeout, out_dir=None, read_back=None):
    """HTTP/1.1 GET of a file by name (body hashed), of a text to the
    console, and of a missing page, from peer.py's file server on www; with
    out_dir, the big file is also written to out_dir/blob.bin on KPIO's side
    and read_back(path) must return its bytes (or, for a text file, its text)."""
    import hashlib
    blob = os.urandom(3 * 1024 * 1024 + 12345)
    os.makedirs(www, exist_ok=True)
    with open(os.path.join(www, "blob.bin"), "wb") as f:
        f.write(blob)
    with open(os.path.join(www, "hello.txt"), "w") as f:
        f.write("Hello from Linux\n")
    os.chmod(os.path.dirname(www), 0o755)
    lab.peer("http", 8080, www)
    out = c.cmd("http get -s http://server.kpio.test:8080/blob.bin", timeout)
    assert f"status 200, {len(blob)} bytes" in out, out
    assert hashlib.sha256(blob).hexdigest() in out, out
    assert "Hello from Linux" in c.cmd(f"http get http://{LINUX_ADDR}:8080/hello.txt", 60)
    assert "status 404" in c.cmd("http get -s http://server.kpio.test:8080/nothing-here", 60)
    if out_dir:
        out = c.cmd(f"http get -o {out_dir}/hello.txt http://server.kpio.test:8080/hello.txt", 60)
        assert "status 200, 17 bytes" in out, out
        assert "Hello from Linux" in read_back(f"{out_dir}/hello.txt")
        out = c.cmd(f"http get -o {out_dir}/blob.bin http://server.kpio.test:8080/blob.bin", timeout)
        assert f"status 200, {len(blob)} bytes" in out and hashlib.sha256(blob).hexdigest() in out, out
        written = read_back(f"{out_dir}/blob.bin")
        if isinstance(written, bytes):
            assert written == blob
        else:
            assert str(len(blob)) in written, written        # a listing with its size


def check_connections(lab, c, n, size, timeout):
    """n connections at once to an echo server, each checking its echo."""
    lab.peer("echo", 5003)
    out = c.cmd(f"tcp conns {LINUX_ADDR} 5003 {n} {size}", timeout)
    assert f"conns: {n} ok, 0 failed" in out, out


def check_impaired_session(lab, c, relay, nbytes, timeout):
    """Over the impairment relay: ping, transfers both ways, 20 connections,
    a DNS name; retransmissions happened and the relay really lost and
    duplicated frames."""
    out = c.cmd(f"ping -c 10 -i 100 -W 1000 {LINUX_ADDR}", 60)
    assert re.search(r"10 packets transmitted, [1-9]\d* received", out), out
    check_transfers(lab, c, nbytes, timeout)
    check_connections(lab, c, 20, "16K", timeout)
    assert "server.kpio.test has address" in c.cmd("host server.kpio.test", 60)
    stats = c.cmd("netstat -s")
    assert int(re.search(r"retransmitted\s+(\d+)", stats).group(1)) > 0, stats
    lab.stop(relay)
    counters = relay.stdout.read()
    assert re.search(r"lost [1-9]", counters) and re.search(r"duplicated [1-9]", counters), counters


def qmp_command(path, command, **arguments):
    """One QMP command on QEMU's monitor socket (kpio-qemu --qmp PATH)."""
    import json
    import socket
    deadline = time.time() + 30
    while True:
        try:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(path)
            break
        except OSError:
            sock.close()
            if time.time() > deadline:
                raise
            time.sleep(0.2)
    with sock, sock.makefile("rw") as f:
        json.loads(f.readline())                       # greeting
        for cmd in ({"execute": "qmp_capabilities"}, {"execute": command, "arguments": arguments}):
            f.write(json.dumps(cmd) + "\n")
            f.flush()
            while True:
                reply = json.loads(f.readline())
                if "event" not in reply:
                    break
            if "error" in reply:
                raise RuntimeError(f"QMP {cmd}: {reply['error']}")
        return reply
