"""The Python entry points for one scenario's replications.

>>> from sim.loading import load_scenario
>>> from sim.api import replicate
>>> result = replicate(load_scenario("scenarios/bytedance_2026.yaml"), 0)  # doctest: +SKIP
"""

from __future__ import annotations

from sim.design import unit_points
from sim.model import ReplicationResult, concretize, input_space, simulate
from sim.schema.scenario import Scenario

__all__ = ["replicate"]


def replicate(scenario: Scenario, replication: int, *, seed: int | None = None,
              nominal: bool = False, trace: bool = False,
              check: bool = False) -> ReplicationResult:
    """Replication ``replication`` of ``scenario``: inputs drawn from the scenario's keyed
    streams (or every input at its median with ``nominal``), then one simulation."""
    root = scenario.monte_carlo.seed if seed is None else seed
    space = input_space(scenario)
    if nominal:
        values = space.nominal()
    else:
        u = unit_points(space.names, root, [replication])[0]
        values = space.values(u)
    return simulate(concretize(scenario, values), root, replication, trace=trace, check=check)
