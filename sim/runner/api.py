"""``run``: a scenario's Monte Carlo replications from Python, with results for pandas.

>>> from sim.runner import run
>>> result = run("scenarios/bytedance_2026.yaml", runs=200, seed=7,
...              overrides=["clock.horizon_months=24"])  # doctest: +SKIP
>>> result.summary["kpis"]["h100_equivalents_installed"]["mean_ci"]  # doctest: +SKIP
>>> result.kpis  # DataFrame: replication, KPIs, target:<name>, input:<path>  # doctest: +SKIP
>>> result.targets  # each target's probability with its 95% interval  # doctest: +SKIP
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from sim.runner.driver import execute
from sim.runner.options import RunOptions
from sim.runner.progress import progress_wanted
from sim.runner.result import RunResult
from sim.schema.scenario import Scenario

__all__ = ["run"]


def run(scenario: Scenario | str | Path, *, runs: int | None = None,
        precision: float | None = None, max_runs: int | None = None, seed: int | None = None,
        design: str | None = None, executor: str = "processes", workers: int | None = None,
        scheduler: str | None = None, batch_size: int | None = None,
        out: str | Path | None = None, resume: bool = False, overwrite: bool = False,
        series: bool | None = None, check: bool = False, overrides: Sequence[str] = (),
        progress: bool | None = None) -> RunResult:
    """Run the Monte Carlo replications of ``scenario`` (a Scenario or a file path, with
    ``--set``-style ``overrides`` for a path).

    ``runs`` replications, or enough for ``precision`` (relative 95% half-width of the headline
    KPI means; absolute for target probabilities) up to ``max_runs``; defaults from the
    scenario's ``monte_carlo`` section. ``executor`` is ``serial``, ``processes`` (``workers``
    processes, default all local cores) or ``dask`` (a local cluster, or ``scheduler``'s).
    With ``out`` the results are also written to that run directory (``resume`` finishes a
    killed run there; ``overwrite`` replaces an old one); without, they stay in memory.
    ``series=True`` keeps every replication's monthly series (not only their bands).
    Raises :class:`sim.errors.CapexsimError` for user errors.
    """
    if isinstance(scenario, Scenario):
        if overrides:
            raise ValueError("overrides apply to a scenario file, not to a Scenario object")
        loaded = scenario
    else:
        from sim.loading import load_scenario

        loaded = load_scenario(scenario, overrides)
    options = RunOptions(
        runs=runs, precision=precision, max_runs=max_runs, seed=seed, design=design,
        executor=executor, workers=workers, scheduler=scheduler, batch_size=batch_size,
        out=None if out is None else Path(out), resume=resume, overwrite=overwrite,
        keep_series=series, check=check,
        scenario_file=None if isinstance(scenario, Scenario) else str(scenario),
        overrides=tuple(overrides),
    )
    show = progress_wanted(sys.stderr) if progress is None else progress
    return execute(loaded, options, progress=sys.stderr if show else None)
