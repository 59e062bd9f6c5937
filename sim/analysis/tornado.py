"""A tornado: each uncertain input at its P10 and at its P90 with every other input at its
median, on the same event streams (common random numbers), ranked by the swing it causes.

The event streams (failures, licence decisions, lease revocations) are not inputs; each case
runs on replications ``0..R-1`` of them and reports the mean, so the swing of an input is
measured with the same luck in every case. Correlations between inputs are not applied (each
input moves alone, the others held at their medians).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from sim.api import KPI_NAMES
from sim.kpis import KPIS

__all__ = ["TornadoPlan", "section_of", "tornado_frame", "tornado_sections"]


def section_of(path: str) -> str:
    """The scenario section an input belongs to (its first path segment)."""
    return path.split(".", 1)[0]


@dataclass(frozen=True)
class TornadoPlan:
    """Row ``k``: case ``k // replications`` on event replication ``k % replications``.
    Case 0 is every input at its median; case ``1 + 2j`` input j at ``low``, ``2 + 2j`` at
    ``high``."""

    inputs: int
    replications: int = 1
    low: float = 0.1
    high: float = 0.9

    @property
    def rows(self) -> int:
        """Cases times event replications."""
        return (1 + 2 * self.inputs) * self.replications

    def points(self, names: Sequence[str], seed: int, start: int, stop: int
               ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
        """Unit points and event replications of rows ``start..stop-1``."""
        if len(names) != self.inputs:
            raise ValueError(f"the plan has {self.inputs} inputs, the scenario {len(names)}")
        k = np.arange(start, stop)
        case, reps = k // self.replications, k % self.replications
        u = np.full((len(k), len(names)), 0.5)
        moved = case > 0
        j = (case[moved] - 1) // 2
        u[np.flatnonzero(moved), j] = np.where((case[moved] - 1) % 2 == 0, self.low, self.high)
        return u, reps.astype(np.int64)


def tornado_frame(plan: TornadoPlan, names: Sequence[str], kpis: npt.NDArray[np.float64],
                  chosen: Sequence[str]) -> Any:
    """Per KPI and input: the KPI (mean over the event replications) with the input at P10 and
    at P90, the baseline, the swing ``|high - low|``, and the rank by swing (1 = largest)."""
    import pandas as pd

    r = plan.replications
    by_case = kpis.reshape(1 + 2 * plan.inputs, r, len(KPI_NAMES))
    with warnings.catch_warnings():  # a KPI undefined in every replication stays NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        means = np.nanmean(np.where(np.isfinite(by_case), by_case, np.nan), axis=1)
    rows = []
    for kpi in chosen:
        k = KPI_NAMES.index(kpi)
        base = float(means[0, k])
        low, high = means[1::2, k], means[2::2, k]
        swing = np.abs(high - low)
        order = np.argsort(-np.nan_to_num(swing, nan=-1.0), kind="stable")
        rank = np.empty(len(names), dtype=np.int64)
        rank[order] = np.arange(1, len(names) + 1)
        for j, name in enumerate(names):
            rows.append({"kpi": kpi, "unit": KPIS[kpi].unit, "input": name,
                         "section": section_of(name), "baseline": base,
                         "at_low": float(low[j]), "at_high": float(high[j]),
                         "swing": float(swing[j]), "rank": int(rank[j])})
    frame = pd.DataFrame(rows, columns=["kpi", "unit", "input", "section", "baseline", "at_low",
                                        "at_high", "swing", "rank"])
    return frame.sort_values(["kpi", "rank"], kind="stable").reset_index(drop=True)


def tornado_sections(frame: Any) -> Any:
    """The tornado by scenario section: per KPI and section, its inputs, the largest swing of
    one of them (and which), and the sum of their swings; ranked by the largest swing."""
    import pandas as pd

    rows = []
    for (kpi, section), part in frame.groupby(["kpi", "section"], sort=False):
        top = part.sort_values("swing", ascending=False, kind="stable").iloc[0]
        rows.append({"kpi": kpi, "section": section, "inputs": len(part),
                     "largest_swing": float(top["swing"]), "top_input": top["input"],
                     "total_swing": float(part["swing"].sum())})
    out = pd.DataFrame(rows, columns=["kpi", "section", "inputs", "largest_swing",
                                      "top_input", "total_swing"])
    # a KPI undefined at both ends (NaN swing, e.g. no run completed) ranks last
    out["rank"] = out.groupby("kpi", sort=False)["largest_swing"].rank(
        ascending=False, method="first", na_option="bottom").astype("int64")
    return out.sort_values(["kpi", "rank"], kind="stable").reset_index(drop=True)
