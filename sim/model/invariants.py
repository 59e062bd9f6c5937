"""Invariants of one replication's state, checked after every event in check mode.

These are the model-level invariants of DESIGN.md section 4 that hold at every instant; the
ones that compare replications (monotonicity, scaling, determinism) live in
:mod:`sim.testing`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.model.engine import Replication

__all__ = ["InvariantViolationError", "check_state"]

_TOL = 1e-6


class InvariantViolationError(AssertionError):
    """The model broke one of its own invariants (a bug, never a user error)."""


def check_state(rep: Replication) -> None:
    """Raise :class:`InvariantViolationError` if any invariant fails now."""
    t = rep.env.now

    def fail(message: str) -> None:
        raise InvariantViolationError(f"t={t:.4f} months: {message}")

    try:
        rep.ledger.check()
    except AssertionError as exc:
        fail(f"money not conserved: {exc}")
    acc, fleet = rep.acc, rep.fleet
    if not acc.delivered <= acc.ordered * (1 + _TOL) + _TOL:
        fail(f"delivered {acc.delivered} > ordered {acc.ordered}")
    if not fleet.installed_purchased <= acc.delivered * (1 + _TOL) + _TOL:
        fail(f"installed {fleet.installed_purchased} > delivered {acc.delivered}")
    for site, capacity in fleet.capacity_mw.items():
        used = fleet.used_mw(site)
        if used > capacity * (1 + _TOL) + _TOL:
            fail(f"site {site} draws {used:.3f} MW > {capacity:.3f} MW available")
    for pool in fleet.pools.values():
        if pool.count < -_TOL or pool.inference < -_TOL or pool.held < -_TOL:
            fail(f"negative chips in pool {pool.location}/{pool.chip.name}")
        if pool.inference > pool.count * (1 + _TOL) + _TOL:
            fail(f"pool {pool.location}/{pool.chip.name} serves with more chips than it has")
    for state, _ in rep.running.values():
        assert state.pool is not None
        peak = state.chips * state.pool.chip.peak_flops
        if state.flops > peak * (1 + _TOL):
            fail(f"run {state.run.name} at {state.flops:.3g} FLOP/s > peak {peak:.3g}")
    if rep.flows() != rep._flows:
        fail("the flows integrated between events are stale: a state change skipped "
             "after_event()")
    if acc.tokens_served > acc.tokens_demanded * (1 + _TOL) + _TOL:
        fail("more tokens served than demanded")
