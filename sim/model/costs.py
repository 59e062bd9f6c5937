"""What the state costs per month between two events: chip-months and their costs by use.

Nothing here changes between events, so the engine sums it once after each event that changes
a pool or the allocation, and integrates it over each interval (``value x dt``).
"""

from __future__ import annotations

from collections.abc import Callable

from sim.model.fleet import Fleet, Pool

__all__ = ["flows"]


def flows(fleet: Fleet, epoch: int, cost_parts: Callable[[Pool], tuple[float, float]]
          ) -> tuple[float, ...]:
    """Per month: chips serving inference, held by runs, idle; their costs (USD: amortisation
    and energy after subsidies, or lease fees); the sites' amortised capex and fixed costs, and
    the part of those on unused power.

    ``cost_parts(pool)`` gives ``(useful life in months, energy USD per chip-month)`` in rule
    epoch ``epoch`` (``(-1, fee per chip)`` for a lease); a pool keeps them until the epoch
    changes. A chip-month costs ``unit cost / useful life + energy``, the unit cost being the
    pool's average over its cohorts.
    """
    inference = held = idle = inference_cost = training_cost = idle_cost = 0.0
    for pool in fleet.pools.values():
        memo = pool.rate_memo
        if memo is None or memo[0] != epoch:
            memo = pool.rate_memo = (epoch, *cost_parts(pool))
        # a lease costs its fee per chip; owned chips their amortisation and energy
        rate = memo[2] if memo[1] < 0.0 else pool.unit_cost_usd() / memo[1] + memo[2]
        spare = pool.count - pool.inference - pool.held
        if not spare > 0.0:
            spare = 0.0
        inference += pool.inference
        held += pool.held
        idle += spare
        inference_cost += pool.inference * rate
        training_cost += pool.held * rate
        idle_cost += spare * rate
    site_cost = idle_power_cost = 0.0
    for site in fleet.sites.values():
        name = site.name
        capacity_mw = fleet.capacity_mw[name]
        cost = (fleet.capital_usd[name] / site.datacenter_life_months
                + capacity_mw * site.fixed_opex_usd_per_mw_month)
        site_cost += cost
        if capacity_mw > 0.0:
            unused = 1.0 - fleet.used_mw(name) / capacity_mw
            idle_power_cost += cost * (unused if unused > 0.0 else 0.0)
    return (inference, held, idle, inference_cost, training_cost, idle_cost, site_cost,
            idle_power_cost)
