"""A small Terraform expression evaluator: literals, variables, locals, references,
``jsonencode``, heredocs, conditionals, for-expressions and local module outputs.

Anything it cannot resolve is UNKNOWN. References to attributes Terraform computes at apply
time (``aws_kms_key.a.arn``, ``data.aws_caller_identity.c.account_id``) become placeholder
:class:`Text` values: known to be concrete, not known in text.

Work is bounded (``kmslint/limits.py``): every expression node, module instance and 16 characters of
produced text is a step; one configuration may spend ``max_analysis_steps`` of them (past that,
:class:`BudgetExceeded` stops the configuration, and the loader reports it as KMS000), one value at
most ``MAX_STEPS``. A value larger than ``max_value_size`` or nested deeper than ``MAX_VALUE_DEPTH``,
an integer over ``MAX_INT_BITS`` bits, or an evaluation Python itself refuses (out of memory, a
number too large to print) is UNKNOWN and listed in ``unchecked`` with the reason.
"""

from __future__ import annotations

import operator
import time
from numbers import Real
from pathlib import Path
from typing import Any, Callable, Optional

from ...limits import MAX_ANALYSIS_STEPS, MAX_VALUE_SIZE
from ...model.resources import Unchecked
from ...model.values import UNKNOWN, Location
from .functions import call_pure
from .hcl import (
    SPLAT,
    Attribute,
    BinOp,
    Block,
    Call,
    Conditional,
    Expr,
    ForExpr,
    Lit,
    ObjectExpr,
    Opaque,
    Template,
    Traversal,
    TupleExpr,
    UnOp,
    parse_template,
)
from .module import Instance
from .tfvalues import (
    MAX_VALUE_DEPTH,
    Encoded,
    EvalError,
    LocDict,
    LocList,
    Text,
    clear_facts,
    contains_unknown,
    facts,
    is_partial,
    placeholder,
    to_text,
    with_loc,
)
from .vartypes import conform  # a variable's type fills its optional() attributes

Bindings = dict[str, Any]
MAX_DEPTH = 200
UNRESOLVED = "${?}"  # an interpolation kmslint could not resolve, inside otherwise known text
MAX_STEPS = 200_000  # expression nodes evaluated for one attribute
MAX_ITEMS = 10_000  # elements in one evaluated collection
MAX_TEXT = 1 << 20  # characters in one evaluated string
MAX_COUNT = 1024  # a larger (or infinite, or NaN) count is UNKNOWN rather than a list of a billion indexes
MAX_INT_BITS = 1024  # Terraform numbers carry 512 bits; repeated squaring must not build a million-digit integer
CHARS_PER_STEP = 16  # produced text costs steps too, so memory is bounded by the budget
# The last safety net behind the step budget, for work a step does not count (a bug, a slow machine):
# a configuration still being evaluated after this long stops the same way. Checked every 4,096 steps.
MAX_CONFIG_SECONDS = 120.0


class BudgetExceeded(Exception):
    """The configuration spent its step budget; ``where`` is the expression being evaluated."""

    def __init__(self, budget: int, where: Optional[Location], timed_out: bool = False) -> None:
        super().__init__(f"budget of {budget} steps spent")
        self.budget, self.where, self.timed_out = budget, where, timed_out


class _Capped(EvalError):
    """A value over a size cap: UNKNOWN, and listed in ``unchecked`` with this reason."""


class ResourceRef:
    """A resource (or data source) named in an expression, before an attribute is chosen."""

    def __init__(self, address: str, block: Block, inst: Instance, bindings: Bindings) -> None:
        self.address, self.block, self.inst, self.bindings = address, block, inst, bindings


class Evaluator:
    """Evaluates expressions in the scope of a module instance.

    ``module_output`` and ``data_source`` are supplied by the loader, which owns module
    instantiation and the policy-document data source.
    """

    def __init__(
        self,
        scan_root: Path,
        module_output: Callable[[Instance, str, str, Any], Any],
        data_source: Callable[[ResourceRef, str], Any],
        rel_of: Optional[Callable[[Path], str]] = None,
    ) -> None:
        self.scan_root = scan_root.resolve()  # the repository: file() reads nothing outside it
        self.rel_of = rel_of or (lambda p: p.relative_to(self.scan_root).as_posix())
        self.module_output = module_output
        self.data_source = data_source
        self.steps = 0
        self.active = 0
        self.keys_cache: dict[tuple[int, int], Any] = {}
        self.max_analysis_steps, self.max_value_size = MAX_ANALYSIS_STEPS, MAX_VALUE_SIZE
        self.spent = 0  # steps spent by the current configuration
        self.deadline = time.monotonic() + MAX_CONFIG_SECONDS
        self.where: Optional[Location] = None  # the outermost expression being evaluated
        self.unchecked: dict[Location, Unchecked] = {}

    # --- budgets --------------------------------------------------------------------------

    def begin_configuration(self) -> None:
        """A fresh step budget (one per configuration); memoized facts of earlier values are dropped."""
        self.spent, self.where = 0, None
        self.deadline = time.monotonic() + MAX_CONFIG_SECONDS
        self.keys_cache.clear()  # keyed by instance identity: instances do not outlive their configuration
        clear_facts()

    def spend(self, steps: int) -> None:
        before, self.spent = self.spent, self.spent + steps
        if self.spent > self.max_analysis_steps:
            raise BudgetExceeded(self.max_analysis_steps, self.where)
        if before >> 12 != self.spent >> 12 and time.monotonic() > self.deadline:
            raise BudgetExceeded(self.max_analysis_steps, self.where, timed_out=True)

    def note(self, loc: Optional[Location], reason: str) -> None:
        if loc is not None and loc not in self.unchecked:
            self.unchecked[loc] = Unchecked(loc, reason)

    def bounded(self, value: Any, loc: Optional[Location]) -> Any:
        """``value``, or UNKNOWN (noted in ``unchecked``) when it is too large or too deep to handle."""
        if not isinstance(value, (list, dict, Encoded)):
            return value
        if facts(value).too_big(self.max_value_size):
            raise _Capped(
                f"a value here is larger than {self.max_value_size:,} elements and characters, or nested deeper than "
                f"{MAX_VALUE_DEPTH} levels, so kmslint did not evaluate it; simplify it or raise max-value-size"
            )
        return value

    # --- entry points -------------------------------------------------------------------

    def value(self, expr: Expr, inst: Instance, bindings: Optional[Bindings] = None) -> Any:
        """The expression's value; an evaluation error, or running out of budget, gives UNKNOWN."""
        outermost = self.active == 0
        if outermost:
            self.steps = 0
            self.where = expr.loc
        self.active += 1
        try:
            return self.bounded(self.ev(expr, inst, bindings or {}, 0), expr.loc)
        except _Capped as exc:
            self.note(expr.loc, str(exc))
            return UNKNOWN
        except EvalError:
            return UNKNOWN
        except (RecursionError, MemoryError, ArithmeticError, ValueError) as exc:
            # Python refused the evaluation itself (a stack or memory limit, a number too large to print):
            # the value is unknown, the scan goes on, and the user is told where.
            self.note(expr.loc, f"kmslint could not evaluate this expression ({type(exc).__name__}); it was not checked")
            return UNKNOWN
        finally:
            self.active -= 1

    def attr(self, block: Block, name: str, inst: Instance, bindings: Optional[Bindings] = None) -> Any:
        a = block.body.attributes.get(name)
        return None if a is None else self.value(a.expr, inst, bindings)

    # --- core -----------------------------------------------------------------------------

    def ev(self, e: Expr, inst: Instance, b: Bindings, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise EvalError("expression too deep")
        self.steps += 1
        self.spend(1)
        if self.steps > MAX_STEPS:  # hostile or runaway code: give up on this value, not the scan
            raise _Capped(f"this value needs more than {MAX_STEPS:,} evaluation steps, so kmslint did not evaluate it; simplify it")
        d = depth + 1
        if isinstance(e, Lit):
            return Text(e.value, e.loc) if isinstance(e.value, str) else e.value
        if isinstance(e, Template):
            return self.template(e, inst, b, d)
        if isinstance(e, TupleExpr):
            return with_loc(LocList(self.ev(x, inst, b, d) for x in e.items), e.loc)
        if isinstance(e, ObjectExpr):
            return self.object(e, inst, b, d)
        if isinstance(e, Traversal):
            return self.traversal(e, inst, b, d)
        if isinstance(e, Call):
            return self.call(e, inst, b, d)
        if isinstance(e, BinOp):
            return self.binop(e, inst, b, d)
        if isinstance(e, UnOp):
            v = self.ev(e.operand, inst, b, d)
            if v is UNKNOWN:
                return UNKNOWN
            if e.op == "!":
                return not v
            return -_number(v, e.op)  # -"text", -{}: Terraform rejects it; kmslint cannot know the value
        if isinstance(e, Conditional):
            c = self.ev(e.cond, inst, b, d)
            if c is UNKNOWN or isinstance(c, Text) and c.partial:
                return UNKNOWN
            return self.ev(e.then if c else e.other, inst, b, d)
        if isinstance(e, ForExpr):
            return self.for_expr(e, inst, b, d)
        if isinstance(e, Opaque):
            return UNKNOWN
        raise EvalError(f"unsupported expression {type(e).__name__}")

    def template(self, e: Template, inst: Instance, b: Bindings, d: int) -> Any:
        if len(e.parts) == 1 and not isinstance(e.parts[0], str):
            return self.ev(e.parts[0], inst, b, d)  # "${x}" is x's value, unconverted, as in HCL
        out: list[str] = []
        partial = False
        for part in e.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            v = to_text(self.ev(part, inst, b, d))
            if v is UNKNOWN:
                if not any(isinstance(p, str) and p.strip() for p in e.parts):
                    return UNKNOWN
                # Text around an unresolved value (JSON, an ARN) keeps its known shape; the hole is
                # a placeholder, and rules treat placeholders as values they cannot read.
                v = Text(UNRESOLVED, partial=True)
            partial = partial or (isinstance(v, Text) and v.partial)
            out.append(str(v))
        if sum(len(p) for p in out) > MAX_TEXT:
            raise _Capped(f"this string would be longer than {MAX_TEXT:,} characters, so kmslint did not evaluate it")
        text = "".join(out)
        self.spend(len(text) // CHARS_PER_STEP)
        return Text(text, e.loc, partial=partial)

    def object(self, e: ObjectExpr, inst: Instance, b: Bindings, d: int) -> Any:
        out = LocDict()
        out.loc = e.loc
        for key, val in e.items:
            k = key if isinstance(key, str) else self.ev(key, inst, b, d)
            if k is UNKNOWN:
                return UNKNOWN
            out[str(k)] = self.ev(val, inst, b, d)
        return out

    def binop(self, e: BinOp, inst: Instance, b: Bindings, d: int) -> Any:
        left = self.ev(e.left, inst, b, d)
        if e.op == "&&" and left is False:
            return False
        if e.op == "||" and left is True:
            return True
        right = self.ev(e.right, inst, b, d)
        if e.op in ("&&", "||"):
            if left is UNKNOWN or right is UNKNOWN:
                return True if (e.op == "||" and right is True) else False if (e.op == "&&" and right is False) else UNKNOWN
            return (left and right) if e.op == "&&" else (left or right)
        if left is UNKNOWN or right is UNKNOWN or is_partial(left) or is_partial(right):
            return UNKNOWN
        if e.op in ("==", "!="):
            return (left == right) == (e.op == "==")
        op = _ARITHMETIC.get(e.op)
        if op is None:
            raise EvalError(f"unsupported operator {e.op}")
        # Terraform's arithmetic and ordering take numbers only ("ab" * 3000000000 is an error, not 6 GB).
        x, y = _number(left, e.op), _number(right, e.op)
        if e.op == "*" and isinstance(x, int) and isinstance(y, int) and x.bit_length() + y.bit_length() > MAX_INT_BITS:
            raise _Capped(f"this product is larger than {MAX_INT_BITS}-bit numbers, so kmslint did not compute it")
        try:
            result = op(x, y)
        except (ZeroDivisionError, OverflowError) as exc:
            raise EvalError(f"operator {e.op}: {exc}") from None
        if isinstance(result, int) and not isinstance(result, bool) and result.bit_length() > MAX_INT_BITS:
            raise _Capped(f"this number is larger than {MAX_INT_BITS} bits, so kmslint did not compute it")
        return result

    def for_expr(self, e: ForExpr, inst: Instance, b: Bindings, d: int) -> Any:
        coll = self.ev(e.collection, inst, b, d)
        if coll is UNKNOWN or contains_unknown(coll) and not isinstance(coll, (list, dict)):
            return UNKNOWN
        pairs = list(coll.items()) if isinstance(coll, dict) else list(enumerate(coll)) if isinstance(coll, list) else None
        if pairs is None:
            raise EvalError("for expression over a non-collection")
        items: list[tuple[Any, Any]] = []
        for k, v in pairs:
            nb = dict(b)
            if e.key_var:
                nb[e.key_var] = k
            nb[e.value_var] = v
            if e.cond is not None:
                c = self.ev(e.cond, inst, nb, d)
                if c is UNKNOWN:
                    return UNKNOWN
                if not c:
                    continue
            key = self.ev(e.key, inst, nb, d) if e.key is not None else None
            items.append((key, self.ev(e.value, inst, nb, d)))
            if len(items) > MAX_ITEMS:
                raise _Capped(f"this for expression produces more than {MAX_ITEMS:,} elements, so kmslint did not evaluate it")
        if e.key is None:
            return with_loc(LocList(v for _, v in items), e.loc)
        out = LocDict()
        for key, val in items:
            if key is UNKNOWN:
                return UNKNOWN
            if e.grouping:
                out.setdefault(str(key), LocList()).append(val)
            else:
                out[str(key)] = val
        return with_loc(out, e.loc)

    # --- references -------------------------------------------------------------------------

    def traversal(self, e: Traversal, inst: Instance, b: Bindings, d: int) -> Any:
        steps = list(e.steps)
        if not isinstance(e.root, str):
            return self.apply_steps(self.ev(e.root, inst, b, d), steps, inst, b, d, e.loc)
        root = e.root
        if root in b:
            return self.apply_steps(b[root], steps, inst, b, d, e.loc)
        if root == "var" and steps and isinstance(steps[0], str):
            return self.apply_steps(self.variable(inst, steps[0], d), steps[1:], inst, b, d, e.loc)
        if root == "local" and steps and isinstance(steps[0], str):
            return self.apply_steps(self.local(inst, steps[0], d), steps[1:], inst, b, d, e.loc)
        if root == "path" and steps and isinstance(steps[0], str):
            return self.path_value(inst, steps[0])
        if root in ("each", "count") and root in inst.bindings:
            return self.apply_steps(inst.bindings[root], steps, inst, b, d, e.loc)
        if root == "module" and steps and isinstance(steps[0], str):
            return self.module_ref(e, inst, b, d)
        if root == "data" and len(steps) >= 2 and all(isinstance(s, str) for s in steps[:2]):
            address = f"{steps[0]}.{steps[1]}"
            block = inst.mdef.data.get(address)
            if block is None:
                return UNKNOWN
            ref = ResourceRef(f"data.{address}", block, inst, b)
            return self.apply_steps(ref, steps[2:], inst, b, d, e.loc)
        if "_" in root and steps and isinstance(steps[0], str):
            block = inst.mdef.resources.get(f"{root}.{steps[0]}")
            if block is None:
                return UNKNOWN
            ref = ResourceRef(f"{root}.{steps[0]}", block, inst, b)
            return self.apply_steps(ref, steps[1:], inst, b, d, e.loc)
        return UNKNOWN

    def path_value(self, inst: Instance, name: str) -> Any:
        if name == "module":
            return Text(str(inst.mdef.dir))
        if name in ("root", "cwd"):
            root = inst
            while root.parent is not None:
                root = root.parent
            return Text(str(root.mdef.dir))
        return UNKNOWN

    def module_ref(self, e: Traversal, inst: Instance, b: Bindings, d: int) -> Any:
        steps = list(e.steps)
        name = str(steps[0])
        rest = steps[1:]
        index: Any = None
        if rest and not isinstance(rest[0], str) and rest[0] != SPLAT:
            index = self.ev(rest[0], inst, b, d)  # type: ignore[arg-type]
            rest = rest[1:]
        if not rest or not isinstance(rest[0], str):
            return UNKNOWN
        out = self.module_output(inst, name, rest[0], index)
        return self.apply_steps(out, rest[1:], inst, b, d, e.loc)

    def variable(self, inst: Instance, name: str, d: int) -> Any:
        key = f"var.{name}"
        if key in inst.cache:
            return inst.cache[key]
        if key in inst.in_progress:
            return UNKNOWN
        inst.in_progress.add(key)
        try:
            value = self._variable(inst, name, d)
            value = self.bounded(value, None)
        except _Capped as exc:
            block = inst.mdef.variables.get(name)
            self.note(block.loc if block is not None else None, str(exc))
            value = UNKNOWN
        finally:
            inst.in_progress.discard(key)
        inst.cache[key] = value
        return value

    def _variable(self, inst: Instance, name: str, d: int) -> Any:
        block = inst.mdef.variables.get(name)
        type_attr = block.body.attributes.get("type") if block is not None else None
        value = self._variable_value(inst, name, d)
        if type_attr is None:
            return value
        return conform(value, type_attr.expr, lambda e: self.ev(e, inst, {}, d))

    def _variable_value(self, inst: Instance, name: str, d: int) -> Any:
        if name in inst.args:
            attr, caller = inst.args[name]  # evaluated where it is written, with the call's each/count
            return self.ev(attr.expr, caller, {**caller.bindings, **inst.call_bindings}, d)
        if name in inst.tfvars:
            return inst.tfvars[name][0]
        block = inst.mdef.variables.get(name)
        if block is None or "default" not in block.body.attributes:
            return UNKNOWN
        return self.ev(block.body.attributes["default"].expr, inst, {}, d)

    def local(self, inst: Instance, name: str, d: int) -> Any:
        key = f"local.{name}"
        if key in inst.cache:
            return inst.cache[key]
        attr = inst.mdef.locals.get(name)
        if attr is None:
            raise EvalError(f"no local value {name!r}")  # try() falls back, as in Terraform
        if key in inst.in_progress:
            return UNKNOWN
        inst.in_progress.add(key)
        try:
            value = self.bounded(self.ev(attr.expr, inst, dict(inst.bindings), d), attr.loc)
        except _Capped as exc:
            self.note(attr.loc, str(exc))
            value = UNKNOWN
        except EvalError:
            value = UNKNOWN
        finally:
            inst.in_progress.discard(key)
        inst.cache[key] = value
        return value

    def apply_steps(self, value: Any, steps: list[Any], inst: Instance, b: Bindings, d: int, loc: Location) -> Any:
        for i, step in enumerate(steps):
            if value is UNKNOWN:
                return UNKNOWN
            if step == SPLAT and not isinstance(step, str):
                items = value if isinstance(value, list) else [] if value is None else [value]
                return with_loc(LocList(self.apply_steps(x, steps[i + 1 :], inst, b, d, loc) for x in items), loc)
            if isinstance(value, ResourceRef):
                value = self.resource_step(value, step, inst, b, d, loc)
                continue
            if isinstance(step, str):
                value = self.get_attr(value, step)
            else:
                value = self.index(value, self.ev(step, inst, b, d))
        if isinstance(value, ResourceRef):
            return placeholder(value.inst.address(value.address), "id", loc)
        return value

    def get_attr(self, value: Any, name: str) -> Any:
        if isinstance(value, dict):
            if name not in value:
                raise EvalError(f"object has no attribute {name!r}")
            return value[name]
        if isinstance(value, Text) and value.partial:
            return placeholder(value.ref or str(value), name)
        raise EvalError(f"cannot read attribute {name!r} of a {type(value).__name__}")

    def index(self, value: Any, key: Any) -> Any:
        if key is UNKNOWN:
            return UNKNOWN
        try:
            if isinstance(value, list):
                return value[int(key)]
            if isinstance(value, dict):
                return value[str(key)]
        except (IndexError, KeyError, ValueError, TypeError, OverflowError):  # OverflowError: x[1e400]
            raise EvalError(f"no element {key!r}") from None
        if isinstance(value, Text) and value.partial:
            return value
        raise EvalError(f"cannot index a {type(value).__name__}")

    # --- resources ----------------------------------------------------------------------------

    def resource_step(self, ref: ResourceRef, step: Any, inst: Instance, b: Bindings, d: int, loc: Location) -> Any:
        """``aws_x.name[0]`` selects an instance; ``aws_x.name.attr`` reads an argument or a
        computed attribute (placeholder)."""
        if not isinstance(step, str):
            key = self.ev(step, inst, b, d)
            count = self.instance_keys(ref.block, ref.inst)
            if count is UNKNOWN or key is UNKNOWN:
                return ref
            if key not in count:
                raise EvalError(f"{ref.address} has no instance {key!r}")
            # for_each instances are addressed by key, as the loader names them; count is one instance
            address = f'{ref.address}["{key}"]' if "for_each" in ref.block.body.attributes else ref.address
            return ResourceRef(address, ref.block, ref.inst, self.instance_bindings(ref.block, ref.inst, key))
        if ref.address.startswith("data."):
            return self.data_source(ref, step)
        body = ref.block.body
        full = ref.inst.address(ref.address)
        if step in body.attributes:
            return self.ev(body.attributes[step].expr, ref.inst, dict(ref.bindings), d)
        nested = body.blocks_of(step)
        if nested:
            return with_loc(LocList(self.block_object(nb, ref.inst, ref.bindings, d) for nb in nested), nested[0].loc)
        return placeholder(full, step, loc)

    def block_object(self, block: Block, inst: Instance, b: Bindings, d: int) -> Any:
        out = LocDict()
        out.loc = block.loc
        for name, a in block.body.attributes.items():
            out[name] = self.ev(a.expr, inst, dict(b), d)
        for nb in block.body.blocks:
            out.setdefault(nb.type, LocList()).append(self.block_object(nb, inst, b, d))
        return out

    def instance_keys(self, block: Block, inst: Instance) -> Any:
        """The instance keys of a resource: [None] for a single one, indexes for count, keys for for_each."""
        cache_key = (id(block), id(inst))
        if cache_key not in self.keys_cache:
            self.keys_cache[cache_key] = self._instance_keys(block, inst)
        return self.keys_cache[cache_key]

    def _instance_keys(self, block: Block, inst: Instance) -> Any:
        attrs = block.body.attributes
        if "count" in attrs:
            n = self.value(attrs["count"].expr, inst, dict(inst.bindings))
            if n is UNKNOWN or isinstance(n, bool) or not isinstance(n, (int, float)) or not n <= MAX_COUNT:
                return UNKNOWN
            return list(range(int(n)))
        if "for_each" in attrs:
            coll = self.for_each_collection(block, inst)
            if isinstance(coll, dict):
                return list(coll.keys())
            if isinstance(coll, list) and not contains_unknown(coll):
                return [str(x) for x in coll]
            return UNKNOWN
        return [None]

    def instance_bindings(self, block: Block, inst: Instance, key: Any) -> Bindings:
        attrs = block.body.attributes
        if "count" in attrs:
            return {"count": LocDict(index=key)}
        if "for_each" in attrs:
            coll = self.for_each_collection(block, inst)
            value = coll.get(key) if isinstance(coll, dict) else key
            return {"each": LocDict(key=key, value=value)}
        return {}

    def for_each_collection(self, block: Block, inst: Instance) -> Any:
        """``for_each`` evaluated once per resource and instance, not once per element."""
        cache_key = (id(block), -id(inst))
        if cache_key not in self.keys_cache:
            self.keys_cache[cache_key] = self.value(block.body.attributes["for_each"].expr, inst, dict(inst.bindings))
        return self.keys_cache[cache_key]

    # --- functions ---------------------------------------------------------------------------

    def call(self, e: Call, inst: Instance, b: Bindings, d: int) -> Any:
        name = e.name.split("::")[-1]
        if name in ("try", "can"):
            return self.try_call(e, inst, b, d, name == "can")
        args = [self.ev(a, inst, b, d) for a in e.args]
        if e.expand_last and args and isinstance(args[-1], list):
            args = args[:-1] + list(args[-1])
        if name == "jsonencode":
            return Encoded(args[0], e.loc) if args else UNKNOWN
        if name in ("file", "templatefile"):
            return self.read_file(args, inst, name == "templatefile", e.loc)
        for arg in args:  # flatten() of a value shared 2**40 times must not start
            self.bounded(arg, e.loc)
        result = call_pure(name, args)
        if isinstance(result, (list, dict)) and len(result) > MAX_ITEMS:
            raise _Capped(f"{name}() here returns more than {MAX_ITEMS:,} elements, so kmslint did not evaluate it")
        if isinstance(result, str) and len(result) > MAX_TEXT:
            raise _Capped(f"{name}() here returns more than {MAX_TEXT:,} characters, so kmslint did not evaluate it")
        self.spend(len(result) if isinstance(result, (list, dict)) else len(result) // CHARS_PER_STEP if isinstance(result, str) else 0)
        return self.bounded(result, e.loc)

    def try_call(self, e: Call, inst: Instance, b: Bindings, d: int, is_can: bool) -> Any:
        for arg in e.args:
            try:
                v = self.ev(arg, inst, b, d)
            except EvalError:
                continue
            if v is UNKNOWN:
                return UNKNOWN
            return True if is_can else v
        if is_can:
            return False
        raise EvalError("try: no argument could be evaluated")

    def read_file(self, args: list[Any], inst: Instance, template: bool, loc: Location) -> Any:
        """``file()``/``templatefile()`` of a file inside the scan root; anything else is UNKNOWN."""
        if not args or args[0] is UNKNOWN or is_partial(args[0]):
            return UNKNOWN
        raw = Path(str(args[0]))
        try:
            path = (raw if raw.is_absolute() else inst.mdef.dir / raw).resolve()
            if not path.is_relative_to(self.scan_root) or not path.is_file():
                return UNKNOWN
        except (OSError, ValueError):  # a NUL byte or an over-long name in the path
            return UNKNOWN
        try:
            with path.open("rb") as fh:  # read at most 1 MB, not the whole file first
                text = fh.read(1 << 20).decode("utf-8-sig")
        except (OSError, UnicodeDecodeError):
            return UNKNOWN
        rel = self.rel_of(path)
        if not template:
            return Text(text, Location(rel, 1, 1))
        if "%{" in text:
            return UNKNOWN
        expr = parse_template(text, rel)
        tvars = args[1] if len(args) > 1 and isinstance(args[1], dict) else {}
        return self.ev(expr, inst, dict(tvars), 0)


_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt, ">": operator.gt, "<=": operator.le, ">=": operator.ge,
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "%": operator.mod,
}


def _number(v: Any, op: str) -> Any:
    """An operand of arithmetic as Terraform converts it: a number, or a string that spells one."""
    if isinstance(v, Real) and not isinstance(v, bool):
        return v
    if isinstance(v, str):
        try:
            f = float(v)
        except ValueError:
            raise EvalError(f"operator {op}: {v!r} is not a number") from None
        return int(f) if f.is_integer() and abs(f) < 2**53 else f
    raise EvalError(f"operator {op}: a {type(v).__name__} is not a number")


__all__ = ["BudgetExceeded", "Evaluator", "ResourceRef", "Attribute"]
