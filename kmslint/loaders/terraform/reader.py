"""What code that reads resource arguments needs from the loader, as a Protocol.

The monitoring reader (``monitoring.py``) is called by the loader and reads arguments through it.
Typing it against this Protocol instead of ``TerraformLoader`` keeps the imports one way:
``loader`` imports ``monitoring``, never the reverse.
"""

from __future__ import annotations

from typing import Any, Optional, Protocol

from ...model.values import Location, Value
from .evaluate import Evaluator
from .hcl import Attribute, Block
from .module import Instance


class ArgumentReader(Protocol):
    ev: Evaluator

    def arg(self, inst: Instance, block: Block, name: str) -> tuple[Any, Location]:
        """An argument's value and where a fix goes (the caller's argument for a passed variable)."""
        ...

    def origin(self, attr: Attribute, inst: Instance) -> Location:
        """Where a fix goes for an attribute's value."""
        ...

    def located_arg(self, inst: Instance, block: Block, name: str, kind: str) -> Optional[Value[Any]]:
        """An argument as a model value, with the places it comes through as ``related``."""
        ...
