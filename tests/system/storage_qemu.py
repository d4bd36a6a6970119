"""tests/system/storage_qemu.py — KPIO's storage in QEMU, checked from the host.

(Run by `make test-storage-qemu`; named so that the generic `test-system`
suite does not collect it a second time.)

  - KPIO writes, renames and deletes files on a virtio-blk FAT32 disk (a
    64 MiB file, 1000 small files in one directory, ...): after a clean
    unmount fsck.fat -n finds nothing and mtools reads back exactly the
    model of that workload; and the reverse: files the host wrote with
    mtools read back right in KPIO.
  - The monitor's storage commands, on the boot disk and on an extra disk.
  - Damaged disks attached at boot: never a panic; a read-only disk stays
    untouched.
  - Power cuts: during a workload that fsyncs file after file, the disk is
    cut 45 times in one boot (QEMU paused, the disk copied, resumed: the
    copy is what a power cut at that moment leaves) and 5 times by killing
    QEMU (by its PID) at random moments. After each cut fsck.fat -n may find
    only what fsck.fat -a repairs, and every file fsync'ed before the cut
    reads back intact.
"""
import functools
import hashlib
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "unit", "fs"))

import kpio  # noqa: E402
from fatoracle import (ENV, Model, copy_image, extract, fsck_clean, fsck_report, mkfs,  # noqa: E402
                       mtools_read, pattern, pattern_sha256, run)

PROMPT = "kpio> "


def boot(tmp_path, disks=(), qmp=None, pidfile=None, timeout=300):
    extra = []
    for d in disks:
        extra += ["--disk", d]
    if pidfile:
        extra += ["--qemu-arg=-pidfile", "--qemu-arg=" + pidfile]
    g = kpio.Guest(timeout=timeout, qmp=qmp, extra=extra)
    g.expect(PROMPT, timeout=120)
    return g


def command(g, line, timeout=120):
    """Run a monitor command; return its output (up to the next prompt)."""
    g.sendline(line)
    start = g._pos
    g.expect(PROMPT, timeout=timeout)
    return g.output[start:g._pos]


def fstest(g, line, timeout=600):
    out = command(g, "fstest " + line, timeout)
    assert "fstest: done" in out, out
    return out


# ---- the workload (kernel/fs/storage_fstest.c: workload) ----

def workload_model():
    m = Model()
    m.dirs = {"big", "many", "a", "a/b", "a/b/c", "a/b/c/d"}
    m.files["big/file64.bin"] = ("sha256", pattern_sha256(64 << 20, 64), 64 << 20)
    many = {i: "many/f%04d.txt" % i for i in range(1000)}
    for i, path in many.items():
        m.files[path] = pattern(50 + i * 37 % 3000, 1000 + i)
    for i in range(0, 1000, 10):
        m.files["many/renamed file %04d.txt" % i] = m.files.pop(many[i])
    for i in range(5, 1000, 100):
        m.files["big/moved%04d.txt" % i] = m.files.pop(many[i])
    for i in range(3, 1000, 7):
        if i % 10 != 0 and i % 100 != 5:
            del m.files[many[i]]
    m.files["a/b/c/d/deep ünïcödé name.txt"] = pattern(12345, 7)
    m.files["big/truncated.bin"] = pattern(33333, 8)
    patched = bytearray(pattern(20000, 10))
    patched[7777:7777 + 500] = pattern(500, 11)
    m.files["big/patched.bin"] = bytes(patched)
    m.files["empty.txt"] = b""
    return m


def test_kpio_writes_host_checks(tmp_path):
    disk = mkfs(tmp_path / "w.img", 32, 256 * 1024, ["-s", "4"])
    with boot(tmp_path, [disk]) as g:
        out = fstest(g, "workload vdb", timeout=900)
        print(out)
    fsck_clean(disk)
    workload_model().check_with_mtools(disk)


def test_host_writes_kpio_reads(tmp_path):
    disk = mkfs(tmp_path / "h.img", 32, 128 * 1024)
    names = ["HELLO.TXT", "lower.txt", "Long name with spaces.data", "café-名前.txt",
             "dir one/nested/deep file.bin", "many/x%03d.txt", "big.bin"]
    manifest = []
    tree = tmp_path / "tree"                      # the files, laid out as on the disk
    for i, name in enumerate(names):
        for k in range(200 if "%" in name else 1):
            path = name % k if "%" in name else name
            size = 5 << 20 if path == "big.bin" else (i * 1000 + k * 17) % 20000
            seed = 300 + i * 1000 + k
            host = tree / path
            host.parent.mkdir(parents=True, exist_ok=True)
            host.write_bytes(pattern(size, seed))
            manifest.append("%s\t%d\t%d" % (path, size, seed))
    (tree / "MANIFEST.TXT").write_text("\n".join(manifest) + "\n")
    run(["mcopy", "-s", "-i", disk] + [str(p) for p in sorted(tree.iterdir())] + ["::/"])
    with boot(tmp_path, [disk]) as g:
        out = fstest(g, "verify vdb")
    assert "verified %d files, 0 bad" % len(manifest) in out


def test_monitor_commands(tmp_path):
    disk = mkfs(tmp_path / "m.img", 32, 64 * 1024)
    # A second disk with 4 KiB logical sectors (the driver's sector size
    # comes from the device; requests still count 512-byte units).
    disk4k = mkfs(tmp_path / "s4k.img", 32, 512 * 1024, ["-S", "4096"])
    extra4k = ["--qemu-arg=-drive", "--qemu-arg=file=%s,format=raw,if=none,id=s4k" % disk4k,
               "--qemu-arg=-device",
               "--qemu-arg=virtio-blk-pci,drive=s4k,logical_block_size=4096,physical_block_size=4096"]
    # A third without MSI-X (vectors=0): the transport polls its queues.
    polled = mkfs(tmp_path / "p.img", 16, 16 * 1024)
    extra_polled = ["--qemu-arg=-drive", "--qemu-arg=file=%s,format=raw,if=none,id=pol" % polled,
                    "--qemu-arg=-device", "--qemu-arg=virtio-blk-pci,drive=pol,vectors=0"]
    g = kpio.Guest(timeout=300, extra=["--disk", disk] + extra4k + extra_polled)
    g.expect(PROMPT, timeout=120)
    with g:
        out = command(g, "lspci")
        assert re.search(r"1af4:1001 .*driver virtio-blk", out), out
        out = command(g, "lsblk")
        assert "KPIO-DATA" in out and "vdb" in out, out
        assert "vda2 on /data type fat (rw)" in command(g, "mount")
        assert "vda1 on /boot type fat (ro)" in command(g, "mount")
        assert "README.TXT" in command(g, "ls /data")
        command(g, "mkdir /data/t")
        command(g, "write /data/t/a.txt hello from the monitor")
        assert "hello from the monitor" in command(g, "cat /data/t/a.txt")
        command(g, "mv /data/t/a.txt /data/t/b.txt")
        out = command(g, "ls /data/t")
        assert "b.txt" in out and "a.txt" not in out
        assert "read-only file system" in command(g, "write /boot/x.txt no")
        assert "no such file" in command(g, "cat /data/t/a.txt")
        command(g, "rm /data/t/b.txt")
        command(g, "rm /data/t")
        assert "no such file" in command(g, "ls /data/t")
        out = command(g, "df")
        assert re.search(r"vda2\s+fat32\s+\d+\s+\d+\s+\d+\s+/data", out), out
        assert "synced" in command(g, "sync")
        # An extra disk, mounted by hand.
        command(g, "mount fat vdb /mnt")
        command(g, "mkdir /mnt/dir")
        command(g, "write /mnt/dir/x.txt data from kpio")
        command(g, "umount /mnt")
        assert "vdb" not in command(g, "mount")
        assert re.search(r"vdc\s+\d+ KiB\s+4096-byte sectors", command(g, "lsblk"))
        command(g, "mount fat vdc /mnt")
        command(g, "mkdir /mnt/four")
        command(g, "write /mnt/four/k.txt four kilobyte sectors")
        command(g, "umount /mnt")
        command(g, "mount fat vdd /mnt")
        command(g, "write /mnt/polled.txt no interrupts here")
        assert "no interrupts here" in command(g, "cat /mnt/polled.txt")
        command(g, "umount /mnt")
    fsck_clean(disk)
    assert mtools_read(disk, "dir/x.txt") == b"data from kpio\n"
    fsck_clean(disk4k)
    assert mtools_read(disk4k, "four/k.txt") == b"four kilobyte sectors\n"
    fsck_clean(polled)
    assert mtools_read(polled, "polled.txt") == b"no interrupts here\n"


def damaged_images(tmp_path):
    """Disks with a random boot sector, a looping chain, a chain past the
    end, a truncated volume, an impossible file size."""
    base = mkfs(tmp_path / "base.img", 16, 16 * 1024)
    src = tmp_path / "f.bin"
    src.write_bytes(pattern(100000, 1))
    run(["mcopy", "-i", base, str(src), "::/BIG.BIN"])
    run(["mcopy", "-i", base, str(src), "::/OTHER.BIN"])
    with open(base, "rb") as f:
        good = bytearray(f.read())
    reserved = int.from_bytes(good[14:16], "little")
    fat = reserved * 512
    fat_size = int.from_bytes(good[22:24], "little") * 512
    root = fat + good[16] * fat_size
    first = int.from_bytes(good[root + 26:root + 28], "little")

    def variant(name, change):
        img = bytearray(good)
        change(img)
        path = str(tmp_path / name)
        with open(path, "wb") as f:
            f.write(img)
        return path

    def set_fat(img, c, v):
        for copy in range(img[16]):
            off = fat + copy * fat_size + 2 * c
            img[off:off + 2] = v.to_bytes(2, "little")

    rnd = random.Random(4)
    return [
        variant("random.img", lambda img: img.__setitem__(slice(0, 512), bytes(rnd.randrange(256) for _ in range(512)))),
        variant("loop.img", lambda img: set_fat(img, first + 5, first)),
        variant("past.img", lambda img: set_fat(img, first + 3, 0xFFF0)),
        variant("truncated.img", lambda img: img.__delitem__(slice(len(img) // 2, None))),
        variant("size.img", lambda img: img.__setitem__(slice(root + 28, root + 32), (0xFFFFFFF0).to_bytes(4, "little"))),
    ]


def test_damaged_disks_never_panic(tmp_path):
    disks = damaged_images(tmp_path)
    ro = mkfs(tmp_path / "ro.img", 32, 64 * 1024)
    before = open(ro, "rb").read()
    with boot(tmp_path, disks + [ro + ",ro"]) as g:
        for dev in ["vdb", "vdc", "vdd", "vde", "vdf"]:
            out = fstest(g, "walk " + dev)
            assert "walked" in out or "mount refused" in out, out
        assert "mount refused" in command(g, "fstest walk vdb")         # random boot sector
        assert "mount refused" in command(g, "fstest walk vde")         # truncated
        assert "read-only" in command(g, "fstest walk vdc")             # the loop is found
        # The read-only disk mounts read-only and refuses changes.
        out = command(g, "fstest walk vdg")
        assert "read-only" in out, out
        command(g, "mount fat vdg /mnt")
        assert "read-only file system" in command(g, "write /mnt/x.txt nope")
        command(g, "umount /mnt")
        assert "README.TXT" in command(g, "ls /data")                   # still fine
    assert open(ro, "rb").read() == before


# ---- power cuts ----

SYNCED = re.compile(r"fstest: synced (\S+) (\d+) (\d+)")
RENAMING = re.compile(r"fstest: renaming (\S+) (\S+)")
DELETING = re.compile(r"fstest: deleting (\S+)")


def announced(output):
    """From the serial output: files fsync'ed {path: (size, seed)}, renames
    announced {old: new} and deletions announced {path}."""
    synced = {m.group(1): (int(m.group(2)), int(m.group(3))) for m in SYNCED.finditer(output)}
    renames = {m.group(1): m.group(2) for m in RENAMING.finditer(output)}
    deletes = {m.group(1) for m in DELETING.finditer(output)}
    return synced, renames, deletes


@functools.lru_cache(maxsize=None)
def pattern_digest(size, seed):
    return hashlib.sha256(pattern(size, seed)).digest()


def check_cut(img, output, workdir):
    """The checks after one power cut; returns the fsck -n findings."""
    rc, findings = fsck_report(img)
    assert rc in (0, 1), findings
    repaired = copy_image(img, os.path.join(workdir, "repaired.img"))
    p = subprocess.run(["fsck.fat", "-a", repaired], capture_output=True, env=ENV)
    assert p.returncode in (0, 1), p.stdout.decode(errors="replace")
    fsck_clean(repaired)
    out = os.path.join(workdir, "files")
    shutil.rmtree(out, ignore_errors=True)
    os.mkdir(out)
    extract(repaired, out)
    synced, renames, deletes = announced(output)
    for path, (size, seed) in synced.items():
        names = [path] + ([renames[path]] if path in renames else [])
        present = [n for n in names if os.path.exists(os.path.join(out, n))]
        if not present:
            assert path in deletes, "%s was fsync'ed but is gone (fsck: %s)" % (path, findings)
            continue
        digests = {}
        for n in present:
            with open(os.path.join(out, n), "rb") as f:
                data = f.read()
            digests[n] = b"" if not data else hashlib.sha256(data).digest()
        want = pattern_digest(size, seed)
        intact = [n for n in present if digests[n] == want]
        assert intact, "%s: no intact copy (fsck: %s)" % (path, findings)
        # A cut inside a rename can leave both names on one chain; fsck.fat -a
        # then cuts the second to nothing. The first keeps the data.
        for n in present:
            assert digests[n] in (want, b""), "%s (%s) is damaged" % (n, path)
    return findings


def test_power_cuts(tmp_path):
    rnd = random.Random(2026)
    disk = mkfs(tmp_path / "pc.img", 32, 48 * 1024)
    cuts = []                                   # (image copy, serial output at the cut)
    qmp_path = str(tmp_path / "qmp.sock")
    with boot(tmp_path, [disk], qmp=qmp_path) as g:
        qmp = kpio.Qmp(qmp_path)
        g.sendline("fstest powercut vdb")
        g.expect("fstest: synced", timeout=60)
        for i in range(45):
            time.sleep(rnd.uniform(0.02, 0.3))
            qmp.command("stop")                 # pending requests complete first
            snap = copy_image(disk, str(tmp_path / ("cut%02d.img" % i)))
            cuts.append((snap, g.output))
            qmp.command("cont")
        assert len(announced(g.output)[0]) > 40
    for i in range(5):
        mkfs(disk, 32, 48 * 1024)
        pidfile = str(tmp_path / "qemu.pid")
        with boot(tmp_path, [disk], pidfile=pidfile) as g:
            g.sendline("fstest powercut vdb")
            g.expect("fstest: synced", timeout=60)
            time.sleep(rnd.uniform(0.05, 1.0))
            pid = int(open(pidfile).read())
            os.kill(pid, signal.SIGKILL)        # the power cut
            g.wait(60)
            cuts.append((copy_image(disk, str(tmp_path / ("kill%d.img" % i))), g.output))
    t0 = time.monotonic()
    repaired_any = 0
    for snap, output in cuts:
        findings = check_cut(snap, output, str(tmp_path))
        repaired_any += bool(findings)
    print("%d power cuts, %d needed fsck.fat -a repairs; checked in %.1f s"
          % (len(cuts), repaired_any, time.monotonic() - t0))
