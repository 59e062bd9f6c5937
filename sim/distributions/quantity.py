"""Quantity types: what scenario fields are annotated with. A number or a distribution.

``Quantity`` validates ``3.5`` to a float and ``{dist: ..., ...}`` to a distribution model, with
one clear error for anything else. The bounded variants also require every value the distribution
can produce to lie in the field's domain, and say how to fix it when it does not.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Discriminator, GetCoreSchemaHandler, GetJsonSchemaHandler, Tag, WrapValidator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from sim.distributions._common import Real, article, fail, fmt, is_number, show, without_tag
from sim.distributions.base import BaseDistribution
from sim.distributions.families import Fixed
from sim.distributions.union import EXAMPLE, Distribution

__all__ = [
    "FractionQuantity",
    "NonNegativeQuantity",
    "PositiveQuantity",
    "Quantity",
    "as_distribution",
    "is_uncertain",
    "nominal",
    "quantity",
]


def _quantity_tag(value: Any) -> str | None:
    if is_number(value):
        return "number"
    if isinstance(value, Mapping | BaseDistribution):
        return "distribution"
    return None


def _validate_quantity(value: Any, handler: Callable[[Any], Any]) -> Any:
    tag = _quantity_tag(value)
    if tag is None:
        fail(
            f"expected a number or a distribution mapping such as {EXAMPLE}, got {show(value)}",
            "invalid_quantity",
        )
    return without_tag(value, handler, tag)


class _AnyOf:
    """Flattens Quantity's JSON Schema to ``anyOf: [number, Fixed, Uniform, ...]`` for editors."""

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        members: list[JsonSchemaValue] = []
        for member in json_schema.pop("oneOf", []) + json_schema.pop("anyOf", []):
            members.extend(member["oneOf"] if set(member) == {"oneOf"} else [member])
        json_schema["anyOf"] = members
        return json_schema


Quantity = Annotated[
    Annotated[Real, Tag("number")] | Annotated[Distribution, Tag("distribution")],
    Discriminator(
        _quantity_tag,
        custom_error_type="invalid_quantity",
        custom_error_message="expected a number or a distribution mapping",
    ),
    WrapValidator(_validate_quantity),
    _AnyOf(),
]
"""A finite number or any distribution. Validates to ``float | BaseDistribution``."""


@dataclass(frozen=True, slots=True)
class _Domain:
    """The set a bounded quantity's values must lie in; an annotation for :data:`Quantity`."""

    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    le: float | None = None
    name: str | None = None

    def describe(self) -> str:
        parts = [
            f"{symbol} {fmt(bound)}"
            for symbol, bound in ((">", self.gt), (">=", self.ge), ("<", self.lt), ("<=", self.le))
            if bound is not None
        ]
        return " and ".join(parts)

    def _holds(self, x: float) -> bool:
        return (
            (self.gt is None or x > self.gt)
            and (self.ge is None or x >= self.ge)
            and (self.lt is None or x < self.lt)
            and (self.le is None or x <= self.le)
        )

    def check(self, value: float | BaseDistribution) -> float | BaseDistribution:
        """Return ``value`` if all its possible values lie in the domain; ``fail`` otherwise."""
        if isinstance(value, BaseDistribution) and not isinstance(value, Fixed):
            self._check_distribution(value)
            return value
        constant = value.value if isinstance(value, Fixed) else value
        assert isinstance(constant, float)
        if not self._holds(constant):
            fail(f"must be {self.describe()}, got {constant!r}", "out_of_domain")
        return value

    def _check_distribution(self, dist: BaseDistribution) -> None:
        # support() says where the distribution lives; ppf(0) and ppf(1) are what it can actually
        # produce, which decides open bounds: a lognormal never returns 0, a uniform on [0, 1] does.
        low, high = dist.support()
        found: list[str] = []
        strict: list[str] = []
        fix_low: float | None = None
        fix_high: float | None = None
        if self.ge is not None and low < self.ge:
            found.append(f"values below {fmt(self.ge)}")
            fix_low = self.ge
        if self.gt is not None and (low < self.gt or dist.reaches_down_to(self.gt)):
            bound = fmt(self.gt)
            found.append(f"values below {bound}" if low < self.gt else f"the value {bound}")
            strict.append(f"above {bound}")
        if self.le is not None and high > self.le:
            found.append(f"values above {fmt(self.le)}")
            fix_high = self.le
        if self.lt is not None and (high > self.lt or dist.reaches_up_to(self.lt)):
            bound = fmt(self.lt)
            found.append(f"values above {bound}" if high > self.lt else f"the value {bound}")
            strict.append(f"below {bound}")
        if not found:
            return
        if strict:
            fix = f"use a distribution that stays strictly {' and '.join(strict)}"
            if self.gt == 0.0:
                fix += " (lognormal or loguniform, say)"
            fix += ", or truncate it to a range that does"
        else:
            interval = f"[{fmt(fix_low)}, {fmt(fix_high)}]"
            fix = f"add truncate: {interval} or use a distribution bounded there"
        can_take = " and ".join(found).replace("and values ", "and ")
        fail(
            f"{article(dist.kind)} distribution can take {can_take} "
            f"(this field must be {self.describe()}); {fix}",
            "out_of_domain",
        )

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        members: list[JsonSchemaValue] = json_schema.get("anyOf") or json_schema.get("oneOf") or []
        for member in members:
            if member.get("type") == "number":
                for key, bound in (
                    ("exclusiveMinimum", self.gt), ("minimum", self.ge),
                    ("exclusiveMaximum", self.lt), ("maximum", self.le),
                ):
                    if bound is not None:
                        member[key] = bound
        if self.name is not None:
            json_schema["title"] = self.name
        json_schema["description"] = (
            f"A number {self.describe()}, or a distribution whose values all are."
        )
        return json_schema


def quantity(
    *,
    gt: float | None = None,
    ge: float | None = None,
    lt: float | None = None,
    le: float | None = None,
    name: str | None = None,
) -> Any:
    """A :data:`Quantity` type whose values (every value, for a distribution) satisfy the bounds.

    ``name`` becomes the JSON Schema title. Example: ``Share = quantity(ge=0, le=1, name="Share")``.
    The result is an ``Annotated`` type; type checkers see it as ``Any``, which the predefined
    variants avoid.
    """
    if gt is not None and ge is not None:
        raise TypeError("give at most one of gt and ge")
    if lt is not None and le is not None:
        raise TypeError("give at most one of lt and le")
    bounds = [b for b in (gt, ge, lt, le) if b is not None]
    if not bounds:
        raise TypeError("give at least one bound; for no bounds use Quantity")
    if any(isinstance(b, bool) or not math.isfinite(b) for b in bounds):
        raise ValueError(f"bounds must be finite numbers, got {bounds}")
    low = gt if gt is not None else ge
    high = lt if lt is not None else le
    if low is not None and high is not None and not low < high:
        raise ValueError(f"lower bound {low} must be less than upper bound {high}")
    domain = _Domain(
        gt=_float(gt), ge=_float(ge), lt=_float(lt), le=_float(le), name=name
    )
    return Annotated[Quantity, domain]


def _float(bound: float | None) -> float | None:
    return None if bound is None else float(bound)


PositiveQuantity = Annotated[Quantity, _Domain(gt=0.0, name="PositiveQuantity")]
"""A quantity whose values are all > 0."""

NonNegativeQuantity = Annotated[Quantity, _Domain(ge=0.0, name="NonNegativeQuantity")]
"""A quantity whose values are all >= 0."""

FractionQuantity = Annotated[Quantity, _Domain(ge=0.0, le=1.0, name="FractionQuantity")]
"""A quantity whose values all lie in [0, 1]."""


def as_distribution(q: float | BaseDistribution) -> BaseDistribution:
    """``q`` as a distribution: a constant becomes :class:`Fixed`."""
    if isinstance(q, BaseDistribution):
        return q
    return Fixed(value=q)


def nominal(q: float | BaseDistribution) -> float:
    """The value shown for ``q`` and used by one-off runs: the constant, or the median."""
    return q.median() if isinstance(q, BaseDistribution) else float(q)


def is_uncertain(q: float | BaseDistribution) -> bool:
    """True for any distribution except ``fixed``."""
    return isinstance(q, BaseDistribution) and not isinstance(q, Fixed)
