"""The two example apps of docs/apps.md: notes (files) and httpd (sockets),
run as a user would, and their packages checked with kpio-pkgcheck."""
import os
import re
import socket
import subprocess
import urllib.error
import urllib.request

import pytest

from conftest import ROOT, Runner, needs_kpio

EXAMPLES = os.path.join(ROOT, "build", "wasm", "examples")
CHECK = os.path.join(ROOT, "build", "host", "kpio-pkgcheck")


def example(name):
    return os.path.join(EXAMPLES, name, "pkg", name + ".wasm")


def test_notes(apps):
    os.makedirs(apps.path("data"))
    notes = example("notes")
    assert apps.run(notes, "add", "buy", "milk").stdout == b"note 1 added\n"
    assert apps.run(notes, "add", "Boot KPIO in QEMU").stdout == b"note 2 added\n"
    assert apps.run(notes, "add", "write the app guide").stdout == b"note 3 added\n"
    listing = apps.run(notes, "list").stdout.decode().splitlines()
    assert [re.sub(r"^ *\d+  \S+ \S+  ", "", line) for line in listing] == [
        "buy milk", "Boot KPIO in QEMU", "write the app guide"]
    assert re.match(r"  1  \d{4}-\d\d-\d\d \d\d:\d\d  buy milk", listing[0])
    found = apps.run(notes, "search", "kpio")
    assert found.returncode == 0 and found.stdout.decode().endswith("Boot KPIO in QEMU\n")
    assert apps.run(notes, "search", "nothing").returncode == 1
    assert apps.run(notes, "delete", "1").stdout == b"note 1 deleted\n"
    assert apps.run(notes, "delete", "9").returncode == 1
    stored = apps.read("data/notes/notes.txt").decode().splitlines()
    assert [line.split("\t")[1] for line in stored] == ["Boot KPIO in QEMU", "write the app guide"]
    bad = apps.run(notes, "add", "two\nlines")
    assert bad.returncode == 2 and b"one line" in bad.stderr
    assert apps.run(notes).returncode == 2


@needs_kpio()
def test_httpd(apps):
    apps.write("data/www/index.html", "<h1>Hello from KPIO</h1>\n")
    apps.write("data/www/docs/a.txt", "plain text\n" * 1000)
    requests = 7
    cmd = apps.command(example("httpd"), ["-p", "0", "-n", str(requests)])
    server = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = server.stdout.readline().decode()
        port = int(re.search(r"127\.0\.0\.1:(\d+)/", line).group(1))
        base = f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(base + "/") as r:                          # 1
            assert r.status == 200 and r.read() == b"<h1>Hello from KPIO</h1>\n"
            assert r.headers["Content-Type"].startswith("text/html")
        with urllib.request.urlopen(base + "/docs/a.txt?x=1") as r:            # 2
            assert r.read() == b"plain text\n" * 1000
        req = urllib.request.Request(base + "/docs/a.txt", method="HEAD")      # 3
        with urllib.request.urlopen(req) as r:
            assert r.headers["Content-Length"] == "11000" and r.read() == b""
        with pytest.raises(urllib.error.HTTPError) as e:                       # 4
            urllib.request.urlopen(base + "/missing.html")
        assert e.value.code == 404
        with socket.create_connection(("127.0.0.1", port)) as s:              # 5
            s.sendall(b"GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n")
            assert s.recv(100).startswith(b"HTTP/1.1 403")
        with socket.create_connection(("127.0.0.1", port)) as s:              # 6
            s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\n\r\n")
            assert s.recv(100).startswith(b"HTTP/1.1 405")
        # KPIO's own fetch, talking to KPIO's own server                       # 7
        r = apps.run("fetch", base + "/docs/a.txt")
        assert r.returncode == 0 and r.stdout == b"plain text\n" * 1000
        assert server.wait(timeout=10) == 0
    finally:
        server.kill()
        server.wait()


@pytest.mark.parametrize("name,expected", [
    ("notes", ["id: org.kpio.examples.notes", "filesystem: read-write", "path: /data/notes",
               "network: false"]),
    ("httpd", ["id: org.kpio.examples.httpd", "filesystem: read-only", "path: /data/www",
               "network: true"]),
])
def test_example_packages(name, expected):
    r = subprocess.run([CHECK, "check", os.path.join(EXAMPLES, name + ".kpioapp")],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    for line in expected:
        assert line in lines
    assert any(line.startswith(f"file: {name}.wasm ") for line in lines)
