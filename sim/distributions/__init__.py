"""Uncertain numeric inputs: every numeric scenario field may be a constant or a distribution.

In YAML a distribution is a mapping discriminated on ``dist``::

    capex: {dist: lognormal, p5: 10, p95: 40}
    share: {dist: beta, alpha: 2, beta: 5, truncate: [0.05, null]}

Each distribution model offers ``ppf(u)`` (the vectorised quantile function, used to turn a design's
unit-cube points into inputs), ``support()`` and ``median()``. Scenario fields are annotated with
:data:`Quantity` or one of its bounded variants.
"""

from __future__ import annotations

from sim.distributions.base import BaseDistribution
from sim.distributions.families import (
    Beta,
    Fixed,
    LogNormal,
    LogUniform,
    Normal,
    Pert,
    Triangular,
    Uniform,
)
from sim.distributions.percentiles import PERCENTILES, PercentileForm
from sim.distributions.quantity import (
    FractionQuantity,
    NonNegativeQuantity,
    PositiveQuantity,
    Quantity,
    as_distribution,
    is_uncertain,
    nominal,
    quantity,
)
from sim.distributions.tabulated import Choice, Empirical
from sim.distributions.union import DISTRIBUTION_KINDS, Distribution, distribution_class

__all__ = [
    "DISTRIBUTION_KINDS",
    "PERCENTILES",
    "BaseDistribution",
    "Beta",
    "Choice",
    "Distribution",
    "Empirical",
    "Fixed",
    "FractionQuantity",
    "LogNormal",
    "LogUniform",
    "NonNegativeQuantity",
    "Normal",
    "PercentileForm",
    "Pert",
    "PositiveQuantity",
    "Quantity",
    "Triangular",
    "Uniform",
    "as_distribution",
    "distribution_class",
    "is_uncertain",
    "nominal",
    "quantity",
]
