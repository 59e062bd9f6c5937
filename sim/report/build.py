"""Write a run directory's report: the files it needs once (trace, inputs), then the page."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sim.report.rundata import ReportError, RunData

__all__ = ["ReportWritten", "write_report"]


@dataclass(frozen=True)
class ReportWritten:
    """Where the report went, and what it had to leave out (one line each)."""

    path: Path
    notes: list[str] = field(default_factory=list)


def write_report(directory: Path | str, *, refresh: bool = False) -> ReportWritten:
    """Write ``report.html`` in the run directory ``directory``; return its path and notes.

    The first time (or with ``refresh``) it also writes ``trace.jsonl`` (re-simulating the
    typical replication) and ``inputs.json``. Raises :class:`ReportError` (one line, naming
    the file and the field) when ``manifest.json`` or ``summary.json`` is missing or
    malformed; a missing optional file only leaves its section with a note.
    """
    from sim.report.html import write_html
    from sim.report.inputs import INPUTS_FILE, write_inputs
    from sim.report.run_sections import headline_kpis
    from sim.report.trace import TRACE_FILE, write_trace

    data = RunData.open(directory)
    notes: list[str] = []
    if data.analysis_only:
        return ReportWritten(write_html(data), notes)
    if refresh or data.file(TRACE_FILE) is None:
        order = headline_kpis(data) + [k for k in data.summary["kpis"]
                                       if k not in headline_kpis(data)]
        try:
            if write_trace(data, order) is None:
                notes.append(f"no typical replication: {directory} lacks scenario.json or "
                             "kpis.parquet")
        except ReportError as exc:
            notes.append(f"no typical replication: {exc}")
    if refresh or data.file(INPUTS_FILE) is None:
        try:
            if write_inputs(data) is None:
                notes.append(f"no input table: {directory} lacks scenario.json")
        except ReportError as exc:
            notes.append(f"no input table: {exc}")
    for name in ("series_bands.parquet", "kpis.parquet"):
        if data.file(name) is None:
            notes.append(f"{Path(directory) / name} is missing: its charts are left out")
    return ReportWritten(write_html(data), notes)
