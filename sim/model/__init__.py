"""The discrete-event model: one replication from concrete inputs to monthly series and KPIs.

>>> from sim.loading import load_scenario
>>> from sim.model import run_nominal
>>> result = run_nominal(load_scenario("scenarios/bytedance_2026.yaml"))  # doctest: +SKIP
>>> result.kpis["h100_equivalents_installed"]  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.schema.scenario import Scenario

if TYPE_CHECKING:
    from sim.model.engine import Replication, simulate
    from sim.model.inputs import Inputs, concretize
    from sim.model.invariants import InvariantViolationError
    from sim.model.results import SERIES, MonthlySeries, ReplicationResult, TraceEvent
    from sim.model.space import InputSpace, input_space

__all__ = [
    "SERIES",
    "InputSpace",
    "Inputs",
    "InvariantViolationError",
    "MonthlySeries",
    "Replication",
    "ReplicationResult",
    "TraceEvent",
    "concretize",
    "engine_build",
    "input_space",
    "run_nominal",
    "simulate",
]


_HOMES = {
    "Replication": "sim.model.engine", "simulate": "sim.model.engine",
    "Inputs": "sim.model.inputs", "concretize": "sim.model.inputs",
    "InvariantViolationError": "sim.model.invariants",
    "SERIES": "sim.model.results", "MonthlySeries": "sim.model.results",
    "ReplicationResult": "sim.model.results", "TraceEvent": "sim.model.results",
    "InputSpace": "sim.model.space", "input_space": "sim.model.space",
}


def __getattr__(name: str) -> Any:
    # lazy, so that ``capexsim validate`` (which needs sim.model.space) does not load the engine
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'sim.model' has no attribute {name!r}")


def engine_build() -> str:
    """``"mypyc"`` when the engine's modules are compiled (``CAPEXSIM_COMPILE=1``, see
    ``setup.py``), else ``"python"``; the numbers are the same either way."""
    from sim.model import engine

    return "python" if str(engine.__file__).endswith(".py") else "mypyc"


def run_nominal(scenario: Scenario, *, seed: int | None = None, trace: bool = False,
                check: bool = False) -> ReplicationResult:
    """One replication with every uncertain input at its median (replication 0's streams)."""
    from sim.model.engine import simulate
    from sim.model.inputs import concretize
    from sim.model.space import input_space

    space = input_space(scenario)
    inputs = concretize(scenario, space.nominal())
    root = scenario.monte_carlo.seed if seed is None else seed
    return simulate(inputs, root, 0, trace=trace, check=check)
