"""The parametric families: fixed, uniform, loguniform, normal, lognormal, triangular, pert, beta.

Each model checks its parameters with messages such as ``low=5.0 must be less than high=3.0`` and
builds its engine once, when validated; the frozen scipy distribution behind it is made on first
use (validation needs only the support, which is computed as scipy does), so that checking a
scenario does not import ``scipy.stats``.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field

from sim.distributions._common import OptionalReal, Real, fail
from sim.distributions.base import BaseDistribution, Truncatable
from sim.distributions.engines import Engine, FixedEngine, ScipyEngine
from sim.distributions.percentiles import PercentileForm

__all__ = ["Beta", "Fixed", "LogNormal", "LogUniform", "Normal", "Pert", "Triangular", "Uniform"]


def _positive(name: str, value: float) -> None:
    if not value > 0.0:
        fail(f"{name}={value!r} must be > 0", at=name, value=value)


def _ordered(low: float, high: float) -> None:
    if not low < high:
        fail(f"low={low!r} must be less than high={high!r}", at="low", value=low)


def _mode_within(low: float, mode: float, high: float) -> None:
    _ordered(low, high)
    if not low <= mode <= high:
        fail(f"mode={mode!r} must lie within [low={low!r}, high={high!r}]", at="mode", value=mode)


# scipy.special.ndtri at the percentiles a user may give (a test checks them), so that fitting a
# percentile form does not import scipy.
_NDTRI = {
    0.05: -1.6448536269514729,
    0.10: -1.2815515655446004,
    0.25: -0.6744897501960817,
    0.50: 0.0,
    0.75: 0.6744897501960817,
    0.90: 1.2815515655446004,
    0.95: 1.6448536269514722,
}

# ndtri(2**-53), less a margin: the clipped ppf(0) of a lognormal is at least
# ``median * exp(sigma * _Z_TINY)`` (see LogNormal._make_base_engine).
_Z_TINY = -8.2095361516013870 - 1e-6


def _z(p: float) -> float:
    if p in _NDTRI:
        return _NDTRI[p]
    from scipy.special import ndtri

    return float(ndtri(p))


def _positive_quantiles(kind: str, *quantiles: tuple[str, float]) -> None:
    for name, value in quantiles:
        if not value > 0.0:
            fail(f"{name}={value!r} must be > 0 for a {kind} distribution", at=name, value=value)


class Fixed(BaseDistribution):
    """A known constant written as a distribution: ``{dist: fixed, value: 3}``."""

    dist: Literal["fixed"] = "fixed"
    value: Real = Field(description="The constant.")

    def _make_base_engine(self) -> Engine:
        return FixedEngine(self.value)

    def median(self) -> float:
        return self.value


class Uniform(PercentileForm):
    """``{dist: uniform, low: 1, high: 2}``; from percentiles, the endpoints are extrapolated."""

    parameter_names = ("low", "high")
    dist: Literal["uniform"] = "uniform"
    low: OptionalReal = Field(default=None, description="Lower end.")
    high: OptionalReal = Field(default=None, description="Upper end (> low).")

    @classmethod
    def _fit(cls, lower: tuple[float, float], upper: tuple[float, float]) -> tuple[float, float]:
        (pa, xa), (pb, xb) = lower, upper
        width = (xb - xa) / (pb - pa)
        return xa - pa * width, xb + (1.0 - pb) * width

    def _make_base_engine(self) -> Engine:
        low, high = self.parameters()
        _ordered(low, high)
        scale = high - low
        return ScipyEngine.deferred(
            "uniform", (), (0.0, 1.0), loc=low, scale=scale, half=0.5 * scale + low
        )


class LogUniform(PercentileForm):
    """``{dist: loguniform, low: 0.1, high: 10}``: uniform in log-value, ``0 < low < high``."""

    parameter_names = ("low", "high")
    dist: Literal["loguniform"] = "loguniform"
    low: OptionalReal = Field(default=None, description="Lower end (> 0).")
    high: OptionalReal = Field(default=None, description="Upper end (> low).")

    @classmethod
    def _fit(cls, lower: tuple[float, float], upper: tuple[float, float]) -> tuple[float, float]:
        (pa, xa), (pb, xb) = lower, upper
        _positive_quantiles("loguniform", (_name(pa), xa), (_name(pb), xb))
        width = (math.log(xb) - math.log(xa)) / (pb - pa)
        return math.exp(math.log(xa) - pa * width), math.exp(math.log(xb) + (1.0 - pb) * width)

    def _make_base_engine(self) -> Engine:
        low, high = self.parameters()
        _positive("low", low)
        _ordered(low, high)
        return ScipyEngine.deferred("loguniform", (low, high), (low, high))


class Normal(PercentileForm):
    """``{dist: normal, mean: 0, sd: 1}``."""

    parameter_names = ("mean", "sd")
    dist: Literal["normal"] = "normal"
    mean: OptionalReal = Field(default=None, description="Mean.")
    sd: OptionalReal = Field(default=None, description="Standard deviation (> 0).")

    @classmethod
    def _fit(cls, lower: tuple[float, float], upper: tuple[float, float]) -> tuple[float, float]:
        (pa, xa), (pb, xb) = lower, upper
        za, zb = _z(pa), _z(pb)
        sd = (xb - xa) / (zb - za)
        return xa - sd * za, sd

    def _make_base_engine(self) -> Engine:
        mean, sd = self.parameters()
        _positive("sd", sd)
        infinity = math.inf
        return ScipyEngine.deferred("norm", (), (-infinity, infinity), loc=mean, scale=sd)


class LogNormal(PercentileForm):
    """``{dist: lognormal, median: 20, sigma: 0.5}``; ``sigma`` is the sd of the log."""

    parameter_names = ("median", "sigma")
    dist: Literal["lognormal"] = "lognormal"
    median_: OptionalReal = Field(
        default=None, alias="median", description="Median (> 0), i.e. exp of the log's mean."
    )
    sigma: OptionalReal = Field(default=None, description="Standard deviation of the log (> 0).")

    @classmethod
    def _fit(cls, lower: tuple[float, float], upper: tuple[float, float]) -> tuple[float, float]:
        (pa, xa), (pb, xb) = lower, upper
        _positive_quantiles("lognormal", (_name(pa), xa), (_name(pb), xb))
        za, zb = _z(pa), _z(pb)
        sigma = (math.log(xb) - math.log(xa)) / (zb - za)
        return math.exp(math.log(xa) - sigma * za), sigma

    def _make_base_engine(self) -> Engine:
        median, sigma = self.parameters()
        _positive("median", median)
        _positive("sigma", sigma)
        # A floor well inside the normal floats is a proven lower bound on ppf(0); near underflow
        # there is none (0), and a domain check asks scipy.
        log_floor = math.log(median) + sigma * _Z_TINY - 1e-6
        floor = math.exp(log_floor) if log_floor > -700.0 else 0.0
        return ScipyEngine.deferred(
            "lognorm", (sigma,), (0.0, math.inf), scale=median, floor=floor
        )


class Triangular(Truncatable):
    """``{dist: triangular, low: 1, mode: 2, high: 5}``."""

    dist: Literal["triangular"] = "triangular"
    low: Real = Field(description="Lower end.")
    mode: Real = Field(description="Most likely value, within [low, high].")
    high: Real = Field(description="Upper end (> low).")

    def _make_base_engine(self) -> Engine:
        _mode_within(self.low, self.mode, self.high)
        width = self.high - self.low
        c = (self.mode - self.low) / width
        return ScipyEngine.deferred("triang", (c,), (0.0, 1.0), loc=self.low, scale=width)


class Pert(Truncatable):
    """Modified PERT ``{dist: pert, low: 1, mode: 2, high: 5, shape: 4}``.

    A beta on [low, high] with ``alpha = 1 + shape (mode - low) / (high - low)`` and
    ``beta = 1 + shape (high - mode) / (high - low)``; ``shape = 4`` is the classic PERT.
    """

    dist: Literal["pert"] = "pert"
    low: Real = Field(description="Lower end.")
    mode: Real = Field(description="Most likely value, within [low, high].")
    high: Real = Field(description="Upper end (> low).")
    shape: Real = Field(default=4.0, description="Concentration around the mode (> 0).")

    def _make_base_engine(self) -> Engine:
        _mode_within(self.low, self.mode, self.high)
        _positive("shape", self.shape)
        width = self.high - self.low
        a = 1.0 + self.shape * (self.mode - self.low) / width
        b = 1.0 + self.shape * (self.high - self.mode) / width
        return ScipyEngine.deferred("beta", (a, b), (0.0, 1.0), loc=self.low, scale=width)


class Beta(Truncatable):
    """``{dist: beta, alpha: 2, beta: 5, low: 0, high: 1}``: a beta rescaled to [low, high]."""

    dist: Literal["beta"] = "beta"
    alpha: Real = Field(description="First shape parameter (> 0).")
    beta: Real = Field(description="Second shape parameter (> 0).")
    low: Real = Field(default=0.0, description="Lower end.")
    high: Real = Field(default=1.0, description="Upper end (> low).")

    def _make_base_engine(self) -> Engine:
        _positive("alpha", self.alpha)
        _positive("beta", self.beta)
        _ordered(self.low, self.high)
        return ScipyEngine.deferred(
            "beta", (self.alpha, self.beta), (0.0, 1.0), loc=self.low, scale=self.high - self.low
        )


def _name(probability: float) -> str:
    return f"p{round(probability * 100)}"
