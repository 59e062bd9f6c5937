"""Reports of results: terminal text, and the HTML report every run directory gets.

>>> from sim.report import write_report
>>> write_report("runs/bytedance_2026-20260101-120000")  # doctest: +SKIP
PosixPath('runs/bytedance_2026-20260101-120000/report.html')

Modules: :mod:`~sim.report.text` (terminal text), :mod:`~sim.report.rundata` (reading a run
directory), :mod:`~sim.report.sections` (the registry of sections),
:mod:`~sim.report.run_sections` (the run report's sections),
:mod:`~sim.report.analysis_sections` (compare, sensitivity, sweep and calibration sections and
the JSON files they read), :mod:`~sim.report.trace` (the typical replication's event log),
:mod:`~sim.report.inputs` (uncertain inputs and their sources), :mod:`~sim.report.charts`
(matplotlib), :mod:`~sim.report.html` (Jinja2 templates to ``report.html``).

The report only reads the run directory, except for two files it writes there the first time:
``trace.jsonl`` (the typical replication, re-simulated once) and ``inputs.json`` (the sources
of the uncertain inputs, from the scenario file's comments), so that rendering again needs
neither a simulation nor the scenario file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.report.build import ReportWritten, write_report

__all__ = ["ReportWritten", "write_report"]


def __getattr__(name: str) -> Any:
    # lazy, so that importing sim.report.text does not load pyarrow, matplotlib or Jinja2
    if name in __all__:
        from sim.report import build

        return getattr(build, name)
    raise AttributeError(f"module 'sim.report' has no attribute {name!r}")
