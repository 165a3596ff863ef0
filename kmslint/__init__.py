"""kmslint: AWS KMS key lifecycle safety linter for infrastructure code."""

__version__ = "0.1.0"
