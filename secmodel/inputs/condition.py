"""Trigger conditions: a small, safe expression language evaluated on whole arrays.

A condition such as ``mrr >= 10_000 and users >= 2_000`` is parsed with Python's own parser
(:func:`ast.parse`, which only reads text) and converted into a tree of the few node types below.
Anything else (calls, attributes, arithmetic, unknown names, strings) is refused with a message.
Nothing is ever passed to ``eval``: evaluation walks our own tree with numpy operations, so one
call evaluates every path and month at once.
"""

import ast
import functools
import math
from dataclasses import dataclass

import numpy as np

METRICS = ("month", "users", "mrr", "arr")
MAX_LENGTH = 500

_COMPARE = {
    ast.GtE: (">=", np.greater_equal),
    ast.Gt: (">", np.greater),
    ast.LtE: ("<=", np.less_equal),
    ast.Lt: ("<", np.less),
    ast.Eq: ("==", np.equal),
}


class ConditionError(ValueError):
    """The condition text is not a valid condition; the message says why."""


@dataclass(frozen=True)
class Metric:
    """A metric by name: month (months since launch), users, mrr (USD/month), arr (USD/year)."""

    name: str


@dataclass(frozen=True)
class Number:
    """A numeric literal."""

    value: float


@dataclass(frozen=True)
class Compare:
    """A (possibly chained) comparison: ``left op1 right1 op2 right2 ...``."""

    left: Metric | Number
    ops: tuple[str, ...]
    rights: tuple[Metric | Number, ...]


@dataclass(frozen=True)
class AllOf:
    """``a and b and ...``."""

    parts: tuple


@dataclass(frozen=True)
class AnyOf:
    """``a or b or ...``."""

    parts: tuple


@dataclass(frozen=True)
class Negation:
    """``not a``."""

    part: object


_OP_FUNC = {symbol: func for symbol, func in _COMPARE.values()}


@dataclass(frozen=True)
class Condition:
    """A parsed condition and the text it came from."""

    text: str
    tree: object

    @property
    def metrics(self) -> tuple[str, ...]:
        """The metric names the condition reads, in first-use order."""
        found: list[str] = []
        _collect_metrics(self.tree, found)
        return tuple(found)

    def evaluate(self, metrics: dict[str, np.ndarray]) -> np.ndarray:
        """Boolean flags shaped like the metric arrays broadcast together."""
        shape = np.broadcast_shapes(*(np.shape(v) for v in metrics.values()))
        return np.broadcast_to(np.asarray(_evaluate(self.tree, metrics), dtype=bool), shape)


def parse_condition(text: str) -> Condition:
    """Parse ``text`` into a :class:`Condition`, or raise :class:`ConditionError`."""
    source = text.strip()
    if not source:
        raise ConditionError("is empty; write e.g. 'mrr >= 10_000'")
    if len(source) > MAX_LENGTH:
        raise ConditionError(f"is longer than {MAX_LENGTH} characters")
    try:
        expression = ast.parse(source, mode="eval").body
    except SyntaxError as exc:
        hint = ""
        if "$" in source or "," in source or "%" in source:
            hint = "; write plain numbers without $ , or % (10_000 is allowed)"
        raise ConditionError(f"syntax error at character {exc.offset or 0}{hint}") from None
    except (ValueError, RecursionError, MemoryError):
        raise ConditionError("cannot be read as a condition") from None
    return Condition(source, _boolean(expression))


def _boolean(node: ast.AST):
    """Convert a node that must yield true/false."""
    if isinstance(node, ast.BoolOp):
        parts = tuple(_boolean(v) for v in node.values)
        return AllOf(parts) if isinstance(node.op, ast.And) else AnyOf(parts)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return Negation(_boolean(node.operand))
    if isinstance(node, ast.Compare):
        ops = []
        for op in node.ops:
            if type(op) not in _COMPARE:
                raise ConditionError(f"operator '{_op_text(op)}' is not allowed; use >= > <= < ==")
            ops.append(_COMPARE[type(op)][0])
        return Compare(
            _operand(node.left), tuple(ops), tuple(_operand(c) for c in node.comparators)
        )
    if isinstance(node, (ast.Name, ast.Constant)) or _is_negative_number(node):
        raise ConditionError("must be a comparison such as 'users >= 10_000', not a bare value")
    raise ConditionError(f"{_describe(node)} is not allowed in a condition")


def _operand(node: ast.AST) -> Metric | Number:
    """Convert a comparison operand: a metric name or a number."""
    if isinstance(node, ast.Name):
        if node.id not in METRICS:
            raise ConditionError(f"unknown name '{node.id}'; use one of {', '.join(METRICS)}")
        return Metric(node.id)
    if _is_number(node):
        return Number(_finite(node.value))
    if _is_negative_number(node):
        return Number(-_finite(node.operand.value))
    raise ConditionError(f"{_describe(node)} is not allowed in a condition")


def _finite(value: float) -> float:
    """A number of a condition as a float; one too large for it is refused."""
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise ConditionError(f"number {str(value)[:20]}... is too large")
    return number


def _is_number(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, (int, float))
        and not isinstance(node.value, bool)
    )


def _is_negative_number(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and _is_number(node.operand)
    )


def _describe(node: ast.AST) -> str:
    """A user's word for a disallowed construct."""
    if isinstance(node, ast.Call):
        return "a function call"
    if isinstance(node, ast.Attribute):
        return f"attribute access '.{node.attr}'"
    if isinstance(node, (ast.BinOp, ast.UnaryOp)):
        return "arithmetic"
    if isinstance(node, ast.Constant):
        return f"the value {node.value!r}"
    if isinstance(node, ast.Subscript):
        return "indexing"
    if isinstance(node, ast.Lambda):
        return "a lambda"
    return f"'{type(node).__name__}'"


def _op_text(op: ast.cmpop) -> str:
    return {
        ast.NotEq: "!=",
        ast.Is: "is",
        ast.IsNot: "is not",
        ast.In: "in",
        ast.NotIn: "not in",
    }.get(type(op), type(op).__name__)


def _value(node, metrics: dict[str, np.ndarray]):
    return metrics[node.name] if isinstance(node, Metric) else node.value


def _evaluate(node, metrics: dict[str, np.ndarray]):
    if isinstance(node, Compare):
        left = _value(node.left, metrics)
        result = True
        for symbol, right_node in zip(node.ops, node.rights, strict=True):
            right = _value(right_node, metrics)
            result = np.logical_and(result, _OP_FUNC[symbol](left, right))
            left = right
        return result
    if isinstance(node, AllOf):
        return functools.reduce(np.logical_and, (_evaluate(p, metrics) for p in node.parts))
    if isinstance(node, AnyOf):
        return functools.reduce(np.logical_or, (_evaluate(p, metrics) for p in node.parts))
    return np.logical_not(_evaluate(node.part, metrics))


def _collect_metrics(node, found: list[str]) -> None:
    if isinstance(node, Metric):
        if node.name not in found:
            found.append(node.name)
    elif isinstance(node, Compare):
        for part in (node.left, *node.rights):
            _collect_metrics(part, found)
    elif isinstance(node, (AllOf, AnyOf)):
        for part in node.parts:
            _collect_metrics(part, found)
    elif isinstance(node, Negation):
        _collect_metrics(node.part, found)
