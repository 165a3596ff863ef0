#!/usr/bin/env bash
# Create an isolated virtualenv holding checkov, for benchmarks/run.py.
#
# checkov depends on bc-python-hcl2, which installs a top-level module named
# `hcl2` that clashes with python-hcl2 (the parser kmslint uses). The two must
# never share an environment, so checkov lives in its own venv.
#
# Usage: benchmarks/setup_checkov.sh [VENV_DIR]   (default: .bench/checkov-venv)
#        CHECKOV_SPEC='checkov==3.3.*' PYTHON=python3.11 benchmarks/setup_checkov.sh
set -euo pipefail

venv_dir="${1:-.bench/checkov-venv}"
spec="${CHECKOV_SPEC:-checkov==3.3.*}"
python_bin="${PYTHON:-python3}"

if [[ ! -x "$venv_dir/bin/python" ]]; then
    mkdir -p "$(dirname "$venv_dir")"
    "$python_bin" -m venv "$venv_dir"
fi
"$venv_dir/bin/python" -m pip install --quiet --upgrade pip
"$venv_dir/bin/python" -m pip install --quiet "$spec"
"$venv_dir/bin/checkov" --version
