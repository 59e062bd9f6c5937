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
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import scipy

from sim.api import KPI_NAMES, BatchResult
from sim.design import sobol_note
from sim.errors import CapexsimError
from sim.model import engine_build, input_space
from sim.model.results import SERIES
from sim.runner.calibration import observation_summary
from sim.runner.executors import Executor, make_executor
from sim.runner.options import Resolved, RunOptions, default_batch_size, resolve
from sim.runner.precision import FIRST_ROUND, PrecisionCheck, check_precision, next_round
from sim.runner.progress import Progress
from sim.runner.result import RunResult
from sim.runner.signals import Interrupted, deferred, interruptible
from sim.runner.signals import check as stop_if_signalled
from sim.runner.summary import CONFIDENCE, kpi_summary, target_summary
from sim.runner.task import TaskSpec
from sim.schema.scenario import Scenario
from sim.store.files import StoreIOError, describe_os_error
from sim.store.manifest import code_hash, git_revision, sha256_text, version
from sim.store.rundir import RunDirectory
from sim.store.sketch import SeriesSketch
from sim.store.tables import (
    band_table,
    kpi_table,
    observation_columns,
    read_column,
    series_table,
    target_columns,
)

__all__ = ["execute", "missing_batches"]

Interval = tuple[int, int]
CHECKPOINT_EVERY = 64


def missing_batches(done: Sequence[Interval], n: int, size: int,
                    cuts: Sequence[Interval] = ()) -> Iterator[Interval]:
    """Batches of at most ``size`` covering the replications of ``0..n-1`` not in ``done``,
    generated lazily (``--runs 10**12`` must not build them all). A batch never straddles
    the start or end of one of the ``cuts`` ranges (a checkpoint's, whose batches' sketches
    are already counted)."""
    bounds = sorted({x for r in cuts for x in r})
    position = 0
    for a, b in [*sorted(done), (n, n)]:
        stop = min(a, n)
        while position < stop:
            end = min(position + size, stop)
            inner = [x for x in bounds if position < x < end] if bounds else []
            end = inner[0] if inner else end
            yield (position, end)
            position = end
        position = max(position, b)
        if position >= n:
            return


class _Collected:
    """What the driver keeps of finished batches: which are done, KPIs and targets when the
    summary or the precision check needs them in memory, the series sketch, and, for a run
    without a directory, everything. With a directory and a fixed number of runs it keeps no
    per-replication data: memory does not grow with ``--runs``."""

    def __init__(self, names: tuple[str, ...], months: int, keep_all: bool,
                 keep_kpis: bool) -> None:
        self.batches: dict[int, tuple[int, BatchResult | None]] = {}
        self.keep_all = keep_all
        self.keep_kpis = keep_all or keep_kpis
        self.sketch = SeriesSketch.empty(names, months)
        self.pending: list[SeriesSketch] = []

    def add(self, interval: Interval, batch: BatchResult | None,
            sketch: SeriesSketch | None) -> None:
        if not self.keep_kpis:
            batch = None
        elif batch is not None and not self.keep_all:
            batch = dataclasses.replace(batch, input_names=(), series_names=(), series=None,
                                        inputs=np.zeros((len(batch.replications), 0)))
        self.batches[interval[0]] = (interval[1], batch)
        if sketch is not None:
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
        out = [batch for a, (_, batch) in sorted(self.batches.items()) if a < n]
        if any(b is None for b in out):
            raise RuntimeError("per-replication results were not kept")
        return [b for b in out if b is not None]

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
        "python": sys.version.split()[0], "engine": engine_build(), "numpy": np.__version__,
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


def _summary(scenario: Scenario, r: Resolved, n: int,
             column: Callable[[int], npt.NDArray[np.float64]], met: npt.NDArray[np.bool_],
             check: PrecisionCheck | None, observed: npt.NDArray[np.float64]
             ) -> dict[str, Any]:
    """The run's summary; ``column(k)`` gives KPI ``k``'s values in replication order (one
    column at a time, so a million replications need a few MB)."""
    summary: dict[str, Any] = _clean({
        "scenario": scenario.name, "replications": n, "seed": r.seed, "design": r.design,
        "n_total": r.n_total, "confidence": CONFIDENCE,
        "kpis": {name: kpi_summary(column(k), name) for k, name in enumerate(KPI_NAMES)},
        "targets": target_summary(met, [t.name for t in scenario.targets],
                                  [t.kpi for t in scenario.targets]),
        "precision": None if check is None else check.to_json(),
        "observations": observation_summary(observed, scenario.observations),
    })
    return summary


def _stored_observations(store: RunDirectory, observations: list[str]
                         ) -> npt.NDArray[np.float64]:
    """The observation columns of ``kpis.parquet`` (replications x observations)."""
    path = store.path / "kpis.parquet"
    columns = [read_column(path, c, np.float64) for c in observation_columns(observations)]
    if not columns:
        return np.zeros((read_column(path, "replication", np.int64).shape[0], 0))
    return np.column_stack(columns)


def _stored_columns(store: RunDirectory, targets: list[str]
                    ) -> tuple[Callable[[int], npt.NDArray[np.float64]], npt.NDArray[np.bool_]]:
    """KPI columns (read one at a time) and target outcomes of ``kpis.parquet``."""
    path = store.path / "kpis.parquet"
    names = target_columns(targets)

    def column(k: int) -> npt.NDArray[np.float64]:
        return read_column(path, KPI_NAMES[k], np.float64)

    if not names:
        rows = read_column(path, "replication", np.int64).shape[0]
        return column, np.zeros((rows, 0), bool)
    met = np.column_stack([read_column(path, c, np.bool_) for c in names])
    return column, met


def execute(scenario: Scenario, options: RunOptions, *, progress: TextIO | None = None,
            note: Callable[[str], None] | None = None,
            executor: Executor | None = None) -> RunResult:
    """Run ``scenario``'s Monte Carlo replications as ``options`` say; see :func:`sim.runner.run`.
    ``progress`` is where a progress bar is drawn; ``note`` receives warnings for the user
    (one line each: repairs of a damaged run directory, a precision cap reached, ...).
    ``executor``, an open executor, is used (and left open) instead of one made from
    ``options`` (so that many runs, as in a sweep, share one set of workers).

    A signal (SIGINT, SIGTERM) stops the workers and raises :class:`CapexsimError` saying how
    to resume; so does an operating-system error writing the run directory (disk full,
    permission denied), naming the path and the cause."""
    tell = note or (lambda text: None)
    out = options.out
    state: dict[str, int] = {"done": 0, "n": 0}
    try:
        with interruptible():
            return _execute(scenario, options, progress, tell, state, executor)
    except Interrupted as exc:
        if out is None:
            raise CapexsimError(f"interrupted ({exc.signame}); nothing was saved (a run "
                                "without a run directory)") from None
        raise CapexsimError(
            f"interrupted ({exc.signame}); {state['done']:,} of {state['n']:,} replications are "
            f"safe in {out}; finish the run with --resume --out {out}") from None
    except StoreIOError as exc:
        hint = f"; once that is fixed, finish the run with --resume --out {out}" if out else ""
        raise StoreIOError(f"{exc}{hint}") from None
    except OSError as exc:
        if out is None:
            raise
        raise StoreIOError(f"cannot write {describe_os_error(exc, out)}; once that is fixed, "
                           f"finish the run with --resume --out {out}") from None


def _execute(scenario: Scenario, options: RunOptions, progress: TextIO | None,
             note: Callable[[str], None], state: dict[str, int],
             shared: Executor | None = None) -> RunResult:
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
        store = (RunDirectory.resume(options.out, manifest, scenario_json, note=note)
                 if options.resume else
                 RunDirectory.create(options.out, manifest, scenario_json,
                                     overwrite=options.overwrite, note=note))
    with ExitStack() as stack:
        if store is not None:
            stack.callback(store.close)
            if store.complete:
                return RunResult.load(store.path)
        collected = _Collected(tuple(SERIES), scenario.clock.horizon_months, store is None,
                               keep_kpis=r.precision is not None)
        if store is not None:
            _reload(store, collected)
        executor: list[Executor] = [] if shared is None else [shared]

        def run_round(n: int) -> None:
            done_here = sum(min(b, n) - a for a, b in collected.done() if a < n)
            state["done"], state["n"] = done_here, n
            todo_total = n - done_here
            if todo_total <= 0:
                return
            size = r.batch_size or default_batch_size(todo_total, r.workers)
            batches = missing_batches(collected.done(), n, size,
                                      store.covers if store is not None else [])
            if not executor:
                executor.append(stack.enter_context(
                    make_executor(r.executor, r.workers, options.scheduler)))
            bar = Progress(progress, n, done=n - todo_total)
            since_checkpoint = 0
            for result in executor[0].map(spec, batches):
                stop_if_signalled()
                interval = (result.start, result.stop)
                sketch: SeriesSketch | None = result.sketch
                with deferred():
                    if store is not None:
                        if store.sketched(interval):
                            sketch = None  # redone batch: the checkpoint holds its sketch
                        store.add(interval, result.batch, sketch, targets)
                    collected.add(interval, result.batch, sketch)
                    state["done"] += result.stop - result.start
                    since_checkpoint += 1
                    if store is not None and since_checkpoint >= CHECKPOINT_EVERY:
                        store.checkpoint(collected.merged())
                        since_checkpoint = 0
                bar.advance(result.stop - result.start)
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
        if r.design == "sobol" and sobol_note(n):
            note(str(sobol_note(n)))
        if check is not None and not check.reached:
            note(f"precision {r.precision} NOT reached: stopped at the cap, --max-runs "
                 f"{r.max_runs:,} (about {check.needed:,} replications would be needed)")
        bands = band_table(collected.merged(), scenario.clock.start)
        if store is not None:
            with deferred():
                store.write_tables(n)
                column, met = _stored_columns(store, targets)
                summary = _summary(scenario, r, n, column, met, check, _stored_observations(
                    store, [o.name for o in scenario.observations]))
                store.finish(n, bands, summary, {
                    "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")})
            return RunResult.load(store.path)
        kpis, met = collected.arrays(n, len(targets))
        summary = _summary(scenario, r, n, lambda k: kpis[:, k], met, check,
                           collected.observed(n, len(scenario.observations)))
        parts = collected.ordered(n)
        table = pa.concat_tables([kpi_table(p, targets) for p in parts])
        series = None
        if r.keep_series:
            series = pa.concat_tables([series_table(p.replications, p.series_names, p.series)
                                       for p in parts if p.series is not None])
        return RunResult(summary, None, table, bands, series)
    raise AssertionError("unreachable")  # pragma: no cover


def _reload(store: RunDirectory, collected: _Collected) -> None:
    """Load a resumed run's finished batches: which are done (and their KPIs and targets
    when kept in memory), and the series sketch."""
    columns = list(KPI_NAMES) + target_columns(store.manifest.get("targets", []))
    for interval in store.batches:
        if not collected.keep_kpis:
            collected.batches[interval[0]] = (interval[1], None)
            continue
        table = store.batch_table(interval, ["replication", *columns])
        kpis = np.column_stack([table[c].to_numpy() for c in KPI_NAMES]) if table.num_rows \
            else np.zeros((0, len(KPI_NAMES)))
        tcols = columns[len(KPI_NAMES):]
        met = (np.column_stack([table[c].to_numpy() for c in tcols]) if tcols
               else np.zeros((table.num_rows, 0), bool))
        reps = table["replication"].to_numpy()
        batch = BatchResult(reps, kpis.astype(np.float64), met.astype(bool), (),
                            np.zeros((len(reps), 0)), (), None)
        collected.batches[interval[0]] = (interval[1], batch)
    for sketch in store.sketches():
        collected.pending.append(sketch)
    collected.merged()
