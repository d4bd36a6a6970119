"""File utilities (ls, cp, mv, rm, mkdir, rmdir, touch): listings compared
with GNU ls, and changes to a directory tree compared with what GNU
coreutils do to an identical tree."""
import os
import shutil
import subprocess

import pytest

from conftest import HOST_ENV, same_as_host


def make_tree(apps):
    apps.write("file.txt", "hello\n")
    apps.write("big.bin", bytes(5000))
    apps.write(".hidden", "h")
    apps.write("dir/inner.txt", "inner\n")
    apps.write("dir/sub/deep.txt", "deep\n")
    apps.write("dir/.dot", "")
    os.makedirs(apps.path("empty"))
    os.symlink("file.txt", apps.path("link"))
    # distinct times for -t
    for i, name in enumerate(["file.txt", "big.bin", "dir", "empty", ".hidden"]):
        os.utime(apps.path(name), (1_700_000_000 + i * 1000, 1_700_000_000 + i * 1000))


@pytest.mark.parametrize("args", [
    [], ["-1"], ["-a"], ["-A"], ["-r"], ["-S"], ["-t"], ["-tr"], ["-R"], ["-d", "dir"],
    ["dir"], ["file.txt", "dir", "empty"], ["-F"], ["-aF", "dir"], ["missing"],
    ["file.txt", "missing"], ["dir/sub", "file.txt", "big.bin"], ["-R", "dir"],
])
def test_ls(apps, args):
    make_tree(apps)
    same_as_host(apps, "ls", args)


def test_ls_long(apps):
    make_tree(apps)
    r = apps.run("ls", "-l")
    assert r.returncode == 0
    lines = r.stdout.decode().splitlines()
    names = [line.split()[-1] if "->" not in line else line.split()[-3] for line in lines]
    assert names == sorted(n for n in os.listdir(apps.root) if not n.startswith("."))
    for line in lines:
        fields = line.split()
        name = names[lines.index(line)]
        st = os.lstat(apps.path(name))
        kind = {"file.txt": "-", "big.bin": "-", "dir": "d", "empty": "d", "link": "l"}[name]
        assert fields[0] == kind
        assert int(fields[1]) == st.st_nlink
        if kind == "-":
            assert int(fields[2]) == st.st_size
    assert any(line.endswith("link -> file.txt") for line in lines)
    human = apps.run("ls", "-lh", "big.bin").stdout.decode().split()
    assert human[2] == "4.9K"


def test_ls_columns(apps):
    for i in range(30):
        apps.write(f"name{i:02d}", "")
    r = apps.run("ls", "-C", env={"COLUMNS": "40"})
    rows = r.stdout.decode().splitlines()
    assert all(len(row) <= 40 for row in rows)
    assert sorted(r.stdout.decode().split()) == sorted(f"name{i:02d}" for i in range(30))
    # columns are filled top to bottom, as ls -C does
    assert rows[0].split()[:2] == ["name00", f"name{len(rows):02d}"]


def snapshot(root):
    """Every path under root with its kind and content."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root)
            if os.path.islink(full):
                out[rel] = ("link", os.readlink(full))
            elif os.path.isdir(full):
                out[rel] = ("dir", None)
            else:
                with open(full, "rb") as f:
                    out[rel] = ("file", f.read())
    return out


def same_effect(apps, tool, args, host_tool=None):
    """Run ours on the tree and the host's tool on a copy; the trees and the
    exit statuses must end up the same."""
    mirror = apps.root + "-host"
    shutil.copytree(apps.root, mirror, symlinks=True)
    ours = apps.run(tool, *args)
    theirs = subprocess.run([host_tool or tool] + args, cwd=mirror, capture_output=True,
                            env=HOST_ENV, timeout=20)
    assert snapshot(apps.root) == snapshot(mirror), f"{tool} {args}: trees differ; ours: {ours.stderr!r}"
    assert ours.returncode == theirs.returncode, (
        f"{tool} {args}: status {ours.returncode} vs {theirs.returncode}: {ours.stderr!r} / {theirs.stderr!r}")
    assert (ours.stderr == b"") == (theirs.stderr == b""), (ours.stderr, theirs.stderr)
    return ours


@pytest.mark.parametrize("args", [
    ["file.txt", "copy.txt"], ["file.txt", "dir"], ["file.txt", "big.bin", "empty"],
    ["dir", "dir2"], ["-r", "dir", "dir2"], ["-r", "dir", "empty"], ["-R", "dir", "empty", "new"],
    ["-n", "file.txt", "dir/inner.txt"], ["file.txt", "dir/inner.txt"], ["missing", "x"],
    ["file.txt", "big.bin", "file.txt"], ["file.txt", "file.txt"],
    ["file.txt"], ["big.bin", "nodir/x"],
])
def test_cp(apps, args):
    make_tree(apps)
    same_effect(apps, "cp", args)


def test_cp_into_itself_is_refused(apps):
    # GNU cp makes one copy and then complains; ours refuses before copying
    make_tree(apps)
    before = snapshot(apps.root)
    r = apps.run("cp", "-r", "dir", "dir/sub")
    assert r.returncode == 1 and b"into itself" in r.stderr
    assert snapshot(apps.root) == before


def test_cp_preserves_times(apps):
    make_tree(apps)
    assert apps.run("cp", "-p", "file.txt", "kept.txt").returncode == 0
    assert os.stat(apps.path("kept.txt")).st_mtime == os.stat(apps.path("file.txt")).st_mtime
    assert apps.run("cp", "-rp", "dir", "dir3").returncode == 0
    assert apps.read("dir3/sub/deep.txt") == b"deep\n"


@pytest.mark.parametrize("args", [
    ["file.txt", "moved.txt"], ["file.txt", "dir"], ["dir", "empty"], ["dir", "renamed"],
    ["file.txt", "big.bin", "empty"], ["-n", "file.txt", "big.bin"], ["file.txt", "big.bin"],
    ["missing", "x"], ["file.txt", "big.bin", "file.txt"], ["link", "link2"],
])
def test_mv(apps, args):
    make_tree(apps)
    same_effect(apps, "mv", args)


@pytest.mark.parametrize("args", [
    ["file.txt"], ["file.txt", "big.bin"], ["dir"], ["-r", "dir"], ["-rf", "dir", "missing"],
    ["missing"], ["-f", "missing"], ["-d", "empty"], ["-d", "dir"], ["empty"], ["-r", "."],
    ["-rf", "dir/.."], ["link"], ["-f"],
])
def test_rm(apps, args):
    make_tree(apps)
    same_effect(apps, "rm", args)


@pytest.mark.parametrize("args", [
    ["new"], ["new", "new2"], ["dir"], ["-p", "dir"], ["a/b/c"], ["-p", "a/b/c"],
    ["-p", "a//b/", "x/y"], ["file.txt/x"], ["-p", "file.txt/x"],
])
def test_mkdir(apps, args):
    make_tree(apps)
    same_effect(apps, "mkdir", args)


@pytest.mark.parametrize("args", [
    ["empty"], ["dir"], ["missing"], ["file.txt"], ["-p", "dir/sub"], ["empty/"],
])
def test_rmdir(apps, args):
    make_tree(apps)
    os.remove(apps.path("dir/sub/deep.txt"))
    if args == ["-p", "dir/sub"]:
        for name in os.listdir(apps.path("dir")):
            if name != "sub":
                os.remove(apps.path("dir/" + name))
    same_effect(apps, "rmdir", args)


def test_rmdir_parents(apps):
    os.makedirs(apps.path("a/b/c"))
    assert apps.run("rmdir", "-p", "a/b/c").returncode == 0
    assert os.listdir(apps.root) == []


def test_touch(apps):
    make_tree(apps)
    assert apps.run("touch", "new.txt").returncode == 0
    assert apps.read("new.txt") == b""
    assert apps.run("touch", "-d", "@1000000000", "file.txt").returncode == 0
    st = os.stat(apps.path("file.txt"))
    assert (st.st_mtime, st.st_atime) == (1000000000, 1000000000)
    assert apps.read("file.txt") == b"hello\n"
    # POSIX -t [[CC]YY]MMDDhhmm[.ss], as the host's touch reads it (in UTC)
    for stamp in ["202001021304.05", "9912312359", "01020304"]:
        assert apps.run("touch", "-t", stamp, "big.bin").returncode == 0
        subprocess.run(["touch", "-t", stamp, apps.path("ref")], env=HOST_ENV, check=True)
        assert os.stat(apps.path("big.bin")).st_mtime == os.stat(apps.path("ref")).st_mtime
    assert apps.run("touch", "-m", "-d", "@5", "big.bin").returncode == 0
    st = os.stat(apps.path("big.bin"))
    assert st.st_mtime == 5 and st.st_atime != 5
    assert apps.run("touch", "-a", "-d", "@7", "big.bin").returncode == 0
    st = os.stat(apps.path("big.bin"))
    assert (st.st_mtime, st.st_atime) == (5, 7)
    assert apps.run("touch", "-r", "file.txt", "big.bin").returncode == 0
    assert os.stat(apps.path("big.bin")).st_mtime == 1000000000
    assert apps.run("touch", "-c", "notcreated").returncode == 0
    assert not os.path.exists(apps.path("notcreated"))
    bad = apps.run("touch", "-t", "2020", "x")
    assert bad.returncode == 1 and b"invalid date" in bad.stderr
    missing = apps.run("touch", "nodir/x")
    assert missing.returncode == 1 and b"nodir/x" in missing.stderr


def test_sandbox_root_is_the_limit(apps):
    """Utilities see only their preopened directory: '..' from the root
    stays at the root and nothing outside appears."""
    apps.write("inside.txt", "in\n")
    with open(os.path.join(os.path.dirname(apps.root), "outside.txt"), "w") as f:
        f.write("secret\n")
    r = apps.run("cat", "../outside.txt")
    assert r.returncode == 1 and b"secret" not in r.stdout
    # ".." at the root is refused (kpio-wasm) or is the root itself (Node):
    # either way nothing outside shows
    listing = apps.run("ls", "..").stdout.split()
    assert listing in ([], [b"inside.txt"])
