"""sim.distributions: quantile functions, percentile fits, truncation, validation messages."""

from __future__ import annotations

import math
import pickle
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter, ValidationError
from scipy import stats

from sim.distributions import (
    DISTRIBUTION_KINDS,
    PERCENTILES,
    BaseDistribution,
    Distribution,
    Fixed,
    FractionQuantity,
    LogNormal,
    NonNegativeQuantity,
    Normal,
    PositiveQuantity,
    Quantity,
    Uniform,
    as_distribution,
    distribution_class,
    is_uncertain,
    nominal,
    quantity,
)
from sim.schema.base import StrictModel

QUANTITY = TypeAdapter(Quantity)
DISTRIBUTION = TypeAdapter(Distribution)
ENTROPY = 0x5EED_CA9E


def uniforms(n: int, key: int = 0) -> np.ndarray:
    """``n`` uniform(0, 1) draws from a stream derived by key from a fixed SeedSequence."""
    return np.random.default_rng(np.random.SeedSequence(ENTROPY, spawn_key=(key,))).random(n)


def dist(**fields: Any) -> BaseDistribution:
    value = DISTRIBUTION.validate_python(fields)
    assert isinstance(value, BaseDistribution)
    return value


def errors(value: Any, adapter: TypeAdapter[Any] = QUANTITY) -> list[tuple[tuple[Any, ...], str]]:
    with pytest.raises(ValidationError) as info:
        adapter.validate_python(value)
    return [(tuple(e["loc"]), e["msg"]) for e in info.value.errors()]


def error(value: Any, adapter: TypeAdapter[Any] = QUANTITY) -> str:
    """The single error message for ``value`` (there must be exactly one, at the value itself)."""
    (found,) = errors(value, adapter)
    assert found[0] == ()
    return found[1]


# --- each family against scipy ---

CONTINUOUS = [
    pytest.param({"dist": "uniform", "low": 1, "high": 3}, stats.uniform(1, 2), id="uniform"),
    pytest.param(
        {"dist": "loguniform", "low": 0.1, "high": 10}, stats.loguniform(0.1, 10), id="loguniform"
    ),
    pytest.param({"dist": "normal", "mean": 5, "sd": 2}, stats.norm(5, 2), id="normal"),
    pytest.param(
        {"dist": "lognormal", "median": 20, "sigma": 0.5},
        stats.lognorm(s=0.5, scale=20),
        id="lognormal",
    ),
    pytest.param(
        {"dist": "triangular", "low": 1, "mode": 2, "high": 5},
        stats.triang(0.25, loc=1, scale=4),
        id="triangular",
    ),
    pytest.param(
        {"dist": "pert", "low": 1, "mode": 2, "high": 5},
        stats.beta(2, 4, loc=1, scale=4),  # alpha = 1 + 4 * 1/4, beta = 1 + 4 * 3/4
        id="pert",
    ),
    pytest.param(
        {"dist": "pert", "low": 0, "mode": 1, "high": 4, "shape": 8},
        stats.beta(3, 7, loc=0, scale=4),
        id="pert-shape",
    ),
    pytest.param({"dist": "beta", "alpha": 2, "beta": 5}, stats.beta(2, 5), id="beta"),
    pytest.param(
        {"dist": "beta", "alpha": 0.5, "beta": 0.5, "low": -1, "high": 1},
        stats.beta(0.5, 0.5, loc=-1, scale=2),
        id="beta-scaled",
    ),
]


@pytest.mark.parametrize(("fields", "reference"), CONTINUOUS)
def test_ppf_of_uniform_draws_follows_the_scipy_distribution(
    fields: dict[str, Any], reference: Any
) -> None:
    values = dist(**fields).ppf(uniforms(2000))
    assert values.dtype == np.float64
    assert stats.kstest(values, reference.cdf).pvalue > 0.001


@pytest.mark.parametrize(("fields", "reference"), CONTINUOUS)
def test_ppf_matches_scipy_quantiles(fields: dict[str, Any], reference: Any) -> None:
    u = np.array([0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99])
    d = dist(**fields)
    np.testing.assert_allclose(d.ppf(u), reference.ppf(u), rtol=1e-12)
    assert d.median() == pytest.approx(reference.median(), rel=1e-12)


@pytest.mark.parametrize(
    ("fields", "u", "expected"),
    [
        ({"dist": "uniform", "low": 1, "high": 3}, [0, 0.25, 1], [1, 1.5, 3]),
        ({"dist": "loguniform", "low": 0.1, "high": 10}, [0, 0.5, 1], [0.1, 1, 10]),
        ({"dist": "normal", "mean": 5, "sd": 2}, [0.5, 0.975], [5, 5 + 2 * 1.959963984540054]),
        (
            {"dist": "lognormal", "median": 20, "sigma": 0.5},
            [0.5, 0.8413447460685429],  # Phi(1)
            [20, 20 * math.exp(0.5)],
        ),
        # F(x) = x^2 / 2 on [0, 1] for the symmetric triangle on [0, 2]
        ({"dist": "triangular", "low": 0, "mode": 1, "high": 2}, [0.125, 0.5], [0.5, 1]),
        ({"dist": "pert", "low": 0, "mode": 1, "high": 2}, [0, 0.5, 1], [0, 1, 2]),
        ({"dist": "beta", "alpha": 1, "beta": 1, "low": 2, "high": 4}, [0.25, 0.5], [2.5, 3]),
        ({"dist": "fixed", "value": 7}, [0, 0.5, 1], [7, 7, 7]),
        ({"dist": "empirical", "samples": [3, 0, 1]}, [0, 0.25, 0.5, 0.75, 1], [0, 0.5, 1, 2, 3]),
        (
            {"dist": "choice", "values": [4, 1, 2], "weights": [0.2, 0.5, 0.3]},
            [0, 0.5, 0.5000001, 0.8, 0.81, 1],
            [1, 1, 2, 2, 4, 4],
        ),
    ],
)
def test_known_quantiles(fields: dict[str, Any], u: list[float], expected: list[float]) -> None:
    np.testing.assert_allclose(dist(**fields).ppf(np.array(u)), expected, rtol=1e-12, atol=1e-15)


def test_empirical_follows_linear_interpolation_of_the_samples() -> None:
    samples = [0.0, 1.0, 3.0, 3.5, 10.0]
    values = dist(dist="empirical", samples=samples).ppf(uniforms(2000, key=1))
    positions = np.linspace(0.0, 1.0, len(samples))
    assert stats.kstest(values, lambda x: np.interp(x, samples, positions)).pvalue > 0.001
    assert dist(dist="empirical", samples=samples).median() == np.median(samples)


def test_choice_frequencies_match_the_weights() -> None:
    weights = np.array([0.5, 0.3, 0.2])
    values = dist(dist="choice", values=[1, 2, 4], weights=weights.tolist()).ppf(uniforms(5000))
    counts = np.array([(values == v).sum() for v in (1, 2, 4)])
    assert counts.sum() == values.size
    assert stats.chisquare(counts, weights * values.size).pvalue > 0.001


def test_choice_without_weights_is_uniform_over_the_values() -> None:
    d = dist(dist="choice", values=[10, 20, 30, 40])
    np.testing.assert_array_equal(
        d.ppf(np.array([0.25, 0.26, 0.5, 0.51, 1.0])), [10, 20, 20, 30, 40]
    )
    assert d.support() == (10.0, 40.0)


def test_unbounded_families_stay_finite_at_0_and_1() -> None:
    for d in (
        dist(dist="normal", mean=0, sd=1),
        dist(dist="lognormal", median=1, sigma=2),
        dist(dist="normal", mean=0, sd=1, truncate=[0, None]),
    ):
        ends = d.ppf(np.array([0.0, 1.0]))
        assert np.isfinite(ends).all()
        assert ends[0] < d.median() < ends[1]
    assert dist(dist="lognormal", median=1, sigma=2).ppf(np.array(0.0)) > 0.0
    assert dist(dist="normal", mean=0, sd=1).support() == (-math.inf, math.inf)


def test_ppf_keeps_the_shape_and_rejects_points_outside_the_unit_interval() -> None:
    d = dist(dist="uniform", low=0, high=4)
    assert d.ppf(np.full((2, 3), 0.5)).shape == (2, 3)
    assert float(d.ppf(0.25)) == 1.0
    for bad in (np.array([0.5, 1.5]), np.array([-0.1]), np.array([math.nan])):
        with pytest.raises(ValueError, match=r"in \[0, 1\]"):
            d.ppf(bad)


# --- percentile form ---


@pytest.mark.parametrize("kind", ["normal", "lognormal", "uniform", "loguniform"])
@pytest.mark.parametrize(
    "quantiles",
    [
        {"p5": 10.0, "p95": 40.0},
        {"p10": 2.0, "p50": 3.0},
        {"p25": 0.5, "p75": 0.75},
        {"p90": 1e6, "p95": 3e6},
    ],
)
def test_percentiles_are_reproduced(kind: str, quantiles: dict[str, float]) -> None:
    d = dist(dist=kind, **quantiles)
    u = np.array([PERCENTILES[name] for name in quantiles])
    np.testing.assert_allclose(d.ppf(u), list(quantiles.values()), rtol=1e-9)


@given(
    kind=st.sampled_from(["normal", "lognormal", "uniform", "loguniform"]),
    names=st.lists(st.sampled_from(sorted(PERCENTILES)), min_size=2, max_size=2, unique=True),
    low=st.floats(1e-3, 1e3),
    ratio=st.floats(1.001, 1e3),
)
def test_percentiles_are_reproduced_for_any_pair(
    kind: str, names: list[str], low: float, ratio: float
) -> None:
    names.sort(key=PERCENTILES.__getitem__)
    d = dist(dist=kind, **{names[0]: low, names[1]: low * ratio})
    u = np.array([PERCENTILES[name] for name in names])
    np.testing.assert_allclose(d.ppf(u), [low, low * ratio], rtol=1e-9)


def test_percentile_form_resolves_to_parameters_and_keeps_its_form() -> None:
    d = dist(dist="normal", p5=10, p95=40)
    assert isinstance(d, Normal)
    resolved = d.resolved()
    assert resolved.mean == pytest.approx(25.0)
    assert resolved.sd == pytest.approx(15.0 / 1.6448536269514722)
    assert d.model_dump() == {"dist": "normal", "p5": 10.0, "p95": 40.0}
    lognormal = dist(dist="lognormal", p5=10, p95=40)
    assert isinstance(lognormal, LogNormal)
    assert lognormal.parameters()[0] == pytest.approx(20.0)  # the geometric mean of 10 and 40
    uniform = dist(dist="uniform", p25=2, p75=4)
    assert isinstance(uniform, Uniform)
    assert uniform.parameters() == pytest.approx((1.0, 5.0))
    assert dist(dist="loguniform", p25=2, p75=8).support() == pytest.approx((1.0, 16.0))


# --- truncation ---


@pytest.mark.parametrize(
    ("fields", "lo", "hi"),
    [
        ({"dist": "normal", "mean": 0, "sd": 1, "truncate": [-0.5, 2]}, -0.5, 2),
        ({"dist": "normal", "mean": -3, "sd": 1, "truncate": [0, None]}, 0, math.inf),
        ({"dist": "lognormal", "median": 10, "sigma": 1, "truncate": [None, 12]}, 0, 12),
        ({"dist": "pert", "low": 0, "mode": 1, "high": 5, "truncate": [0.5, 1.5]}, 0.5, 1.5),
        ({"dist": "empirical", "samples": [0, 1, 2, 2, 5], "truncate": [1.5, 4]}, 1.5, 4),
        ({"dist": "choice", "values": [1, 2, 3, 4], "truncate": [1.5, 3]}, 2, 3),
        ({"dist": "uniform", "low": 0, "high": 10, "truncate": [-5, 4]}, 0, 4),
    ],
)
def test_truncated_samples_stay_in_bounds(fields: dict[str, Any], lo: float, hi: float) -> None:
    d = dist(**fields)
    assert d.support() == (lo, hi)
    u = np.concatenate([[0.0, 1.0], uniforms(2000, key=2)])
    values = d.ppf(u)
    assert np.isfinite(values).all()
    assert values.min() >= lo
    assert values.max() <= hi
    assert np.all(np.diff(d.ppf(np.sort(u))) >= 0)


def test_truncated_medians_computed_by_hand() -> None:
    # Half-normal: P(0 <= X <= m) = 1/4 of the whole, so m = Phi^-1(3/4).
    assert dist(dist="normal", mean=0, sd=1, truncate=[0, None]).median() == pytest.approx(
        0.6744897501960817, rel=1e-12
    )
    # Uniform on [2, 10]: the midpoint.
    assert dist(dist="uniform", low=0, high=10, truncate=[2, None]).median() == pytest.approx(6.0)
    # Lognormal below its median: exp(Phi^-1(1/4)).
    assert dist(dist="lognormal", median=1, sigma=1, truncate=[None, 1]).median() == pytest.approx(
        math.exp(-0.6744897501960817), rel=1e-12
    )
    # Choice on {2, 4} with weights 0.3 and 0.2, renormalised to 0.6 and 0.4.
    choice = dist(dist="choice", values=[1, 2, 4], weights=[0.5, 0.3, 0.2], truncate=[2, None])
    np.testing.assert_array_equal(choice.ppf(np.array([0, 0.6, 0.61, 1])), [2, 2, 4, 4])


def test_truncation_far_in_the_upper_tail_keeps_its_precision() -> None:
    d = dist(dist="normal", mean=0, sd=1, truncate=[10, 11])
    median = d.median()
    # Half the mass of [10, 11] lies above the median.
    assert stats.norm.sf(median) == pytest.approx(
        (stats.norm.sf(10) + stats.norm.sf(11)) / 2, rel=1e-9, abs=0
    )
    assert 10 < median < 10.1
    values = d.ppf(uniforms(1000, key=3))
    assert values.min() >= 10
    assert values.max() <= 11


def test_truncated_endpoints_are_exact() -> None:
    d = dist(dist="normal", mean=1, sd=1, truncate=[0, 3])
    np.testing.assert_array_equal(d.ppf(np.array([0.0, 1.0])), [0.0, 3.0])


# --- validation messages ---

KINDS = ", ".join(DISTRIBUTION_KINDS)
EXAMPLE = "{dist: uniform, low: 1, high: 2}"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", f"expected a number or a distribution mapping such as {EXAMPLE}, got 'abc'"),
        (True, f"expected a number or a distribution mapping such as {EXAMPLE}, got true"),
        (None, f"expected a number or a distribution mapping such as {EXAMPLE}, got null"),
        ([1, 2], f"expected a number or a distribution mapping such as {EXAMPLE}, got [1, 2]"),
        (math.nan, "expected a finite number, got nan"),
        (math.inf, "expected a finite number, got inf"),
        (
            {"low": 1, "high": 2},
            f"a distribution needs a dist key, one of: {KINDS}; e.g. {EXAMPLE}",
        ),
        (
            {"dist": "normal", "mean": 1, "sd": 2, "p5": 0, "p95": 4},
            "give either mean and sd or two percentiles, not both (got mean, sd, p5, p95); "
            "write {dist: normal, mean: 1.0, sd: 2.0} or {dist: normal, p5: 0.0, p95: 4.0}",
        ),
        (
            {"dist": "lognormal", "median": 3, "p50": 3},
            "give either median and sigma or two percentiles, not both (got median, p50); "
            "write {dist: lognormal, median: 3.0, sigma: ...} "
            "or {dist: lognormal, p5: ..., p95: ...}",
        ),
        (
            {"dist": "normal", "p50": 3},
            "a normal distribution needs exactly two percentiles, got only p50=3.0; "
            "add another, e.g. {dist: normal, p50: 3.0, p95: ...}",
        ),
        (
            {"dist": "uniform", "p95": 3},
            "a uniform distribution needs exactly two percentiles, got only p95=3.0; "
            "add another, e.g. {dist: uniform, p5: ..., p95: 3.0}",
        ),
        (
            {"dist": "lognormal", "p5": 1, "p50": 2, "p95": 4},
            "a lognormal distribution needs exactly two percentiles, got 3 "
            "(p5=1.0, p50=2.0, p95=4.0); keep two, e.g. {dist: lognormal, p5: 1.0, p95: 4.0}",
        ),
        (
            {"dist": "normal", "mean": 1},
            "a normal distribution needs sd: write {dist: normal, mean: 1.0, sd: ...}, "
            "or give two percentiles such as {dist: normal, p5: ..., p95: ...}",
        ),
        (
            {"dist": "loguniform"},
            "a loguniform distribution needs low and high: write "
            "{dist: loguniform, low: ..., high: ...}, or give two percentiles such as "
            "{dist: loguniform, p5: ..., p95: ...}",
        ),
    ],
)
def test_validation_message_for_the_whole_value(value: Any, message: str) -> None:
    assert errors(value) == [((), message)]


@pytest.mark.parametrize(
    ("value", "loc", "message"),
    [
        ({"dist": "uniform", "low": 5, "high": 3}, "low", "low=5.0 must be less than high=3.0"),
        ({"dist": "loguniform", "low": 0, "high": 3}, "low", "low=0.0 must be > 0"),
        ({"dist": "normal", "mean": 0, "sd": -1}, "sd", "sd=-1.0 must be > 0"),
        ({"dist": "lognormal", "median": -2, "sigma": 1}, "median", "median=-2.0 must be > 0"),
        ({"dist": "lognormal", "median": 2, "sigma": 0}, "sigma", "sigma=0.0 must be > 0"),
        (
            {"dist": "triangular", "low": 1, "mode": 7, "high": 5},
            "mode",
            "mode=7.0 must lie within [low=1.0, high=5.0]",
        ),
        (
            {"dist": "triangular", "low": 5, "mode": 5, "high": 5},
            "low",
            "low=5.0 must be less than high=5.0",
        ),
        (
            {"dist": "pert", "low": 1, "mode": 0, "high": 5},
            "mode",
            "mode=0.0 must lie within [low=1.0, high=5.0]",
        ),
        (
            {"dist": "pert", "low": 1, "mode": 2, "high": 5, "shape": -1},
            "shape",
            "shape=-1.0 must be > 0",
        ),
        ({"dist": "beta", "alpha": 0, "beta": 1}, "alpha", "alpha=0.0 must be > 0"),
        ({"dist": "beta", "alpha": 1, "beta": -2}, "beta", "beta=-2.0 must be > 0"),
        (
            {"dist": "beta", "alpha": 1, "beta": 1, "low": 1, "high": 0},
            "low",
            "low=1.0 must be less than high=0.0",
        ),
        ({"dist": "normal", "p5": 40, "p95": 10}, "p5", "p5=40.0 must be less than p95=10.0"),
        (
            {"dist": "lognormal", "p5": -1, "p95": 10},
            "p5",
            "p5=-1.0 must be > 0 for a lognormal distribution",
        ),
        (
            {"dist": "loguniform", "p10": 0, "p90": 10},
            "p10",
            "p10=0.0 must be > 0 for a loguniform distribution",
        ),
        (
            {"dist": "choice", "values": [1, 2, 3], "weights": [0.5, 0.4, 0.2]},
            "weights",
            "weights must sum to 1 (within 1e-9), but they sum to 1.1",
        ),
        (
            {"dist": "choice", "values": [1, 2], "weights": [1.0]},
            "weights",
            "got 1 weights for 2 values; give one weight per value",
        ),
        (
            {"dist": "choice", "values": [1, 2], "weights": [1.5, -0.5]},
            ("weights", 1),
            "weights[1]=-0.5 must be > 0",
        ),
        ({"dist": "choice", "values": []}, "values", "values must list at least one value"),
        (
            {"dist": "empirical", "samples": [1]},
            "samples",
            "an empirical distribution needs at least 2 samples, got 1",
        ),
        (
            {"dist": "uniform", "low": 0, "high": 1, "truncate": [2, 3]},
            "truncate",
            "truncate: [2, 3] has zero probability under a uniform distribution "
            "with support [0, 1]",
        ),
        (
            {"dist": "choice", "values": [1, 3], "truncate": [1.5, 2.5]},
            "truncate",
            "truncate: [1.5, 2.5] has zero probability under a choice distribution "
            "with support [1, 3]",
        ),
        (
            {"dist": "lognormal", "median": 1, "sigma": 1, "truncate": [None, -1]},
            "truncate",
            "truncate: [null, -1] has zero probability under a lognormal distribution "
            "with support [0, inf]",
        ),
        (
            {"dist": "normal", "mean": 0, "sd": 1, "truncate": [2, 1]},
            "truncate",
            "truncate=[2.0, 1.0]: lower bound must be less than upper bound",
        ),
        (
            {"dist": "normal", "mean": 0, "sd": 1, "truncate": [None, None]},
            "truncate",
            "truncate: [null, null] truncates nothing; remove it",
        ),
    ],
)
def test_validation_message_at_the_field(
    value: Any, loc: str | tuple[Any, ...], message: str
) -> None:
    assert errors(value) == [((loc,) if isinstance(loc, str) else loc, message)]


@pytest.mark.parametrize(
    ("value", "loc", "message"),
    [
        (
            {"dist": "normla", "mean": 0},
            ("dist",),
            f"unknown distribution dist='normla'; did you mean 'normal'? (valid: {KINDS})",
        ),
        ({"dist": "gamma"}, ("dist",), f"unknown distribution dist='gamma' (valid: {KINDS})"),
        ({"dist": True}, ("dist",), f"unknown distribution dist=true (valid: {KINDS})"),
        ({"dist": "normal", "mean": True, "sd": 1}, ("mean",), "expected a number, got true"),
        ({"dist": "normal", "mean": "1", "sd": 1}, ("mean",), "expected a number, got '1'"),
        ({"dist": "fixed", "value": math.inf}, ("value",), "expected a finite number, got inf"),
        ({"dist": "choice", "values": [1, False]}, ("values", 1), "expected a number, got false"),
        (
            {"dist": "empirical", "samples": [1, math.nan]},
            ("samples", 1),
            "expected a finite number, got nan",
        ),
        (
            {"dist": "beta", "alpha": 1, "beta": 1, "truncate": [0, "x"]},
            ("truncate", 1),
            "expected a number, got 'x'",
        ),
        (
            {"dist": "normal", "mean": 0, "sd": 1, "truncate": [0]},
            ("truncate",),
            "truncate must be [lo, hi] (null = open), e.g. [0, null]; got [0]",
        ),
        (
            {"dist": "fixed", "value": 1, "truncate": [0, 2]},
            ("truncate",),
            "Extra inputs are not permitted",
        ),
        (
            {"dist": "triangular", "low": 0, "mode": 1, "high": 2, "p5": 1},
            ("p5",),
            "Extra inputs are not permitted",
        ),
    ],
)
def test_field_errors_point_at_the_field(value: Any, loc: tuple[Any, ...], message: str) -> None:
    assert errors(value) == [(loc, message)]


def test_a_bare_distribution_rejects_numbers_with_one_error() -> None:
    assert error(3, DISTRIBUTION) == f"expected a distribution mapping such as {EXAMPLE}, got 3"


class Holder(StrictModel):
    """A scenario-like model with quantity fields."""

    amount: Quantity
    price: PositiveQuantity = 1.0
    count: NonNegativeQuantity = 0.0
    share: FractionQuantity = 0.5
    items: tuple[Quantity, ...] = ()


def test_errors_in_nested_quantities_carry_clean_paths() -> None:
    with pytest.raises(ValidationError) as info:
        Holder.model_validate(
            {
                "amount": {"dist": "normal", "mean": 0, "sd": "x"},
                "items": [1, {"dist": "uniform", "low": 3, "high": 1}, "x", {"dist": "nromal"}],
            }
        )
    assert [(e["loc"], e["msg"]) for e in info.value.errors()] == [
        (("amount", "sd"), "expected a number, got 'x'"),
        (("items", 1, "low"), "low=3.0 must be less than high=1.0"),
        (("items", 2), f"expected a number or a distribution mapping such as {EXAMPLE}, got 'x'"),
        (
            ("items", 3, "dist"),
            f"unknown distribution dist='nromal'; did you mean 'normal'? (valid: {KINDS})",
        ),
    ]


# --- bounded quantities ---


def field_error(**fields: Any) -> tuple[tuple[Any, ...], str]:
    with pytest.raises(ValidationError) as info:
        Holder.model_validate({"amount": 1, **fields})
    ((loc, message),) = [(tuple(e["loc"]), e["msg"]) for e in info.value.errors()]
    return loc, message


@pytest.mark.parametrize(
    "fields",
    [
        {"price": 3, "count": 0, "share": 1},
        {"price": {"dist": "lognormal", "median": 5, "sigma": 2}},
        {"price": {"dist": "loguniform", "low": 0.1, "high": 2}},
        {"price": {"dist": "normal", "mean": 5, "sd": 1, "truncate": [0.5, None]}},
        {"price": {"dist": "choice", "values": [1, 2]}},
        {"count": {"dist": "uniform", "low": 0, "high": 3}},
        {"count": {"dist": "normal", "mean": 5, "sd": 1, "truncate": [0, None]}},
        {"count": {"dist": "fixed", "value": 0}},
        {"share": {"dist": "beta", "alpha": 2, "beta": 3}},
        {"share": {"dist": "normal", "mean": 0.5, "sd": 1, "truncate": [0, 1]}},
        {"share": {"dist": "empirical", "samples": [0, 0.3, 1]}},
    ],
)
def test_bounded_quantities_accept_values_in_their_domain(fields: dict[str, Any]) -> None:
    Holder.model_validate({"amount": 1, **fields})


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"price": -3}, "must be > 0, got -3.0"),
        ({"price": 0}, "must be > 0, got 0.0"),
        ({"price": {"dist": "fixed", "value": 0}}, "must be > 0, got 0.0"),
        ({"count": -0.5}, "must be >= 0, got -0.5"),
        ({"share": 1.5}, "must be >= 0 and <= 1, got 1.5"),
        (
            {"count": {"dist": "normal", "mean": 5, "sd": 1}},
            "a normal distribution can take values below 0 (this field must be >= 0); "
            "add truncate: [0, null] or use a distribution bounded there",
        ),
        (
            {"share": {"dist": "normal", "mean": 0.5, "sd": 1}},
            "a normal distribution can take values below 0 and above 1 (this field must be >= 0 "
            "and <= 1); add truncate: [0, 1] or use a distribution bounded there",
        ),
        (
            {"share": {"dist": "choice", "values": [0.5, 2]}},
            "a choice distribution can take values above 1 (this field must be >= 0 and <= 1); "
            "add truncate: [null, 1] or use a distribution bounded there",
        ),
        (
            {"price": {"dist": "normal", "mean": 5, "sd": 1}},
            "a normal distribution can take values below 0 (this field must be > 0); use a "
            "distribution that stays strictly above 0 (lognormal or loguniform, say), or truncate "
            "it to a range that does",
        ),
        (
            {"price": {"dist": "uniform", "low": 0, "high": 1}},
            "a uniform distribution can take the value 0 (this field must be > 0); use a "
            "distribution that stays strictly above 0 (lognormal or loguniform, say), or truncate "
            "it to a range that does",
        ),
    ],
)
def test_bounded_quantities_reject_values_outside_their_domain(
    fields: dict[str, Any], message: str
) -> None:
    ((name, *_),) = fields.items()
    assert field_error(**fields) == ((name,), message)


def test_quantity_factory() -> None:
    class Model(BaseModel):
        below_one: quantity(lt=1, name="BelowOne")  # type: ignore[valid-type]
        ratio: quantity(ge=1, le=2)  # type: ignore[valid-type]

    Model(below_one={"dist": "uniform", "low": -1, "high": 0.5}, ratio=1.5)
    with pytest.raises(ValidationError, match="a uniform distribution can take the value 1 "):
        Model(below_one={"dist": "uniform", "low": 0, "high": 1}, ratio=1.5)
    with pytest.raises(ValidationError, match=r"must be >= 1 and <= 2, got 2\.5"):
        Model(below_one=0, ratio=2.5)
    schema = Model.model_json_schema()["properties"]
    assert schema["below_one"]["title"] == "BelowOne"
    assert schema["below_one"]["anyOf"][0] == {"type": "number", "exclusiveMaximum": 1.0}
    assert schema["ratio"]["anyOf"][0] == {"type": "number", "minimum": 1.0, "maximum": 2.0}
    for bad in ({"gt": 0, "ge": 0}, {"lt": 1, "le": 1}, {}, {"ge": 2, "le": 1}, {"ge": math.nan}):
        with pytest.raises((TypeError, ValueError)):
            quantity(**bad)


# --- helpers, equality, schema, round trip ---


def test_helpers() -> None:
    lognormal = LogNormal(median=3, sigma=1)
    assert nominal(2.5) == 2.5
    assert nominal(lognormal) == pytest.approx(3.0)
    assert nominal(Fixed(value=4)) == 4.0
    assert is_uncertain(lognormal)
    assert not is_uncertain(Fixed(value=4))
    assert not is_uncertain(4.0)
    assert as_distribution(4.0) == Fixed(value=4.0)
    assert as_distribution(lognormal) is lognormal
    assert QUANTITY.validate_python(3) == 3.0
    assert isinstance(QUANTITY.validate_python(3), float)
    assert QUANTITY.validate_python(lognormal) is lognormal


def test_kinds_match_their_classes() -> None:
    for kind in DISTRIBUTION_KINDS:
        cls = distribution_class(kind)
        assert cls.kind == kind
        assert cls.model_fields["dist"].default == kind


def test_equal_models_are_equal_hashable_and_picklable() -> None:
    a = dist(dist="choice", values=[1, 2], weights=[0.25, 0.75], truncate=[1, None])
    b = dist(dist="choice", values=[1.0, 2.0], weights=[0.25, 0.75], truncate=[1.0, None])
    assert a == b
    assert hash(a) == hash(b)
    assert a != dist(dist="choice", values=[1, 2])
    copy = pickle.loads(pickle.dumps(a))
    assert copy == a
    np.testing.assert_array_equal(copy.ppf(np.array([0.2, 0.3])), a.ppf(np.array([0.2, 0.3])))
    assert repr(a) == "Choice(values=(1.0, 2.0), weights=(0.25, 0.75), truncate=(1.0, None))"


def test_json_schema_lists_numbers_and_every_kind() -> None:
    schema = QUANTITY.json_schema()
    assert schema["anyOf"][0] == {"type": "number"}
    refs = [member["$ref"].rsplit("/", 1)[1] for member in schema["anyOf"][1:]]
    assert [distribution_class(k).__name__ for k in DISTRIBUTION_KINDS] == refs
    lognormal = schema["$defs"]["LogNormal"]
    assert lognormal["required"] == ["dist"]
    assert list(lognormal["properties"])[:3] == ["dist", "median", "sigma"]
    assert lognormal["additionalProperties"] is False
    holder = Holder.model_json_schema()
    assert holder["properties"]["price"]["anyOf"][0] == {"type": "number", "exclusiveMinimum": 0.0}
    assert Holder.model_json_schema(mode="serialization")["properties"]["price"]["anyOf"]


def test_dump_keeps_the_users_form() -> None:
    holder = Holder.model_validate(
        {
            "amount": {"dist": "lognormal", "p5": 10, "p95": 40, "truncate": [None, 100]},
            "price": {"dist": "lognormal", "median": 2, "sigma": 0.5},
            "items": [3, {"dist": "pert", "low": 0, "mode": 1, "high": 2}],
        }
    )
    dumped = holder.model_dump(mode="json")
    assert dumped["amount"] == {
        "dist": "lognormal",
        "p5": 10.0,
        "p95": 40.0,
        "truncate": [None, 100.0],
    }
    assert dumped["price"] == {"dist": "lognormal", "median": 2.0, "sigma": 0.5}
    assert dumped["items"] == [
        3.0,
        {"dist": "pert", "low": 0.0, "mode": 1.0, "high": 2.0, "shape": 4.0},
    ]
    assert Holder.model_validate(dumped) == holder
    assert Holder.model_validate_json(holder.model_dump_json()) == holder


# --- properties ---

moderate = st.floats(-1e4, 1e4)
scale = st.floats(1e-2, 1e3)
positive = st.floats(1e-3, 1e4)


@st.composite
def low_high(draw: st.DrawFn, low: st.SearchStrategy[float] = moderate) -> tuple[float, float]:
    a = draw(low)
    return a, a + draw(scale)


@st.composite
def low_mode_high(draw: st.DrawFn) -> dict[str, float]:
    low, high = draw(low_high())
    return {"low": low, "mode": low + draw(st.floats(0, 1)) * (high - low), "high": high}


@st.composite
def loguniform_fields(draw: st.DrawFn) -> dict[str, Any]:
    low = draw(positive)
    return {"dist": "loguniform", "low": low, "high": low * draw(st.floats(1.01, 1e3))}


@st.composite
def percentile_fields(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["normal", "lognormal", "uniform", "loguniform"]))
    names = sorted(
        draw(st.lists(st.sampled_from(list(PERCENTILES)), min_size=2, max_size=2, unique=True)),
        key=PERCENTILES.__getitem__,
    )
    low = draw(positive)
    return {"dist": kind, names[0]: low, names[1]: low * draw(st.floats(1.01, 100))}


untruncated = st.one_of(
    st.builds(lambda v: {"dist": "fixed", "value": v}, moderate),
    low_high().map(lambda lh: {"dist": "uniform", "low": lh[0], "high": lh[1]}),
    loguniform_fields(),
    st.builds(lambda m, s: {"dist": "normal", "mean": m, "sd": s}, moderate, scale),
    st.builds(
        lambda m, s: {"dist": "lognormal", "median": m, "sigma": s}, positive, st.floats(0.01, 3)
    ),
    low_mode_high().map(lambda f: {"dist": "triangular", **f}),
    st.builds(lambda f, k: {"dist": "pert", **f, "shape": k}, low_mode_high(), st.floats(0.1, 20)),
    st.builds(
        lambda a, b, lh: {"dist": "beta", "alpha": a, "beta": b, "low": lh[0], "high": lh[1]},
        st.floats(0.1, 20),
        st.floats(0.1, 20),
        low_high(),
    ),
    st.lists(moderate, min_size=1, max_size=6).flatmap(
        lambda values: st.builds(
            lambda w: {
                "dist": "choice",
                "values": values,
                "weights": (np.array(w) / sum(w)).tolist(),
            },
            st.lists(st.floats(0.05, 1), min_size=len(values), max_size=len(values)),
        )
    ),
    st.lists(moderate, min_size=2, max_size=12).map(lambda s: {"dist": "empirical", "samples": s}),
    percentile_fields(),
)


tail = st.sampled_from([0.0, 1e-12, 1e-6])


@st.composite
def distributions(draw: st.DrawFn) -> dict[str, Any]:
    """Valid distribution mappings; some truncated at two of their own quantiles (maybe far out
    in a tail), or beyond their support."""
    fields = draw(untruncated)
    if fields["dist"] == "fixed" or not draw(st.booleans()):
        return fields
    base = dist(**fields)
    qa = draw(st.one_of(tail, st.floats(0, 0.6), tail.map(lambda t: 1 - 1e-6 - t)))
    qb = draw(st.one_of(st.floats(qa, 1), tail.map(lambda t: 1 - t)))
    lo, hi = (float(x) for x in base.ppf(np.array([qa, qb])))
    spread = draw(st.sampled_from([0.0, 0.0, 1.0]))  # sometimes move the bounds outwards
    lo, hi = lo - spread * (1 + abs(lo)), hi + spread * (1 + abs(hi))
    assume(lo < hi)
    bounds = [lo if draw(st.booleans()) else None, hi if draw(st.booleans()) else None]
    assume(bounds != [None, None])
    return {**fields, "truncate": bounds}


@given(fields=distributions(), points=st.lists(st.floats(0, 1), max_size=20))
def test_ppf_is_monotone_finite_and_within_the_support(
    fields: dict[str, Any], points: list[float]
) -> None:
    d = dist(**fields)
    u = np.sort(np.concatenate([[0.0, 1.0, 0.5, 1e-300, 1 - 1e-16], points, np.linspace(0, 1, 33)]))
    values = d.ppf(u)
    assert np.isfinite(values).all()
    assert np.all(np.diff(values) >= 0)
    low, high = d.support()
    assert low <= values.min()
    assert values.max() <= high
    assert values[0] <= d.median() <= values[-1]


@given(fields=distributions(), constant=moderate)
def test_dump_and_validate_round_trip(fields: dict[str, Any], constant: float) -> None:
    holder = Holder.model_validate({"amount": fields, "items": [constant, fields]})
    again = Holder.model_validate(holder.model_dump(mode="json"))
    assert again == holder
    assert again.model_dump(mode="json") == holder.model_dump(mode="json")
    np.testing.assert_array_equal(
        again.amount.ppf(np.linspace(0, 1, 5)), holder.amount.ppf(np.linspace(0, 1, 5))
    )


# The frozen scipy distribution behind an engine is made on first use, so that validating a
# scenario does not import scipy.stats: what validation asks for (support, median, whether a
# bound can be reached) is computed without it and must be what scipy would have answered.


def test_the_percentile_table_is_scipys_ndtri() -> None:
    from scipy.special import ndtri

    from sim.distributions.engines import TINY
    from sim.distributions.families import _NDTRI, _Z_TINY, _z

    assert set(_NDTRI) == set(PERCENTILES.values())
    for p, z in _NDTRI.items():
        assert z == float(ndtri(p)), p
    assert _z(0.3) == float(ndtri(0.3))
    assert _Z_TINY < float(ndtri(TINY)) < _Z_TINY + 1e-5


@given(fields=distributions(), offsets=st.lists(st.floats(-2, 2), max_size=4))
def test_a_deferred_engine_answers_validation_as_scipy_would(
    fields: dict[str, Any], offsets: list[float]
) -> None:
    from sim.distributions.engines import ScipyEngine

    fresh = dist(**fields)  # asked before its ppf is ever used
    support, median = fresh.support(), fresh.median()
    d = dist(**fields)
    first, last = (float(x) for x in d.ppf(np.array([0.0, 1.0])))
    assert support == d.support()
    assert median == float(d.ppf(np.array(0.5)))
    engine = d._get_engine()
    if isinstance(engine, ScipyEngine):
        eager = ScipyEngine(engine._dist)
        assert (eager.lower, eager.upper) == (engine.lower, engine.upper)
        assert eager.exact_ends == engine.exact_ends
    points = [first, last, 0.0, *(first + o * (1 + abs(first)) for o in offsets)]
    points += [last + o * (1 + abs(last)) for o in offsets]
    for x in points:
        probe = dist(**fields)
        assert probe.reaches_down_to(x) == (first <= x), x
        assert probe.reaches_up_to(x) == (last >= x), x


def test_a_lognormal_near_underflow_asks_scipy() -> None:
    tiny = LogNormal.model_validate({"dist": "lognormal", "median": 1e-300, "sigma": 60.0})
    assert tiny.reaches_down_to(0.0) == (float(tiny.ppf(np.array([0.0]))[0]) <= 0.0)
    usual = LogNormal.model_validate({"dist": "lognormal", "median": 2.0, "sigma": 0.5})
    assert not usual.reaches_down_to(0.0)
    assert usual.reaches_down_to(float(usual.ppf(np.array([0.0]))[0]))


def test_a_deferred_engine_pickles_before_and_after_first_use() -> None:
    d = Normal.model_validate({"dist": "normal", "mean": 1.0, "sd": 2.0})
    before = pickle.loads(pickle.dumps(d))
    d.ppf(np.array([0.25]))
    after = pickle.loads(pickle.dumps(d))
    for copy in (before, after):
        np.testing.assert_array_equal(copy.ppf(np.linspace(0, 1, 7)), d.ppf(np.linspace(0, 1, 7)))
