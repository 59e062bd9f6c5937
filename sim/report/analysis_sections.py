"""Report sections for analyses: each appears when its JSON file is in the run directory.

The shapes below are what these sections read (extra fields are ignored; a missing required
field is a one-line error naming the file and the field). Numbers are plain JSON numbers,
``null`` where undefined; ``unit`` strings are those of :data:`sim.kpis.KPIS`.

``compare.json`` (plans on common random numbers, differences paired by replication)::

    {"baseline": "reference",
     "plans": ["reference", "lease_heavy"],
     "differences": [                       # plan minus baseline, per KPI
        {"plan": "lease_heavy", "kpi": "h100_equivalents_installed", "unit": "H100-eq",
         "mean": 12000.0, "ci": [9000.0, 15000.0],   # 95% interval of the mean difference
         "p5": -20000.0, "p50": 11000.0, "p95": 45000.0,
         "prob_better": 0.71}],             # share of replications where the plan is better
     "regret": [                            # per plan and KPI: shortfall from the best plan
        {"plan": "lease_heavy", "kpi": "h100_equivalents_installed", "unit": "H100-eq",
         "mean": 3000.0, "p95": 15000.0}]}

``sensitivity.json`` (what drives one KPI)::

    {"kpi": "h100_equivalents_installed", "unit": "H100-eq",
     "tornado": [{"input": "chips.Ascend-910C.supply_per_quarter",
                  "low": 300000.0, "high": 520000.0}],   # KPI at the input's P5 / P95
     "base": 410000.0,
     "rank_correlations": [{"input": "...", "rho": 0.62, "ci": [0.58, 0.66]}],
     "sobol": [{"group": "supply", "first": 0.41, "total": 0.47,
                "first_ci": [0.38, 0.44], "total_ci": [0.44, 0.50]}]}   # any list may be []

``sweep_summary.json`` (a lever over a range, across the uncertainty)::

    {"lever": "budget.tranches.0.amount", "lever_unit": "CNY",
     "kpis": [{"kpi": "h100_equivalents_installed", "unit": "H100-eq",
               "points": [{"value": 1.6e11, "mean": 410000.0, "p5": 270000.0,
                           "p25": 350000.0, "p50": 409000.0, "p75": 470000.0,
                           "p95": 548000.0}]}]}

``calibration.json`` (observations against the model's bands at their dates)::

    {"observations": [{"name": "Doubao tokens/day 2026-03", "series": "tokens_served",
                       "month": "2026-03", "observed": 1.2e14, "unit": "tokens/day",
                       "p5": 0.8e14, "p50": 1.1e14, "p95": 1.6e14, "inside": true,
                       "source": "DF §5"}]}
"""

from __future__ import annotations

import math
from typing import Any

from sim.report.charts import Fan, hbar_chart, interval_chart, line_band_chart
from sim.report.rundata import ReportError, RunData
from sim.report.sections import Section

__all__ = ["SECTIONS"]


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


def _compare(data: RunData) -> dict[str, Any] | None:
    content = _load(data, "compare.json", {"baseline": str, "plans": list})
    if content is None:
        return None
    diffs = _rows(content, "differences", "compare.json", ("plan", "kpi", "mean"), data)
    regret = _rows(content, "regret", "compare.json", ("plan", "kpi", "mean"), data)
    charts = []
    for kpi in dict.fromkeys(d["kpi"] for d in diffs):
        rows = [d for d in diffs if d["kpi"] == kpi]
        unit = str(rows[0].get("unit", ""))
        errors = [tuple(d["ci"]) if isinstance(d.get("ci"), list) and len(d["ci"]) == 2
                  else (_num(d["mean"]), _num(d["mean"])) for d in rows]
        charts.append({"kpi": kpi, "uri": hbar_chart(
            [str(d["plan"]) for d in rows], [("mean paired difference", [
                _num(d["mean"]) for d in rows])],
            f"{kpi}: plan minus {content['baseline']} ({unit})",
            errors=[(_num(lo), _num(hi)) for lo, hi in errors], unit=unit)})
    return {"baseline": content["baseline"], "plans": content["plans"], "differences": diffs,
            "regret": regret, "charts": charts}


def _sensitivity(data: RunData) -> dict[str, Any] | None:
    content = _load(data, "sensitivity.json", {"kpi": str})
    if content is None:
        return None
    name = "sensitivity.json"
    unit = str(content.get("unit", ""))
    tornado = _rows(content, "tornado", name, ("input", "low", "high"), data)
    ranks = _rows(content, "rank_correlations", name, ("input", "rho"), data)
    sobol = _rows(content, "sobol", name, ("group", "first", "total"), data)
    charts = []
    if tornado:
        base = _num(content.get("base", 0.0))
        base = 0.0 if math.isnan(base) else base
        order = sorted(tornado, key=lambda r: -abs(_num(r["high"]) - _num(r["low"])))
        charts.append({"title": "Tornado", "uri": hbar_chart(
            [str(r["input"]) for r in order],
            [("input at its P5", [_num(r["low"]) - base for r in order]),
             ("input at its P95", [_num(r["high"]) - base for r in order])],
            f"change in {content['kpi']} from {base:.4g} ({unit})", unit=unit)})
    if ranks:
        charts.append({"title": "Rank correlations", "uri": hbar_chart(
            [str(r["input"]) for r in ranks], [("Spearman rank correlation",
                                                [_num(r["rho"]) for r in ranks])],
            f"Spearman rank correlation with {content['kpi']} (-1 to 1)")})
    if sobol:
        charts.append({"title": "Sobol' indices", "uri": hbar_chart(
            [str(r["group"]) for r in sobol],
            [("first order", [_num(r["first"]) for r in sobol]),
             ("total", [_num(r["total"]) for r in sobol])],
            f"share of the variance of {content['kpi']} (fraction)")})
    return {"kpi": content["kpi"], "unit": unit, "tornado": tornado, "ranks": ranks,
            "sobol": sobol, "charts": charts}


def _sweep(data: RunData) -> dict[str, Any] | None:
    content = _load(data, "sweep_summary.json", {"lever": str, "kpis": list})
    if content is None:
        return None
    name = "sweep_summary.json"
    kpis = _rows(content, "kpis", name, ("kpi", "points"), data)
    charts = []
    for k, entry in enumerate(kpis):
        points = entry["points"]
        if not isinstance(points, list) or not points:
            raise ReportError(f"{data.path / name}: field 'kpis.{k}.points' is empty")
        for j, p in enumerate(points):
            for field in ("value", "p50"):
                if not isinstance(p, dict) or field not in p:
                    raise ReportError(f"{data.path / name}: field "
                                      f"'kpis.{k}.points.{j}.{field}' is missing")
        points = sorted(points, key=lambda p: _num(p["value"]))

        def col(stat: str, pts: list[dict[str, Any]] = points) -> list[float]:
            return [_num(p.get(stat, p["p50"])) for p in pts]

        fan = Fan(str(entry["kpi"]), col("p5"), col("p25"), col("p50"), col("p75"), col("p95"))
        unit = str(entry.get("unit", ""))
        charts.append({"kpi": entry["kpi"], "unit": unit, "points": points,
                       "uri": line_band_chart(
                           col("value"), [fan],
                           f"{content['lever']} ({content.get('lever_unit', '')})", unit,
                           f"{entry['kpi']} ({unit})",
                           x_unit=str(content.get("lever_unit", "")))})
    return {"lever": content["lever"], "lever_unit": content.get("lever_unit", ""),
            "charts": charts}


def _calibration(data: RunData) -> dict[str, Any] | None:
    content = _load(data, "calibration.json", {"observations": list})
    if content is None:
        return None
    rows = _rows(content, "observations", "calibration.json",
                 ("name", "observed", "p5", "p50", "p95"), data)
    chart = None
    if rows:
        # each observation relative to its model median, so different units share an axis
        def rel(row: dict[str, Any], key: str) -> float:
            median = _num(row["p50"])
            return _num(row[key]) / median if median else math.nan

        chart = interval_chart(
            [str(r["name"]) for r in rows],
            [(rel(r, "p5"), 1.0, rel(r, "p95")) for r in rows],
            [rel(r, "observed") for r in rows],
            "value / model median (ratio; 1 = the model's P50)",
            point_label="observed", band_label="model P5-P95")
    return {"observations": rows, "chart": chart,
            "inside": sum(1 for r in rows if r.get("inside")), "count": len(rows)}


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
