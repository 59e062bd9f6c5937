"""The terminal text of a run's summary: KPIs with intervals, targets with probabilities."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sim.kpis import KPIS
from sim.report.text import format_quantity

__all__ = ["format_summary"]


def _q(value: float | None, unit: str) -> str:
    return "n/a" if value is None else format_quantity(value, unit)


def _relative(half: float | None, mean: float | None) -> str:
    if half is None or mean is None:
        return ""
    if mean == 0:
        return "(exact)" if half == 0 else ""
    return f"±{abs(half / mean):.1%}"


def format_summary(summary: dict[str, Any], overrides: Sequence[str] = ()) -> str:
    """Per KPI the mean with the relative half-width of its 95% confidence interval (how well
    the mean is known, not the spread), P5/P50/P95; each target's probability with its Wilson
    interval; and where a precision run stands. ``overrides`` (``--set``) go in the header."""
    confidence = summary.get("confidence", 0.95)
    changed = "".join(f" --set {o}" for o in overrides)
    name = f"{summary['scenario']}{' with' + changed if changed else ''}"
    lines = [f"{name}: {summary['replications']:,} replications, design "
             f"{summary['design']}, seed {summary['seed']}", ""]
    width = max(len(name) for name in summary["kpis"])
    lines.append(f"  {'KPI':<{width}}  {f'mean ±{confidence:.0%}':>27}  "
                 f"{'P5':>18}  {'P50':>18}  {'P95':>18}")
    for name, s in summary["kpis"].items():
        unit = KPIS[name].unit if name in KPIS else s.get("unit", "")
        ci = s.get("mean_ci")
        half = None if ci is None or s["mean"] is None else (ci[1] - ci[0]) / 2
        missing = f"  ({s['missing']:,} n/a)" if s.get("missing") else ""
        lines.append(
            f"  {name:<{width}}  {_q(s['mean'], unit):>18} {_relative(half, s['mean']):>8}  "
            f"{_q(s['p5'], unit):>18}  {_q(s['p50'], unit):>18}  {_q(s['p95'], unit):>18}"
            f"{missing}")
    lines.append(f"  (±: the {confidence:.0%} confidence half-width of the mean, relative to "
                 "it: how well the mean is known; P5..P95 is the spread)")
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
