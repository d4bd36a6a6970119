"""tests/system/userspace_wasi.py — the WASI conformance programs (tests/wasi)
inside KPIO, compared with the hosted kpio-wasm.

One boot. The programs and the stdin data go onto the image's data
partition (mtools); the shell runs each case in a fresh directory on /tmp
(tmpfs: symbolic and hard links work there) with `run`, which gives the
program exactly /work and the case's environment, as `kpio-wasm run --dir
... --env ...` does on the host. For every case the host runs the same
program under build/host/kpio-wasm with the same arguments, environment,
stdin and starting files, and the two runs must agree: stdout, exit status,
the files left behind (tests/system/src/snapshot.c prints them in KPIO) and
stderr (stdout and stderr are files on both sides) (for traps: both say "wasm trap: ..."; the prefix names the host).

The cases are tests/wasi/test_conformance.py's (which also checks kpio-wasm
against Node's WASI and the specification), plus proc_raise. One fixture
differs: the sandbox case's absolute symlink (pre_abs) cannot be made in
KPIO — WASI refuses absolute link targets and the shell has nothing else —
so neither run has it (its open then fails with ENOENT on both sides).
"""
import os
import re
import shlex
import subprocess
import sys

import pytest

from shell import DiskImage, Shell

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "wasi"))
import test_conformance as conformance  # noqa: E402

KPIO_WASM = os.path.join(ROOT, "build", "host", "kpio-wasm")
WASM = os.path.join(ROOT, "build", "wasi-tests")
SNAPSHOT = os.path.join(ROOT, "build", "wasm", "tests", "snapshot.wasm")
DATA = "KPIO-DATA"

# The sandbox fixture as steps both sides can perform.
SANDBOX_STEPS = [
    ("dir", "outside"),
    ("file", "outside/secret.txt", "SECRET\n"),
    ("file", "work/inside.txt", "inside\n"),
    ("dir", "work/sub"),
    ("link", "../outside", "work/pre_rel"),
    ("link", "../../outside", "work/sub/pre_up"),
]


def steps_of(case):
    return SANDBOX_STEPS if case.name == "sandbox" else []


def cases():
    out = [c for c in conformance.CASES]
    out.append(conformance.Case("raise", "raise", exit=143))
    return out


def host_snapshot(root):
    """snapshot.c's lines for a host directory."""
    lines = []
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            rel = os.path.relpath(p, root)
            if os.path.islink(p):
                lines.append(f"link {rel} {os.readlink(p)}")
            elif os.path.isdir(p):
                lines.append(f"dir {rel}")
            else:
                h = 0xcbf29ce484222325
                data = open(p, "rb").read()
                for b in data:
                    h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
                lines.append(f"file {rel} {len(data)} {h:016x}")
    lines.sort(key=lambda l: l[l.index(" "):])
    return "".join(l + "\n" for l in lines)


def host_run(case, tmp_path):
    root = tmp_path / "host"
    for host, _ in case.dirs:
        (root / host).mkdir(parents=True)
    for step in steps_of(case):
        if step[0] == "dir":
            (root / step[1]).mkdir()
        elif step[0] == "file":
            (root / step[1]).write_text(step[2])
        else:
            os.symlink(step[1], root / step[2])
    argv = [KPIO_WASM, "run"]
    for host, guest in case.dirs:
        argv += ["--dir", f"{root}/{host}::{guest}"]
    for k, v in case.env.items():
        argv += ["--env", f"{k}={v}"]
    argv += [os.path.join(WASM, f"{case.program}.wasm")] + case.args
    # stdout and stderr go to files, as in KPIO (a program may seek them)
    with open(tmp_path / "out", "w+b") as out, open(tmp_path / "err", "w+b") as err:
        p = subprocess.run(argv, input=case.stdin, stdout=out, stderr=err, timeout=120, cwd=root)
        out.seek(0)
        err.seek(0)
        return p.returncode, out.read().decode(errors="replace"), \
            err.read().decode(errors="replace"), host_snapshot(root)


@pytest.fixture(scope="module")
def kpio(tmp_path_factory):
    disk = DiskImage(tmp_path_factory.mktemp("disk"))
    disk.mkdir(DATA, "/wasi")
    for name in sorted(os.listdir(WASM)):
        if name.endswith(".wasm"):
            disk.put(DATA, "/wasi/" + name, open(os.path.join(WASM, name), "rb").read())
    disk.put(DATA, "/wasi/stdin.dat", conformance.STDIN_DATA)
    disk.put(DATA, "/wasi/snapshot.wasm", open(SNAPSHOT, "rb").read())
    with Shell(image=disk.path, name="userspace_wasi") as sh:
        yield sh


def q(s):
    return shlex.quote(s)


def kpio_run(sh, case):
    base = f"/tmp/w/{case.name}"
    dirs = " ".join(q(f"{base}/{host}") for host, _ in case.dirs)
    sh.ok(f"mkdir -p {dirs}; cd {base}")
    for step in steps_of(case):
        if step[0] == "dir":
            sh.ok(f"mkdir {q(step[1])}")
        elif step[0] == "file":
            sh.ok(f"echo {q(step[2].rstrip(chr(10)))} > {q(step[1])}")
        else:
            sh.ok(f"ln -s {q(step[1])} {q(step[2])}")
    opts = " ".join(f"--dir {q(host)}::{q(guest)}" for host, guest in case.dirs)
    opts += "".join(f" --env {q(k + '=' + v)}" for k, v in case.env.items())
    stdin = "/data/wasi/stdin.dat" if case.stdin else "/dev/null"
    args = " ".join(q(a) for a in case.args)
    _, status = sh.run(f"run {opts} /data/wasi/{case.program}.wasm {args} < {stdin} "
                       f"> /tmp/w/{case.name}.out 2> /tmp/w/{case.name}.err", timeout=300)
    out = sh.ok(f"cat /tmp/w/{case.name}.out")
    err = sh.ok(f"cat /tmp/w/{case.name}.err")
    snap = sh.ok(f"/data/wasi/snapshot {base}")
    return status, out, err, snap


@pytest.mark.parametrize("case", cases(), ids=[c.name for c in cases()])
def test_same_as_hosted(kpio, case, tmp_path):
    hcode, hout, herr, hsnap = host_run(case, tmp_path)
    kcode, kout, kerr, ksnap = kpio_run(kpio, case)
    assert kout == hout
    assert kcode == hcode
    assert ksnap == hsnap
    # a trap or a signal: both say so, each naming itself
    said = re.search(r"(wasm trap: .*|terminated by SIG\w+)", herr)
    if said:
        assert said.group(0) in kerr, kerr
    else:
        assert kerr == herr
    if case.exit is not None:
        assert kcode == case.exit
