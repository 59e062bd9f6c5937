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

from sim.design import CorrelationSpec, unit_points
from sim.kpis import KPIS
from sim.model import ReplicationResult, concretize, input_space, simulate
from sim.model.results import SERIES
from sim.model.space import InputSpace
from sim.observations import observation_value
from sim.schema.scenario import Scenario
from sim.targets import target_met

__all__ = ["KPI_NAMES", "BatchResult", "correlation_spec", "replicate", "run_batch"]

KPI_NAMES: tuple[str, ...] = tuple(KPIS)
"""Column order of :attr:`BatchResult.kpis`."""


def correlation_spec(scenario: Scenario) -> CorrelationSpec:
    """The scenario's rank correlations for :func:`sim.design.unit_points`."""
    return CorrelationSpec(tuple(
        (c.between[0], c.between[1], float(c.rank_correlation)) for c in scenario.correlations
    ))


def replicate(scenario: Scenario, replication: int, *, seed: int | None = None,
              design: str | None = None, n_total: int | None = None, nominal: bool = False,
              trace: bool = False, check: bool = False) -> ReplicationResult:
    """Replication ``replication`` of ``scenario``'s Monte Carlo run: its inputs drawn by the
    design (default: the scenario's ``monte_carlo.design``, over ``monte_carlo.runs`` points,
    with its correlations), or every input at its median with ``nominal``; one simulation."""
    root = scenario.monte_carlo.seed if seed is None else seed
    space = input_space(scenario)
    if nominal:
        values = space.nominal()
    else:
        u = unit_points(space.names, root, [replication],
                        design or scenario.monte_carlo.design,
                        n_total=max(n_total or scenario.monte_carlo.runs, replication + 1),
                        correlations=correlation_spec(scenario))
        values = space.values(u[0])
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
    observations: npt.NDArray[np.float64] | None = None
    """``observations[i, j]``: replication i's value of observation ``observation_names[j]``."""
    observation_names: tuple[str, ...] = ()


def run_batch(scenario: Scenario, replications: Sequence[int], *, seed: int | None = None,
              design: str = "mc", n_total: int | None = None, with_series: bool = True,
              check: bool = False, space: InputSpace | None = None,
              correlations: CorrelationSpec | None = None) -> BatchResult:
    """Run the given replications of ``scenario`` (any subset, in any order: each depends
    only on the seed, the design and its size, and its own index). ``correlations`` default
    to the scenario's; ``space`` may be passed to reuse a prepared input space."""
    root = scenario.monte_carlo.seed if seed is None else seed
    space = input_space(scenario) if space is None else space
    correlations = correlation_spec(scenario) if correlations is None else correlations
    reps = np.asarray(list(replications), dtype=np.int64)
    size = n_total if n_total is not None else (int(reps.max()) + 1 if reps.size else 1)
    u = unit_points(space.names, root, reps.tolist(), design, n_total=size,
                    correlations=correlations)
    # one quantile-function call per input per batch, on contiguous columns (a strided column
    # and a one-element one could take different SIMD paths in numpy's elementwise functions)
    x = space.matrix(np.asfortranarray(u))
    start, horizon = scenario.clock.start, scenario.clock.horizon_months
    names = tuple(SERIES)
    kpis = np.empty((len(reps), len(KPI_NAMES)))
    targets = np.zeros((len(reps), len(scenario.targets)), dtype=bool)
    observed = np.empty((len(reps), len(scenario.observations)))
    inputs = np.empty((len(reps), len(space.names)))
    series = np.empty((len(reps), len(names), horizon)) if with_series else None
    for i, rep in enumerate(reps.tolist()):
        values = space.row(x[i])
        inputs[i] = x[i]
        result = simulate(concretize(scenario, values), root, rep, check=check)
        kpis[i] = [result.kpis[name] for name in KPI_NAMES]
        for j, target in enumerate(scenario.targets):
            targets[i, j] = target_met(target, result, start)
        for j, obs in enumerate(scenario.observations):
            observed[i, j] = observation_value(obs, result, start)
        if series is not None:
            for s, name in enumerate(names):
                series[i, s] = result.series[name]
    return BatchResult(reps, kpis, targets, space.names, inputs, names, series, observed,
                       tuple(o.name for o in scenario.observations))
