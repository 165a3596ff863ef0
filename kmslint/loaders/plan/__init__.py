"""Terraform plan JSON (``terraform show -json <planfile>``): loading, and pairing with the HCL.

This package's ``__init__`` stays light: the loader (which needs the Terraform loader) is
imported only when a plan is actually loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ...model.resources import Inventory

__all__ = ["load_plan"]


def load_plan(rel: str, text: str) -> "Inventory":
    """The model facts of one plan file; ``rel`` is its path relative to the scan root."""
    from .load import load_plan as _load_plan

    return _load_plan(rel, text)
