"""The named Python predicates rules may use (``check: {predicate: NAME}``).

An explicit registry, so ``grep`` finds every predicate a rule can name. A predicate's module is
imported the first time the predicate is called, so a scan loads only the predicates of the rules
that run on something it found (start-up time is what a pre-commit hook is judged by; a scan in
which no file can matter loads none).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

if TYPE_CHECKING:
    from ..model.resources import Inventory

Predicate = Callable[[Any, Mapping[str, Any], "Inventory"], Iterable[Any]]

_REGISTRY: dict[str, tuple[str, str]] = {  # name -> (module of this package, function)
    "monitoring.deletion_alarm": ("monitoring", "deletion_alarm"),
    "monitoring.pending_deletion_alarm": ("monitoring", "pending_deletion_alarm"),
    "plan.replica_ordering": ("plan", "replica_ordering"),
    "policy.destructive_without_mfa": ("policy", "destructive_without_mfa"),
    "policy.public_access": ("policy", "public_access"),
    "policy.window_guard": ("policy", "window_guard"),
    "replica.primary_reference": ("replica", "replica_primary"),
}


def resolve(name: str) -> Predicate:
    """The function registered as ``name``, importing its module."""
    module, function = _REGISTRY[name]
    found: Predicate = getattr(import_module(f"{__name__}.{module}"), function)
    return found


def _lazy(name: str) -> Predicate:
    def call(target: Any, params: Mapping[str, Any], inv: "Inventory") -> Iterable[Any]:
        return resolve(name)(target, params, inv)

    call.__qualname__ = call.__name__ = name
    return call


PREDICATES: dict[str, Predicate] = {name: _lazy(name) for name in _REGISTRY}
