"""What drives each KPI: rank correlations from a Monte Carlo run, a tornado, and Sobol'
indices by input group (see :mod:`~sim.analysis.ranks`, :mod:`~sim.analysis.tornado` and
:mod:`~sim.analysis.sobol` for the methods).

Files (in ``out``): ``sensitivity.json`` (every table, self-describing), and for the rank
method a fresh run's directory under ``run/`` (unless ``from_run`` names an existing one).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.analysis.common import Common, common_options, select_kpis, write_json
from sim.analysis.running import Workers, kpi_frame, open_executor, run_one
from sim.api import KPI_NAMES
from sim.errors import CapexsimError
from sim.schema.scenario import Scenario

__all__ = ["METHODS", "Sensitivity", "sensitivity"]

METHODS = ("rank", "tornado", "sobol")


@dataclass
class Sensitivity:
    """What :func:`sensitivity` returns: a DataFrame per method run (else None)."""

    rank: Any = None
    tornado: Any = None
    sobol: Any = None
    info: dict[str, Any] = field(default_factory=dict)
    directory: Path | None = None

    def to_json(self) -> dict[str, Any]:
        """The document written as ``sensitivity.json``."""
        doc = dict(self.info)
        for name in METHODS:
            frame = getattr(self, name)
            doc[name] = None if frame is None else frame.to_dict(orient="records")
        sections = self.tornado_sections()
        doc["tornado_sections"] = None if sections is None else \
            sections.to_dict(orient="records")
        return doc

    def tornado_sections(self) -> Any:
        """The tornado grouped by scenario section (None without a tornado)."""
        from sim.analysis.tornado import tornado_sections

        return None if self.tornado is None else tornado_sections(self.tornado)

    def main_frame(self) -> Any:
        """The first method's table (for CSV output)."""
        for name in METHODS:
            if getattr(self, name) is not None:
                return getattr(self, name)
        return None


def _load(scenario: Scenario | str | Path, overrides: Sequence[str]) -> Scenario:
    if isinstance(scenario, Scenario):
        return scenario
    from sim.loading import load_scenario

    return load_scenario(scenario, overrides)


def sensitivity(scenario: Scenario | str | Path, *, overrides: Sequence[str] = (),
                kpis: Sequence[str] | None = None, methods: Sequence[str] = METHODS,
                runs: int | None = None, seed: int | None = None, design: str | None = None,
                from_run: str | Path | None = None, tornado_runs: int = 1,
                sobol_n: int = 256, groups: Mapping[str, Sequence[str]] | None = None,
                events: bool = True, resamples: int = 999, workers: Workers | None = None,
                out: str | Path | None = None, overwrite: bool = False) -> Sensitivity:
    """What drives each KPI of ``scenario``, by the ``methods`` asked for.

    ``rank``: Spearman and PRCC over a Monte Carlo run of ``runs`` replications (defaults:
    the scenario's runs, seed and design), or over the existing run directory ``from_run``.
    ``tornado``: every input at P10 and P90, others at their medians, on ``tornado_runs``
    replications of the event streams. ``sobol``: indices by group (``groups``: name ->
    path patterns; default the scenario's sections) with ``sobol_n`` base rows (a power of
    2; ``sobol_n x (groups + 3)`` model runs) and ``resamples`` bootstrap resamples.
    """
    from sim.model import input_space

    unknown = [m for m in methods if m not in METHODS]
    if unknown or not methods:
        raise CapexsimError(f"--method {','.join(unknown) or '(none)'}: choose from rank, "
                            "tornado, sobol, all")
    if tornado_runs < 1:
        raise CapexsimError(f"--tornado-runs {tornado_runs}: must be >= 1")
    if sobol_n < 2 or sobol_n & (sobol_n - 1):
        raise CapexsimError(f"--sobol-n {sobol_n}: must be a power of 2 (e.g. 256), as the "
                            "Sobol' sequence's balance needs")
    loaded = _load(scenario, overrides)
    chosen = select_kpis(kpis)
    common = common_options(loaded, runs=runs, seed=seed, design=design)
    workers = workers or Workers()
    directory = None if out is None else Path(out)
    if directory is not None and directory.exists() and any(directory.iterdir()) \
            and not overwrite:
        raise CapexsimError(f"{directory} already exists; replace it with --overwrite or "
                            "choose another --out")
    names = input_space(loaded).names
    if not names:
        raise CapexsimError(f"{loaded.name}: the scenario has no uncertain inputs")
    result = Sensitivity(directory=directory)
    notes: list[str] = []
    with open_executor(workers) as executor:
        if "rank" in methods:
            result.rank = _rank(loaded, common, chosen, executor, workers, directory,
                                from_run, notes, overwrite)
        if "tornado" in methods:
            from sim.analysis.points import evaluate, point_spec
            from sim.analysis.tornado import TornadoPlan, tornado_frame

            plan = TornadoPlan(len(names), tornado_runs)
            values, _ = evaluate(point_spec(loaded, common.seed, plan), executor,
                                 batch_size=workers.batch_size)
            result.tornado = tornado_frame(plan, names, values, chosen)
        if "sobol" in methods:
            result.sobol = _sobol(loaded, common, chosen, names, executor, workers, sobol_n,
                                  groups, events, resamples, notes)
    result.info = {
        "kind": "sensitivity", "format": 1,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "scenario": loaded.name, "seed": common.seed, "design": common.design,
        "methods": [m for m in METHODS if m in methods], "kpis": chosen,
        "inputs": len(names), "runs": common.runs if "rank" in methods else None,
        "from_run": None if from_run is None else str(from_run),
        "tornado": {"low": 0.1, "high": 0.9, "event_replications": tornado_runs},
        "sobol": {"n": sobol_n, "events_group": events, "bootstrap_resamples": resamples,
                  "estimators": "scipy.stats.sobol_indices (Saltelli 2010 first order, "
                                "Jansen total) over groups; percentile bootstrap"},
        "confidence": 0.95, "notes": notes,
    }
    if directory is not None:
        write_json(directory / "sensitivity.json", result.to_json())
    return result


def _rank(scenario: Scenario, common: Common, chosen: Sequence[str], executor: Any,
          workers: Workers, directory: Path | None, from_run: str | Path | None,
          notes: list[str], overwrite: bool) -> Any:
    from sim.analysis.ranks import rank_frame
    from sim.runner.result import RunResult

    if from_run is not None:
        path = Path(from_run)
        if not (path / "summary.json").is_file():
            raise CapexsimError(f"--from {path}: not a finished run directory (no "
                                "summary.json)")
        table = kpi_frame(RunResult.load(path))
    else:
        where = None if directory is None else directory / "run"
        table = kpi_frame(run_one(scenario, common, executor, workers, out=where,
                                   overwrite=overwrite))
    columns = [c for c in table.columns if c.startswith("input:")]
    names = [c[len("input:"):] for c in columns]
    inputs = table[columns].to_numpy(dtype=np.float64)
    missing = [k for k in chosen if k not in table.columns]
    if missing:
        raise CapexsimError(f"--from {from_run}: the run has no KPI {missing[0]!r}")
    if len(table) <= len(names) + 3:
        notes.append(f"PRCC needs more replications than inputs ({len(table)} runs, "
                     f"{len(names)} inputs): it is left out (NaN); use --runs "
                     f"{len(names) + 50} or more")
    return rank_frame(names, inputs, {k: table[k].to_numpy(dtype=np.float64) for k in chosen})


def _sobol(scenario: Scenario, common: Common, chosen: Sequence[str], names: Sequence[str],
           executor: Any, workers: Workers, n: int,
           groups: Mapping[str, Sequence[str]] | None, events: bool, resamples: int,
           notes: list[str]) -> Any:
    from sim.analysis.points import evaluate, point_spec
    from sim.analysis.sobol import (
        EVENTS,
        SobolPlan,
        assign_groups,
        outputs_by_block,
        sobol_frame,
        sobol_indices_of,
    )
    from sim.api import correlation_spec

    assigned = assign_groups(names, groups)
    correlations = correlation_spec(scenario)
    member = {j: g for g, cols in assigned.items() for j in cols}
    index = {name: j for j, name in enumerate(names)}
    for a, b, _ in correlations.pairs:
        if member.get(index.get(a, -1)) != member.get(index.get(b, -2)):
            notes.append(f"correlated inputs {a} and {b} are in different Sobol' groups; "
                         "their indices mix the two groups")
    plan = SobolPlan(len(names), n, tuple(assigned.values()), events, correlations)
    values, _ = evaluate(point_spec(scenario, common.seed, plan), executor,
                         batch_size=workers.batch_size)
    columns = [KPI_NAMES.index(k) for k in chosen]
    y = values[:, columns]
    finite = np.all(np.isfinite(y), axis=0)
    for k, ok in zip(chosen, finite, strict=True):
        if not ok:
            notes.append(f"{k} is undefined (NaN) in some Sobol' runs; its indices are left "
                         "out")
    kept = [k for k, ok in zip(chosen, finite, strict=True) if ok]
    labels = [*assigned, *([EVENTS] if events else [])]
    sizes = [len(c) for c in assigned.values()] + ([0] if events else [])
    if not kept:
        return sobol_frame([], labels, sizes, {})
    result = sobol_indices_of(*outputs_by_block(plan, y[:, finite]), seed=common.seed,
                              resamples=resamples)
    return sobol_frame(kept, labels, sizes, result)
