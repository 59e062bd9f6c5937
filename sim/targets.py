"""Targets: whether one replication meets each of the scenario's goals."""

from __future__ import annotations

import math

from sim.calendar import month_offset
from sim.model.results import ReplicationResult
from sim.schema.policy import Target

__all__ = ["target_met", "target_value"]


def target_value(target: Target, result: ReplicationResult, start: str) -> float:
    """The KPI value the target is judged on: at the end of its ``by`` month, or at the end."""
    if target.by is None:
        return result.kpis[target.kpi]
    index = round(month_offset(start, target.by))
    return result.kpi_by(target.kpi, index)


def target_met(target: Target, result: ReplicationResult, start: str) -> bool:
    """True when the replication meets the target (NaN never does)."""
    value = target_value(target, result, start)
    if math.isnan(value):
        return False
    if target.at_least is not None:
        return value >= target.at_least
    assert target.at_most is not None
    return value <= target.at_most
