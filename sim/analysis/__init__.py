"""Decisions on common random numbers: compare plans, find what drives a KPI, sweep levers,
solve for a target. Each returns pandas objects and writes self-describing files (JSON and
Parquet) into a run directory that a report can render.

>>> from sim.analysis import compare
>>> result = compare(["scenarios/bytedance_2026.yaml", "scenarios/bytedance_2026_raised.yaml"],
...                  runs=128)  # doctest: +SKIP
>>> result.kpis  # doctest: +SKIP

Modules: :mod:`~sim.analysis.common` (scenarios with labels and overrides, KPI choice, JSON
files), :mod:`~sim.analysis.paired` (paired statistics), :mod:`~sim.analysis.comparison`,
:mod:`~sim.analysis.points` (evaluating given points of the input space on an executor),
:mod:`~sim.analysis.ranks` (Spearman, PRCC), :mod:`~sim.analysis.tornado`,
:mod:`~sim.analysis.sobol` (grouped Sobol' indices), :mod:`~sim.analysis.sensitivities`,
:mod:`~sim.analysis.levers` (lever values into scenarios), :mod:`~sim.analysis.sweeps`,
:mod:`~sim.analysis.solver`, :mod:`~sim.analysis.output` (table, JSON, CSV text).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.analysis.comparison import Comparison, compare
    from sim.analysis.sensitivities import Sensitivity, sensitivity
    from sim.analysis.solver import Solution, solve
    from sim.analysis.sweeps import Sweep, sweep

__all__ = ["Comparison", "Sensitivity", "Solution", "Sweep", "compare", "sensitivity", "solve",
           "sweep"]

# module names differ from the functions': importing a submodule sets it as an attribute of
# the package, which would shadow a function of the same name
_HOMES = {"compare": "sim.analysis.comparison", "Comparison": "sim.analysis.comparison",
          "sensitivity": "sim.analysis.sensitivities",
          "Sensitivity": "sim.analysis.sensitivities",
          "sweep": "sim.analysis.sweeps", "Sweep": "sim.analysis.sweeps",
          "solve": "sim.analysis.solver", "Solution": "sim.analysis.solver"}


def __getattr__(name: str) -> Any:
    # lazy: importing the package loads neither pandas nor scipy
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'sim.analysis' has no attribute {name!r}")
