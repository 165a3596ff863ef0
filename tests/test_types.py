"""Type hints everywhere, checked: the package passes ``mypy --strict`` (config in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_package_passes_mypy_strict() -> None:
    pytest.importorskip("mypy", reason="mypy is in the [test] extra")
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", "kmslint"], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
