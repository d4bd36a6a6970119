#!/usr/bin/python3
"""tests/bench/storage_bench.py — KPIO's FAT32 on virtio-blk beside Debian's
Linux with vfat, in the same QEMU machine (tools/kpio-qemu: q35, TCG,
2 CPUs, 1 GiB, the disk on virtio-blk), round after round, alternating.

Both run the same steps on a fresh 1 GiB FAT32 image (mkfs.fat, 4 KiB
clusters): KPIO the monitor's `fstest bench vdb 128 2000`
(kernel/fs/storage_fstest.c), Linux tools/linux-guest/guest/fsbench.c:
sequential write of 128 MiB (1 MiB writes, then fsync), sequential read after
a remount, 2000 files of 4 KiB created (then sync) and deleted (then sync).
Each figure is measured inside the guest. Medians of the rounds; the ratio
is KPIO / Linux (above 1: KPIO is faster). Raw results in
build/bench/storage.json. Last line: 'N passed, N failed'.
"""
import argparse
import datetime
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "system"))
import kpio  # noqa: E402

LINUX = os.path.join(ROOT, "tools", "linux-guest", "linux-guest")
OUT = os.path.join(ROOT, "build", "bench")
BENCH_LINE = re.compile(r"^bench: (\S+) = ([0-9.]+) (\S+)", re.M)
MIB, FILES = 128, 2000
PAIRS = [("sequential write, 1 MiB writes + fsync", "seq_write", "linux_seq_write"),
         ("sequential read after remount", "seq_read", "linux_seq_read"),
         ("files of 4 KiB created (+ sync)", "create_4k", "linux_create_4k"),
         ("files deleted (+ sync)", "delete_4k", "linux_delete_4k")]


def fresh_disk(path):
    if os.path.exists(path):
        os.unlink(path)
    subprocess.run(["mkfs.fat", "-C", "-F", "32", "-s", "8", path, str(1024 * 1024)],
                   check=True, capture_output=True)
    return path


def metrics(text):
    return {m.group(1): (float(m.group(2)), m.group(3)) for m in BENCH_LINE.finditer(text)}


def run_kpio(disk):
    with kpio.Guest(timeout=900, extra=["--disk", disk], name="bench-storage-kpio") as g:
        g.expect("kpio> ", timeout=120)
        g.sendline("fstest bench vdb %d %d" % (MIB, FILES))
        g.expect("fstest: (done|FAILED.*)", timeout=800)
        return metrics(kpio.clean(bytes(g._raw)))


def run_linux(disk):
    p = subprocess.run([LINUX, "run", "--cmd", "fsbench", "--disk", disk, "--timeout", "900"],
                       stdin=subprocess.DEVNULL, capture_output=True)
    return metrics(kpio.clean(p.stdout))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "0")) or 3)
    args = ap.parse_args()
    subprocess.run([LINUX, "build"], check=True)
    samples, units, passed, failed = {}, {}, 0, 0
    with tempfile.TemporaryDirectory(prefix="kpio-storage-bench-") as tmp:
        disk = os.path.join(tmp, "bench.img")
        for r in range(args.rounds):
            for who, fn, names in (("KPIO", run_kpio, [k for _, k, _ in PAIRS]),
                                   ("Linux", run_linux, [l for _, _, l in PAIRS])):
                m = fn(fresh_disk(disk))
                if all(n in m for n in names):
                    passed += 1
                else:
                    failed += 1
                    print("storage-bench: %s round %d produced %s" % (who, r + 1, sorted(m)))
                for n, (v, u) in m.items():
                    samples.setdefault(n, []).append(v)
                    units[n] = u
    med = {n: statistics.median(v) for n, v in samples.items()}
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    qemu = subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True,
                          text=True).stdout.splitlines()[0]
    print("== storage: FAT32 on virtio-blk, %d rounds, medians (%s, %s, %d cores, %s, TCG)"
          % (args.rounds, datetime.date.today(), cpu, os.cpu_count(), qemu))
    print("  %-42s %14s %14s %10s" % ("", "KPIO", "Linux", "KPIO/Linux"))
    for label, k, l in PAIRS:
        kv, lv = med.get(k), med.get(l)
        unit = units.get(k, units.get(l, ""))
        ratio = "%9.2fx" % (kv / lv) if kv and lv else ""
        print("  %-42s %14s %14s %10s" % (label, "%.1f %s" % (kv, unit) if kv else "-",
                                          "%.1f %s" % (lv, unit) if lv else "-", ratio))
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "storage.json"), "w") as f:
        json.dump({"date": datetime.datetime.now().isoformat(timespec="seconds"), "cpu": cpu,
                   "qemu": qemu, "medians": med, "units": units, "samples": samples}, f, indent=1)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
