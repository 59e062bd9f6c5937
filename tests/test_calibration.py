"""Observations and calibration: the model's value of each dated figure, its place in the
model's distribution, the CLI and its file, and the errors a bad observation gets."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from cli import main
from sim.errors import ScenarioError
from sim.loading import load_scenario
from sim.model import run_nominal
from sim.observations import observation_value
from sim.runner.calibration import observation_summary, verdict
from sim.schema.policy import Observation

HAND = Path(__file__).parent / "scenarios" / "hand_worked.yaml"
SECONDS_PER_MONTH = 365.25 / 12 * 86400


def obs(**fields: object) -> Observation:
    base: dict[str, object] = {"name": "o", "series": "tokens_served_per_day", "month": "2026-02",
                               "value": 1.0, "source": "test"}
    base.update(fields)
    return Observation.model_validate(base)


def test_values_by_month_and_by_year() -> None:
    """Hand-worked scenario, run for the whole of 2026: 1e4 tokens/s all served, so 8.64e8
    tokens a day every month; the build commits $1.5M in 2026-01 and the chips $3M in each
    of 2026-01 and 2026-02 (the year's capex is $7.5M); the H100 order of month 0 is 120
    chips at $20,000 (accelerator part), month 1's the same."""
    result = run_nominal(load_scenario(HAND, ["clock.horizon_months=12"]))
    start = "2026-01"
    assert observation_value(obs(), result, start) == pytest.approx(8.64e8)
    year = {"month": None, "year": 2026}
    assert observation_value(obs(series="committed_capex_usd", **year), result,
                             start) == pytest.approx(7.5e6)
    assert observation_value(obs(series="committed_accelerators_usd", **year), result,
                             start) == pytest.approx(2 * 120 * 20000)
    assert observation_value(obs(series="tokens_served_per_day", aggregate="mean", **year),
                             result, start) == pytest.approx(8.64e8)
    assert observation_value(obs(series="chips_installed", aggregate="last", **year),
                             result, start) == pytest.approx(220.0)


def test_percentile_and_verdict_against_an_independent_count() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(10.0, 2.0, size=(1001, 1))
    x[0, 0] = 12.0  # a tie with the observed value counts half
    summary = observation_summary(x, [obs(value=12.0, low=11.0, high=13.0)])[0]
    col = x[:, 0]
    assert summary["percentile"] == pytest.approx(
        (np.sum(col < 12.0) + 0.5 * np.sum(col == 12.0)) / col.size)
    assert summary["p5"] == pytest.approx(np.percentile(col, 5))
    assert summary["p95"] == pytest.approx(np.percentile(col, 95))
    assert summary["verdict"] == "inside"
    assert verdict(20.0, 30.0, 5.0, 15.0) == "model too low"
    assert verdict(1.0, 4.0, 5.0, 15.0) == "model too high"
    assert verdict(1.0, 5.0, 5.0, 15.0) == "inside"  # touching bands overlap


def test_calibrate_prints_the_table_and_writes_calibration_json(tmp_path: Path) -> None:
    out = tmp_path / "run"
    observations = (
        "observations=[{name: tokens Feb, series: tokens_served_per_day, month: '2026-02', "
        "value: 8.64e8, low: 8e8, high: 9e8, source: 'test: all served'}, "
        "{name: capex 2026, series: committed_capex_usd, year: 2026, value: 3e7, "
        "source: 'test: far above the plan'}]")
    result = CliRunner().invoke(main, ["calibrate", str(HAND), "--runs", "4", "--executor",
                                       "serial", "--out", str(out), "--set", observations,
                                       "--set", "clock.horizon_months=12"])
    assert result.exit_code == 0, result.output
    assert "1 of 2 observations inside" in result.output
    assert "model too low" in result.output
    doc = json.loads((out / "calibration.json").read_text(encoding="utf-8"))
    assert doc["kind"] == "calibration"
    assert [o["verdict"] for o in doc["observations"]] == ["inside", "model too low"]
    assert doc["observations"][1]["p50"] == pytest.approx(7.5e6)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["observations"] == doc["observations"]


def test_calibrate_refuses_a_scenario_without_observations() -> None:
    result = CliRunner().invoke(main, ["calibrate", str(HAND), "--runs", "2"])
    assert result.exit_code == 1
    assert "lists no observations" in result.output


@pytest.mark.parametrize(("override", "message"), [
    ("observations=[{name: a, series: tokens_servd, month: '2026-01', value: 1, source: s}]",
     "did you mean 'tokens_served'"),
    ("observations=[{name: a, series: tokens_served, month: '2026-01', year: 2026, value: 1, "
     "source: s}]", "exactly one of 'month' or 'year'"),
    ("observations=[{name: a, series: tokens_served, year: 2026, value: 1, low: 2, "
     "source: s}]", "low <= value <= high"),
])
def test_bad_observations_get_one_located_line(override: str, message: str) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(HAND, [override])
    lines = info.value.lines()
    assert len(lines) == 1
    assert message in lines[0]


def test_an_observation_outside_the_horizon_is_not_judged() -> None:
    """The hand-worked scenario runs 2026-01..2026-06: a 2027 month and the year 2025 are
    outside it; so is 2026 once the horizon is cut to 3 months."""
    result = run_nominal(load_scenario(HAND))
    assert np.isnan(observation_value(obs(month="2027-01"), result, "2026-01"))
    assert np.isnan(observation_value(obs(month=None, year=2025), result, "2026-01"))
    summary = observation_summary(np.full((3, 1), np.nan), [obs()])[0]
    assert summary["verdict"] == "outside the horizon"


def test_an_unknown_series_is_located_at_its_field() -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(HAND, ["observations=[{name: a, series: tokens_servd, month: '2026-01', "
                             "value: 1, source: s}]"])
    assert "observations.0.series: unknown series 'tokens_servd'" in info.value.lines()[0]
