"""Evaluating chosen points of a scenario's input space, in batches on any executor.

A Monte Carlo run draws its points from a design; a tornado or a Sobol' analysis needs points
of its own (every input at its median but one; matrices A, B and their mixtures). A
:class:`Plan` says which point and which event streams row ``k`` uses, computed from the plan
alone (so a task ships a few numbers, not a matrix, and any batch runs anywhere in any order).
:func:`run_points` evaluates rows ``start..stop-1`` of a plan: for each, the unit point goes
through the inputs' quantile functions, the model runs on the event streams of the row's
replication, and the KPIs and targets come back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from sim.api import KPI_NAMES
from sim.model import concretize, simulate
from sim.runner.executors import Executor
from sim.runner.task import prepared
from sim.schema.scenario import Scenario
from sim.targets import target_met

__all__ = ["Plan", "PointResult", "PointSpec", "evaluate", "point_spec", "run_points"]

Array = npt.NDArray[np.float64]


class Plan(Protocol):
    """Which unit point and which event-stream replication each row uses."""

    @property
    def rows(self) -> int:
        """How many rows the plan has."""
        ...  # pragma: no cover

    def points(self, names: Sequence[str], seed: int, start: int, stop: int
               ) -> tuple[Array, npt.NDArray[np.int64]]:
        """Unit points ``[stop - start, len(names)]`` and event replications of the rows."""
        ...  # pragma: no cover


@dataclass(frozen=True)
class PointSpec:
    """What every batch of a plan's evaluation shares."""

    scenario_json: str
    scenario_hash: str
    seed: int
    plan: Plan

    @property
    def token(self) -> str:
        """Names the computation (Dask keys)."""
        return f"{self.scenario_hash}-{self.seed}-{self.plan!r}"


@dataclass(frozen=True)
class PointResult:
    """KPIs (``[rows, KPI_NAMES]``) and targets met of rows ``start..stop-1``."""

    start: int
    stop: int
    kpis: Array
    targets: npt.NDArray[np.bool_]


def run_points(spec: PointSpec, start: int, stop: int) -> PointResult:
    """Rows ``start..stop-1`` of the plan (a batch function for :meth:`Executor.map`)."""
    ready = prepared(spec.scenario_hash, spec.scenario_json)
    scenario, space = ready.scenario, ready.space
    u, reps = spec.plan.points(space.names, spec.seed, start, stop)
    x = space.matrix(np.asfortranarray(u))
    kpis = np.empty((stop - start, len(KPI_NAMES)))
    met = np.zeros((stop - start, len(scenario.targets)), dtype=bool)
    for i in range(stop - start):
        result = simulate(concretize(scenario, space.row(x[i])), spec.seed, int(reps[i]))
        kpis[i] = [result.kpis[name] for name in KPI_NAMES]
        for j, target in enumerate(scenario.targets):
            met[i, j] = target_met(target, result, scenario.clock.start)
    return PointResult(start, stop, kpis, met)


def point_spec(scenario: Scenario, seed: int, plan: Plan) -> PointSpec:
    """The spec of ``plan`` on ``scenario``."""
    text = scenario.model_dump_json()
    return PointSpec(text, hashlib.sha256(text.encode()).hexdigest(), seed, plan)


def evaluate(spec: PointSpec, executor: Executor, *, batch_size: int | None = None,
             progress: Callable[[int], None] | None = None
             ) -> tuple[Array, npt.NDArray[np.bool_]]:
    """Every row of the plan on ``executor``: KPIs and targets, in row order."""
    n = spec.plan.rows
    size = batch_size or max(1, min(64, -(-n // (4 * max(1, executor.workers)))))
    batches = [(a, min(a + size, n)) for a in range(0, n, size)]
    kpis = np.empty((n, len(KPI_NAMES)))
    met: npt.NDArray[np.bool_] | None = None
    for result in executor.map(spec, batches, run_points):
        kpis[result.start:result.stop] = result.kpis
        if met is None:
            met = np.zeros((n, result.targets.shape[1]), dtype=bool)
        met[result.start:result.stop] = result.targets
        if progress is not None:
            progress(result.stop - result.start)
    return kpis, (met if met is not None else np.zeros((n, 0), dtype=bool))
