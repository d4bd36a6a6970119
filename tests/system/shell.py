"""tests/system/shell.py — drive KPIO's WebAssembly shell over the serial
console, as a user at a terminal would.

    with Shell() as sh:                       # boots build/kpio.img (a copy)
        out, status = sh.run("echo hi | wc -c")
        assert out == "3\\n" and status == 0
        sh.monitor("ps")                      # ^] to the kernel monitor and back

Each command line is sent as typed (the shell echoes and edits it) with a
marker after it: `CMD; echo __kpioN:$?`. The output is what appears between
the end of the echoed line and the marker; the status is the marker's $?.
Every boot has a hard timeout (tools/kpio-qemu) and a panic ends the test.
"""
import os
import re
import subprocess

from kpio import IMAGE, Guest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROMPT = re.compile(r"\$ $")
MONITOR_KEY = "\x1d"            # ^]


def gpt_partitions(image):
    """{GPT name: (byte offset, byte size)} of an image (sgdisk's listing)."""
    out = subprocess.run(["sgdisk", "-p", image], capture_output=True, text=True, check=True).stdout
    sector = int(re.search(r"Sector size \(logical\): (\d+)", out).group(1))
    parts = {}
    for m in re.finditer(r"^\s*\d+\s+(\d+)\s+(\d+)\s+\S+ \S+\s+\S+\s+(.*)$", out, re.M):
        start, end, name = int(m.group(1)), int(m.group(2)), m.group(3).strip()
        parts[name] = (start * sector, (end - start + 1) * sector)
    return parts


class DiskImage:
    """A private copy of build/kpio.img whose FAT partitions the host can
    read and write with mtools (before a boot or after a clean power-off)."""

    def __init__(self, workdir, source=IMAGE):
        self.path = os.path.join(str(workdir), "kpio.img")
        if source is not None:
            subprocess.run(["cp", "--sparse=always", source, self.path], check=True)
            self.parts = gpt_partitions(self.path)

    @classmethod
    def existing(cls, path):
        """An image file as it is (e.g. the one kpio-qemu --keep left)."""
        img = cls(os.path.dirname(path), source=None)
        img.path = path
        img.parts = gpt_partitions(path)
        return img

    def target(self, label):
        return f"{self.path}@@{self.parts[label][0]}"

    def _mtools(self, *args, check=True):
        env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
        return subprocess.run(list(args), env=env, capture_output=True, check=check)

    def mkdir(self, label, path):
        self._mtools("mmd", "-D", "s", "-i", self.target(label), "::" + path, check=False)

    def put(self, label, path, data):
        tmp = self.path + ".put"
        with open(tmp, "wb") as f:
            f.write(data)
        self._mtools("mcopy", "-o", "-i", self.target(label), tmp, "::" + path)
        os.unlink(tmp)

    def get(self, label, path):
        return self._mtools("mtype", "-i", self.target(label), "::" + path).stdout

    def exists(self, label, path):
        return self._mtools("mdir", "-b", "-i", self.target(label), "::" + path, check=False).returncode == 0

    def listing(self, label, path):
        out = self._mtools("mdir", "-b", "-i", self.target(label), "::" + path, check=False).stdout
        return sorted(os.path.basename(l.rstrip("/")) for l in out.decode().split())

    def extract(self, label, dest):
        """The whole partition as a file (for fsck.fat)."""
        off, size = self.parts[label]
        with open(self.path, "rb") as src, open(dest, "wb") as out:
            src.seek(off)
            left = size
            while left:
                chunk = src.read(min(left, 1 << 20))
                if not chunk:
                    break
                out.write(chunk)
                left -= len(chunk)
        return dest


class Shell:
    def __init__(self, image=IMAGE, cmdline="", timeout=900, extra=(), name=None, mem="1G",
                 settle=None):
        """settle: a kernel log line (regex) to wait for after each boot, so
        that it does not land in the middle of a command's output (e.g. the
        DHCP lease, when there is a network card)."""
        self.guest = Guest(cmdline=cmdline, image=image, timeout=timeout, extra=extra,
                           name=name, init=None, mem=mem)
        self.n = 0
        self.settle = settle
        self.boot()

    def boot(self):
        """Wait for the shell to start (after a boot or a reboot)."""
        self.guest.expect(r"app: /bin/sh.wasm on the console", timeout=180)
        if self.settle:
            self.guest.expect(self.settle, timeout=180)
            # The log line may come before or after the first prompt: run a
            # command and wait for its output, so that the next prompt run()
            # waits for is one that no log line precedes.
            self.guest.sendline("echo __settled")
            self.guest.expect(r"\n__settled\n", timeout=120)

    def run(self, line, timeout=120):
        """Wait for the prompt, type a command line; return (output, status).
        (Typing before the prompt works too, but the console then echoes the
        line once as typed ahead and the shell's editor once more.)"""
        self.guest.expect(r"\$ ", timeout=timeout)
        self.n += 1
        tag = f"__kpio{self.n}"
        self.guest.sendline(f"{line}; echo {tag}:$?")
        m = self.guest.expect("(?s)" + re.escape(f"{tag}:$?") + r"\n(.*?)" + re.escape(tag) + r":(\d+)\n",
                              timeout=timeout)
        return m.group(1), int(m.group(2))

    def ok(self, line, timeout=120):
        """run(), which must succeed; returns the output."""
        out, status = self.run(line, timeout)
        assert status == 0, f"{line!r} exited {status}:\n{out}"
        return out

    def monitor(self, command, timeout=60, at_prompt=True):
        """Visit the kernel monitor (^]): run one command, return its output,
        and come back. at_prompt: the shell is idle at its prompt (wait for
        it first; press Enter after for a fresh one); False: a program is
        running (and may be reading the console)."""
        if at_prompt:
            self.guest.expect(r"\$ ", timeout=timeout)
        self.guest.send(MONITOR_KEY)
        self.guest.expect(r"kpio> ", timeout=timeout)
        self.guest.sendline(command)
        m = self.guest.expect(r"(?s)\n(.*?)kpio> ", timeout=timeout)
        self.guest.sendline("exit")
        self.guest.expect(r"\[back from the kernel monitor\]", timeout=timeout)
        # the shell is still waiting for a line; a fresh prompt for run()
        if at_prompt:
            self.guest.sendline("")
        return m.group(1)

    def send(self, text):
        self.guest.send(text)

    def expect(self, pattern, timeout=60):
        return self.guest.expect(pattern, timeout=timeout)

    def close(self):
        self.guest.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
