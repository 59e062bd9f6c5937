"""The options of a Monte Carlo run, and how unset ones are filled in.

Unset options come, in order, from the run being resumed (its manifest), then from the scenario
(``monte_carlo.runs``, ``.seed``, ``.design``), then from defaults that serve a strategist:
all local cores in worker processes, and a precision run capped at 100,000 replications.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.design import DESIGNS
from sim.errors import CapexsimError
from sim.schema.scenario import Scenario

__all__ = ["DEFAULT_MAX_RUNS", "Resolved", "RunOptions", "default_batch_size", "local_cores",
           "resolve"]

DEFAULT_MAX_RUNS = 100_000
MAX_BATCH = 64
SOBOL_MAX = 2**30  # scipy's Sobol' with its default 30 bits


def local_cores() -> int:
    """CPU cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def default_batch_size(replications: int, workers: int) -> int:
    """Replications per task: about four tasks per worker for load balance, at most 64.

    A replication takes tens of milliseconds and a task costs a few milliseconds to ship (and
    its series sketch ~10-20 ms to build), so 16-64 replications keep the overhead at a few
    percent (``benchmarks/bench_runner.py`` measures it).
    """
    return max(1, min(MAX_BATCH, math.ceil(replications / (4 * max(1, workers)))))


@dataclass(frozen=True)
class RunOptions:
    """What the caller asked for; ``None`` means "the default" (see the module docstring)."""

    runs: int | None = None
    precision: float | None = None
    max_runs: int | None = None
    seed: int | None = None
    design: str | None = None
    executor: str = "processes"
    workers: int | None = None
    scheduler: str | None = None
    batch_size: int | None = None
    out: Path | None = None
    resume: bool = False
    overwrite: bool = False
    keep_series: bool | None = None
    check: bool = False
    scenario_file: str | None = None
    """The scenario file the run was loaded from (for the record; not a result field)."""
    overrides: tuple[str, ...] = ()
    """The ``--set`` overrides applied to it (for the record; not a result field)."""


@dataclass(frozen=True)
class Resolved:
    """Every option decided."""

    runs: int | None
    precision: float | None
    max_runs: int | None
    seed: int
    design: str
    n_total: int
    keep_series: bool
    executor: str
    workers: int
    batch_size: int | None


def _check(options: RunOptions) -> None:
    if options.runs is not None and options.precision is not None:
        raise CapexsimError("give --runs or --precision, not both")
    if options.runs is not None and options.runs < 1:
        raise CapexsimError(f"--runs {options.runs}: must be >= 1")
    if options.precision is not None and not 0.0 < options.precision < 1.0:
        raise CapexsimError(f"--precision {options.precision}: must be between 0 and 1 "
                            "(e.g. 0.01 for 1%)")
    if options.max_runs is not None and options.max_runs < 1:
        raise CapexsimError(f"--max-runs {options.max_runs}: must be >= 1")
    if options.seed is not None and not 0 <= options.seed < 2**63:
        raise CapexsimError(f"--seed {options.seed}: must be in 0..2**63-1")
    if options.design is not None and options.design not in DESIGNS:
        raise CapexsimError(f"--design {options.design}: choose from {', '.join(DESIGNS)}")
    if options.workers is not None and options.workers < 1:
        raise CapexsimError(f"--workers {options.workers}: must be >= 1")
    if options.batch_size is not None and options.batch_size < 1:
        raise CapexsimError(f"--batch-size {options.batch_size}: must be >= 1")
    if options.resume and options.overwrite:
        raise CapexsimError("give --resume or --overwrite, not both")
    if options.resume and options.out is None:
        raise CapexsimError("--resume needs --out DIR, the run directory to finish")


def resolve(options: RunOptions, scenario: Scenario,
            recorded: dict[str, Any] | None) -> Resolved:
    """Fill in unset options from ``recorded`` (a resumed run's manifest), the scenario, and
    the defaults."""
    _check(options)
    rec = recorded or {}
    mc = scenario.monte_carlo
    runs, precision = options.runs, options.precision
    if runs is None and precision is None:
        runs, precision = (rec.get("runs"), rec.get("precision")) if rec else (mc.runs, None)
    max_runs = None
    if precision is not None:
        max_runs = options.max_runs or rec.get("max_runs") or DEFAULT_MAX_RUNS
    seed = options.seed if options.seed is not None else rec.get("seed", mc.seed)
    design = options.design or rec.get("design") or mc.design
    keep = options.keep_series if options.keep_series is not None else \
        bool(rec.get("keep_series", False))
    n_total = runs if precision is None else max_runs
    assert n_total is not None
    if design == "sobol" and n_total > SOBOL_MAX:
        raise CapexsimError(f"a Sobol' design has at most {SOBOL_MAX:,} points; use --design "
                            "mc or lhs for more replications")
    workers = 1 if options.executor == "serial" else (options.workers or local_cores())
    return Resolved(runs, precision, max_runs, int(seed), str(design), int(n_total), keep,
                    options.executor, workers, options.batch_size)
