"""``--precision`` and the summary statistics: intervals that mean what they say."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.runner import RunResult, run
from sim.runner.precision import FIRST_ROUND, HEADLINE_KPIS, check_precision, next_round
from sim.runner.summary import kpi_summary, quantile_interval, wilson_interval

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "tests" / "scenarios" / "small_uncertain.yaml"


PRECISION = 0.03


@pytest.fixture(scope="module")
def precise(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("precision") / "run"
    run(SMALL, precision=PRECISION, seed=1, executor="serial", batch_size=64, out=out,
        progress=False)
    return out


def test_precision_is_reached_and_what_was_promised(precise: Path) -> None:
    summary = RunResult.load(precise).summary
    assert summary["replications"] > FIRST_ROUND  # it took more than one round
    assert summary["precision"]["reached"] is True
    for name in HEADLINE_KPIS:
        s = summary["kpis"][name]
        half = (s["mean_ci"][1] - s["mean_ci"][0]) / 2
        assert half <= PRECISION * abs(s["mean"]) or half == 0.0, name
    for target in summary["targets"]:
        lo, hi = target["ci"]
        assert (hi - lo) / 2 <= PRECISION, target


def test_a_precision_run_is_a_fixed_run_of_its_replications(precise: Path,
                                                             tmp_path: Path) -> None:
    n = RunResult.load(precise).replications
    run(SMALL, runs=n, seed=1, executor="serial", out=tmp_path / "fixed", progress=False)
    assert (tmp_path / "fixed" / "kpis.parquet").read_bytes() == \
        (precise / "kpis.parquet").read_bytes()


def test_precision_runs_are_deterministic_across_batch_sizes(precise: Path,
                                                             tmp_path: Path) -> None:
    run(SMALL, precision=PRECISION, seed=1, executor="serial", batch_size=9,
        out=tmp_path / "b", progress=False)
    for name in ("kpis.parquet", "series_bands.parquet", "summary.json"):
        assert (tmp_path / "b" / name).read_bytes() == (precise / name).read_bytes(), name


def test_precision_stops_at_the_cap() -> None:
    result = run(SMALL, precision=0.001, max_runs=300, seed=1, executor="serial",
                 progress=False)
    assert result.replications == 300
    assert result.summary["precision"]["reached"] is False


def test_next_round_grows_within_bounds() -> None:
    assert next_round(256, 250, 10_000, "mc") == 320  # +25% at least, whole batches of 64
    assert next_round(256, 300, 10_000, "mc") == 384  # +10% over the estimate
    assert next_round(256, 100_000, 10_000, "mc") == 1024  # at most 4x
    assert next_round(256, 700, 10_000, "sobol") == 1024  # powers of 2 for Sobol'
    assert next_round(9_000, 20_000, 10_000, "mc") == 10_000  # the cap


def test_precision_check_of_constants_passes() -> None:
    kpis = np.ones((50, 4))
    check = check_precision(kpis, list(HEADLINE_KPIS), np.zeros((50, 0), bool), [], 0.01)
    assert check.reached
    assert check.needed == 50


def test_wilson_interval() -> None:
    lo, hi = wilson_interval(0, 100)
    assert lo == 0.0
    assert hi == pytest.approx(0.037, abs=0.001)
    lo, hi = wilson_interval(50, 100)
    assert (lo, hi) == pytest.approx((0.404, 0.596), abs=0.001)


def test_order_statistic_intervals_cover_at_least_95_percent() -> None:
    rng = np.random.default_rng(0)
    true_p90 = float(np.quantile(rng.exponential(size=2_000_000), 0.9))
    hits = 0
    trials = 400
    for _ in range(trials):
        sample = np.sort(rng.exponential(size=200))
        interval = quantile_interval(sample, 0.9)
        assert interval is not None
        hits += interval[0] <= true_p90 <= interval[1]
    assert hits / trials >= 0.92  # 95% nominal, with Monte Carlo noise of the check itself


def test_kpi_summary_with_missing_values_and_too_few_runs() -> None:
    values = np.array([1.0, np.nan, 3.0, 2.0])
    s = kpi_summary(values, "largest_run_month")
    assert s["n"] == 3
    assert s["missing"] == 1
    assert s["mean"] == 2.0
    assert s["sd"] == 1.0
    assert s["p5_ci"] is None  # three values cannot bound a 5th percentile at 95%
    empty = kpi_summary(np.array([np.nan]), "largest_run_month")
    assert empty["mean"] is None
    assert empty["p50"] is None
    assert empty["mean_ci"] is None
