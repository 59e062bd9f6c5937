"""The per-month flows the engine integrates between events, and the order of its waits, each
against a hand computation or against SimPy's own processes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import simpy

from sim.loading import load_scenario
from sim.model import concretize, input_space
from sim.model.costs import flows
from sim.model.fleet import Cohort, Fleet, Pool
from sim.model.inputs import SiteInputs
from sim.model.scheduling import Pending, later

ROOT = Path(__file__).resolve().parent.parent


def _fleet() -> Fleet:
    scenario = load_scenario(ROOT / "scenarios" / "bytedance_2026.yaml")
    chips = concretize(scenario, input_space(scenario).nominal()).chips
    chip = next(iter(chips.values()))
    home = SiteInputs("home", "domestic", 10.0, 1.0, 1.0, 0.1, capex_usd=1.2e9,
                      datacenter_life_months=120.0, fixed_opex_usd_per_mw_month=1e4)
    away = SiteInputs("away", "overseas_owned", 5.0, 1.0, 1.0, 0.1,
                      fixed_opex_usd_per_mw_month=2e4)
    fleet = Fleet((home, away))
    a = fleet.pool("home", "domestic", chip, 1000.0)
    a.add(Cohort(0.0, 4000.0, 30_000.0))
    a.inference, a.held = 1000.0, 2000.0
    b = fleet.pool("away", "overseas_owned", dataclasses.replace(chip, name="other"), 1500.0)
    b.add(Cohort(0.0, 1000.0, 20_000.0))
    b.inference = 1000.0
    lease = fleet.add_lease("lease", chip, 100.0, 0.0)
    lease.held = 100.0
    return fleet


PARTS = {"home": (48.0, 50.0), "away": (60.0, 80.0), "lease": (-1.0, 1500.0)}


def test_flows_by_hand() -> None:
    """Two sites and a lease. Chip-month rates: home 30,000/48 + 50 = 675, away
    20,000/60 + 80 = 413.33, the lease its fee 1,500. Chips: inference 1,000 + 1,000, held
    2,000 + 100, idle 1,000 (home). Sites: home 1.2e9/120 + 10 x 1e4 = 10.1M a month, 4 of
    10 MW used, so 60% of it on idle power; away 5 x 2e4 = 100k, 1.5 of 5 MW used (70%)."""
    fleet = _fleet()
    got = flows(fleet, 0, lambda pool: PARTS[pool.location])
    away_rate = 20_000.0 / 60.0 + 80.0
    expected = (2000.0, 2100.0, 1000.0, 1000.0 * 675.0 + 1000.0 * away_rate,
                2000.0 * 675.0 + 100.0 * 1500.0, 1000.0 * 675.0, 10_100_000.0 + 100_000.0,
                0.6 * 10_100_000.0 + 0.7 * 100_000.0)
    assert got == pytest.approx(expected, rel=1e-12)


def test_flows_ask_for_cost_parts_once_per_pool_and_rule_epoch() -> None:
    """The parts (useful life, energy after subsidies) change only when a rule lands."""
    fleet = _fleet()
    asked: list[str] = []

    def parts(pool: Pool) -> tuple[float, float]:
        asked.append(pool.location)
        return PARTS[pool.location]

    first = flows(fleet, 0, parts)
    assert flows(fleet, 0, parts) == first
    assert sorted(asked) == ["away", "home", "lease"]
    flows(fleet, 1, parts)
    assert len(asked) == 6


def _order(schedule: str) -> list[str]:
    """The order in which two waits of 1 month fire: one started (by a process, or by
    ``later``) while an event of the same instant, created earlier, is pending, and one that
    pending event starts as a plain timeout."""
    env = simpy.Environment()
    fired: list[str] = []

    def pending_event(_: simpy.Event) -> None:
        env.timeout(1.0).callbacks.append(lambda _: fired.append("plain"))

    def start(_: simpy.Event) -> None:
        env.timeout(0.0).callbacks.append(pending_event)  # created first, due now
        if schedule == "process":
            def wait() -> simpy.events.ProcessGenerator:
                yield env.timeout(1.0)
                fired.append("started")
            env.process(wait())
        else:
            later(env, 1.0, lambda: fired.append("started"))

    env.timeout(0.0).callbacks.append(start)
    env.run()
    return fired


def test_later_fires_where_a_process_started_then_would() -> None:
    """SimPy starts a process with an urgent event, before events already due at the same
    instant; ``later`` must too, or simultaneous events would change order."""
    assert _order("later") == _order("process") == ["started", "plain"]


def test_a_cancelled_wait_does_nothing() -> None:
    env = simpy.Environment()
    fired: list[str] = []
    pending = Pending()
    later(env, 1.0, lambda: fired.append("run"), pending)
    env.timeout(0.5).callbacks.append(lambda _: setattr(pending, "cancelled", True))
    env.run()
    assert fired == []
    assert Pending().cancelled is False
