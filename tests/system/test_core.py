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


def test_panic_stops_every_other_cpu():
    """crash=smp: threads on the other three CPUs print continuously, then the
    boot CPU panics. The other CPUs are stopped (NMI) when the report starts:
    their lines end there instead of running through it."""
    status, out = run_kernel("crash=smp", smp=4, timeout=90)
    assert status == 2, out                     # EXIT_PANIC
    before, _, after = out.partition("======== KERNEL PANIC")
    assert after, out
    busy = set(re.findall(r"cpu (\d) still running", before))
    assert busy == {"1", "2", "3"}, before[-2000:]
    # At most a line each that was already being written when the NMI came.
    assert len(re.findall(r"still running", after)) <= 3, after
    assert "crash test: panic with 4 CPUs busy (crash=smp)" in after
