"""tests/system/userspace_pkg.py — .kpioapp packages in KPIO, one boot:

  - `app install | list | run | remove` with the registry on the FAT data
    partition (/data/apps), for the example app notes;
  - permissions enforced: a package without the filesystem permission sees
    no directory, a read-only one changes nothing, a read-write one reaches
    only its paths, one without the network permission gets no socket, and
    none may power the machine off;
  - bad packages (a damaged zip, a bad manifest, an invalid module, an
    oversized entry) are refused with a clear error and leave nothing in the
    registry.

Packages are built on the host with tools/kpio-pkg (or by hand with Python's
zipfile where kpio-pkg would refuse to build them) and put on a copy of the
image with mtools.
"""
import io
import os
import re
import shutil
import subprocess
import zipfile

import pytest

from shell import DiskImage, Shell

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, "build", "wasm", "bin")
EXAMPLES = os.path.join(ROOT, "build", "wasm", "examples")
KPIO_PKG = os.path.join(ROOT, "tools", "kpio-pkg")
DATA = "KPIO-DATA"


def manifest(ident, entry, filesystem="none", paths=(), network=False):
    text = (f'id = "{ident}"\nname = "{ident.split(".")[-1]}"\nversion = "1.0.0"\n'
            f'entry = "{entry}"\n\n[permissions]\nfilesystem = "{filesystem}"\n'
            f"network = {str(network).lower()}\n")
    if paths:
        text += "paths = [" + ", ".join(f'"{p}"' for p in paths) + "]\n"
    return text


def tool_package(work, tool, filesystem="none", paths=(), network=False, tag=""):
    """A package (built by tools/kpio-pkg) whose entry is a core utility."""
    folder = work / f"{tool}{tag}"
    folder.mkdir()
    shutil.copy(os.path.join(BIN, tool + ".wasm"), folder / (tool + ".wasm"))
    (folder / "manifest.toml").write_text(
        manifest(f"org.kpio.test.{tool}{tag}", tool + ".wasm", filesystem, paths, network))
    out = work / f"{tool}{tag}.kpioapp"
    subprocess.run([KPIO_PKG, "build", str(folder), "-o", str(out)], check=True,
                   capture_output=True)
    return out.read_bytes()


def zip_package(files, method=zipfile.ZIP_DEFLATED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def bad_packages():
    ls = open(os.path.join(BIN, "ls.wasm"), "rb").read()
    good = zip_package({"manifest.toml": manifest("org.kpio.bad.zip", "ls.wasm"), "ls.wasm": ls})
    damaged = bytearray(good)
    damaged[len(damaged) // 2] ^= 0xff                   # inside ls.wasm's data: CRC fails
    # (module (func (result i32) i64.const 0)): decodes, fails validation
    invalid = (b"\0asm\1\0\0\0" + bytes([1, 5, 1, 0x60, 0, 1, 0x7f]) + bytes([3, 2, 1, 0]) +
               bytes([10, 6, 1, 4, 0, 0x42, 0, 0x0b]))
    return {
        "damaged": (bytes(damaged), r"refused: .*(CRC|corrupt|deflate)"),
        "manifest": (zip_package({"manifest.toml": manifest("org.kpio.bad.manifest", "ls.wasm")
                                  + 'colour = "blue"\n', "ls.wasm": ls}),
                     r"refused: .*(line \d+|colour)"),
        "module": (zip_package({"manifest.toml": manifest("org.kpio.bad.module", "ls.wasm"),
                                "ls.wasm": invalid}), r"refused: .*(type|function|offset)"),
        "oversized": (zip_package({"manifest.toml": manifest("org.kpio.bad.big", "ls.wasm"),
                                   "ls.wasm": ls, "big.dat": bytes(33 << 20)}),
                      r"refused: .*(large|limit|big|MiB)"),
        "notzip": (b"this is not a zip archive\n" * 100, r"refused: .*zip"),
    }


@pytest.fixture(scope="module")
def sh(tmp_path_factory):
    work = tmp_path_factory.mktemp("pkg")
    disk = DiskImage(work)
    disk.mkdir(DATA, "/pkgs")
    disk.mkdir(DATA, "/ro")
    disk.put(DATA, "/ro/note.txt", b"readable\n")
    disk.put(DATA, "/secret.txt", b"secret\n")
    for name in ("notes", "httpd"):
        disk.put(DATA, f"/pkgs/{name}.kpioapp",
                 open(os.path.join(EXAMPLES, f"{name}.kpioapp"), "rb").read())
    packages = {
        "ls-none": tool_package(work, "ls"),
        "cat-ro": tool_package(work, "cat", "read-only", ["/data/ro"]),
        "touch-ro": tool_package(work, "touch", "read-only", ["/data/ro"], tag="ro"),
        "rm-ro": tool_package(work, "rm", "read-only", ["/data/ro"]),
        "touch-rw": tool_package(work, "touch", "read-write", ["/data/mine"], tag="rw"),
        "fetch-nonet": tool_package(work, "fetch"),
        "fetch-net": tool_package(work, "fetch", network=True, tag="net"),
        "poweroff": tool_package(work, "poweroff", network=True),
    }
    for name, data in packages.items():
        disk.put(DATA, f"/pkgs/{name}.kpioapp", data)
    for name, (data, _) in bad_packages().items():
        disk.put(DATA, f"/pkgs/bad-{name}.kpioapp", data)
    with Shell(image=disk.path, name="userspace_pkg") as s:
        s.ok("cd /data/pkgs")
        yield s


def registry(sh):
    return sh.ok("ls -a /data/apps | cat").split()


def test_install_list_run_remove(sh):
    out = sh.ok("app install notes.kpioapp")
    assert out == "installed org.kpio.examples.notes 1.0.0 (Notes)\n"
    assert "org.kpio.examples.notes 1.0.0 Notes: filesystem=read-write /data/notes network=no" \
        in sh.ok("app list")
    assert sh.ok("app run org.kpio.examples.notes add buy milk") == "note 1 added\n"
    assert sh.ok("app run org.kpio.examples.notes add call home") == "note 2 added\n"
    listing = sh.ok("app run org.kpio.examples.notes list")
    assert "buy milk" in listing and "call home" in listing
    assert "buy milk" in sh.ok("cat /data/notes/notes.txt")
    # installing again replaces it
    assert "replacing the old version" in sh.ok("app install notes.kpioapp")
    assert sh.ok("app remove org.kpio.examples.notes") == "removed org.kpio.examples.notes\n"
    assert "org.kpio.examples.notes" not in sh.ok("app list")
    assert registry(sh) == [".", ".."]
    out, status = sh.run("app run org.kpio.examples.notes list")
    assert status == 1 and "not installed" in out


@pytest.fixture(scope="module")
def installed(sh):
    for name in ("ls-none", "cat-ro", "touch-ro", "rm-ro", "touch-rw", "fetch-nonet",
                 "fetch-net", "poweroff"):
        assert sh.ok(f"app install {name}.kpioapp").startswith("installed ")


def test_no_filesystem_permission_no_directories(sh, installed):
    out, status = sh.run("app run org.kpio.test.ls /")
    assert status == 2 and "cannot" in out
    out, status = sh.run("app run org.kpio.test.ls /data")
    assert status == 2 and "secret.txt" not in out


def test_read_only_changes_nothing(sh, installed):
    assert sh.ok("app run org.kpio.test.cat /data/ro/note.txt") == "readable\n"
    out, status = sh.run("app run org.kpio.test.touchro /data/ro/new.txt")
    assert status == 1 and "/data/ro/new.txt" in out
    out, status = sh.run("app run org.kpio.test.rm /data/ro/note.txt")
    assert status == 1
    assert sh.ok("ls /data/ro | cat") == "note.txt\n"
    # nothing outside its paths, even by climbing
    out, status = sh.run("app run org.kpio.test.cat /data/ro/../secret.txt")
    assert status == 1 and "secret" not in out.replace("secret.txt", "")


def test_read_write_only_its_paths(sh, installed):
    sh.ok("app run org.kpio.test.touchrw /data/mine/new.txt")
    assert sh.ok("ls /data/mine | cat") == "new.txt\n"
    out, status = sh.run("app run org.kpio.test.touchrw /data/other.txt")
    assert status == 1
    assert "other.txt" not in sh.ok("ls /data | cat")


def test_no_network_permission_no_sockets(sh, installed):
    out, status = sh.run("app run org.kpio.test.fetch http://10.0.2.100/page")
    assert status == 1 and re.search(r"[Pp]ermission denied|not allowed", out), out
    # with the permission the same request gets as far as the network (this
    # boot has no network card, so it fails there, differently)
    out, status = sh.run("app run org.kpio.test.fetchnet -t 2 http://10.0.2.100/page", timeout=120)
    assert status == 1 and not re.search(r"[Pp]ermission denied", out), out


def test_no_system_permission_for_packages(sh, installed):
    out, status = sh.run("app run org.kpio.test.poweroff")
    assert status == 1 and "no system permission" in out
    assert sh.ok("echo still up") == "still up\n"


@pytest.mark.parametrize("name", sorted(bad_packages()))
def test_bad_package_refused(sh, name):
    before = registry(sh)
    out, status = sh.run(f"app install bad-{name}.kpioapp")
    assert status == 1, out
    assert re.search(bad_packages()[name][1], out, re.I), out
    assert registry(sh) == before            # nothing installed, no staging left
