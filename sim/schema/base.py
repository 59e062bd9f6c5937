"""The base of every scenario model: frozen, strict about unknown fields, finite numbers only."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict

from sim.calendar import parse_date, parse_month

__all__ = ["DateStr", "MonthStr", "StrictModel"]


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
