"""kpio-pkg (Python) builds .kpioapp packages; kpio-pkgcheck reads them with
the C code KPIO installs packages with (lib/pkg, lib/zip, lib/inflate,
lib/manifest). Round trips, packages from Info-ZIP's zip and Python's
zipfile at every compression level, and damaged packages."""
import os
import random
import shutil
import subprocess
import zipfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KPIO_PKG = os.path.join(ROOT, "tools", "kpio-pkg")
CHECK = os.path.join(ROOT, "build", "host", "kpio-pkgcheck")
HELLO = os.path.join(ROOT, "build", "wasm", "bin", "echo.wasm")

MANIFEST = """# test app
id = "org.kpio.test"
name = "Test App"
version = "1.2.3"
entry = "bin/app.wasm"
description = "A package for tests"

[permissions]
filesystem = "read-only"
paths = ["/data", "/tmp"]
network = true
"""


def run(*argv, **kw):
    return subprocess.run(list(argv), capture_output=True, text=True, timeout=60, **kw)


def make_app(folder):
    """An app folder with a real module and resources of several kinds."""
    os.makedirs(os.path.join(folder, "bin"))
    os.makedirs(os.path.join(folder, "res", "img"))
    shutil.copy(HELLO, os.path.join(folder, "bin", "app.wasm"))
    with open(os.path.join(folder, "manifest.toml"), "w") as f:
        f.write(MANIFEST)
    rnd = random.Random(3)
    files = {
        "res/readme.txt": b"hello\n" * 500,
        "res/img/noise.bin": bytes(rnd.getrandbits(8) for _ in range(20000)),
        "res/empty": b"",
        "res/runs.bin": b"\x00" * 70000 + b"\x01" * 3 + b"\x00" * 100,
    }
    for rel, data in files.items():
        with open(os.path.join(folder, rel), "wb") as f:
            f.write(data)
    with open(os.path.join(folder, ".hidden"), "w") as f:
        f.write("not packaged")
    return folder


def tree(folder):
    out = {}
    for dirpath, _, filenames in os.walk(folder):
        for name in filenames:
            full = os.path.join(dirpath, name)
            with open(full, "rb") as f:
                out[os.path.relpath(full, folder)] = f.read()
    return out


@pytest.mark.parametrize("store", [False, True])
def test_round_trip(tmp_path, store):
    app = make_app(str(tmp_path / "app"))
    out = str(tmp_path / "app.kpioapp")
    r = run(KPIO_PKG, "build", app, "-o", out, *(["--store"] if store else []))
    assert r.returncode == 0, r.stderr
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        kinds = {i.compress_type for i in z.infolist()}
    assert names[0] == "manifest.toml" and ".hidden" not in names
    assert kinds == ({zipfile.ZIP_STORED} if store else {zipfile.ZIP_DEFLATED})

    check = run(CHECK, "check", out)
    assert check.returncode == 0, check.stderr
    lines = check.stdout.splitlines()
    assert "id: org.kpio.test" in lines and "version: 1.2.3" in lines
    assert "path: /data" in lines and "network: true" in lines and "gui: false" in lines
    assert "filesystem: read-only" in lines

    dest = str(tmp_path / "out")
    os.mkdir(dest)
    ex = run(CHECK, "extract", out, dest)
    assert ex.returncode == 0, ex.stderr
    expected = tree(app)
    del expected[".hidden"]
    assert tree(dest) == expected


def test_build_is_deterministic(tmp_path):
    app = make_app(str(tmp_path / "app"))
    a, b = str(tmp_path / "a.kpioapp"), str(tmp_path / "b.kpioapp")
    assert run(KPIO_PKG, "build", app, "-o", a).returncode == 0
    os.utime(os.path.join(app, "res", "readme.txt"), (1, 1))
    assert run(KPIO_PKG, "build", app, "-o", b).returncode == 0
    assert open(a, "rb").read() == open(b, "rb").read()


def test_default_name_and_info(tmp_path):
    app = make_app(str(tmp_path / "app"))
    r = run(KPIO_PKG, "build", app, cwd=str(tmp_path))
    assert r.returncode == 0 and r.stdout.strip() == "org.kpio.test-1.2.3.kpioapp"
    info = run(KPIO_PKG, "info", str(tmp_path / "org.kpio.test-1.2.3.kpioapp"))
    assert info.returncode == 0
    assert "Test App 1.2.3 (org.kpio.test)" in info.stdout
    assert "filesystem: read-only (/data, /tmp)" in info.stdout


@pytest.mark.parametrize("level", ["-0", "-1", "-6", "-9"])
def test_info_zip_packages(tmp_path, level):
    """Archives made by Info-ZIP's zip (with directory entries) read the same."""
    app = make_app(str(tmp_path / "app"))
    os.remove(os.path.join(app, ".hidden"))
    out = str(tmp_path / "z.kpioapp")
    r = run("zip", "-q", "-r", level, out, ".", cwd=app)
    assert r.returncode == 0, r.stderr
    dest = str(tmp_path / "out")
    os.mkdir(dest)
    ex = run(CHECK, "extract", out, dest)
    assert ex.returncode == 0, ex.stderr
    assert tree(dest) == tree(app)


@pytest.mark.parametrize("level", range(0, 10))
def test_python_zipfile_levels(tmp_path, level):
    app = make_app(str(tmp_path / "app"))
    out = str(tmp_path / "p.kpioapp")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        for rel, data in tree(app).items():
            if rel != ".hidden":
                z.writestr(rel, data)
    check = run(CHECK, "check", out)
    assert check.returncode == 0, check.stderr
    for line in check.stdout.splitlines():
        if line.startswith("file: res/runs.bin"):
            assert line.split()[2] == "70103"


def built(tmp_path):
    app = make_app(str(tmp_path / "app"))
    out = str(tmp_path / "app.kpioapp")
    assert run(KPIO_PKG, "build", app, "-o", out).returncode == 0
    return out


def test_damaged_packages_are_refused(tmp_path):
    out = built(tmp_path)
    data = open(out, "rb").read()
    bad = str(tmp_path / "bad.kpioapp")
    failures = 0
    rnd = random.Random(11)
    # truncations and byte flips anywhere: every one is refused with a
    # message, or (for flips in unused bytes) still reads intact
    cases = [data[:n] for n in (0, 10, len(data) // 2, len(data) - 1)]
    for _ in range(60):
        mutated = bytearray(data)
        mutated[rnd.randrange(len(data))] ^= 1 << rnd.randrange(8)
        cases.append(bytes(mutated))
    for case in cases:
        with open(bad, "wb") as f:
            f.write(case)
        r = run(CHECK, "check", bad)
        assert r.returncode in (0, 1), r.stderr
        if r.returncode == 1:
            failures += 1
            assert r.stderr.startswith("kpio-pkgcheck: ") and len(r.stderr) > 30, r.stderr
            assert "AddressSanitizer" not in r.stderr and "runtime error" not in r.stderr
        else:
            assert r.stdout == run(CHECK, "check", out).stdout
    assert failures >= 50


def test_extract_refuses_to_overwrite(tmp_path):
    out = built(tmp_path)
    dest = str(tmp_path / "out")
    os.makedirs(os.path.join(dest, "res"))
    with open(os.path.join(dest, "res", "readme.txt"), "w") as f:
        f.write("keep me")
    r = run(CHECK, "extract", out, dest)
    assert r.returncode == 1 and "res/readme.txt" in r.stderr
    assert open(os.path.join(dest, "res", "readme.txt")).read() == "keep me"


@pytest.mark.parametrize("manifest,message", [
    (MANIFEST.replace('version = "1.2.3"', 'version = "1.2"'), "line 4, column 11: version must"),
    (MANIFEST.replace("network = true", "network = yes"), "line 11, column 11: expected a value"),
    (MANIFEST + "colour = 1\n", "unknown key 'colour' in [permissions]"),
    (MANIFEST.replace('entry = "bin/app.wasm"\n', ""), "missing required key 'entry'"),
])
def test_bad_manifest(tmp_path, manifest, message):
    out = str(tmp_path / "m.kpioapp")
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("manifest.toml", manifest)
        z.write(HELLO, "bin/app.wasm")
    r = run(CHECK, "check", out)
    assert r.returncode == 1 and message in r.stderr, r.stderr


def test_unsafe_and_invalid_contents(tmp_path):
    out = str(tmp_path / "u.kpioapp")
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("manifest.toml", MANIFEST)
        z.write(HELLO, "bin/app.wasm")
        z.writestr("../escape.txt", "x")
    r = run(CHECK, "check", out)
    assert r.returncode == 1 and "unsafe file name" in r.stderr
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("manifest.toml", MANIFEST)
        z.writestr("bin/app.wasm", b"\0asm\x01\0\0\0\x0e\x00")
    r = run(CHECK, "check", out)
    assert r.returncode == 1 and "not a valid WebAssembly module" in r.stderr


def test_builder_errors(tmp_path):
    app = make_app(str(tmp_path / "app"))
    os.symlink("res/readme.txt", os.path.join(app, "link"))
    r = run(KPIO_PKG, "build", app, "-o", str(tmp_path / "x.kpioapp"))
    assert r.returncode == 1 and "symbolic links cannot be packaged" in r.stderr
    os.remove(os.path.join(app, "link"))
    os.remove(os.path.join(app, "bin", "app.wasm"))
    r = run(KPIO_PKG, "build", app, "-o", str(tmp_path / "x.kpioapp"))
    assert r.returncode == 1 and "entry module 'bin/app.wasm' is not in" in r.stderr
    # what only the C checker knows: the builder removes its output
    with open(os.path.join(app, "bin", "app.wasm"), "wb") as f:
        f.write(b"\0asm\x01\0\0\0\x01\x05")
    r = run(KPIO_PKG, "build", app, "-o", str(tmp_path / "x.kpioapp"))
    assert r.returncode == 1 and "is not a valid WebAssembly module" in r.stderr
    assert not os.path.exists(str(tmp_path / "x.kpioapp"))


def test_template_app(tmp_path):
    """kpio-pkg new, the template's Makefile, and a package that checks."""
    folder = str(tmp_path / "greeter")
    r = run(KPIO_PKG, "new", folder, "--id", "org.example.greeter", "--name", "Greeter")
    assert r.returncode == 0, r.stderr
    r = run("make", "-s", "-C", folder, f"KPIO={ROOT}", "package")
    assert r.returncode == 0, r.stderr
    check = run(CHECK, "check", os.path.join(folder, "greeter.kpioapp"))
    assert check.returncode == 0, check.stderr
    assert "id: org.example.greeter" in check.stdout and "entry: greeter.wasm" in check.stdout
