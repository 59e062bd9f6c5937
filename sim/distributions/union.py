"""``Distribution``: the discriminated union of every kind, keyed by ``dist``.

A mapping without ``dist``, or with an unknown one, gets a single error that lists the kinds and
suggests the closest. Errors inside a kind are reported at the mapping's own path (the union's tag
is removed), so the scenario loader can point at the YAML line.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from typing import Annotated, Any

from pydantic import Discriminator, Tag, ValidationError, WrapValidator
from pydantic_core import InitErrorDetails, PydanticCustomError

from sim.distributions._common import fail, show, without_tag
from sim.distributions.base import BaseDistribution
from sim.distributions.families import (
    Beta,
    Fixed,
    LogNormal,
    LogUniform,
    Normal,
    Pert,
    Triangular,
    Uniform,
)
from sim.distributions.tabulated import Choice, Empirical

__all__ = ["DISTRIBUTION_KINDS", "EXAMPLE", "Distribution", "distribution_class"]

_FAMILIES: tuple[type[BaseDistribution], ...] = (
    Fixed, Uniform, LogUniform, Normal, LogNormal, Triangular, Pert, Beta, Choice, Empirical,
)
_BY_KIND: dict[str, type[BaseDistribution]] = {cls.kind: cls for cls in _FAMILIES}

DISTRIBUTION_KINDS: tuple[str, ...] = tuple(_BY_KIND)
"""Every valid ``dist`` value."""

EXAMPLE = "{dist: uniform, low: 1, high: 2}"
"""The distribution mapping that messages show as an example."""


def distribution_class(kind: str) -> type[BaseDistribution]:
    """The model class for a ``dist`` value; ``KeyError`` if unknown."""
    return _BY_KIND[kind]


def _kind_of(value: Any) -> str | None:
    if isinstance(value, BaseDistribution):
        return value.kind
    if isinstance(value, Mapping):
        kind = value.get("dist")
        if isinstance(kind, str) and kind in _BY_KIND:
            return kind
    return None


def _unknown_kind(kind: object) -> ValidationError:
    valid = ", ".join(DISTRIBUTION_KINDS)
    close = difflib.get_close_matches(str(kind), DISTRIBUTION_KINDS, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    message = f"unknown distribution dist={show(kind)}{hint} (valid: {valid})"
    detail = InitErrorDetails(
        type=PydanticCustomError("unknown_distribution", message), loc=("dist",), input=kind
    )
    return ValidationError.from_exception_data("Distribution", [detail])


def _validate(value: Any, handler: Callable[[Any], Any]) -> Any:
    kind = _kind_of(value)
    if kind is None:
        if not isinstance(value, Mapping):
            fail(f"expected a distribution mapping such as {EXAMPLE}, got {show(value)}")
        if "dist" not in value:
            fail(
                f"a distribution needs a dist key, one of: {', '.join(DISTRIBUTION_KINDS)}; "
                f"e.g. {EXAMPLE}"
            )
        raise _unknown_kind(value["dist"])
    return without_tag(value, handler, kind)


Distribution = Annotated[
    Annotated[Fixed, Tag("fixed")]
    | Annotated[Uniform, Tag("uniform")]
    | Annotated[LogUniform, Tag("loguniform")]
    | Annotated[Normal, Tag("normal")]
    | Annotated[LogNormal, Tag("lognormal")]
    | Annotated[Triangular, Tag("triangular")]
    | Annotated[Pert, Tag("pert")]
    | Annotated[Beta, Tag("beta")]
    | Annotated[Choice, Tag("choice")]
    | Annotated[Empirical, Tag("empirical")],
    Discriminator(
        _kind_of,
        custom_error_type="unknown_distribution",
        custom_error_message="expected a distribution mapping with a known dist",
    ),
    WrapValidator(_validate),
]
"""Any distribution model, chosen by its ``dist`` key."""
