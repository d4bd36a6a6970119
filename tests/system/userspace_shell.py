"""tests/system/userspace_shell.py — KPIO's WebAssembly shell at the console,
driven like a user over the serial line, in one boot (and one reboot):

  - pipelines, redirections, $?, && and ||, cd, variables;
  - files on the FAT32 data partition both ways: files the host wrote with
    mtools read back in KPIO, files KPIO wrote read back on the host after
    a clean power-off, with fsck.fat -n clean;
  - fetch downloads a page from an HTTP server on the host over the real
    network path (virtio-net, KPIO's TCP/IP, QEMU user networking with
    restrict=on, a guestfwd to 127.0.0.1) and saves it to /data; after a
    reboot (the same disk) KPIO reads it back with the right SHA-256.

The disk is a private copy (tools/kpio-qemu --keep leaves its own copy for
the host's checks after power-off; the test removes it).
"""
import hashlib
import http.server
import os
import random
import re
import shutil
import subprocess
import threading

import pytest

from shell import DiskImage, Shell

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = "KPIO-DATA"

rng = random.Random(6)
WORDS = [("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(1, 9))))
         for _ in range(3000)]
WORDS_TEXT = "".join(w + "\n" for w in WORDS).encode()
BLOB = bytes(rng.getrandbits(8) for _ in range(200 * 1024))
PAGE = bytes(rng.getrandbits(8) for _ in range(600 * 1024))


def sha(data):
    return hashlib.sha256(data).hexdigest()


class Page(http.server.BaseHTTPRequestHandler):
    """The host-side server: /page.bin is PAGE, anything else 404."""

    def do_GET(self):
        if self.path == "/page.bin":
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(PAGE)))
            self.end_headers()
            self.wfile.write(PAGE)
        else:
            self.send_error(404)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    work = tmp_path_factory.mktemp("shell")
    disk = DiskImage(work)
    disk.mkdir(DATA, "/in")
    disk.put(DATA, "/in/words.txt", WORDS_TEXT)
    disk.put(DATA, "/in/blob.bin", BLOB)
    disk.put(DATA, "/in/readme.txt", b"remove me\n")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    nic = f"user,guestfwd=tcp:10.0.2.100:80-cmd:socat STDIO TCP:127.0.0.1:{port}"
    sh = Shell(image=disk.path, extra=["--allow-reboot", "--keep", "--nic", nic],
               name="userspace_shell", settle=r"DHCP lease")
    state = {"sh": sh, "keep": None}
    yield state
    sh.close()
    server.shutdown()
    m = re.search(r"kpio-qemu: work directory (\S+)", sh.guest.output)
    if m:
        shutil.rmtree(m.group(1), ignore_errors=True)


def test_pipelines(env):
    sh = env["sh"]
    assert sh.ok("echo hello world | wc -w").split() == ["2"]
    unique = len(set(WORDS))
    assert sh.ok("cat /data/in/words.txt | sort | uniq | wc -l").split() == [str(unique)]
    with_e = sum(1 for w in WORDS if "e" in w)
    assert sh.ok("grep -c e /data/in/words.txt").split() == [str(with_e)]
    programs = sorted(n for n in os.listdir(os.path.join(ROOT, "build", "wasm", "bin"))
                      if "s" not in n)
    out = sh.ok("ls /bin | grep -v s | sort -r | head -n 3")
    assert out.split() == sorted(programs, reverse=True)[:3]


def test_status_and_lists(env):
    sh = env["sh"]
    assert sh.run("false")[1] == 1
    assert sh.ok("false; echo $?") == "1\n"
    assert sh.ok("true && echo and") == "and\n"
    assert sh.ok("false || echo or") == "or\n"
    assert sh.ok("false && echo no; true || echo no; echo end") == "end\n"
    assert sh.run("nosuchprogram")[1] == 127
    assert sh.ok("X=5; echo x$X") == "x5\n"
    assert sh.ok("export Y=seven; env | grep '^Y='") == "Y=seven\n"
    assert sh.ok("cd /data/in; pwd; ls | cat") == "/data/in\nblob.bin\nreadme.txt\nwords.txt\n"
    assert sh.ok("cd /data; pwd") == "/data\n"


def test_system_facts(env):
    sh = env["sh"]
    df = sh.ok("df")
    assert re.search(r"^fat32 .* /data$", df, re.M), df
    assert re.search(r"^fat32 .* /system \(read-only\)$", df, re.M), df
    assert re.search(r"^tmpfs .* /tmp$", df, re.M), df
    assert sh.ok("uname -s") == "KPIO\n"
    ps = sh.ok("ps")
    assert re.search(r"^\s+1\s+0 .*init$", ps, re.M) and re.search(r"^\s+2\s+1 .*sh$", ps, re.M), ps


def test_redirections(env):
    sh = env["sh"]
    sh.ok("mkdir -p /data/out")
    assert sh.ok("echo alpha > /data/out/r.txt; echo beta >> /data/out/r.txt; "
                 "cat < /data/out/r.txt") == "alpha\nbeta\n"
    assert sh.ok("wc -l < /data/out/r.txt").split() == ["2"]
    out, status = sh.run("ls /data/missing 2> /data/out/err.txt")
    assert status != 0 and out == ""
    assert "No such file" in sh.ok("cat /data/out/err.txt")
    assert sh.ok("ls /data/missing 2>&1 | wc -l").split() == ["1"]
    assert sh.ok("echo gone > /dev/null; echo kept") == "kept\n"


def test_files_both_ways(env):
    sh = env["sh"]
    # written by the host, read in KPIO
    assert sh.ok("sha256sum /data/in/blob.bin").split()[0] == sha(BLOB)
    assert sh.ok("wc -c /data/in/words.txt").split()[0] == str(len(WORDS_TEXT))
    # written in KPIO, checked on the host after power-off (test_poweroff)
    sh.ok("sort /data/in/words.txt > /data/out/sorted.txt")
    sh.ok("cp /data/in/blob.bin /data/out/blob.copy")
    sh.ok("mkdir -p /data/out/d/e; mv /data/out/blob.copy /data/out/d/e/moved.bin")
    sh.ok("touch /data/out/empty; rm /data/in/readme.txt")
    for i in range(20):
        sh.ok(f"echo line {i} >> /data/out/many.txt")
    assert sh.ok("sha256sum /data/out/d/e/moved.bin").split()[0] == sha(BLOB)


def test_fetch_over_the_network(env):
    sh = env["sh"]
    sh.ok("mkdir -p /data/dl")
    sh.ok("fetch -o /data/dl/page.bin http://10.0.2.100/page.bin", timeout=300)
    assert sh.ok("sha256sum /data/dl/page.bin").split()[0] == sha(PAGE)
    out, status = sh.run("fetch -o /data/dl/missing.bin http://10.0.2.100/missing.bin")
    assert status == 1 and "404" in out
    assert sh.ok("ls /data/dl") == "page.bin\n"       # nothing half-written


def test_reboot_keeps_the_download(env):
    sh = env["sh"]
    sh.guest.expect(r"\$ ")
    sh.guest.sendline("reboot")
    sh.expect(r"reboot: writing file systems back", timeout=60)
    sh.expect(r"KPIO loader: kernel .* verified", timeout=120)
    sh.boot()
    assert sh.ok("sha256sum /data/dl/page.bin").split()[0] == sha(PAGE)
    assert sh.ok("cat /data/out/r.txt") == "alpha\nbeta\n"


def test_poweroff_then_the_host_reads_the_disk(env, tmp_path):
    sh = env["sh"]
    sh.guest.expect(r"\$ ")
    sh.guest.sendline("poweroff")
    sh.expect(r"poweroff: writing file systems back", timeout=60)
    assert sh.guest.wait(120) == 64         # kpio-qemu: powered off, no test status
    m = re.search(r"kpio-qemu: work directory (\S+)", sh.guest.output)
    disk = DiskImage.existing(os.path.join(m.group(1), "disk.img"))
    assert disk.get(DATA, "/out/sorted.txt") == "".join(
        w + "\n" for w in sorted(WORDS, key=lambda w: w.encode())).encode()
    assert disk.get(DATA, "/out/d/e/moved.bin") == BLOB
    assert disk.get(DATA, "/out/empty") == b""
    assert disk.get(DATA, "/out/r.txt") == b"alpha\nbeta\n"
    assert disk.get(DATA, "/out/many.txt") == "".join(f"line {i}\n" for i in range(20)).encode()
    assert disk.get(DATA, "/dl/page.bin") == PAGE
    assert not disk.exists(DATA, "/in/readme.txt")
    assert not disk.exists(DATA, "/out/blob.copy")
    part = disk.extract(DATA, str(tmp_path / "data.img"))
    fsck = subprocess.run(["fsck.fat", "-n", part], capture_output=True, text=True)
    assert fsck.returncode == 0, fsck.stdout + fsck.stderr
