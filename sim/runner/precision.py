"""``--precision``: run in rounds until the headline answers are known well enough.

After each round of replications ``0..n-1`` the run stops when

- every headline KPI's 95% confidence half-width on the mean is at most ``precision`` times
  the magnitude of the mean (relative precision; a KPI that is the same in every replication
  has half-width 0 and passes), and
- every target probability's 95% Wilson half-width is at most ``precision`` (absolute: a
  probability near 0 has no useful relative precision),

or when ``n`` reaches ``max_runs``. Otherwise the next round's size comes from the current
variance: ``n * (half_width / allowed)**2`` (the half-width shrinks as 1/sqrt(n)) plus 10%,
growing at least 25% and at most 4x per round, rounded up to a multiple of 64 (to a power of 2
for a Sobol' design). The schedule depends only on the results of replications ``0..n-1``, which
do not depend on the executor or batching, so a run stops at the same ``n`` everywhere, and its
results are those of a fixed run of ``n`` replications with the same design size.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from sim.runner.summary import mean_half_width, wilson_interval

__all__ = ["FIRST_ROUND", "HEADLINE_KPIS", "PrecisionCheck", "check_precision", "next_round"]

HEADLINE_KPIS = ("h100_equivalents_installed", "training_flop_delivered",
                 "demand_served_fraction", "spent_usd")
FIRST_ROUND = 256


@dataclass(frozen=True)
class PrecisionCheck:
    """Where a run stands against its precision: per headline answer and overall."""

    requested: float
    runs: int
    items: tuple[dict[str, Any], ...]
    needed: int
    """Estimated replications for every answer to reach the precision."""

    @property
    def reached(self) -> bool:
        """True when every headline answer is within the requested precision."""
        return all(item["ok"] for item in self.items)

    def to_json(self) -> dict[str, Any]:
        """The check as JSON-ready data (for ``summary.json``)."""
        return {"requested": self.requested, "reached": self.reached, "runs": self.runs,
                "headline": list(self.items)}


def _needed(n: int, half: float, allowed: float) -> int:
    if half <= allowed:
        return n
    if allowed <= 0 or not math.isfinite(half):
        return 2**62
    return math.ceil(n * (half / allowed) ** 2)


def check_precision(kpis: npt.NDArray[np.float64], kpi_names: Sequence[str],
                    met: npt.NDArray[np.bool_], target_names: Sequence[str],
                    precision: float) -> PrecisionCheck:
    """Check replications ``kpis[i]``/``met[i]`` (rows in replication order)."""
    n = kpis.shape[0]
    items: list[dict[str, Any]] = []
    needed = n
    for name in HEADLINE_KPIS:
        if name not in kpi_names:
            continue
        values = kpis[:, list(kpi_names).index(name)]
        finite = values[np.isfinite(values)]
        mean = float(np.mean(finite)) if len(finite) else math.nan
        half = mean_half_width(finite)
        allowed = precision * abs(mean)
        ok = math.isfinite(half) and (half <= allowed or half == 0.0)
        need = n if ok else _needed(n, half, allowed)
        needed = max(needed, need)
        items.append({"name": name, "kind": "kpi mean (relative)", "half_width": half,
                      "allowed": allowed, "ok": ok})
    for j, name in enumerate(target_names):
        lo, hi = wilson_interval(int(met[:, j].sum()), n)
        half = (hi - lo) / 2
        ok = half <= precision
        needed = max(needed, n if ok else _needed(n, half, precision))
        items.append({"name": name, "kind": "target probability (absolute)",
                      "half_width": half, "allowed": precision, "ok": ok})
    return PrecisionCheck(precision, n, tuple(items), needed)


def next_round(n: int, needed: int, max_runs: int, design: str) -> int:
    """The size of the next round after ``n`` replications (at most ``max_runs``)."""
    target = min(max(math.ceil(1.1 * needed), math.ceil(1.25 * n)), 4 * n)
    # Sobol' points are balanced at powers of 2; otherwise whole batches of 64
    target = 1 << (target - 1).bit_length() if design == "sobol" else 64 * math.ceil(target / 64)
    return min(max(target, n + 1), max_runs)
