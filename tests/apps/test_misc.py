"""date, sleep and env (printing), checked against the host's GNU tools and
the clock."""
import time

import pytest

from conftest import needs_kpio


@pytest.mark.parametrize("seconds", ["0", "86399", "951782400", "1700000000", "-1", "4102444800"])
@pytest.mark.parametrize("fmt", [None, "+%Y-%m-%d %H:%M:%S", "+%a %A %b %B %j %U %u %w %y %e",
                                 "+%s", "+%D %T %R %p %I %%", "+"])
def test_date_formats(apps, seconds, fmt):
    args = ["-d", "@" + seconds] + ([fmt] if fmt else [])
    ours = apps.run("date", *args)
    theirs = apps.host(["date", "-u"] + args)
    assert ours.stdout == theirs.stdout, (ours.stdout, theirs.stdout, ours.stderr)
    assert ours.returncode == 0


def test_date_now(apps):
    before = int(time.time())
    r = apps.run("date", "+%s")
    after = int(time.time())
    assert before <= int(r.stdout) <= after


def test_date_errors(apps):
    r = apps.run("date", "-d", "yesterday")
    assert r.returncode == 1 and b"only @SECONDS" in r.stderr
    r = apps.run("date", "0101000070")
    assert r.returncode == 1 and b"not supported" in r.stderr


def test_sleep(apps):
    start = time.monotonic()
    r = apps.run("sleep", "0.2", "0.1s")
    assert r.returncode == 0
    assert time.monotonic() - start >= 0.3
    for bad in ["x", "1y", "-1", "1ss", ""]:
        r = apps.run("sleep", bad)
        assert r.returncode == 1 and b"invalid time interval" in r.stderr, bad
    assert apps.run("sleep").returncode == 1


@needs_kpio()
def test_env_prints(apps):
    r = apps.run("env", env={"ALPHA": "1", "BETA": "two words"})
    lines = r.stdout.decode().splitlines()
    assert "ALPHA=1" in lines and "BETA=two words" in lines and "PWD=/" in lines
    r = apps.run("env", "-u", "ALPHA", "GAMMA=3", env={"ALPHA": "1"})
    lines = r.stdout.decode().splitlines()
    assert "ALPHA=1" not in lines and "GAMMA=3" in lines
    r = apps.run("env", "-i", "ONLY=this", env={"ALPHA": "1"})
    assert r.stdout == b"ONLY=this\n"
    assert apps.run("env", "=bad").returncode == 125
