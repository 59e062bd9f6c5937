"""The monthly series and the edge KPIs of the hand-worked scenarios, month by month
(mutation testing, issue 13).

tests/test_hand_worked.py and tests/test_hand_worked_2.py check every KPI at the end of the
horizon; ``mutmut`` showed that the monthly series behind the charts and the ``by:`` targets
could be wrong without any test noticing. The values below follow from the hand computations
in those two modules' docstrings (quoted where used); they go through full replications only
(``run_nominal``), so they pin numbers, not the engine's implementation.

A month's value is recorded at its end, with the events of that instant (deliveries due at
t = 2 show at month index 1). Month indices where two events of one instant could be ordered
either way are avoided unless a docstring states the order.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import numpy as np
import pytest

from sim.loading import load_scenario
from sim.model import run_nominal
from sim.model.results import ReplicationResult
from tests.test_hand_worked import blended

SCENARIOS = Path(__file__).parent / "scenarios"
HW1 = SCENARIOS / "hand_worked.yaml"
HW2 = SCENARIOS / "hand_worked_2.yaml"
MONTH_S = 365.25 / 12 * 86400  # 2,629,800 s
H20_PF, H100_PF, MLU_PF = 0.148, 0.989, 0.096  # BF16 PFLOP/s per chip


def run(path: Path, *sets: str) -> ReplicationResult:
    return run_nominal(load_scenario(path, list(sets)), check=True)


# Function-scoped on purpose: mutmut runs, for each mutant, only the tests that called the
# mutated function, and a module-scoped replication would count for the first test only.
@pytest.fixture
def hw1() -> ReplicationResult:
    return run(HW1)


@pytest.fixture
def hw2() -> ReplicationResult:
    return run(HW2)


def series(result: ReplicationResult, name: str) -> list[float]:
    return [float(v) for v in result.series[name]]


# -- hand-worked scenario 1 ---------------------------------------------------------------------

def test_fleet_series_month_by_month(hw1: ReplicationResult) -> None:
    """100 H20 leased from t = 0; 120 H100 delivered at t = 2 (month index 1 on), at the one
    site: 14.8 PFLOP/s, then 14.8 + 118.68 = 133.48; 100 x 148/989 H100-equivalents, then 120
    more; 120 H100 x 700 W x 1.6 x 1.25 = 0.168 MW used of 0.5 MW, 1.5 MW once the build is
    online at t = 3 (index 2 on). Nothing strands, no chip is Chinese."""
    assert series(hw1, "chips_installed") == pytest.approx([100.0] + [220.0] * 5)
    assert series(hw1, "installed_pflops") == pytest.approx([14.8] + [133.48] * 5)
    assert series(hw1, "kpi.installed_pflops") == pytest.approx([14.8] + [133.48] * 5)
    assert series(hw1, "kpi.accessible_pflops") == pytest.approx([14.8] + [133.48] * 5)
    assert series(hw1, "pflops_leased") == pytest.approx([14.8] * 6)
    assert series(hw1, "pflops_domestic_sites") == pytest.approx([0.0] + [118.68] * 5)
    assert series(hw1, "pflops_overseas_sites") == [0.0] * 6
    h100_eq = 100 * 148 / 989
    assert series(hw1, "h100_equivalents") == pytest.approx([h100_eq] + [h100_eq + 120] * 5)
    assert series(hw1, "kpi.h100_equivalents_installed") == pytest.approx(
        [h100_eq] + [h100_eq + 120] * 5)
    assert series(hw1, "power_used_mw") == pytest.approx([0.0] + [0.168] * 5)
    assert list(hw1.series.site_power_used_mw["home"]) == pytest.approx([0.0] + [0.168] * 5)
    assert series(hw1, "power_capacity_mw") == pytest.approx([0.5, 0.5] + [1.5] * 4)
    assert list(hw1.series.site_power_capacity_mw["home"]) == pytest.approx(
        [0.5, 0.5] + [1.5] * 4)
    assert series(hw1, "chips_stranded") == [0.0] * 6
    assert series(hw1, "kpi.chips_delivered") == pytest.approx([0.0] + [120.0] * 5)


def test_tokens_month_by_month(hw1: ReplicationResult) -> None:
    """1e4 tokens/s, flat, all served: 1e4 x 2,629,800 = 2.6298e10 tokens a month, every month
    (month 2 is cut in two by the rule at t = 2.484: both parts count), 8.64e8 a day."""
    month = 1e4 * MONTH_S
    assert series(hw1, "tokens_served") == pytest.approx([month] * 6, rel=1e-13)
    assert series(hw1, "tokens_demanded") == pytest.approx([month] * 6, rel=1e-13)
    assert series(hw1, "tokens_served_per_day") == pytest.approx([8.64e8] * 6, rel=1e-13)
    assert series(hw1, "demand_tokens_per_day") == pytest.approx([8.64e8] * 6, rel=1e-13)
    assert series(hw1, "kpi.demand_served_fraction") == [1.0] * 6


def test_inference_capacity_month_by_month(hw1: ReplicationResult) -> None:
    """Half of each pool serves (fixed split): 50 H20, and from t = 2 also 60 H100, at the
    per-chip rates of tests/test_hand_worked.py (41,134.0 and 56,381.3 tokens/s)."""
    h20, h100 = 50 * blended(296, 4000), 60 * blended(1979, 3350)
    assert series(hw1, "inference_capacity_tokens_per_day") == pytest.approx(
        [h20 * 86400] + [(h20 + h100) * 86400] * 5, rel=1e-12)


def test_training_flop_month_by_month(hw1: ReplicationResult) -> None:
    """50 H20 x 148e12 x 0.5 = 3.7e15 FLOP/s for months 0 and 1: 9.73026e21 FLOP each, then
    nothing; cumulated, 1.946052e22 from month 1 on, when the run completes."""
    assert series(hw1, "training_flop") == pytest.approx([9.73026e21] * 2 + [0.0] * 4,
                                                         abs=1e9)
    assert series(hw1, "kpi.training_flop_delivered") == pytest.approx(
        [9.73026e21] + [1.946052e22] * 5)
    assert series(hw1, "kpi.largest_run_flop") == pytest.approx([0.0] + [1.946052e22] * 5)
    assert series(hw1, "kpi.runs_completed") == [0.0] + [1.0] * 5


def test_commitments_month_by_month(hw1: ReplicationResult) -> None:
    """Month 0: $3M of H100 (120 x $20,000 = $2.4M of it the accelerators), the $1.5M build;
    month 1: $3M of H100 ($2.4M accelerators); the lease's $146,100 every month."""
    assert series(hw1, "committed_chips_usd") == pytest.approx([3e6, 3e6, 0, 0, 0, 0])
    assert series(hw1, "committed_datacenter_usd") == pytest.approx([1.5e6, 0, 0, 0, 0, 0])
    assert series(hw1, "committed_capex_usd") == pytest.approx([4.5e6, 3e6, 0, 0, 0, 0])
    assert series(hw1, "committed_leases_usd") == pytest.approx([146100.0] * 6)
    assert series(hw1, "committed_accelerators_usd") == pytest.approx([2.4e6, 2.4e6, 0, 0, 0,
                                                                       0])


def test_money_month_by_month(hw1: ReplicationResult) -> None:
    """Unspent lease money: $1.5M a month for 2 months less $146,100 a month of fees; the
    datacenter's month-1 $1.5M is never spent; lost to policy $1.5M from the cancellation at
    t = 2.484 (index 2)."""
    fees = [146100.0 * (m + 1) for m in range(6)]
    leases = [1.5e6 - fees[0], 3e6 - fees[1]] + [3e6 - f for f in fees[2:]]
    assert series(hw1, "kpi.unspent_leases_usd") == pytest.approx(leases)
    assert series(hw1, "kpi.unspent_datacenter_usd") == pytest.approx([0.0] + [1.5e6] * 5)
    assert series(hw1, "kpi.unspent_chips_usd") == [0.0] * 6
    assert series(hw1, "kpi.budget_unspent_usd") == pytest.approx(
        [leases[0]] + [v + 1.5e6 for v in leases[1:]])
    assert series(hw1, "kpi.capex_lost_to_policy_usd") == pytest.approx([0, 0] + [1.5e6] * 4)


def test_two_orders_in_one_month_are_both_committed() -> None:
    """Supply 100 a quarter with a 1.5x premium ceiling (tests/test_hand_worked.py): month 0
    orders 100 H100 at $25,000 and 14.2857 at the $35,000 premium, committing all its $3M;
    month 1 the 35.714 premium units left, $1.25M."""
    result = run(HW1, "chips.H100.supply_per_quarter=100",
                 "chips.H100.premium_supply_multiplier=1.5",
                 "chips.H100.supply_price_elasticity=1.0")
    assert series(result, "committed_chips_usd") == pytest.approx([3e6, 1.25e6, 0, 0, 0, 0])


def test_unspent_money_that_lapsed_is_still_unspent() -> None:
    """Without carry-over the datacenter's month-1 $1.5M lapses at the end of month 1: still
    unspent ($1.5M), not negative; the lease is paid for months 0 and 1 only, $2 x 1,353,900
    of lease money lapses."""
    result = run(HW1, "budget.carry_over=false")
    assert series(result, "kpi.unspent_datacenter_usd") == pytest.approx([0.0] + [1.5e6] * 5)
    assert result.kpis["unspent_leases_usd"] == pytest.approx(2 * 1_353_900)


def test_two_runs_complete_and_the_first_of_equal_size_is_the_largest() -> None:
    """A second run of the same 1.946052e22 FLOP on 50 H20 arrives at t = 3 and takes 2
    months: two runs complete; the largest run is reached at t = 2 by the first."""
    late = ("training.runs=[{name: only, arrival: '2026-01', flop: 1.946052e22, min_chips: 50, "
            "max_chips: 50}, {name: late, arrival: '2026-04', flop: 1.946052e22, min_chips: 50, "
            "max_chips: 50, chips: [H20]}]")
    result = run(HW1, late)
    assert result.kpis["runs_completed"] == 2.0
    assert result.kpis["largest_run_month"] == pytest.approx(2.0)
    assert result.kpis["training_flop_delivered"] == pytest.approx(2 * 1.946052e22)


def test_unspent_chip_money_shrinks_when_spent_later() -> None:
    """No export rule, H100 supply 100 a quarter: month 0 buys 100 ($2.5M) and leaves $0.5M
    for want of supply; month 1 finds the quarter's supply gone ($3.5M left); the next
    quarter (month 3) buys 100 more, so $1M is left, still for want of supply."""
    result = run(HW1, "export_controls.rules=[]", "chips.H100.supply_per_quarter=100")
    no_supply = [0.5e6, 3.5e6, 3.5e6, 1e6, 1e6, 1e6]
    assert series(result, "kpi.unspent_chips_no_supply_usd") == pytest.approx(no_supply)
    assert series(result, "kpi.unspent_chips_usd") == pytest.approx(no_supply)
    assert series(result, "kpi.unspent_chips_nothing_allowed_usd") == [0.0] * 6


def test_no_training_has_no_cost_per_flop() -> None:
    result = run(HW1, "training.runs=[]")
    assert math.isnan(result.kpis["cost_per_training_eflop_usd"])
    assert math.isnan(result.kpis["tco_per_training_eflop_usd"])


def test_a_fleet_of_nothing() -> None:
    """No lease and no H100 supply: no chip, ever. No share of chip-months, nothing served,
    and a domestic compute share of 0 (not 1) with no compute at all; the build's $25,000 of
    amortisation is the whole cost of ownership."""
    result = run(HW1, "leases=[]", "chips.H100.supply_per_quarter=0", "training.runs=[]")
    k = result.kpis
    assert math.isnan(k["training_chip_share"])
    assert math.isnan(k["inference_chip_share"])
    assert math.isnan(k["tco_per_million_tokens_usd"])
    assert k["demand_served_fraction"] == 0.0
    assert k["total_cost_of_ownership_usd"] == pytest.approx(1.5e6 / 180 * 3)
    assert series(result, "kpi.domestic_compute_share") == [0.0] * 6


def test_demand_noise_is_drawn_from_its_keyed_stream() -> None:
    """Volatility 0.2 a month: month m's demand is 1e4 tokens/s x exp(0.2 z_m - 0.02), z_m
    the m-th standard normal of the stream ``demand:volatility`` of replication 0, seeded as
    the README says: SeedSequence(seed, spawn_key=(replication, blake2b-8 of the name >> 1))."""
    seed = 12345
    result = run_nominal(load_scenario(HW1, ["inference.volatility_per_month=0.2"]), seed=seed,
                         check=True)
    digest = hashlib.blake2b(b"demand:volatility", digest_size=8).digest()
    key = int.from_bytes(digest, "little") >> 1
    z = np.random.Generator(np.random.PCG64(np.random.SeedSequence(
        seed, spawn_key=(0, key)))).standard_normal(7)
    noise = np.exp(0.2 * z - 0.02)
    assert series(result, "demand_tokens_per_day") == pytest.approx(
        list(8.64e8 * noise[:6]), rel=1e-12)
    assert series(result, "tokens_demanded") == pytest.approx(list(1e4 * noise[:6] * MONTH_S),
                                                              rel=1e-12)


# -- hand-worked scenario 2 ---------------------------------------------------------------------

def test_domestic_chips_and_stranding_month_by_month(hw2: ReplicationResult) -> None:
    """40 MLU at the start and 100 H20 leased; at t = 2 (index 1) 40 more MLU and 7.142857 of
    24 H100 fit, 16.857143 H100 wait; at t = 2 month 1's 40 MLU are delivered after the index-1
    record (the docstring's order) and wait too (index 2: 56.857143); the build at t = 4 takes
    everything (index 3 on: 120 MLU, 24 H100; the lease was revoked at t = 3.5)."""
    assert series(hw2, "chips_installed_domestic") == pytest.approx([40, 80, 80, 120, 120, 120])
    assert series(hw2, "pflops_domestic_chips") == pytest.approx(
        [40 * MLU_PF, 80 * MLU_PF, 80 * MLU_PF] + [120 * MLU_PF] * 3)
    waiting = 24 - 0.01e6 / 1400
    assert series(hw2, "chips_stranded") == pytest.approx([0.0, waiting, waiting + 40, 0, 0, 0])
    installed = [40 * MLU_PF + 100 * H20_PF,
                 80 * MLU_PF + (24 - waiting) * H100_PF + 100 * H20_PF,
                 80 * MLU_PF + (24 - waiting) * H100_PF + 100 * H20_PF,
                 120 * MLU_PF + 24 * H100_PF, 120 * MLU_PF + 24 * H100_PF,
                 120 * MLU_PF + 24 * H100_PF]
    assert series(hw2, "installed_pflops") == pytest.approx(installed)
    # accessible: installed plus what waits for power
    assert series(hw2, "kpi.accessible_pflops") == pytest.approx([
        installed[0], installed[1] + waiting * H100_PF,
        installed[2] + waiting * H100_PF + 40 * MLU_PF, *installed[3:]])
    assert series(hw2, "kpi.domestic_compute_share") == pytest.approx(
        [40 * MLU_PF / installed[0], 80 * MLU_PF / installed[1], 80 * MLU_PF / installed[2]]
        + [120 * MLU_PF / installed[3]] * 3)
    assert series(hw2, "delivered_domestic_chips") == pytest.approx([0, 40, 40, 0, 0, 0])


def test_two_pools_of_domestic_chips_add_up() -> None:
    """Leasing 100 MLU instead of the H20: at the end of month 0, 40 MLU at home and 100
    leased are 140 Chinese chips, 13.44 PFLOP/s."""
    result = run(HW2, "leases.abroad.chip=MLU370-X8")
    assert result.series["chips_installed_domestic"][0] == pytest.approx(140.0)
    assert result.series["pflops_domestic_chips"][0] == pytest.approx(140 * MLU_PF)


def test_demand_and_service_month_by_month(hw2: ReplicationResult) -> None:
    """D(t) = 250,000 x 3^(t/3) tokens/s, sized at the month ends; all of it served before
    t = 3.5 (month indices 0-2), so each month's tokens are the integral
    250,000 x 3^(m/3) (3^(1/3) - 1) / r x M with r = ln 3 / 3."""
    r = math.log(3.0) / 3
    per_day = [250_000 * 3 ** ((m + 1) / 3) * 86400 for m in range(6)]
    assert series(hw2, "demand_tokens_per_day") == pytest.approx(per_day, rel=1e-12)
    months = [250_000 * 3 ** (m / 3) * (3 ** (1 / 3) - 1) / r * MONTH_S for m in range(6)]
    assert series(hw2, "tokens_demanded") == pytest.approx(months, rel=1e-12)
    assert series(hw2, "tokens_served")[:3] == pytest.approx(months[:3], rel=1e-12)
    served = np.array(series(hw2, "tokens_served"))
    assert series(hw2, "kpi.demand_served_fraction")[:3] == [1.0] * 3
    assert series(hw2, "kpi.demand_served_fraction")[3] == pytest.approx(
        served[:4].sum() / sum(months[:4]), rel=1e-12)
