"""tests/unit/fs/fatoracle.py — the host's FAT tools as the oracle for KPIO's
FAT code, shared by the host suite (test_oracle.py) and the QEMU suite
(tests/system/storage_qemu.py).

    mkfs(path, bits, size_kib)       a fresh image (mkfs.fat)
    fsck_clean(img)                  fsck.fat -n must report nothing
    mtools_tree / mtools_read        what mtools sees
    extract(img, dest)               everything, copied out by mtools
    pattern(size, seed)              kernel/fs/pattern.h's bytes
    Model                            the files and directories a volume should hold
"""
import hashlib
import os
import shutil
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
FSUTIL = os.environ.get("KPIO_FSUTIL", os.path.join(ROOT, "build", "host", "storage", "kpio-fsutil"))
ENV = dict(os.environ, MTOOLS_SKIP_CHECK="1", LC_ALL="C.UTF-8")


def run(cmd, input=None, check=True, timeout=600):
    p = subprocess.run(cmd, input=input, capture_output=True, env=ENV, timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError("%s failed (%d):\n%s%s" % (cmd, p.returncode, p.stdout.decode(errors="replace"),
                                                        p.stderr.decode(errors="replace")))
    return p


def mkfs(path, bits, size_kib, extra=()):
    path = str(path)
    if os.path.exists(path):
        os.unlink(path)
    run(["mkfs.fat", "-C", "-F", str(bits), *extra, path, str(size_kib)])
    return path


def fsck_report(img):
    """(exit status, the lines of fsck.fat -n beyond its banner and summary)."""
    p = run(["fsck.fat", "-n", img], check=False)
    out = p.stdout.decode(errors="replace").strip().splitlines()
    extra = [l for l in out if not l.startswith("fsck.fat ") and " files, " not in l]
    return p.returncode, extra


def fsck_clean(img):
    rc, extra = fsck_report(img)
    assert rc == 0 and not extra, "fsck.fat -n found problems:\n" + "\n".join(extra)


def mtools_tree(img, offset=""):
    """{path: None for directories, -1 for files} as mtools sees it."""
    p = run(["mdir", "-/", "-b", "-a", "-i", img + offset, "::/"], check=False)
    tree = {}
    for line in p.stdout.decode().splitlines():
        if not line.startswith("::/"):
            continue
        path = line[3:]
        if path.endswith("/"):
            tree[path.rstrip("/")] = None
        else:
            tree[path] = -1
    return tree


def mtools_read(img, path, offset=""):
    return run(["mtype", "-i", img + offset, "::/" + path]).stdout


def extract(img, dest, offset=""):
    """Copy everything on the volume into dest (which must exist) with mtools."""
    if mtools_tree(img, offset):
        run(["mcopy", "-s", "-n", "-i", img + offset, "::/*", dest + "/"])


def pattern(size, seed, off=0):
    """Bytes [off, off+size) of stream seed (kernel/fs/pattern.h)."""
    out = bytearray()
    mask = (1 << 64) - 1
    first, last = off // 8, (off + size + 7) // 8
    for i in range(first, last):
        z = (seed * 0x9E3779B97F4A7C15 + i) & mask
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        z ^= z >> 31
        out += z.to_bytes(8, "little")
    start = off - first * 8
    return bytes(out[start:start + size])


def pattern_sha256(size, seed):
    """SHA-256 of a long stream, made by kpio-fsutil --gen (fast)."""
    h = hashlib.sha256()
    gen = subprocess.Popen([FSUTIL, "--gen", str(size), str(seed)], stdout=subprocess.PIPE)
    for chunk in iter(lambda: gen.stdout.read(1 << 20), b""):
        h.update(chunk)
    assert gen.wait() == 0
    return h.hexdigest()


class Model:
    """What a volume should hold: files (path -> bytes, or ("sha256", hex,
    size) for big ones) and directories (a set of paths)."""

    def __init__(self):
        self.files = {}
        self.dirs = set()

    def check_with_mtools(self, img, offset=""):
        """mtools lists exactly the model's tree and reads every file back."""
        tree = mtools_tree(img, offset)
        assert set(p for p, v in tree.items() if v is None) == self.dirs
        assert set(p for p, v in tree.items() if v is not None) == set(self.files)
        with tempfile.TemporaryDirectory() as out:
            extract(img, out, offset)
            for path, want in self.files.items():
                with open(os.path.join(out, path), "rb") as f:
                    got = f.read()
                if isinstance(want, tuple):
                    assert len(got) == want[2] and hashlib.sha256(got).hexdigest() == want[1], path
                else:
                    assert got == want, "%s: mtools reads %d bytes, expected %d" % (path, len(got), len(want))


def copy_image(src, dest):
    """A sparse copy (images are mostly unused space)."""
    run(["cp", "--sparse=always", src, dest])
    return dest
