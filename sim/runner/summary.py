"""Summary statistics of a run: per KPI and per target, with 95% confidence intervals.

- Mean: Student-t interval, ``mean +/- t(0.975, n-1) * sd / sqrt(n)``.
- Percentiles P5, P10, P50, P90, P95 (numpy's linear definition) with distribution-free
  order-statistic intervals: ``[x_(l), x_(u)]`` with ``l``, ``u`` the binomial(n, p) 2.5% and
  97.5% points, so coverage is at least 95% for any distribution. With too few runs for that
  (``l < 1`` or ``u > n``) the interval is ``None``.
- A target's probability ``k / n`` with the Wilson score interval (sensible at 0 and 1).

Statistics use the finite values only; ``missing`` counts the others (a KPI such as
``largest_run_month`` is NaN when no run completed). Everything is computed from arrays in
replication order, so the same replications give the same summary.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import stats

from sim.kpis import KPIS

__all__ = ["CONFIDENCE", "PERCENTILES", "kpi_summary", "mean_half_width", "quantile_interval",
           "target_summary", "wilson_interval"]

CONFIDENCE = 0.95
PERCENTILES: dict[str, float] = {"p5": 0.05, "p10": 0.10, "p50": 0.50, "p90": 0.90, "p95": 0.95}


def _z(confidence: float) -> float:
    return float(stats.norm.ppf(0.5 + confidence / 2))


def _num(x: float) -> float | None:
    """A float for JSON: NaN and infinities become None."""
    return float(x) if math.isfinite(x) else None


def mean_half_width(values: npt.NDArray[np.float64], confidence: float = CONFIDENCE) -> float:
    """Half-width of the t interval on the mean of the finite ``values`` (NaN if < 2)."""
    x = values[np.isfinite(values)]
    if len(x) < 2:
        return math.nan
    t = float(stats.t.ppf(0.5 + confidence / 2, len(x) - 1))
    return t * float(np.std(x, ddof=1)) / math.sqrt(len(x))


def quantile_interval(ordered: npt.NDArray[np.float64], p: float,
                      confidence: float = CONFIDENCE) -> tuple[float, float] | None:
    """Order-statistic interval for quantile ``p`` of sorted finite values (None if too few)."""
    n = len(ordered)
    if n == 0:
        return None
    alpha = 1.0 - confidence
    lo = int(stats.binom.ppf(alpha / 2, n, p))  # 1-based rank of the lower bound
    hi = int(stats.binom.ppf(1 - alpha / 2, n, p)) + 1
    if lo < 1 or hi > n:
        return None
    return float(ordered[lo - 1]), float(ordered[hi - 1])


def wilson_interval(k: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval for a proportion ``k / n``."""
    if n == 0:
        return (0.0, 1.0)
    z = _z(confidence)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # exact at the ends (the float formula leaves ~1e-18 there)
    lo = 0.0 if k == 0 else max(0.0, centre - half)
    hi = 1.0 if k == n else min(1.0, centre + half)
    return lo, hi


def kpi_summary(values: npt.NDArray[np.float64], name: str) -> dict[str, Any]:
    """Mean, sd, standard error, percentiles and their intervals for one KPI's values."""
    finite = np.sort(values[np.isfinite(values)])
    n = len(finite)
    out: dict[str, Any] = {"unit": KPIS[name].unit if name in KPIS else "", "n": n,
                           "missing": int(len(values) - n)}
    mean = float(np.mean(finite)) if n else math.nan
    sd = float(np.std(finite, ddof=1)) if n > 1 else math.nan
    half = mean_half_width(finite)
    out.update({
        "mean": _num(mean), "sd": _num(sd), "se": _num(sd / math.sqrt(n)) if n > 1 else None,
        "mean_ci": [_num(mean - half), _num(mean + half)] if math.isfinite(half) else None,
    })
    for label, p in PERCENTILES.items():
        out[label] = _num(float(np.quantile(finite, p))) if n else None
        interval = quantile_interval(finite, p)
        out[f"{label}_ci"] = None if interval is None else [_num(v) for v in interval]
    return out


def target_summary(met: npt.NDArray[np.bool_], names: Sequence[str],
                   kpis: Sequence[str]) -> list[dict[str, Any]]:
    """Each target's probability, with its Wilson interval and counts."""
    n = met.shape[0]
    out = []
    for j, (name, kpi) in enumerate(zip(names, kpis, strict=True)):
        k = int(met[:, j].sum())
        lo, hi = wilson_interval(k, n)
        out.append({"name": name, "kpi": kpi, "probability": k / n if n else None,
                    "ci": [lo, hi], "met": k, "runs": n})
    return out
