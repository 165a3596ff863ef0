"""Moving locations out of downloaded modules to the module call that brought them in.

A finding inside ``.terraform/modules/kms/main.tf`` names a file the user cannot change (the next
``terraform init`` overwrites it). Terraform users act on their own module call, so every location
in a downloaded module's files becomes the location of that call. Values passed by the caller
already point at the caller's argument, which is left as it is.

The model is frozen dataclasses, tuples and mappings; this walks them generically rather than
teaching every model type about downloaded modules.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Mapping

from ...model.values import Location

MAX_DEPTH = 64  # model objects nest a few levels; policies a few more


def relocate(obj: Any, hidden: Callable[[str], bool], to: Location) -> Any:
    """``obj`` with every Location whose path is ``hidden`` replaced by ``to``; unchanged parts are
    the same objects, so nothing is copied when nothing moves."""
    return _walk(obj, hidden, to, 0)


def _walk(obj: Any, hidden: Callable[[str], bool], to: Location, depth: int) -> Any:
    if isinstance(obj, Location):
        return to if hidden(obj.path) else obj
    if depth >= MAX_DEPTH or obj is None or isinstance(obj, (str, int, float, bool, bytes)):
        return obj
    if isinstance(obj, tuple) and not hasattr(obj, "_fields"):
        items = tuple(_walk(x, hidden, to, depth + 1) for x in obj)
        return obj if all(a is b for a, b in zip(items, obj)) else items
    if isinstance(obj, Mapping) and type(obj) is dict:
        new = {k: _walk(v, hidden, to, depth + 1) for k, v in obj.items()}
        return obj if all(new[k] is v for k, v in obj.items()) else new
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        changes = {}
        for f in dataclasses.fields(obj):
            if not f.init:
                continue
            old = getattr(obj, f.name)
            new = _walk(old, hidden, to, depth + 1)
            if new is not old:
                changes[f.name] = new
        return dataclasses.replace(obj, **changes) if changes else obj
    return obj
