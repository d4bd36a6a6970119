#!/usr/bin/env python3
"""tests/bench/run_bench.py — the runtime benchmarks (make bench).

For each compute program: the native build (gcc -O2), the same .wasm
(clang -O2) under kpio-wasm's JIT, its interpreter and Node (V8), run in rounds
side by side in one run; medians of --runs rounds; each ratio to native and
the geometric mean. Every run's output must equal the native output. Then,
for large modules, the time from `kpio-wasm run` to exit of an empty main
and peak RSS, the JIT's compile throughput (bench-compile), and the
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
    """Wall time, peak resident set (KiB), exit status and CPU time (user +
    system) of one run of cmd."""
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.execvp(cmd[0], cmd)
    _, status, usage = os.wait4(pid, 0)
    return (time.perf_counter() - t0, usage.ru_maxrss, os.waitstatus_to_exitcode(status),
            usage.ru_utime + usage.ru_stime)


def print_compute(a, rows):
    """The compute table: medians, ratios to native, geometric means."""
    print(f"\n### Compute benchmarks ({time.strftime('%Y-%m-%d')}, median of {a.runs} runs; "
          "CPU seconds (user + system, all threads) of the whole process, start-up included; "
          "ratio = time / native; wall-time ratios in brackets)\n")
    print("| program | kind | native gcc -O2 | kpio-wasm interp | ratio | kpio JIT (issue 7) "
          "| ratio | Node (V8) | ratio |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    ratios = {e: [] for e in rows[0][1] if e != "native"}
    wratios = {e: [] for e in ratios}
    for prog, med, wmed, ok in rows:
        cells = {}
        for e in ratios:
            r, w = med[e] / med["native"], wmed[e] / wmed["native"]
            ratios[e].append(r)
            wratios[e].append(w)
            cells[e] = f"{med[e]:.2f} | {r:.2f}x ({w:.2f}x)"
        flag = "" if ok else " (WRONG OUTPUT)"
        print(f"| {prog}{flag} | {KINDS.get(prog, '')} | {med['native']:.2f} | {cells['kpio']} "
              f"| {cells['jit']} | {cells['node']} |")
    geo = lambda xs: math.exp(sum(map(math.log, xs)) / len(xs))
    g = {e: f"**{geo(ratios[e]):.2f}x** ({geo(wratios[e]):.2f}x)" for e in ratios}
    print(f"| **geometric mean** | | | | {g['kpio']} | | {g['jit']} | | {g['node']} |")


def large_module(a, big):
    """Start-up with a large module whose main returns at once: the wall
    time from `kpio-wasm run` (JIT and interpreter) and Node to exit, and
    peak RSS; then bench-compile's split of the load into validation, the
    interpreter's translation and the JIT's compilation. Prints Markdown; returns the number of failures."""
    failed = 0
    size = os.path.getsize(big)
    runs = {"kpio JIT": [a.kpio, "run", big], "kpio interp": [a.kpio, "run", "--interp", big],
            "node": NODE + [big]}
    results = {e: [] for e in runs}
    for _ in range(max(a.runs, 5)):
        for e, cmd in runs.items():
            results[e].append(peak_rss(cmd))
    print(f"\n### Large module: {size / 1e6:.1f} MB of wasm ({Path(big).name}), "
          "`run` to exit: load + validate + compile + instantiate + an empty main\n")
    print("| engine | wall time (median) | CPU time (median) | peak RSS |")
    print("|---|---:|---:|---:|")
    for e, rs in results.items():
        bad = [r for r in rs if r[2] != 0]
        if bad:
            failed += 1
            print(f"{e}: {big} exited {bad[0][2]}", file=sys.stderr)
        print(f"| {e} | {statistics.median(r[0] for r in rs) * 1e3:.0f} ms "
              f"| {statistics.median(r[3] for r in rs) * 1e3:.0f} ms "
              f"| {statistics.median(r[1] for r in rs) / 1024:.1f} MiB |")
    if a.compile:
        p = subprocess.run([a.compile, big, str(max(a.runs, 5))], capture_output=True, text=True)
        if p.returncode:
            print(f"bench-compile {big}: {p.stderr}", file=sys.stderr)
            return failed + 1
        v = dict(line.split() for line in p.stdout.splitlines())
        print(f"\nIn-process load (median of {max(a.runs, 5)}): `wasm_module_validate` "
              f"(decode + validate) {v['validate_ms']} ms; `wasm_module_load` with the "
              f"interpreter (decode + validation and translation) {v['interp_load_ms']} ms, "
              f"with the JIT (decode + validation, then compilation; no interpreter code) "
              f"{v['jit_load_ms']} ms, so {v['jit_ms']} ms of JIT compilation for "
              f"{int(v['code_bytes']) / 1e6:.1f} MB of code section: "
              f"**{v['jit_mb_s']} MB/s** compiled; the whole JIT load {v['jit_load_mb_s']} MB/s "
              f"of code section ({v['load_mb_s']} MB/s of module).")
    return failed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--native", required=True, help="directory of native builds")
    ap.add_argument("--wasm", required=True, help="directory of .wasm builds")
    ap.add_argument("--kpio", required=True)
    ap.add_argument("--instances", help="the bench-instances program")
    ap.add_argument("--big", nargs="*", default=[], help="large modules for the load benchmark")
    ap.add_argument("--compile", help="the bench-compile program (JIT compile throughput)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only", nargs="*", default=PROGRAMS)
    a = ap.parse_args()

    engines = {
        "native": lambda p: [f"{a.native}/{p}"],
        "jit": lambda p: [a.kpio, "run", f"{a.wasm}/{p}.wasm"],
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

    if rows:
        print_compute(a, rows)

    for big in a.big:
        failed += large_module(a, big)
    if a.instances:
        print("\n### Extra instances of a loaded module\n")
        for mod in [f"{a.wasm}/fib.wasm"] + a.big[:1]:
            p = subprocess.run([a.instances, mod, "100"], capture_output=True, text=True)
            if p.returncode:
                failed += 1
                print(f"bench-instances {mod}: {p.stderr}", file=sys.stderr)
            print(f"- `{Path(mod).name}`: " + p.stdout.strip().replace("\n", "; "))
    print(f"\n{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
