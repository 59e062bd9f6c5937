"""Allocation policies, pool by pool, against hand-computed splits."""

from __future__ import annotations

import pytest

from sim.model.allocation import allocate, top_up
from sim.model.fleet import Cohort, Pool
from sim.model.inputs import ChipInputs
from tests.test_model_equations import chip as make_chip


def pool(kind: str, count: float, held: float = 0.0, chip: ChipInputs | None = None) -> Pool:
    p = Pool(kind, kind, chip or make_chip(), 0.0)
    p.add(Cohort(0.0, count, 1.0))
    p.held = held
    return p


def test_reserved_training_keeps_the_share_idle() -> None:
    """100 chips at 10 tokens/s each, share 0.3, demand 2,000 tokens/s: inference may take 70."""
    a = pool("domestic", 100.0)
    rates = {id(a): 10.0}
    capacity = allocate([a], rates, "reserved_training", 0.3, 2000.0, 0.0)
    assert a.inference == pytest.approx(70.0)
    assert capacity == (pytest.approx(700.0), 0.0)


def test_work_conserving_lends_the_idle_reserve_and_a_run_takes_it_back() -> None:
    a = pool("domestic", 100.0)
    rates = {id(a): 10.0}
    allocate([a], rates, "work_conserving", 0.3, 2000.0, 0.0)
    assert a.inference == pytest.approx(70.0)  # first pass: the reserved split
    capacity = top_up([a], rates, 2000.0, 0.0)
    assert a.inference == pytest.approx(100.0)  # no run holds the reserve: all of it serves
    assert capacity == (pytest.approx(1000.0), 0.0)
    a.held = 25.0  # a run took 25 of the 30 reserved chips
    allocate([a], rates, "work_conserving", 0.3, 2000.0, 0.0)
    top_up([a], rates, 2000.0, 0.0)
    assert a.inference == pytest.approx(75.0)


def test_top_up_stops_at_the_demand() -> None:
    """Demand 850 tokens/s: the first pass gives 70 chips (700), the top-up 15 more."""
    a = pool("domestic", 100.0)
    rates = {id(a): 10.0}
    allocate([a], rates, "work_conserving", 0.3, 850.0, 0.0)
    assert top_up([a], rates, 850.0, 0.0) == (pytest.approx(850.0), 0.0)
    assert a.inference == pytest.approx(85.0)


def test_top_up_counts_shared_demand_served_by_domestic_pools() -> None:
    """Domestic-only need 300, shared need 600; one domestic pool (40 chips x 10/s, share
    0.5) and one lease (100 chips x 5/s, share 0.5). First pass: the domestic pool serves 200
    of its domestic need (cap 20 chips), the lease 250 of the shared need (cap 50 chips).
    Top-up: the domestic pool adds 10 chips (100 domestic-only), then 10 more towards the shared
    need (100), the lease the rest of the shared need: 600 - 250 - 100 = 250 (50 chips)."""
    home = pool("domestic", 40.0)
    lease = pool("leased", 100.0)
    rates = {id(home): 10.0, id(lease): 5.0}
    first = allocate([home, lease], rates, "work_conserving", 0.5, 300.0, 600.0)
    assert first == (pytest.approx(200.0), pytest.approx(250.0))
    second = top_up([home, lease], rates, 300.0, 600.0)
    assert home.inference == pytest.approx(40.0)
    assert lease.inference == pytest.approx(100.0)
    assert second == (pytest.approx(400.0), pytest.approx(500.0))
