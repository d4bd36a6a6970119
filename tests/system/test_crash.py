"""tests/system/test_crash.py — a fatal error in the kernel gives a clear
report (what happened, registers, control registers, a symbolized
backtrace) on the serial port and the screen, and in test mode QEMU exits
with the panic status instead of hanging."""
import re

import pytest

from kpio import EXIT_PANIC, EXIT_TIMEOUT, EXIT_TRIPLE_FAULT, Guest, Qmp, run_kernel, screen_text

REGISTERS = ["rip", "rsp", "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8 ", "r9 ",
             "r10", "r11", "r12", "r13", "r14", "r15", "cr0", "cr2", "cr3", "cr4"]


def report(out):
    m = re.search(r"======== KERNEL (EXCEPTION|PANIC) on cpu \d+ ========\n(.*)", out, re.S)
    assert m, out
    return m.group(2)


def backtrace(text):
    return re.findall(r"#\d+\s+0x[0-9a-f]{16} (\S+)\+0x[0-9a-f]+", text)


@pytest.mark.parametrize("kind,headline,frames", [
    ("pagefault",
     r"#PF page fault \(vector 14\), error code 0x2 \(page not present, write, kernel mode\)",
     ["crash_pagefault", "crashtest_main"]),
    ("stack", r"#DF double fault \(vector 8\)", ["crash_recurse", "crashtest_main"]),
    ("ud", r"#UD invalid opcode \(vector 6\)", ["crash_invalid_opcode", "crashtest_main"]),
    ("panic", r"crash test: deliberate panic \(crash=panic\)", ["crashtest_main"]),
])
def test_fatal_error_report(kind, headline, frames):
    status, out = run_kernel(f"crash={kind}", timeout=90)
    assert status == EXIT_PANIC, out
    text = report(out)
    assert re.search(headline, text), text
    if kind != "panic":
        for reg in REGISTERS:
            assert re.search(re.escape(reg.strip()) + r"\s+[0-9a-f]{4,16}", text), (reg, text)
    names = backtrace(text)
    for f in frames:
        assert f in names, (f, text)
    assert "exiting QEMU with status 2" in text
    if kind == "pagefault":
        # The guard page above the boot stack: KPIO_BOOT_STACK_TOP + 0x10.
        assert "faulting address (cr2) 0xffffffff7ffff010" in text
    if kind == "stack":
        assert re.search(r"the frame above \d+ more times", text), text


def test_report_on_screen(tmp_path):
    """The report is also drawn on the framebuffer (panic=halt keeps the
    machine up for the screendump)."""
    qmp_path = str(tmp_path / "qmp.sock")
    with Guest(cmdline="crash=pagefault panic=halt", display=True, qmp=qmp_path) as g:
        g.expect("System halted", allow_panic=True)
        qmp = Qmp(qmp_path)
        shot = str(tmp_path / "screen.ppm")
        qmp.command("screendump", filename=shot)
        qmp.close()
    screen = screen_text(shot)
    assert "KERNEL EXCEPTION on cpu 0" in screen, screen
    assert "#PF page fault (vector 14)" in screen, screen
    assert "crash_pagefault+0x" in screen, screen


def test_triple_fault_is_reported_as_such():
    """A CPU reset (an exception that cannot even be delivered) ends the run
    with the runner's triple-fault status, not a silent reboot loop."""
    status, out = run_kernel("crash=triple", timeout=90)
    assert status == EXIT_TRIPLE_FAULT, out
    assert "crash test: triple" in out


def test_hung_guest_is_stopped_by_the_timeout():
    """A guest that never finishes is killed at --timeout with status 124."""
    status, out = run_kernel("crash=hang", timeout=12)
    assert status == EXIT_TIMEOUT, out
    assert "crash test: hang" in out
