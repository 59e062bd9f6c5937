"""Summary statistics against independent computations (mutation testing, issue 13).

Each expected value is worked by hand or computed another way (scipy's own intervals, the
textbook form of the Wilson interval, binomial tail probabilities), never read back from
:mod:`sim.runner.summary`. Written to kill the mutants ``mutmut`` left alive there.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import stats

from sim.runner.summary import (
    kpi_summary,
    mean_half_width,
    quantile_interval,
    target_summary,
    wilson_interval,
)

Z95 = 1.959963984540054  # the 97.5% point of the standard normal
Z90 = 1.6448536269514722  # the 95% point


def textbook_wilson(k: int, n: int, z: float) -> tuple[float, float]:
    """Wilson (1927) in its textbook arrangement:
    ``(k + z^2/2) / (n + z^2) +/- z / (n + z^2) sqrt(k (n - k) / n + z^2 / 4)``."""
    centre = (k + z * z / 2) / (n + z * z)
    half = z / (n + z * z) * math.sqrt(k * (n - k) / n + z * z / 4)
    return centre - half, centre + half


# -- the Wilson interval ------------------------------------------------------------------

def test_wilson_three_of_ten_is_the_published_interval() -> None:
    """3 successes in 10: the 95% Wilson interval is 0.1078 to 0.6032 (Newcombe 1998,
    table I)."""
    lo, hi = wilson_interval(3, 10)
    assert lo == pytest.approx(0.1078, abs=5e-5)
    assert hi == pytest.approx(0.6032, abs=5e-5)
    assert (lo, hi) == pytest.approx(textbook_wilson(3, 10, Z95), rel=1e-12)


@pytest.mark.parametrize(("k", "n"), [(1, 7), (17, 40), (99, 100), (1, 1000)])
def test_wilson_matches_the_textbook_form(k: int, n: int) -> None:
    assert wilson_interval(k, n) == pytest.approx(textbook_wilson(k, n, Z95), rel=1e-12)


def test_wilson_at_90_percent_uses_the_95_percent_normal_point() -> None:
    assert wilson_interval(3, 10, confidence=0.90) == pytest.approx(
        textbook_wilson(3, 10, Z90), rel=1e-12)


def test_wilson_ends_are_exact() -> None:
    """k = 0: [0, z^2 / (n + z^2)]; k = n: [n / (n + z^2), 1] (the textbook form at its ends)."""
    z2 = Z95 * Z95
    assert wilson_interval(0, 100) == (0.0, pytest.approx(z2 / (100 + z2), rel=1e-12))
    assert wilson_interval(100, 100) == (pytest.approx(100 / (100 + z2), rel=1e-12), 1.0)
    assert wilson_interval(0, 0) == (0.0, 1.0)  # no runs: nothing known


def test_wilson_ends_are_exact_where_the_float_formula_is_not() -> None:
    """At n = 3 the float formula leaves 5.6e-17 for the lower end of k = 0, at n = 10
    0.9999999999999999 for the upper end of k = n: the ends are 0 and 1 exactly."""
    assert wilson_interval(0, 3)[0] == 0.0
    assert wilson_interval(10, 10)[1] == 1.0
    assert wilson_interval(13, 13)[1] == 1.0


# -- the t interval on the mean ---------------------------------------------------------------

def test_mean_half_width_is_scipys_t_interval() -> None:
    """2, 4, 4, 4, 5, 5, 7, 9: mean 5, sample sd sqrt(32/7); the NaN is left out."""
    x = np.array([2.0, 4.0, 4.0, np.nan, 4.0, 5.0, 5.0, 7.0, 9.0])
    sem = math.sqrt(32 / 7) / math.sqrt(8)
    lo, hi = stats.t.interval(0.95, 7, loc=5.0, scale=sem)
    assert mean_half_width(x) == pytest.approx((hi - lo) / 2, rel=1e-12)
    lo90, hi90 = stats.t.interval(0.90, 7, loc=5.0, scale=sem)
    assert mean_half_width(x, confidence=0.90) == pytest.approx((hi90 - lo90) / 2, rel=1e-12)


def test_mean_half_width_of_two_values_and_of_one() -> None:
    """Two values 0 and 2: sd sqrt(2), sem 1, t(0.975, 1) = 12.7062."""
    assert mean_half_width(np.array([0.0, 2.0])) == pytest.approx(12.7062047, rel=1e-7)
    assert math.isnan(mean_half_width(np.array([3.0, np.inf])))


# -- order-statistic intervals on percentiles -------------------------------------------------

def _binomial_ranks(n: int, p: float) -> tuple[int, int]:
    """``l`` = the smallest rank with P(B <= l) >= 2.5%, ``u`` = 1 + the smallest with
    P(B <= u - 1) >= 97.5%, found by walking the binomial CDF."""
    cdf = stats.binom.cdf(np.arange(n + 1), n, p)
    lo = int(np.argmax(cdf >= 0.025))
    hi = int(np.argmax(cdf >= 0.975)) + 1
    return lo, hi


@pytest.mark.parametrize(("p", "expected"), [
    (0.05, (1.0, 11.0)),  # lower rank exactly 1: still an interval
    (0.10, (5.0, 17.0)),
    (0.50, (40.0, 61.0)),
    (0.90, (84.0, 96.0)),
    (0.95, (90.0, 100.0)),  # upper rank exactly n: still an interval
])
def test_order_statistic_ranks_by_hand(p: float, expected: tuple[float, float]) -> None:
    """Values 1..100, so the i-th order statistic is i and the interval is the ranks."""
    ordered = np.arange(1.0, 101.0)
    assert _binomial_ranks(100, p) == expected
    assert quantile_interval(ordered, p) == expected


def test_order_statistic_interval_needs_enough_values() -> None:
    """n = 5, median: P(B <= 0) = 1/32 > 2.5%, so l = 0 and there is no interval; n = 8:
    P(B <= 1) = 9/256 >= 2.5% (l = 1), P(B <= 6) = 247/256 < 97.5% (u = 8)."""
    assert quantile_interval(np.arange(1.0, 6.0), 0.5) is None
    assert quantile_interval(np.arange(1.0, 9.0), 0.5) == (1.0, 8.0)
    assert quantile_interval(np.array([]), 0.5) is None


def test_order_statistic_interval_at_90_percent_confidence() -> None:
    """90%: the 5% and 95% points of Binomial(100, 0.5) are 42 and 58, so [x_42, x_59]."""
    assert stats.binom.cdf(41, 100, 0.5) < 0.05 <= stats.binom.cdf(42, 100, 0.5)
    assert stats.binom.cdf(57, 100, 0.5) < 0.95 <= stats.binom.cdf(58, 100, 0.5)
    assert quantile_interval(np.arange(1.0, 101.0), 0.5, confidence=0.90) == (42.0, 59.0)


# -- one KPI's summary -------------------------------------------------------------------------

def test_kpi_summary_by_hand() -> None:
    """2, 4, 4, 4, 5, 5, 7, 9 with a NaN and an infinity (both missing). Mean 5, sd
    sqrt(32/7) = 2.13809, se sd / sqrt(8); numpy's linear percentiles at positions p x 7:
    p5 = 2 + 0.35 x 2 = 2.7, p10 = 3.4, p50 = 4.5, p90 = 7 + 0.3 x 2 = 7.6, p95 = 8.3."""
    values = np.array([5.0, 9.0, np.nan, 2.0, 4.0, np.inf, 4.0, 7.0, 4.0, 5.0])
    s = kpi_summary(values, "largest_run_month")
    sd = math.sqrt(32 / 7)
    assert s["unit"] == "months"
    assert s["n"] == 8
    assert s["missing"] == 2
    assert s["mean"] == pytest.approx(5.0)
    assert s["sd"] == pytest.approx(sd, rel=1e-12)
    assert s["se"] == pytest.approx(sd / math.sqrt(8), rel=1e-12)
    lo, hi = stats.t.interval(0.95, 7, loc=5.0, scale=sd / math.sqrt(8))
    assert s["mean_ci"] == [pytest.approx(lo, rel=1e-12), pytest.approx(hi, rel=1e-12)]
    for label, value in {"p5": 2.7, "p10": 3.4, "p50": 4.5, "p90": 7.6, "p95": 8.3}.items():
        assert s[label] == pytest.approx(value, rel=1e-12), label
    assert s["p50_ci"] == [2.0, 9.0]  # ranks 1 and 8 (see the n = 8 case above)
    assert s["p5_ci"] is None
    assert s["p95_ci"] is None


def test_kpi_summary_of_1_to_100_has_every_interval() -> None:
    s = kpi_summary(np.arange(100.0, 0.0, -1.0), "no_such_kpi")  # unsorted on purpose
    assert s["unit"] == ""
    assert s["p5_ci"] == [1.0, 11.0]
    assert s["p10_ci"] == [5.0, 17.0]
    assert s["p50_ci"] == [40.0, 61.0]
    assert s["p90_ci"] == [84.0, 96.0]
    assert s["p95_ci"] == [90.0, 100.0]
    assert s["p50"] == pytest.approx(50.5)


def test_kpi_summary_of_two_values() -> None:
    """3 and 5: mean 4, sd sqrt(2), se 1, t interval 4 +/- 12.7062."""
    s = kpi_summary(np.array([5.0, 3.0]), "largest_run_month")
    assert s["sd"] == pytest.approx(math.sqrt(2.0), rel=1e-12)
    assert s["se"] == pytest.approx(1.0, rel=1e-12)
    assert s["mean_ci"] == pytest.approx([4.0 - 12.7062047, 4.0 + 12.7062047], rel=1e-7)


@pytest.mark.parametrize("values", [[np.nan], [np.nan, 7.0], []])
def test_kpi_summary_of_too_few_values_warns_of_nothing(values: list[float]) -> None:
    """A KPI that is NaN in every run (no run completed) is common: its summary must not
    fill the terminal with numpy's empty-slice and degrees-of-freedom warnings."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = kpi_summary(np.array(values, dtype=float), "largest_run_month")
    assert s["sd"] is None


def test_kpi_summary_of_one_value() -> None:
    """One finite value: its mean and percentiles, but no sd, se or interval."""
    s = kpi_summary(np.array([np.nan, 7.0]), "largest_run_month")
    assert (s["n"], s["missing"]) == (1, 1)
    assert s["mean"] == 7.0
    assert s["sd"] is None
    assert s["se"] is None
    assert s["mean_ci"] is None
    assert s["p50"] == 7.0
    assert s["p50_ci"] is None


# -- targets ------------------------------------------------------------------------------------

def test_target_summary_counts_and_intervals() -> None:
    """Ten runs; target A met in 3 of them, target B in all 10."""
    met = np.zeros((10, 2), dtype=bool)
    met[[1, 4, 8], 0] = True
    met[:, 1] = True
    out = target_summary(met, ["A", "B"], ["kpi_a", "kpi_b"])
    assert [t["name"] for t in out] == ["A", "B"]
    assert [t["kpi"] for t in out] == ["kpi_a", "kpi_b"]
    assert [t["met"] for t in out] == [3, 10]
    assert [t["runs"] for t in out] == [10, 10]
    assert out[0]["probability"] == pytest.approx(0.3)
    assert out[1]["probability"] == 1.0
    assert out[0]["ci"] == [pytest.approx(v, abs=5e-5) for v in (0.1078, 0.6032)]
    z2 = Z95 * Z95
    assert out[1]["ci"] == [pytest.approx(10 / (10 + z2), rel=1e-12), 1.0]


def test_target_summary_needs_a_kpi_for_every_target() -> None:
    with pytest.raises(ValueError, match="zip"):
        target_summary(np.zeros((3, 2), dtype=bool), ["A", "B"], ["kpi_a"])


def test_target_summary_of_no_runs() -> None:
    out = target_summary(np.zeros((0, 1), dtype=bool), ["A"], ["kpi_a"])
    assert out == [{"name": "A", "kpi": "kpi_a", "probability": None, "ci": [0.0, 1.0],
                    "met": 0, "runs": 0}]
