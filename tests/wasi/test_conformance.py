"""tests/wasi/test_conformance.py — the WASI conformance suite.

Each C program in src/ (built to wasm32-wasi against Debian's wasi-libc) runs
under kpio-wasm and under Node's built-in WASI (node-run.mjs), each in a
fresh temporary directory whose work/ subdirectory is preopened as /work.
The two runs must give byte-identical stdout, stderr, exit status and
resulting files. Where Node deviates from the WASI specification, the case
says how, and kpio-wasm's output is checked against the specification's
answer instead (written here by hand from the witx documents and POSIX).

Environment: KPIO_WASM (the CLI), WASI_TEST_WASM (directory of the built
programs). Run with /usr/bin/python3 -m pytest.
"""
import os
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
KPIO = os.environ.get("KPIO_WASM", str(HERE.parents[1] / "build/host/kpio-wasm"))
WASM = Path(os.environ.get("WASI_TEST_WASM", str(HERE.parents[1] / "build/wasi-tests")))
NODE = ["node", "--no-warnings", str(HERE / "node-run.mjs")]
TIMEOUT = 60


@dataclass
class Case:
    name: str
    program: str
    args: list = field(default_factory=list)
    env: dict = field(default_factory=dict)
    stdin: bytes = b""
    dirs: list = field(default_factory=lambda: [("work", "/work")])  # host subdir, guest
    fixture: object = None          # fn(root: Path) run before the program
    # Lines (by prefix) where Node deviates: kpio-wasm must print exactly
    # these, in order; Node's lines with that prefix are not compared.
    spec_lines: dict = field(default_factory=dict)
    # A whole case where Node deviates: the reason, and the spec's answer.
    node_deviates: str = ""
    stdout: str = None
    exit: int = None
    stderr_has: str = None          # compare stderr by this substring only
    must_print: list = field(default_factory=list)  # stdout lines that must appear


def run(cmd, case, root):
    argv = list(cmd)
    for host, guest in case.dirs:
        argv += ["--dir", f"{root}/{host}::{guest}"]
    for k, v in case.env.items():
        argv += ["--env", f"{k}={v}"]
    argv += [str(WASM / f"{case.program}.wasm")] + case.args
    p = subprocess.run(argv, input=case.stdin, capture_output=True, timeout=TIMEOUT, cwd=root)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def snapshot(root):
    """Every file, directory and symlink under root: contents, not times."""
    tree = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath, name)
            rel = str(p.relative_to(root))
            if p.is_symlink():
                tree[rel] = ("link", os.readlink(p))
            elif p.is_dir():
                tree[rel] = ("dir",)
            else:
                tree[rel] = ("file", p.read_bytes())
    return tree


def fresh(tmp_path, tag, case):
    root = tmp_path / tag
    for host, _ in case.dirs:
        (root / host).mkdir(parents=True)
    if case.fixture:
        case.fixture(root)
    return root


def without(text, prefixes):
    return [l for l in text.splitlines() if not any(l.startswith(p) for p in prefixes)]


def stdin_summary(data):
    """What stdin.c prints last: its byte count and its 32-bit rolling sum
    (unsigned long is 32 bits on wasm32)."""
    total = 0
    for b in data:
        total = (total * 31 + b) & 0xFFFFFFFF
    return f"bytes={len(data)} sum={total}"


STDIN_DATA = b"hello world\nsecond line\n" + bytes(range(256)) * 40


def sandbox_fixture(root):
    (root / "outside").mkdir()
    (root / "outside/secret.txt").write_text("SECRET\n")
    (root / "work/inside.txt").write_text("inside\n")
    (root / "work/sub").mkdir()
    os.symlink("../outside", root / "work/pre_rel")
    os.symlink(root / "outside/secret.txt", root / "work/pre_abs")
    os.symlink("../../outside", root / "work/sub/pre_up")


CASES = [
    Case("hello", "hello"),
    Case("args", "args", args=["42", "a b", "", "ünïcödé", "--dir"]),
    Case("environ", "environ", env={"GREETING": "hi there", "EMPTY": "", "EQ": "a=b"},
         must_print=["GREETING=hi there", "count=3"]),
    Case("exit-0", "exitcode", args=["0"], exit=0),
    Case("exit-3", "exitcode", args=["3"], exit=3),
    Case("exit-return-7", "exitcode", args=["7", "return"], exit=7),
    Case("exit-125", "exitcode", args=["125"], exit=125),
    Case("files", "files", must_print=["open excl existing: -1 EEXIST", "size after truncate: 4",
                                       "unlink b again: -1 ENOENT", "sum of squares: 328350"]),
    Case("dirs", "dirs", must_print=["rmdir d (not empty): -1 ENOTEMPTY", "/work/d: file g/",
                                     "cwd: /work/d"]),
    Case("stat", "stat",
         spec_lines={"atime=": ["atime=1000000000.123456789 mtime=1234567890.987654321",
                                "atime=1000000000.123456789 mtime=1500000000.000000005"]},
         must_print=["stat /work/g: file size=5 nlink=2", "lstat /work/s: symlink"]),
    # Node deviation in "stat": it drops the nanoseconds of timestamps it sets
    # (filestat_set_times takes nanoseconds, witx `timestamp`).
    Case("seek", "seek", must_print=["got [abXYef]", "position after pwrite: 10",
                                     "6162585965666768696a000000000000000000005a"]),
    Case("errors", "errors", must_print=["open missing: -1 ENOENT", "unlink dir: -1 EISDIR",
                                         "rename dir onto non-empty dir: -1 ENOTEMPTY"]),
    Case("fdops", "fdops",
         spec_lines={
             # Node reports O_APPEND on a descriptor opened without it; the
             # fdstat flags are the ones it was opened with (witx fdflags).
             "append flag before:": ["append flag before: 0"],
             # Node: EINVAL for an open fd that is not a preopen; wasmtime and
             # wasi-libc's preopen scan treat "not a preopened dir" as EBADF.
             "prestat stdout:": ["prestat stdout: 8"],
         },
         must_print=["got [one", "read old fd: -1 EBADF", "prestat name: 0 [/work]"]),
    Case("time", "time", must_print=["monotonic went back 0 times", "realtime after 2020: yes",
                                     "resolution <= 1ms: yes", "process cputime advanced: yes"]),
    Case("sleep", "sleep", must_print=["nanosleep >= 100ms: yes", "usleep >= 50ms: yes",
                                       "sleep >= 1s: yes, < 5s: yes"]),
    Case("sleep-abstime", "sleep_abs",
         node_deviates="Node never returns from an absolute monotonic-clock sleep "
                       "(subclockflags.subscription_clock_abstime)",
         stdout="clock_nanosleep abstime: 0\nreached deadline: yes\n", exit=0),
    Case("poll-clocks", "poll", args=["clocks"],
         must_print=["two clocks: errno 0, 1 events", "  userdata 2 type 0 error 0",
                     "no subscriptions: errno 28"]),
    Case("poll-files", "poll", args=["files"],
         node_deviates="Node fails fd subscriptions on regular files with EPERM; "
                       "regular files are always ready (POSIX poll, which WASI follows)",
         stdout="file readable: errno 0, 1 events\n  userdata 10 type 1 error 0\n"
                "file writable: errno 0, 1 events\n  userdata 20 type 2 error 0\n", exit=0),
    Case("poll-badfd", "poll", args=["badfd"],
         node_deviates="Node reports a bad fd subscription as a clock event with userdata 0; "
                       "the event must carry the subscription's userdata, type fd_read and "
                       "error badf (8)",
         stdout="bad fd: errno 0, 1 events\n  userdata 30 type 1 error 8\n", exit=0),
    Case("random", "random", must_print=["getentropy: 0", "two calls differ: yes",
                                         "at least 100 distinct byte values in 256: yes"]),
    Case("stdin", "stdin", stdin=STDIN_DATA,
         must_print=["HELLO WORLD", stdin_summary(STDIN_DATA)]),
    Case("bigio", "bigio", must_print=["written 3145728", "read 3145728, checksum matches",
                                       "stdio read 3145728, checksum matches"]),
    Case("manyfiles", "manyfiles", must_print=["entries 600, each exactly once 600, unexpected 0"]),
    Case("sandbox", "sandbox", fixture=sandbox_fixture,
         node_deviates="Node's WASI is not a sandbox (its documentation says so): it follows "
                       "symlinks that lead out of the preopen and refuses '..' in symlinks "
                       "that stay inside",
         stdout="""open /work/inside.txt: READ [inside
]
open /work/../outside/secret.txt: ENOTCAPABLE
open /work/sub/../../outside/secret.txt: ENOTCAPABLE
open /etc/passwd: ENOTCAPABLE
open /outside/secret.txt: ENOTCAPABLE
open ../outside/secret.txt: ENOTCAPABLE
symlink out: -1 ENOTCAPABLE
open /work/out/secret.txt: ENOENT
symlink out via subdir: -1 ENOTCAPABLE
open /work/sub/deep: ENOENT
open /work/pre_rel/secret.txt: ENOTCAPABLE
open /work/pre_abs: ENOTCAPABLE
open /work/sub/pre_up/secret.txt: ENOTCAPABLE
create through existing symlink out: -1 ENOTCAPABLE
unlink through existing symlink out: -1 ENOTCAPABLE
symlink inside: 0
open /work/sub/in: READ [inside
]
create through symlink out: -1 ENOENT
unlink through symlink out: -1 ENOENT
mkdir through symlink out: -1 ENOENT
rename into outside: -1 ENOENT
unlink the symlink itself: -1 ENOENT
""", exit=0),
    Case("twodirs", "twodirs", dirs=[("work", "/work"), ("other", "/other")],
         must_print=["fd 4: 0 /other", "fd 5: 8 -", "/other/a: [moved across]",
                     "/work/b: [moved across]", "open /other/../work/b: -1 ENOTCAPABLE"]),
    Case("syncs", "syncs", must_print=["fsync: 0", "posix_fadvise bad advice: 28",
                                       "size after fallocate: 4096", "isatty(1): 0"]),
    Case("trap", "trap", stderr_has="wasm trap", exit=134, must_print=["before the trap"]),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_program(case, tmp_path):
    root = fresh(tmp_path, "kpio", case)
    code, out, err = run([KPIO, "run"], case, root)
    files = snapshot(root)

    if case.node_deviates:
        # The specification's answer, not Node's.
        assert out == case.stdout, case.node_deviates
        assert code == case.exit
        if case.name == "sandbox":
            assert files["outside/secret.txt"] == ("file", b"SECRET\n")
            assert not any(k.startswith("outside/") and k != "outside/secret.txt" for k in files)
        return

    node_root = fresh(tmp_path, "node", case)
    ncode, nout, nerr = run(NODE, case, node_root)
    node_files = snapshot(node_root)

    if case.spec_lines:
        prefixes = list(case.spec_lines)
        assert without(out, prefixes) == without(nout, prefixes)
        for prefix, lines in case.spec_lines.items():
            assert [l for l in out.splitlines() if l.startswith(prefix)] == lines
    else:
        assert out == nout
    if case.stderr_has:
        assert case.stderr_has in err and case.stderr_has in nerr
    else:
        assert err == nerr
    assert code == ncode
    if case.exit is not None:
        assert code == case.exit
    assert files == node_files
    for line in case.must_print:
        assert line in out.splitlines(), line


# ---- kpio-wasm only: behaviour Node has no equivalent for ----

def kpio(*args, **kw):
    return subprocess.run([KPIO, *map(str, args)], capture_output=True, timeout=TIMEOUT, **kw)


def test_exit_status_126_and_up_is_an_error():
    # wasmtime: proc_exit statuses outside [0, 126) are refused with exit 1
    # (126+ mean "not executable", "not found" and signals to a shell).
    p = kpio("run", WASM / "exitcode.wasm", 200)
    assert p.returncode == 1
    assert p.stdout == b"exiting with 200\n"
    assert b"invalid exit status" in p.stderr


def test_proc_raise_terminates_like_the_signal():
    # Node's proc_raise sends the signal to Node itself; kpio-wasm ends the
    # instance with the status a shell shows for SIGTERM (128 + 15).
    p = kpio("run", WASM / "raise.wasm")
    assert p.stdout == b"raising\nraise CHLD (ignored): 0\nraise 99 (no such signal): 28\n"
    assert p.returncode == 143
    assert b"SIGTERM" in p.stderr


def test_fuel_stops_a_runaway_module():
    p = kpio("run", "--fuel", 2000000, WASM / "spin.wasm")
    assert p.stdout == b"spinning\n"
    assert p.returncode == 134
    assert b"fuel" in p.stderr


def test_no_preopen_no_files(tmp_path):
    # Without --dir nothing is reachable: wasi-libc finds no preopen.
    p = kpio("run", WASM / "sandbox.wasm", cwd=tmp_path)
    assert b"open /work/inside.txt: ENOTCAPABLE" in p.stdout
    assert list(tmp_path.iterdir()) == []


def test_preopened_socket(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen([KPIO, "run", "--tcplisten", f"127.0.0.1:{port}",
                             WASM / "sockecho.wasm"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 20
        while True:
            try:
                c = socket.create_connection(("127.0.0.1", port), timeout=5)
                break
            except ConnectionRefusedError:
                assert time.time() < deadline, "kpio-wasm never listened"
                time.sleep(0.05)
        with c:
            c.sendall(b"hello socket\n")
            reply = b""
            while chunk := c.recv(100):
                reply += chunk
        out, err = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert reply == b"13:HELLO SOCKET\n"
    assert out == (b"accept: 0\nreceived 13 bytes\nsent: 16\nshutdown: 0\n"
                   b"shutdown on a file: 57\n")   # ENOTSOCK
    assert proc.returncode == 0, err


def test_validate_and_inspect(tmp_path):
    good = WASM / "hello.wasm"
    p = kpio("validate", good)
    assert p.returncode == 0 and p.stdout.endswith(b": valid\n")
    bad = tmp_path / "bad.wasm"
    data = bytearray(good.read_bytes())
    data[8] = 0x7f                      # a section id that does not exist
    bad.write_bytes(bytes(data))
    p = kpio("validate", bad)
    assert p.returncode == 1 and p.stderr
    p = kpio("inspect", good)
    assert p.returncode == 0
    text = p.stdout.decode()
    for want in ("type", "import", "code", "func   wasi_snapshot_preview1.fd_write",
                 "func   _start", "memory memory"):
        assert want in text, want
    p = kpio("run", tmp_path / "missing.wasm")
    assert p.returncode == 1 and b"cannot open" in p.stderr
    p = kpio("run", bad)
    assert p.returncode == 1 and p.stderr
