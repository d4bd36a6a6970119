"""tests/system/conftest.py — make tests/system/kpio.py importable and check
that there is an image to boot."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import kpio  # noqa: E402


def pytest_sessionstart(session):
    if not os.path.exists(kpio.IMAGE):
        raise pytest.UsageError(f"{kpio.IMAGE} is missing: run make first")
