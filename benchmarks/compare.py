"""Rows of saved suite runs side by side: what changed between two engines, or two machines.

    .venv/bin/python benchmarks/compare.py BEFORE.json AFTER.json [MORE.json ...] \
        [--labels before,after,...]

Prints a Markdown table: each measure of the first file with its value in every file, and each
later file's value over the first's (for rates, above 1 is faster; for times and memory, below
1 is less). Rows are matched by section and measure (a count in parentheses is ignored). Each
file's ratios were measured within its own run; comparing absolute values across runs is only
as good as the machines' loads were alike (each file records its load average).
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

BARE_EVENTS = "time per replication, in bare SimPy events"
_COUNT = re.compile(r"\s*\((?=[^)]*\d)[^)]*\)$")  # "(300,003 events)", not "(direct loop)"


def _key(row: dict[str, Any]) -> tuple[str, str]:
    return row["section"], _COUNT.sub("", row["name"])


def _format(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "ratio":
        return f"{value:.1%}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _with_bare_events(run: dict[str, Any]) -> dict[str, Any]:
    """``run`` with the row "time per replication, in bare SimPy events" (a replication's time
    over a bare SimPy event's, in the same run: the cost least moved by the machine's load),
    derived when an older run lacks it."""
    rows = run["rows"]
    if any(row["name"] == BARE_EVENTS for row in rows):
        return run
    found = {_key(row)[1]: row["value"] for row in rows}
    per_rep, bare = found.get("time per replication (direct loop)"), found.get(
        "bare SimPy event rate")
    if per_rep is None or bare is None:
        return run
    extra = {"section": "1 engine", "name": BARE_EVENTS, "value": per_rep / 1e3 * bare,
             "unit": "events"}
    at = next(i for i, row in enumerate(rows) if row["name"].startswith("time per replication"))
    return {**run, "rows": [*rows[:at + 1], extra, *rows[at + 1:]]}


def compare(runs: list[dict[str, Any]], labels: list[str]) -> str:
    """The Markdown table of ``runs`` (parsed suite JSON files), labelled ``labels``."""
    runs = [_with_bare_events(run) for run in runs]
    first = runs[0]
    found = [{_key(row): row for row in run["rows"]} for run in runs]
    head = ["measure", "unit", *labels, *(f"{label} / {labels[0]}" for label in labels[1:])]
    body = []
    for row in first["rows"]:
        key = _key(row)
        values = [f[key]["value"] if key in f else None for f in found]
        ratios = [f"{v / values[0]:.2f}x" if v is not None and values[0] else "-"
                  for v in values[1:]]
        body.append([key[1], row["unit"], *(_format(v, row["unit"]) for v in values), *ratios])
    loads = ["load average at the start", "", *(f"{r['load_average']['start']:.2f}"
                                                 for r in runs), *([""] * (len(runs) - 1))]
    engines = ["engine", "", *(str(r.get("engine", "python")) for r in runs),
               *([""] * (len(runs) - 1))]
    body += [engines, loads]
    widths = [max(len(line[i]) for line in [head, *body]) for i in range(len(head))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(head), rule, *(line(cells) for cells in body)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("files", type=Path, nargs="+", help="suite JSON files, the first is "
                        "the reference")
    parser.add_argument("--labels", help="comma-separated column labels (default: file stems)")
    args = parser.parse_args()
    runs = [json.loads(path.read_text(encoding="utf-8")) for path in args.files]
    labels = args.labels.split(",") if args.labels else [p.stem for p in args.files]
    if len(labels) != len(runs):
        parser.error(f"{len(labels)} labels for {len(runs)} files")
    print(compare(runs, labels))


if __name__ == "__main__":
    main()
