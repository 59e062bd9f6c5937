"""A scenario small enough to compute every KPI by hand (tests/scenarios/hand_worked.yaml).

Inputs: 6 months from 2026-01; $12M released over 2 months ($6M/month): chips 50% ($3M a
month), datacenter 25% ($1.5M), leases 25% ($1.5M); carry-over on. H100 at $20,000 x 1.25
all-in = $25,000, 2-month lead, 1,000 a quarter; a rule denies H100 at domestic sites from
2026-03-16 (t = 2 + 15/31 = 2.484 months), cancelled orders refunded 50%. One site: 0.5 MW,
PUE 1.25, server overhead 1.6, $0.10/kWh, and a 1 MW build at $1.5M/MW started 2026-01 (3
months). A lease of 100 H20 at $2/h (730.5 h a month: $1,461 per chip-month, $146,100 a
month).
Fixed split: half of every pool serves, half trains. One 1.946052e22 FLOP run on 50 chips.
Demand 8.64e8 tokens/day = 1e4 tokens/s, flat; every chip serves far more than that.

Money:
- Month 0: $3M of chips buys 3e6 / 25,000 = 120 H100 (the best effective training FLOP/s per
  dollar; H20 has no supply), due t = 2. The build commits $1.5M. The lease money planned
  over the 1-month minimum term is $1.5M >= 100 x $1,461, so all 100 H20 are signed.
- Month 1: 120 more H100, due t = 3; the rule lands at t = 2.484 and cancels them:
  $1.5M refunded, $1.5M lost to policy.
- Spent: $3M of chips (delivered) + $1.5M build (online t = 3) + 6 x $146,100 of lease
  = $5.3766M. Unspent: $1.5M datacenter + $3M - $876,600 lease = $3.6234M.
  Check: 5.3766 + 1.5 refunded + 1.5 lost + 3.6234 = 12.

Compute at the end: 100 H20 (148 TFLOP/s, 148/989 H100-eq) + 120 H100 (989) =
14.8 + 118.68 = 133.48 PFLOP/s, 14.965 + 120 = 134.965 H100-eq; 120 x 700 W x 1.6 x 1.25 =
168 kW fits in 0.5 MW, so nothing strands. No Chinese chips: domestic share 0.

Training: 50 H20 x 148e12 x MFU 0.5 (no failures: goodput 1) = 3.7e15 FLOP/s; the run takes
1.946052e22 / 3.7e15 s = 5,259,600 s = 2 months (a month is 365.25/12 days).

Costs: the lease costs $1,461 per chip-month; an installed H100 $25,000 / 60 months +
1.4 kW x 730.5 h x $0.10 = $416.667 + $102.27 = $518.937 per chip-month. Half of each pool
serves: 50 H20 x 6 months x $1,461 + 60 H100 x 4 months x $518.937 = $438,300 + $124,544.8 =
$562,844.8 for inference, and the same for training (its idle half included).
Tokens: 1e4/s x 6 months x 2,629,800 s = 1.57788e11, all served.
Cost per million tokens: 562,844.8 / 157,788 = $3.5671.

Training is charged only for chips a run holds: 50 H20 for 2 months = $146,100; per 1e18
FLOP 146,100 / 19,460.52 = $7.5075. Idle: the H20 training half after the run (50 x 4 months)
and the H100 training half (60 x 4): 440 chip-months, $292,200 + $124,544.8 = $416,744.8.
Chip-months 600 H20 + 480 H100 = 1,080: training 100 / 1,080, inference 540 / 1,080 = 0.5.

Site cost: the 0.5 MW at the start is sunk (no capex_usd_per_mw); the build's $1.5M is
amortised over 15 years (180 months) from t = 3: $8,333.33 a month x 3 = $25,000, on 1.5 MW of
which 0.168 MW is used, so 88.8% of it ($22,200) is idle power. Idle cost $438,944.8.
Total cost of ownership: every chip-month (600 x $1,461 + 480 x $518.937) + $25,000 =
$1,150,689.6. The overhead (idle chips + site) $441,744.8 is shared by busy chip cost:
inference 562,844.8 / 708,944.8 of it.

Inference load: the serving halves (50 H20 for 6 months, 60 H100 for 4) could serve, per chip
(roofline, FP8 weights, batch 8, 1,000-token context, 20% generated): H20 prefill
296e12 x 0.5 / 2e9 = 74,000/s, decode min(74,000, 8 x 4e12 x 0.5 / 1.08e9 = 14,814.8/s),
blended 1 / (0.2 / 14,814.8 + 0.8 / 74,000); H100 likewise with 1,979 TFLOP/s and 3.35 TB/s.

Unspent: chips 0 (all of it bought 240 H100), datacenter $1.5M, leases $2,123,400; no chip
money was ever left over, so both causes are 0.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from sim.loading import load_scenario
from sim.model import run_nominal

SCENARIO = Path(__file__).parent / "scenarios" / "hand_worked.yaml"
H20_H100 = 148 / 989
H100_COST = 25000 / 60 + 1.4 * 730.5 * 0.10
COST = 50 * 6 * 1461 + 60 * 4 * H100_COST
TOKENS = 1e4 * 6 * 365.25 / 12 * 86400

TRAINING_COST = 50 * 2 * 1461
IDLE_CHIPS = 50 * 4 * 1461 + 60 * 4 * H100_COST
SITE = 1.5e6 / 180 * 3
OVERHEAD = IDLE_CHIPS + SITE
INFERENCE_SHARE = COST / (COST + TRAINING_COST)


def blended(fp8_tflops: float, bandwidth_gb_s: float) -> float:
    prefill = fp8_tflops * 1e12 * 0.5 / 2e9
    decode = min(prefill, 8 * bandwidth_gb_s * 1e9 * 0.5 / (1e9 + 8 * 1000 * 1e4))
    return 1 / (0.2 / decode + 0.8 / prefill)


CAPACITY = (50 * 6 * blended(296, 4000) + 60 * 4 * blended(1979, 3350)) * 365.25 / 12 * 86400

EXPECTED = {
    "chips_delivered": 120.0,
    "h100_equivalents_installed": 100 * H20_H100 + 120,
    "installed_pflops": 133.48,
    "accessible_pflops": 133.48,
    "training_flop_delivered": 1.946052e22,
    "largest_run_flop": 1.946052e22,
    "largest_run_month": 2.0,
    "runs_completed": 1.0,
    "demand_served_fraction": 1.0,
    "first_unmet_demand_month": math.nan,
    "cost_per_million_tokens_usd": COST / TOKENS * 1e6,
    "cost_per_training_eflop_usd": TRAINING_COST / 1.946052e22 * 1e18,
    "tco_per_million_tokens_usd": (COST + INFERENCE_SHARE * OVERHEAD) / TOKENS * 1e6,
    "tco_per_training_eflop_usd": (TRAINING_COST + (1 - INFERENCE_SHARE) * OVERHEAD)
    / 1.946052e22 * 1e18,
    "total_cost_of_ownership_usd": 600 * 1461 + 480 * H100_COST + SITE,
    "idle_cost_usd": IDLE_CHIPS + SITE * (1 - 0.168 / 1.5),
    "idle_chip_months": 440.0,
    "training_chip_share": 100 / 1080,
    "inference_chip_share": 0.5,
    "inference_load_fraction": TOKENS / CAPACITY,
    "unspent_chips_usd": 0.0,
    "unspent_datacenter_usd": 1.5e6,
    "unspent_leases_usd": 2.1234e6,
    "unspent_chips_no_supply_usd": 0.0,
    "unspent_chips_nothing_allowed_usd": 0.0,
    "budget_transferred_usd": 0.0,
    "capex_lost_to_policy_usd": 1.5e6,
    "stranded_chip_months": 0.0,
    "budget_unspent_usd": 3.6234e6,
    "spent_usd": 5.3766e6,
    "domestic_compute_share": 0.0,
}


def test_every_kpi_matches_the_hand_computation() -> None:
    result = run_nominal(load_scenario(SCENARIO), trace=True, check=True)
    assert set(result.kpis) == set(EXPECTED)
    for name, expected in EXPECTED.items():
        got = result.kpis[name]
        if math.isnan(expected):
            assert math.isnan(got), name
        else:
            assert got == pytest.approx(expected, rel=1e-9, abs=1e-9), name
    assert pytest.approx(3.5671, abs=1e-4) == COST / TOKENS * 1e6
    assert pytest.approx(7.5075, abs=1e-4) == TRAINING_COST / 1.946052e22 * 1e18
    assert pytest.approx(1_150_689.6) == EXPECTED["total_cost_of_ownership_usd"]
    assert pytest.approx(438_944.8) == EXPECTED["idle_cost_usd"]


def test_the_trace_says_what_happened_and_why() -> None:
    result = run_nominal(load_scenario(SCENARIO), trace=True)
    assert result.trace is not None
    events = [(e.kind, e.message) for e in result.trace]
    kinds = [kind for kind, _ in events]
    assert kinds.count("order") == 2
    assert kinds.count("deliver") == 1
    cancel = next(m for k, m in events if k == "cancel")
    assert "deny_h100 landed before delivery" in cancel
    assert "$1,500,000 lost" in cancel
    rule_time = next(e.month for e in result.trace if e.kind == "rule")
    assert rule_time == pytest.approx(2 + 15 / 31)
    assert any(k == "online" for k in kinds)
    assert any(k == "lease" and "100 H20 signed" in m for k, m in events)
    assert next(e.month for e in result.trace if e.kind == "finish") == pytest.approx(2.0)


def test_a_revoke_rule_in_force_blocks_a_later_lease() -> None:
    """A revoke rule ends live leases when it lands, and refuses leases signed after it."""
    revoke = ("export_controls.rules=[{id: revoke_h20, title: t, authority: US, "
              "source: 'assumption: test', effective: '2025-06', chips: \"name == 'H20'\", "
              "destinations: [leased], effect: {kind: revoke}}]")
    result = run_nominal(load_scenario(SCENARIO, [revoke]), trace=True, check=True)
    assert result.trace is not None
    assert any("revoked by revoke_h20; not signed" in e.message for e in result.trace)
    # without the lease the run waits for the H100 delivered at t = 2, then takes
    # 1.946052e22 / (50 x 989e12 x 0.5) s = 0.2993 months
    start = next(e for e in result.trace if e.kind == "start")
    assert start.month == pytest.approx(2.0)
    assert "on 50 H100 at home" in start.message
    assert result.kpis["largest_run_month"] == pytest.approx(
        2.0 + 1.946052e22 / (50 * 989e12 * 0.5) / (365.25 / 12 * 86400))


def test_a_buyer_with_foresight_does_not_order_what_an_announced_rule_will_cancel() -> None:
    """With foresight 'announced' the month-1 order of 120 H100 (due t = 3, after the rule of
    t = 2.484) is never placed: nothing is lost, and its $3M stays unspent, left over because
    nothing could be bought (the only chip is foreseen denied at its delivery)."""
    result = run_nominal(load_scenario(SCENARIO, ["procurement.foresight=announced"]),
                         trace=True, check=True)
    assert result.kpis["capex_lost_to_policy_usd"] == 0.0
    assert result.kpis["chips_delivered"] == pytest.approx(120.0)
    assert result.kpis["unspent_chips_usd"] == pytest.approx(3e6)
    assert result.kpis["unspent_chips_nothing_allowed_usd"] == pytest.approx(3e6)
    assert result.trace is not None
    assert [e.kind for e in result.trace].count("order") == 1
    assert not any(e.kind == "cancel" for e in result.trace)


def test_a_rule_known_only_later_is_a_surprise_until_then() -> None:
    """known_from 2026-03: at month 1 the buyer does not know the rule yet, so it orders and
    loses the order as the myopic buyer does."""
    result = run_nominal(load_scenario(SCENARIO, [
        "procurement.foresight=announced",
        "export_controls.rules.0.known_from=2026-03"]), check=True)
    assert result.kpis["capex_lost_to_policy_usd"] == pytest.approx(1.5e6)


def test_a_premium_buys_supply_above_the_cap() -> None:
    """Supply 100 a quarter, ceiling 1.5x, elasticity 1: the 50 units above the cap cost 50%
    more on the chip, 20,000 x 1.5 + 20,000 x 0.25 = $35,000 all-in.
    Month 0 ($3M): 100 at $25,000 ($2.5M), then $0.5M / 35,000 = 14.2857 at the premium.
    Month 1 (same quarter, $3M): 35.714 premium units left ($1.25M); $1.75M is left over with
    every chip at its cap (no supply). The rule of t = 2.484 cancels month 1's order (due t =
    3): half of $1.25M is lost."""
    result = run_nominal(load_scenario(SCENARIO, [
        "chips.H100.supply_per_quarter=100", "chips.H100.premium_supply_multiplier=1.5",
        "chips.H100.supply_price_elasticity=1.0"]), trace=True, check=True)
    k = result.kpis
    assert k["chips_delivered"] == pytest.approx(100 + 0.5e6 / 35000)
    assert k["capex_lost_to_policy_usd"] == pytest.approx(1.25e6 / 2)
    assert k["unspent_chips_usd"] == pytest.approx(1.75e6)
    assert k["unspent_chips_no_supply_usd"] == pytest.approx(1.75e6)
    assert result.trace is not None
    premium = [e for e in result.trace if e.kind == "order" and "premium" in e.message]
    assert [e.month for e in premium] == [0.0, 1.0]
    assert "$35,000 all-in" in premium[0].message


def test_unspent_money_moves_to_another_category() -> None:
    """Lease money unspent for 2 months moves to chips, at the month start before any spending.
    Month 0 releases $1.5M of lease money and the lease's fee takes $146,100 of it; month 1
    releases $1.5M more and its fee comes from month 0's money (oldest first), leaving
    $1,207,800 of it. At month 2 that moves; the fee is paid from month 1's money ($1,353,900
    left), which moves at month 3, so the lease cannot pay month 3 and ends (no loss). In all
    $2,561,700 moves. H100 is denied from t = 2.484: month 2's chip money buys
    1,207,800 / 25,000 = 48.312 H100 due at t = 4, which the rule cancels (half lost), and
    month 3's finds nothing to buy."""
    result = run_nominal(load_scenario(SCENARIO, [
        "budget.transfers=[{source: leases, target: chips, after_months: 2}]"]),
        trace=True, check=True)
    k = result.kpis
    assert k["budget_transferred_usd"] == pytest.approx(1_207_800 + 1_353_900)
    assert k["capex_lost_to_policy_usd"] == pytest.approx(1.5e6 + 1_207_800 / 2)
    assert k["unspent_chips_usd"] == pytest.approx(1_353_900)
    assert k["unspent_chips_nothing_allowed_usd"] == pytest.approx(1_353_900)
    assert k["unspent_leases_usd"] == pytest.approx(0.0, abs=1e-6)
    assert result.trace is not None
    assert sum(e.kind == "transfer" for e in result.trace) == 2
    assert any("cannot pay the month" in e.message for e in result.trace)


def test_a_revoked_lease_is_offered_again() -> None:
    """A revocation hazard of 1e6 a year ends each lease within minutes of signing; re-offered
    after 0 months it is signed again at every month start: six signings in six months."""
    result = run_nominal(load_scenario(SCENARIO, [
        "leases.abroad.revocation_hazard_per_year=1e6",
        "leases.abroad.reoffer_after_months=0"]), trace=True, check=True)
    assert result.trace is not None
    signed = [e.month for e in result.trace if e.kind == "lease" and "signed" in e.message]
    assert signed == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]


def test_work_conserving_lends_the_reserve_and_takes_it_back() -> None:
    """Demand far above capacity (1e9 tokens/s) and half of each pool reserved for training; a
    second run of 3.7e15 x 2,629,800 = 9.73026e21 FLOP, H20 only, arrives 2026-04 (t = 3) and
    takes one month on 50 H20. Under reserved_training inference gets 50 H20 for 6 months and 60
    H100 for 4 (the reserve idles between runs). Work-conserving lends the idle reserve: H20
    serve 50 (t 0-2, a run holds the reserve), 100 (t 2-3), 50 (t 3-4, the second run takes its
    chips back) and 100 (t 4-6): 450 chip-months; all 120 H100 serve from t = 2: 480. Every chip
    serving is saturated, so tokens = chip-months x tokens/s per chip x seconds."""
    late = ("training.runs=[{name: only, arrival: '2026-01', flop: 1.946052e22, min_chips: 50, "
            "max_chips: 50}, {name: late, arrival: '2026-04', flop: 9.73026e21, min_chips: 50, "
            "max_chips: 50, chips: [H20]}]")
    common = [late, "inference.tokens_per_day=8.64e13"]
    month = 365.25 / 12 * 86400
    h20, h100 = blended(296, 4000), blended(1979, 3350)
    results = {}
    for policy in ("reserved_training", "work_conserving"):
        results[policy] = run_nominal(load_scenario(SCENARIO, [
            *common, f"allocation={{policy: {policy}, training_share: 0.5}}"]),
            trace=True, check=True)
    reserved, conserving = results["reserved_training"], results["work_conserving"]
    assert reserved.kpis["demand_served_fraction"] * 1e9 * 6 * month == pytest.approx(
        (300 * h20 + 240 * h100) * month, rel=1e-9)
    assert conserving.kpis["demand_served_fraction"] * 1e9 * 6 * month == pytest.approx(
        (450 * h20 + 480 * h100) * month, rel=1e-9)
    for key in ("training_flop_delivered", "largest_run_month", "runs_completed"):
        assert conserving.kpis[key] == reserved.kpis[key]
    assert conserving.trace is not None
    preempt = [e for e in conserving.trace if e.kind == "preempt"]
    assert [(e.month, "run late takes 50 H20 at abroad back from inference" in e.message)
            for e in preempt] == [(3.0, True)]
    lent = {e.month: e.message for e in conserving.trace if e.kind == "lend"}
    # logged at month starts: none while the first run holds the H20 reserve (t = 0, 1), then
    # 50 H20 + 60 H100; at t = 3 the late run's arrival (scheduled at t = 0) comes before the
    # month start (scheduled at t = 2), so only the H100 reserve is lent then
    assert sorted(lent) == [2.0, 3.0, 4.0, 5.0]
    assert lent[2.0].startswith("110 chips reserved for training serve inference")
    assert lent[3.0].startswith("60 chips")
