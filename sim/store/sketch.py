"""Percentile bands of monthly series over any number of replications, in bounded memory.

A run of a million replications has a million values per series per month; keeping them all to
take percentiles at the end would cost 8 bytes x replications x series x months. Instead each
batch folds its values into a :class:`SeriesSketch`, and sketches merge:

- a log-linear histogram per cell (series, month): a value's bin is the top bits of its float64
  bit pattern (sign, exponent, 6 mantissa bits), so bins are at most 1.6% wide relative to the
  value, computed exactly on every platform, and ordered like the values. Each bin keeps its count
  and the least and greatest value in it, so a quantile is exact whenever its bin holds one
  distinct value (a constant series, zeros) and within the bin's width otherwise. Memory is
  bounded by the number of occupied bins: at most 64 per octave of the cell's range,
  whatever the number of replications;
- the exact sum per cell, as a few non-overlapping floats whose sum is exact (Shewchuk's
  partials, via ``math.fsum``), so the mean is correctly rounded.

Counts, minima, maxima and exact sums do not depend on the order or grouping of the merges, so
the bands are identical whatever the executor, worker count, batch size, or a resume.
Non-finite values are left out of the bands and counted apart.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import numpy.typing as npt

__all__ = ["BAND_QUANTILES", "SeriesSketch"]

BAND_QUANTILES: dict[str, float] = {"p5": 0.05, "p25": 0.25, "p50": 0.5, "p75": 0.75,
                                    "p95": 0.95}
"""The percentile bands stored per series and month."""

_SHIFT = np.int64(46)  # keep sign, 11 exponent bits and 6 mantissa bits
_KEY_LIMIT = 1 << 17  # |key| < 2**17 for every finite float64
_SPAN = np.int64(2 * _KEY_LIMIT)
_MAX_PARTS = 32

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]


def _keys(values: Floats) -> Ints:
    """Histogram key of each finite value: monotone in the value, exact."""
    magnitude = np.abs(values).view(np.int64) >> _SHIFT
    return np.where(values < 0, -magnitude, magnitude)


def _exact_parts(columns: list[list[float]]) -> Floats:
    """For each column, non-overlapping floats summing exactly to the column's sum; shape
    ``[columns, parts]``, padded with zeros. The columns are consumed (extended in place).

    Each pass takes the correctly rounded sum of what is left (``math.fsum``, 0.0 only when
    that is exactly 0) and removes it; passes run over all the columns still open at once."""
    parts: list[list[float]] = [[] for _ in columns]
    open_ = list(range(len(columns)))
    while open_:
        residuals = list(map(math.fsum, (columns[i] for i in open_)))
        still = []
        for i, residual in zip(open_, residuals, strict=True):
            if residual != 0.0:
                parts[i].append(residual)
                columns[i].append(-residual)
                still.append(i)
        open_ = still
    width = max((len(p) for p in parts), default=0)
    out = np.zeros((len(parts), width))
    for i, found in enumerate(parts):
        out[i, : len(found)] = found
    return out


@dataclass(frozen=True)
class SeriesSketch:
    """Mergeable summary of ``series[replication, s, month]`` for series ``names``.

    Histogram entries are sorted by ``codes`` (``cell * span + key + offset`` with
    ``cell = s * months + month``); ``sums[cell]`` are exact partials.
    """

    names: tuple[str, ...]
    months: int
    replications: int
    codes: Ints
    counts: Ints
    mins: Floats
    maxs: Floats
    sums: Floats
    finite: Ints

    @property
    def cells(self) -> int:
        """Number of (series, month) cells."""
        return len(self.names) * self.months

    @classmethod
    def empty(cls, names: Sequence[str], months: int) -> SeriesSketch:
        """The sketch of no replication."""
        cells = len(names) * months
        return cls(tuple(names), months, 0, np.zeros(0, np.int64), np.zeros(0, np.int64),
                   np.zeros(0), np.zeros(0), np.zeros((cells, 0)), np.zeros(cells, np.int64))

    @classmethod
    def of(cls, names: Sequence[str], series: Floats) -> SeriesSketch:
        """The sketch of ``series[replication, s, month]``."""
        n, n_series, months = series.shape
        if n_series != len(names):
            raise ValueError(f"{n_series} series for {len(names)} names")
        flat = series.reshape(n, n_series * months)
        ok = np.isfinite(flat)
        cell = np.broadcast_to(np.arange(flat.shape[1], dtype=np.int64), flat.shape)[ok]
        values = flat[ok]
        codes = cell * _SPAN + _keys(values) + _KEY_LIMIT
        order = np.argsort(codes, kind="stable")
        codes, values = codes[order], values[order]
        first = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
        if len(codes):
            mins, maxs = np.minimum.reduceat(values, first), np.maximum.reduceat(values, first)
        else:
            mins = maxs = values
        sums = _exact_parts(np.where(ok, flat, 0.0).T.tolist())
        return cls(tuple(names), months, n, codes[first], np.diff(np.r_[first, len(codes)]),
                   mins, maxs, sums, ok.sum(axis=0).astype(np.int64))

    @classmethod
    def merge(cls, sketches: Sequence[SeriesSketch]) -> SeriesSketch:
        """One sketch of all the replications of ``sketches`` (same names and months)."""
        if not sketches:
            raise ValueError("nothing to merge")
        head = sketches[0]
        for other in sketches[1:]:
            if other.names != head.names or other.months != head.months:
                raise ValueError("cannot merge sketches of different series")
        codes = np.concatenate([s.codes for s in sketches])
        order = np.argsort(codes, kind="stable")
        codes = codes[order]
        counts = np.concatenate([s.counts for s in sketches])[order]
        mins = np.concatenate([s.mins for s in sketches])[order]
        maxs = np.concatenate([s.maxs for s in sketches])[order]
        if len(codes):
            first = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
            codes, counts = codes[first], np.add.reduceat(counts, first)
            mins, maxs = np.minimum.reduceat(mins, first), np.maximum.reduceat(maxs, first)
        sums = np.concatenate([s.sums for s in sketches], axis=1)
        if sums.shape[1] > _MAX_PARTS:
            sums = _exact_parts(sums.tolist())
        return cls(head.names, head.months, sum(s.replications for s in sketches), codes,
                   counts, mins, maxs, sums, np.sum([s.finite for s in sketches], axis=0))

    def means(self) -> Floats:
        """Mean of the finite values of each cell, ``[series, months]`` (NaN where none)."""
        total = np.array([math.fsum(row) for row in self.sums.tolist()])
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(self.finite > 0, total / np.maximum(self.finite, 1), np.nan)
        return mean.reshape(len(self.names), self.months)

    def quantiles(self, q: float) -> Floats:
        """Quantile ``q`` (numpy's linear definition) of each cell, ``[series, months]``."""
        if not 0.0 <= q <= 1.0:
            raise ValueError(f"q={q!r} must be in [0, 1]")
        totals = self.finite  # every finite value is in its cell's histogram
        before = np.r_[0, np.cumsum(totals)[:-1]].astype(np.int64)
        cum = np.cumsum(self.counts)
        h = (totals - 1) * q
        lo = np.floor(h).astype(np.int64)
        hi = np.ceil(h).astype(np.int64)
        has = totals > 0
        x_lo = self._order_statistic(before + lo, cum, has)
        x_hi = self._order_statistic(before + hi, cum, has)
        out = np.where(has, x_lo + (h - lo) * (x_hi - x_lo), np.nan)
        return out.reshape(len(self.names), self.months)

    def _order_statistic(self, rank: Ints, cum: Ints, has: npt.NDArray[np.bool_]) -> Floats:
        """Estimated value of global (0-based) ranks; interpolated within a bin between its
        least and greatest value."""
        out = np.full(rank.shape, np.nan)
        if not len(cum):
            return out
        b = np.searchsorted(cum, rank[has], side="right")
        start = cum[b] - self.counts[b]
        pos = rank[has] - start
        span = np.maximum(self.counts[b] - 1, 1)
        out[has] = self.mins[b] + (self.maxs[b] - self.mins[b]) * (pos / span)
        return out

    def bands(self) -> dict[str, Floats]:
        """``{"mean": ..., "p5": ..., ...}``, each ``[series, months]``, plus ``"count"``."""
        out = {"count": self.finite.reshape(len(self.names), self.months).astype(np.float64),
               "mean": self.means()}
        for name, q in BAND_QUANTILES.items():
            out[name] = self.quantiles(q)
        return out

    def save(self, fh: IO[bytes]) -> None:
        """Write as ``.npz`` to an open binary file (the caller makes the write atomic)."""
        np.savez(fh, names=np.array(json.dumps(list(self.names))),
                 shape=np.array([self.months, self.replications]), codes=self.codes,
                 counts=self.counts, mins=self.mins, maxs=self.maxs, sums=self.sums,
                 finite=self.finite)

    @classmethod
    def load(cls, path: Path) -> SeriesSketch:
        """Read a sketch written by :meth:`save`."""
        with np.load(path, allow_pickle=False) as data:
            months, replications = (int(v) for v in data["shape"])
            return cls(tuple(json.loads(str(data["names"]))), months, replications,
                       data["codes"], data["counts"], data["mins"], data["maxs"],
                       data["sums"], data["finite"])
