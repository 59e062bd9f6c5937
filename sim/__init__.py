"""capexsim: what an AI capex plan buys in training and inference throughput, under export
controls, domestic build-out and leased overseas capacity, with Monte Carlo uncertainty.

>>> import sim
>>> result = sim.run("scenarios/bytedance_2026.yaml", runs=200, seed=7)  # doctest: +SKIP
>>> result.kpis.describe()  # a pandas DataFrame, one row per replication  # doctest: +SKIP

Names are imported on first use, so ``import sim`` stays cheap.
"""

from __future__ import annotations

from typing import Any

__all__ = ["load_scenario", "replicate", "run", "run_batch"]

_EXPORTS = {
    "load_scenario": "sim.loading",
    "replicate": "sim.api",
    "run_batch": "sim.api",
    "run": "sim.runner",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
