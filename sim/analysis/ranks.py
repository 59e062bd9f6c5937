"""Rank correlations of every uncertain input with each KPI, from a Monte Carlo sample.

- Spearman's rho: the Pearson correlation of the ranks (ties get average ranks); its 95%
  interval by Fisher's z with the Bonett-Wright variance ``(1 + rho^2 / 2) / (n - 3)``.
- Partial rank correlation (PRCC): the correlation of the input's rank with the KPI's rank
  once the ranks of every other input are regressed out (linearly); computed from one rank
  regression (see :func:`prcc`). Its interval by Fisher's z with variance
  ``1 / (n - 3 - p)``, ``p`` the number of inputs held fixed. It needs more replications than
  inputs (``n > p + 3``); else it is NaN.

Replications where the KPI is not finite are left out of that KPI's correlations; inputs that
do not vary in the sample get NaN.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from sim.analysis.tornado import section_of
from sim.kpis import KPIS

__all__ = ["CONFIDENCE", "fisher_interval", "prcc", "rank_frame", "spearman"]

CONFIDENCE = 0.95
Array = npt.NDArray[np.float64]


def _ranks(x: Array) -> Array:
    from scipy import stats

    return np.asarray(stats.rankdata(x, axis=0), dtype=np.float64)


def _corr_with(rx: Array, ry: Array) -> Array:
    """Pearson correlation of each column of ``rx`` with ``ry``."""
    xc = rx - rx.mean(axis=0)
    yc = ry - ry.mean()
    denom = np.sqrt((xc**2).sum(axis=0) * (yc**2).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (xc * yc[:, None]).sum(axis=0) / denom
    return np.where(denom > 0, out, np.nan)


def spearman(x: Array, y: Array) -> Array:
    """Spearman's rho of each column of ``x`` with ``y`` (rows with finite ``y``)."""
    keep = np.isfinite(y)
    return _corr_with(_ranks(x[keep]), _ranks(y[keep]))


class _RankRegression:
    """The inputs' side of the rank regression, shared by every KPI finite on the same rows:
    the varying inputs' centred ranks and the pseudo-inverse of their cross-product."""

    def __init__(self, x: Array) -> None:
        n = x.shape[0]
        self.varying = (np.flatnonzero(np.ptp(x, axis=0) > 0) if n
                        else np.zeros(0, np.int64))
        self.z = _ranks(x[:, self.varying]) if n else np.zeros((0, 0))
        self.z -= self.z.mean(axis=0) if n else 0.0
        self.inverse = np.linalg.pinv(self.z.T @ self.z) if len(self.varying) else \
            np.zeros((0, 0))

    def prcc(self, y: Array, d: int) -> Array:
        out = np.full(d, np.nan)
        n, p = len(y), len(self.varying)
        df = n - 1 - p
        if df < 1 or p == 0 or np.ptp(y) == 0:
            return out
        ry = _ranks(y)
        ry -= ry.mean()
        beta = self.inverse @ (self.z.T @ ry)
        residual = ry - self.z @ beta
        sigma2 = float(residual @ residual) / df
        scale = float(np.sqrt(ry @ ry))
        if sigma2 <= (1e-12 * scale) ** 2:
            values = np.where(np.abs(beta) > 1e-9, np.sign(beta), 0.0)
        else:
            t = beta / np.sqrt(sigma2 * np.clip(np.diag(self.inverse), 1e-300, None))
            values = t / np.sqrt(t * t + df)
        out[self.varying] = np.clip(values, -1.0, 1.0)
        return out


def prcc(x: Array, y: Array, *, _cache: dict[bytes, _RankRegression] | None = None) -> Array:
    """Partial rank correlation of each column of ``x`` with ``y`` given the other columns.

    From one least-squares fit of the KPI's ranks on every input's ranks: the partial
    correlation of input j is ``t_j / sqrt(t_j^2 + df)``, ``t_j`` the t statistic of its
    coefficient and ``df = n - 1 - p`` (an identity of least squares). A perfect fit (no
    residual) gives +/-1 for the inputs with a coefficient and 0 for the others.
    """
    keep = np.isfinite(y)
    key = np.packbits(keep).tobytes()
    regression = None if _cache is None else _cache.get(key)
    if regression is None:
        regression = _RankRegression(x[keep])
        if _cache is not None:
            _cache[key] = regression
    return regression.prcc(y[keep], x.shape[1])


def fisher_interval(r: Array, n: int, variance: Array | float
                    ) -> tuple[Array, Array]:
    """The ``CONFIDENCE`` interval of correlations ``r`` by Fisher's z, ``var(z)`` given."""
    from scipy import stats

    z = float(stats.norm.ppf(0.5 + CONFIDENCE / 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = np.arctanh(np.clip(r, -1 + 1e-15, 1 - 1e-15))
        half = z * np.sqrt(variance)
    return np.tanh(centre - half), np.tanh(centre + half)


def rank_frame(names: Sequence[str], inputs: Array, kpis: dict[str, Array]) -> Any:
    """Per KPI and input: Spearman's rho and the PRCC with their intervals, and ranks by
    their absolute values (1 = strongest)."""
    import pandas as pd

    rows = []
    cache: dict[bytes, _RankRegression] = {}
    for kpi, y in kpis.items():
        n = int(np.isfinite(y).sum())
        rho = spearman(inputs, y)
        rho_lo, rho_hi = fisher_interval(rho, n, (1 + rho**2 / 2) / max(n - 3, 1) if n > 3
                                         else math.inf)
        pr = prcc(inputs, y, _cache=cache)
        varying = int((np.ptp(inputs[np.isfinite(y)], axis=0) > 0).sum()) if n else 0
        dof = n - 3 - (varying - 1)
        pr_lo, pr_hi = fisher_interval(pr, n, 1.0 / dof if dof > 0 else math.inf)
        rank_rho = _rank(np.abs(rho))
        rank_pr = _rank(np.abs(pr))
        for j, name in enumerate(names):
            rows.append({"kpi": kpi, "unit": KPIS[kpi].unit if kpi in KPIS else "",
                         "input": name, "section": section_of(name), "n": n,
                         "spearman": rho[j], "spearman_ci_low": rho_lo[j],
                         "spearman_ci_high": rho_hi[j], "spearman_rank": int(rank_rho[j]),
                         "prcc": pr[j], "prcc_ci_low": pr_lo[j], "prcc_ci_high": pr_hi[j],
                         "prcc_rank": int(rank_pr[j])})
    columns = ["kpi", "unit", "input", "section", "n", "spearman", "spearman_ci_low",
               "spearman_ci_high", "spearman_rank", "prcc", "prcc_ci_low", "prcc_ci_high",
               "prcc_rank"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["kpi", "spearman_rank"], kind="stable").reset_index(drop=True)


def _rank(strength: Array) -> npt.NDArray[np.int64]:
    """1 for the largest value, NaN last; ties in input order."""
    order = np.argsort(-np.nan_to_num(strength, nan=-1.0), kind="stable")
    rank = np.empty(len(strength), dtype=np.int64)
    rank[order] = np.arange(1, len(strength) + 1)
    return rank
