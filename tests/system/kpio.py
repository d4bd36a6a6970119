"""tests/system/kpio.py — drive a KPIO guest from a test, like a user at the
serial console. Every boot goes through tools/kpio-qemu with a hard timeout.

    from kpio import Guest

    with Guest(cmdline="", smp=2) as g:   # init="monitor" by default; None: the shell
        g.expect("kpio> ")              # wait for text (regex), with a timeout
        g.sendline("help")
        g.expect(r"mem\\b")

    status, out = run_kernel("test=boot", smp=4, mem="4G")   # to the end

expect() fails at once, with the tail of the output, when the guest panics
(KERNEL PANIC / KERNEL EXCEPTION), when QEMU ends, or when the time is up.
"""
import importlib.machinery
import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUNNER = os.path.join(ROOT, "tools", "kpio-qemu")
IMAGE = os.path.join(ROOT, "build", "kpio.img")
LOG_DIR = os.path.join(ROOT, "build", "test-logs", "system")

# tools/kpio-qemu's exit statuses (its docstring).
EXIT_PASS, EXIT_FAIL, EXIT_PANIC = 0, 1, 2
EXIT_NO_STATUS, EXIT_TRIPLE_FAULT, EXIT_TIMEOUT, EXIT_ERROR = 64, 65, 124, 125

PANIC_RE = re.compile(r"KERNEL (PANIC|EXCEPTION)")
_ANSI = re.compile(r"\x1b\[[0-9;=?]*[A-Za-z]")


def clean(raw):
    """Serial bytes as text: ANSI escapes (OVMF draws with them) and CRs gone."""
    return _ANSI.sub("", raw.decode("utf-8", "replace")).replace("\r", "")


class GuestError(AssertionError):
    def __init__(self, message, output):
        tail = "\n".join(output.splitlines()[-40:])
        super().__init__(f"{message}\n---- last serial output ----\n{tail}")
        self.output = output


class GuestTimeout(GuestError):
    pass


class GuestPanic(GuestError):
    pass


class GuestExited(GuestError):
    pass


class Guest:
    """One QEMU run of a KPIO image; the serial console is our stdin/stdout."""

    def __init__(self, cmdline=None, smp=2, mem="1G", timeout=120, image=IMAGE,
                 display=False, qmp=None, extra=(), name=None, init="monitor"):
        # The shell starts on the console at boot; tests of the kernel
        # monitor ask for it with init=monitor (the default here). init=None
        # boots as a user would (the WASM shell first).
        if init is not None:
            cmdline = f"{cmdline} init={init}" if cmdline else f"init={init}"
        os.makedirs(LOG_DIR, exist_ok=True)
        self.name = name or os.environ.get("PYTEST_CURRENT_TEST", "guest").split(" ")[0]
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", self.name)
        self.log_path = os.path.join(LOG_DIR, safe + ".serial")
        cmd = [RUNNER, "--smp", str(smp), "--mem", mem, "--timeout", str(timeout)]
        if cmdline is not None:
            cmd += ["--cmdline", cmdline]
        if display:
            cmd += ["--display"]
        if qmp:
            cmd += ["--qmp", qmp]
        cmd += list(extra) + [image]
        self._raw = bytearray()
        self._cond = threading.Condition()
        self._eof = False
        self._pos = 0
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, bufsize=0)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        while True:
            chunk = self.proc.stdout.read(4096)
            with self._cond:
                if not chunk:
                    self._eof = True
                    self._cond.notify_all()
                    return
                self._raw += chunk
                self._log.write(chunk)
                self._log.flush()
                self._cond.notify_all()

    @property
    def output(self):
        with self._cond:
            return clean(bytes(self._raw))

    def expect(self, pattern, timeout=60, allow_panic=False):
        """Wait until pattern (a regex) appears after the previous match; return
        the match. Raises GuestPanic, GuestExited or GuestTimeout instead."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                text = clean(bytes(self._raw))
                m = regex.search(text, self._pos)
                if m:
                    self._pos = m.end()
                    return m
                if not allow_panic and PANIC_RE.search(text, self._pos):
                    raise GuestPanic(f"kernel panic while waiting for {pattern!r}", text)
                if self._eof:
                    raise GuestExited(f"QEMU ended (status {self.proc.wait()}) while waiting "
                                      f"for {pattern!r}", text)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise GuestTimeout(f"no {pattern!r} within {timeout} s", text)
                self._cond.wait(min(left, 0.5))

    def send(self, text):
        self.proc.stdin.write(text.encode() if isinstance(text, str) else text)
        self.proc.stdin.flush()

    def sendline(self, line):
        """Type a line and Enter (a terminal sends CR)."""
        self.send(line + "\r")

    def wait(self, timeout=120):
        """Wait for the run to end by itself; returns tools/kpio-qemu's status."""
        try:
            status = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise GuestTimeout(f"still running after {timeout} s", self.output)
        self._reader.join(5)
        return status

    def close(self):
        """End the run (the runner stops QEMU and removes its copy)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(5)
        self._log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def run_kernel(cmdline, timeout=180, **kwargs):
    """Boot with cmdline and wait for the guest to end; returns (status, output)."""
    with Guest(cmdline=cmdline, timeout=timeout, **kwargs) as g:
        status = g.wait(timeout + 30)
        return status, g.output


class Qmp:
    """A minimal QMP client (QEMU's JSON machine protocol) over a unix socket."""

    def __init__(self, path, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self.sock.settimeout(timeout)
        self.file = self.sock.makefile("rwb")
        self._reply()                           # the greeting
        self.command("qmp_capabilities")

    def _reply(self):
        while True:
            msg = json.loads(self.file.readline())
            if "event" not in msg:
                return msg

    def command(self, name, **arguments):
        self.file.write(json.dumps({"execute": name, "arguments": arguments}).encode() + b"\n")
        self.file.flush()
        reply = self._reply()
        if "error" in reply:
            raise RuntimeError(f"QMP {name}: {reply['error']}")
        return reply.get("return")

    def close(self):
        self.sock.close()


def read_ppm(path):
    """(width, height, rgb bytes) of a binary PPM (P6), QEMU's screendump format."""
    with open(path, "rb") as f:
        data = f.read()
    fields, pos = [], 0
    while len(fields) < 4:                      # magic, width, height, maxval
        while data[pos:pos + 1].isspace():
            pos += 1
        start = pos
        while not data[pos:pos + 1].isspace():
            pos += 1
        fields.append(data[start:pos])
    assert fields[0] == b"P6" and fields[3] == b"255", fields
    width, height = int(fields[1]), int(fields[2])
    return width, height, data[pos + 1:pos + 1 + width * height * 3]


def load_tool(name, path):
    """Import a Python script from tools/ (file names need not end in .py)."""
    loader = importlib.machinery.SourceFileLoader(name, os.path.join(ROOT, "tools", path))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(name, loader))
    loader.exec_module(module)
    return module


def _font():
    """Glyph bitmaps from kernel/dev/font8x16.txt (through tools/mkfont.py)."""
    mkfont = load_tool("mkfont", "mkfont.py")
    with open(os.path.join(ROOT, "kernel", "dev", "font8x16.txt")) as f:
        glyphs = mkfont.parse(f.read())
    return {tuple(rows): chr(code) for code, rows in glyphs.items()}


def screen_text(ppm_path):
    """Read the text off a screendump of the framebuffer console: each 8x16
    cell's ink pattern (any non-black pixel) looked up in the console font.
    Unknown patterns read as '?', empty cells as spaces."""
    width, height, rgb = read_ppm(ppm_path)
    glyphs = _font()
    lines = []
    for cy in range(height // 16):
        line = []
        for cx in range(width // 8):
            rows = []
            for r in range(16):
                at = ((cy * 16 + r) * width + cx * 8) * 3
                px = rgb[at:at + 24]
                rows.append(sum(0x80 >> b for b in range(8) if any(px[3 * b:3 * b + 3])))
            key = tuple(rows)
            line.append(" " if not any(rows) else glyphs.get(key, "?"))
        lines.append("".join(line).rstrip())
    return "\n".join(lines)


class ImageEditor:
    """A copy of the disk image whose ESP files a test may replace or delete
    (mtools on the ESP partition, found through the GPT like the runner does)."""

    def __init__(self, directory, source=IMAGE):
        self.path = os.path.join(directory, "kpio-test.img")
        subprocess.run(["cp", "--sparse=always", source, self.path], check=True)
        runner = load_tool("kpio_qemu", "kpio-qemu")
        self.target = f"{self.path}@@{runner.esp_offset(self.path)}"
        self.env = dict(os.environ, MTOOLS_SKIP_CHECK="1")

    def read(self, esp_path):
        return subprocess.run(["mtype", "-i", self.target, esp_path], env=self.env,
                              check=True, capture_output=True).stdout

    def read_binary(self, esp_path, directory):
        out = os.path.join(directory, "extracted.bin")
        subprocess.run(["mcopy", "-o", "-i", self.target, esp_path, out], env=self.env, check=True)
        with open(out, "rb") as f:
            return f.read()

    def write(self, esp_path, data, directory):
        tmp = os.path.join(directory, "replacement.bin")
        with open(tmp, "wb") as f:
            f.write(data)
        subprocess.run(["mcopy", "-o", "-i", self.target, tmp, esp_path], env=self.env, check=True)

    def delete(self, esp_path):
        subprocess.run(["mdel", "-i", self.target, esp_path], env=self.env, check=True)
