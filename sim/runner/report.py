"""The terminal text of a run's summary: KPIs with intervals, targets with probabilities.

The KPI table fits 80 columns: values are shortened (``410k``, ``$47.4B``, ``7.34e26``) and the
unit has its own column. ``±mean 95%`` is the Monte Carlo error of the mean (the relative
half-width of its 95% interval); P5, P50 and P95 are the spread of outcomes.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from typing import Any

from sim.kpis import KPIS

__all__ = ["format_summary", "short_quantity"]

_UNIT_SHOWN = {"USD": "", "fraction": "", "USD/Mtok": "/Mtok", "USD/EFLOP": "/EFLOP",
               "chip-months": "chip-mo"}


def short_quantity(value: float | None, unit: str) -> str:
    """At most 7 characters if at all possible: ``$47.4B``, ``26.0%``, ``7.34e26``,
    ``410.2k``, ``12.3``, ``-$288M``."""
    if value is None or not math.isfinite(value):
        return "n/a"
    if unit == "fraction" and abs(value) < 10:
        return f"{value:.1%}"
    sign = "-" if value < 0 else ""
    prefix = sign + ("$" if unit.startswith("USD") else "")
    magnitude = abs(value)
    candidates: list[str] = []
    if magnitude >= 1e15 or (0 < magnitude < 1e-3):
        for digits in (2, 1, 0):
            mantissa, exponent = f"{magnitude:.{digits}e}".split("e")
            candidates.append(f"{prefix}{mantissa}e{int(exponent)}")
    else:
        for scale, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
            if magnitude >= scale:
                candidates += [f"{prefix}{magnitude / scale:.{d}f}{suffix}" for d in (1, 0)]
                break
        else:
            if magnitude >= 100 or magnitude == int(magnitude):
                candidates.append(f"{prefix}{magnitude:,.0f}")
            candidates += [f"{prefix}{magnitude:.{d}g}" for d in (3, 2, 1)]
    return next((c for c in candidates if len(c) <= 7), candidates[-1])


def _relative(half: float | None, mean: float | None) -> str:
    if half is None or mean is None:
        return "n/a"
    if half == 0:
        return "exact"
    if mean == 0:
        return "n/a"
    return f"±{abs(half / mean):.1%}"


_NAME = 27  # a longer KPI name gets a line of its own, its numbers on the next


def _table(rows: list[list[str]], limit: int = 80) -> list[str]:
    """Name left, numbers right, unit left; two spaces between the percentiles, one if that
    is what it takes to stay within ``limit`` columns."""
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
    widths[0] = min(widths[0], _NAME)
    for gap in ("  ", " "):
        lines = []
        for row in rows:
            cells = [f"{cell:>{w}}" for cell, w in zip(row[1:-1], widths[1:-1], strict=True)]
            name = row[0]
            if len(name) > widths[0]:
                lines.append(name)
                name = ""
            lines.append(f"{name:<{widths[0]}} {cells[0]} {cells[1]}{gap}"
                         f"{gap.join(cells[2:])} {row[-1]}".rstrip())
        if max(len(line) for line in lines) <= limit:
            break
    return lines


def format_summary(summary: dict[str, Any], overrides: Sequence[str] = ()) -> str:
    """Per KPI the mean with its Monte Carlo error, P5/P50/P95 and the unit; each target's
    probability with its Wilson interval; and where a precision run stands. ``overrides``
    (``--set``) go in the header."""
    confidence = summary.get("confidence", 0.95)
    changed = "".join(f" --set {o}" for o in overrides)
    name = f"{summary['scenario']}{' with' + changed if changed else ''}"
    lines = [f"{name}: {summary['replications']:,} replications, design "
             f"{summary['design']}, seed {summary['seed']}", ""]
    mc = f"±mean {confidence:.0%}"
    rows = [["KPI", "mean", mc, "P5", "P50", "P95", "unit"]]
    undefined: list[str] = []
    for name, s in summary["kpis"].items():
        unit = KPIS[name].unit if name in KPIS else s.get("unit", "")
        ci = s.get("mean_ci")
        half = None if not ci or None in ci or s["mean"] is None else (ci[1] - ci[0]) / 2
        if s.get("missing"):
            undefined.append(f"{name} ({s['missing']:,})")
        rows.append([name, short_quantity(s["mean"], unit), _relative(half, s["mean"]),
                     *(short_quantity(s.get(k), unit) for k in ("p5", "p50", "p95")),
                     _UNIT_SHOWN.get(unit, unit)])
    lines += _table(rows)
    lines.append(f"({mc}: Monte Carlo error of the mean, relative half-width of its "
                 f"{confidence:.0%} CI;")
    lines.append(" P5-P95: the spread of outcomes across replications)")
    if undefined:
        lines += textwrap.wrap("undefined in some replications (statistics over the "
                               "others): " + ", ".join(undefined), 80, subsequent_indent="  ")
    if summary.get("targets"):
        lines += ["", f"targets (probability, {confidence:.0%} Wilson interval):"]
        for t in summary["targets"]:
            lo, hi = t["ci"]
            lines.append(f"  {t['probability']:6.1%}  [{lo:5.1%}, {hi:5.1%}]  {t['name']}")
    precision = summary.get("precision")
    if precision:
        state = ("reached" if precision["reached"] else
                 "NOT reached (stopped at the --max-runs cap)")
        lines += ["", f"precision {precision['requested']:g}: {state} after "
                  f"{precision['runs']:,} replications"]
        for item in precision["headline"]:
            mark = "ok " if item["ok"] else "   "
            half, allowed = item["half_width"], item["allowed"]
            shown = "n/a" if half is None else f"{half:.3g}"
            lines.append(f"  {mark} {item['name']}: half-width {shown} (allowed "
                         f"{allowed if allowed is None else format(allowed, '.3g')})")
    return "\n".join(lines)
