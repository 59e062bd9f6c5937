"""The Python entry points for one scenario's replications.

>>> from sim.loading import load_scenario
>>> from sim.api import replicate, run_batch
>>> scenario = load_scenario("scenarios/bytedance_2026.yaml")  # doctest: +SKIP
>>> one = replicate(scenario, 0)  # doctest: +SKIP
>>> batch = run_batch(scenario, range(100))  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sim.design import unit_points
from sim.kpis import KPIS
from sim.model import ReplicationResult, concretize, input_space, simulate
from sim.model.results import SERIES
from sim.schema.scenario import Scenario
from sim.targets import target_met

__all__ = ["KPI_NAMES", "BatchResult", "replicate", "run_batch"]

KPI_NAMES: tuple[str, ...] = tuple(KPIS)
"""Column order of :attr:`BatchResult.kpis`."""


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


@dataclass(frozen=True)
class BatchResult:
    """Arrays for a batch of replications, row i for ``replications[i]``.

    ``kpis[i, k]`` is KPI ``KPI_NAMES[k]``; ``targets[i, j]`` whether target j was met;
    ``inputs[i, j]`` the value of uncertain input ``input_names[j]``; ``series[i, s, m]`` the
    monthly series ``SERIES`` names ``series_names[s]`` at month m (only when requested).
    """

    replications: npt.NDArray[np.int64]
    kpis: npt.NDArray[np.float64]
    targets: npt.NDArray[np.bool_]
    input_names: tuple[str, ...]
    inputs: npt.NDArray[np.float64]
    series_names: tuple[str, ...]
    series: npt.NDArray[np.float64] | None


def run_batch(scenario: Scenario, replications: Sequence[int], *, seed: int | None = None,
              with_series: bool = True, check: bool = False) -> BatchResult:
    """Run the given replications of ``scenario`` (any subset, in any order: each depends
    only on the seed and its own index)."""
    root = scenario.monte_carlo.seed if seed is None else seed
    space = input_space(scenario)
    reps = np.asarray(list(replications), dtype=np.int64)
    x = space.matrix(unit_points(space.names, root, [int(r) for r in reps]))
    horizon = scenario.clock.horizon_months
    names = tuple(SERIES)
    kpis = np.empty((len(reps), len(KPI_NAMES)))
    targets = np.zeros((len(reps), len(scenario.targets)), dtype=bool)
    inputs = np.empty((len(reps), len(space.names)))
    series = np.empty((len(reps), len(names), horizon)) if with_series else None
    for i, rep in enumerate(reps):
        values = space.row(x[i])
        inputs[i] = x[i]
        result = simulate(concretize(scenario, values), root, int(rep), check=check)
        kpis[i] = [result.kpis[name] for name in KPI_NAMES]
        for j, target in enumerate(scenario.targets):
            targets[i, j] = target_met(target, result, scenario.clock.start)
        if series is not None:
            for s, name in enumerate(names):
                series[i, s] = result.series[name]
    return BatchResult(reps, kpis, targets, space.names, inputs, names, series)
