"""Text for the terminal and for scripts: ``table`` (aligned columns), ``json`` (the document
written to the run directory), ``csv`` (the main table, one row per record)."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from sim.analysis.common import clean_json

__all__ = ["FORMATS", "number", "render", "table"]

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
