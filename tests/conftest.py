"""Shared pytest configuration."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    # CI runs everything; `-m "not slow"` is for a quick local loop.
    config.addinivalue_line("markers", "slow: takes more than 30 s (installs a tool environment); CI still runs it")
