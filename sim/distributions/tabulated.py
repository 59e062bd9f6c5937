"""Distributions given by data rather than parameters: ``choice`` and ``empirical``."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field

from sim.distributions._common import Real, fail
from sim.distributions.base import Truncatable
from sim.distributions.engines import ChoiceEngine, EmpiricalEngine, Engine

__all__ = ["WEIGHT_TOLERANCE", "Choice", "Empirical"]

WEIGHT_TOLERANCE = 1e-9
"""How far the weights of a ``choice`` may sum from 1."""


class Choice(Truncatable):
    """``{dist: choice, values: [1, 2, 4], weights: [0.5, 0.3, 0.2]}``; weights default to equal.

    The quantile function is the discrete inverse CDF: ``ppf(u)`` is the smallest value ``v`` with
    ``P(X <= v) >= u``. Truncation keeps the values inside ``[lo, hi]`` and renormalises.
    """

    dist: Literal["choice"] = "choice"
    values: tuple[Real, ...] = Field(description="The possible values.")
    weights: tuple[Real, ...] | None = Field(
        default=None,
        description="Their probabilities: one per value, each > 0, summing to 1. Omit for equal.",
    )

    def _make_base_engine(self) -> Engine:
        count = len(self.values)
        if count == 0:
            fail("values must list at least one value", at="values", value=[])
        if self.weights is None:
            return ChoiceEngine(self.values, [1.0 / count] * count)
        if len(self.weights) != count:
            fail(
                f"got {len(self.weights)} weights for {count} values; give one weight per value",
                at="weights",
                value=list(self.weights),
            )
        for index, weight in enumerate(self.weights):
            if not weight > 0.0:
                message = f"weights[{index}]={weight!r} must be > 0"
                fail(message, at=("weights", index), value=weight)
        total = math.fsum(self.weights)
        if abs(total - 1.0) > WEIGHT_TOLERANCE:
            fail(
                f"weights must sum to 1 (within 1e-9), but they sum to {total!r}",
                at="weights",
                value=list(self.weights),
            )
        return ChoiceEngine(self.values, self.weights)


class Empirical(Truncatable):
    """``{dist: empirical, samples: [3.1, 4.0, 2.2, ...]}``: the distribution of observed values.

    The quantile function linearly interpolates the sorted samples (numpy's default ``linear``
    percentile): with ``n`` samples, ``ppf(u)`` is the point at position ``u (n - 1)`` along them,
    so ``ppf(0)`` is the smallest sample, ``ppf(1)`` the largest and ``median()`` numpy's median.
    """

    dist: Literal["empirical"] = "empirical"
    samples: tuple[Real, ...] = Field(
        description="Observed values (at least 2); quantiles interpolate them linearly."
    )

    def _make_base_engine(self) -> Engine:
        if len(self.samples) < 2:
            fail(
                f"an empirical distribution needs at least 2 samples, got {len(self.samples)}",
                at="samples",
                value=list(self.samples),
            )
        return EmpiricalEngine(self.samples)
