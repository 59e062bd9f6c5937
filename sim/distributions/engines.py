"""Quantile engines: the numerical side of a distribution, apart from its YAML form.

An engine maps unit-interval points to values through its quantile function (``ppf``) and knows its
support. Engines are built once per distribution model and are immutable; every method is
vectorised over numpy arrays of float64. A :class:`ScipyEngine` is given a frozen scipy object, or
the recipe of one to freeze on first use (:meth:`ScipyEngine.deferred`), so this module imports
scipy only when a quantile is first needed.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "TINY",
    "ChoiceEngine",
    "ContinuousEngine",
    "EmpiricalEngine",
    "Engine",
    "FixedEngine",
    "FloatArray",
    "ScipyEngine",
    "TruncatedEngine",
]

FloatArray = npt.NDArray[np.float64]

TINY = float(np.finfo(np.float64).epsneg)
"""2**-53: ``1 - TINY`` is the largest double below 1, so probabilities clipped to
``[TINY, 1 - TINY]`` keep an unbounded family's quantiles finite (about ±8.2 sd for a normal)."""


class Engine(ABC):
    """A quantile function with its support ``[lower, upper]`` (either end may be infinite)."""

    lower: float
    upper: float

    @abstractmethod
    def ppf(self, u: FloatArray) -> FloatArray:
        """Quantiles at ``u`` (values in [0, 1]); non-decreasing in ``u``, within the support."""

    @abstractmethod
    def truncated(self, lo: float | None, hi: float | None) -> Engine | None:
        """This distribution conditioned on ``lo <= X <= hi`` (``None`` = open end).

        Returns ``None`` when the interval has zero probability.
        """

    def median(self) -> float:
        """``ppf(0.5)``."""
        return float(self.ppf(np.array(0.5)))

    def reaches_down_to(self, x: float) -> bool:
        """Whether ``ppf(0) <= x``: the distribution can produce ``x`` or less."""
        return bool(self.ppf(np.array([0.0]))[0] <= x)

    def reaches_up_to(self, x: float) -> bool:
        """Whether ``ppf(1) >= x``: the distribution can produce ``x`` or more."""
        return bool(self.ppf(np.array([1.0]))[0] >= x)


class FixedEngine(Engine):
    """A point mass."""

    def __init__(self, value: float) -> None:
        self.value = value
        self.lower = self.upper = value

    def ppf(self, u: FloatArray) -> FloatArray:
        return np.full(np.shape(u), self.value, dtype=np.float64)

    def truncated(self, lo: float | None, hi: float | None) -> Engine | None:
        inside = (lo is None or lo <= self.value) and (hi is None or self.value <= hi)
        return self if inside else None


class ChoiceEngine(Engine):
    """A discrete distribution; ``ppf(u)`` is the smallest value ``v`` with ``P(X <= v) >= u``."""

    def __init__(self, values: Sequence[float], weights: Sequence[float]) -> None:
        order = np.argsort(np.asarray(values, dtype=np.float64), kind="stable")
        self._values: FloatArray = np.asarray(values, dtype=np.float64)[order]
        self._weights: FloatArray = np.asarray(weights, dtype=np.float64)[order]
        cumulative = np.cumsum(self._weights)
        self._cumulative: FloatArray = cumulative / cumulative[-1]
        self._cumulative[-1] = 1.0
        self.lower = float(self._values[0])
        self.upper = float(self._values[-1])

    def ppf(self, u: FloatArray) -> FloatArray:
        index = np.searchsorted(self._cumulative, u, side="left")
        return self._values[np.minimum(index, self._values.size - 1)]

    def truncated(self, lo: float | None, hi: float | None) -> Engine | None:
        # Conditioning a discrete distribution is keeping the values inside and renormalising;
        # the generic ``F(lo) + u (F(hi) - F(lo))`` would land on the value below ``lo`` at u = 0.
        keep = np.ones(self._values.size, dtype=bool)
        if lo is not None:
            keep &= self._values >= lo
        if hi is not None:
            keep &= self._values <= hi
        if not keep.any():
            return None
        return ChoiceEngine(self._values[keep].tolist(), self._weights[keep].tolist())


class ContinuousEngine(Engine):
    """An engine with a distribution function, which is all that truncation needs."""

    exact_ends: bool = True
    """Whether ``ppf(0)`` and ``ppf(1)`` are exactly the (finite) ends of the support. False for a
    family unbounded on either side, whose ``ppf`` clips ``u`` away from 0 and 1 on both sides."""

    @abstractmethod
    def cdf(self, x: float) -> float:
        """``P(X <= x)``."""

    def cdf_below(self, x: float) -> float:
        """``P(X < x)``; equal to :meth:`cdf` unless ``x`` is an atom."""
        return self.cdf(x)

    def sf(self, x: float) -> float:
        """``P(X > x)``; override where the upper tail can be computed more accurately."""
        return 1.0 - self.cdf(x)

    def sf_from(self, x: float) -> float:
        """``P(X >= x)``."""
        return 1.0 - self.cdf_below(x)

    def raw_ppf(self, p: FloatArray) -> FloatArray:
        """Quantiles at ``p`` without clipping ``p`` (infinite at 0 or 1 where unbounded)."""
        return self.ppf(p)

    def raw_isf(self, s: FloatArray) -> FloatArray:
        """Quantiles at ``1 - s``, computed from ``s`` where the engine can do so accurately."""
        return self.raw_ppf(1.0 - s)

    def truncated(self, lo: float | None, hi: float | None) -> Engine | None:
        return TruncatedEngine.build(self, lo, hi)


class ScipyEngine(ContinuousEngine):
    """A frozen ``scipy.stats`` continuous distribution.

    ``ppf`` clips ``u`` to ``[TINY, 1 - TINY]``. For a family unbounded on either side this keeps
    the quantiles finite (and a lognormal's ``ppf(0)`` above 0). For a bounded family it keeps
    scipy's root finders away from probabilities so small that they fail (``beta(3, 3).ppf(1e-300)``
    is NaN), and ``u = 0`` and ``u = 1`` return the ends of the support exactly.
    """

    def __init__(self, frozen: Any) -> None:
        self._frozen: Any = frozen
        self._recipe: tuple[str, tuple[float, ...], dict[str, float]] | None = None
        self._floor = 0.0
        self._half: float | None = None
        lower, upper = frozen.support()
        self._set_support(float(lower), float(upper))

    @classmethod
    def deferred(
        cls, family: str, shapes: tuple[float, ...], standard: tuple[float, float],
        loc: float = 0.0, scale: float = 1.0, floor: float = 0.0, half: float | None = None,
    ) -> ScipyEngine:
        """``ScipyEngine(scipy.stats.<family>(*shapes, loc=loc, scale=scale))``, made on first use.

        Importing ``scipy.stats`` takes longer than validating a scenario, which needs only the
        support and the ends. ``standard`` is the family's support for these (valid) shapes at
        ``loc=0, scale=1``; the support is then computed as scipy does, ``(a * scale + loc,
        b * scale + loc)``. ``floor`` (> 0), if given, is a proven lower bound on ``ppf(0)`` (the
        clipped quantile) for a family unbounded on the left or open at 0. ``half``, if given, is
        scipy's ``ppf(0.5)`` computed as scipy computes it (``0.5 * scale + loc`` for a uniform).
        With a non-finite ``loc`` or ``scale`` the distribution is built at once.
        """
        recipe = (family, shapes, {"loc": loc, "scale": scale})
        if not (math.isfinite(loc) and math.isfinite(scale) and scale > 0.0):
            return cls(_freeze(recipe))
        engine = cls.__new__(cls)
        engine._frozen = None
        engine._recipe = recipe
        engine._floor = floor
        engine._half = half
        a, b = standard
        engine._set_support(a * scale + loc, b * scale + loc)
        return engine

    def _set_support(self, lower: float, upper: float) -> None:
        self.lower, self.upper = lower, upper
        self.exact_ends = math.isfinite(self.lower) and math.isfinite(self.upper)

    @property
    def _dist(self) -> Any:
        if self._frozen is None:
            assert self._recipe is not None
            self._frozen = _freeze(self._recipe)
        return self._frozen

    def median(self) -> float:
        if self._half is not None:  # as ppf does: clipped to the support
            return min(max(self._half, self.lower), self.upper)
        return super().median()

    def reaches_down_to(self, x: float) -> bool:
        if self.exact_ends:
            return self.lower <= x  # ppf(0) is the lower end exactly
        if x < self._floor:
            return False
        return super().reaches_down_to(x)

    def reaches_up_to(self, x: float) -> bool:
        if self.exact_ends:
            return self.upper >= x  # ppf(1) is the upper end exactly
        return super().reaches_up_to(x)

    def ppf(self, u: FloatArray) -> FloatArray:
        values = self.raw_ppf(np.clip(u, TINY, 1.0 - TINY))
        if self.exact_ends:
            values = np.where(u <= 0.0, self.lower, np.where(u >= 1.0, self.upper, values))
        return np.clip(values, self.lower, self.upper)

    def raw_ppf(self, p: FloatArray) -> FloatArray:
        return self._repaired(np.asarray(self._dist.ppf(p), dtype=np.float64), p < 0.5)

    def raw_isf(self, s: FloatArray) -> FloatArray:
        return self._repaired(np.asarray(self._dist.isf(s), dtype=np.float64), s > 0.5)

    def _repaired(self, values: FloatArray, low_end: npt.NDArray[np.bool_]) -> FloatArray:
        # A bounded family's root finder can fail at extreme probabilities; the quantile there is
        # the nearer end of the support to within rounding.
        if self.exact_ends:
            failed = np.isnan(values)
            if failed.any():
                values = np.where(failed, np.where(low_end, self.lower, self.upper), values)
        return values

    def cdf(self, x: float) -> float:
        return float(self._dist.cdf(x))

    def sf(self, x: float) -> float:
        return float(self._dist.sf(x))

    def sf_from(self, x: float) -> float:
        return float(self._dist.sf(x))


def _freeze(recipe: tuple[str, tuple[float, ...], dict[str, float]]) -> Any:
    from scipy import stats

    family, shapes, where = recipe
    return getattr(stats, family)(*shapes, **where)


class EmpiricalEngine(ContinuousEngine):
    """Linear interpolation of the sorted samples ``s[0] <= ... <= s[n-1]``.

    ``ppf(u)`` is the point at position ``u (n - 1)`` along the sorted samples, which is numpy's
    default (``linear``, Hyndman & Fan type 7) percentile: ``ppf(0) = min``, ``ppf(1) = max``, and
    each gap between neighbouring samples holds probability ``1 / (n - 1)``. Repeated samples form
    an atom.
    """

    def __init__(self, samples: Sequence[float]) -> None:
        self._sorted: FloatArray = np.sort(np.asarray(samples, dtype=np.float64))
        self._positions: FloatArray = np.arange(self._sorted.size, dtype=np.float64)
        self._gaps = float(self._sorted.size - 1)
        self.lower = float(self._sorted[0])
        self.upper = float(self._sorted[-1])

    def ppf(self, u: FloatArray) -> FloatArray:
        return np.interp(u * self._gaps, self._positions, self._sorted)

    def _between(self, k: int, x: float) -> float:
        s = self._sorted
        return float((k + (x - s[k]) / (s[k + 1] - s[k])) / self._gaps)

    def cdf(self, x: float) -> float:
        if x < self.lower:
            return 0.0
        if x >= self.upper:
            return 1.0
        # s[k] <= x < s[k + 1]
        return self._between(int(np.searchsorted(self._sorted, x, side="right")) - 1, x)

    def cdf_below(self, x: float) -> float:
        if x <= self.lower:
            return 0.0
        if x > self.upper:
            return 1.0
        # s[k] < x <= s[k + 1]
        return self._between(int(np.searchsorted(self._sorted, x, side="left")) - 1, x)


class TruncatedEngine(Engine):
    """A continuous engine conditioned on ``[lo, hi]``: ``u -> F(lo) + u (F(hi) - F(lo))``.

    The map goes through the survival function instead when the upper end is open and unbounded,
    or ``lo`` lies in the upper half of the distribution: probabilities near 1 lose their precision
    in float64, survival probabilities near 0 do not. ``u`` is clipped to ``[TINY, 1 - TINY]`` so
    open unbounded ends stay finite; a finite end is returned exactly at ``u = 0`` (resp. 1) when
    it is a truncation bound or the base engine has exact ends.
    """

    def __init__(
        self, base: ContinuousEngine, bounds: tuple[float | None, float | None],
        start: float, mass: float, upper_tail: bool,
    ) -> None:
        lo, hi = bounds
        self._base = base
        self._start = start
        self._mass = mass
        self._upper_tail = upper_tail
        self.lower = base.lower if lo is None else max(lo, base.lower)
        self.upper = base.upper if hi is None else min(hi, base.upper)
        cut_lower = lo is not None and lo >= base.lower
        cut_upper = hi is not None and hi <= base.upper
        self._pin_lower = math.isfinite(self.lower) and (cut_lower or base.exact_ends)
        self._pin_upper = math.isfinite(self.upper) and (cut_upper or base.exact_ends)

    @classmethod
    def build(
        cls, base: ContinuousEngine, lo: float | None, hi: float | None
    ) -> TruncatedEngine | None:
        """The truncated engine, or ``None`` if ``[lo, hi]`` has zero probability."""
        below = 0.0 if lo is None else base.cdf_below(lo)
        open_above = hi is None and math.isinf(base.upper)
        upper_tail = open_above or below > 0.5
        if upper_tail:
            start = 1.0 if lo is None else base.sf_from(lo)
            mass = start - (0.0 if hi is None else base.sf(hi))
        else:
            start = below
            mass = (1.0 if hi is None else base.cdf(hi)) - start
        if not mass > 0.0:
            return None
        return cls(base, (lo, hi), start, mass, upper_tail)

    def ppf(self, u: FloatArray) -> FloatArray:
        inner = np.clip(u, TINY, 1.0 - TINY)
        # Rounding may carry a probability a hair outside [0, 1], where scipy answers NaN.
        if self._upper_tail:
            values = self._base.raw_isf(np.clip(self._start - inner * self._mass, 0.0, 1.0))
        else:
            values = self._base.raw_ppf(np.clip(self._start + inner * self._mass, 0.0, 1.0))
        if self._pin_lower:
            values = np.where(u <= 0.0, self.lower, values)
        if self._pin_upper:
            values = np.where(u >= 1.0, self.upper, values)
        return np.clip(values, self.lower, self.upper)

    def truncated(self, lo: float | None, hi: float | None) -> Engine | None:
        raise TypeError("a truncated engine is not truncated again; truncate the base engine")
