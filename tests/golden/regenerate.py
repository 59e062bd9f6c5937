"""Regenerate the golden summaries of the shipped scenarios.

    .venv/bin/python tests/golden/regenerate.py

Rule: a golden diff is investigated and explained, never regenerated blind. Regenerate only
when a change is meant to move the numbers, read the diff (``git diff tests/golden``), and say
in the commit message which numbers moved, by how much, and why; a number that moved for no
reason the change gives is a bug to find first. tests/test_golden.py compares the saved
summaries with fresh runs. Every KPI is kept (mean, P5, P50, P95) and every target's
probability.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent
RUNS = 64
"""Replications per scenario: enough to pin means and percentiles, small enough for CI."""


def golden_summary(scenario_path: Path) -> dict[str, Any]:
    """The golden summary of one scenario: its seed, design, and headline statistics."""
    import numpy as np

    from sim.api import KPI_NAMES, run_batch
    from sim.loading import load_scenario

    scenario = load_scenario(scenario_path)
    mc = scenario.monte_carlo
    batch = run_batch(scenario, range(RUNS), seed=mc.seed, design=mc.design, n_total=RUNS,
                      with_series=False)
    kpis: dict[str, dict[str, float]] = {}
    for name in KPI_NAMES:
        column = batch.kpis[:, KPI_NAMES.index(name)]
        finite = column[np.isfinite(column)]
        kpis[name] = {
            "mean": float(finite.mean()) if finite.size else math.nan,
            "p5": float(np.percentile(finite, 5)) if finite.size else math.nan,
            "p50": float(np.percentile(finite, 50)) if finite.size else math.nan,
            "p95": float(np.percentile(finite, 95)) if finite.size else math.nan,
        }
    targets = {t.name: float(batch.targets[:, j].mean()) for j, t in enumerate(scenario.targets)}
    return {"scenario": scenario_path.name, "seed": mc.seed, "design": mc.design, "runs": RUNS,
            "kpis": kpis, "targets": targets}


def main() -> int:
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        out = GOLDEN / f"{path.stem}.json"
        out.write_text(json.dumps(golden_summary(path), indent=2, sort_keys=True) + "\n")
        print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
