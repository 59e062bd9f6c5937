"""The terminal tables of each analysis (``--format table``)."""

from __future__ import annotations

from typing import Any

from sim.analysis.output import number, table

__all__ = ["format_comparison", "format_sensitivity", "format_sweep"]


def _interval(low: Any, high: Any) -> str:
    return f"[{number(low)}, {number(high)}]"


def format_comparison(result: Any) -> str:
    """Per KPI: each scenario's mean and percentiles, its paired difference from the baseline
    with the 95% interval (and the unpaired one), P(better), the variance ratio; per target
    the probabilities; then the regret table."""
    info = result.info
    lines = [f"compare: {', '.join(s['label'] for s in info['scenarios'])} on common random "
             f"numbers ({info['runs']:,} replications each, design {info['design']}, seed "
             f"{info['seed']}); differences against {info['baseline']}", ""]
    for kpi, group in result.kpis.groupby("kpi", sort=False):
        first = group.iloc[0]
        better = "higher" if first["higher_is_better"] else "lower"
        lines.append(f"{kpi} ({first['unit']}, {better} is better)")
        rows = []
        for _, r in group.iterrows():
            baseline = r["scenario"] == info["baseline"]
            rows.append([r["scenario"], r["mean"], r["p5"], r["p50"], r["p95"],
                         "" if baseline else number(r["diff"]),
                         "" if baseline else _interval(r["diff_ci_low"], r["diff_ci_high"]),
                         "" if baseline else _interval(r["unpaired_ci_low"],
                                                       r["unpaired_ci_high"]),
                         "" if baseline else f"{r['p_better']:.1%}",
                         "" if baseline else number(r["variance_ratio"])])
        lines.append(table(rows, ["scenario", "mean", "P5", "P50", "P95", "diff",
                                  "paired 95% CI", "unpaired 95% CI", "P(better)",
                                  "var ratio"]))
        lines.append("")
    if len(result.targets):
        lines.append("targets (probability; difference from the baseline, paired 95% CI)")
        rows = []
        for _, r in result.targets.iterrows():
            baseline = r["scenario"] == info["baseline"]
            rows.append([r["target"], r["scenario"], f"{r['probability']:.1%}",
                         "" if baseline else f"{r['diff']:+.1%}",
                         "" if baseline else f"[{r['diff_ci_low']:+.1%}, "
                                            f"{r['diff_ci_high']:+.1%}]"])
        lines.append(table(rows, ["target", "scenario", "probability", "diff", "95% CI"]))
        lines.append("")
    lines.append("regret (replications where each scenario is best; shortfall from the best)")
    rows = [[r["kpi"], r["scenario"], int(r["best_in"]), r["mean_shortfall"],
             r["max_shortfall"]] for _, r in result.regret.iterrows()]
    lines.append(table(rows, ["kpi", "scenario", "best in", "mean shortfall", "max shortfall"]))
    for note in info.get("notes", []):
        lines.append(f"note: {note}")
    return "\n".join(lines)


def format_sensitivity(result: Any, *, top: int = 10, by_section: bool = False) -> str:
    """Per KPI and method the ``top`` inputs (or groups), strongest first; the tornado by
    scenario section with ``by_section``."""
    info = result.info
    lines = [f"sensitivity of {info['scenario']}: {', '.join(info['methods'])} "
             f"({info['inputs']} uncertain inputs, seed {info['seed']})"]
    for kpi in info["kpis"]:
        lines += ["", f"{kpi}"]
        if result.rank is not None:
            part = result.rank[result.rank["kpi"] == kpi].head(top)
            rows = [[r["input"], f"{r['spearman']:+.3f}",
                     f"[{r['spearman_ci_low']:+.2f}, {r['spearman_ci_high']:+.2f}]",
                     f"{r['prcc']:+.3f}" if r["prcc"] == r["prcc"] else "n/a",
                     f"[{r['prcc_ci_low']:+.2f}, {r['prcc_ci_high']:+.2f}]"
                     if r["prcc"] == r["prcc"] else ""] for _, r in part.iterrows()]
            n = int(part["n"].iloc[0]) if len(part) else 0
            lines.append(f" rank correlations ({n:,} replications; 95% CI by Fisher z)")
            lines.append(table(rows, ["input", "Spearman", "95% CI", "PRCC", "95% CI"]))
        if result.tornado is not None and by_section:
            part = result.tornado_sections()
            part = part[part["kpi"] == kpi].head(top)
            lines.append(" tornado by section (P10 / P90 of each input, others at medians)")
            rows = [[r["section"], r["inputs"], r["largest_swing"], r["top_input"],
                     r["total_swing"]] for _, r in part.iterrows()]
            lines.append(table(rows, ["section", "inputs", "largest swing", "from",
                                      "sum of swings"]))
        elif result.tornado is not None:
            part = result.tornado[result.tornado["kpi"] == kpi].head(top)
            base = number(part["baseline"].iloc[0]) if len(part) else "n/a"
            lines.append(f" tornado (P10 / P90, others at their medians; baseline {base})")
            rows = [[r["input"], r["at_low"], r["at_high"], r["swing"]]
                    for _, r in part.iterrows()]
            lines.append(table(rows, ["input", "at P10", "at P90", "swing"]))
        if result.sobol is not None:
            part = result.sobol[result.sobol["kpi"] == kpi].head(top)
            if len(part):
                lines.append(" Sobol' indices by group (95% bootstrap CI)")
                rows = [[r["group"], r["inputs"], f"{r['first']:.3f}",
                         f"[{r['first_low']:.2f}, {r['first_high']:.2f}]",
                         f"{r['total']:.3f}", f"[{r['total_low']:.2f}, {r['total_high']:.2f}]"]
                        for _, r in part.iterrows()]
                lines.append(table(rows, ["group", "inputs", "first", "95% CI", "total",
                                          "95% CI"]))
    for note in info.get("notes", []):
        lines.append(f"note: {note}")
    return "\n".join(lines)


def format_sweep(result: Any) -> str:
    """Per point: the lever values and each KPI's mean (targets: probability)."""
    info = result.info
    summary = result.summary
    levers = [c for c in summary.columns if c.startswith("lever:")]
    names = list(dict.fromkeys(summary["kpi"]))
    lines = [f"sweep of {info.get('scenario')}: {info.get('points')} points ({info.get('method')})"
             f" x {info.get('runs_per_point')} replications on common random numbers "
             f"(seed {info.get('seed')}, design {info.get('design')}); means", ""]
    rows = []
    for k, part in summary.groupby("point", sort=True):
        row: list[Any] = [str(k), *[part[c].iloc[0] for c in levers]]
        means = dict(zip(part["kpi"], part["mean"], strict=True))
        for name in names:
            value = means.get(name)
            row.append(f"{value:.1%}" if name.startswith("target:") and value == value
                       else value)
        rows.append(row)
    lines.append(table(rows, ["point", *[c[len("lever:"):] for c in levers], *names]))
    return "\n".join(lines)
