"""Calibration: where each observation of the public record falls in the model's distribution.

For each observation (``observations:`` in the scenario) and the replications' values of it:

- the model's P5, P50 and P95 (numpy's linear percentiles of the finite values);
- the observation's percentile within them: the share of replications at or below the observed
  value (ties count half), so 50% means the model's median, and 0% or 100% an observation
  outside everything the model produced;
- a verdict (``outside the horizon`` when the observed month, or part of the observed year,
  was not simulated): ``inside`` when the observation's own band ``[low, high]`` overlaps the
  model's P5-P95 band, else ``model too low`` (the model's P95 is below ``low``) or
  ``model too high`` (its P5 is above ``high``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from sim.schema.policy import Observation

__all__ = ["observation_summary", "verdict"]


def verdict(low: float, high: float, p5: float, p95: float) -> str:
    """``inside`` if ``[low, high]`` overlaps ``[p5, p95]``, else which side the model is on."""
    if p95 < low:
        return "model too low"
    if p5 > high:
        return "model too high"
    return "inside"


def observation_summary(values: npt.NDArray[np.float64],
                        observations: Sequence[Observation]) -> list[dict[str, Any]]:
    """One entry per observation (columns of ``values``, rows the replications)."""
    out: list[dict[str, Any]] = []
    for j, obs in enumerate(observations):
        x = values[:, j]
        x = x[np.isfinite(x)]
        low, high = obs.band
        entry: dict[str, Any] = {
            "name": obs.name, "series": obs.series, "month": obs.month, "year": obs.year,
            "aggregate": obs.aggregate if obs.year is not None else None,
            "value": float(obs.value), "low": low, "high": high, "source": obs.source,
            "n": int(x.size),
        }
        if x.size == 0:
            entry.update(p5=None, p50=None, p95=None, percentile=None,
                         verdict="outside the horizon")
        else:
            p5, p50, p95 = (float(v) for v in np.percentile(x, [5, 50, 95]))
            below = float(np.sum(x < obs.value)) + 0.5 * float(np.sum(x == obs.value))
            entry.update(p5=p5, p50=p50, p95=p95, percentile=below / x.size,
                         verdict=verdict(low, high, p5, p95))
        out.append({k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                    for k, v in entry.items()})
    return out
