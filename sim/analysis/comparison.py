"""Compare plans on common random numbers: per KPI each scenario's distribution and its paired
difference from the first; per target the difference in probability; and a regret table.

Every scenario runs with the same root seed, design and size (the first scenario's unless
given), so replication i of each sees the same draws for the inputs they share and the same
event streams: the differences are measured replication by replication (see
:mod:`sim.analysis.paired` for the statistics and the rule for ties).

Files (in ``out``): ``compare.json`` (everything below, self-describing) and one run directory
per scenario under ``runs/<label>/``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.analysis.common import (
    Labelled,
    common_options,
    direction,
    load_labelled,
    select_kpis,
    write_json,
)
from sim.analysis.paired import CONFIDENCE, paired, regret
from sim.analysis.running import Workers, kpi_frame, open_executor, run_one
from sim.kpis import KPIS

__all__ = ["Comparison", "compare", "compare_frames"]

PERCENTILES = {"p5": 0.05, "p50": 0.5, "p95": 0.95}


@dataclass
class Comparison:
    """What :func:`compare` returns: pandas DataFrames and the JSON document."""

    kpis: Any
    """Per KPI and scenario: mean, P5/P50/P95, and against the first scenario the paired
    difference with its interval, the unpaired interval, the variance ratio, P(better)."""
    targets: Any
    """Per target and scenario: probability, and the paired difference from the first."""
    regret: Any
    """Per KPI and scenario: replications where it is best, mean and largest shortfall."""
    info: dict[str, Any] = field(default_factory=dict)
    directory: Path | None = None

    def to_json(self) -> dict[str, Any]:
        """The document written as ``compare.json``."""
        return {**self.info,
                "kpis": self.kpis.to_dict(orient="records"),
                "targets": self.targets.to_dict(orient="records"),
                "regret": self.regret.to_dict(orient="records")}


def compare_frames(labels: Sequence[str], tables: Sequence[Any], kpis: Sequence[str],
                   target_names: Sequence[Sequence[str]]) -> tuple[Any, Any, Any]:
    """The three tables from per-scenario KPI tables (pandas, replication order, same
    replications). Targets are matched by name; a target missing from a scenario is skipped."""
    import pandas as pd

    first = tables[0]
    rows = []
    for kpi in kpis:
        sign = direction(kpi)
        base = first[kpi].to_numpy(dtype=np.float64)
        for label, table in zip(labels, tables, strict=True):
            x = table[kpi].to_numpy(dtype=np.float64)
            finite = x[np.isfinite(x)]
            p = paired(base, x, sign)
            row: dict[str, Any] = {
                "kpi": kpi, "unit": KPIS[kpi].unit, "scenario": label,
                "higher_is_better": sign > 0, "n": len(finite),
                "mean": float(finite.mean()) if len(finite) else np.nan,
            }
            for name, q in PERCENTILES.items():
                row[name] = float(np.quantile(finite, q)) if len(finite) else np.nan
            row.update({"diff": p.diff, "diff_ci_low": p.ci[0], "diff_ci_high": p.ci[1],
                        "unpaired_ci_low": p.unpaired_ci[0],
                        "unpaired_ci_high": p.unpaired_ci[1],
                        "variance_ratio": p.variance_ratio, "p_better": p.p_better,
                        "ties": p.ties, "pairs": p.n})
            rows.append(row)
    by_kpi = pd.DataFrame(rows)

    trows = []
    for name in target_names[0]:
        column = f"target:{name}"
        base_met = first[column].to_numpy(dtype=np.float64)
        for label, table, names in zip(labels, tables, target_names, strict=True):
            if name not in names:
                continue
            met = table[column].to_numpy(dtype=np.float64)
            p = paired(base_met, met, 1)
            trows.append({"target": name, "scenario": label, "probability": float(met.mean()),
                          "diff": p.diff, "diff_ci_low": p.ci[0], "diff_ci_high": p.ci[1],
                          "p_better": p.p_better})
    target_frame = pd.DataFrame(trows, columns=["target", "scenario", "probability", "diff",
                                                "diff_ci_low", "diff_ci_high", "p_better"])

    rrows = []
    for kpi in kpis:
        values = np.column_stack([t[kpi].to_numpy(dtype=np.float64) for t in tables])
        wins, mean_short, max_short = regret(values, direction(kpi))
        for s, label in enumerate(labels):
            rrows.append({"kpi": kpi, "unit": KPIS[kpi].unit, "scenario": label,
                          "best_in": int(wins[s]), "mean_shortfall": float(mean_short[s]),
                          "max_shortfall": float(max_short[s])})
    return by_kpi, target_frame, pd.DataFrame(rrows)


def compare(scenarios: Sequence[str | Path], *, labels: Sequence[str] | None = None,
            overrides: Sequence[str] = (), overrides_for: Mapping[str, Sequence[str]] | None = None,
            kpis: Sequence[str] | None = None, runs: int | None = None, seed: int | None = None,
            design: str | None = None, workers: Workers | None = None,
            out: str | Path | None = None, resume: bool = False,
            overwrite: bool = False) -> Comparison:
    """Run every scenario on common random numbers and compare each with the first.

    ``overrides`` apply to all, ``overrides_for[label]`` to one (labels default to the file
    stems; the same file may appear twice with different labels). ``runs``, ``seed`` and
    ``design`` default to the first scenario's. With ``out`` the runs and ``compare.json`` are
    written there. Raises :class:`sim.errors.CapexsimError` for user errors.
    """
    from sim.errors import CapexsimError

    loaded = load_labelled(scenarios, labels=labels, overrides=overrides,
                           overrides_for=overrides_for)
    if len(loaded) < 2:
        raise CapexsimError("compare needs at least two scenarios")
    chosen = select_kpis(kpis)
    common = common_options(loaded[0].scenario, runs=runs, seed=seed, design=design)
    workers = workers or Workers()
    directory = None if out is None else Path(out)
    notes = _notes(loaded, common.design)
    tables = []
    with open_executor(workers) as executor:
        for item in loaded:
            where = None if directory is None else directory / "runs" / item.label
            run = run_one(item.scenario, common, executor, workers, out=where,
                          resume=resume, overwrite=overwrite)
            tables.append(kpi_frame(run))
    names = [[t.name for t in item.scenario.targets] for item in loaded]
    kpi_table, target_frame, regret_frame = compare_frames(
        [i.label for i in loaded], tables, chosen, names)
    info = {
        "kind": "compare", "format": 1,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "scenarios": [{"label": i.label, "name": i.scenario.name, "file": i.source,
                       "run": None if directory is None else f"runs/{i.label}"}
                      for i in loaded],
        "baseline": loaded[0].label, "seed": common.seed, "design": common.design,
        "runs": common.runs, "confidence": CONFIDENCE, "notes": notes,
        "rules": {"diff": "scenario minus baseline, replication by replication (paired)",
                  "p_better": "share of replications where the scenario beats the baseline "
                              "in the KPI's preferred direction; ties count half",
                  "variance_ratio": "(var(baseline) + var(scenario)) / var(difference): "
                                    "the replications pairing saves",
                  "best_in": "replications where the scenario is best (ties count for each)"},
    }
    result = Comparison(kpi_table, target_frame, regret_frame, info, directory)
    if directory is not None:
        write_json(directory / "compare.json", result.to_json())
    return result


def _notes(loaded: Sequence[Labelled], design: str) -> list[str]:
    from sim.model import input_space

    notes = []
    if design == "sobol":
        spaces = {input_space(i.scenario).names for i in loaded}
        if len(spaces) > 1:
            notes.append("the scenarios have different uncertain inputs and the design is "
                         "sobol, which ties inputs together: their shared inputs do not draw "
                         "the same values (use --design lhs or mc for common random numbers)")
    return notes
