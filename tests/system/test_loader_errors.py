"""tests/system/test_loader_errors.py — the loader refuses a missing,
truncated or corrupt kernel and a bad configuration with a clear message on
the console, then returns to the firmware, which carries on with its next
boot option (here OVMF's built-in shell): no hang, no reset."""
import hashlib
import re

import pytest

from kpio import Guest, ImageEditor

KERNEL = "::/EFI/KPIO/KERNEL.ELF"
CONFIG = "::/EFI/KPIO/KPIO.CFG"


def boot_expecting_refusal(image, message):
    with Guest(image=image, timeout=90, init=None) as g:   # the config as it is
        g.expect(r"KPIO loader error: .*" + message)
        g.expect(r"KPIO loader: returning to the firmware")
        # OVMF's boot manager got control back and moved on.
        g.expect(r"BdsDxe: failed to start Boot0001")
        g.expect(r"BdsDxe: (loading|starting) Boot0002")
        assert "KPIO 0.1" not in g.output      # the kernel never ran


def with_sha(cfg, data):
    return re.sub(rb"kernel_sha256 = [0-9a-f]+",
                  b"kernel_sha256 = " + hashlib.sha256(data).hexdigest().encode(), cfg)


def test_missing_kernel(tmp_path):
    img = ImageEditor(str(tmp_path))
    img.delete(KERNEL)
    boot_expecting_refusal(img.path, r"cannot open \\EFI\\KPIO\\KERNEL.ELF \(not found\)")


def test_truncated_kernel(tmp_path):
    img = ImageEditor(str(tmp_path))
    kernel = img.read_binary(KERNEL, str(tmp_path))
    img.write(KERNEL, kernel[:len(kernel) // 2], str(tmp_path))
    boot_expecting_refusal(img.path, r"is corrupt: its SHA-256 differs")


def test_corrupt_kernel_byte(tmp_path):
    img = ImageEditor(str(tmp_path))
    kernel = bytearray(img.read_binary(KERNEL, str(tmp_path)))
    kernel[len(kernel) // 3] ^= 0x01
    img.write(KERNEL, bytes(kernel), str(tmp_path))
    boot_expecting_refusal(img.path, r"is corrupt: its SHA-256 differs")


def test_truncated_kernel_with_matching_checksum(tmp_path):
    """A short file whose checksum was (wrongly) updated too still fails the
    ELF checks: its segments lie outside the file."""
    img = ImageEditor(str(tmp_path))
    kernel = img.read_binary(KERNEL, str(tmp_path))
    short = kernel[:8192]
    img.write(KERNEL, short, str(tmp_path))
    img.write(CONFIG, with_sha(img.read(CONFIG), short), str(tmp_path))
    boot_expecting_refusal(img.path, r"not loadable: segment \d+ lies outside the file")


@pytest.mark.parametrize("edit,message", [
    (lambda cfg: cfg + b"bogus = 1\n", r"bad configuration file .*line 5: unknown key 'bogus'"),
    (lambda cfg: re.sub(rb"kernel_sha256 = .*\n", b"", cfg), r"no kernel_sha256 line"),
])
def test_bad_config(tmp_path, edit, message):
    img = ImageEditor(str(tmp_path))
    img.write(CONFIG, edit(img.read(CONFIG)), str(tmp_path))
    boot_expecting_refusal(img.path, message)


def test_missing_config(tmp_path):
    img = ImageEditor(str(tmp_path))
    img.delete(CONFIG)
    boot_expecting_refusal(img.path, r"cannot open \\EFI\\KPIO\\KPIO.CFG \(not found\)")
