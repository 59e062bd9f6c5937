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

__all__ = ["TaskResult", "TaskSpec", "run_task"]


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
class _Prepared:
    scenario: Scenario
    space: InputSpace
    correlations: CorrelationSpec


_CACHE: dict[str, _Prepared] = {}
_CACHE_LOCK = threading.Lock()


def _prepare(scenario: Scenario) -> _Prepared:
    return _Prepared(scenario, input_space(scenario), correlation_spec(scenario))


def _prepared(spec: TaskSpec) -> _Prepared:
    with _CACHE_LOCK:
        hit = _CACHE.get(spec.scenario_hash)
    if hit is not None:
        return hit
    prepared = _prepare(Scenario.model_validate_json(spec.scenario_json))
    with _CACHE_LOCK:
        if len(_CACHE) >= 4:
            _CACHE.clear()
        _CACHE[spec.scenario_hash] = prepared
    return prepared


def run_task(spec: TaskSpec, start: int, stop: int) -> TaskResult:
    """Replications ``start..stop-1``: their arrays and the sketch of their series."""
    prepared = _prepared(spec)
    batch = run_batch(
        prepared.scenario, range(start, stop), seed=spec.seed, design=spec.design,
        n_total=spec.n_total, with_series=True, check=spec.check, space=prepared.space,
        correlations=prepared.correlations,
    )
    assert batch.series is not None
    sketch = SeriesSketch.of(batch.series_names, batch.series)
    if not spec.keep_series:
        batch = dataclasses.replace(batch, series=None)
    return TaskResult(start, stop, batch, sketch)
