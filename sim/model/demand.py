"""Token demand over time: anchored path, an exponential or saturating tail, monthly noise.

Demand in tokens/s at month ``t`` is ``smooth(t) x noise(floor(t))``:

- ``smooth`` is log-linear between the start value and the points of ``path`` (points fall on
  month starts), then, after the last point ``(t_L, D_L)``, either exponential,
  ``D_L g^((t - t_L)/12)`` with ``g = growth_per_year``, or, when a ceiling ``K`` is given,
  logistic: ``K / (1 + A exp(-r (t - t_L)))`` with ``A = (K - D_L) / D_L`` and ``r = ln(g)/12``
  (growth starts at ``g`` a year and slows toward ``K``; a level above ``K`` falls toward it);
- ``noise(m) = exp(sigma z_m - sigma^2 / 2)``, ``z_m`` standard normal from the keyed stream
  ``demand:volatility``, one per month (mean 1; ``sigma = volatility_per_month``).

Month starts are events of the engine, so every interval the engine integrates lies inside one
month and one piece of the path, where demand is a :class:`Segment` whose integral and level
crossings are exact (:func:`sim.model.inference.serve` uses them).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sim.model.inputs import DemandInputs

__all__ = ["DemandPath", "Exponential", "Logistic", "Segment"]


class Segment:
    """Demand on an interval, in local time ``tau`` (months) from the interval's start: the
    level (tokens/s), its exact integral, and when it crosses a level (monotone)."""

    def at(self, tau: float) -> float:
        raise NotImplementedError

    def integral(self, a: float, b: float) -> float:
        """``integral_a^b D(tau) d tau`` in tokens/s x months."""
        raise NotImplementedError

    def crossing(self, level: float) -> float | None:
        """The ``tau`` at which ``D(tau) == level``, or None if it never does."""
        raise NotImplementedError


@dataclass(slots=True)  # not frozen: a frozen init costs 5x, and one is made per event
class Exponential(Segment):
    """``D(tau) = d0 exp(rate tau)``."""

    d0: float
    rate: float  # per month

    def at(self, tau: float) -> float:
        return self.d0 * math.exp(self.rate * tau)

    def integral(self, a: float, b: float) -> float:
        span = b - a
        x = self.rate * span
        # (e^x - 1) / r: expm1 keeps precision for small x; below 1e-8 (or when r is so tiny
        # that x underflows) the series span x (1 + x/2) is exact to double precision
        factor = span * (1.0 + x / 2.0) if abs(x) < 1e-8 else math.expm1(x) / self.rate
        return self.d0 * math.exp(self.rate * a) * factor

    def crossing(self, level: float) -> float | None:
        if self.rate == 0.0 or self.d0 <= 0.0 or level <= 0.0:
            return None
        # two logs, not log(level / d0): the ratio of a subnormal level underflows to 0
        return (math.log(level) - math.log(self.d0)) / self.rate


@dataclass(slots=True)  # not frozen: a frozen init costs 5x, and one is made per event
class Logistic(Segment):
    """``D(tau) = k / (1 + a exp(-rate tau))`` with ``a > -1`` (``a < 0``: above the ceiling,
    falling toward it)."""

    k: float
    a: float
    rate: float  # per month, > 0

    def at(self, tau: float) -> float:
        return self.k / (1.0 + self.a * math.exp(-self.rate * tau))

    def _log_term(self, tau: float) -> float:
        # ln(1 + a e^{-r tau}); the integral is (k / r) [r tau + this] between the bounds
        return math.log1p(self.a * math.exp(-self.rate * tau))

    def integral(self, a: float, b: float) -> float:
        span = b - a
        if abs(self.rate * span) < 1e-8:
            return self.at((a + b) / 2.0) * span
        return self.k * (span + (self._log_term(b) - self._log_term(a)) / self.rate)

    def crossing(self, level: float) -> float | None:
        if level <= 0.0 or self.a == 0.0:
            return None
        ratio = (self.k / level - 1.0) / self.a
        if ratio <= 0.0:
            return None
        return -math.log(ratio) / self.rate


class DemandPath:
    """One replication's demand (see the module docstring)."""

    def __init__(self, d: DemandInputs, noise: npt.NDArray[np.float64] | None = None) -> None:
        self._points: list[tuple[float, float]] = [(0.0, d.tokens_per_day / 86400.0)]
        self._points += [(t, v / 86400.0) for t, v in d.path]
        self._tail_rate = math.log(d.growth_per_year) / 12.0
        self._ceiling = d.ceiling_tokens_per_day / 86400.0
        self._noise = noise

    def noise(self, month: int) -> float:
        """The demand multiplier of month ``month`` (1 without volatility)."""
        if self._noise is None:
            return 1.0
        return float(self._noise[min(max(month, 0), len(self._noise) - 1)])

    def _smooth(self, t: float) -> Segment:
        """The smooth path's piece containing ``t``, in local time from ``t``."""
        points = self._points
        for (t0, v0), (t1, v1) in itertools.pairwise(points):
            if t < t1:
                rate = math.log(v1 / v0) / (t1 - t0)
                return Exponential(v0 * math.exp(rate * (t - t0)), rate)
        t_last, v_last = points[-1]
        tau = t - t_last
        if math.isinf(self._ceiling) or self._tail_rate <= 0.0:
            return Exponential(v_last * math.exp(self._tail_rate * tau), self._tail_rate)
        a = (self._ceiling - v_last) / v_last
        return Logistic(self._ceiling, a * math.exp(-self._tail_rate * tau), self._tail_rate)

    def segment(self, t: float) -> Segment:
        """Demand from ``t`` to the next month start, in local time from ``t``."""
        smooth = self._smooth(t)
        factor = self.noise(math.floor(t + 1e-9))
        if factor == 1.0:
            return smooth
        if isinstance(smooth, Exponential):
            return Exponential(smooth.d0 * factor, smooth.rate)
        assert isinstance(smooth, Logistic)
        return Logistic(smooth.k * factor, smooth.a, smooth.rate)

    def at(self, t: float) -> float:
        """Demand at month ``t``, tokens/s."""
        return self.segment(t).at(0.0)

    def month_end(self, month: int) -> float:
        """Demand at the end of month ``month`` (its noise, the path's level at ``month + 1``),
        tokens/s: what inference is sized to during that month."""
        return self._smooth(float(month + 1)).at(0.0) * self.noise(month)
