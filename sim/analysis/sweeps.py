"""Sweep levers across the uncertainty: every lever point runs the same replications (common
random numbers: the same seed, design and size), so differences between points are the
levers' doing.

Files (in ``out``)::

    sweep.json             what the sweep is (levers, points, seed, design, runs per point,
                           the scenario's hash); its status; resume checks it
    points/<k>/            point k's run directory (an ordinary, resumable run)
    sweep.parquet          one row per point and replication: point, lever:<path>...,
                           replication, every KPI, target:<name>...
    sweep_summary.parquet  per point and KPI (or target): mean, standard error, P5/P50/P95
    sweep_summary.json     the same, with the sweep's description

A killed sweep resumes point by point (finished points are kept, a half-done point resumes
from its journal); ``sweep.parquet`` is assembled from the points' tables in point order with
fixed writer options, so it is byte-identical to an uninterrupted sweep's.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.analysis.common import Common, common_options, select_kpis, write_json
from sim.analysis.levers import Lever, LeverScenarios, lever_points
from sim.analysis.running import Workers, open_executor, run_one
from sim.errors import CapexsimError

__all__ = ["METHODS", "Sweep", "sweep"]

METHODS = ("grid", "lhs", "sobol")
RESULT_FIELDS = ("levers", "method", "points", "values", "seed", "design", "runs_per_point",
                 "scenario_hash")


@dataclass
class Sweep:
    """What :func:`sweep` returns: the tidy table and the point summaries (DataFrames)."""

    table: Any
    summary: Any
    info: dict[str, Any] = field(default_factory=dict)
    directory: Path | None = None

    def to_json(self) -> dict[str, Any]:
        """The document written as ``sweep_summary.json``."""
        return {**self.info, "summary": self.summary.to_dict(orient="records")}


def _manifest(scenario_hash: str, levers: Sequence[Lever], method: str,
              values: np.ndarray, common: Common) -> dict[str, Any]:
    return {
        "kind": "sweep", "format": 1, "scenario_hash": scenario_hash,
        "levers": [{"path": lv.path, "low": lv.low, "high": lv.high, "n": lv.n,
                    "integer": lv.integer} for lv in levers],
        "method": method, "points": len(values), "values": values.tolist(),
        "seed": common.seed, "design": common.design, "runs_per_point": common.runs,
    }


def _open(directory: Path, manifest: dict[str, Any], resume: bool, overwrite: bool) -> None:
    import shutil

    path = directory / "sweep.json"
    if resume:
        try:
            recorded = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CapexsimError(f"nothing to resume: {directory} has no sweep.json") from None
        except (OSError, ValueError) as exc:
            raise CapexsimError(f"cannot read {path}: {exc}") from None
        changed = [k for k in RESULT_FIELDS if recorded.get(k) != manifest.get(k)]
        if changed:
            raise CapexsimError(f"cannot resume {directory}: {', '.join(changed)} changed. "
                                "Start a new sweep (another --out, or --overwrite)")
        return
    present = [c for c in directory.iterdir() if c.name != "lock"]  # ours, held
    if present:
        if not overwrite:
            raise CapexsimError(f"{directory} already exists; finish it with --resume, "
                                "replace it with --overwrite, or choose another --out")
        if not path.is_file():
            raise CapexsimError(f"{directory} is not a capexsim sweep; refusing to "
                                "overwrite it")
        for child in present:
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
    write_json(path, {**manifest, "status": "running"})


def _point_table(result: Any, k: int, levers: Sequence[Lever], values: np.ndarray) -> Any:
    """The point's KPI table (inputs left out) with the point and lever columns in front."""
    import pyarrow as pa

    table = result.to_arrow()
    keep = [c for c in table.column_names if not c.startswith("input:")]
    table = table.select(keep)
    n = table.num_rows
    front = [pa.array(np.full(n, k, dtype=np.int64))]
    front += [pa.array(np.full(n, values[k, j], dtype=np.float64)) for j in range(len(levers))]
    names = ["point", *(f"lever:{lv.path}" for lv in levers)]
    return pa.Table.from_arrays([*front, *table.columns], names=[*names, *table.column_names])


def sweep(scenario: str | Path, levers: Sequence[Lever], *, method: str = "grid",
          points: int | None = None, overrides: Sequence[str] = (),
          kpis: Sequence[str] | None = None, runs_per_point: int | None = None,
          seed: int | None = None, design: str | None = None,
          workers: Workers | None = None, out: str | Path | None = None,
          resume: bool = False, overwrite: bool = False) -> Sweep:
    """Run ``scenario`` at every lever point (``grid``: every combination of the levers' n
    values; ``lhs``/``sobol``: ``points`` samples of the lever box) on the same
    ``runs_per_point`` replications. With ``out`` the sweep is written there and can be
    resumed after a kill (``resume``)."""
    import pyarrow as pa

    from sim.store.files import RunLock

    if method not in METHODS:
        raise CapexsimError(f"sweep method {method!r}: choose from {', '.join(METHODS)}")
    if not levers:
        raise CapexsimError("give at least one --lever PATH=LOW:HIGH:N")
    paths = [lv.path for lv in levers]
    if len(set(paths)) != len(paths):
        raise CapexsimError("a lever is given twice")
    if points is not None and points < 1:
        raise CapexsimError(f"--points {points}: must be >= 1")
    source = LeverScenarios(scenario, overrides)
    levers = source.resolve(levers)
    chosen = select_kpis(kpis)
    common = common_options(source.base, runs=runs_per_point, seed=seed, design=design)
    values = lever_points(levers, method, common.seed, points)
    for row in values.tolist():  # fail fast on a bad value, before any run (kept: none)
        source.at(levers, row)
    workers = workers or Workers()
    directory = None if out is None else Path(out)
    from sim.store.manifest import sha256_text

    manifest = _manifest(sha256_text(source.base.model_dump_json()), levers, method, values,
                         common)
    lock = None
    if directory is not None:
        if resume and not (directory / "sweep.json").is_file():
            raise CapexsimError(f"nothing to resume: {directory} has no sweep.json")
        directory.mkdir(parents=True, exist_ok=True)
        lock = RunLock(directory)
        lock.acquire()
    try:
        if directory is not None:
            _open(directory, manifest, resume, overwrite)
        tables = []
        with open_executor(workers) as executor:
            for k, row in enumerate(values.tolist()):
                where = None if directory is None else directory / "points" / f"{k:05d}"
                result = run_one(source.at(levers, row), common, executor, workers, out=where,
                                 resume=resume)
                tables.append(_point_table(result, k, levers, values))
        table = pa.concat_tables(tables)
        summary = _summary(table, levers, chosen)
        info = {**manifest, "scenario": source.base.name, "kpis": chosen, "status": "complete",
                "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
        info.pop("values", None)
        result_ = Sweep(table.to_pandas(), summary, info, directory)
        if directory is not None:
            from sim.store.tables import write_parquet

            write_parquet(directory / "sweep.parquet", table)
            write_parquet(directory / "sweep_summary.parquet",
                          pa.Table.from_pandas(summary, preserve_index=False))
            write_json(directory / "sweep_summary.json", result_.to_json())
            write_json(directory / "sweep.json", {**manifest, "status": "complete"})
        return result_
    finally:
        if lock is not None:
            lock.release()


def _summary(table: Any, levers: Sequence[Lever], kpis: Sequence[str]) -> Any:
    """Per point and KPI (and target): mean, standard error, P5, P50, P95 of the finite
    values."""
    import pandas as pd

    frame = table.to_pandas()
    lever_cols = [f"lever:{lv.path}" for lv in levers]
    targets = [c for c in frame.columns if c.startswith("target:")]
    rows = []
    for k, part in frame.groupby("point", sort=True):
        head = {"point": int(k), **{c: float(part[c].iloc[0]) for c in lever_cols}}
        for name in [*kpis, *targets]:
            x = part[name].to_numpy(dtype=np.float64)
            x = x[np.isfinite(x)]
            n = len(x)
            rows.append({**head, "kpi": name, "n": n,
                         "mean": float(x.mean()) if n else np.nan,
                         "se": float(x.std(ddof=1) / np.sqrt(n)) if n > 1 else np.nan,
                         "p5": float(np.quantile(x, 0.05)) if n else np.nan,
                         "p50": float(np.quantile(x, 0.5)) if n else np.nan,
                         "p95": float(np.quantile(x, 0.95)) if n else np.nan})
    return pd.DataFrame(rows)
