"""Number checks, message helpers and error relocation shared by the distribution modules."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Annotated, Any, NoReturn, get_args

from pydantic import BeforeValidator, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError
from pydantic_core.core_schema import ErrorType

__all__ = [
    "OptionalReal",
    "Real",
    "article",
    "fail",
    "fmt",
    "is_number",
    "relocated",
    "show",
    "without_tag",
]

_KNOWN_ERROR_TYPES = frozenset(get_args(ErrorType))


def is_number(value: object) -> bool:
    """True for real numbers; ``bool`` is not a number here, although Python says it is."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def show(value: object) -> str:
    """A value as a scenario author would recognise it: YAML spelling for booleans and null."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def fmt(value: float | None) -> str:
    """A bound as a person writes it: ``0`` rather than ``0.0``, ``null`` for an open end."""
    if value is None:
        return "null"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def article(kind: str) -> str:
    """``a normal``, ``an empirical`` (distribution)."""
    return f"an {kind}" if kind == "empirical" else f"a {kind}"


def fail(
    message: str,
    error_type: str = "invalid_distribution",
    *,
    at: str | tuple[str | int, ...] | None = None,
    value: object = None,
) -> NoReturn:
    """Raise a validation error whose message is exactly ``message``.

    No context is passed, so braces in ``message`` (``{dist: uniform, ...}``) are kept verbatim.
    Raised from a model validator, the error is reported at the model; ``at`` (a field name or
    path, with its ``value``) reports it at that field instead, so the loader can point at its line.
    """
    error = PydanticCustomError(error_type, message)
    if at is None:
        raise error
    loc = (at,) if isinstance(at, str) else at
    detail = InitErrorDetails(type=error, loc=loc, input=value)
    raise ValidationError.from_exception_data("Distribution", [detail])


def _to_float(value: object) -> float:
    if not is_number(value):
        fail(f"expected a number, got {show(value)}", "not_a_number")
    try:
        number = float(value)  # type: ignore[arg-type]
    except OverflowError:
        fail(f"expected a finite number, got {show(value)}", "not_a_number")
    if not math.isfinite(number):
        fail(f"expected a finite number, got {show(value)}", "not_a_number")
    return number


def _to_optional_float(value: object) -> float | None:
    return None if value is None else _to_float(value)


Real = Annotated[float, BeforeValidator(_to_float)]
"""A finite real number; ``true``, strings, NaN and infinities are rejected with one message."""

OptionalReal = Annotated[float | None, BeforeValidator(_to_optional_float)]
"""A :data:`Real` or ``null``."""


def relocated(error: ValidationError, tag: str) -> ValidationError:
    """``error`` with a leading ``tag`` removed from every location.

    A tagged union puts its tag (``distribution``, ``normal``) into each error's location, where the
    scenario loader would look for a YAML key that does not exist. Raised from a wrap validator, the
    rewritten error goes back to pydantic, which prefixes the outer path as usual.
    """
    details: list[InitErrorDetails] = []
    for line in error.errors():
        loc = tuple(line["loc"])
        if loc[:1] == (tag,):
            loc = loc[1:]
        if line["type"] in _KNOWN_ERROR_TYPES:
            detail = InitErrorDetails(type=line["type"], loc=loc, input=line["input"])
            if "ctx" in line:
                detail["ctx"] = line["ctx"]
        else:
            detail = InitErrorDetails(
                type=PydanticCustomError(line["type"], line["msg"]), loc=loc, input=line["input"]
            )
        details.append(detail)
    return ValidationError.from_exception_data(error.title, details)


def without_tag(value: Any, handler: Callable[[Any], Any], tag: str) -> Any:
    """Run a union's ``handler(value)``, re-raising its errors without the union tag ``tag``."""
    try:
        return handler(value)
    except ValidationError as error:
        raise relocated(error, tag) from None
