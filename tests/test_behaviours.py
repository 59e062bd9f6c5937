"""Unit tests for behaviours otherwise checked only through golden summaries (issue 13).

Each test asserts a number against an independent computation worked by hand in its docstring,
on the model functions directly or on tests/scenarios/hand_worked.yaml with overrides.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from sim.loading import load_scenario
from sim.model import concretize, input_space
from sim.model.fleet import Cohort, Fleet
from sim.model.inference import chip_tokens_per_s
from sim.model.results import MonthlySeries, ReplicationResult
from sim.schema.policy import Target
from sim.targets import target_met
from tests.test_model_equations import chip, demand

SCENARIO = Path(__file__).parent / "scenarios" / "hand_worked.yaml"


def _result(value: float) -> ReplicationResult:
    return ReplicationResult(0, {"runs_completed": value}, MonthlySeries(0))


# --- targets ------------------------------------------------------------------------------
def test_at_most_target_is_met_at_and_below_the_bound_only() -> None:
    """``at_most: 2``: 1 and 2 meet it (2 <= 2), 2.5 does not; the ``at_least`` reading of the
    same bound would give the opposite for 1 and 2.5."""
    target = Target(name="few", kpi="runs_completed", at_most=2.0)
    assert [target_met(target, _result(v), "2026-01") for v in (1.0, 2.0, 2.5)] == [
        True, True, False]


def test_nan_never_meets_a_target_either_way() -> None:
    """NaN compares false with everything, so both bounds must reject it explicitly; the
    ``at_most`` branch written as ``not value > bound`` would accept it."""
    for bound in ({"at_most": 1e300}, {"at_least": -1e300}):
        target = Target(name="t", kpi="runs_completed", **bound)
        assert target_met(target, _result(math.nan), "2026-01") is False


# --- fleet: failures and retirement ------------------------------------------------------
def test_failures_and_useful_life_retirement() -> None:
    """A domestic pool of 600 chips installed at t = 0 and 400 at t = 30 (life 60 months,
    AFR 12%). One month of failures at t = 60: 1000 x (1 - exp(-0.12/12)) = 9.9502 chips,
    taken pro rata; then the t = 0 cohort is 60 months old and retires (age >= life), leaving
    400 x exp(-0.01) = 396.0200. At t = 59.5 nothing retires: 1000 x exp(-0.01) = 990.05.
    A leased pool neither fails nor retires."""
    c = chip(annual_failure_rate=0.12, useful_life_months=60.0)
    for t, left in ((60.0, 400 * math.exp(-0.01)), (59.5, 1000 * math.exp(-0.01))):
        fleet = Fleet(())
        pool = fleet.pool("home", "domestic", c, 1400.0)
        pool.add(Cohort(0.0, 600.0, 25000.0))
        pool.add(Cohort(30.0, 400.0, 25000.0))
        lease = fleet.add_lease("abroad", c, 100.0, 0.0)
        failed = fleet.fail_and_retire(1.0, t)
        assert failed == {("H100", "domestic"): pytest.approx(1000 * (1 - math.exp(-0.01)))}
        assert pytest.approx(9.9502, abs=1e-4) == failed[("H100", "domestic")]
        assert pool.count == pytest.approx(left)
        assert lease.count == 100.0
    assert pytest.approx(396.0200, abs=1e-4) == 400 * math.exp(-0.01)


# --- inference: the chat/agent blend ----------------------------------------------------
def _blended(context: float) -> float:
    """H100 (FP8 1,979 TFLOP/s, 3.35 TB/s, 80 GB), dense 1B model, FP8, batch 8, KV 1e4 B/token,
    utilisation 0.5, decode bandwidth efficiency 0.8, 20% generated tokens: prefill
    1979e12 x 0.5 / 2e9 = 494,750/s; decode min(494,750, 8 x 3350e9 x 0.8 / (1e9 + 8 x context
    x 1e4)); blended harmonically."""
    prefill = 1979e12 * 0.5 / 2e9
    decode = min(prefill, 8 * 3350e9 * 0.8 / (1e9 + 8 * context * 1e4))
    return 1 / (0.2 / decode + 0.8 / prefill)


def test_chat_agent_blend_is_harmonic_and_the_agent_share_moves_linearly() -> None:
    """Chat context 1,000 tokens: decode 21,440e9 / 1.08e9 = 19,851.85/s, blended
    1 / (0.2 / 19,851.85 + 0.8 / 494,750) = 85,531/s; agent context 8,000: decode
    21,440e9 / 1.64e9 = 13,073.17/s, blended 59,117/s. The agent share goes 0.2 -> 0.8 over a
    12-month horizon: 0.2 at t = 0, 0.5 at t = 6, 0.8 at t = 12 and still 0.8 at t = 18
    (clamped). At t = 6 the harmonic blend 1 / (0.5 / 85,531 + 0.5 / 59,117) = 69,913/s, not
    the arithmetic 72,324/s (a chip spends time, not tokens, on each)."""
    d = demand(active_params=1e9, total_params=1e9, kv_bytes_per_token=1e4, decode_batch=8,
               output_share=0.2, agent_share_start=0.2, agent_share_end=0.8,
               agent_context_tokens=8000.0)
    c = chip()
    chat, agent = _blended(1000.0), _blended(8000.0)
    assert chat == pytest.approx(85531, rel=1e-4)
    assert agent == pytest.approx(59117, rel=1e-4)
    for t, share in ((0.0, 0.2), (6.0, 0.5), (12.0, 0.8), (18.0, 0.8)):
        expected = 1 / ((1 - share) / chat + share / agent)
        assert chip_tokens_per_s(c, d, t, 12.0) == pytest.approx(expected, rel=1e-12), t
    assert chip_tokens_per_s(c, d, 6.0, 12.0) == pytest.approx(69913, rel=1e-4)


# --- training generators -----------------------------------------------------------------
def test_generator_arrivals_and_sizes_grow_by_growth_per_year() -> None:
    """A generator from 2026-02 every 2 months with 1e20 FLOP growing 4x a year, over the
    6-month horizon: arrivals at months 1, 3, 5 (7 is past the horizon), sizes
    1e20 x 4 ** (2k / 12) = 1e20, 1.2599e20 (4 ** (1/6)), 1.5874e20 (4 ** (1/3)); named
    series#1..3, after the scenario's own run."""
    gen = ("training.generators=[{name: series, first: '2026-02', every_months: 2, "
           "first_flop: 1e20, growth_per_year: 4.0, min_chips: 10, max_chips: 20, priority: 3}]")
    scenario = load_scenario(SCENARIO, [gen])
    runs = concretize(scenario, input_space(scenario).nominal()).runs
    generated = [r for r in runs if r.name.startswith("series#")]
    assert [r.name for r in generated] == ["series#1", "series#2", "series#3"]
    assert [r.arrival_month for r in generated] == pytest.approx([1.0, 3.0, 5.0])
    assert [r.flop for r in generated] == pytest.approx([1e20, 1.2599e20, 1.5874e20], rel=1e-4)
    assert {(r.min_chips, r.max_chips, r.priority) for r in generated} == {(10, 20, 3)}
