"""Every uncertain input of a run: its distribution, its spread, and where its value comes from.

The source of a scenario value is the comment the scenario file puts next to it (the block of
``#`` lines just above its key, or a comment at the end of its line; failing that, the comment
of the nearest enclosing entry). A rule's quantities cite the rule's ``source``; a contested
catalog spec cites the catalog's. Comments are only in the scenario file, so the report reads
them when the run is written (``capexsim run`` knows the file) and keeps them in
``inputs.json``::

    {"scenario_file": "scenarios/bytedance_2026.yaml",
     "inputs": [{"path": "currency.cny_per_usd", "distribution": "uniform(low=6.9, high=7.2)",
                 "p5": 6.915, "p50": 7.05, "p95": 7.185,
                 "source": "DF §0: 160B CNY ~ $22.4-23B implies 7.0-7.1; ...",
                 "where": "scenarios/bytedance_2026.yaml:18"}, ...]}

An older run directory without ``inputs.json`` gets the same table from ``scenario.json``, with
the sources that do not need the file (rules, catalog).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sim.report.rundata import ReportError, RunData
from sim.store.files import atomic_write_text

__all__ = ["INPUTS_FILE", "describe_distribution", "input_rows", "read_inputs", "write_inputs"]

INPUTS_FILE = "inputs.json"
_MAX_SOURCE = 600


def describe_distribution(dump: dict[str, Any]) -> str:
    """``uniform(low=6.9, high=7.2)`` from a distribution's JSON form."""
    kind = dump.get("dist", "?")
    parts = []
    for key, value in dump.items():
        if key == "dist" or value is None:
            continue
        if isinstance(value, float):
            parts.append(f"{key}={value:.4g}")
        elif isinstance(value, (list, tuple)):
            shown = ", ".join("-" if v is None else f"{v:.4g}" if isinstance(v, float)
                              else str(v) for v in value)
            parts.append(f"{key}=[{shown}]")
        else:
            parts.append(f"{key}={value}")
    return f"{kind}({', '.join(parts)})"


def _comment_at(lines: Sequence[str], line: int) -> str:
    """The comment block just above 1-based ``line`` and any comment at its end."""
    found: list[str] = []
    k = line - 2
    while k >= 0 and lines[k].strip().startswith("#"):
        found.insert(0, lines[k].strip().lstrip("#").strip())
        k -= 1
    if 0 < line <= len(lines):
        text = lines[line - 1]
        cut = text.find(" #")
        if cut >= 0 and text.count('"', 0, cut) % 2 == 0 and text.count("'", 0, cut) % 2 == 0:
            found.append(text[cut + 2:].strip())
    joined = " ".join(p for p in found if p)
    return joined if len(joined) <= _MAX_SOURCE else joined[: _MAX_SOURCE - 1] + "…"


def _doc_path(data: Any, dotted: str) -> tuple[Any, ...] | None:
    """The YAML document path of a dotted input path (list items by index or ``name``)."""
    out: list[Any] = []
    node = data
    for part in dotted.split("."):
        if isinstance(node, dict) and part in node:
            out.append(part)
            node = node[part]
        elif isinstance(node, list):
            index = int(part) if part.isdigit() and int(part) < len(node) else next(
                (i for i, item in enumerate(node) if isinstance(item, dict)
                 and item.get("name") == part), None)
            if index is None:
                return None
            out.append(index)
            node = node[index]
        else:
            return None
    return tuple(out)


class _Sources:
    """Comments of the scenario file(s), rules' and catalog's sources."""

    def __init__(self, scenario: Any, scenario_file: str | None,
                 overrides: Sequence[str]) -> None:
        self.doc: Any = None
        self.files: dict[str, list[str]] = {}
        if scenario_file is not None:
            from sim.loading import load_document

            try:
                self.doc = load_document(scenario_file, overrides)
            except Exception:  # the file changed or vanished: sources are a courtesy
                self.doc = None
        from sim.model.space import active_rules

        self.rules = {r.id: r for r in active_rules(scenario)}

    def _lines(self, source: str) -> list[str]:
        if source not in self.files:
            try:
                self.files[source] = Path(source).read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError):
                self.files[source] = []
        return self.files[source]

    def of(self, path: str) -> tuple[str, str]:
        """(source text, file:line) of the input ``path``."""
        parts = path.split(".")
        if parts[0] == "rules" and len(parts) > 1 and parts[1] in self.rules:
            rule = self.rules[parts[1]]
            return f"{rule.title}. {rule.source}", f"rule {rule.id}"
        if parts[0] == "chips" and len(parts) == 4 and parts[2] == "spec":
            from sim.catalog.chips import load_catalog

            chip = load_catalog().get(parts[1])
            sourced = None if chip is None else chip.values.get(parts[3])
            if sourced is not None:
                return (f"{sourced.source} ({sourced.confidence}; contested range, "
                        "uniform)"), "built-in catalog"
        if self.doc is None:
            return "", ""
        doc_path = _doc_path(self.doc.data, path)
        if doc_path is None:
            return "", ""
        for depth in range(len(doc_path), 0, -1):
            probe = doc_path[:depth]
            where = self.doc.keys.get(probe) or self.doc.values.get(probe)
            if where is None or where.line is None:
                continue
            text = _comment_at(self._lines(where.source), where.line)
            if text:
                inherited = "" if depth == len(doc_path) else \
                    f" (comment on {'.'.join(str(p) for p in probe)})"
                return text + inherited, f"{where.source}:{where.line}"
        first = self.doc.values.get(doc_path)
        return "", "" if first is None else f"{first.source}:{first.line}"


def input_rows(scenario_json: dict[str, Any], scenario_file: str | None = None,
               overrides: Sequence[str] = ()) -> list[dict[str, Any]]:
    """One row per uncertain input (sorted by path): distribution, P5/P50/P95, source."""
    import numpy as np
    from pydantic import ValidationError

    from sim.model.space import input_space
    from sim.schema.scenario import Scenario

    try:
        scenario = Scenario.model_validate(scenario_json)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ReportError(f"scenario.json: field '{where}': {first['msg']} (written by "
                          "another capexsim version?)") from None
    space = input_space(scenario)
    sources = _Sources(scenario, scenario_file, overrides)
    rows = []
    for name in space.names:
        dist = space.uncertain[name]
        p5, p50, p95 = (float(v) for v in dist.ppf(np.array([0.05, 0.5, 0.95])))
        source, where = sources.of(name)
        if name.endswith(".landing"):
            source = "when the rule lands within its window (uniform). " + source
        elif name.endswith(".happens"):
            source = "whether the rule lands at all (uniform draw against its probability). " \
                + source
        rows.append({"path": name, "distribution": describe_distribution(dist.model_dump()),
                     "p5": p5 if math.isfinite(p5) else None,
                     "p50": p50 if math.isfinite(p50) else None,
                     "p95": p95 if math.isfinite(p95) else None,
                     "source": source, "where": where})
    return rows


def write_inputs(data: RunData) -> dict[str, Any] | None:
    """Write ``inputs.json`` for ``data`` (with the file's comments when the manifest names
    the scenario file and it is readable). None without ``scenario.json``."""
    import json

    if data.scenario is None:
        return None
    file = data.manifest.get("scenario_file")
    overrides = data.manifest.get("overrides") or []
    table = {"scenario_file": file,
             "inputs": input_rows(data.scenario, file, [str(o) for o in overrides])}
    atomic_write_text(data.path / INPUTS_FILE, json.dumps(table, indent=1, allow_nan=False))
    return table


def read_inputs(data: RunData) -> dict[str, Any] | None:
    """``inputs.json``, checked, or None when absent."""
    table = data.optional_json(INPUTS_FILE)
    if table is None:
        return None
    path = data.path / INPUTS_FILE
    if not isinstance(table, dict) or not isinstance(table.get("inputs"), list):
        raise ReportError(f"{path}: field 'inputs' is missing or not a list")
    for k, row in enumerate(table["inputs"]):
        if not isinstance(row, dict) or "path" not in row or "distribution" not in row:
            raise ReportError(f"{path}: field 'inputs.{k}' needs 'path' and 'distribution'")
    return table
