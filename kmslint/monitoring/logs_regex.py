"""CloudWatch Logs ``%regex%`` terms, matched in time linear in the log event.

Written here rather than handed to :mod:`re`: ``re`` backtracks, so ``%.*.*.*...x%`` took minutes
on a long event, and ``re`` accepts far more than CloudWatch Logs does. AWS's "Supported regular
expressions (regex) syntax" page allows only letters, digits, the symbols ``: _ # = @ / ; , -``
and the operators ``^ $ ? [ ] { } | \\ * + .``; parentheses (groups) are not supported. Without
groups a pattern is a set of ``|`` alternatives, each a sequence of single-character atoms with
quantifiers, which a Thompson-style simulation over "how far into the sequence" states matches in
``O(len(pattern) * len(text))`` steps, with no backtracking.

Anything outside that syntax raises :class:`LogsRegexError`, and so does a ``{m,n}`` whose
expansion would exceed :data:`MAX_STATES` (callers treat the term as unknown, never as a match).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

__all__ = ["LogsRegex", "LogsRegexError", "MAX_STATES", "compile_logs_regex"]

MAX_STATES = 1024
_SYMBOLS = frozenset(":_#=@/;,- ")  # AWS's list; a space is what a quoted term would hold
_CLASS_ESCAPES: dict[str, Callable[[str], bool]] = {
    "d": str.isdigit,
    "w": lambda c: c.isalnum() or c == "_",
    "s": str.isspace,
}

CharTest = Callable[[str], bool]
_QUANTIFIERS: dict[str, tuple[int, Optional[int]]] = {"?": (0, 1), "*": (0, None), "+": (1, None)}


class LogsRegexError(ValueError):
    """A ``%regex%`` kmslint cannot match safely: outside CloudWatch's syntax, or too large."""


@dataclass(frozen=True)
class _Node:
    test: CharTest
    mode: str  # "one", "opt" (may be skipped) or "star" (any number of times)
    atom: str = ""  # the atom's source text: ``.*.*`` is one ``.*``


@dataclass(frozen=True)
class _Branch:
    nodes: tuple[_Node, ...]
    at_start: bool
    at_end: bool

    def search(self, text: str) -> bool:
        states = self._closure({0})
        if self._accepts(states, 0, len(text)):
            return True
        for i, char in enumerate(text):
            step: set[int] = set()
            for s in states:
                node = self.nodes[s] if s < len(self.nodes) else None
                if node is not None and node.test(char):
                    step.add(s if node.mode == "star" else s + 1)
            if not self.at_start:
                step.add(0)
            states = self._closure(step)
            if self._accepts(states, i + 1, len(text)):
                return True
            if not states:
                return False
        return False

    def _accepts(self, states: set[int], pos: int, end: int) -> bool:
        return len(self.nodes) in states and (not self.at_end or pos == end)

    def _closure(self, states: set[int]) -> set[int]:
        """Add every state reachable by skipping optional nodes; linear in the number of nodes."""
        out: set[int] = set()
        covered = 0
        for s in sorted(states):
            start = max(s, covered)
            covered = self.reach[s] + 1
            out.update(range(start, covered))
        return out

    @property
    def reach(self) -> tuple[int, ...]:
        """For each state, the furthest state reachable from it by skipping optional nodes."""
        cached: Optional[tuple[int, ...]] = self.__dict__.get("_reach")
        if cached is None:
            far = [len(self.nodes)] * (len(self.nodes) + 1)
            for i in range(len(self.nodes) - 1, -1, -1):
                far[i] = i if self.nodes[i].mode == "one" else far[i + 1]
            cached = tuple(far)
            object.__setattr__(self, "_reach", cached)
        return cached


@dataclass(frozen=True)
class LogsRegex:
    """A compiled ``%regex%``: :meth:`search` finds it anywhere in a text, as CloudWatch does."""

    pattern: str
    branches: tuple[_Branch, ...]

    def search(self, text: str) -> bool:
        return any(b.search(text) for b in self.branches)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.states = 0

    def fail(self, reason: str) -> LogsRegexError:
        return LogsRegexError(f"{reason} in %{self.text}%")

    def branches(self) -> tuple[_Branch, ...]:
        return tuple(self.branch(part) for part in self._split_alternatives())

    def _split_alternatives(self) -> list[str]:
        parts, depth, start, i = [], False, 0, 0
        while i < len(self.text):
            char = self.text[i]
            if char == "\\":
                i += 2
                continue
            if char == "[":
                depth = True
            elif char == "]":
                depth = False
            elif char == "|" and not depth:
                parts.append(self.text[start:i])
                start = i + 1
            i += 1
        parts.append(self.text[start:])
        return parts

    def branch(self, text: str) -> _Branch:
        at_start = text.startswith("^")
        at_end = text.endswith("$") and not text.endswith("\\$")
        body = text[1 if at_start else 0 : len(text) - (1 if at_end else 0)]
        nodes: list[_Node] = []
        i = 0
        while i < len(body):
            start = i
            test, i = self.atom(body, i)
            i = self.quantified(body, i, _Node(test, "one", body[start:i]), nodes)
        return _Branch(tuple(nodes), at_start, at_end)

    def atom(self, body: str, i: int) -> tuple[CharTest, int]:
        char = body[i]
        if char == "\\":
            if i + 1 >= len(body):
                raise self.fail("a trailing backslash")
            return _escape(body[i + 1]), i + 2
        if char == "[":
            return self.char_class(body, i)
        if char == ".":
            return (lambda c: c != "\n"), i + 1
        if char.isascii() and (char.isalnum() or char in _SYMBOLS):
            return _is(char), i + 1
        raise self.fail(f"{char!r} is not allowed")

    def char_class(self, body: str, i: int) -> tuple[CharTest, int]:
        end = body.find("]", i + 2 if body.startswith("[^]", i) or body.startswith("[]", i) else i + 1)
        if end < 0:
            raise self.fail("an unterminated [")
        spec = body[i + 1 : end]
        negate = spec.startswith("^")
        spec = spec[1:] if negate else spec
        tests: list[CharTest] = []
        j = 0
        while j < len(spec):
            if spec[j] == "\\" and j + 1 < len(spec):
                tests.append(_escape(spec[j + 1]))
                j += 2
            elif j + 2 < len(spec) and spec[j + 1] == "-":
                low, high = spec[j], spec[j + 2]
                tests.append(_in_range(low, high))
                j += 3
            else:
                tests.append(_is(spec[j]))
                j += 1
        group = tuple(tests)
        if negate:
            return (lambda c: not any(t(c) for t in group)), end + 1
        return (lambda c: any(t(c) for t in group)), end + 1

    def quantified(self, body: str, i: int, one: _Node, nodes: list[_Node]) -> int:
        low, high, i = self.quantifier(body, i)
        star = _Node(one.test, "star", one.atom)
        added = [one] * low
        if high is None and not (low == 0 and nodes and nodes[-1].mode == "star" and nodes[-1].atom == one.atom):
            added.append(star)  # x*x* is x*: keeps %.*.*.*x% at one state per distinct star
        elif high is not None:
            added += [_Node(one.test, "opt", one.atom)] * (high - low)
        self.states += len(added)
        if self.states > MAX_STATES:
            raise self.fail(f"more than {MAX_STATES} repetitions")
        nodes.extend(added)
        return i

    def quantifier(self, body: str, i: int) -> tuple[int, Optional[int], int]:
        if i >= len(body):
            return 1, 1, i
        char = body[i]
        if char in _QUANTIFIERS:
            low, high = _QUANTIFIERS[char]
            return low, high, i + 1
        if char != "{":
            return 1, 1, i
        end = body.find("}", i)
        if end < 0:
            raise self.fail("an unterminated {")
        return self.bounds(body[i + 1 : end]) + (end + 1,)

    def bounds(self, spec: str) -> tuple[int, Optional[int]]:
        low_text, comma, high_text = (s.strip() for s in spec.partition(","))
        if not low_text.isdigit() or (high_text and not high_text.isdigit()):
            raise self.fail(f"{{{spec}}} is not a repetition")
        low = int(low_text)
        high: Optional[int] = int(high_text) if high_text else None if comma else low
        if high is not None and high < low:
            raise self.fail(f"{{{spec}}} is not a repetition")
        if low > MAX_STATES or (high is not None and high > MAX_STATES):
            raise self.fail(f"more than {MAX_STATES} repetitions")
        return low, high


def _is(want: str) -> CharTest:
    return lambda c: c == want


def _in_range(low: str, high: str) -> CharTest:
    return lambda c: low <= c <= high


def _escape(char: str) -> CharTest:
    if char in _CLASS_ESCAPES:
        return _CLASS_ESCAPES[char]
    if char.lower() in _CLASS_ESCAPES:
        inner = _CLASS_ESCAPES[char.lower()]
        return lambda c: not inner(c)
    return lambda c: c == char


def compile_logs_regex(text: str) -> LogsRegex:
    """Compile the body of a ``%regex%``; raise :class:`LogsRegexError` if kmslint cannot match it."""
    if not text:
        raise LogsRegexError("an empty %regex%")
    if "(" in text or ")" in text:
        raise LogsRegexError(f"parentheses are not allowed in a filter-pattern regex: %{text}%")
    return LogsRegex(text, _Parser(text).branches())
