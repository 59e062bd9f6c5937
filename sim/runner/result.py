"""What a Monte Carlo run returns: the summary, and tables that convert to pandas.

>>> from sim.runner import RunResult
>>> result = RunResult.load("runs/bytedance_2026-20260101-120000")  # doctest: +SKIP
>>> result.kpis.describe()  # a pandas DataFrame, one row per replication  # doctest: +SKIP
>>> result.to_arrow()  # the same as a pyarrow Table (no pandas needed)  # doctest: +SKIP

pandas is optional: without it, the DataFrame-returning properties return Arrow tables.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

__all__ = ["RunResult"]


def _frame(table: pa.Table) -> Any:
    """A pandas DataFrame of ``table`` when pandas is installed, else ``table`` itself."""
    if importlib.util.find_spec("pandas") is None:
        return table
    return table.to_pandas()


@dataclass
class RunResult:
    """A finished run: its summary and, in memory or in its run directory, its tables."""

    summary: dict[str, Any]
    directory: Path | None = None
    _kpis: pa.Table | None = field(default=None, repr=False)
    _bands: pa.Table | None = field(default=None, repr=False)
    _series: pa.Table | None = field(default=None, repr=False)

    @classmethod
    def load(cls, directory: Path | str) -> RunResult:
        """The results of a completed run directory."""
        path = Path(directory)
        summary = json.loads((path / "summary.json").read_text(encoding="utf-8"))
        return cls(summary, path)

    @property
    def replications(self) -> int:
        """Number of replications summarised (0..n-1)."""
        return int(self.summary["replications"])

    @property
    def seed(self) -> int:
        """The root seed."""
        return int(self.summary["seed"])

    @property
    def design(self) -> str:
        """The design (``mc``, ``lhs`` or ``sobol``)."""
        return str(self.summary["design"])

    def _read(self, name: str) -> pa.Table | None:
        if self.directory is None or not (self.directory / name).is_file():
            return None
        return pq.read_table(self.directory / name, page_checksum_verification=True)

    def to_arrow(self) -> pa.Table:
        """Per replication: ``replication``, every KPI, ``target:<name>``, ``input:<path>``."""
        if self._kpis is None:
            self._kpis = self._read("kpis.parquet")
        if self._kpis is None:
            raise FileNotFoundError("this run has no KPI table")
        return self._kpis

    def bands_arrow(self) -> pa.Table:
        """Mean and P5/P25/P50/P75/P95 per series and month."""
        if self._bands is None:
            self._bands = self._read("series_bands.parquet")
        if self._bands is None:
            raise FileNotFoundError("this run has no series bands")
        return self._bands

    def series_arrow(self) -> pa.Table | None:
        """Per replication and month, every series (only when the run kept them)."""
        if self._series is None:
            self._series = self._read("series.parquet")
        return self._series

    @property
    def kpis(self) -> Any:
        """The KPI table as a pandas DataFrame (an Arrow table without pandas)."""
        return _frame(self.to_arrow())

    @property
    def bands(self) -> Any:
        """The series bands as a pandas DataFrame (an Arrow table without pandas)."""
        return _frame(self.bands_arrow())

    @property
    def series(self) -> Any:
        """Per-replication series as a DataFrame (Arrow without pandas), or None."""
        table = self.series_arrow()
        return None if table is None else _frame(table)

    @property
    def targets(self) -> Any:
        """Each target's probability and 95% interval, as a DataFrame (Arrow without pandas)."""
        rows = self.summary.get("targets", [])
        table = pa.table({
            "name": pa.array([r["name"] for r in rows], pa.string()),
            "kpi": pa.array([r["kpi"] for r in rows], pa.string()),
            "probability": pa.array([r["probability"] for r in rows], pa.float64()),
            "ci_low": pa.array([r["ci"][0] for r in rows], pa.float64()),
            "ci_high": pa.array([r["ci"][1] for r in rows], pa.float64()),
            "met": pa.array([r["met"] for r in rows], pa.int64()),
            "runs": pa.array([r["runs"] for r in rows], pa.int64()),
        })
        return _frame(table)
