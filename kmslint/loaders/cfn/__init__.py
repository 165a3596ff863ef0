"""CloudFormation templates (YAML, JSON, SAM, CDK output) -> the common model.

Importing this package does not import cfn-lint; :func:`load_template` does, on first use.
"""

from .template import load_template

__all__ = ["load_template"]
