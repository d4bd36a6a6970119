"""The user-space tools that came with the kernel integration, on the host
(kpio-wasm): sha256sum beside GNU's, ln, run (a sandbox of your choosing),
poweroff/reboot (refused where the host cannot), and app (install, list,
run and remove .kpioapp packages in a registry directory). The same tools
run inside KPIO in tests/system/userspace_*.py."""
import hashlib
import io
import os
import shutil
import subprocess
import zipfile

import pytest

from conftest import BIN, ROOT, needs_kpio, same_as_host

pytestmark = needs_kpio()

EXAMPLES = os.path.join(ROOT, "build", "wasm", "examples")


def test_sha256sum_matches_gnu(apps):
    apps.write("/a.bin", bytes(range(256)) * 300)
    apps.write("/empty", b"")
    apps.write("/abc", b"abc")
    same_as_host(apps, "sha256sum", ["a.bin", "empty", "abc"])
    r = apps.run("sha256sum", stdin=b"abc")
    assert r.stdout == hashlib.sha256(b"abc").hexdigest().encode() + b"  -\n"
    r = apps.run("sha256sum", "missing")
    assert r.returncode == 1 and b"missing" in r.stderr


def test_ln_symbolic_and_hard(apps):
    apps.write("/d/file.txt", "text\n")
    assert apps.run("ln", "-s", "file.txt", "/d/sym").returncode == 0
    assert os.readlink(apps.path("/d/sym")) == "file.txt"
    assert apps.run("ln", "/d/file.txt", "/d/hard").returncode == 0
    assert os.stat(apps.path("/d/hard")).st_nlink == 2
    r = apps.run("ln", "-s", "file.txt", "/d/sym")          # exists
    assert r.returncode == 1 and b"sym" in r.stderr
    assert apps.run("ln", "-sf", "hard", "/d/sym").returncode == 0
    assert os.readlink(apps.path("/d/sym")) == "hard"
    r = apps.run("ln", "-s", "/etc/passwd", "/d/out")       # absolute: WASI refuses
    assert r.returncode == 1 and not os.path.lexists(apps.path("/d/out"))


def test_run_gives_only_what_it_names(apps):
    apps.write("/box/inside.txt", "inside\n")
    apps.write("/secret.txt", "secret\n")
    # run finds and opens the program itself; the program gets only /x
    r = apps.run("run", "--dir", "/box::/x", "cat", "/x/inside.txt")
    assert r.returncode == 0 and r.stdout == b"inside\n"
    r = apps.run("run", "--dir", "/box::/x", "cat", "/secret.txt")
    assert r.returncode == 1 and b"secret" not in r.stdout
    r = apps.run("run", "--env", "A=1", "env")
    assert r.stdout == b"A=1\n"


def test_run_limits(apps):
    # (through the shell, to see run's status: kpio-wasm itself turns
    # statuses of 126 and up into 1, as wasmtime does)
    r = apps.sh("run --cpu 100 /tests/hostile.wasm spin; echo status=$?", timeout=60)
    assert b"status=137" in r.stdout and b"CPU time limit" in r.stderr
    r = apps.sh("run --pages 40 /tests/hostile.wasm memhog; echo status=$?")
    assert b"status=3" in r.stdout and b"out of memory" in r.stdout
    r = apps.sh("run /tests/hostile.wasm trap; echo status=$?")
    assert b"status=134" in r.stdout and b"wasm trap: unreachable" in r.stderr
    r = apps.sh("run nosuchprogram; echo status=$?")
    assert b"status=127" in r.stdout


def test_run_without_network(apps):
    # fetch's connection is refused by permission before any packet
    r = apps.run("run", "--no-network", "fetch", "http://127.0.0.1:9/")
    assert r.returncode == 1 and b"ermission denied" in r.stderr


def test_poweroff_where_the_host_cannot(apps):
    r = apps.run("poweroff")
    assert r.returncode == 1 and b"poweroff:" in r.stderr
    shutil.copy(os.path.join(BIN, "reboot.wasm"), apps.path("/reboot.wasm"))
    r = apps.run(apps.path("/reboot.wasm"))
    assert r.returncode == 1 and b"reboot:" in r.stderr
    r = apps.run("run", "--no-system", "poweroff")
    assert r.returncode == 1 and b"no system permission" in r.stderr


def app(apps, *args):
    return apps.run("app", "--registry", "/data/apps", *args, cwd="/data")


def test_app_install_list_run_remove(apps):
    apps.write("/data/notes.kpioapp", open(os.path.join(EXAMPLES, "notes.kpioapp"), "rb").read())
    r = app(apps, "install", "notes.kpioapp")
    assert r.returncode == 0 and r.stdout == b"installed org.kpio.examples.notes 1.0.0 (Notes)\n"
    assert sorted(os.listdir(apps.path("/data/apps/org.kpio.examples.notes"))) == \
        ["manifest.toml", "notes.wasm"]
    assert b"org.kpio.examples.notes 1.0.0 Notes" in app(apps, "list").stdout
    r = app(apps, "run", "org.kpio.examples.notes", "add", "buy", "milk")
    assert r.stdout == b"note 1 added\n"
    assert b"buy milk" in apps.read("/data/notes/notes.txt")
    assert app(apps, "remove", "org.kpio.examples.notes").stdout == \
        b"removed org.kpio.examples.notes\n"
    assert os.listdir(apps.path("/data/apps")) == []
    r = app(apps, "run", "../../secret", "x")
    assert r.returncode == 1 and b"not an app id" in r.stderr


def test_app_refuses_bad_packages(apps):
    ls = open(os.path.join(BIN, "ls.wasm"), "rb").read()
    manifest = b'id = "org.kpio.bad"\nname = "bad"\nversion = "1.0.0"\nentry = "ls.wasm"\n'
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("manifest.toml", manifest + b'colour = "blue"\n')
        z.writestr("ls.wasm", ls)
    apps.write("/data/bad.kpioapp", buf.getvalue())
    invalid = io.BytesIO()
    with zipfile.ZipFile(invalid, "w") as z:
        z.writestr("manifest.toml", manifest)
        # decodes, fails validation: (func (result i32) i64.const 0)
        z.writestr("ls.wasm", b"\0asm\1\0\0\0" + bytes([1, 5, 1, 0x60, 0, 1, 0x7f, 3, 2, 1, 0,
                                                     10, 6, 1, 4, 0, 0x42, 0, 0x0b]))
    apps.write("/data/invalid.kpioapp", invalid.getvalue())
    for name, why in (("bad", b"colour"), ("invalid", b"refused")):
        r = app(apps, "install", f"{name}.kpioapp")
        assert r.returncode == 1 and why in r.stderr, r.stderr
    registry = apps.path("/data/apps")
    assert not os.path.exists(registry) or os.listdir(registry) == []
    # a leftover of an interrupted install is cleared by the next one
    os.makedirs(apps.path("/data/apps/.staging-org.kpio.old"))
    apps.write("/data/notes.kpioapp", open(os.path.join(EXAMPLES, "notes.kpioapp"), "rb").read())
    assert app(apps, "install", "notes.kpioapp").returncode == 0
    assert os.listdir(apps.path("/data/apps")) == ["org.kpio.examples.notes"]


def test_app_permissions_follow_the_manifest(apps, tmp_path):
    folder = tmp_path / "pkg"
    folder.mkdir()
    shutil.copy(os.path.join(BIN, "touch.wasm"), folder / "touch.wasm")
    (folder / "manifest.toml").write_text(
        'id = "org.kpio.test.touch"\nname = "touch"\nversion = "1.0.0"\nentry = "touch.wasm"\n'
        '[permissions]\nfilesystem = "read-only"\npaths = ["/data/ro"]\n')
    out = tmp_path / "touch.kpioapp"
    subprocess.run([os.path.join(ROOT, "tools", "kpio-pkg"), "build", str(folder), "-o", str(out)],
                   check=True, capture_output=True)
    apps.write("/data/touch.kpioapp", out.read_bytes())
    apps.write("/data/ro/old.txt", "old\n")
    assert app(apps, "install", "touch.kpioapp").returncode == 0
    r = app(apps, "run", "org.kpio.test.touch", "/data/ro/new.txt")
    assert r.returncode == 1 and not os.path.exists(apps.path("/data/ro/new.txt"))
