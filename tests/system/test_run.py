"""tests/system/test_run.py — the machine `make run` gives a user (tools/run.mk):
a NIC on QEMU's restricted user networking (DHCP, the gateway answering pings,
the web server at 10.0.2.100 and nothing else) and a lasting disk whose /data
survives from one run to the next while the kernel's partition is refreshed.

Two boots on one lasting disk (each under a hard timeout)."""
import hashlib
import os
import shlex
import subprocess

from kpio import EXIT_NO_STATUS, ROOT, Guest

PROMPT = "kpio> "


def run_args(persist):
    """RUN_ARGS from tools/run.mk, with the lasting disk at `persist`."""
    out = subprocess.run(["make", "-s", "--no-print-directory", "print-run-args"], cwd=ROOT,
                         check=True, capture_output=True, text=True, timeout=60).stdout
    args = shlex.split(out)
    i = args.index("--persist")
    args[i + 1] = persist
    return args


def command(g, line, timeout=60):
    """Run a monitor command; returns its output."""
    start = len(g.output)
    g.sendline(line)
    g.expect(PROMPT, timeout)
    return g.output[start:]


def test_make_run_network_and_lasting_data(tmp_path):
    disk = str(tmp_path / "run.img")
    args = run_args(disk)
    with open(os.path.join(ROOT, "docs", "architecture.md"), "rb") as f:
        page = f.read()

    with Guest(cmdline="run-test=first", timeout=300, extra=args) as g:
        g.expect(PROMPT, 120)
        assert "command line: run-test=first" in g.output
        out = command(g, "dhcp", 60)
        assert "10.0.2.15" in out, out
        out = command(g, "ping -c 2 10.0.2.2", 60)
        assert "2 received" in out, out
        # The page arrives whole (its SHA-256 as the guest computed it).
        out = command(g, "http get -s http://10.0.2.100/architecture.md", 60)
        assert (f"status 200, {len(page)} bytes" in out and
                f"sha256 {hashlib.sha256(page).hexdigest()}" in out), out
        # The web server keeps to its directory.
        out = command(g, "http get -s http://10.0.2.100/../Makefile", 60)
        assert "status 404" in out, out
        # Nothing else is reachable: the gateway forwards nowhere.
        out = command(g, "http get -s http://10.0.2.2:80/", 60)
        assert "status 200" not in out, out
        command(g, "write /data/run-test.txt kept across runs")
        command(g, "sync")
        g.sendline("poweroff")
        assert g.wait(60) == EXIT_NO_STATUS

    # Second run on the same disk: /data kept the file; the ESP came fresh
    # from the image again, so the command line is the image's own.
    with Guest(timeout=300, extra=args) as g:
        g.expect(PROMPT, 120)
        assert "run-test=first" not in g.output
        out = command(g, "cat /data/run-test.txt")
        assert "kept across runs" in out, out
        g.sendline("poweroff")
        assert g.wait(60) == EXIT_NO_STATUS
