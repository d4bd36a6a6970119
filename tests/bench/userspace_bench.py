#!/usr/bin/python3
"""tests/bench/userspace_bench.py — KPIO's user space beside Linux, in the same
QEMU machine (tools/kpio-qemu: q35, -cpu max, 2 CPUs, 1 GiB, TCG), one run:

  - app cold start: from the shell's spawn to the exit of a hello-world
    module (tests/bench/apps/spawn_bench.c: open, kpio_proc_spawn,
    kpio_proc_wait; the compiled module is shared after the first start,
    which is reported apart), beside Linux's fork + exec + waitpid of a
    static busybox applet (tools/linux-guest/guest/spawn-bench.c);
  - a null host call (kpio_proc_self: one pointer check, a 4-byte store)
    beside a null Linux system call (syscall(SYS_getppid)); per iteration
    of the interpreted loop, and less the loop's own cost (the same loop
    calling nothing);
  - the memory each extra instance costs inside KPIO: instances of
    /bin/sleep.wasm started 10 at a time (tests/bench/apps/instances_bench.c)
    with the kernel's counters (the monitor's `counters`) read at each step:
    frames in use (everything: linear memory touched, stacks, page tables,
    heap) and bytes made accessible.

KPIO is booted twice, apps under the JIT and under the interpreter
(wasm=interp); its figures are medians of RUNS runs in each boot, Linux's
medians of 5 runs inside its program. Prints a markdown report for docs/perf.md and
'N passed, N failed'.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "system"))
from shell import DiskImage, Shell  # noqa: E402

BENCH = os.path.join(ROOT, "build", "bench", "apps")
LINUX = os.path.join(ROOT, "tools", "linux-guest", "linux-guest")
BENCH_LINE = re.compile(r"bench: (\S+) = ([\d.]+) (\S+)")


def values(out):
    return {k: float(v) for k, v in (l.split() for l in out.splitlines() if len(l.split()) == 2)}


def counters(text):
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", text)}


def kpio_side(runs, work, cmdline=""):
    """One boot: the figures of RUNS runs and the memory per instance."""
    disk = DiskImage(work)
    disk.mkdir("KPIO-DATA", "/bench")
    for name in ("spawn_bench", "hostcall_bench", "hello", "instances_bench"):
        disk.put("KPIO-DATA", f"/bench/{name}.wasm",
                 open(os.path.join(BENCH, name + ".wasm"), "rb").read())
    res = {"first": [], "start": [], "call": [], "empty": [], "wasm": []}
    with Shell(image=disk.path, cmdline=cmdline, name="userspace_bench") as sh:
        if "wasm=interp" in cmdline:
            assert "apps run under the interpreter" in sh.guest.output
        sh.ok("cd /data/bench")
        for _ in range(runs):
            v = values(sh.ok("./spawn_bench.wasm /data/bench/hello.wasm 50", timeout=600))
            res["first"].append(v["first_ns"])
            res["start"].append(v["median_ns"])
            v = values(sh.ok("./hostcall_bench.wasm 1000000", timeout=600))
            res["call"].append(v["ns_per_call"])
            res["empty"].append(v["ns_per_empty_loop"])
            res["wasm"].append(v["ns_per_wasm_call"])
        # memory per instance: 4 steps of 10 sleeping instances
        g = sh.guest
        g.expect(r"\$ ")
        g.sendline("./instances_bench.wasm /bin/sleep.wasm 600 10 4")
        points = []
        for _ in range(5):
            m = g.expect(r"running (\d+)\n", timeout=300)
            c = counters(sh.monitor("counters", at_prompt=False))
            points.append((int(m.group(1)), c))
            g.sendline("")
        g.expect(r"\$ ", timeout=300)
    n0, c0 = points[0]
    n1, c1 = points[-1]
    per = {
        "resident_kib": (c0["frames_free"] - c1["frames_free"]) * 4 / (n1 - n0),
        "heap_kib": (c1["heap_bytes"] - c0["heap_bytes"]) / 1024 / (n1 - n0),
        "accessible_kib": (c1["committed"] - c0["committed"]) / 1024 / (n1 - n0),
    }
    return res, per, points


def linux_side():
    subprocess.run([LINUX, "build"], check=True)
    p = subprocess.run([LINUX, "run", "--cmd", "appbench", "--timeout", "900"],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True)
    found = {m.group(1): float(m.group(2)) for m in BENCH_LINE.finditer(p.stdout)}
    if "linux_fork_exec_wait" not in found:
        raise RuntimeError("no Linux figures:\n" + p.stdout[-3000:])
    return found


def summary(kpio):
    return {k: statistics.median(v) for k, v in kpio.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    engines = (("JIT", ""), ("interpreter", "wasm=interp"))
    found = {}
    for name, cmdline in engines:
        with tempfile.TemporaryDirectory() as work:
            found[name] = kpio_side(args.runs, work, cmdline)
    linux = linux_side()
    fork = linux["linux_fork_exec_wait"]
    sysc = linux["linux_null_syscall"]
    m = {name: summary(found[name][0]) for name, _ in engines}
    j, i = m["JIT"], m["interpreter"]
    print("| measure | KPIO, JIT | KPIO, interpreter | Linux guest | Linux / KPIO (JIT; interp.) "
          "| goal |")
    print("|---|---|---|---|---|---|")
    print(f"| app start to exit, hello world (compiled module shared) | {j['start'] / 1000:.0f} µs "
          f"| {i['start'] / 1000:.0f} µs | {fork / 1000:.0f} µs (fork+exec+wait, busybox true) "
          f"| {fork / j['start']:.1f}x; {fork / i['start']:.1f}x | ≥ 10x |")
    print(f"| first start (reads, validates and compiles the module) | {j['first'] / 1000:.0f} µs "
          f"| {i['first'] / 1000:.0f} µs | | | |")
    print(f"| null host call (kpio_proc_self) / null system call (getppid), per loop iteration "
          f"| {j['call']:.0f} ns | {i['call']:.0f} ns | {sysc:.0f} ns "
          f"| {sysc / j['call']:.1f}x; {sysc / i['call']:.1f}x | ≥ 20x |")
    print(f"| the host call alone (less the empty loop: {j['empty']:.1f} ns; {i['empty']:.0f} ns) "
          f"| {j['call'] - j['empty']:.0f} ns | {i['call'] - i['empty']:.0f} ns | {sysc:.0f} ns "
          f"| {sysc / (j['call'] - j['empty']):.1f}x; {sysc / (i['call'] - i['empty']):.1f}x "
          f"| ≥ 20x |")
    print(f"| for scale: a call to a WebAssembly function doing the same (less the loop) "
          f"| {j['wasm'] - j['empty']:.0f} ns | {i['wasm'] - i['empty']:.0f} ns | | | |")
    print()
    for name, _ in engines:
        kpio, per, points = found[name]
        print(f"{name}: memory per extra instance of sleep.wasm: {per['resident_kib']:.0f} KiB "
              f"resident (frames), of which {per['heap_kib']:.0f} KiB kernel heap; "
              f"{per['accessible_kib']:.0f} KiB accessible (committed, backed on first touch)")
        print(f"{name}: instances and free frames:",
              ", ".join(f"{n}: {c['frames_free']}" for n, c in points))
        print(f"{name}: runs: start {[round(x) for x in kpio['start']]} ns, "
              f"call {[round(x, 1) for x in kpio['call']]} ns, empty loop "
              f"{[round(x, 1) for x in kpio['empty']]} ns")
    print(f"Linux: {linux}")
    print("1 passed, 0 failed")


if __name__ == "__main__":
    main()
