"""Observations: a replication's value of each dated public figure the scenario lists."""

from __future__ import annotations

import math

import numpy as np

from sim.calendar import month_offset
from sim.model.results import ReplicationResult
from sim.schema.policy import Observation

__all__ = ["observation_value"]


def observation_value(obs: Observation, result: ReplicationResult, start: str) -> float:
    """The model's value of ``obs`` in one replication: the series in the observed month, or
    the twelve months of the observed year summed, averaged or the last one. NaN when the
    month, or any month of the year, is outside the simulated horizon (a shortened horizon
    leaves such observations unjudged rather than failing)."""
    values = result.series[obs.series]
    if obs.month is not None:
        index = round(month_offset(start, obs.month))
        return float(values[index]) if 0 <= index < len(values) else math.nan
    assert obs.year is not None
    first = round(month_offset(start, f"{obs.year}-01"))
    if first < 0 or first + 12 > len(values):
        return math.nan
    months = values[first:first + 12]
    if obs.aggregate == "sum":
        return float(np.sum(months))
    if obs.aggregate == "mean":
        return float(np.mean(months))
    return float(months[-1])
