"""Fixtures for the app tests: run a KPIO utility (build/wasm/bin/NAME.wasm)
in a scratch directory, and run the host's GNU tool on the same input.

The utilities run under build/host/kpio-wasm when it exists (the real
KPIO runtime with the kpio host API), else under Node's WASI through
tests/wasi/node-run.mjs (which has the same command line); set
KPIO_APPS_RUNNER=node or =kpio to choose. Tests of programs that need the
kpio API are skipped under Node.
"""
import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, "build", "wasm", "bin")
TESTS = os.path.join(ROOT, "build", "wasm", "tests")
KPIO_WASM = os.environ.get("KPIO_WASM") or os.path.join(ROOT, "build", "host", "kpio-wasm")
NODE_RUN = os.path.join(ROOT, "tests", "wasi", "node-run.mjs")
TIMEOUT = 20

HOST_ENV = dict(os.environ, LC_ALL="C", TZ="UTC")


def runner_name():
    choice = os.environ.get("KPIO_APPS_RUNNER")
    if choice:
        return choice
    return "kpio" if os.access(KPIO_WASM, os.X_OK) else "node"


def runner_prefix():
    if runner_name() == "kpio":
        return [KPIO_WASM, "run"]
    return ["node", "--no-warnings", NODE_RUN]


class Runner:
    """Runs utilities with `root` preopened as the guest's "/", the
    utilities at /bin (on $PATH) and the test programs at /tests."""

    def __init__(self, root):
        self.root = str(root)
        self.kind = runner_name()

    def command(self, tool, args, cwd="/", env=None, options=()):
        cmd = runner_prefix() + list(options) + [
            "--dir", f"{self.root}::/", "--dir", f"{BIN}::/bin", "--dir", f"{TESTS}::/tests",
            "--env", f"PWD={cwd}", "--env", "PATH=/bin"]
        for k, v in (env or {}).items():
            cmd += ["--env", f"{k}={v}"]
        module = tool if tool.endswith(".wasm") else os.path.join(BIN, tool + ".wasm")
        return cmd + [module] + list(args)

    def run(self, tool, *args, stdin=b"", cwd="/", env=None, timeout=TIMEOUT, options=()):
        if isinstance(stdin, str):
            stdin = stdin.encode()
        return subprocess.run(self.command(tool, args, cwd, env, options), input=stdin,
                              capture_output=True, timeout=timeout)

    def sh(self, script, *args, stdin=b"", env=None, timeout=TIMEOUT):
        """Run a command line through the KPIO shell (sh -c)."""
        return self.run("sh", "-c", script, *args, stdin=stdin, env=env, timeout=timeout)

    def host(self, argv, stdin=b"", cwd=None):
        """The host's tool on the same files (cwd: a path inside root)."""
        if isinstance(stdin, str):
            stdin = stdin.encode()
        where = os.path.join(self.root, (cwd or "/").lstrip("/"))
        return subprocess.run(argv, input=stdin, capture_output=True, cwd=where, env=HOST_ENV,
                              timeout=TIMEOUT)

    def path(self, rel):
        return os.path.join(self.root, rel.lstrip("/"))

    def write(self, rel, data):
        p = self.path(rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
        return p

    def read(self, rel):
        with open(self.path(rel), "rb") as f:
            return f.read()


@pytest.fixture
def apps(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    return Runner(root)


def same_as_host(apps, tool, args, stdin=b"", host_tool=None, cwd="/"):
    """Run tool under the runner and the host's tool with the same args and
    check stdout and the exit status agree."""
    ours = apps.run(tool, *args, stdin=stdin, cwd=cwd)
    theirs = apps.host([host_tool or tool] + list(args), stdin=stdin, cwd=cwd)
    assert ours.stdout == theirs.stdout, (
        f"{tool} {args}: stdout differs\n--- ours:\n{ours.stdout!r}\n--- host:\n{theirs.stdout!r}"
        f"\n--- our stderr:\n{ours.stderr!r}")
    assert ours.returncode == theirs.returncode, (
        f"{tool} {args}: status {ours.returncode} (host {theirs.returncode}); "
        f"stderr {ours.stderr!r}")
    return ours


def needs_kpio():
    return pytest.mark.skipif(runner_name() != "kpio",
                              reason="needs the kpio host API (build/host/kpio-wasm)")
