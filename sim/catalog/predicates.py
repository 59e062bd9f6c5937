"""The chip predicate language: which chips a rule applies to.

A predicate is a Python-like boolean expression over the attributes of
:class:`~sim.catalog.chips.ChipAttributes`::

    vendor_country == 'US' and (tpp >= 4800 or (tpp >= 1600 and density >= 5.92))
    name in ['H20', 'MI308X']
    1600 <= tpp < 4800 and not vendor == 'Huawei'

It is parsed with :mod:`ast` and checked against a strict whitelist: ``and``/``or``/``not``;
comparisons ``== != < <= > >= in not in`` (chained too); attribute names; number and string
constants; lists or tuples of constants on the right of ``in``/``not in``. Text attributes
(``name``, ``vendor``, ``vendor_country``) support only ``==``, ``!=``, ``in`` and ``not in``.
Anything else (calls, attribute access, subscripts, arithmetic, unknown names) is rejected with
a one-line :class:`PredicateError`. The expression is compiled once into plain closures; user
text is never passed to ``eval``.

NaN: any comparison with nan is False, so an unknown die area (density nan) never satisfies a
density test, whichever the operator. ``not`` negates the result: ``not density >= 5.92`` is
True for an unknown die area; write ``density < 5.92`` to require a known, small density.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sim.catalog.chips import ATTRIBUTE_NAMES, TEXT_ATTRIBUTES, ChipAttributes, suggest
from sim.errors import CapexsimError

__all__ = ["MAX_PREDICATE_LENGTH", "Predicate", "PredicateError", "compile_predicate"]

MAX_PREDICATE_LENGTH = 2000

_Test = Callable[[ChipAttributes], bool]
_Get = Callable[[ChipAttributes], Any]

_ORDER_OPS: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
}
_EQ_OPS: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne,
}
_OP_TEXT = {
    ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
    ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not",
}
_WHAT = {
    ast.Call: "function call", ast.Attribute: "attribute access", ast.Subscript: "subscript",
    ast.Lambda: "lambda", ast.BinOp: "arithmetic", ast.UnaryOp: "unary operator",
    ast.IfExp: "conditional expression", ast.Dict: "mapping", ast.Set: "set",
    ast.NamedExpr: "assignment", ast.JoinedStr: "f-string", ast.Starred: "unpacking",
    ast.ListComp: "comprehension", ast.SetComp: "comprehension", ast.DictComp: "comprehension",
    ast.GeneratorExp: "comprehension",
}
_VALID = f"valid names: {', '.join(ATTRIBUTE_NAMES)}"


class PredicateError(CapexsimError, ValueError):
    """A chip predicate that does not parse or uses something outside the language."""


@dataclass(frozen=True, slots=True, eq=False)
class Predicate:
    """A compiled chip predicate; call it with :class:`ChipAttributes` to get a bool."""

    text: str
    names: frozenset[str]
    _test: _Test = field(repr=False)

    def __call__(self, attrs: ChipAttributes) -> bool:
        return self._test(attrs)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Predicate) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)


@lru_cache(maxsize=1024)
def compile_predicate(text: str) -> Predicate:
    """Parse, check and compile ``text``; raises :class:`PredicateError` on anything invalid."""
    return _Compiler(text).compile()


class _Compiler:
    def __init__(self, text: str) -> None:
        self.text = text.strip() if isinstance(text, str) else text
        self.names: set[str] = set()

    def fail(self, message: str) -> PredicateError:
        return PredicateError(f"invalid chip predicate {self.text!r}: {message}; {_VALID}")

    def token(self, node: ast.AST) -> str:
        segment = ast.get_source_segment(self.text, node) or type(node).__name__
        segment = " ".join(segment.split())
        return repr(segment if len(segment) <= 40 else segment[:37] + "...")

    def compile(self) -> Predicate:
        if not isinstance(self.text, str) or not self.text.strip():
            raise self.fail("it is empty")
        if len(self.text) > MAX_PREDICATE_LENGTH:
            raise self.fail(f"it is longer than {MAX_PREDICATE_LENGTH} characters")
        try:
            tree = ast.parse(self.text, mode="eval")
        except SyntaxError as exc:
            column = exc.offset or 0
            where = f"at column {column}" if 0 < column <= len(self.text) else "at the end"
            raise self.fail(f"syntax error {where} ({exc.msg})") from None
        except (ValueError, RecursionError, MemoryError):
            raise self.fail("it cannot be parsed") from None
        test = self.condition(tree.body)
        return Predicate(self.text, frozenset(self.names), test)

    # -- conditions -------------------------------------------------------------------------

    def condition(self, node: ast.expr) -> _Test:
        if isinstance(node, ast.BoolOp):
            parts = tuple(self.condition(v) for v in node.values)
            return _all(parts) if isinstance(node.op, ast.And) else _any(parts)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            inner = self.condition(node.operand)
            return lambda attrs: not inner(attrs)
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.Name | ast.Constant):
            self.operand(node)  # reports unknown names and bad constants first
            raise self.fail(
                f"{self.token(node)} is not a condition; compare it, e.g. 'tpp >= 4800'"
            )
        raise self.reject(node)

    def reject(self, node: ast.AST) -> PredicateError:
        if isinstance(node, ast.List | ast.Tuple):
            return self.fail(
                f"{self.token(node)} is not allowed here (a list goes on the right of 'in')"
            )
        what = _WHAT.get(type(node), f"{type(node).__name__} expression")
        return self.fail(f"{self.token(node)} is not allowed ({what})")

    def compare(self, node: ast.Compare) -> _Test:
        tests: list[_Test] = []
        left = node.left
        for op, right in zip(node.ops, node.comparators, strict=True):
            tests.append(self.pair(left, op, right))
            left = right
        return tests[0] if len(tests) == 1 else _all(tuple(tests))

    def pair(self, left: ast.expr, op: ast.cmpop, right: ast.expr) -> _Test:
        op_text = _OP_TEXT.get(type(op), type(op).__name__)
        lget, lkind = self.operand(left)
        if isinstance(op, ast.In | ast.NotIn):
            members, mkind = self.members(right, op_text)
            if mkind is not None and mkind != lkind:
                raise self.fail(
                    f"{self.token(left)} is {_KIND[lkind]} but {self.token(right)} holds "
                    f"{_KIND[mkind]}s"
                )
            negate = isinstance(op, ast.NotIn)
            return _membership(lget, members, negate, numeric=lkind == "number")
        if type(op) not in _ORDER_OPS and type(op) not in _EQ_OPS:
            raise self.fail(f"operator {op_text!r} is not allowed; use == != < <= > >= in")
        rget, rkind = self.operand(right)
        if lkind != rkind:
            raise self.fail(
                f"cannot compare {self.token(left)} ({_KIND[lkind]}) "
                f"with {self.token(right)} ({_KIND[rkind]})"
            )
        if lkind == "text" and type(op) in _ORDER_OPS:
            raise self.fail(
                f"operator {op_text!r} compares numbers; {self.token(left)} is text "
                "(use ==, != or in)"
            )
        fn = _ORDER_OPS.get(type(op)) or _EQ_OPS[type(op)]
        return _comparison(lget, rget, fn, numeric=lkind == "number")

    # -- operands ---------------------------------------------------------------------------

    def operand(self, node: ast.expr) -> tuple[_Get, str]:
        if isinstance(node, ast.Name):
            if node.id not in ATTRIBUTE_NAMES:
                raise self.fail(f"unknown name {node.id!r}{suggest(node.id, ATTRIBUTE_NAMES)}")
            self.names.add(node.id)
            kind = "text" if node.id in TEXT_ATTRIBUTES else "number"
            return operator.attrgetter(node.id), kind
        if isinstance(node, ast.Constant):
            value, kind = self.constant(node)
            return (lambda _attrs: value), kind
        if isinstance(node, ast.BoolOp | ast.Compare) or (
            isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)
        ):
            raise self.fail(f"{self.token(node)} is a condition, not a value to compare")
        raise self.reject(node)

    def constant(self, node: ast.Constant) -> tuple[Any, str]:
        value = node.value
        if isinstance(value, str):
            return value, "text"
        if isinstance(value, int | float) and not isinstance(value, bool):
            if value != value or value in (float("inf"), float("-inf")):
                raise self.fail(f"{self.token(node)} is not a finite number")
            return float(value), "number"
        raise self.fail(f"{self.token(node)} is not allowed (constants are numbers or strings)")

    def members(self, node: ast.expr, op_text: str) -> tuple[frozenset[Any], str | None]:
        if not isinstance(node, ast.List | ast.Tuple):
            raise self.fail(
                f"'{op_text}' needs a list on its right, e.g. name {op_text} ['H20', 'H200'] "
                f"(found {self.token(node)})"
            )
        kinds: set[str] = set()
        values: list[Any] = []
        for element in node.elts:
            if not isinstance(element, ast.Constant):
                if isinstance(element, ast.Name):
                    self.operand(element)
                raise self.fail(f"{self.token(element)} in a list must be a number or string")
            value, kind = self.constant(element)
            kinds.add(kind)
            values.append(value)
        if len(kinds) > 1:
            raise self.fail(f"{self.token(node)} mixes numbers and strings")
        return frozenset(values), next(iter(kinds), None)


_KIND = {"text": "text", "number": "a number"}


def _all(parts: tuple[_Test, ...]) -> _Test:
    def test(attrs: ChipAttributes) -> bool:
        return all(part(attrs) for part in parts)

    return test


def _any(parts: tuple[_Test, ...]) -> _Test:
    def test(attrs: ChipAttributes) -> bool:
        return any(part(attrs) for part in parts)

    return test


def _comparison(
    lget: _Get, rget: _Get, fn: Callable[[Any, Any], bool], *, numeric: bool
) -> _Test:
    if not numeric:
        return lambda attrs: bool(fn(lget(attrs), rget(attrs)))

    def test(attrs: ChipAttributes) -> bool:
        x, y = lget(attrs), rget(attrs)
        # x == x is False only for nan: a comparison with nan is always False (even !=).
        return x == x and y == y and bool(fn(x, y))

    return test


def _membership(get: _Get, members: frozenset[Any], negate: bool, *, numeric: bool) -> _Test:
    def test(attrs: ChipAttributes) -> bool:
        x = get(attrs)
        if numeric and x != x:
            return False
        return (x in members) != negate

    return test
