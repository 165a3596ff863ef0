"""Running this working tree's kmslint from outside the test process: a ``kmslint`` executable for
tools that call kmslint by path, and a fresh interpreter for tests that must see a clean start
(which modules a scan imports, what it caches)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Mapping, Optional

PROJECT = Path(__file__).resolve().parent.parent


def write_kmslint_script(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(PROJECT)!r})\n"
        "from kmslint.cli import main\nsys.exit(main(sys.argv[1:]))\n",
        encoding="utf-8",
    )
    path.chmod(0o755)
    return path


def fresh_python(code: str, cwd: Path, env: Optional[Mapping[str, str]] = None) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a new interpreter that imports this checkout, with only ``env`` added to a
    minimal environment (so the caller's cache settings do not leak in)."""
    full = {"PYTHONPATH": str(PROJECT), "PATH": "/usr/bin:/bin", **(env or {})}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=full, cwd=cwd)
