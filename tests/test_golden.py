"""Golden summaries: each shipped scenario's headline statistics at a fixed seed and run count.

A change to the model or a scenario that moves these numbers fails here; if the move is
intended, regenerate with ``tests/golden/regenerate.py`` and give the reason in the commit
message. The tolerance only absorbs floating-point differences between platforms and library
versions (the run itself is deterministic).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from tests.golden.regenerate import golden_summary

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
REL = 1e-6


def test_every_shipped_scenario_has_a_golden_summary() -> None:
    saved = {p.stem for p in (ROOT / "tests" / "golden").glob("*.json")}
    assert saved == {p.stem for p in SCENARIOS}


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_goldens_hold_every_kpi_and_targets_that_can_move(path: Path) -> None:
    """A golden that leaves a KPI out, or a target met in none or all of its replications,
    would not see a change to it."""
    from sim.kpis import KPIS

    golden = json.loads((ROOT / "tests" / "golden" / f"{path.stem}.json").read_text())
    assert set(golden["kpis"]) == set(KPIS)
    for name, probability in golden["targets"].items():
        assert 0.0 < probability < 1.0, name


@pytest.mark.slow
@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_summary_matches_golden(path: Path) -> None:
    golden = json.loads((ROOT / "tests" / "golden" / f"{path.stem}.json").read_text())
    fresh = golden_summary(path)
    assert fresh["seed"] == golden["seed"]
    assert fresh["runs"] == golden["runs"]
    assert fresh["targets"].keys() == golden["targets"].keys()
    for name, probability in golden["targets"].items():
        assert fresh["targets"][name] == pytest.approx(probability, abs=1e-12), name
    for kpi, stats in golden["kpis"].items():
        for stat, value in stats.items():
            got = fresh["kpis"][kpi][stat]
            if math.isnan(value):
                assert math.isnan(got), (kpi, stat)
            else:
                assert got == pytest.approx(value, rel=REL, abs=1e-9), (kpi, stat)
