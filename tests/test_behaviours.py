"""Unit tests for behaviours otherwise checked only through golden summaries (issue 13).

Each test asserts a number against an independent computation worked by hand in its docstring,
on the model functions directly or on tests/scenarios/hand_worked.yaml with overrides.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from sim.loading import load_scenario
from sim.model import concretize, input_space, run_nominal, simulate
from sim.model.fleet import Cohort, Fleet, Pool
from sim.model.inference import chip_tokens_per_s
from sim.model.inputs import RunInputs
from sim.model.results import MonthlySeries, ReplicationResult
from sim.model.rulebook import Rulebook
from sim.model.training import place
from sim.schema.policy import Target
from sim.streams import uniform
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


# --- scenario helpers --------------------------------------------------------------------
ASCEND = ("chips.Ascend-910B={price_usd: 10000, server_multiplier: 1.0, "
          "price_trend_per_year: 0.0, supply_per_quarter: %g, lead_time_months: 2, "
          "annual_failure_rate: 0.0, useful_life_years: 5, training_mfu: 0.5, "
          "mfu_loss_per_doubling: 0.0, inference_utilisation: 0.5, "
          "decode_bandwidth_efficiency: 0.5}")
H100_ENERGY = 1.4 * 730.5 * 0.10  # 700 W x 1.6 x 1.25 = 1.4 kW for 730.5 h at $0.10/kWh
H100_CAPITAL = 25000 / 60
TOKENS = 1e4 * 6 * 365.25 / 12 * 86400


def rule(rule_id: str, chips: str, destinations: str, effect: str,
         effective: str = "2026-01") -> str:
    return (f"{{id: {rule_id}, title: t, authority: CN, source: 'assumption: test', "
            f"effective: '{effective}', chips: \"{chips}\", destinations: [{destinations}], "
            f"effect: {effect}}}")


DENY_H100 = rule("deny_h100", "name == 'H100'", "domestic", "{kind: deny}", "2026-03-16")


def run(*overrides: str) -> ReplicationResult:
    return run_nominal(load_scenario(SCENARIO, list(overrides)), trace=True, check=True)


def orders(result: ReplicationResult) -> list[tuple[float, str]]:
    """(month, 'count chip') of every order in the trace."""
    assert result.trace is not None
    return [(e.month, " ".join(e.message.split()[:2])) for e in result.trace
            if e.kind == "order"]


# --- power subsidy ---------------------------------------------------------------------
def test_power_subsidy_discounts_electricity_from_its_landing() -> None:
    """The hand-worked scenario plus a 30% power subsidy for H100 at domestic sites from
    2026-04 (t = 3). An installed H100 costs $25,000 / 60 = $416.667 a month of capital and
    1.4 kW x 730.5 h x $0.10 = $102.27 of electricity: $518.937 before t = 3, $416.667 +
    0.7 x $102.27 = $488.256 after. The serving half (60 H100 from t = 2) costs
    60 x (518.937 + 3 x 488.256) = $119,022.22, plus 50 H20 x 6 x $1,461 = $438,300:
    $557,322.22 for 1.57788e11 tokens, $3.53210 per million (against $3.5671 unsubsidised).
    TCO: 600 x $1,461 + 120 x (518.937 + 3 x 488.256) + $25,000 site = $1,139,644.44. A
    subsidy on the whole chip-month (capital too), or from the start, or a sign flip, moves
    both."""
    subsidy = rule("subsidy", "name == 'H100'", "domestic",
                   "{kind: power_subsidy, discount_fraction: 0.3}", "2026-04")
    result = run(f"export_controls.rules=[{DENY_H100}, {subsidy}]")
    discounted = H100_CAPITAL + 0.7 * H100_ENERGY
    inference = 50 * 6 * 1461 + 60 * (H100_CAPITAL + H100_ENERGY + 3 * discounted)
    assert pytest.approx(488.256, abs=1e-3) == discounted
    assert pytest.approx(557_322.22, abs=0.01) == inference
    assert result.kpis["cost_per_million_tokens_usd"] == pytest.approx(
        inference / TOKENS * 1e6, rel=1e-9)
    assert pytest.approx(3.53210, abs=1e-5) == inference / TOKENS * 1e6
    tco = 600 * 1461 + 120 * (H100_CAPITAL + H100_ENERGY + 3 * discounted) + 1.5e6 / 180 * 3
    assert pytest.approx(1_139_644.44, abs=0.01) == tco
    assert result.kpis["total_cost_of_ownership_usd"] == pytest.approx(tco, rel=1e-9)


# --- procurement -------------------------------------------------------------------------
def test_min_domestic_share_reserves_money_for_the_named_chips_first() -> None:
    """Ascend-910B at $10,000 all-in (320 TFLOP/s x 0.5 / $10,000 = 1.6e10 FLOP/s per $)
    loses to H100 (989e12 x 0.5 / $25,000 = 1.978e10) on value, so without a rule the $3M of
    month 0 buys 120 H100 and no 910B. A rule reserving 30% for chips made in China: $900,000
    on 910B (90 chips), then $2.1M on H100 (84). With the 910B capped at 60 a quarter the
    reserve can only absorb $600,000 and the other $2.4M goes to H100 (96)."""
    share = rule("cn_share", "vendor_country == 'CN'", "domestic",
                 "{kind: min_domestic_share, share: 0.3}")
    assert orders(run("export_controls.rules=[]", ASCEND % 1000))[:1] == [(0.0, "120 H100")]
    month0 = [o for o in orders(run(f"export_controls.rules=[{share}]", ASCEND % 1000))
              if o[0] == 0.0]
    assert sorted(month0) == [(0.0, "84 H100"), (0.0, "90 Ascend-910B")]
    month0 = [o for o in orders(run(f"export_controls.rules=[{share}]", ASCEND % 60))
              if o[0] == 0.0]
    assert sorted(month0) == [(0.0, "60 Ascend-910B"), (0.0, "96 H100")]


def test_fixed_mix_respreads_shares_of_unoffered_chips_and_leaves_capped_money() -> None:
    """Mix H100 0.5, Ascend-910B 0.3, H20 0.2; H20 has no supply, so it is not offered and
    the shares are over 0.8: H100 gets $3M x 0.5 / 0.8 = $1.875M (75 chips), 910B $1.125M
    (112.5 chips). With the 910B capped at 50 a quarter it buys 50 ($500,000) and the other
    $625,000 of its share stays unspent that month (it does not go to H100)."""
    mix = ("procurement={policy: fixed_mix, refund_on_cancel_fraction: 0.5, "
           "mix: {H100: 0.5, Ascend-910B: 0.3, H20: 0.2}}")
    month0 = [o for o in orders(run("export_controls.rules=[]", ASCEND % 1000, mix))
              if o[0] == 0.0]
    assert sorted(month0) == [(0.0, "112 Ascend-910B"), (0.0, "75 H100")]
    capped = run("export_controls.rules=[]", ASCEND % 50, mix)
    assert sorted(o for o in orders(capped) if o[0] == 0.0) == [
        (0.0, "50 Ascend-910B"), (0.0, "75 H100")]
    # month 1: $3M + $625,000 carried; H100's 5/8 share is $2,265,625 = 90.625 chips
    assert (1.0, "91 H100") in orders(capped)


def test_supply_cap_is_per_calendar_quarter() -> None:
    """Started 2026-02 with H100 capped at 150 a quarter and no rules: month 0 (Feb) buys 120
    ($3M), month 1 (Mar, still Q1) only the 30 left, month 2 (Apr, Q2) 90 with the $2.25M
    carried over. Scenario quarters (months 0-2 together) would give 120, 30, 0, then 90 in
    month 3."""
    result = run("clock.start=2026-02", "budget.tranches.0.start=2026-02",
                 "export_controls.rules=[]", "chips.H100.supply_per_quarter=150")
    assert orders(result) == [(0.0, "120 H100"), (1.0, "30 H100"), (2.0, "90 H100")]


# --- licences ----------------------------------------------------------------------------
def _licence(p: float) -> str:
    return rule("lic", "name == 'H100'", "domestic, overseas_owned",
                f"{{kind: licence, approval_probability: {p}, delay_months: 1}}")


def test_licence_refused_buys_nothing_and_granted_adds_its_delay() -> None:
    """A licence rule on H100 in force from the start. Approval 0: no H100 can be had and H20
    has no supply, so the $3M of each of months 0 and 1 ($6M) is unspent because nothing was
    allowed. Approval 1 with a 1-month delay: 120 H100 a month as in the base case, due in
    2 + 1 = 3 months (delivered at t = 3 and 4)."""
    refused = run(f"export_controls.rules=[{_licence(0)}]")
    assert orders(refused) == []
    assert refused.kpis["unspent_chips_nothing_allowed_usd"] == pytest.approx(6e6)
    assert refused.kpis["chips_delivered"] == 0.0
    granted = run(f"export_controls.rules=[{_licence(1)}]")
    assert orders(granted) == [(0.0, "120 H100"), (1.0, "120 H100")]
    assert granted.trace is not None
    assert [e.month for e in granted.trace if e.kind == "deliver"] == [3.0, 4.0]


@pytest.mark.parametrize(("approval", "granted"), [(0.6, True), (0.4, False)])
def test_licence_is_drawn_once_per_chip_destination_and_rules(approval: float,
                                                               granted: bool) -> None:
    """With a draw of u = 0.5 the licence is granted when u < approval (0.6: yes, 0.4: no).
    Asked at months 0, 1 and 2 for two destinations, the rulebook draws exactly twice, once
    per (chip, destination, deciding rules), keyed 'licence:H100:<destination>:lic'."""
    scenario = load_scenario(SCENARIO, [f"export_controls.rules=[{_licence(approval)}]"])
    inputs = concretize(scenario, input_space(scenario).nominal())
    keys: list[str] = []

    def draw(key: str) -> float:
        keys.append(key)
        return 0.5

    book = Rulebook(inputs, draw)
    h100 = inputs.chips["H100"]
    for t in (0.0, 1.0, 2.0):
        for kind in ("domestic", "overseas_owned"):
            assert (book.obtainable(h100, kind, t) is not None) is granted
    assert keys == ["licence:H100:domestic:lic", "licence:H100:overseas_owned:lic"]


# --- leases revoked: runs back in the queue ----------------------------------------------
SPM = 365.25 / 12 * 86400  # seconds per month
H20_50 = 50 * 148e12 * 0.5  # FLOP/s of the run on 50 H20
H100_50 = 50 * 989e12 * 0.5  # on 50 H100
FLOP = 1.946052e22


def _resumed_finish(revoked: float) -> float:
    """The run trains on 50 H20 from 0 to ``revoked``, waits for the H100 delivered at t = 2,
    then does the rest on 50 H100."""
    return 2.0 + (FLOP - H20_50 * revoked * SPM) / H100_50 / SPM


def test_a_revoke_rule_sends_the_running_run_back_to_the_queue() -> None:
    """A revoke rule on H20 leases lands 2026-02 (t = 1), halfway through the 2-month run:
    9.73026e21 FLOP are done and kept; the run is interrupted, waits for the 120 H100 of
    t = 2 and finishes the other 9.73026e21 FLOP on 50 H100 (2.4725e16 FLOP/s) in
    393,539 s = 0.14965 months: at t = 2.14965, with 1.946052e22 FLOP delivered in all."""
    revoke = rule("revoke_h20", "name == 'H20'", "leased", "{kind: revoke}", "2026-02")
    result = run(f"export_controls.rules=[{revoke}]")
    assert result.trace is not None
    interrupt = [e for e in result.trace if e.kind == "interrupt"]
    assert [(e.month, e.message) for e in interrupt] == [
        (1.0, "run only lost its chips; back in the queue")]
    starts = [(e.month, "50 H100 at home" in e.message) for e in result.trace
              if e.kind == "start"]
    assert starts == [(0.0, False), (2.0, True)]
    assert pytest.approx(2.14965, abs=1e-5) == _resumed_finish(1.0)
    assert result.kpis["largest_run_month"] == pytest.approx(_resumed_finish(1.0), rel=1e-12)
    assert result.kpis["training_flop_delivered"] == pytest.approx(FLOP, rel=1e-12)
    assert result.kpis["runs_completed"] == 1.0


def test_a_revocation_hazard_interrupts_the_run_at_its_drawn_time() -> None:
    """With a revocation hazard h per year the lease ends at an exponential time whose draw
    is shared across scenarios (common random numbers), so the time scales as 1/h: with this
    seed h = 4 revokes at t = 1.1296 and h = 12 at a third of it. Either way the run is
    interrupted then and finishes as in :func:`_resumed_finish`; at h = 2 the revocation
    falls after the run's own end at t = 2 and nothing is interrupted."""
    times = {}
    for hazard in (4.0, 12.0):
        result = run(f"leases.0.revocation_hazard_per_year={hazard}", "export_controls.rules=[]")
        assert result.trace is not None
        (interrupt,) = [e for e in result.trace if e.kind == "interrupt"]
        times[hazard] = interrupt.month
        assert result.kpis["largest_run_month"] == pytest.approx(
            _resumed_finish(interrupt.month), rel=1e-9)
        assert result.kpis["training_flop_delivered"] == pytest.approx(FLOP, rel=1e-12)
    assert times[4.0] == pytest.approx(1.1296, abs=1e-4)
    assert times[12.0] == pytest.approx(times[4.0] / 3, rel=1e-9)
    calm = run("leases.0.revocation_hazard_per_year=2.0", "export_controls.rules=[]")
    assert calm.trace is not None
    assert not any(e.kind == "interrupt" for e in calm.trace)
    assert calm.kpis["largest_run_month"] == pytest.approx(2.0)


# --- priority and backfilling --------------------------------------------------------------
def test_priority_then_backfilling_in_the_queue() -> None:
    """Three runs arrive at t = 0, listed low (priority 0, 1e22 FLOP, 50 chips), mid
    (priority 5, 9.73026e21, 50 chips), big (priority 9, 1e22, 60 chips). Only 50 H20 train
    until the H100 of t = 2 (60 of them train). big cannot start on 50 chips, but does not block
    the others (backfilling); of those mid goes first (priority beats list order): 9.73026e21 /
    3.7e15 = 1 month, so mid ends at t = 1 and low starts then, ending at 1 + 1e22 / 3.7e15 s =
    2.02772. big starts at t = 2 on 60 H100 (2.967e16 FLOP/s): done at 2 + 337,041 s = 2.12816."""
    runs = ("training.runs=[{name: low, arrival: '2026-01', flop: 1e22, min_chips: 50, "
            "max_chips: 50}, {name: mid, arrival: '2026-01', flop: 9.73026e21, min_chips: 50, "
            "max_chips: 50, priority: 5}, {name: big, arrival: '2026-01', flop: 1e22, "
            "min_chips: 60, max_chips: 60, priority: 9}]")
    result = run("export_controls.rules=[]", runs)
    assert result.trace is not None
    starts = [(e.month, e.message.split()[1]) for e in result.trace if e.kind == "start"]
    assert starts == [(0.0, "mid"), (pytest.approx(1.0), "low"), (2.0, "big")]
    finish = {e.message.split()[1]: e.month for e in result.trace if e.kind == "finish"}
    assert finish["low"] == pytest.approx(1 + 1e22 / H20_50 / SPM, rel=1e-9)
    assert finish["big"] == pytest.approx(2 + 1e22 / (60 * 989e12 * 0.5) / SPM, rel=1e-9)
    assert pytest.approx(2.02772, abs=1e-5) == finish["low"]
    assert pytest.approx(2.12816, abs=1e-5) == finish["big"]


def test_place_picks_the_fastest_eligible_pool_with_enough_free_chips() -> None:
    """Pool a: 100 H100, 20 serving, 30 held: 50 free; pool b: 200 H20 leased, all free.
    MFU 0.4, no failures. A 40-64 chip run: a gives 50 x 989e12 x 0.4 = 1.978e16 FLOP/s, b
    64 x 148e12 x 0.4 = 3.789e15, so a. Restricted to H20: b with 64. Needing 60: a has too
    few, so b. Domestic only with 60: nowhere (b is leased). b is listed first, so taking the
    first pool that fits instead of the fastest gives b for the 40-64 chip run."""
    a = Pool("home", "domestic", chip("H100", annual_failure_rate=0.0), 1400.0)
    a.add(Cohort(0.0, 100.0, 1.0))
    a.inference, a.held = 20.0, 30.0
    b = Pool("abroad", "leased", chip("H20", annual_failure_rate=0.0), 0.0)
    b.add(Cohort(0.0, 200.0, 0.0))

    def best(min_chips: int, chips: tuple[str, ...] | None = None,
             domestic_only: bool = False) -> tuple[str, float, float] | None:
        found = place(RunInputs("r", 0.0, 1e22, min_chips, 64, chips, 0, domestic_only),
                      [b, a], 1000, 0.0)  # the slower pool first
        return None if found is None else (found[0].location, found[1], found[2])

    assert best(40) == ("home", 50.0, pytest.approx(50 * 989e12 * 0.4))
    assert best(40, ("H20",)) == ("abroad", 64.0, pytest.approx(64 * 148e12 * 0.4))
    assert best(60) == ("abroad", 64.0, pytest.approx(64 * 148e12 * 0.4))
    assert best(60, domestic_only=True) is None


def test_useful_life_retires_chips_at_the_month_start_they_reach_it() -> None:
    """H100 with a 3-month useful life (0.25 years): the 120 delivered at t = 2 retire at the
    month start t = 5, so at the end only the 100 leased H20 remain (100 x 148 / 989 =
    14.965 H100-eq, against 134.965). Each H100 chip-month costs $25,000 / 3 + $102.27 =
    $8,435.60; serving: 50 H20 x 6 x $1,461 + 60 H100 x 3 x $8,435.60 = $1,956,708 for
    1.57788e11 tokens, $12.4009 per million. Keeping the chips a 4th month (retiring at
    age > life) or never would change both."""
    result = run("chips.H100.useful_life_years=0.25")
    assert result.kpis["h100_equivalents_installed"] == pytest.approx(100 * 148 / 989)
    assert pytest.approx(14.965, abs=1e-3) == 100 * 148 / 989
    month = 25000 / 3 + H100_ENERGY
    cost = 50 * 6 * 1461 + 60 * 3 * month
    assert pytest.approx(1_956_708, abs=1) == cost
    assert pytest.approx(12.4009, abs=1e-4) == cost / TOKENS * 1e6
    assert result.kpis["cost_per_million_tokens_usd"] == pytest.approx(
        cost / TOKENS * 1e6, rel=1e-9)


def test_failures_take_one_month_per_month_in_service() -> None:
    """No rules, $6M a month for 6 months ($3M of chips: 120 H100 a month, due 2 months later),
    H100 AFR 12%: each month start m >= 1 removes 1 - exp(-0.01) of the chips that served the
    month before. Cohorts delivered at t = 2, 3, 4, 5 have served 4, 3, 2, 1 months by t = 6,
    i.e. 3, 2, 1, 0 month starts after their delivery; the one delivered at t = 6 none:
    120 x (e^-0.03 + e^-0.02 + e^-0.01 + 1 + 1) = 592.883 H100, plus 14.965 H100-eq of H20.
    The model gave 588.178 = 120 x (e^-0.04 + e^-0.03 + e^-0.02 + e^-0.01 + 1) before the fix:
    a delivery at t = m is processed before the month start at t = m, which then failed the
    just-delivered chips for a month they did not serve; failures now count each cohort's time
    in service."""
    result = run("export_controls.rules=[]", "chips.H100.annual_failure_rate=0.12",
                 "budget.tranches.0.months=6", "budget.tranches.0.amount=36e6")
    e = math.exp(-0.01)
    expected = 120 * (e ** 3 + e ** 2 + e + 1 + 1)
    assert pytest.approx(592.883, abs=1e-3) == expected
    assert result.kpis["h100_equivalents_installed"] == pytest.approx(
        expected + 100 * 148 / 989, rel=1e-9)


def test_licence_outcome_is_drawn_per_replication_from_its_keyed_stream() -> None:
    """With approval 0.5, replication r orders H100 exactly when its keyed uniform
    u = uniform(seed, r, 'licence:H100:domestic:lic') < 0.5 (drawn once for the whole
    replication, so either both months order 120 or neither does). Over 16 replications both
    outcomes occur."""
    scenario = load_scenario(SCENARIO, [f"export_controls.rules=[{_licence(0.5)}]"])
    inputs = concretize(scenario, input_space(scenario).nominal())
    seed = scenario.monte_carlo.seed
    outcomes = []
    for r in range(16):
        result = simulate(inputs, seed, r, trace=True)
        granted = uniform(seed, r, "licence:H100:domestic:lic") < 0.5
        assert orders(result) == ([(0.0, "120 H100"), (1.0, "120 H100")] if granted else []), r
        outcomes.append(granted)
    assert set(outcomes) == {True, False}


def test_a_lease_dated_before_the_start_is_offered_at_the_start() -> None:
    """The hand-worked lease starts 2026-01; with the clock starting 2026-02 it is offered at
    month 0 (it was silently never signed, its $3M of lease money left unspent)."""
    result = run("clock.start=2026-02", "export_controls.rules=[]",
                 "budget.tranches.0.start=2026-02", "training.runs.0.arrival=2026-02")
    assert result.trace is not None
    signed = [e.month for e in result.trace if e.kind == "lease" and "signed" in e.message]
    assert signed == [0.0]
