"""The typical replication: the one nearest the median of a headline KPI, and its event log.

The run directory does not keep event logs (a million of them would dwarf the results), but a
replication depends only on the seed, the design and its index, so the report re-simulates the
one it shows, once, with ``trace=True``, and stores the log as ``trace.jsonl``: re-rendering the
report needs no simulation. The first line describes the choice::

    {"replication": 412, "kpi": "h100_equivalents_installed", "value": 409377.0,
     "median": 409377.0, "seed": 20260101, "design": "lhs", "n_total": 1000}

and each further line is one event, in time order::

    {"month": 5.0, "label": "2026-06", "kind": "cancel", "message": "5,152 H200 for ..."}
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from sim.report.rundata import ReportError, RunData

__all__ = ["TRACE_FILE", "Trace", "choose_typical", "read_trace", "write_trace"]

TRACE_FILE = "trace.jsonl"


@dataclass(frozen=True)
class Trace:
    """The typical replication's description and events."""

    header: dict[str, Any]
    events: list[dict[str, Any]]


def choose_typical(data: RunData, kpis: list[str]) -> tuple[int, str, float, float] | None:
    """``(replication, kpi, value, median)`` for the first of ``kpis`` with a median in the
    summary and values in ``kpis.parquet``: the replication whose value is nearest the median
    (the lowest index on a tie). None when no such KPI exists."""
    columns = data.kpi_columns(["replication", *kpis])
    reps = columns.get("replication")
    if not reps:
        return None
    for name in kpis:
        median = data.summary["kpis"].get(name, {}).get("p50")
        values = columns.get(name)
        if median is None or not values:
            continue
        best = min((abs(v - median), int(r), v) for r, v in zip(reps, values, strict=True)
                   if math.isfinite(v))
        return best[1], name, best[2], float(median)
    return None


def write_trace(data: RunData, kpis: list[str]) -> Trace | None:
    """Re-simulate the typical replication with its trace and store ``trace.jsonl``. None when
    the run directory lacks what that needs (``scenario.json``, ``kpis.parquet``)."""
    if data.scenario is None:
        return None
    chosen = choose_typical(data, kpis)
    if chosen is None:
        return None
    replication, kpi, value, median = chosen
    from pydantic import ValidationError

    from sim.api import replicate
    from sim.calendar import format_month
    from sim.schema.scenario import Scenario
    from sim.store.files import atomic_write_text

    try:
        scenario = Scenario.model_validate(data.scenario)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ReportError(f"{data.path / 'scenario.json'}: field '{where}': "
                          f"{first['msg']} (written by another capexsim version?)") from None
    seed = int(data.manifest.get("seed", data.summary.get("seed", 0)))
    design = str(data.manifest.get("design", data.summary.get("design", "mc")))
    n_total = int(data.manifest.get("n_total", data.summary["replications"]))
    result = replicate(scenario, replication, seed=seed, design=design, n_total=n_total,
                       trace=True)
    again = result.kpis.get(kpi, math.nan)
    header = {"replication": replication, "kpi": kpi, "value": value, "median": median,
              "seed": seed, "design": design, "n_total": n_total,
              "reproduced": bool(math.isclose(again, value, rel_tol=1e-9, abs_tol=1e-9))}
    start = scenario.clock.start
    events = [{"month": e.month, "label": format_month(start, e.month), "kind": e.kind,
               "message": e.message} for e in result.trace or []]
    lines = [json.dumps(header, allow_nan=False)]
    lines += [json.dumps(e, allow_nan=False) for e in events]
    atomic_write_text(data.path / TRACE_FILE, "\n".join(lines) + "\n")
    return Trace(header, events)


def read_trace(data: RunData) -> Trace | None:
    """``trace.jsonl`` of the run directory, or None when absent."""
    path = data.file(TRACE_FILE)
    if path is None:
        return None
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not lines:
        raise ReportError(f"{path}: empty")
    records = []
    for number, line in enumerate(lines, start=1):
        try:
            record = json.loads(line)
        except ValueError:
            raise ReportError(f"{path}:{number}: not valid JSON") from None
        if not isinstance(record, dict):
            raise ReportError(f"{path}:{number}: expected a JSON object")
        records.append(record)
    for number, event in enumerate(records[1:], start=2):
        for name in ("month", "kind", "message"):
            if name not in event:
                raise ReportError(f"{path}:{number}: field '{name}' is missing")
    if "replication" not in records[0]:
        raise ReportError(f"{path}:1: field 'replication' is missing")
    return Trace(records[0], records[1:])
