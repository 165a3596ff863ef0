"""Semantic matching for KMS deletion monitoring (KMS006, KMS007).

No library evaluates CloudWatch Logs filter patterns or EventBridge event patterns, so kmslint
carries small, typed evaluators of its own and decides coverage by running patterns against
synthetic CloudTrail records:

- :mod:`.filter_pattern`: CloudWatch Logs filter patterns (JSON and plain-text terms).
- :mod:`.event_pattern`: EventBridge event patterns.
- :mod:`.cloudtrail`: synthetic CloudTrail records and their EventBridge envelopes.
- :mod:`.coverage`: do these patterns watch these events, and only these?
"""
