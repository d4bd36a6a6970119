"""Packages run with exactly their manifest's permissions (build/host/kpio-app:
the checks of lib/pkg, then kpio_spawn_child as KPIO's `app run` uses it):
no filesystem permission, no directories; read-only, no writes; no network
permission, no sockets. A damaged package does not run at all."""
import http.server
import os
import shutil
import subprocess
import threading

import pytest

from conftest import BIN, ROOT

KPIO_APP = os.path.join(ROOT, "build", "host", "kpio-app")
KPIO_PKG = os.path.join(ROOT, "tools", "kpio-pkg")

pytestmark = pytest.mark.skipif(not os.access(KPIO_APP, os.X_OK),
                                reason="needs build/host/kpio-app (the runtime)")


def package(tmp_path, tool, filesystem="none", paths=(), network=False):
    """A package whose entry is one of the core utilities."""
    folder = tmp_path / f"pkg-{tool}-{filesystem}-{network}"
    folder.mkdir()
    shutil.copy(os.path.join(BIN, tool + ".wasm"), folder / (tool + ".wasm"))
    perms = [f'filesystem = "{filesystem}"', f"network = {str(network).lower()}"]
    if paths:
        perms.append("paths = [" + ", ".join(f'"{p}"' for p in paths) + "]")
    (folder / "manifest.toml").write_text(
        f'id = "org.kpio.test.{tool}"\nname = "{tool}"\nversion = "1.0.0"\n'
        f'entry = "{tool}.wasm"\n\n[permissions]\n' + "\n".join(perms) + "\n")
    out = str(tmp_path / f"{folder.name}.kpioapp")
    subprocess.run([KPIO_PKG, "build", str(folder), "-o", out], check=True, capture_output=True)
    return out


def run_app(tmp_path, pkg, *args):
    root = tmp_path / "root"
    root.mkdir(exist_ok=True)
    return subprocess.run([KPIO_APP, "run", "--root", str(root), pkg, *args],
                          capture_output=True, timeout=30)


def test_no_filesystem_permission(tmp_path):
    r = run_app(tmp_path, package(tmp_path, "ls"), "/")
    assert r.returncode == 2 and b"cannot" in r.stderr
    assert r.stdout == b""


def test_read_only(tmp_path):
    (tmp_path / "root" / "data").mkdir(parents=True)
    (tmp_path / "root" / "data" / "note.txt").write_text("readable\n")
    cat = package(tmp_path, "cat", "read-only", ["/data"])
    r = run_app(tmp_path, cat, "/data/note.txt")
    assert r.returncode == 0 and r.stdout == b"readable\n"
    touch = package(tmp_path, "touch", "read-only", ["/data"])
    r = run_app(tmp_path, touch, "/data/new.txt")
    assert r.returncode == 1 and b"/data/new.txt" in r.stderr
    assert not (tmp_path / "root" / "data" / "new.txt").exists()
    rm = package(tmp_path, "rm", "read-only", ["/data"])
    r = run_app(tmp_path, rm, "/data/note.txt")
    assert r.returncode == 1 and (tmp_path / "root" / "data" / "note.txt").exists()
    # and nothing outside its paths, even by climbing
    r = run_app(tmp_path, cat, "/data/../../etc/passwd")
    assert r.returncode == 1 and b"root:" not in r.stdout


def test_read_write(tmp_path):
    touch = package(tmp_path, "touch", "read-write", ["/data/app"])
    r = run_app(tmp_path, touch, "/data/app/new.txt")
    assert r.returncode == 0
    assert (tmp_path / "root" / "data" / "app" / "new.txt").exists()
    r = run_app(tmp_path, touch, "/data/other.txt")   # outside its path
    assert r.returncode == 1 and not (tmp_path / "root" / "data" / "other.txt").exists()


class Hello(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "6")
        self.end_headers()
        self.wfile.write(b"hello\n")


def test_network_permission(tmp_path):
    httpd = http.server.HTTPServer(("127.0.0.1", 0), Hello)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    try:
        denied = run_app(tmp_path, package(tmp_path, "fetch", network=False), url)
        assert denied.returncode == 1 and b"Permission denied" in denied.stderr
        allowed = run_app(tmp_path, package(tmp_path, "fetch", network=True), url)
        assert allowed.returncode == 0 and allowed.stdout == b"hello\n"
    finally:
        httpd.shutdown()


def test_damaged_package_does_not_run(tmp_path):
    pkg = package(tmp_path, "touch", "read-write", ["/data"])
    data = bytearray(open(pkg, "rb").read())
    data[len(data) // 2] ^= 0xFF
    bad = tmp_path / "bad.kpioapp"
    bad.write_bytes(bytes(data))
    r = run_app(tmp_path, str(bad), "/data/should-not-exist")
    assert r.returncode == 1 and r.stderr.startswith(b"kpio-app: ")
    assert not (tmp_path / "root" / "data" / "should-not-exist").exists()
