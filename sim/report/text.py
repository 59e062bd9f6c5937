"""Terminal text: KPI values with their units, one replication's KPIs and targets."""

from __future__ import annotations

import math

from sim.kpis import KPIS
from sim.model.results import ReplicationResult
from sim.schema.scenario import Scenario
from sim.targets import target_met, target_value

__all__ = ["format_quantity", "format_replication"]


def format_quantity(value: float, unit: str) -> str:
    """A number as a person reads it: ``$12.3B``, ``1.50e+26 FLOP``, ``87.2%``."""
    if math.isnan(value):
        return "n/a"
    if unit == "USD":
        for scale, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
            if abs(value) >= scale:
                return f"${value / scale:,.2f}{suffix}"
        return f"${value:,.2f}"
    if unit == "fraction":
        return f"{value:.1%}"
    if unit in ("FLOP",):
        return f"{value:.3g} FLOP"
    if unit == "months":
        return f"{value:.1f} months"
    if unit.startswith("USD/"):
        return f"${value:.3g} per {unit[4:]}"
    if unit in ("runs", "chips"):
        return f"{value:,.0f} {unit}"
    if abs(value) >= 1e7 or (0 < abs(value) < 1e-2):
        return f"{value:.3g} {unit}"
    if abs(value) >= 100:
        return f"{value:,.0f} {unit}"
    return f"{value:,.2f} {unit}"


def format_replication(scenario: Scenario, result: ReplicationResult, *, seed: int) -> str:
    """One replication's KPIs and whether it meets each target."""
    lines = [f"{scenario.name}: replication {result.replication}, seed {seed}", ""]
    width = max(len(k) for k in KPIS)
    for name, kpi in KPIS.items():
        lines.append(f"  {name:<{width}}  {format_quantity(result.kpis[name], kpi.unit)}")
    if scenario.targets:
        lines += ["", "targets:"]
        start = scenario.clock.start
        for target in scenario.targets:
            met = target_met(target, result, start)
            value = format_quantity(target_value(target, result, start), KPIS[target.kpi].unit)
            lines.append(f"  [{'met' if met else 'not met'}] {target.name} ({target.kpi} = "
                         f"{value})")
    return "\n".join(lines)
