"""Calibration to the public record: each observation against the model's distribution.

:func:`calibrate` reads a finished run (its ``summary.json`` holds, per observation, the model's
P5/P50/P95 at the observed date, the observation's percentile within the replications and a
verdict: see :mod:`sim.runner.calibration`) and writes ``calibration.json`` into the run
directory, so a report can render it without re-running.

``calibration.json``::

    {"kind": "calibration", "scenario": str, "seed": int, "replications": int,
     "run_directory": str | null,
     "observations": [{"name", "series", "month", "year", "aggregate", "value", "low",
                       "high", "source", "n", "p5", "p50", "p95", "percentile",
                       "verdict"}, ...],
     "inside": int, "total": int}
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.analysis.common import write_json
from sim.analysis.output import number, table
from sim.runner.result import RunResult

__all__ = ["calibrate", "calibration_frame", "format_calibration"]


def calibrate(result: RunResult) -> dict[str, Any]:
    """The calibration document of a finished run (written to its directory, if it has one)."""
    observations = list(result.summary.get("observations") or [])
    doc: dict[str, Any] = {
        "kind": "calibration", "scenario": result.summary.get("scenario"),
        "seed": result.seed, "replications": result.replications,
        "run_directory": None if result.directory is None else str(result.directory),
        "observations": observations,
        "inside": sum(1 for o in observations if o.get("verdict") == "inside"),
        "total": len(observations),
    }
    if result.directory is not None:
        write_json(Path(result.directory) / "calibration.json", doc)
    return doc


def _when(obs: dict[str, Any]) -> str:
    if obs.get("month"):
        return str(obs["month"])
    return f"{obs.get('year')} ({obs.get('aggregate')})"


def format_calibration(doc: dict[str, Any]) -> str:
    """The calibration as a table: one observation a row."""
    rows = []
    for obs in doc["observations"]:
        pct = obs.get("percentile")
        rows.append([obs["name"], _when(obs), number(obs["value"]), number(obs.get("p5")),
                     number(obs.get("p50")), number(obs.get("p95")),
                     "n/a" if pct is None else f"{pct:.0%}", obs.get("verdict", "")])
    head = (f"{doc['scenario']}: {doc['replications']:,} replications, seed {doc['seed']}; "
            f"{doc['inside']} of {doc['total']} observations inside the model's P5-P95 band")
    if not rows:
        return head + "\n  (the scenario lists no observations)"
    body = table(rows, ["observation", "when", "observed", "model P5", "P50", "P95",
                        "percentile", "verdict"])
    sources = "\n".join(f"  {o['name']}: {o['source']}" for o in doc["observations"])
    return (f"{head}\n\n{body}\n\npercentile: the share of replications at or below the "
            f"observed value.\nsources:\n{sources}")


def calibration_frame(doc: dict[str, Any]) -> Any:
    """One row per observation, as a pandas DataFrame."""
    import pandas as pd

    return pd.DataFrame(doc["observations"])
