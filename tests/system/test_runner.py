"""tests/system/test_runner.py — tools/kpio-qemu's own logic, without booting:
the QEMU command it builds, the network rule it enforces, how it rewrites the
kernel command line in its copy of the image, how it decodes exit statuses."""
import os
import subprocess

import pytest

from kpio import IMAGE, RUNNER, ImageEditor, load_tool

runner = load_tool("kpio_qemu", "kpio-qemu")


def dry_run(*args):
    out = subprocess.run([RUNNER, "--dry-run", *args], capture_output=True, text=True)
    return out.returncode, out.stdout + out.stderr


def test_machine_configuration():
    rc, cmd = dry_run("--smp", "4", "--mem", "2G", IMAGE)
    assert rc == 0, cmd
    for part in ["-machine q35", "-cpu max", "-smp 4", "-m 2G", "-nodefaults",
                 "-bios /usr/share/ovmf/OVMF.fd", "virtio-blk-pci,drive=boot",
                 "isa-debug-exit,iobase=0xf4,iosize=0x04", "-no-reboot", "-display none"]:
        assert part in cmd, (part, cmd)
    assert "-enable-kvm" not in cmd


def test_network_stays_local():
    rc, cmd = dry_run("--nic", "user,hostfwd=tcp:127.0.0.1:8080-:80", IMAGE)
    assert rc == 0 and "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:8080-:80" in cmd, cmd
    assert "virtio-net-pci,netdev=n0" in cmd
    rc, out = dry_run("--nic", "user,hostfwd=tcp::8080-:80", IMAGE)
    assert rc == 125 and "127.0.0.1" in out
    rc, out = dry_run("--nic", "user,restrict=off", IMAGE)
    assert rc == 125 and "restrict=on" in out
    rc, out = dry_run("--nic", "socket,listen=:1234", IMAGE)
    assert rc == 125


def test_missing_image_is_an_error(tmp_path):
    rc, out = dry_run(str(tmp_path / "nothing.img"))
    assert rc == 125 and "no " in out


def test_cmdline_rewrite_keeps_the_rest(tmp_path):
    img = ImageEditor(str(tmp_path))
    before = img.read("::/EFI/KPIO/KPIO.CFG").decode()
    runner.set_cmdline(img.path, "test=all loglevel=3", str(tmp_path))
    after = img.read("::/EFI/KPIO/KPIO.CFG").decode()
    assert "cmdline = test=all loglevel=3\n" in after
    assert after.count("cmdline") == 1
    kept = [l for l in before.splitlines() if not l.startswith("cmdline")]
    assert all(l in after.splitlines() for l in kept)
    with pytest.raises(runner.RunnerError):
        runner.set_cmdline(img.path, "two\nlines", str(tmp_path))


def test_esp_found_through_the_gpt():
    assert runner.esp_offset(IMAGE) == 1024 * 1024


@pytest.mark.parametrize("qemu_status,log,interactive,expect", [
    (33, "", False, 0),            # debug-exit 0x10 + 0: pass
    (35, "", False, 1),            # 0x10 + 1: tests failed
    (37, "", False, 2),            # 0x10 + 2: panic
    (0, "", False, 64),            # powered off without a status
    (0, "", True, 0),              # the user quit an interactive run
    (0, "CPU Reset (CPU 0)\nTriple fault\n", False, 65),
    (1, "", False, 125),           # QEMU's own failure
])
def test_status_decoding(tmp_path, qemu_status, log, interactive, expect):
    (tmp_path / "qemu.log").write_text(log)
    assert runner.decode_status(qemu_status, str(tmp_path), interactive) == expect


def test_linux_guest_mode():
    rc, cmd = dry_run("--kernel", RUNNER, "--initrd", RUNNER, "--append", "console=ttyS0")
    assert rc == 0, cmd
    assert f"-kernel {RUNNER}" in cmd and "-append console=ttyS0" in cmd
    assert "virtio-blk-pci,drive=boot" not in cmd
    assert "-bios /usr/share/ovmf/OVMF.fd" in cmd      # the same firmware as KPIO
