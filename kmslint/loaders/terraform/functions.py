"""The Terraform built-in functions kmslint evaluates. Any other function gives UNKNOWN.

``file``/``templatefile``/``try``/``can`` need the evaluator and live there; these are pure.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable

from ...model.values import UNKNOWN
from .tfvalues import Encoded, EvalError, LocDict, LocList, Text, contains_unknown, is_partial, to_text


def _need_known(args: list[Any]) -> None:
    if any(a is UNKNOWN for a in args):
        raise _Unknown()


class _Unknown(Exception):
    """Internal: some argument is UNKNOWN, so the result is."""


def _jsondecode(s: Any) -> Any:
    if isinstance(s, Encoded):
        return s.value
    try:
        return json.loads(str(s))
    except ValueError as exc:
        raise EvalError(f"jsondecode: {exc}") from None


def _format(fmt: Any, *args: Any) -> Any:
    out, i = [], 0
    parts = re.split(r"(%%|%[-+ #0-9.]*[sdvqtfxXeEgGob])", str(fmt))
    partial = False
    for part in parts:
        if part == "%%":
            out.append("%")
        elif part.startswith("%") and len(part) > 1:
            if i >= len(args):
                raise EvalError("format: not enough arguments")
            arg = args[i]
            i += 1
            if arg is UNKNOWN:
                return UNKNOWN
            partial = partial or is_partial(arg)
            if part.endswith("d") and not isinstance(arg, bool):
                out.append(str(int(float(arg))))
            elif part.endswith("q"):
                out.append(json.dumps(str(arg)))
            else:
                text = to_text(arg)
                if text is UNKNOWN:
                    return UNKNOWN
                out.append(str(text))
        else:
            out.append(part)
    return Text("".join(out), partial=partial)


MAX_RESULT_TEXT = 1 << 20  # the evaluator's string cap; checked before building, not after


def _text_cap(length: int, name: str) -> None:
    if length > MAX_RESULT_TEXT:
        raise EvalError(f"{name}: the result would be longer than {MAX_RESULT_TEXT:,} characters")


def _join(sep: Any, items: Any) -> Any:
    """``join("", aws_x.y.*.id)`` of a single reference keeps the reference (a common idiom)."""
    if len(items) == 1 and isinstance(items[0], Text):
        return items[0]
    parts = [str(to_text(i)) for i in items]
    _text_cap(sum(map(len, parts)) + len(str(sep)) * max(0, len(parts) - 1), "join")
    return Text(str(sep).join(parts), partial=any(is_partial(i) for i in items))


def _replace(s: Any, old: Any, new: Any) -> Any:
    text, old_s, new_s = str(s), str(old), str(new)
    if old_s and len(new_s) > len(old_s):  # "aaaa" with each "a" replaced by a megabyte: refuse before building it
        _text_cap(len(text) + text.count(old_s) * (len(new_s) - len(old_s)), "replace")
    elif not old_s:
        _text_cap(len(text) + (len(text) + 1) * len(new_s), "replace")
    return Text(text.replace(old_s, new_s), partial=is_partial(s))


def _merge(*maps: Any) -> Any:
    out = LocDict()
    for m in maps:
        if m is None:
            continue
        if not isinstance(m, dict):
            raise EvalError("merge: arguments must be maps")
        out.update(m)
    return out


def _flatten(items: Any) -> Any:
    out = LocList()
    for x in items:
        if x is UNKNOWN:
            raise _Unknown()
        out.extend(_flatten(x) if isinstance(x, list) else [x])
    return out


def _lookup(m: Any, key: Any, *default: Any) -> Any:
    if isinstance(m, dict) and key in m:
        return m[key]
    if default:
        return default[0]
    raise EvalError(f"lookup: no key {key!r}")


def _coalesce(*args: Any) -> Any:
    for a in args:
        if a is UNKNOWN:
            return UNKNOWN
        if a is not None and a != "":
            return a
    raise EvalError("coalesce: no non-null argument")


def _tobool(v: Any) -> Any:
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, str) and v in ("true", "false"):
        return v == "true"
    raise EvalError(f"tobool: cannot convert {v!r}")


def _tonumber(v: Any) -> Any:
    if v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)):
        return v
    try:
        f = float(str(v))
    except ValueError:
        raise EvalError(f"tonumber: cannot convert {v!r}") from None
    return int(f) if f.is_integer() else f


MAX_UNHASHABLE = 2000  # lists and objects are compared pairwise: quadratic, so only this many


def _distinct(items: Any) -> Any:
    out, seen, pairwise = LocList(), set(), 0
    for x in items:
        try:
            if x in seen:
                continue
            seen.add(x)
        except TypeError:  # unhashable (a list or an object): compare by equality
            pairwise += 1
            if pairwise > MAX_UNHASHABLE:
                raise EvalError(f"distinct: more than {MAX_UNHASHABLE} lists or objects to compare") from None
            if x in out:
                continue
        out.append(x)
    return out


def _one(items: Any) -> Any:
    if len(items) > 1:
        raise EvalError("one: more than one element")
    return items[0] if items else None


def _range(*args: Any) -> Any:
    """Terraform refuses a range of more than 1024 numbers; so does kmslint, instead of building a billion."""
    numbers = range(*(int(x) for x in args))
    if len(numbers) > 1024:
        raise EvalError(f"range: {len(numbers)} numbers, over Terraform's limit of 1024")
    return LocList(numbers)


def _element(items: Any, index: Any) -> Any:
    if not items:
        raise EvalError("element: empty list")
    return items[int(index) % len(items)]


def _text(fn: Callable[[str], str]) -> Callable[[Any], Any]:
    return lambda s: Text(fn(str(s)), partial=is_partial(s))


PURE: dict[str, Callable[..., Any]] = {
    "jsondecode": _jsondecode,
    "format": _format,
    "join": _join,
    "split": lambda sep, s: LocList(str(s).split(str(sep))),
    "concat": lambda *lists: LocList([x for lst in lists for x in lst]),
    "merge": _merge,
    "flatten": _flatten,
    "distinct": _distinct,
    "compact": lambda items: LocList([x for x in items if x not in (None, "")]),
    "lookup": _lookup,
    "coalesce": _coalesce,
    "coalescelist": lambda *lists: next((lst for lst in lists if lst), LocList()),
    "tostring": lambda v: v if v is None else to_text(v),
    "tonumber": _tonumber,
    "tobool": _tobool,
    "tolist": lambda v: LocList(v),
    "toset": lambda v: LocList(_distinct(v)),
    "tomap": lambda v: LocDict(v),
    "length": lambda v: len(v),
    "keys": lambda m: LocList(sorted(m.keys())),
    "values": lambda m: LocList(m[k] for k in sorted(m.keys())),
    "contains": lambda items, v: v in items,
    "lower": _text(str.lower),
    "upper": _text(str.upper),
    "trimspace": _text(str.strip),
    "replace": _replace,
    "element": _element,
    "one": _one,
    "sort": lambda items: LocList(sorted(items)),
    "zipmap": lambda ks, vs: LocDict(zip(ks, vs)),
    "range": _range,
    "min": lambda *a: min(a),
    "max": lambda *a: max(a),
    "abs": lambda a: abs(a),
}


# Built-ins kmslint does not compute but that always return a string, never null: their result is
# a placeholder of known shape (e.g. valid_to = timeadd(plantimestamp(), "4380h") is set).
STRING_VALUED = frozenset(
    {
        "timestamp", "plantimestamp", "timeadd", "formatdate", "uuid", "uuidv5", "md5", "sha1", "sha256", "sha512",
        "base64encode", "base64decode", "base64sha256", "base64sha512", "filebase64", "filemd5", "filesha256",
        "urlencode", "bcrypt", "cidrhost", "cidrsubnet", "abspath", "dirname", "basename", "pathexpand",
    }
)


def call_pure(name: str, args: list[Any]) -> Any:
    """Apply a pure built-in. Unknown function or UNKNOWN argument -> UNKNOWN."""
    if name in STRING_VALUED and name not in PURE:
        return Text("${" + name + "(...)}", partial=True)
    fn = PURE.get(name)
    if fn is None:
        return UNKNOWN
    if name not in ("coalesce", "format") and any(contains_unknown(a) for a in args):
        return UNKNOWN
    try:
        return fn(*args)
    except _Unknown:
        return UNKNOWN
    except EvalError:
        raise
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, ArithmeticError, RecursionError) as exc:
        raise EvalError(f"{name}: {type(exc).__name__}") from None
