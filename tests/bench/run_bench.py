#!/usr/bin/env python3
"""tests/bench/run_bench.py — the runtime benchmarks (make bench).

For each compute program: the native build (gcc -O2), the same .wasm
(clang -O2) under kpio-wasm's interpreter and under Node (V8), run in rounds
side by side in one run; medians of --runs rounds; each ratio to native and
the geometric mean. Every run's output must equal the native output. Then
load + validate + instantiate time and peak RSS for a large module, and the
resident memory each extra instance costs.

Prints Markdown for docs/perf.md and ends with 'N passed, N failed'
(a program passes when all its runs agreed with native)."""
import argparse
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
NODE = ["node", "--no-warnings", str(HERE.parent / "wasi/node-run.mjs")]
PROGRAMS = ["nbody", "sieve", "fib", "matmul", "sha256", "sort", "mandel", "lz", "simd", "hashmap"]
KINDS = {
    "nbody": "floating point", "sieve": "integer, memory", "fib": "calls (direct, indirect)",
    "matmul": "float, memory", "sha256": "integer bit ops", "sort": "branchy",
    "mandel": "float, branchy", "lz": "branchy, memory", "simd": "SIMD-friendly (simd128)",
    "hashmap": "memory-bound (cache misses)",
}


def timed(cmd):
    """Run cmd; return (CPU seconds, wall seconds, stdout, exit status, stderr).
    CPU time is user + system of the child (all its threads), from wait4:
    on a shared machine it varies far less than wall time."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = p.stdout.read()     # benchmark programs print little: no deadlock
    err = p.stderr.read()
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    return usage.ru_utime + usage.ru_stime, wall, out, p.returncode, err


def peak_rss(cmd):
    """Peak resident set (KiB) and wall time of one run of cmd."""
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.execvp(cmd[0], cmd)
    _, status, usage = os.wait4(pid, 0)
    return time.perf_counter() - t0, usage.ru_maxrss, os.waitstatus_to_exitcode(status)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--native", required=True, help="directory of native builds")
    ap.add_argument("--wasm", required=True, help="directory of .wasm builds")
    ap.add_argument("--kpio", required=True)
    ap.add_argument("--instances", help="the bench-instances program")
    ap.add_argument("--big", help="a large module for the load benchmark")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only", nargs="*", default=PROGRAMS)
    a = ap.parse_args()

    engines = {
        "native": lambda p: [f"{a.native}/{p}"],
        "kpio": lambda p: [a.kpio, "run", "--interp", f"{a.wasm}/{p}.wasm"],
        "node": lambda p: NODE + [f"{a.wasm}/{p}.wasm"],
    }
    passed = failed = 0
    rows = []
    for prog in a.only:
        times = {e: [] for e in engines}
        walls = {e: [] for e in engines}
        ok = True
        expected = None
        for r in range(a.runs):
            for engine, cmd in engines.items():
                secs, wall, out, code, err = timed(cmd(prog))
                walls[engine].append(wall)
                if expected is None:
                    expected = out
                if code != 0 or out != expected:
                    ok = False
                    print(f"{prog}/{engine}: exit {code}, output differs from native:\n"
                          f"{out[:200]!r}\n{err[:300]!r}", file=sys.stderr)
                times[engine].append(secs)
            print(f"  {prog} round {r + 1} (CPU s): " +
                  ", ".join(f"{e} {times[e][-1]:.2f}s" for e in engines), file=sys.stderr)
        med = {e: statistics.median(t) for e, t in times.items()}
        wmed = {e: statistics.median(t) for e, t in walls.items()}
        rows.append((prog, med, wmed, ok))
        passed += ok
        failed += not ok

    print(f"\n### Compute benchmarks ({time.strftime('%Y-%m-%d')}, median of {a.runs} runs; "
          "CPU seconds (user + system, all threads) of the whole process, start-up included; "
          "ratio = time / native; wall-time ratios in brackets)\n")
    print("| program | kind | native gcc -O2 | kpio-wasm interp | ratio | kpio JIT (issue 7) "
          "| Node (V8) | ratio |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    kr, nr, kw, nw = [], [], [], []
    for prog, med, wmed, ok in rows:
        k, n = med["kpio"] / med["native"], med["node"] / med["native"]
        kwr, nwr = wmed["kpio"] / wmed["native"], wmed["node"] / wmed["native"]
        kr.append(k)
        nr.append(n)
        kw.append(kwr)
        nw.append(nwr)
        flag = "" if ok else " (WRONG OUTPUT)"
        print(f"| {prog}{flag} | {KINDS.get(prog, '')} | {med['native']:.2f} | {med['kpio']:.2f} "
              f"| {k:.1f}x ({kwr:.1f}x) | — | {med['node']:.2f} | {n:.1f}x ({nwr:.1f}x) |")
    geo = lambda xs: math.exp(sum(map(math.log, xs)) / len(xs))
    print(f"| **geometric mean** | | | | **{geo(kr):.1f}x** ({geo(kw):.1f}x) | — | "
          f"| **{geo(nr):.1f}x** ({geo(nw):.1f}x) |")

    if a.big:
        size = os.path.getsize(a.big)
        runs = {"kpio": [], "node": []}
        for _ in range(a.runs):
            runs["kpio"].append(peak_rss([a.kpio, "run", "--interp", a.big]))
            runs["node"].append(peak_rss(NODE + [a.big]))
        print(f"\n### Large module: {size / 1e6:.1f} MB of wasm ({a.big.split('/')[-1]}), "
              "load + validate + instantiate + an empty _start\n")
        print("| engine | wall time (median) | peak RSS |")
        print("|---|---:|---:|")
        for e, rs in runs.items():
            bad = [r for r in rs if r[2] != 0]
            if bad:
                failed += 1
                print(f"{e}: big module exited {bad[0][2]}", file=sys.stderr)
            print(f"| {e} | {statistics.median(r[0] for r in rs) * 1e3:.0f} ms "
                  f"| {statistics.median(r[1] for r in rs) / 1024:.1f} MiB |")
    if a.instances:
        print("\n### Extra instances of a loaded module\n")
        for mod in [f"{a.wasm}/fib.wasm"] + ([a.big] if a.big else []):
            p = subprocess.run([a.instances, mod, "100"], capture_output=True, text=True)
            if p.returncode:
                failed += 1
                print(f"bench-instances {mod}: {p.stderr}", file=sys.stderr)
            print(f"- `{Path(mod).name}`: " + p.stdout.strip().replace("\n", "; "))
    print(f"\n{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
