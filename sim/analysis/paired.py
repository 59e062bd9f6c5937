"""Statistics of two scenarios run on common random numbers (replication i of each sees the
same draws), so that their difference is measured replication by replication.

- Paired difference ``d_i = b_i - a_i`` over the replications where both are finite: mean with
  the Student-t 95% interval ``mean(d) +/- t(0.975, n-1) sd(d) / sqrt(n)``.
- The unpaired (Welch) interval the same runs would give without pairing, and the efficiency
  of pairing: the variance ratio ``(var(a) + var(b)) / var(d)`` (how many times more
  replications an independent comparison would need for the same precision).
- P(better): ``(#{b better than a} + #{ties} / 2) / n`` by the KPI's preferred direction.
  Ties count half, so a scenario compared with itself gives exactly 0.5.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["CONFIDENCE", "Paired", "paired", "regret"]

CONFIDENCE = 0.95
Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Paired:
    """The comparison of ``b`` with ``a`` (``diff`` is b - a)."""

    n: int
    diff: float
    ci: tuple[float, float]
    unpaired_ci: tuple[float, float]
    variance_ratio: float
    p_better: float
    ties: float


def _t(df: float) -> float:
    from scipy import stats

    return float(stats.t.ppf(0.5 + CONFIDENCE / 2, df)) if df > 0 else math.nan


def paired(a: Array, b: Array, direction: int) -> Paired:
    """Paired statistics of ``b`` against ``a`` (same replications, same order); ``direction``
    is +1 when higher is better, -1 when lower is."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    both = np.isfinite(a) & np.isfinite(b)
    a, b = a[both], b[both]
    n = int(both.sum())
    nan2 = (math.nan, math.nan)
    if n == 0:
        return Paired(0, math.nan, nan2, nan2, math.nan, math.nan, math.nan)
    d = b - a
    mean = float(np.mean(d))
    better = float(np.sum(direction * d > 0))
    tied = float(np.sum(d == 0))
    p_better = (better + 0.5 * tied) / n
    if n < 2:
        return Paired(n, mean, nan2, nan2, math.nan, p_better, tied / n)
    var_d = float(np.var(d, ddof=1))
    half = _t(n - 1) * math.sqrt(var_d / n)
    var_a, var_b = float(np.var(a, ddof=1)), float(np.var(b, ddof=1))
    se2 = (var_a + var_b) / n
    if se2 > 0:  # Welch-Satterthwaite degrees of freedom
        df = se2**2 / ((var_a / n) ** 2 / (n - 1) + (var_b / n) ** 2 / (n - 1))
        unpaired_half = _t(df) * math.sqrt(se2)
    else:
        unpaired_half = 0.0
    ratio = (var_a + var_b) / var_d if var_d > 0 else math.inf if var_a + var_b > 0 else math.nan
    return Paired(n, mean, (mean - half, mean + half),
                  (mean - unpaired_half, mean + unpaired_half), ratio, p_better, tied / n)


def regret(values: Array, direction: int) -> tuple[npt.NDArray[np.int64], Array, Array]:
    """``values[i, s]`` is scenario s in replication i. Over the replications where every
    scenario is finite: how often each scenario is best (ties count for each tied scenario),
    and its mean and largest shortfall from the best of that replication."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.all(np.isfinite(v), axis=1)]
    if not len(v):
        s = v.shape[1]
        return np.zeros(s, np.int64), np.full(s, math.nan), np.full(s, math.nan)
    oriented = direction * v
    best = oriented.max(axis=1, keepdims=True)
    shortfall = best - oriented
    wins = np.sum(shortfall == 0, axis=0).astype(np.int64)
    return wins, shortfall.mean(axis=0), shortfall.max(axis=0)
