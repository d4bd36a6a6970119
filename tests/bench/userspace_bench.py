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

KPIO's figures are medians of RUNS runs in one boot; Linux's are medians of
5 runs inside its program. Prints a markdown report for docs/perf.md and
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


def kpio_side(runs, work):
    disk = DiskImage(work)
    disk.mkdir("KPIO-DATA", "/bench")
    for name in ("spawn_bench", "hostcall_bench", "hello", "instances_bench"):
        disk.put("KPIO-DATA", f"/bench/{name}.wasm",
                 open(os.path.join(BENCH, name + ".wasm"), "rb").read())
    res = {"first": [], "start": [], "call": [], "empty": [], "wasm": []}
    with Shell(image=disk.path, name="userspace_bench") as sh:
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as work:
        kpio, per, points = kpio_side(args.runs, work)
    linux = linux_side()
    start = statistics.median(kpio["start"])
    first = statistics.median(kpio["first"])
    call = statistics.median(kpio["call"])
    empty = statistics.median(kpio["empty"])
    wasm = statistics.median(kpio["wasm"])
    fork = linux["linux_fork_exec_wait"]
    sysc = linux["linux_null_syscall"]
    print("| measure | KPIO | Linux guest | ratio (Linux / KPIO) | goal |")
    print("|---|---|---|---|---|")
    print(f"| app start to exit, hello world (compiled module shared) | {start / 1000:.1f} µs "
          f"| {fork / 1000:.1f} µs (fork+exec+wait, busybox true) | {fork / start:.1f}x | ≥ 10x |")
    print(f"| first start (validates and compiles the module) | {first / 1000:.1f} µs | | | |")
    print(f"| null host call / null system call, per loop iteration | {call:.1f} ns "
          f"(kpio_proc_self) | {sysc:.1f} ns (getppid) | {sysc / call:.1f}x | ≥ 20x |")
    print(f"| the host call alone (less the interpreted loop: {empty:.1f} ns) | "
          f"{call - empty:.1f} ns | {sysc:.1f} ns | {sysc / (call - empty):.1f}x | ≥ 20x |")
    print(f"| for scale: a call to a WebAssembly function doing the same | {wasm - empty:.1f} ns "
          f"| | | |")
    print()
    print(f"memory per extra instance of sleep.wasm inside KPIO: {per['resident_kib']:.0f} KiB "
          f"resident (frames), of which {per['heap_kib']:.0f} KiB kernel heap; "
          f"{per['accessible_kib']:.0f} KiB accessible (committed, backed on first touch)")
    print("instances and free frames:", ", ".join(f"{n}: {c['frames_free']}" for n, c in points))
    print(f"KPIO runs: start {[round(x) for x in kpio['start']]} ns, "
          f"call {[round(x, 1) for x in kpio['call']]} ns, empty loop "
          f"{[round(x, 1) for x in kpio['empty']]} ns")
    print("1 passed, 0 failed")


if __name__ == "__main__":
    main()
