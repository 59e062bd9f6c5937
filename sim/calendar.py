"""Calendar months and dates as the model's continuous clock.

The model's clock is a float number of months since the scenario's ``start`` month. Months are
written ``YYYY-MM``; dates (for rules that land mid-month) ``YYYY-MM-DD``. A date maps to the
fraction of its month already elapsed, so ``2026-01-15`` is month 0.4516... of January 2026.
"""

from __future__ import annotations

import calendar
import re
from functools import lru_cache

__all__ = ["format_month", "month_offset", "parse_date", "parse_month"]

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def parse_month(text: str) -> tuple[int, int]:
    """``"2026-03"`` -> ``(2026, 3)``; raises ``ValueError`` with a readable message."""
    m = _MONTH.match(text)
    if not m:
        raise ValueError(f"{text!r} is not a month; write it as 'YYYY-MM', e.g. '2026-03'")
    year, month = int(m.group(1)), int(m.group(2))
    if not 1 <= month <= 12:
        raise ValueError(f"{text!r} has month {month}; months run from 01 to 12")
    if not 1900 <= year <= 2200:
        raise ValueError(f"{text!r} has year {year}, outside 1900..2200")
    return year, month


def parse_date(text: str) -> tuple[int, int, float]:
    """``"YYYY-MM"`` or ``"YYYY-MM-DD"`` -> ``(year, month, fraction of the month elapsed)``."""
    m = _DATE.match(text)
    if m is None:
        year, month = parse_month(text)
        return year, month, 0.0
    year, month = parse_month(f"{m.group(1)}-{m.group(2)}")
    day = int(m.group(3))
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise ValueError(f"{text!r} has day {day}; {year}-{month:02d} has {days} days")
    return year, month, (day - 1) / days


@lru_cache(maxsize=4096)
def month_offset(start: str, when: str) -> float:
    """Months from the start month ``start`` to the date or month ``when`` (may be negative);
    cached, as every replication of a scenario asks the same questions."""
    y0, m0 = parse_month(start)
    y1, m1, frac = parse_date(when)
    return (y1 - y0) * 12 + (m1 - m0) + frac


def format_month(start: str, offset_months: float) -> str:
    """The ``YYYY-MM`` month containing ``offset_months`` after ``start``."""
    y0, m0 = parse_month(start)
    index = (m0 - 1) + int(offset_months // 1)
    return f"{y0 + index // 12:04d}-{index % 12 + 1:02d}"
