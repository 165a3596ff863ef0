"""Raw source values -> the types the model's fields hold, the same way for every format.

AWS accepts ``"true"``/``"false"`` strings for booleans and numeric strings for integers (YAML,
JSON and HCL all produce them); anything else is UNKNOWN, so a rule never fires on a guess.
"""

from __future__ import annotations

import math
from typing import Any

from ..model.values import UNKNOWN


def as_bool(v: Any) -> Any:
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.strip().lower() in ("true", "false"):
        return v.strip().lower() == "true"
    return UNKNOWN


def as_int(v: Any) -> Any:
    if isinstance(v, bool):
        return UNKNOWN
    if isinstance(v, int):
        return v
    if isinstance(v, float) and math.isfinite(v) and v.is_integer():
        return int(v)
    if isinstance(v, str):
        try:
            f = float(v.strip())
        except ValueError:
            return UNKNOWN
        return int(f) if math.isfinite(f) and f.is_integer() else UNKNOWN
    return UNKNOWN
