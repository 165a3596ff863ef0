"""The wheel carries what users run: the rules, the checkov pack, the console script and ``python -m kmslint``."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(out), str(PROJECT)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (built,) = out.glob("kmslint-*.whl")
    return built


def test_wheel_lists_rules_pack_and_entry_points(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        scripts = zf.read(entry_points).decode("utf-8")
    assert "kmslint/rules_data/KMS003-rotation-enabled.yaml" in names
    assert len([n for n in names if n.startswith("kmslint/rules_data/KMS") and n.endswith(".yaml")]) == len(list((PROJECT / "rules").glob("KMS*.yaml")))
    assert {"kmslint/checkov_pack/__init__.py", "kmslint/checkov_pack/kmslint_checks.py", "kmslint/checkov_pack/rules.jsonl"} <= names
    assert "kmslint/__main__.py" in names
    assert "[console_scripts]\nkmslint = kmslint.cli:main_entry" in scripts


def test_installed_wheel_runs_and_finds_its_pack(wheel: Path, tmp_path: Path) -> None:
    # Dependencies come from this interpreter's site-packages; the wheel's own kmslint comes first.
    env_dir = tmp_path / "venv"
    venv.create(env_dir, system_site_packages=True, with_pip=True)
    python, kmslint = env_dir / "bin" / "python", env_dir / "bin" / "kmslint"
    install = subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--quiet", str(wheel)], capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stderr
    pack = subprocess.run([str(kmslint), "checkov-pack"], capture_output=True, text=True, timeout=120)
    assert pack.returncode == 0, pack.stderr
    pack_dir = Path(pack.stdout.strip())
    assert env_dir in pack_dir.parents and (pack_dir / "kmslint_checks.py").is_file()
    rules = subprocess.run([str(python), "-m", "kmslint", "rules"], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert rules.returncode == 0, rules.stderr
    assert "KMS003  rotation-enabled" in rules.stdout
    where = subprocess.run([str(python), "-c", "from kmslint.engine.rules import rules_dir; print(rules_dir())"],
                           capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert Path(where.stdout.strip()) == pack_dir.parent / "rules_data", where.stderr
