"""Report sections for analyses: each appears when its JSON file is in the directory.

``compare.json``, ``sensitivity.json`` and ``sweep_summary.json`` are the files ``capexsim
compare``, ``sensitivity`` and ``sweep`` write, in the shapes ``docs/analysis.md`` documents
(records are JSON objects; ``null`` where undefined). What these sections read of them:

- ``compare.json``: ``baseline`` (a label), ``scenarios`` (``label``...), ``kpis`` (records:
  ``kpi``, ``unit``, ``scenario``, ``mean``, ``p5``, ``p50``, ``p95``, ``diff``,
  ``diff_ci_low``, ``diff_ci_high``, ``p_better``), ``targets`` (``target``, ``scenario``,
  ``probability``, ``diff``, ``diff_ci_low``, ``diff_ci_high``), ``regret`` (``kpi``,
  ``scenario``, ``best_in``, ``mean_shortfall``, ``max_shortfall``).
- ``sensitivity.json``: ``kpis``; ``rank`` (``kpi``, ``input``, ``spearman``,
  ``spearman_ci_low``, ``spearman_ci_high``, ``prcc``), ``tornado`` (``kpi``, ``input``,
  ``at_low``, ``at_high``, ``swing``), ``sobol`` (``kpi``, ``group``, ``first``, ``total``,
  ``first_low``...); each may be ``null`` when its method did not run.
- ``sweep_summary.json``: ``levers`` (``path``...), ``summary`` (records: ``point``,
  ``lever:<path>``, ``kpi``, ``mean``, ``p5``, ``p50``, ``p95``).

- ``calibration.json`` (``capexsim calibrate``, see :mod:`sim.analysis.calibration`):
  ``observations`` (records: ``name``, ``series``, ``month`` or ``year`` and ``aggregate``,
  ``value``, ``low``, ``high``, ``source``, ``p5``, ``p50``, ``p95``, ``percentile``,
  ``verdict``), ``inside``, ``total``.

Charts are drawn for the headline KPIs (:data:`sim.report.run_sections.HEADLINE`) the file
has, or its first few KPIs; tables hold every record. A missing required field is a one-line
error naming the file and the field.
"""

from __future__ import annotations

import math
from typing import Any

from sim.report.charts import Fan, hbar_chart, interval_chart, line_band_chart, range_chart
from sim.report.rundata import ReportError, RunData
from sim.report.sections import Section

__all__ = ["SECTIONS", "TOP"]

TOP = 10
"""Inputs per chart in the sensitivity section (by importance)."""


def _load(data: RunData, name: str, fields: dict[str, type | tuple[type, ...]]) -> Any:
    content = data.optional_json(name)
    if content is None:
        return None
    path = data.path / name
    if not isinstance(content, dict):
        raise ReportError(f"{path}: expected a JSON object")
    for field, kind in fields.items():
        if not isinstance(content.get(field), kind):
            raise ReportError(f"{path}: field '{field}' is missing or of the wrong type")
    return content


def _rows(content: dict[str, Any], key: str, name: str, required: tuple[str, ...],
          data: RunData) -> list[dict[str, Any]]:
    rows = content.get(key) or []
    if not isinstance(rows, list):
        raise ReportError(f"{data.path / name}: field '{key}' is not a list")
    for k, row in enumerate(rows):
        for field in required:
            if not isinstance(row, dict) or field not in row:
                raise ReportError(f"{data.path / name}: field '{key}.{k}.{field}' is missing")
    return rows


def _num(v: Any) -> float:
    return float(v) if isinstance(v, (int, float)) and math.isfinite(v) else math.nan


def _informative(values: list[float]) -> bool:
    """Whether a chart of ``values`` would show anything (a finite value other than 0)."""
    return any(v == v and v != 0 for v in values)


def _kpis_to_chart(names: list[str]) -> list[str]:
    from sim.report.run_sections import HEADLINE

    chosen = [k for k in HEADLINE if k in names]
    return chosen or names[:4]


def _compare(data: RunData) -> dict[str, Any] | None:
    name = "compare.json"
    content = _load(data, name, {"baseline": str, "scenarios": list, "kpis": list})
    if content is None:
        return None
    records = _rows(content, "kpis", name, ("kpi", "scenario", "mean"), data)
    targets = _rows(content, "targets", name, ("target", "scenario", "probability"), data)
    regret = _rows(content, "regret", name, ("kpi", "scenario"), data)
    baseline = content["baseline"]
    others = [r for r in records if r["scenario"] != baseline]
    charts = []
    for kpi in _kpis_to_chart(list(dict.fromkeys(r["kpi"] for r in others))):
        rows = [r for r in others if r["kpi"] == kpi and r.get("diff") is not None]
        if not _informative([_num(r["diff"]) for r in rows]):
            continue
        unit = str(rows[0].get("unit", ""))
        charts.append({"kpi": kpi, "uri": hbar_chart(
            [str(r["scenario"]) for r in rows],
            [("mean paired difference", [_num(r["diff"]) for r in rows])],
            f"{kpi}: scenario minus {baseline} ({unit})",
            errors=[(_num(r.get("diff_ci_low")), _num(r.get("diff_ci_high"))) for r in rows],
            unit=unit)})
    labels = [str(s.get("label", "?")) for s in content["scenarios"] if isinstance(s, dict)]
    return {"baseline": baseline, "labels": labels, "records": records, "targets": targets,
            "regret": regret, "charts": charts}


def _sensitivity(data: RunData) -> dict[str, Any] | None:
    name = "sensitivity.json"
    content = _load(data, name, {"kpis": list})
    if content is None:
        return None
    ranks = _rows(content, "rank", name, ("kpi", "input", "spearman"), data)
    tornado = _rows(content, "tornado", name, ("kpi", "input", "at_low", "at_high"), data)
    sobol = _rows(content, "sobol", name, ("kpi", "group", "first", "total"), data)
    blocks = []
    for kpi in _kpis_to_chart([str(k) for k in content["kpis"]]):
        charts = []
        rows = sorted((r for r in ranks if r["kpi"] == kpi and _num(r["spearman"]) == _num(
            r["spearman"])), key=lambda r: -abs(_num(r["spearman"])))[:TOP]
        if _informative([_num(r["spearman"]) for r in rows]):
            charts.append({"title": "Rank correlations", "uri": hbar_chart(
                [str(r["input"]) for r in rows],
                [("Spearman (95% interval)", [_num(r["spearman"]) for r in rows])],
                f"rank correlation with {kpi} (-1 to 1)",
                errors=[(_num(r.get("spearman_ci_low")), _num(r.get("spearman_ci_high")))
                        for r in rows])})
        rows = sorted((r for r in tornado if r["kpi"] == kpi),
                      key=lambda r: -abs(_num(r["at_high"]) - _num(r["at_low"])))[:TOP]
        rows = [r for r in rows if _num(r["at_low"]) == _num(r["at_low"])]
        if _informative([_num(r["at_high"]) - _num(r["at_low"]) for r in rows]):
            unit = str(rows[0].get("unit", ""))
            charts.append({"title": "Tornado", "uri": range_chart(
                [str(r["input"]) for r in rows], [_num(r["at_low"]) for r in rows],
                [_num(r["at_high"]) for r in rows],
                f"{kpi} with the input at its P10 (o) and P90 (|) ({unit})", unit=unit)})
        rows = [r for r in sobol if r["kpi"] == kpi]
        if _informative([_num(r["first"]) for r in rows] + [_num(r["total"]) for r in rows]):
            charts.append({"title": "Sobol' indices", "uri": hbar_chart(
                [str(r["group"]) for r in rows],
                [("first order", [_num(r["first"]) for r in rows]),
                 ("total", [_num(r["total"]) for r in rows])],
                f"share of the variance of {kpi} (fraction)")})
        if charts:
            blocks.append({"kpi": kpi, "charts": charts})
    return {"kpis": content["kpis"], "blocks": blocks, "sobol": sobol,
            "methods": content.get("methods", [])}


def _sweep(data: RunData) -> dict[str, Any] | None:
    name = "sweep_summary.json"
    content = _load(data, name, {"levers": list, "summary": list})
    if content is None:
        return None
    records = _rows(content, "summary", name, ("point", "kpi", "p50"), data)
    levers = [str(lever.get("path", "?")) for lever in content["levers"]
              if isinstance(lever, dict)]
    one = levers[0] if len(levers) == 1 else None
    charts = []
    for kpi in _kpis_to_chart(list(dict.fromkeys(str(r["kpi"]) for r in records))):
        points = sorted((r for r in records if r["kpi"] == kpi),
                        key=lambda r: _num(r.get(f"lever:{one}", r["point"])))
        if not points:
            continue

        def col(stat: str, pts: list[dict[str, Any]] = points) -> list[float]:
            return [_num(p.get(stat, p["p50"])) for p in pts]

        xs = [_num(p.get(f"lever:{one}", p["point"])) for p in points]
        unit = str(points[0].get("unit", ""))
        if not unit:
            from sim.kpis import KPIS

            unit = KPIS[kpi].unit if kpi in KPIS else ""
        fan = Fan(kpi, col("p5"), col("p50"), col("p50"), col("p50"), col("p95"))
        charts.append({"kpi": kpi, "uri": line_band_chart(
            xs, [fan], one if one else "sweep point (see the levers above)", unit,
            f"{kpi} ({unit})")})
    return {"levers": levers, "charts": charts, "points": content.get("points")}


def _calibration(data: RunData) -> dict[str, Any] | None:
    content = _load(data, "calibration.json", {"observations": list})
    if content is None:
        return None
    rows = _rows(content, "observations", "calibration.json",
                 ("name", "value", "p5", "p50", "p95", "verdict"), data)
    judged = [r for r in rows if r.get("p50")]
    chart = None
    if judged:
        # each observation relative to its model median, so different units share an axis
        def rel(row: dict[str, Any], key: str) -> float:
            return _num(row[key]) / _num(row["p50"])

        chart = interval_chart(
            [str(r["name"]) for r in judged],
            [(rel(r, "p5"), 1.0, rel(r, "p95")) for r in judged],
            [rel(r, "value") for r in judged],
            "value / model median (ratio; 1 = the model's P50)",
            point_label="observed", band_label="model P5-P95")
    for row in rows:
        row["when"] = row.get("month") or f"{row.get('year')} ({row.get('aggregate')})"
    return {"observations": rows, "chart": chart,
            "inside": sum(1 for r in rows if r.get("verdict") == "inside"), "count": len(rows)}


SECTIONS: tuple[Section, ...] = (
    Section("compare", "Plans compared", "compare.html.j2", _compare, trigger="compare.json",
            order=60),
    Section("sensitivity", "What drives the result", "sensitivity.html.j2", _sensitivity,
            trigger="sensitivity.json", order=62),
    Section("sweep", "Lever sweep", "sweep.html.j2", _sweep, trigger="sweep_summary.json",
            order=64),
    Section("calibration", "Model against observations", "calibration.html.j2", _calibration,
            trigger="calibration.json", order=66),
)
"""Analysis sections, each shown when its file is present."""
