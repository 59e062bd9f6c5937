"""The terminal summary: 80 columns, the interval column says what it is."""

from __future__ import annotations

from typing import Any

import pytest

from sim.kpis import KPIS
from sim.runner.report import format_summary, short_quantity


def _summary(value: float) -> dict[str, Any]:
    kpis = {}
    for name, kpi in KPIS.items():
        kpis[name] = {"unit": kpi.unit, "n": 1000, "missing": 3 if kpi.monthly else 0,
                      "mean": value, "mean_ci": [value * 0.98, value * 1.02],
                      "p5": value * 0.5, "p50": value, "p95": value * 1.9}
    return {"scenario": "ByteDance 2026 reference", "replications": 1000, "design": "lhs",
            "seed": 20260101, "confidence": 0.95, "kpis": kpis,
            "targets": [{"name": "A 1e26 FLOP run done by 2027-12", "probability": 0.728,
                         "ci": [0.70, 0.755]}]}


@pytest.mark.parametrize("value", [0.0, 0.0547, 0.26, 27.8, 744832.0, 47.43e9, -287.7e6,
                                   7.34e26, 1e-9])
def test_the_table_fits_80_columns(value: float) -> None:
    text = format_summary(_summary(value))
    for line in text.splitlines():
        assert len(line) <= 80, line


def test_the_interval_column_says_what_it_is() -> None:
    text = format_summary(_summary(1.0))
    header = next(line for line in text.splitlines() if line.startswith("KPI"))
    assert "±mean 95%" in header
    assert "Monte Carlo error of the mean" in text
    assert "spread of outcomes" in text


@pytest.mark.parametrize(("value", "unit", "shown"), [
    (47.43e9, "USD", "$47.4B"), (0.2602, "fraction", "26.0%"), (7.34e26, "FLOP", "7.34e26"),
    (744832.0, "chips", "744.8k"), (0.0547, "USD/Mtok", "$0.0547"), (None, "USD", "n/a"),
    (float("nan"), "runs", "n/a"), (3.0, "runs", "3"),
])
def test_short_quantities(value: float | None, unit: str, shown: str) -> None:
    assert short_quantity(value, unit) == shown
