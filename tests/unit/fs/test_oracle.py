"""KPIO's FAT driver against the host's own FAT tools.

KPIO (through build/host/storage/kpio-fsutil: the kernel's block layer, cache,
VFS and FAT code compiled for the host) creates, changes and deletes files on
images made by mkfs.fat; then `fsck.fat -n` must find nothing to fix and
mtools must read back exactly what a model of the operations expects. And the
reverse: what mtools writes, KPIO reads back.
"""
import hashlib
import os
import random
import shutil
import subprocess
import sys
import tempfile

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fatoracle import (FSUTIL, ENV, run, mkfs, fsck_clean, mtools_tree, mtools_read, pattern,
                       pattern_sha256, Model)


def kpio(img, script, check=True, ro=False):
    """Run fsutil commands (a list of argument lists) in one mount."""
    lines = []
    for words in script:
        lines.append(" ".join('"%s"' % w if (" " in w or not w) else w for w in words))
    cmd = [FSUTIL] + (["--ro"] if ro else []) + [img]
    return run(cmd, input=("\n".join(lines) + "\n").encode(), check=check)


def check_with_kpio(model, img):
    """KPIO reads back every file of the model."""
    with tempfile.TemporaryDirectory() as out:
        names = sorted(model.files)
        kpio(img, [["get", "/" + p, os.path.join(out, "f%d" % i)] for i, p in enumerate(names)], ro=True)
        for i, p in enumerate(names):
            with open(os.path.join(out, "f%d" % i), "rb") as f:
                assert f.read() == model.files[p], p


NAMES = ["HELLO.TXT", "lower.txt", "MiXeD.TxT", "Long File Name With Spaces.txt",
         "café-名前.txt", "a.b.c.d.txt", ".hidden", "noext", "x" * 200 + ".dat",
         "Ünïcödé long name over thirteen chars"]
SIZES = [0, 1, 511, 512, 513, 2047, 2048, 4095, 4096, 4097, 65536, 300001]


@pytest.mark.parametrize("bits,size_kib", [(12, 1440), (16, 16384), (32, 65536)])
def test_kpio_writes_host_checks(tmp_path, bits, size_kib):
    img = mkfs(tmp_path / "v.img", bits, size_kib)
    model = Model()
    script = [["mkdir", "/dir one"], ["mkdir", "/dir one/sub"], ["mkdir", "/DEEP"],
              ["mkdir", "/DEEP/a"], ["mkdir", "/DEEP/a/b"]]
    model.dirs |= {"dir one", "dir one/sub", "DEEP", "DEEP/a", "DEEP/a/b"}
    for i, name in enumerate(NAMES):
        size = SIZES[i % len(SIZES)]
        for d in ["", "dir one/sub/", "DEEP/a/b/"]:
            host = tmp_path / ("src%d" % len(model.files))
            data = pattern(size, len(model.files) + 1)
            host.write_bytes(data)
            script.append(["put", str(host), "/" + d + name])
            model.files[d + name] = data
    kpio(img, script)
    fsck_clean(img)
    model.check_with_mtools(img)
    check_with_kpio(model, img)


def fixed_root_long_names(img):
    """Long names in a FAT12/16 image's root, decoded here from the raw
    entries (FATSPEC §7), independent of KPIO and of mtools."""
    with open(img, "rb") as f:
        bs = f.read(512)
        reserved = int.from_bytes(bs[14:16], "little")
        fats, root_entries = bs[16], int.from_bytes(bs[17:19], "little")
        fat_size = int.from_bytes(bs[22:24], "little")
        f.seek((reserved + fats * fat_size) * 512)
        root = f.read(root_entries * 32)
    names, parts = [], {}
    for i in range(0, len(root), 32):
        e = root[i:i + 32]
        if e[0] == 0:
            break
        if e[0] == 0xE5:
            continue
        if e[11] == 0x0F:
            units = e[1:11] + e[14:26] + e[28:32]
            parts[e[0] & 0x1F] = units
            continue
        if parts:
            raw = b"".join(parts[k] for k in sorted(parts))
            text = raw.decode("utf-16-le", errors="strict")
            names.append(text.split("\0")[0])
            parts = {}
    return names


def test_names_beyond_the_bmp(tmp_path):
    # mtools shows characters outside the BMP as "_", so check the raw
    # UTF-16 (surrogate pairs) ourselves.
    img = mkfs(tmp_path / "v.img", 16, 16384)
    name = "emoji 🎉 and 𝄞 music.txt"
    kpio(img, [["append", "/" + name, "party"]])
    fsck_clean(img)
    assert name in fixed_root_long_names(img)
    assert kpio(img, [["cat", "/" + name]], ro=True).stdout == b"party"
    assert kpio(img, [["cat", "/EMOJI 🎉 AND 𝄞 MUSIC.TXT"]], ro=True).stdout == b"party"


def test_changes_renames_deletes(tmp_path):
    img = mkfs(tmp_path / "v.img", 32, 65536)
    model = Model()
    script = [["mkdir", "/a"], ["mkdir", "/b"], ["mkdir", "/a/inner"]]
    for i in range(30):
        script.append(["fill", "/a/file%02d.bin" % i, str(1000 * i + 7), str(i)])
        model.files["a/file%02d.bin" % i] = pattern(1000 * i + 7, i)
    script.append(["fill", "/a/inner/deep file.txt", "5000", "99"])
    model.files["a/inner/deep file.txt"] = pattern(5000, 99)
    kpio(img, script)
    model.dirs |= {"a", "b", "a/inner"}

    script = [
        ["mv", "/a/file00.bin", "/a/renamed with a long name.bin"],  # same directory, gains an LFN
        ["mv", "/a/file01.bin", "/b/FILE01.BIN"],                    # across directories
        ["mv", "/a/file02.bin", "/a/FILE02.bin"],                    # only the case changes
        ["mv", "/a/file03.bin", "/a/file04.bin"],                    # replaces an existing file
        ["mv", "/a/inner", "/b/moved inner"],                        # a directory moves: its ".." too
        ["rm", "/a/file05.bin"], ["rm", "/a/file06.bin"],
        ["truncate", "/a/file07.bin", "100"],                        # shrink inside a cluster
        ["truncate", "/a/file08.bin", "0"],                          # to nothing
        ["truncate", "/a/file09.bin", "20000"],                      # grow with zeros
        ["append", "/a/file10.bin", "tail"],
        ["write", "/a/file11.bin", "5", "MIDDLE"],
        ["write", "/a/file12.bin", "40000", "far"],                  # past the end: a zero gap
        ["mkdir", "/c"], ["mkdir", "/c/d"], ["rmdir", "/c/d"],
    ]
    kpio(img, script)
    f = model.files
    f["a/renamed with a long name.bin"] = f.pop("a/file00.bin")
    f["b/FILE01.BIN"] = f.pop("a/file01.bin")
    f["a/FILE02.bin"] = f.pop("a/file02.bin")
    f["a/file04.bin"] = f.pop("a/file03.bin")
    f["b/moved inner/deep file.txt"] = f.pop("a/inner/deep file.txt")
    model.dirs -= {"a/inner"}
    model.dirs |= {"b/moved inner", "c"}
    del f["a/file05.bin"], f["a/file06.bin"]
    f["a/file07.bin"] = f["a/file07.bin"][:100]
    f["a/file08.bin"] = b""
    f["a/file09.bin"] = f["a/file09.bin"] + bytes(20000 - len(f["a/file09.bin"]))
    f["a/file10.bin"] += b"tail"
    f["a/file11.bin"] = f["a/file11.bin"][:5] + b"MIDDLE" + f["a/file11.bin"][11:]
    f["a/file12.bin"] = f["a/file12.bin"] + bytes(40000 - len(f["a/file12.bin"])) + b"far"
    fsck_clean(img)
    model.check_with_mtools(img)
    check_with_kpio(model, img)
    # ".." of the moved directory points at its new parent.
    out = run(["mdir", "-a", "-i", img, "::/b/moved inner/.."]).stdout.decode()
    assert "moved inner" in out and "FILE01" in out


def test_errors_leave_volume_intact(tmp_path):
    img = mkfs(tmp_path / "v.img", 16, 16384)
    kpio(img, [["mkdir", "/d"], ["fill", "/d/f", "10", "1"], ["mkdir", "/e"]])
    for words, err in [(["rmdir", "/d"], "not empty"), (["rm", "/d"], "directory"),
                       (["rmdir", "/d/f"], "Not a directory"), (["mkdir", "/d"], "exists"),
                       (["mv", "/d", "/d/f/x"], "Not a directory"), (["mv", "/d", "/d/x"], "Invalid"),
                       (["fill", "/bad:name", "1", "1"], "Invalid"), (["fill", "/trailing.", "1", "1"], "Invalid"),
                       (["rm", "/nothing"], "No such")]:
        p = kpio(img, [words], check=False)
        assert p.returncode == 1 and err.lower() in p.stderr.decode().lower(), (words, p.stderr)
    fsck_clean(img)


def root_file_extents(img, short_name):
    """Runs of consecutive clusters in the chain of a file in the root of a
    FAT16 or FAT32 image, read from the raw bytes here (FATSPEC §3, §4, §6)."""
    with open(img, "rb") as f:
        data = f.read()
    bs = data[:512]
    sec = int.from_bytes(bs[11:13], "little")
    cluster = bs[13] * sec
    fat_off = int.from_bytes(bs[14:16], "little") * sec
    fat16 = int.from_bytes(bs[22:24], "little")
    fat_size = (fat16 or int.from_bytes(bs[36:40], "little")) * sec
    root_bytes = int.from_bytes(bs[17:19], "little") * 32
    root_off = fat_off + bs[16] * fat_size
    data_off = root_off + root_bytes

    def fat(c):
        if fat16:
            v = int.from_bytes(data[fat_off + 2 * c:fat_off + 2 * c + 2], "little")
            return v | 0x0FFF0000 if v >= 0xFFF8 else v
        return int.from_bytes(data[fat_off + 4 * c:fat_off + 4 * c + 4], "little") & 0x0FFFFFFF

    def chain(c):
        out = [c]
        while fat(out[-1]) < 0x0FFFFFF8:
            out.append(fat(out[-1]))
        return out

    if fat16:
        root = data[root_off:root_off + root_bytes]
    else:
        root = b"".join(data[data_off + (c - 2) * cluster:data_off + (c - 1) * cluster]
                        for c in chain(int.from_bytes(bs[44:48], "little")))
    for i in range(0, len(root), 32):
        e = root[i:i + 32]
        if e[:11] == short_name and e[11] != 0x0F:
            first = int.from_bytes(e[26:28], "little") | int.from_bytes(e[20:22], "little") << 16
            clusters = chain(first)
            return 1 + sum(1 for a, b in zip(clusters, clusters[1:]) if b != a + 1)
    raise AssertionError("%r not in the root directory" % short_name)


def test_fragmented_file(tmp_path):
    img = mkfs(tmp_path / "v.img", 16, 16384, ["-s", "1"])
    kpio(img, [["fill", "/fill%02d" % i, "3000", str(i)] for i in range(60)])
    kind, csize, total, free = kpio(img, [["df"]]).stdout.split()
    # Fill all but 20 clusters, then punch 30 holes of 6 clusters each.
    filler = (int(free) - 20) * int(csize)
    script = [["fill", "/filler", str(filler), "500"]]
    script += [["rm", "/fill%02d" % i] for i in range(0, 60, 2)]
    # Freed clusters are reused only once the deletions are on the disk.
    script += [["sync"], ["fill", "/frag.bin", "90000", "77", "1000"]]
    kpio(img, script)
    fsck_clean(img)
    assert root_file_extents(img, b"FRAG    BIN") >= 20
    model = Model()
    model.files = {"frag.bin": pattern(90000, 77), "filler": pattern(filler, 500)}
    model.files.update({"fill%02d" % i: pattern(3000, i) for i in range(1, 60, 2)})
    model.check_with_mtools(img)
    check_with_kpio(model, img)


def test_thousand_files_in_one_directory(tmp_path):
    img = mkfs(tmp_path / "v.img", 32, 65536)
    script = [["mkdir", "/many"]]
    names = ["file %04d with a long name.txt" % i if i % 2 else "F%04d.TXT" % i for i in range(1000)]
    script += [["append", "/many/" + n, "content of %s" % n] for n in names]
    kpio(img, script)
    fsck_clean(img)
    tree = mtools_tree(img)
    got = sorted(p[5:] for p in tree if p.startswith("many/"))
    assert got == sorted(names)
    out = subprocess.run(["mcopy", "-s", "-i", img, "::/many", str(tmp_path / "out")],
                         env=ENV, capture_output=True)
    assert out.returncode == 0, out.stderr
    for n in names:
        assert (tmp_path / "out" / n).read_bytes() == ("content of %s" % n).encode()
    # Deleting half of them and listing again.
    kpio(img, [["rm", "/many/" + n] for n in names[::2]])
    fsck_clean(img)
    assert sorted(p[5:] for p in mtools_tree(img) if p.startswith("many/")) == sorted(names[1::2])


def test_fixed_root_fills_up(tmp_path):
    img = mkfs(tmp_path / "v.img", 16, 16384, ["-r", "64"])
    script = [["append", "/F%03d.TXT" % i, "x"] for i in range(70)]
    p = kpio(img, script, check=False)
    assert p.returncode == 1 and "No space" in p.stderr.decode()
    fsck_clean(img)
    assert len([k for k in mtools_tree(img)]) == 64


def test_volume_full(tmp_path):
    img = mkfs(tmp_path / "v.img", 12, 360)
    p = kpio(img, [["fill", "/huge", "10000000", "5"]], check=False)
    assert p.returncode == 1 and "No space" in p.stderr.decode()
    fsck_clean(img)
    size = run([FSUTIL, img, "stat", "/huge"]).stdout.split()[1]
    data = mtools_read(img, "huge")
    assert len(data) == int(size) > 300000
    assert data == pattern(len(data), 5)
    # Space comes back after deleting.
    kpio(img, [["rm", "/huge"], ["fill", "/again", "200000", "6"]])
    fsck_clean(img)
    assert mtools_read(img, "again") == pattern(200000, 6)


def test_host_writes_kpio_reads(tmp_path):
    img = mkfs(tmp_path / "v.img", 32, 65536)
    model = Model()
    run(["mmd", "-i", img, "::/Host Dir", "::/Host Dir/Ünïcödé", "::/UPPER"])
    model.dirs |= {"Host Dir", "Host Dir/Ünïcödé", "UPPER"}
    for i, name in enumerate(NAMES):
        data = pattern(SIZES[i % len(SIZES)] + 3, 1000 + i)
        host = tmp_path / ("h%d" % i)
        host.write_bytes(data)
        dest = ["Host Dir/", "Host Dir/Ünïcödé/", "UPPER/"][i % 3] + name
        run(["mcopy", "-i", img, str(host), "::/" + dest])
        model.files[dest] = data
    check_with_kpio(model, img)
    listing = kpio(img, [["ls", "/Host Dir"]], ro=True).stdout.decode().splitlines()
    names = {l.split(" ", 2)[2] for l in listing}
    assert names == {"Ünïcödé"} | {n for i, n in enumerate(NAMES) if i % 3 == 0}
    # KPIO then changes what mtools wrote; mtools and fsck agree.
    kpio(img, [["rm", "/Host Dir/" + NAMES[0]], ["append", "/UPPER/" + NAMES[2], "more"]])
    del model.files["Host Dir/" + NAMES[0]]
    model.files["UPPER/" + NAMES[2]] += b"more"
    fsck_clean(img)
    model.check_with_mtools(img)


def test_gpt_partition(tmp_path):
    disk = str(tmp_path / "disk.img")
    run(["truncate", "-s", "80M", disk])
    run(["sgdisk", "-o", "-n", "1:2048:0", "-t", "1:0700", disk])
    part = mkfs(tmp_path / "part.img", 32, 70 * 1024)
    run(["dd", "if=" + part, "of=" + disk, "bs=1M", "seek=1", "conv=notrunc,sparse"])
    kpio(disk, [["mkdir", "/in a partition"], ["fill", "/in a partition/data", "123456", "3"]])
    assert mtools_read(disk, "in a partition/data", "@@1M") == pattern(123456, 3)
    run(["dd", "if=" + disk, "of=" + part, "bs=1M", "skip=1", "count=70", "conv=sparse"])
    fsck_clean(part)


def test_random_operations_against_a_model(tmp_path):
    rnd = random.Random(20261125)
    img = mkfs(tmp_path / "v.img", 32, 131072, ["-s", "2"])
    model = Model()
    dirs = [""]
    for round_ in range(3):
        script = []
        for step in range(150):
            op = rnd.random()
            d = rnd.choice(dirs)
            prefix = d + "/" if d else ""
            if op < 0.08 and len(dirs) < 12:
                name = prefix + "dir%d_%d" % (round_, step)
                script.append(["mkdir", "/" + name])
                dirs.append(name)
                model.dirs.add(name)
            elif op < 0.45:
                name = prefix + rnd.choice(["f%d.bin" % rnd.randrange(40), "Long name %d.data" % rnd.randrange(40)])
                if name in model.dirs:
                    continue
                size = rnd.choice([0, 1, 700, 1024, 5000, 70000])
                seed = rnd.randrange(1 << 30)
                script.append(["fill", "/" + name, str(size), str(seed), str(rnd.choice([100, 4096, 65536]))])
                model.files[name] = pattern(size, seed)
            elif op < 0.6 and model.files:
                name = rnd.choice(sorted(model.files))
                script.append(["rm", "/" + name])
                del model.files[name]
            elif op < 0.75 and model.files:
                name = rnd.choice(sorted(model.files))
                new = rnd.choice(dirs)
                new = (new + "/" if new else "") + "mv%d_%d.txt" % (round_, step)
                script.append(["mv", "/" + name, "/" + new])
                model.files[new] = model.files.pop(name)
            elif op < 0.88 and model.files:
                name = rnd.choice(sorted(model.files))
                size = rnd.choice([0, 10, 3000, 9000])
                script.append(["truncate", "/" + name, str(size)])
                data = model.files[name]
                model.files[name] = data[:size] + bytes(max(0, size - len(data)))
            elif model.files:
                name = rnd.choice(sorted(model.files))
                off = rnd.randrange(len(model.files[name]) + 100)
                text = "w%d" % step
                script.append(["write", "/" + name, str(off), text])
                data = model.files[name]
                data = data + bytes(max(0, off - len(data)))
                model.files[name] = data[:off] + text.encode() + data[off + len(text):]
        kpio(img, script)
        fsck_clean(img)
        model.check_with_mtools(img)
    check_with_kpio(model, img)


@pytest.fixture
def big_image_dir(tmp_path):
    """Memory-backed when the host has /dev/shm: the test moves 2 GiB."""
    shm = "/dev/shm"
    if os.path.isdir(shm) and os.statvfs(shm).f_bavail * os.statvfs(shm).f_frsize > (3 << 30):
        d = tempfile.mkdtemp(prefix="kpio-fs-", dir=shm)
        yield d
        shutil.rmtree(d)
    else:
        yield str(tmp_path)


def test_file_over_one_gib(big_image_dir):
    img = mkfs(os.path.join(big_image_dir, "big.img"), 32, 1200 * 1024, ["-s", "8"])
    size = (1 << 30) + 12345
    kpio(img, [["fill", "/huge.bin", str(size), "42"]])
    fsck_clean(img)
    want = pattern_sha256(size, 42)
    got = hashlib.sha256()
    mt = subprocess.Popen(["mtype", "-i", img, "::/huge.bin"], stdout=subprocess.PIPE, env=ENV)
    n = 0
    for chunk in iter(lambda: mt.stdout.read(1 << 20), b""):
        got.update(chunk)
        n += len(chunk)
    assert mt.wait() == 0
    assert n == size
    assert got.hexdigest() == want
    # KPIO reads it back too.
    out = kpio(img, [["stat", "/huge.bin"]], ro=True).stdout.split()
    assert int(out[1]) == size
    copy = os.path.join(big_image_dir, "huge.out")
    kpio(img, [["get", "/huge.bin", copy]], ro=True)
    h = hashlib.sha256()
    with open(copy, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    os.unlink(copy)
    assert h.hexdigest() == want
    p = kpio(img, [["fill", "/over4g", "1", "1"], ["write", "/over4g", "4294967296", "x"]], check=False)
    assert p.returncode == 1 and "too large" in p.stderr.decode().lower()
