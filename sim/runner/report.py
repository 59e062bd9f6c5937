"""The terminal text of a run's summary: KPIs with intervals, targets with probabilities.

The KPI table fits 80 columns: values are shortened (``410k``, ``$47.4B``, ``7.34e26``) and the
unit has its own column. ``±mean 95%`` is the Monte Carlo error of the mean (the relative
half-width of its 95% interval); P5, P50 and P95 are the spread of outcomes.
"""

from __future__ import annotations

import math
import textwrap
from typing import Any

from sim.kpis import KPIS

__all__ = ["format_summary", "short_quantity"]

_VALUE = 7  # width of a value column
_UNIT_SHOWN = {"USD": "", "fraction": "", "USD/Mtok": "/Mtok", "USD/EFLOP": "/EFLOP",
               "chip-months": "chip-mo"}


def short_quantity(value: float | None, unit: str) -> str:
    """Usually 7 characters: ``$47.4B``, ``26.0%``, ``7.34e26``, ``410.2k``, ``12.3``."""
    if value is None or not math.isfinite(value):
        return "n/a"
    if unit == "fraction":
        return f"{value:.1%}"
    prefix = "$" if unit.startswith("USD") else ""
    magnitude = abs(value)
    if magnitude >= 1e15 or (0 < magnitude < 1e-3):
        mantissa, exponent = f"{value:.2e}".split("e")
        return f"{prefix}{mantissa}e{int(exponent)}"
    for scale, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if magnitude >= scale:
            return f"{prefix}{value / scale:.1f}{suffix}"
    if magnitude >= 100 or value == int(value):
        return f"{prefix}{value:,.0f}"
    return f"{prefix}{value:.3g}"


def _relative(half: float | None, mean: float | None) -> str:
    if half is None or mean is None:
        return "n/a"
    if half == 0:
        return "exact"
    if mean == 0:
        return "n/a"
    return f"±{abs(half / mean):.1%}"


def format_summary(summary: dict[str, Any]) -> str:
    """Per KPI the mean with its Monte Carlo error, P5/P50/P95 and the unit; each target's
    probability with its Wilson interval; and where a precision run stands."""
    confidence = summary.get("confidence", 0.95)
    lines = [f"{summary['scenario']}: {summary['replications']:,} replications, design "
             f"{summary['design']}, seed {summary['seed']}", ""]
    width = max([len(name) for name in summary["kpis"]] + [3])
    mc = f"±mean {confidence:.0%}"
    lines.append(f"{'KPI':<{width}} {'mean':>{_VALUE}} {mc:>{_VALUE + 2}}  {'P5':>{_VALUE}}  "
                 f"{'P50':>{_VALUE}}  {'P95':>{_VALUE}} unit")
    undefined: list[str] = []
    for name, s in summary["kpis"].items():
        unit = KPIS[name].unit if name in KPIS else s.get("unit", "")
        ci = s.get("mean_ci")
        half = None if not ci or None in ci or s["mean"] is None else (ci[1] - ci[0]) / 2
        if s.get("missing"):
            undefined.append(f"{name} ({s['missing']:,})")
        cells = "  ".join(f"{short_quantity(s.get(k), unit):>{_VALUE}}"
                          for k in ("p5", "p50", "p95"))
        lines.append(f"{name:<{width}} {short_quantity(s['mean'], unit):>{_VALUE}} "
                     f"{_relative(half, s['mean']):>{_VALUE + 2}}  {cells} "
                     f"{_UNIT_SHOWN.get(unit, unit)}".rstrip())
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
        state = "reached" if precision["reached"] else "NOT reached"
        lines += ["", f"precision {precision['requested']:g}: {state} after "
                  f"{precision['runs']:,} replications"]
        for item in precision["headline"]:
            mark = "ok " if item["ok"] else "   "
            half, allowed = item["half_width"], item["allowed"]
            shown = "n/a" if half is None else f"{half:.3g}"
            lines.append(f"  {mark} {item['name']}: half-width {shown} (allowed "
                         f"{allowed if allowed is None else format(allowed, '.3g')})")
    return "\n".join(lines)
