"""The sections of every run report: headline KPIs, targets, fan charts, distributions, the
typical replication's timeline, every KPI, the uncertain inputs, and provenance.

Every number comes from the run directory (``summary.json``, ``series_bands.parquet``,
``kpis.parquet``, ``trace.jsonl``, ``inputs.json``, ``manifest.json``). Headline KPIs are a
chosen few (:data:`HEADLINE`) among those the summary holds; every other KPI it holds is in the
full table, whatever their number.
"""

from __future__ import annotations

import math
from typing import Any

from sim.report.charts import Fan, cdf_chart, fan_chart
from sim.report.inputs import read_inputs
from sim.report.rundata import Bands, ReportError, RunData
from sim.report.sections import Section
from sim.report.trace import read_trace

__all__ = ["FANS", "HEADLINE", "SECTIONS", "fan_figure", "headline_kpis"]

HEADLINE: tuple[str, ...] = (
    "h100_equivalents_installed", "training_flop_delivered", "largest_run_flop",
    "demand_served_fraction", "cost_per_million_tokens_usd", "capex_lost_to_policy_usd",
    "spent_usd", "budget_unspent_usd",
)
"""The KPIs shown first, in this order, when the summary has them."""

FANS: tuple[tuple[str, str, str, str, tuple[tuple[str, str], ...], bool], ...] = (
    ("compute_by_site", "Installed compute by site kind", "PFLOP/s",
     "peak dense BF16 (PFLOP/s)", (("pflops_domestic_sites", "owned domestic sites"),
                                   ("pflops_overseas_sites", "owned overseas sites"),
                                   ("pflops_leased", "leased overseas")), False),
    ("compute_by_origin", "Installed compute by chip origin", "PFLOP/s",
     "peak dense BF16 (PFLOP/s)", (("installed_pflops", "all chips"),
                                   ("pflops_domestic_chips", "domestic (Chinese-made) chips")),
     False),
    ("h100_equivalents", "H100-equivalents installed and leased", "H100-eq",
     "H100-equivalents (count)", (("h100_equivalents", "H100-equivalents"),), False),
    ("inference", "Inference capacity against demand", "tokens/day",
     "tokens per day (log scale)", (("inference_capacity_tokens_per_day", "capacity"),
                                    ("demand_tokens_per_day", "demand")), True),
    ("training", "Training compute delivered, cumulative", "FLOP", "training FLOP (cumulative)",
     (("kpi.training_flop_delivered", "training FLOP delivered"),), False),
    ("spend", "Money committed per month, by category", "USD", "USD per month",
     (("committed_chips_usd", "chips and servers"),
      ("committed_datacenter_usd", "datacenter build"),
      ("committed_leases_usd", "overseas leases")), False),
    ("money", "Money to date: spent, unspent, lost to policy", "USD",
     "USD (cumulative to the month's end)", (("kpi.spent_usd", "spent or committed"),
                                             ("kpi.budget_unspent_usd", "released, unspent"),
                                             ("kpi.capex_lost_to_policy_usd",
                                              "lost to policy")), False),
    ("stranded", "Chips delivered but waiting for power (stranded)", "chips",
     "chips (count)", (("chips_stranded", "stranded chips"),), False),
    ("power", "Facility power at owned sites", "MW", "facility power (MW)",
     (("power_capacity_mw", "available"), ("power_used_mw", "used by installed chips")),
     False),
)
"""Fan charts: (id, title, unit, y label, ((series, label), ...), log scale)."""


def _unit(data: RunData, name: str) -> str:
    from sim.kpis import KPIS

    unit = data.summary["kpis"].get(name, {}).get("unit")
    return str(unit) if unit else (KPIS[name].unit if name in KPIS else "")


def _description(name: str) -> str:
    from sim.kpis import KPIS

    return KPIS[name].description if name in KPIS else ""


def headline_kpis(data: RunData) -> list[str]:
    """The headline KPIs the summary has, in :data:`HEADLINE` order."""
    return [name for name in HEADLINE if name in data.summary["kpis"]]


def _kpi_row(data: RunData, name: str) -> dict[str, Any]:
    s = data.summary["kpis"][name]
    ci = s.get("mean_ci")
    mean = s.get("mean")
    half = None if not ci or None in ci or mean is None else (ci[1] - ci[0]) / 2
    return {"name": name, "unit": _unit(data, name), "description": _description(name),
            "mean": mean, "half": half, "mean_ci": ci, "p5": s.get("p5"), "p50": s.get("p50"),
            "p95": s.get("p95"), "n": s.get("n"), "missing": s.get("missing", 0)}


def _headline(data: RunData) -> dict[str, Any] | None:
    names = headline_kpis(data)
    absent = [name for name in HEADLINE if name not in data.summary["kpis"]]
    confidence = float(data.summary.get("confidence", 0.95))
    return {"kpis": [_kpi_row(data, n) for n in names], "absent": absent,
            "confidence": confidence, "replications": data.summary["replications"]}


def _targets(data: RunData) -> dict[str, Any] | None:
    rows = data.summary.get("targets") or []
    if not rows:
        return None
    defined = {t.get("name"): t for t in (data.scenario or {}).get("targets", [])}
    out = []
    for t in rows:
        spec = defined.get(t["name"], {})
        if spec.get("at_least") is not None:
            rule = f"{t['kpi']} ≥ {spec['at_least']:g}"
        elif spec.get("at_most") is not None:
            rule = f"{t['kpi']} ≤ {spec['at_most']:g}"
        else:
            rule = t["kpi"]
        if spec.get("by"):
            rule += f" at the end of {spec['by']}"
        out.append({**t, "rule": rule})
    return {"targets": out}


def _fan(bands: Bands, series: str, label: str) -> Fan:
    v = bands.values[series]
    return Fan(label, v["p5"], v["p25"], v["p50"], v["p75"], v["p95"])


def _last(values: list[float]) -> float | None:
    return values[-1] if values and math.isfinite(values[-1]) else None


def fan_figure(bands: Bands, chart_id: str) -> dict[str, Any] | None:
    """The fan chart ``chart_id`` of :data:`FANS` (its PNG data URI under ``uri``, its
    end-of-horizon figures under ``ends``), or None when none of its series is in the bands
    or all are zero throughout."""
    spec = next((f for f in FANS if f[0] == chart_id), None)
    if spec is None:
        raise KeyError(f"no fan chart {chart_id!r}; known: {', '.join(f[0] for f in FANS)}")
    _, title, unit, ylabel, members, log = spec
    present = [(s, label) for s, label in members if bands.has(s)]
    drawn = [(s, label) for s, label in present
             if any(math.isfinite(v) and v != 0 for v in bands.values[s]["p95"])]
    if not drawn:
        return None
    fans = [_fan(bands, s, label) for s, label in drawn]
    ends = [{"series": s, "label": label, "unit": unit,
             "p5": _last(bands.values[s]["p5"]), "p50": _last(bands.values[s]["p50"]),
             "p95": _last(bands.values[s]["p95"])} for s, label in drawn]
    zero = [label for s, label in present if (s, label) not in drawn]
    return {"id": chart_id, "title": title, "unit": unit, "ends": ends, "zero": zero,
            "uri": fan_chart(bands.months, fans, unit, ylabel, log=log)}


def _fans(data: RunData) -> dict[str, Any] | None:
    bands = data.bands
    if bands is None:
        return {"missing": "series_bands.parquet", "charts": []}
    charts = [chart for spec in FANS if (chart := fan_figure(bands, spec[0])) is not None]
    return {"charts": charts, "last_month": bands.months[-1] if bands.months else "",
            "missing": None}


def _cdfs(data: RunData) -> dict[str, Any] | None:
    targets = data.summary.get("targets") or []
    defined = {t.get("name"): t for t in (data.scenario or {}).get("targets", [])}
    names = headline_kpis(data)
    names += [t["kpi"] for t in targets if t["kpi"] not in names and t["kpi"] in
              data.summary["kpis"]]
    columns = data.kpi_columns(names)
    if not columns:
        return {"missing": "kpis.parquet", "charts": []}
    charts = []
    for name in names:
        values = columns.get(name)
        if not values or not any(math.isfinite(v) for v in values):
            continue
        unit = _unit(data, name)
        marks, notes = [], []
        p50 = data.summary["kpis"][name].get("p50")
        if p50 is not None:
            marks.append((float(p50), "median (P50)"))
        for t in targets:
            spec = defined.get(t["name"], {})
            threshold = spec.get("at_least", spec.get("at_most"))
            if t["kpi"] != name or threshold is None:
                continue
            by = f" by {spec['by']}" if spec.get("by") else ""
            marks.append((float(threshold), f"target{by}: P = {t['probability']:.1%}"))
            notes.append({**t, "threshold": threshold, "by": spec.get("by")})
        label = f"{name} at the end of the horizon ({unit})"
        charts.append({"name": name, "unit": unit, "targets": notes,
                       "uri": cdf_chart(values, unit, label, marks)})
    return {"charts": charts, "missing": None}


def _timeline(data: RunData) -> dict[str, Any] | None:
    trace = read_trace(data)
    if trace is None:
        return {"missing": "trace.jsonl", "events": [], "header": None, "kinds": {}}
    kinds: dict[str, int] = {}
    months: list[dict[str, Any]] = []
    for event in trace.events:
        kinds[event["kind"]] = kinds.get(event["kind"], 0) + 1
        label = str(event.get("label", f"month {int(event['month'])}"))
        if not months or months[-1]["label"] != label:
            months.append({"label": label, "events": []})
        months[-1]["events"].append(event)
    kpi = str(trace.header.get("kpi", ""))
    names = headline_kpis(data)
    columns = data.kpi_columns(["replication", *names])
    compared = []
    reps = columns.get("replication", [])
    if trace.header.get("replication") in reps:
        row = reps.index(trace.header["replication"])
        compared = [{"name": n, "unit": _unit(data, n), "value": columns[n][row],
                     "p50": data.summary["kpis"][n].get("p50")} for n in names if n in columns]
    return {"header": trace.header, "events": trace.events, "kinds": kinds, "months": months,
            "unit": _unit(data, kpi) if kpi else "", "compared": compared, "missing": None}


def _all_kpis(data: RunData) -> dict[str, Any] | None:
    return {"kpis": [_kpi_row(data, name) for name in data.summary["kpis"]],
            "confidence": float(data.summary.get("confidence", 0.95))}


def _inputs(data: RunData) -> dict[str, Any] | None:
    table = read_inputs(data)
    if table is None and data.scenario is not None:
        from sim.report.inputs import input_rows

        try:
            table = {"scenario_file": None, "inputs": input_rows(data.scenario)}
        except ReportError:  # a scenario.json this version cannot read: the note says why
            return {"missing": "inputs.json", "inputs": []}
    if table is None:
        return {"missing": "scenario.json", "inputs": []}
    return {"inputs": table["inputs"], "scenario_file": table.get("scenario_file"),
            "missing": None}


def _provenance(data: RunData) -> dict[str, Any] | None:
    import datetime as dt

    m, s = data.manifest, data.summary
    rows = [
        ("scenario", s.get("scenario")), ("scenario file", m.get("scenario_file")),
        ("overrides (--set)", " ".join(m.get("overrides") or []) or ("none" if "overrides"
                                                                      in m else None)),
        ("scenario hash (SHA-256)", m.get("scenario_hash")),
        ("replications", s.get("replications")), ("root seed", s.get("seed", m.get("seed"))),
        ("design", s.get("design", m.get("design"))), ("design size", m.get("n_total")),
        ("precision asked", m.get("precision")), ("capexsim version", m.get("version")),
        ("git revision", m.get("git_revision")), ("code hash (SHA-256)", m.get("code_hash")),
        ("started (UTC)", m.get("started")), ("finished (UTC)", m.get("finished")),
        ("executor", f"{m.get('executor')} ({m.get('workers')} workers)"
         if m.get("executor") else None),
        ("Python / numpy / scipy / pyarrow", " / ".join(
            str(m.get(k, "?")) for k in ("python", "numpy", "scipy", "pyarrow"))
         if m.get("python") else None),
        ("run directory", str(data.path)),
        ("report written (UTC)", dt.datetime.now(dt.UTC).isoformat(timespec="seconds")),
    ]
    return {"rows": [(k, v) for k, v in rows if v is not None]}


SECTIONS: tuple[Section, ...] = (
    Section("headline", "Headline results", "headline.html.j2", _headline, order=10),
    Section("targets", "Targets", "targets.html.j2", _targets, order=20),
    Section("fans", "Over time", "fans.html.j2", _fans, order=30),
    Section("distributions", "Distributions of the key results", "cdfs.html.j2", _cdfs,
            order=40),
    Section("timeline", "What happened in a typical replication", "timeline.html.j2",
            _timeline, order=50),
    Section("kpis", "Every KPI", "kpis.html.j2", _all_kpis, order=80),
    Section("provenance", "Provenance", "provenance.html.j2", _provenance, order=90),
    Section("inputs", "Uncertain inputs", "inputs.html.j2", _inputs, order=95),
)
"""The sections of every run report, in order."""
