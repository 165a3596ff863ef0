"""The per-user cache holds pickles (the built parser, parse results), and loading a pickle runs
code: kmslint uses a cache directory only when it is the user's own and no one else may write to it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from kmslint.cache import cache_dir


@pytest.fixture
def base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("KMSLINT_NO_CACHE", raising=False)
    return tmp_path / "cache"


def test_a_new_cache_directory_is_private(base: Path) -> None:
    made = cache_dir()
    assert made == base / "kmslint"
    assert stat.S_IMODE(made.stat().st_mode) & 0o077 == 0


def test_a_directory_others_may_write_is_made_private_before_use(base: Path) -> None:
    (base / "kmslint").mkdir(parents=True)
    os.chmod(base / "kmslint", 0o777)
    assert cache_dir() == base / "kmslint"
    assert stat.S_IMODE((base / "kmslint").stat().st_mode) & 0o022 == 0


def test_a_directory_someone_else_owns_is_not_used(base: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (base / "kmslint").mkdir(parents=True)
    owner = (base / "kmslint").stat().st_uid
    monkeypatch.setattr(os, "getuid", lambda: owner + 1)  # as another user would see it
    assert cache_dir() is None


def test_a_link_in_place_of_the_directory_is_not_followed(base: Path, tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    base.mkdir()
    (base / "kmslint").symlink_to(tmp_path / "elsewhere")
    assert cache_dir() is None
