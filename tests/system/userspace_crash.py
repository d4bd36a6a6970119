"""tests/system/userspace_crash.py — crash containment in KPIO: hostile apps
(tests/apps/src/hostile.c) started from the shell end alone, with a clear
message on their stderr and in the shell, and the rest carries on.

  - a trap, an out-of-bounds access, unbounded recursion (the engine's call
    stack, and the C stack leaving linear memory), division by zero, bad
    pointers handed to host calls, a program holding a file, a pipe and a
    socket when it traps;
  - an endless loop stopped by a CPU-time limit, by kill, and by ^C;
  - memory: a per-app limit, and the whole machine's budget (this boot has
    512 MiB): malloc fails in the app, the kernel is fine;
  - 1000 hostile runs (tests/apps/src/churn.c, every way of dying, each
    status checked) between two readings of the kernel's memory counters
    (the monitor's `counters`: free frames, heap objects and bytes, app
    handles, reservations), which must be equal; no panic.
"""
import os
import re

import pytest

from shell import DiskImage, Shell

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TESTS = os.path.join(ROOT, "build", "wasm", "tests")
DATA = "KPIO-DATA"


@pytest.fixture(scope="module")
def sh(tmp_path_factory):
    disk = DiskImage(tmp_path_factory.mktemp("crash"))
    disk.mkdir(DATA, "/t")
    for name in ("hostile.wasm", "churn.wasm"):
        disk.put(DATA, "/t/" + name, open(os.path.join(TESTS, name), "rb").read())
    with Shell(image=disk.path, mem="512M", name="userspace_crash") as s:
        s.ok("cd /data/t; export PATH=/bin:/data/t")
        yield s


def alive(sh):
    assert sh.ok("echo alive | wc -c").split() == ["6"]


@pytest.mark.parametrize("mode,trap", [
    ("trap", "unreachable"),
    ("oob", "out of bounds memory access"),
    ("recurse", "call stack exhausted"),
    ("overflow", "out of bounds memory access"),
    ("divzero", "integer divide by zero"),
    ("hoarder", "unreachable"),
])
def test_trap_ends_only_the_app(sh, mode, trap):
    out, status = sh.run(f"hostile {mode}")
    assert status == 134
    assert f"kpio: hostile: wasm trap: {trap}" in out        # on its stderr
    assert re.search(r"sh: hostile: crashed: ", out), out    # and in the shell
    alive(sh)


def test_bad_pointers_to_host_calls_are_errors(sh):
    out, status = sh.run("hostile badptr")
    assert status == 0 and "badptr: 21 21 -1" in out         # KPIO_EFAULT twice, write fails


def test_endless_loop_cpu_limit(sh):
    out, status = sh.run("run --cpu 200 hostile spin")
    assert status == 137 and "kpio: hostile: stopped: CPU time limit reached" in out
    alive(sh)


def test_endless_loop_kill(sh):
    sh.ok("hostile spin > /dev/null 2>&1 & true")
    ps = sh.ok("ps")
    assert re.search(r"^\s*(\d+)\s+\d+\s+R\s.*hostile", ps, re.M), ps
    out, status = sh.run("kill $!; wait $!")
    assert status == 137, out
    assert "hostile" not in sh.ok("ps")


def test_endless_loop_control_c(sh):
    sh.guest.expect(r"\$ ")
    sh.guest.sendline("hostile spin")
    sh.expect("hostile: spin")
    sh.send("\x03")
    sh.expect(r"\^C")
    alive(sh)
    assert "hostile" not in sh.ok("ps")


def test_memory_limit_per_app(sh):
    out, status = sh.run("run --pages 80 hostile memhog")
    assert status == 3 and re.search(r"memhog: out of memory after \d MiB", out), out


def test_machine_memory_exhausted(sh):
    before = sh.monitor("counters")
    out, status = sh.run("hostile memhog", timeout=600)
    assert status == 3, out
    mib = int(re.search(r"memhog: out of memory after (\d+) MiB", out).group(1))
    assert 200 < mib < 512          # the budget of a 512 MiB machine, not memhog's own cap
    alive(sh)
    after = sh.monitor("counters")
    assert field(after, "committed") == field(before, "committed")


def field(counters, name):
    return int(re.search(name + r"=(\d+)", counters).group(1))


def test_thousand_hostile_runs_leave_nothing(sh):
    g = sh.guest
    # once to warm up (the module cache, kernel stacks), then measured
    g.expect(r"\$ ")
    g.sendline("churn /data/t/hostile.wasm 1")
    g.expect("ready\n")
    g.sendline("")
    g.expect("done\n")
    g.sendline("")
    g.expect(r"\$ ")
    g.sendline("churn /data/t/hostile.wasm 100")
    g.expect("ready\n")
    before = sh.monitor("counters", at_prompt=False)
    g.sendline("")
    m = g.expect(r"(\d+) runs, (\d+) bad, (\d+) processes left", timeout=1200)
    assert m.group(1) == "1000" and m.group(2) == "0", m.group(0)
    g.expect("done\n")
    after = sh.monitor("counters", at_prompt=False)
    g.sendline("")
    for name in ("frames_free", "heap_objects", "heap_bytes", "handles", "reservations",
                 "committed", "processes"):
        assert field(after, name) == field(before, name), (name, before, after)
    alive(sh)
