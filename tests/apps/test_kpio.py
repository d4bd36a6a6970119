"""The kpio host API through the real kpio-wasm (runtime, WASI layer, kpio
layer, Linux backend): the API checks of tests/apps/src/kpio_api.c, and
the utilities built on it: uname, ps, kill, df, env COMMAND and fetch
(against an HTTP server on 127.0.0.1)."""
import http.server
import subprocess
import os
import platform
import random
import socket
import threading

import pytest

from conftest import needs_kpio

pytestmark = needs_kpio()

TESTS_DIR = "/tests"


def test_kpio_api(apps):
    r = apps.run(os.path.join(os.path.dirname(__file__), "..", "..", "build", "wasm", "tests",
                              "kpio_api.wasm"), "/tests/hostile.wasm", timeout=60)
    out = r.stdout.decode()
    failures = [line for line in out.splitlines() if line.startswith("FAIL")]
    assert not failures, "\n".join(failures)
    assert r.returncode == 0 and "0 failures" in out
    assert out.count("\nok ") >= 50


def test_kpio_api_without_network(apps):
    module = os.path.join(os.path.dirname(__file__), "..", "..", "build", "wasm", "tests",
                          "kpio_api.wasm")
    r = apps.run(module, "--nonet", options=["--net", "none"])
    assert r.returncode == 0, r.stdout.decode()
    assert r.stdout.decode().count("ok ") == 2


def test_uname(apps):
    u = os.uname()
    assert apps.run("uname").stdout == b"KPIO\n"
    assert apps.run("uname", "-m").stdout.decode().strip() == platform.machine()
    assert apps.run("uname", "-n").stdout.decode().strip() == u.nodename
    fields = apps.run("uname", "-a").stdout.decode().split()
    assert fields[0] == "KPIO" and fields[1] == u.nodename and fields[-1] == platform.machine()
    assert apps.run("uname", "-sm").stdout.decode() == f"KPIO {platform.machine()}\n"
    bad = apps.run("uname", "-x")
    assert bad.returncode == 1 and b"usage" in bad.stderr


def test_ps_and_kill(apps):
    r = apps.sh("sleep 5 & ps; kill $!; wait $!; echo status $?")
    lines = r.stdout.decode().splitlines()
    assert lines[0].split() == ["PID", "PPID", "S", "TIME", "MEM", "NAME"]
    rows = [line.split() for line in lines[1:-1]]
    by_name = {row[-1]: row for row in rows}
    assert by_name["sh.wasm"][:2] == ["1", "0"]
    assert by_name["sleep"][1] == "1" and by_name["sleep"][2] == "R"
    assert by_name["ps"][1] == "1"
    assert lines[-1] == "status 137"


def test_kill_errors(apps):
    r = apps.run("kill", "999999")
    assert r.returncode == 1 and b"No such process" in r.stderr
    r = apps.run("kill", "abc")
    assert r.returncode == 1 and b"invalid process id" in r.stderr
    assert apps.run("kill").returncode == 1


def test_df(apps):
    r = apps.run("df")
    lines = r.stdout.decode().splitlines()
    assert lines[0].split()[:2] == ["Type", "1K-blocks"]
    root = [line.split() for line in lines[1:] if line.split()[5] == "/"]
    assert len(root) == 1
    st = os.statvfs(apps.root)
    assert int(root[0][1]) == (st.f_blocks * st.f_frsize + 1023) // 1024
    mounts = sorted(line.split()[5] for line in lines[1:])
    assert mounts == ["/", "/bin", "/tests"]
    human = apps.run("df", "-h").stdout.decode().splitlines()
    assert human[0].split()[1] == "Size" and human[1].split()[1][-1] in "KMGTP"


def test_env_runs_commands(apps):
    r = apps.run("env", "FOO=bar", "/bin/env", env={"KEEP": "1"})
    lines = r.stdout.decode().splitlines()
    assert "FOO=bar" in lines and "KEEP=1" in lines
    assert apps.run("env", "-i", "env").stdout == b""
    r = apps.run("env", "-i", "A=1", "B=2", "env")
    assert sorted(r.stdout.decode().split()) == ["A=1", "B=2"]
    r = apps.sh("env nosuch; echo $?")
    assert r.stdout == b"127\n" and b"'nosuch'" in r.stderr
    r = apps.run("env", "sh", "-c", "exit 3")
    assert r.returncode == 3


# ---- fetch, against a local HTTP server ----

BIG = bytes(random.Random(5).getrandbits(8) for _ in range(300_000))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_body(self, body, status=200, headers=()):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = self.path
        if path == "/hello":
            self.send_body(b"hello from the host\n", headers=[("X-Test", "yes")])
        elif path == "/query?a=1&b=2":
            self.send_body(b"query ok\n")
        elif path == "/big":
            self.send_body(BIG)
        elif path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"first ", b"second ", b"x" * 5000, b"\nend\n"):
                self.wfile.write(b"%x;ext=1\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\nTrailer: t\r\n\r\n")
        elif path == "/close":
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"until the connection closes\n")
            self.close_connection = True
        elif path == "/redirect":
            self.send_body(b"", 302, [("Location", "/hello")])
        elif path == "/relative/here":
            self.send_body(b"", 301, [("Location", "there")])
        elif path == "/relative/there":
            self.send_body(b"relative redirect ok\n")
        elif path == "/loop":
            self.send_body(b"", 307, [("Location", "/loop")])
        elif path == "/short":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"only a little")
            self.close_connection = True
        else:
            self.send_body(b"no such page\n", 404)


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.mark.parametrize("path,body", [
    ("/hello", b"hello from the host\n"),
    ("/query?a=1&b=2", b"query ok\n"),
    ("/chunked", b"first second " + b"x" * 5000 + b"\nend\n"),
    ("/close", b"until the connection closes\n"),
    ("/redirect", b"hello from the host\n"),
    ("/relative/here", b"relative redirect ok\n"),
])
def test_fetch_to_stdout(apps, server, path, body):
    r = apps.run("fetch", server + path)
    assert r.returncode == 0, r.stderr
    assert r.stdout == body


def test_fetch_to_file(apps, server):
    r = apps.run("fetch", "-o", "page.bin", server + "/big")
    assert r.returncode == 0, r.stderr
    assert apps.read("page.bin") == BIG
    assert not os.path.exists(apps.path("page.bin.part"))
    r = apps.run("fetch", "-o", "/data/x.html", server.replace("127.0.0.1", "localhost") + "/hello")
    assert r.returncode == 1   # no /data directory: nothing written
    os.makedirs(apps.path("data"))
    r = apps.run("fetch", "-o", "/data/x.html", server.replace("127.0.0.1", "localhost") + "/hello")
    assert r.returncode == 0 and apps.read("data/x.html") == b"hello from the host\n"


def test_fetch_verbose(apps, server):
    r = apps.run("fetch", "-v", server + "/redirect")
    err = r.stderr.decode()
    assert "HTTP/1.1 302 Found" in err and "redirected to" in err and "X-Test: yes" in err


@pytest.mark.parametrize("url,message", [
    ("/missing", "HTTP 404 Not Found"),
    ("/loop", "too many redirects"),
    ("/short", "connection closed before the end of the body"),
])
def test_fetch_http_errors(apps, server, url, message):
    r = apps.run("fetch", "-o", "out.txt", server + url)
    assert r.returncode == 1 and message in r.stderr.decode(), r.stderr
    assert not os.path.exists(apps.path("out.txt"))
    assert not os.path.exists(apps.path("out.txt.part"))


def test_fetch_bad_urls_and_hosts(apps):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    cases = [
        (f"http://127.0.0.1:{closed_port}/", "Connection refused"),
        ("https://example.org/", "https is not supported"),
        ("ftp://example.org/", "not an http:// URL"),
        ("http://:80/", "bad host name"),
        ("http://127.0.0.1:99999/", "bad port"),
        ("http://no.such.host.invalid/", "Name does not resolve"),
        ("http://10.255.255.1/", "Permission denied"),   # only loopback from tests
    ]
    for url, message in cases:
        r = apps.run("fetch", url)
        assert r.returncode == 1 and message in r.stderr.decode(), (url, r.stderr)


def test_fetch_malformed_response_and_timeout(apps):
    """A server that answers garbage, and one that never answers."""
    def serve(sock, reply):
        conn, _ = sock.accept()
        conn.recv(4096)
        if reply is not None:
            conn.sendall(reply)
            conn.close()
        else:
            threading.Event().wait(5)
            conn.close()

    for reply, message in [(b"SSH-2.0-not-http\r\n\r\n", "not HTTP/1.x"),
                           (b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "malformed header"),
                           (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "bad chunk size"),
                           (None, "timed out")]:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen(1)
            t = threading.Thread(target=serve, args=(s, reply), daemon=True)
            t.start()
            r = apps.run("fetch", "-t", "1", f"http://127.0.0.1:{s.getsockname()[1]}/")
            assert r.returncode == 1 and message in r.stderr.decode(), (reply, r.stderr)


def _fds_and_rss(pid):
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    with open(f"/proc/{pid}/status") as f:
        rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    return fds, rss


def test_hostile_churn_releases_everything(apps):
    """Every way a program can die, 30 rounds: each ends with the right
    status, and the host process holds no more descriptors after than
    before (files, pipes and sockets of the dead were closed)."""
    module = os.path.join(os.path.dirname(__file__), "..", "..", "build", "wasm", "tests", "churn.wasm")
    cmd = apps.command(module, ["/tests/hostile.wasm", "30"])
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert p.stdout.readline() == b"ready\n"
        fds_before, rss_before = _fds_and_rss(p.pid)
        p.stdin.write(b"\n")
        p.stdin.flush()
        summary = p.stdout.readline().decode()
        fails = []
        while not summary[0].isdigit():
            fails.append(summary)
            summary = p.stdout.readline().decode()
        assert p.stdout.readline() == b"done\n"
        fds_after, rss_after = _fds_and_rss(p.pid)
        p.stdin.write(b"\n")
        p.stdin.flush()
        assert p.wait(timeout=30) == 0, fails
    finally:
        p.kill()
        p.wait()
    assert summary.strip() == "300 runs, 0 bad, 1 processes left", (summary, fails)
    assert fds_after == fds_before
    # memory: the sanitizer build keeps freed memory in quarantine (and
    # reports real leaks itself when the process exits, failing the wait)
    if not os.environ.get("KPIO_WASM", "").endswith("-san"):
        assert rss_after - rss_before < 8 * 1024, (rss_before, rss_after)
