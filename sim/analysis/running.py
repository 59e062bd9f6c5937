"""Running several scenarios (or variants of one) on one set of workers, on common random
numbers: the same root seed, design and size for each, so replication i of every run sees the
same draws. Each run is an ordinary run of :mod:`sim.runner` (resumable, in its own run
directory when ``out`` is given).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.analysis.common import Common
from sim.runner.executors import Executor, make_executor
from sim.runner.options import local_cores
from sim.runner.result import RunResult
from sim.schema.scenario import Scenario

__all__ = ["Workers", "kpi_frame", "open_executor", "run_one"]


@dataclass(frozen=True)
class Workers:
    """Where the replications run (see :mod:`sim.runner.executors`)."""

    executor: str = "processes"
    workers: int | None = None
    scheduler: str | None = None
    batch_size: int | None = None
    progress: bool = False
    """Draw the runner's progress bar on standard error (when it is a terminal)."""

    def count(self) -> int:
        """Workers for the batch size: 1 in series, else as given or all local cores."""
        return 1 if self.executor == "serial" else (self.workers or local_cores())


@contextmanager
def open_executor(workers: Workers) -> Iterator[Executor]:
    """The executor, opened once for every run of an analysis."""
    executor = make_executor(workers.executor, workers.count(), workers.scheduler)
    with executor:
        yield executor


def run_one(scenario: Scenario, common: Common, executor: Executor, workers: Workers, *,
            out: Path | None, resume: bool = False, overwrite: bool = False) -> RunResult:
    """One run of ``scenario`` with the shared seed, design and size, on ``executor``; into
    ``out`` when given (resumed there if asked and possible)."""
    from sim.runner.driver import execute
    from sim.runner.options import RunOptions

    if out is not None and resume and not (out / "manifest.json").is_file():
        resume = False  # killed before the run directory existed: start it
        overwrite = True
    options = RunOptions(runs=common.runs, seed=common.seed, design=common.design,
                         executor=workers.executor, workers=executor.workers,
                         batch_size=workers.batch_size, out=out, resume=resume,
                         overwrite=overwrite)
    stream = None
    if workers.progress:
        import sys

        from sim.runner.progress import progress_wanted

        stream = sys.stderr if progress_wanted(sys.stderr) else None
    return execute(scenario, options, executor=executor, progress=stream)


def kpi_frame(result: RunResult) -> Any:
    """The run's KPI table as a pandas DataFrame, in replication order."""
    frame = result.to_arrow().to_pandas()
    return frame.sort_values("replication", kind="stable").reset_index(drop=True)
