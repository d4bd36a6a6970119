#!/usr/bin/python3
"""App benchmarks for the hosted kpio-wasm (make bench-apps), side by side
with Linux in one run, medians of several runs:

  - app cold start: open + kpio_proc_spawn + kpio_proc_wait of a hello-world
    module (the first start compiles it; later ones share the compiled
    module), beside fork + exec + waitpid of a static busybox applet;
  - a null host call (kpio_proc_self) beside a null Linux system call
    (syscall(SYS_getpid));
  - the memory each extra instance of a running module costs (growth of
    kpio-wasm's resident set per started instance of sleep.wasm).

Prints a markdown report for docs/perf.md and 'N passed, N failed'.
"""
import argparse
import os
import statistics
import subprocess
import sys


def parse(out):
    values = {}
    for line in out.splitlines():
        key, _, value = line.partition(" ")
        values[key] = float(value)
    return values


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: status {p.returncode}: {p.stderr.strip()}")
    return parse(p.stdout)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def instances(kpio, bench_dir, sleep_module, step, steps):
    """Resident memory of kpio-wasm after each step of `step` instances."""
    cmd = [kpio, "run", "--dir", f"{os.path.dirname(sleep_module)}::/bin",
           os.path.join(bench_dir, "instances_bench.wasm"), "/bin/sleep.wasm", "60",
           str(step), str(steps)]
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    points = []
    try:
        for _ in range(steps + 1):
            line = p.stdout.readline()
            count = int(line.split()[1])
            points.append((count, rss_kib(p.pid)))
            p.stdin.write("\n")
            p.stdin.flush()
    finally:
        p.kill()
        p.wait()
    return points


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kpio", required=True)
    ap.add_argument("--bench", required=True, help="folder of the bench .wasm files")
    ap.add_argument("--native", required=True, help="native_baseline program")
    ap.add_argument("--busybox", default="/bin/busybox")
    ap.add_argument("--sleep", required=True, help="sleep.wasm")
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    passed = failed = 0
    kpio_run = [a.kpio, "run", "--dir", f"{a.bench}::/b"]

    print("### App cold start and host calls (hosted kpio-wasm beside Linux)\n")
    print("| measure | KPIO (kpio-wasm) | Linux | Linux / KPIO |")
    print("|---|---|---|---|")
    try:
        first, warm, native = [], [], []
        for _ in range(a.runs):
            r = run(kpio_run + [f"{a.bench}/spawn_bench.wasm", "/b/hello.wasm", "200"])
            first.append(r["first_ns"])
            warm.append(r["median_ns"])
            native.append(run([a.native, "spawn", a.busybox, "200"])["median_ns"])
        f, w, n = statistics.median(first), statistics.median(warm), statistics.median(native)
        print(f"| start + exit, first (compiles the module) | {f / 1e3:.0f} µs | {n / 1e3:.0f} µs "
              f"| {n / f:.1f}x |")
        print(f"| start + exit, module already compiled | {w / 1e3:.0f} µs | {n / 1e3:.0f} µs "
              f"| {n / w:.1f}x |")
        passed += 1
    except (RuntimeError, KeyError, subprocess.TimeoutExpired) as e:
        print(f"cold start: {e}", file=sys.stderr)
        failed += 1
    try:
        calls, syscalls = [], []
        for _ in range(a.runs):
            calls.append(run(kpio_run + [f"{a.bench}/hostcall_bench.wasm", "2000000"])["ns_per_call"])
            syscalls.append(run([a.native, "syscall", "2000000"])["ns_per_call"])
        c, s = statistics.median(calls), statistics.median(syscalls)
        print(f"| null host call (kpio_proc_self) vs null syscall (getpid) | {c:.1f} ns | {s:.1f} ns "
              f"| {s / c:.1f}x |")
        passed += 1
    except (RuntimeError, KeyError, subprocess.TimeoutExpired) as e:
        print(f"host call: {e}", file=sys.stderr)
        failed += 1

    print("\n### Memory per extra instance\n")
    try:
        slopes = []
        for _ in range(a.runs):
            pts = instances(a.kpio, a.bench, a.sleep, 10, 3)
            (c1, r1), (c3, r3) = pts[1], pts[-1]
            slopes.append((r3 - r1) / (c3 - c1))
        print(f"Resident memory of kpio-wasm grows by {statistics.median(slopes):.0f} KiB per extra "
              f"running instance of `sleep.wasm` (from 10 to 30 instances; the module is compiled "
              f"once, for the first). Points of the last run (instances, KiB): "
              + ", ".join(f"{c}: {r}" for c, r in pts))
        passed += 1
    except (RuntimeError, ValueError, IndexError, OSError) as e:
        print(f"instances: {e}", file=sys.stderr)
        failed += 1
    print(f"\n{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
