"""What a report reads from a run directory, read once, with one-line errors naming the file.

The run report needs ``manifest.json`` and ``summary.json``; everything else is optional and
its section says so when it is missing (``series_bands.parquet`` for the fan charts,
``kpis.parquet`` for the distributions, ``scenario.json`` for the targets, the inputs and the
typical replication, ``trace.jsonl`` and ``inputs.json`` written by the report itself). Nothing
is recomputed here: every number a report shows comes from these files.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from sim.errors import CapexsimError

__all__ = ["ANALYSIS_FILES", "Bands", "ReportError", "RunData", "read_json"]

ANALYSIS_FILES = ("compare.json", "sensitivity.json", "sweep_summary.json", "calibration.json")
"""Files whose presence makes a directory without a run an analysis directory."""


class ReportError(CapexsimError):
    """A run directory the report cannot be built from (one line: the file and the field)."""


def read_json(path: Path) -> Any:
    """The JSON in ``path``; :class:`ReportError` naming the file when it is not JSON."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReportError(f"{path}: missing") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportError(f"{path}: cannot be read ({exc.__class__.__name__})") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ReportError(f"{path}: not valid JSON ({exc})") from None


def _analysis_title(path: Path) -> str:
    """A page title for an analysis directory, from its JSON file."""
    data = read_json(path)
    if not isinstance(data, dict):
        raise ReportError(f"{path}: expected a JSON object")
    kind = path.stem.replace("_summary", "")
    if kind == "compare" and isinstance(data.get("scenarios"), list):
        labels = [str(s.get("label", "?")) for s in data["scenarios"] if isinstance(s, dict)]
        return "Comparison: " + " vs ".join(labels)
    scenario = data.get("scenario")
    return f"{kind.capitalize()}: {scenario}" if isinstance(scenario, str) else kind.capitalize()


def _require(data: Any, path: Path, fields: dict[str, type | tuple[type, ...]]) -> None:
    if not isinstance(data, dict):
        raise ReportError(f"{path}: expected a JSON object")
    for name, kind in fields.items():
        if name not in data:
            raise ReportError(f"{path}: field '{name}' is missing")
        if not isinstance(data[name], kind):
            raise ReportError(f"{path}: field '{name}' has the wrong type "
                              f"({type(data[name]).__name__})")


@dataclass(frozen=True)
class Bands:
    """Monthly percentile bands of each series: ``values[series][stat]`` lists, one per month
    (``stat`` in ``mean``, ``p5``, ``p25``, ``p50``, ``p75``, ``p95``); None where undefined."""

    months: list[str]
    values: dict[str, dict[str, list[float]]]

    def has(self, series: str) -> bool:
        return series in self.values


@dataclass
class RunData:
    """The files of one run directory, loaded lazily."""

    path: Path
    manifest: dict[str, Any]
    summary: dict[str, Any]
    analysis_only: bool = False
    """True for a directory that holds an analysis's files but is not itself a run."""
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, path: Path | str) -> RunData:
        """Read a run directory's manifest and summary; :class:`ReportError` if it is not a
        finished run directory."""
        root = Path(path)
        if not root.exists():
            raise ReportError(f"{root}: does not exist")
        if not root.is_dir():
            raise ReportError(f"{root}: not a directory")
        if not (root / "manifest.json").is_file():
            found = [name for name in ANALYSIS_FILES if (root / name).is_file()]
            if found:  # an analysis directory (compare, sensitivity, sweep): its sections only
                return cls(root, {}, {"scenario": _analysis_title(root / found[0]),
                                      "replications": 0, "kpis": {}, "targets": []},
                           analysis_only=True)
            raise ReportError(f"{root}: not a capexsim run directory (no manifest.json) nor "
                              f"an analysis directory (none of {', '.join(ANALYSIS_FILES)})")
        manifest = read_json(root / "manifest.json")
        _require(manifest, root / "manifest.json", {})
        if not (root / "summary.json").is_file():
            status = manifest.get("status", "unknown")
            raise ReportError(f"{root / 'summary.json'}: missing (the run's status is "
                              f"'{status}'; finish it with capexsim run --resume --out {root})")
        summary = read_json(root / "summary.json")
        _require(summary, root / "summary.json",
                 {"scenario": str, "replications": int, "kpis": dict, "targets": list})
        for name, stats in summary["kpis"].items():
            if not isinstance(stats, dict):
                raise ReportError(f"{root / 'summary.json'}: field 'kpis.{name}' is not an "
                                  "object")
        return cls(root, manifest, summary)

    def file(self, name: str) -> Path | None:
        """``path / name`` if that file exists."""
        candidate = self.path / name
        return candidate if candidate.is_file() else None

    @cached_property
    def scenario(self) -> dict[str, Any] | None:
        """The resolved scenario (plain JSON), or None without ``scenario.json``."""
        path = self.file("scenario.json")
        if path is None:
            return None
        data = read_json(path)
        _require(data, path, {"name": str})
        return dict(data)

    @cached_property
    def bands(self) -> Bands | None:
        """The series bands, or None without ``series_bands.parquet``."""
        path = self.file("series_bands.parquet")
        if path is None:
            return None
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(path)
        except Exception as exc:  # pyarrow raises several types for a damaged file
            raise ReportError(f"{path}: cannot be read as Parquet ({exc})") from None
        needed = ["series", "month", "month_label", "mean", "p5", "p25", "p50", "p75", "p95"]
        for column in needed:
            if column not in table.column_names:
                raise ReportError(f"{path}: column '{column}' is missing")
        columns = {name: table[name].to_pylist() for name in needed}
        values: dict[str, dict[str, list[float]]] = {}
        labels: dict[int, str] = {}
        for i, series in enumerate(columns["series"]):
            month = int(columns["month"][i])
            labels[month] = str(columns["month_label"][i])
            cell = values.setdefault(series, {s: [] for s in needed[3:]})
            for stat in needed[3:]:
                v = columns[stat][i]
                cell[stat].append(math.nan if v is None else float(v))
        months = [labels[m] for m in sorted(labels)]
        return Bands(months, values)

    def kpi_columns(self, names: list[str]) -> dict[str, list[float]]:
        """Per-replication values of the KPIs ``names`` present in ``kpis.parquet``
        (empty without the file)."""
        path = self.file("kpis.parquet")
        if path is None:
            return {}
        import pyarrow.parquet as pq

        try:
            schema = pq.read_schema(path)
            present = [n for n in names if n in schema.names]
            table = pq.read_table(path, columns=present)
        except Exception as exc:  # pyarrow raises several types for a damaged file
            raise ReportError(f"{path}: cannot be read as Parquet ({exc})") from None
        return {n: [math.nan if v is None else float(v) for v in table[n].to_pylist()]
                for n in present}

    def optional_json(self, name: str) -> Any | None:
        """The JSON of an optional file (None when absent; an error when malformed)."""
        path = self.file(name)
        return None if path is None else read_json(path)
