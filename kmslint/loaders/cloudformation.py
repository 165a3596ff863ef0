"""CloudFormation loader entry point (the implementation lives in :mod:`kmslint.loaders.cfn`).

``load_template(rel, text) -> Inventory``. cfn-lint is imported lazily, inside the call, so a
Terraform-only scan never pays for it.
"""

from .cfn import load_template

__all__ = ["load_template"]
