"""tests/system/test_core.py — the kernel core on machines unlike the default
one: no HPET (the TSC is then calibrated against the PIT)."""
import re

from kpio import EXIT_PASS, run_kernel


def test_clock_calibrated_against_the_pit_without_hpet():
    """With the HPET switched off, the kernel calibrates its clock against the
    PIT; the rate agrees with the boot report's own PIT measurement, and sleeps
    and the clock across CPUs still pass their tests."""
    status, out = run_kernel(
        "test=boot,sched_sleep_within_2ms,smp_clock_monotonic_across_cpus,dev_rtc_wall_clock,"
        "dev_acpi_tables", smp=2, extra=["--qemu-arg=-machine", "--qemu-arg=hpet=off"])
    assert status == EXIT_PASS, out
    m = re.search(r"time: TSC (\d+)\.(\d+) MHz \(.*calibrated against the PIT\)", out)
    assert m, out
    kernel_mhz = int(m.group(1)) + int(m.group(2)) / 1000
    boot_mhz = float(re.search(r"bench: tsc_mhz = ([\d.]+) MHz", out).group(1))
    assert abs(kernel_mhz - boot_mhz) / boot_mhz < 0.02, (kernel_mhz, boot_mhz)
    assert "hpet:" not in out
    assert "ktest: 5 passed, 0 failed" in out
