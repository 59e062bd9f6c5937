"""First-order and total Sobol' indices by input group, with bootstrap intervals.

A group is one "dimension" whose inputs move together. The matrices are built here, over
groups: ``A`` and ``B`` are two independent points of the whole input space (the first and
last ``d`` coordinates of a scrambled Sobol' sequence in ``2d`` dimensions, keyed by the root
seed), and ``AB_g`` is ``A`` with group g's coordinates taken from ``B``. The event streams
(failures, licence decisions, revocations) are one more group when ``events`` is set: ``A``
and every ``AB_g`` run on replication i's streams, ``B`` and ``AB_events`` on replication
``n + i``'s. Correlations are applied to each assembled point (exact when correlated inputs
share a group; the result notes pairs that do not).

The indices are then scipy's: :func:`scipy.stats.sobol_indices` takes the model outputs
``f_A``, ``f_B`` and ``f_AB`` (its dictionary form, which does not care that a "dimension" is
a group) and applies Saltelli (2010) for first-order and Jansen for total indices. The
bootstrap intervals resample the ``n`` base rows with :func:`scipy.stats.bootstrap` and a
generator keyed by the root seed (``SobolResult.bootstrap`` would draw from fresh entropy).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from sim.analysis.tornado import section_of
from sim.design import CorrelationSpec, correlate, unit_points

__all__ = ["EVENTS", "SobolPlan", "assign_groups", "outputs_by_block", "sobol_frame",
           "sobol_indices_of"]

EVENTS = "(event streams)"
Array = npt.NDArray[np.float64]


def assign_groups(names: Sequence[str], groups: Mapping[str, Sequence[str]] | None = None
                  ) -> dict[str, tuple[int, ...]]:
    """Group name -> input columns. ``groups`` maps a name to path patterns (``fnmatch``
    globs; a plain path also takes everything under it); an input joins the first group it
    matches, and inputs no group matches form groups by scenario section."""
    out: dict[str, list[int]] = {}
    for j, name in enumerate(names):
        chosen = None
        for group, patterns in (groups or {}).items():
            if any(fnmatch.fnmatchcase(name, p) or name.startswith(p.rstrip(".") + ".")
                   or name == p for p in patterns):
                chosen = group
                break
        out.setdefault(chosen or section_of(name), []).append(j)
    return {g: tuple(cols) for g, cols in out.items()}


@dataclass(frozen=True)
class SobolPlan:
    """Rows in blocks of ``n``: ``A``, ``B``, then ``AB_g`` per group, then ``AB_events``."""

    inputs: int
    n: int
    groups: tuple[tuple[int, ...], ...]
    events: bool = True
    correlations: CorrelationSpec | None = None

    @property
    def blocks(self) -> int:
        """A, B and one per group (and one for the event streams)."""
        return 2 + len(self.groups) + int(self.events)

    @property
    def rows(self) -> int:
        """``n`` rows per block."""
        return self.n * self.blocks

    def points(self, names: Sequence[str], seed: int, start: int, stop: int
               ) -> tuple[Array, npt.NDArray[np.int64]]:
        """Unit points and event replications of rows ``start..stop-1``."""
        d = len(names)
        if d != self.inputs:
            raise ValueError(f"the plan has {self.inputs} inputs, the scenario {d}")
        k = np.arange(start, stop)
        block, i = k // self.n, k % self.n
        doubled = [*names, *(f"B:{name}" for name in names)]
        base = unit_points(doubled, seed, i.tolist(), "sobol")
        a, b = base[:, :d], base[:, d:]
        u = a.copy()
        u[block == 1] = b[block == 1]
        for g, cols in enumerate(self.groups):
            rows = np.flatnonzero(block == 2 + g)
            columns = np.asarray(cols, dtype=np.int64)
            u[np.ix_(rows, columns)] = b[np.ix_(rows, columns)]
        reps = i.copy()
        reps[block == 1] += self.n
        if self.events:
            reps[block == 2 + len(self.groups)] += self.n
        if self.correlations is not None and self.correlations.pairs:
            u = correlate(u, names, self.correlations)
        return u, reps.astype(np.int64)


def outputs_by_block(plan: SobolPlan, y: Array) -> tuple[Array, Array, Array]:
    """Outputs ``y[rows, s]`` as scipy's ``f_A`` (s, n), ``f_B`` (s, n), ``f_AB`` (G, s, n)."""
    by_block = y.reshape(plan.blocks, plan.n, -1).transpose(0, 2, 1)
    return by_block[0], by_block[1], by_block[2:]


def _indices(f_a: Array, f_b: Array, f_ab: Array) -> tuple[Array, Array]:
    from scipy import stats

    n = f_a.shape[1]
    res = stats.sobol_indices(func={"f_A": f_a, "f_B": f_b, "f_AB": f_ab}, n=n)
    shape = (f_a.shape[0], f_ab.shape[0])  # (outputs, groups)
    return (np.asarray(res.first_order, dtype=np.float64).reshape(shape),
            np.asarray(res.total_order, dtype=np.float64).reshape(shape))


def sobol_indices_of(f_a: Array, f_b: Array, f_ab: Array, *, seed: int,
                     resamples: int = 999, confidence: float = 0.95
                     ) -> dict[str, Array]:
    """First-order and total indices ``[outputs, groups]`` and, with ``resamples`` > 0, their
    percentile bootstrap intervals (rows resampled; a generator keyed by ``seed``)."""
    from scipy import stats

    from sim.streams import stream

    first, total = _indices(f_a, f_b, f_ab)
    out = {"first": first, "total": total}
    if resamples <= 0:
        return out

    def statistic(idx: npt.NDArray[np.int64]) -> Array:
        idx = idx.astype(np.int64)
        s1, st = _indices(f_a[:, idx], f_b[:, idx], f_ab[..., idx])
        return np.concatenate([s1.ravel(), st.ravel()])

    rng = stream(seed, 0, "analysis:sobol-bootstrap")
    with np.errstate(all="ignore"):
        res = stats.bootstrap((np.arange(f_a.shape[1]),), statistic, n_resamples=resamples,
                              vectorized=False, method="percentile",
                              confidence_level=confidence, rng=rng)
    low = np.asarray(res.confidence_interval.low, dtype=np.float64)
    high = np.asarray(res.confidence_interval.high, dtype=np.float64)
    m = first.size
    out.update({"first_low": low[:m].reshape(first.shape),
                "first_high": high[:m].reshape(first.shape),
                "total_low": low[m:].reshape(first.shape),
                "total_high": high[m:].reshape(first.shape)})
    return out


def sobol_frame(outputs: Sequence[str], groups: Sequence[str], sizes: Sequence[int],
                result: Mapping[str, Array]) -> Any:
    """Per output and group: first-order and total indices with intervals, ranked by total."""
    import pandas as pd

    rows = []
    for o, name in enumerate(outputs):
        total = result["total"][o]
        order = np.argsort(-np.nan_to_num(total, nan=-1.0), kind="stable")
        rank = np.empty(len(groups), dtype=np.int64)
        rank[order] = np.arange(1, len(groups) + 1)
        for g, group in enumerate(groups):
            row: dict[str, Any] = {"kpi": name, "group": group, "inputs": int(sizes[g]),
                                   "first": float(result["first"][o, g]),
                                   "total": float(total[g])}
            for key in ("first_low", "first_high", "total_low", "total_high"):
                row[key] = float(result[key][o, g]) if key in result else np.nan
            row["rank"] = int(rank[g])
            rows.append(row)
    frame = pd.DataFrame(rows, columns=["kpi", "group", "inputs", "first", "first_low",
                                        "first_high", "total", "total_low", "total_high",
                                        "rank"])
    return frame.sort_values(["kpi", "rank"], kind="stable").reset_index(drop=True)
