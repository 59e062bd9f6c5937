"""The base of every scenario model: frozen, strict about unknown fields, finite numbers only."""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Strict

from sim.calendar import parse_date, parse_month

__all__ = ["Bool", "DateStr", "Int", "MonthStr", "Number", "StrictModel"]


class StrictModel(BaseModel):
    """Immutable, forbids unknown fields, rejects NaN and infinities, validates defaults."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        allow_inf_nan=False,
        validate_default=True,
        str_strip_whitespace=False,
        populate_by_name=False,
    )


def _check_month(value: str) -> str:
    parse_month(value)
    return value


def _check_date(value: str) -> str:
    parse_date(value)
    return value


MonthStr = Annotated[str, AfterValidator(_check_month)]
"""A calendar month written ``YYYY-MM``."""

DateStr = Annotated[str, AfterValidator(_check_date)]
"""A date written ``YYYY-MM`` (the first of the month) or ``YYYY-MM-DD``."""


def _yaml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def _number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number, got {_yaml(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {value!r}")
    return value


def _whole(value: Any) -> Any:
    if isinstance(value, bool | str):
        raise ValueError(f"expected a whole number, got {_yaml(value)}")
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)  # 1e3 is a fine way to write 1000
    return value


Int = Annotated[int, BeforeValidator(_whole), Strict()]
"""A whole number: ``1000`` or ``1e3``; ``true``, ``'24'`` and ``2.5`` are refused."""

Bool = Annotated[bool, Strict()]
"""``true`` or ``false`` only: ``yes``, ``no``, ``1`` and ``'true'`` are refused."""

Number = Annotated[float, BeforeValidator(_number)]
"""A finite number (an integer is fine); booleans and strings are refused."""
