"""tests/system/test_boot.py — KPIO boots in every supported shape of machine,
reaches its prompt, takes input there, and draws its console on the screen."""
import os
import re

import pytest

from kpio import EXIT_PASS, Guest, Qmp, run_kernel, screen_text


@pytest.mark.parametrize("smp,mem,mib_low,mib_high", [
    (1, "256M", 180, 256),
    (2, "4G", 3800, 4096),
    (4, "1G", 900, 1024),
    (8, "1G", 900, 1024),
])
def test_boots_to_prompt(smp, mem, mib_low, mib_high):
    """test=boot passes (the kernel got to its prompt) with 1-8 CPUs and
    256 MiB-4 GiB, and the kernel sees the memory QEMU gave it."""
    status, out = run_kernel("test=boot", smp=smp, mem=mem)
    assert status == EXIT_PASS, out
    assert "ktest: boot ok" in out
    assert "ktest: 1 passed, 0 failed" in out
    mib = int(re.search(r"KPIO \S+: (\d+) MiB usable memory", out).group(1))
    assert mib_low <= mib <= mib_high, f"{mib} MiB usable with -m {mem}"
    assert "KERNEL PANIC" not in out and "KERNEL EXCEPTION" not in out


def test_prompt_input_and_framebuffer(tmp_path):
    """Without test=, the kernel shows its prompt on serial, answers typed
    lines, and the same text appears on the framebuffer (read back from a
    QMP screendump through the console font)."""
    qmp_path = str(tmp_path / "qmp.sock")
    with Guest(cmdline="", display=True, qmp=qmp_path) as g:
        g.expect(r"KPIO \S+: \d+ MiB usable memory")
        g.expect("kpio> ")
        g.sendline("help")
        g.expect(r"help")
        g.expect("kpio> ")
        qmp = Qmp(qmp_path)
        shot = str(tmp_path / "screen.ppm")
        qmp.command("screendump", filename=shot)
        qmp.close()
        screen = screen_text(shot)
    # The boot log may have scrolled off; the help output is the newest text
    # and must be on screen line for line, as serial showed it.
    assert "kpio> help" in screen, screen
    help_lines = [line.rstrip() for line in
                  g.output.split("kpio> help", 1)[1].split("kpio> ")[0].splitlines()
                  if line.strip()]
    assert help_lines, g.output
    for line in help_lines:
        assert line in screen, f"{line!r} not on screen:\n{screen}"
    assert "?" not in screen.replace("kpio>", ""), f"unreadable cells:\n{screen}"
