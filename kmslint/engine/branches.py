"""Which condition values a finding on a CloudFormation key policy holds under.

A key whose policy uses ``Fn::If`` is modelled once per combination of the policy's conditions
(:mod:`kmslint.loaders.cfn.template`); each variant lists the combinations it stands for in
``Key.policy_branches``. A finding raised by some variants holds under their combinations. The note
names the fewest condition values that single those combinations out from the rest (``when
HasServiceS3PublicAccess is true``, not every condition of the policy), and is empty when the finding
holds under every combination.
"""

from __future__ import annotations

from typing import Iterable

__all__ = ["Combination", "branch_note"]

Combination = tuple[tuple[str, bool], ...]


def _words(values: Iterable[tuple[str, bool]]) -> str:
    return " and ".join(f"{name} is {'true' if value else 'false'}" for name, value in sorted(values))


def branch_note(holds: Iterable[Combination], every: Iterable[Combination]) -> str:
    """``when ...`` for the combinations in ``holds`` among ``every``; "" when it holds in all."""
    inside = set(holds)
    outside = set(every) - inside
    if not inside or not outside:
        return ""
    first = dict(next(iter(inside)))
    constant = [(n, v) for n, v in first.items() if all(dict(c).get(n) == v for c in inside)]
    chosen: list[tuple[str, bool]] = []
    left = set(outside)
    while left and constant:  # greedy: the value that rules out most of the other combinations
        best = max(constant, key=lambda nv: (sum(dict(c).get(nv[0]) != nv[1] for c in left), nv))
        ruled_out = {c for c in left if dict(c).get(best[0]) != best[1]}
        if not ruled_out:
            break
        chosen.append(best)
        constant.remove(best)
        left -= ruled_out
    if not left:
        return "when " + _words(chosen)
    return "when " + " or ".join(_words(c) for c in sorted(inside))  # no single conjunction: list them
