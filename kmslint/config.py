"""Configuration: ``.kmslint.yaml`` or ``[tool.kmslint]`` in ``pyproject.toml``.

Minimal core version: select/ignore, levels, rule parameters, exclude, fail-on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional

import yaml


class ConfigError(Exception):
    """The configuration is invalid; the message names the key. Exit code 2."""


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] = ()  # empty: every rule
    ignore: tuple[str, ...] = ()
    levels: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()
    fail_on: Optional[str] = None
    source: str = ""


def find_config(start: Path) -> Optional[Path]:
    here = start.resolve()
    for folder in (here, *here.parents) if here.is_dir() else (here.parent, *here.parent.parents):
        candidate = folder / ".kmslint.yaml"
        if candidate.is_file():
            return candidate
    return None


def load_config(scan_root: Path, explicit: Optional[Path] = None) -> Config:
    path = explicit or find_config(scan_root)
    if path is None:
        return Config()
    try:
        data = yaml.safe_load(path.read_text("utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: configuration must be a mapping")
    rules = data.get("rules", {}) or {}
    levels = {rid: str(v["level"]) for rid, v in rules.items() if isinstance(v, dict) and "level" in v}
    params = {rid: {k: x for k, x in v.items() if k != "level"} for rid, v in rules.items() if isinstance(v, dict)}
    return Config(
        select=tuple(data.get("select", ())),
        ignore=tuple(data.get("ignore", ())),
        levels=levels,
        params=params,
        exclude=tuple(data.get("exclude", ())),
        fail_on=data.get("fail-on"),
        source=str(path),
    )
