"""The Monte Carlo driver: rounds of batches on an executor, into a store, then the summary.

For each round (one round for ``--runs N``; several for ``--precision``) the driver works out
which replications of ``0..n-1`` are not done yet, splits them into batches, runs them on the
executor, and records each batch as it arrives, by its replication range (never by arrival
order). Replication results depend only on the seed, the design and the index, so the final
tables are the same whichever executor, worker count, batch size or resume produced them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import sys
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import scipy

from sim.api import KPI_NAMES, BatchResult
from sim.design import sobol_note
from sim.model import input_space
from sim.model.results import SERIES
from sim.runner.calibration import observation_summary
from sim.runner.executors import Executor, make_executor
from sim.runner.options import Resolved, RunOptions, default_batch_size, resolve
from sim.runner.precision import FIRST_ROUND, PrecisionCheck, check_precision, next_round
from sim.runner.progress import Progress
from sim.runner.result import RunResult
from sim.runner.summary import CONFIDENCE, kpi_summary, target_summary
from sim.runner.task import TaskSpec
from sim.schema.scenario import Scenario
from sim.store.manifest import code_hash, git_revision, sha256_text, version
from sim.store.rundir import RunDirectory
from sim.store.sketch import SeriesSketch
from sim.store.tables import (
    band_table,
    kpi_table,
    observation_columns,
    series_table,
    target_columns,
)

__all__ = ["execute", "missing_batches"]

Interval = tuple[int, int]
CHECKPOINT_EVERY = 64


def missing_batches(done: list[Interval], n: int, size: int) -> list[Interval]:
    """Batches of at most ``size`` covering the replications of ``0..n-1`` not in ``done``."""
    gaps: list[Interval] = []
    position = 0
    for a, b in sorted(done):
        if a > position:
            gaps.append((position, min(a, n)))
        position = max(position, b)
        if position >= n:
            break
    if position < n:
        gaps.append((position, n))
    return [(s, min(s + size, b)) for a, b in gaps if a < b for s in range(a, b, size)]


class _Collected:
    """What the driver keeps of finished batches: KPIs and targets (for the summary and the
    precision check), the series sketch, and, for a run without a directory, everything."""

    def __init__(self, names: tuple[str, ...], months: int, keep_all: bool) -> None:
        self.batches: dict[int, tuple[int, BatchResult]] = {}
        self.keep_all = keep_all
        self.sketch = SeriesSketch.empty(names, months)
        self.pending: list[SeriesSketch] = []

    def add(self, interval: Interval, batch: BatchResult, sketch: SeriesSketch) -> None:
        if not self.keep_all:
            batch = dataclasses.replace(batch, input_names=(), series_names=(), series=None,
                                        inputs=np.zeros((len(batch.replications), 0)))
        self.batches[interval[0]] = (interval[1], batch)
        self.pending.append(sketch)
        if len(self.pending) >= 64 or sum(s.codes.size for s in self.pending) > max(
                self.sketch.codes.size, 200_000):
            self.merged()

    def merged(self) -> SeriesSketch:
        """The sketch of every batch added so far."""
        if self.pending:
            self.sketch = SeriesSketch.merge([self.sketch, *self.pending])
            self.pending = []
        return self.sketch

    def done(self) -> list[Interval]:
        return [(a, b) for a, (b, _) in self.batches.items()]

    def ordered(self, n: int) -> list[BatchResult]:
        return [batch for a, (_, batch) in sorted(self.batches.items()) if a < n]

    def arrays(self, n: int, targets: int
               ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
        parts = self.ordered(n)
        if not parts:
            return np.zeros((0, len(KPI_NAMES))), np.zeros((0, targets), bool)
        reps = np.concatenate([p.replications for p in parts])
        if not np.array_equal(reps, np.arange(n)):
            raise RuntimeError(f"replications 0..{n - 1} are not all done exactly once")
        return (np.concatenate([p.kpis for p in parts]),
                np.concatenate([p.targets for p in parts]))

    def observed(self, n: int, count: int) -> npt.NDArray[np.float64]:
        """Each replication's observation values, in replication order (after :meth:`arrays`
        has checked that order)."""
        parts = [p.observations for p in self.ordered(n)]
        if not parts or any(p is None for p in parts):
            return np.full((n, count), np.nan)
        return np.concatenate([p for p in parts if p is not None])


def _manifest(scenario: Scenario, spec: TaskSpec, r: Resolved, inputs: tuple[str, ...],
              options: RunOptions) -> dict[str, Any]:
    return {
        "format": 1, "status": "running", "version": version(), "code_hash": code_hash(),
        "git_revision": git_revision(), "scenario": scenario.name,
        "scenario_hash": spec.scenario_hash, "scenario_file": options.scenario_file,
        "overrides": list(options.overrides), "seed": r.seed, "design": r.design,
        "n_total": r.n_total, "runs": r.runs, "precision": r.precision, "max_runs": r.max_runs,
        "keep_series": r.keep_series, "kpis": list(KPI_NAMES),
        "targets": [t.name for t in scenario.targets],
        "observations": [o.name for o in scenario.observations], "inputs": list(inputs),
        "executor": r.executor, "workers": r.workers, "batch_size": r.batch_size,
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0], "numpy": np.__version__,
        "scipy": scipy.__version__, "pyarrow": pa.__version__,
    }


def _read_recorded(out: Path) -> dict[str, Any] | None:
    import json

    try:
        data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _clean(value: Any) -> Any:
    """JSON-ready: NaN and infinities become None, recursively."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def _summary(scenario: Scenario, r: Resolved, n: int, kpis: npt.NDArray[np.float64],
             met: npt.NDArray[np.bool_], check: PrecisionCheck | None,
             observed: npt.NDArray[np.float64]) -> dict[str, Any]:
    summary: dict[str, Any] = _clean({
        "scenario": scenario.name, "replications": n, "seed": r.seed, "design": r.design,
        "n_total": r.n_total, "confidence": CONFIDENCE,
        "kpis": {name: kpi_summary(kpis[:, k], name) for k, name in enumerate(KPI_NAMES)},
        "targets": target_summary(met, [t.name for t in scenario.targets],
                                  [t.kpi for t in scenario.targets]),
        "precision": None if check is None else check.to_json(),
        "observations": observation_summary(observed, scenario.observations),
    })
    return summary


def execute(scenario: Scenario, options: RunOptions, *, progress: TextIO | None = None,
            note: Callable[[str], None] | None = None,
            executor: Executor | None = None) -> RunResult:
    """Run ``scenario``'s Monte Carlo replications as ``options`` say; see :func:`sim.runner.run`.
    ``progress`` is where a progress bar is drawn; ``note`` receives warnings for the user.
    ``executor``, an open executor, is used (and left open) instead of one made from
    ``options`` (so that many runs, as in a sweep, share one set of workers)."""
    recorded = _read_recorded(options.out) if options.resume and options.out else None
    r = resolve(options, scenario, recorded)
    scenario_json = scenario.model_dump_json()
    spec = TaskSpec(scenario_json, sha256_text(scenario_json), r.seed, r.design, r.n_total,
                    r.keep_series, options.check)
    names = input_space(scenario).names
    targets = [t.name for t in scenario.targets]
    store: RunDirectory | None = None
    if options.out is not None:
        manifest = _manifest(scenario, spec, r, names, options)
        store = (RunDirectory.resume(options.out, manifest) if options.resume else
                 RunDirectory.create(options.out, manifest, scenario_json,
                                     overwrite=options.overwrite))
    with ExitStack() as stack:
        if store is not None:
            stack.callback(store.close)
            if store.complete:
                return RunResult.load(store.path)
        collected = _Collected(tuple(SERIES), scenario.clock.horizon_months, store is None)
        if store is not None:
            _reload(store, collected)
        executors: list[Executor] = [] if executor is None else [executor]

        def run_round(n: int) -> None:
            todo_total = n - sum(min(b, n) - a for a, b in collected.done() if a < n)
            if todo_total <= 0:
                return
            size = r.batch_size or default_batch_size(todo_total, r.workers)
            batches = missing_batches(collected.done(), n, size)
            if not executors:
                executors.append(stack.enter_context(
                    make_executor(r.executor, r.workers, options.scheduler)))
            bar = Progress(progress, n, done=n - todo_total)
            since_checkpoint = 0
            for result in executors[0].map(spec, batches):
                interval = (result.start, result.stop)
                if store is not None:
                    store.add(interval, result.batch, result.sketch, targets)
                collected.add(interval, result.batch, result.sketch)
                bar.advance(result.stop - result.start)
                since_checkpoint += 1
                if store is not None and since_checkpoint >= CHECKPOINT_EVERY:
                    store.checkpoint(collected.merged())
                    since_checkpoint = 0
            bar.close()

        check: PrecisionCheck | None = None
        if r.precision is None:
            assert r.runs is not None
            n = r.runs
            run_round(n)
        else:
            assert r.max_runs is not None
            n = min(FIRST_ROUND, r.max_runs)
            while True:
                run_round(n)
                kpis, met = collected.arrays(n, len(targets))
                check = check_precision(kpis, KPI_NAMES, met, targets, r.precision)
                if check.reached or n >= r.max_runs:
                    break
                n = next_round(n, check.needed, r.max_runs, r.design)
        if note is not None and r.design == "sobol" and sobol_note(n):
            note(str(sobol_note(n)))
        if note is not None and check is not None and not check.reached:
            note(f"precision {r.precision} not reached within --max-runs {r.max_runs}")
        kpis, met = collected.arrays(n, len(targets))
        summary = _summary(scenario, r, n, kpis, met, check,
                           collected.observed(n, len(scenario.observations)))
        bands = band_table(collected.merged(), scenario.clock.start)
        if store is not None:
            store.finish(n, bands, summary, {
                "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")})
            return RunResult.load(store.path)
        parts = collected.ordered(n)
        table = pa.concat_tables([kpi_table(p, targets) for p in parts])
        series = None
        if r.keep_series:
            series = pa.concat_tables([series_table(p.replications, p.series_names, p.series)
                                       for p in parts if p.series is not None])
        return RunResult(summary, None, table, bands, series)
    raise AssertionError("unreachable")  # pragma: no cover


def _reload(store: RunDirectory, collected: _Collected) -> None:
    """Load a resumed run's finished batches: KPIs and targets, and the series sketch."""
    tcols = target_columns(store.manifest.get("targets", []))
    names = tuple(store.manifest.get("observations", []))
    ocols = observation_columns(names)
    for interval in store.batches:
        table = store.batch_table(interval, ["replication", *KPI_NAMES, *tcols, *ocols])
        kpis = np.column_stack([table[c].to_numpy() for c in KPI_NAMES]) if table.num_rows \
            else np.zeros((0, len(KPI_NAMES)))
        met = (np.column_stack([table[c].to_numpy() for c in tcols]) if tcols
               else np.zeros((table.num_rows, 0), bool))
        observed = (np.column_stack([table[c].to_numpy() for c in ocols]) if ocols
                    else np.zeros((table.num_rows, 0)))
        reps = table["replication"].to_numpy()
        batch = BatchResult(reps, kpis.astype(np.float64), met.astype(bool), (),
                            np.zeros((len(reps), 0)), (), None, observed.astype(np.float64),
                            names)
        collected.batches[interval[0]] = (interval[1], batch)
    for sketch in store.sketches():
        collected.pending.append(sketch)
    collected.merged()
