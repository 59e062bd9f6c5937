"""Text for the terminal and for scripts: ``table`` (aligned columns), ``json`` (the document
written to the run directory), ``csv`` (the main table, one row per record)."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from sim.analysis.common import clean_json

__all__ = ["FORMATS", "number", "render", "replication_document", "replication_frame",
           "summary_frame", "table"]

FORMATS = ("table", "json", "csv")


def number(value: Any) -> str:
    """A number for a table: 4 significant digits, thousands separated, ``n/a`` for NaN."""
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(v):
        return "n/a"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == 0:
        return "0"
    if abs(v) >= 1e7 or abs(v) < 1e-3:
        return f"{v:.3e}"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.4g}"


def table(rows: Sequence[Sequence[Any]], header: Sequence[str], *, indent: int = 2) -> str:
    """Rows as aligned text: the first column left-aligned, the others right-aligned."""
    cells = [[str(h) for h in header]]
    cells += [[c if isinstance(c, str) else number(c) for c in row] for row in rows]
    widths = [max(len(r[k]) for r in cells) for k in range(len(header))]
    lines = []
    for r in cells:
        parts = [r[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(r[1:], widths[1:],
                                                                        strict=True)]
        lines.append(" " * indent + "  ".join(parts).rstrip())
    return "\n".join(lines)


def render(fmt: str, *, text: str, document: dict[str, Any], frame: Any) -> str:
    """The output in ``fmt``: ``text`` for table, ``document`` for json, ``frame`` for csv."""
    if fmt == "json":
        return json.dumps(clean_json(document), indent=2, allow_nan=False)
    if fmt == "csv":
        return str(frame.to_csv(index=False, lineterminator="\n")).rstrip("\n")
    return text


def summary_frame(summary: dict[str, Any]) -> Any:
    """A run's ``summary.json`` as a table: one row per KPI (statistics and intervals), then
    one per target (its probability in ``mean``, its Wilson interval in ``mean_ci``)."""
    import pandas as pd

    rows = []
    for name, s in summary["kpis"].items():
        ci = s.get("mean_ci") or [None, None]
        rows.append({"name": name, "kind": "kpi", "unit": s.get("unit", ""), "n": s.get("n"),
                     "mean": s.get("mean"), "mean_ci_low": ci[0], "mean_ci_high": ci[1],
                     "sd": s.get("sd"), "p5": s.get("p5"), "p10": s.get("p10"),
                     "p50": s.get("p50"), "p90": s.get("p90"), "p95": s.get("p95")})
    for t in summary.get("targets", []):
        rows.append({"name": t["name"], "kind": "target", "unit": "probability",
                     "n": t["runs"], "mean": t["probability"], "mean_ci_low": t["ci"][0],
                     "mean_ci_high": t["ci"][1]})
    return pd.DataFrame(rows, columns=["name", "kind", "unit", "n", "mean", "mean_ci_low",
                                       "mean_ci_high", "sd", "p5", "p10", "p50", "p90",
                                       "p95"])


def replication_document(scenario: Any, result: Any, seed: int) -> dict[str, Any]:
    """One replication's KPIs and targets, for JSON and CSV output."""
    from sim.targets import target_met, target_value

    start = scenario.clock.start
    return {"scenario": scenario.name, "replication": result.replication, "seed": seed,
            "kpis": dict(result.kpis),
            "targets": [{"name": t.name, "kpi": t.kpi, "met": target_met(t, result, start),
                         "value": target_value(t, result, start)}
                        for t in scenario.targets]}


def replication_frame(document: dict[str, Any]) -> Any:
    """One replication's KPIs (then targets, 1 if met) as rows ``name, value``."""
    import pandas as pd

    names = [*document["kpis"], *(f"target:{t['name']}" for t in document["targets"])]
    values = [*document["kpis"].values(), *(float(t["met"]) for t in document["targets"])]
    return pd.DataFrame({"name": names, "value": values})
