"""The unit of work shipped to a worker: replications ``start..stop-1`` of one scenario.

A task carries the scenario as its validated JSON dump (about 10 kB for the reference scenario)
and its hash; a worker validates it once (``Scenario.model_validate_json``, ~0.1-0.2 s) and keeps
it in a small cache keyed by the hash, so later batches of the same run pay nothing. A pickle of
the Scenario is ~50x larger (it drags cached catalog data along) for a rebuild that is only
cheaper once per worker; see ``benchmarks/bench_runner.py``.

Everything a replication draws depends only on the root seed, the design, the design's size
and the replication's index, so a task's result is the same on any worker, in any order.
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass

from sim.api import BatchResult, correlation_spec, run_batch
from sim.design import CorrelationSpec
from sim.model import input_space
from sim.model.space import InputSpace
from sim.schema.scenario import Scenario
from sim.store.sketch import SeriesSketch

__all__ = ["Prepared", "TaskResult", "TaskSpec", "prepared", "run_task"]


@dataclass(frozen=True)
class TaskSpec:
    """What every batch of a run shares."""

    scenario_json: str
    scenario_hash: str
    seed: int
    design: str
    n_total: int
    """The design's size (the strata of a Latin hypercube)."""
    keep_series: bool = False
    """Return each replication's monthly series (not only their sketch)."""
    check: bool = False


@dataclass(frozen=True)
class TaskResult:
    """One batch's arrays (series only when kept) and the sketch of its monthly series."""

    start: int
    stop: int
    batch: BatchResult
    sketch: SeriesSketch


@dataclass(frozen=True)
class Prepared:
    """A validated scenario with its input space and correlations."""

    scenario: Scenario
    space: InputSpace
    correlations: CorrelationSpec


_CACHE: dict[str, Prepared] = {}
_CACHE_LOCK = threading.Lock()


def prepared(scenario_hash: str, scenario_json: str) -> Prepared:
    """The scenario of a task, validated once per worker process (a small cache by hash),
    with its input space and correlations; shared by every batch function."""
    with _CACHE_LOCK:
        hit = _CACHE.get(scenario_hash)
    if hit is not None:
        return hit
    scenario = Scenario.model_validate_json(scenario_json)
    made = Prepared(scenario, input_space(scenario), correlation_spec(scenario))
    with _CACHE_LOCK:
        if len(_CACHE) >= 4:
            _CACHE.clear()
        _CACHE[scenario_hash] = made
    return made


def run_task(spec: TaskSpec, start: int, stop: int) -> TaskResult:
    """Replications ``start..stop-1``: their arrays and the sketch of their series."""
    ready = prepared(spec.scenario_hash, spec.scenario_json)
    batch = run_batch(
        ready.scenario, range(start, stop), seed=spec.seed, design=spec.design,
        n_total=spec.n_total, with_series=True, check=spec.check, space=ready.space,
        correlations=ready.correlations,
    )
    assert batch.series is not None
    sketch = SeriesSketch.of(batch.series_names, batch.series)
    if not spec.keep_series:
        batch = dataclasses.replace(batch, series=None)
    return TaskResult(start, stop, batch, sketch)
