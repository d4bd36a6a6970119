"""tests/system/test_monitor.py — the kernel monitor on the serial console,
driven like a user at a terminal: every command, line editing (arrows,
Home/End, Ctrl-A/E/U/K, Backspace), history, and power control.

One boot serves the command and editing tests (module fixture) and ends with
`poweroff`; a second boot checks that `reboot` really restarts the machine.
"""
import datetime
import re

import pytest

from kpio import EXIT_NO_STATUS, Guest

LEFT, RIGHT, UP, DOWN = "\x1b[D", "\x1b[C", "\x1b[A", "\x1b[B"
HOME, END, DELETE = "\x1b[H", "\x1b[F", "\x1b[3~"
CTRL_A, CTRL_E, CTRL_U, CTRL_K, CTRL_C, BACKSPACE = "\x01", "\x05", "\x15", "\x0b", "\x03", "\x7f"
PROMPT = r"(?m)^kpio> "     # a fresh prompt; redraws put it mid-line


@pytest.fixture(scope="module")
def guest():
    with Guest(cmdline="", smp=2, mem="512M", timeout=300) as g:
        g.expect(PROMPT, timeout=120)
        yield g


def run(g, line, timeout=30):
    """Type line + Enter; return the output up to the next prompt."""
    start = len(g.output)
    g.sendline(line)
    g.expect(PROMPT, timeout=timeout)
    return g.output[start:]


def output_lines(text):
    return [l for l in text.split("\n") if l and not l.startswith("kpio>")]


def test_help_lists_every_command(guest):
    out = run(guest, "help")
    for cmd in ("help", "mem", "threads", "cpus", "uptime", "log", "echo", "reboot", "poweroff"):
        assert re.search(rf"(?m)^\s+{cmd}\b", out), f"{cmd} missing from help:\n{out}"


def test_mem_reports_memory_and_checks_allocators(guest):
    out = run(guest, "mem")
    managed = float(re.search(r"managed\s+([\d.]+) MiB", out).group(1))
    free = float(re.search(r"free\s+([\d.]+) MiB", out).group(1))
    assert 480 <= managed <= 512, out
    assert 400 <= free <= managed, out
    assert "kernel heap" in out and "slab caches" in out
    out = run(guest, "mem map")
    assert re.search(r"(?m)^\s+0x[0-9a-f]+-0x[0-9a-f]+\s+\d+ KiB usable$", out), out
    out = run(guest, "mem check")
    assert "frame allocator: consistent; heap red zones: 0 damaged objects" in out, out
    out = run(guest, "mem bogus")
    assert "usage: mem [map|check]" in out


def test_threads_lists_kernel_threads(guest):
    out = run(guest, "threads")
    for name in ("main", "idle0", "idle1", "reaper", "ktimerd"):
        assert re.search(rf"(?m)^\s+\d+ {name}\s", out), f"{name} missing:\n{out}"
    assert re.search(r"(?m)^\s+\d+ main\s+running\s+2\s+\d", out), out
    count = int(re.search(r"(\d+) threads", out).group(1))
    assert count >= 5


def test_cpus_shows_both_cpus_online(guest):
    out = run(guest, "cpus")
    for cpu in (0, 1):
        assert re.search(rf"(?m)^\s+{cpu}\s+\d+ online\s", out), out
    assert re.search(r"TSC \d+ kHz", out)


def test_uptime_advances_and_tells_the_date(guest):
    first = run(guest, "uptime")
    m = re.search(r"up (\d+):(\d\d):(\d\d)\.(\d{3}), 2 CPUs, \d+ threads; "
                  r"(\d{4}-\d\d-\d\d) \d\d:\d\d:\d\d UTC", first)
    assert m, first
    t1 = int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3)) + int(m.group(4)) / 1000
    date = datetime.date.fromisoformat(m.group(5))
    assert abs((date - datetime.datetime.utcnow().date()).days) <= 1
    second = run(guest, "uptime")
    m = re.search(r"up (\d+):(\d\d):(\d\d)\.(\d{3})", second)
    t2 = int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3)) + int(m.group(4)) / 1000
    assert t2 > t1


def test_log_shows_the_kernel_log(guest):
    out = run(guest, "log")
    assert "sched: running" in out and "smp: 2 of 2 CPUs online" in out, out
    out = run(guest, "log 3")
    lines = output_lines(out)
    assert len(lines) == 4, out       # the echoed command line and 3 log lines
    assert all(re.match(r"\[\s*\d+\.\d{6}\] ", l) for l in lines[1:]), out


def test_unknown_command_and_blank_line(guest):
    out = run(guest, "frobnicate now")
    assert "unknown command 'frobnicate'" in out
    out = run(guest, "   ")
    assert "unknown" not in out


def echoed(out):
    """The single line the echo command printed."""
    return output_lines(out)[-1]


def test_editing_keys(guest):
    g = guest
    # Left arrow, insert in the middle.
    assert echoed(run(g, "echo abd" + LEFT + "c")) == "abcd"
    # Backspace (DEL) in the middle and at the end.
    assert echoed(run(g, "echo abXcd" + LEFT + LEFT + BACKSPACE + END + "e" + BACKSPACE + "f")) == "abcdf"
    # Ctrl-A / Ctrl-E / Home / End.
    assert echoed(run(g, "cho middle" + CTRL_A + "e" + CTRL_E + "!")) == "middle!"
    assert echoed(run(g, "cho x" + HOME + "e" + END + "y")) == "xy"
    # Right arrow after moving left; Delete key.
    assert echoed(run(g, "echo 12345" + LEFT * 3 + RIGHT + DELETE)) == "1235"
    # Ctrl-U deletes to the start, Ctrl-K to the end.
    assert echoed(run(g, "garbage" + CTRL_U + "echo clean")) == "clean"
    assert echoed(run(g, "echo keep drop" + LEFT * 5 + CTRL_K)) == "keep"
    # Ctrl-C abandons the line.
    g.send("echo never" + CTRL_C)
    g.expect(r"\^C")
    g.expect(PROMPT)
    out = run(g, "echo after")
    assert echoed(out) == "after" and "never\n" not in out


def test_history_up_down(guest):
    g = guest
    assert echoed(run(g, "echo first")) == "first"
    assert echoed(run(g, "echo second")) == "second"
    # Up twice: the line before last.
    assert echoed(run(g, UP + UP)) == "first"
    # Up is now "echo first"; Up again "echo second"; Down back to "echo first".
    assert echoed(run(g, UP + UP + DOWN)) == "first"
    # A recalled line can be edited.
    assert echoed(run(g, UP + " again")) == "first again"
    # Down past the newest entry returns to the line being typed.
    assert echoed(run(g, "echo draft" + UP + DOWN)) == "draft"


def test_poweroff_ends_qemu(guest):
    guest.sendline("poweroff")
    guest.expect("powering off")
    assert guest.wait(60) == EXIT_NO_STATUS
    assert "KERNEL PANIC" not in guest.output


def test_reboot_restarts_the_machine():
    with Guest(cmdline="", smp=2, timeout=300, extra=["--allow-reboot"]) as g:
        g.expect(PROMPT, timeout=120)
        boots = g.output.count("KPIO loader")
        g.sendline("reboot")
        g.expect("rebooting")
        g.expect(r"KPIO loader", timeout=120)
        g.expect(PROMPT, timeout=120)
        assert g.output.count("KPIO loader") == boots + 1
        g.sendline("poweroff")
        assert g.wait(60) == EXIT_NO_STATUS
