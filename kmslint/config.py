"""Configuration: ``.kmslint.yaml`` or ``[tool.kmslint]`` in ``pyproject.toml``.

Found by walking up from the scanned path to the repository root (the first folder with a
``.git``; outside a repository, only the scanned folder itself), never above it, so a
``.kmslint.yaml`` in a temporary folder shared by CI jobs cannot switch rules off; or given with
``--config FILE``. A configuration file found this way that is a symbolic link out of the
repository is an error, never read. In one folder ``.kmslint.yaml`` wins over
``pyproject.toml``; a ``pyproject.toml`` without ``[tool.kmslint]`` is passed over. Keys::

    select: [KMS001, KMS002]      # only these rules (default: all)
    ignore: [KMS011]              # never these (wins over select)
    exclude: ["examples/*", "*.tfvars"]    # fnmatch globs over paths relative to this file's folder
    fail-on: warning              # error | warning | note | none
    max-file-size-mb: 10          # larger files are KMS000, not parsed
    max-analysis-steps: 1000000   # work one Terraform configuration may spend (kmslint/limits.py)
    max-value-size: 1000000       # elements + characters of one evaluated value; larger is unknown
    rules:
      KMS002: {min_days: 30, level: warning}

Unknown keys and bad values are :class:`ConfigError` naming the key. Shape is checked against a
JSON Schema on load; rule ids and parameters are checked against the catalog with
:func:`validate_against_rules`, which the CLI calls once the rules are loaded.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional, Sequence

from .engine.rules import Parameter, Rule
from .limits import MAX_ANALYSIS_STEPS, MAX_FILE_BYTES, MAX_NESTING_DEPTH, MAX_VALUE_SIZE, Limits
from .repository import repository_root

CONFIG_NAMES = (".kmslint.yaml", ".kmslint.yml")
PYPROJECT = "pyproject.toml"
LEVELS = ("error", "warning", "note")
FAIL_ON = ("error", "warning", "note", "none")
RULE_ID = "^KMS[0-9]{3}$"
RULE_REF = "^(KMS[0-9]{3}|[a-z][a-z0-9-]*)$"  # a rule id or a rule name (KMS003 or rotation-enabled)

SCHEMA: Mapping[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "select": {"type": "array", "items": {"type": "string", "pattern": RULE_REF}, "uniqueItems": True},
        "ignore": {"type": "array", "items": {"type": "string", "pattern": RULE_REF}, "uniqueItems": True},
        "exclude": {"type": "array", "items": {"type": "string", "minLength": 1}},
        "fail-on": {"enum": list(FAIL_ON)},
        "max-file-size-mb": {"type": "integer", "minimum": 1, "maximum": 1024},
        "max-nesting-depth": {"type": "integer", "minimum": 10, "maximum": 100000},
        "max-analysis-steps": {"type": "integer", "minimum": 1000, "maximum": 1000000000},
        "max-value-size": {"type": "integer", "minimum": 1000, "maximum": 100000000},
        "rules": {
            "type": "object",
            "propertyNames": {"pattern": RULE_REF},
            "additionalProperties": {
                "type": "object",
                "properties": {"level": {"enum": list(LEVELS)}},
            },
        },
    },
}


class ConfigError(Exception):
    """The configuration is invalid; the message names the key. Exit code 2."""


@dataclass(frozen=True)
class Config:
    """What a configuration file says, with the defaults for what it leaves out."""

    select: tuple[str, ...] = ()  # empty: every rule
    ignore: tuple[str, ...] = ()
    levels: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()
    fail_on: Optional[str] = None
    source: str = ""  # the file it came from ("" when none was found)
    limits: Limits = field(default_factory=Limits)  # files larger or deeper are KMS000, not parsed
    # ``exclude`` patterns are relative to the folder of the file that declares them (as in ruff and
    # ESLint), so running from a subdirectory excludes the same files; "" (no file): the current folder.
    exclude_base: str = ""



# --- finding the file --------------------------------------------------------------------------


def _tomllib() -> Any:
    """``tomllib``, imported only when a pyproject.toml is met; None before Python 3.11."""
    if sys.version_info < (3, 11):  # pragma: no cover - Python 3.10 reads .kmslint.yaml only
        return None
    import tomllib

    return tomllib


def _has_tool_table(pyproject: Path) -> bool:
    try:
        content = pyproject.read_bytes()
    except OSError:
        return False
    # Most pyproject.toml files are not ours: without the word, or an escape that could spell it,
    # there is no [tool.kmslint] table, and importing tomllib (about 10 ms) is not needed. One read
    # and cached before had the table (only a configuration that validated is cached).
    if b"kmslint" not in content and b"\\" not in content:
        return False
    entry = _cache_entry(pyproject, content)
    if entry is not None and entry.is_file():
        return True
    tomllib = _tomllib()
    if tomllib is None:
        return False
    try:
        text = pyproject.read_text("utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError):
        return False
    except tomllib.TOMLDecodeError as exc:
        if "tool.kmslint" in text:  # ours, and broken: scanning with defaults instead would hide the mistake
            raise ConfigError(f"{pyproject}: cannot read [tool.kmslint]: {exc}") from exc
        return False  # someone else's broken pyproject is not ours to report while searching
    return isinstance(data.get("tool"), dict) and "kmslint" in data["tool"]


def _candidates(folder: Path) -> Iterable[Path]:
    for name in CONFIG_NAMES:
        yield folder / name
    yield folder / PYPROJECT



def find_config(start: Path) -> Optional[Path]:
    """The nearest config file at or above ``start``, never above the repository root."""
    here = start.resolve()
    folder = here if here.is_dir() else here.parent
    top = repository_root(folder)
    for current in (folder, *folder.parents):
        for candidate in _candidates(current):
            if candidate.is_file() and _inside(candidate, top) and (candidate.name != PYPROJECT or _has_tool_table(candidate)):
                return candidate
        if current == top:
            return None
    return None


def _inside(candidate: Path, top: Path) -> bool:
    """Raise for a configuration that links out of the repository: it is not read, and not ignored
    silently either (the user meant it to apply)."""
    try:
        target = candidate.resolve(strict=True)
    except (OSError, RuntimeError):
        return False
    if not target.is_relative_to(top):
        raise ConfigError(f"{candidate}: a symbolic link to a file outside the repository ({top}); kmslint does not read it")
    return True


# --- reading and validating ----------------------------------------------------------------------


def _no_alias_loader(text: str) -> Any:
    """A safe YAML loader that refuses aliases: a configuration needs none, and nine nested aliases
    ("billion laughs") expand into 387 million nodes that validation would walk for hours.
    PyYAML is imported here, not at start-up: most scans have no configuration file."""
    import yaml

    class _NoAliasLoader(yaml.SafeLoader):
        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]  # untyped in types-PyYAML
                raise yaml.YAMLError(f"line {mark.line + 1}: aliases (*name) are not allowed in kmslint configuration")
            return super().compose_node(parent, index)

    return _NoAliasLoader(text)


def _read_yaml(path: Path) -> Any:
    import yaml

    try:
        loader = _no_alias_loader(path.read_text("utf-8"))
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:  # say where, without echoing the line (its text is not ours to print)
        mark = exc.problem_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        raise ConfigError(f"{path}: cannot read configuration: {exc.problem or exc.context or 'invalid YAML'}{where}") from exc
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc}") from exc


def _read_pyproject(path: Path) -> Any:
    tomllib = _tomllib()
    if tomllib is None:
        raise ConfigError(f"{path}: reading [tool.kmslint] needs Python 3.11 or later; use .kmslint.yaml")
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc}") from exc
    tool = data.get("tool", {})
    if not isinstance(tool, dict) or "kmslint" not in tool:
        raise ConfigError(f"{path}: no [tool.kmslint] table")
    return tool["kmslint"]


def read_raw(path: Path) -> Any:
    """The configuration mapping in ``path`` before validation (``{}`` for an empty file)."""
    data = _read_pyproject(path) if path.name == PYPROJECT else _read_yaml(path)
    return {} if data is None else data


def _key_path(parts: Iterable[Any]) -> str:
    return ".".join(str(p) for p in parts)


def _suggest(name: str, known: Iterable[str]) -> str:
    import difflib  # only a configuration with a mistake needs it

    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


@lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema

    return jsonschema.Draft202012Validator(SCHEMA)


def _describe(error: Any) -> str:
    where = _key_path(error.absolute_path)
    if error.validator == "additionalProperties":
        allowed = error.schema.get("properties", {})
        extra = sorted(set(error.instance) - set(allowed))
        key = _key_path([*error.absolute_path, extra[0]]) if extra else where
        return f"{key}: unknown key{_suggest(str(extra[0]), allowed) if extra else ''}"
    if "propertyNames" in error.schema_path:
        return f"{_key_path([*error.absolute_path, error.instance])}: not a rule id or name (expected KMSnnn or e.g. rotation-enabled)"
    return f"{where or '(top level)'}: {error.message}"


def validate_shape(data: Any, source: str) -> None:
    """Check the configuration's keys and value types; raise :class:`ConfigError` naming the key."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: configuration must be a mapping of keys to values")
    errors = sorted(_validator().iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.validator))
    if errors:
        raise ConfigError(f"{source}: {_describe(errors[0])}")


def config_from_data(data: Mapping[str, Any], source: str = "") -> Config:
    """A :class:`Config` from an already-parsed mapping (validated here)."""
    validate_shape(data, source or "configuration")
    return _built(data, source)


def _built(data: Mapping[str, Any], source: str) -> Config:
    """A :class:`Config` from a mapping that passed :func:`validate_shape`."""
    rules: Mapping[str, Mapping[str, Any]] = data.get("rules") or {}
    return Config(
        select=tuple(data.get("select", ())),
        ignore=tuple(data.get("ignore", ())),
        levels={rid: str(v["level"]) for rid, v in rules.items() if "level" in v},
        params={rid: {k: x for k, x in v.items() if k != "level"} for rid, v in rules.items()},
        exclude=tuple(data.get("exclude", ())),
        fail_on=data.get("fail-on"),
        source=source,
        exclude_base=str(Path(source).resolve().parent) if source else "",
        limits=Limits(
            max_file_bytes=int(data.get("max-file-size-mb", MAX_FILE_BYTES // (1024 * 1024))) * 1024 * 1024,
            max_nesting_depth=int(data.get("max-nesting-depth", MAX_NESTING_DEPTH)),
            max_analysis_steps=int(data.get("max-analysis-steps", MAX_ANALYSIS_STEPS)),
            max_value_size=int(data.get("max-value-size", MAX_VALUE_SIZE)),
        ),
    )


def load_config(scan_root: Path, explicit: Optional[Path] = None) -> Config:
    """The configuration for a scan: ``explicit`` if given, else the nearest one found; else defaults."""
    if explicit is not None and not explicit.is_file():
        raise ConfigError(f"{explicit}: configuration file not found")
    path = explicit or find_config(scan_root)
    if path is None:
        return Config()
    return _load_file(path)


# --- the validated configuration, cached ---------------------------------------------------------
# Reading a configuration imports PyYAML (or tomllib) and JSON Schema: about 0.08 s, most of a
# pre-commit run on a file without KMS. As with the rule catalog (engine/rules.py), a configuration
# that passed validation is kept per user (kmslint.cache), keyed by its bytes, its format and the
# schema, so the next run reads JSON instead. The data holds no path (``source`` and ``exclude_base``
# come from where the file is), and what JSON cannot hold exactly (a YAML date) is not cached. A
# configuration with a mistake is never cached: its error is reported every time.

_CACHE_FORMAT = "config-cache-1"


def _load_file(path: Path) -> Config:
    try:
        content = path.read_bytes()
    except OSError:
        content = None  # read_raw reports it
    entry = _cache_entry(path, content) if content is not None else None
    cached = _read_cached(entry) if entry is not None else None
    if cached is not None:
        try:
            return _built(cached, str(path))
        except (AttributeError, KeyError, TypeError, ValueError):
            pass  # a damaged entry: read the file, and write the entry again
    data = read_raw(path)
    config = config_from_data(data, source=str(path))
    if entry is not None and content is not None:
        _store(entry, data, path, content)
    return config


def _cache_entry(path: Path, content: bytes) -> Optional[Path]:
    import hashlib
    import json

    from . import __version__
    from .cache import cache_dir

    folder = cache_dir()
    if folder is None:
        return None
    kind = "toml" if path.name == PYPROJECT else "yaml"
    header = "\0".join((_CACHE_FORMAT, __version__, kind, json.dumps(SCHEMA, sort_keys=True)))
    digest = hashlib.sha256(header.encode() + b"\0" + content).hexdigest()[:24]
    return folder / f"config-{digest}.json"


def _read_cached(entry: Path) -> Optional[dict[str, Any]]:
    import json

    try:
        data = json.loads(entry.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None  # absent or damaged: read the file
    return data if isinstance(data, dict) else None


def _store(entry: Path, data: Any, path: Path, content: bytes) -> None:
    import json
    import os

    try:
        text = json.dumps(data)
    except (TypeError, ValueError):
        return  # a value JSON cannot hold: this configuration is read the long way each time
    if json.loads(text) != data:
        return  # JSON would change it (an integer key becomes a string)
    try:
        if path.read_bytes() != content:
            return  # changed while it was read: the data may not be this content's
        tmp = entry.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(text, "utf-8")
        os.replace(tmp, entry)
    except OSError:
        pass  # caching is an optimisation only


# --- checking against the rule catalog -----------------------------------------------------------


def _type_ok(param: Parameter, value: Any) -> bool:
    if param.type == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if param.type == "boolean":
        return isinstance(value, bool)
    if param.type == "string":
        return isinstance(value, str)
    if param.type == "array":
        return isinstance(value, list)
    return False


def parameter_problem(param: Parameter, value: Any) -> Optional[str]:
    """Why ``value`` is not acceptable for ``param`` (its type, minimum, maximum, enum), or ``None``."""
    if not _type_ok(param, value):
        return f"must be of type {param.type}, not {value!r}"
    if param.minimum is not None and isinstance(value, int) and value < param.minimum:
        return f"{value} is below the minimum of {param.minimum}"
    if param.maximum is not None and isinstance(value, int) and value > param.maximum:
        return f"{value} is above the maximum of {param.maximum}"
    if param.enum and value not in param.enum:
        return f"{value!r} is not one of {', '.join(map(str, param.enum))}"
    return None


def _unknown_ids(config: Config, known: Mapping[str, Rule]) -> Iterable[str]:
    for key, ids in (("select", config.select), ("ignore", config.ignore), ("rules", tuple(config.params))):
        for rid in ids:
            if rid not in known:
                yield f"{key}: {unknown_rule_message(rid, known.values())}"


def _param_problems(config: Config, known: Mapping[str, Rule]) -> Iterable[str]:
    for rid, params in config.params.items():
        rule = known.get(rid)
        if rule is None:
            continue
        for name, value in params.items():
            param = rule.parameters.get(name)
            if param is None:
                yield f"rules.{rid}.{name}: unknown parameter{_suggest(name, rule.parameters)}"
                continue
            problem = parameter_problem(param, value)
            if problem:
                yield f"rules.{rid}.{name}: {problem}"


def validate_against_rules(config: Config, rules: Sequence[Rule]) -> None:
    """Check rule ids and parameters against the catalog; raise :class:`ConfigError` on the first problem.

    Parameters are checked against the rule's declared type, minimum, maximum and enum
    (so ``KMS002.min_days`` above 30 is refused: AWS's longest window is 30 days).
    """
    known = {r.id: r for r in rules}
    problems = [*_unknown_ids(config, known), *_param_problems(config, known)]
    if problems:
        raise ConfigError(f"{config.source or 'configuration'}: {problems[0]}")


# --- rule names wherever rule ids are accepted ---------------------------------------------------


def resolve_rule(token: str, rules: Iterable[Rule]) -> Optional[str]:
    """The rule id ``token`` names: an id in any case (``kms003``) or a rule name (``rotation-enabled``)."""
    wanted = token.strip()
    for rule in rules:
        if wanted.upper() == rule.id or wanted.lower() == rule.name:
            return rule.id
    return None


def unknown_rule_message(token: str, rules: Iterable[Rule]) -> str:
    """``"KMS02 is not a kmslint rule (did you mean 'KMS002'?)"``: the suggestion comes from ids and names."""
    rules = list(rules)
    digits = token[3:] if token[:3].upper() == "KMS" else ""
    if digits.isdigit() and len(digits) < 8:  # KMS02 and KMS0011 are typos of KMS002 and KMS011: the number decides
        same = [r.id for r in rules if int(r.id[3:]) == int(digits)]
        if same:
            return f"{token} is not a kmslint rule (did you mean {same[0]!r}?)"
    known = [x for r in rules for x in (r.id, r.name)]
    guess = token.upper() if token[:3].upper() == "KMS" else token.lower()
    return f"{token} is not a kmslint rule{_suggest(guess, known)}"


def with_rule_ids(config: Config, rules: Sequence[Rule]) -> Config:
    """``config`` with rule names in ``select``, ``ignore`` and ``rules`` replaced by their ids; unknown
    ones are left as they are for :func:`validate_against_rules` to report."""
    from dataclasses import replace

    def ids(refs: Iterable[str]) -> tuple[str, ...]:
        return tuple(resolve_rule(r, rules) or r for r in refs)

    return replace(
        config,
        select=ids(config.select),
        ignore=ids(config.ignore),
        levels={resolve_rule(k, rules) or k: v for k, v in config.levels.items()},
        params={resolve_rule(k, rules) or k: v for k, v in config.params.items()},
    )
