"""The discrete-event model: one replication from concrete inputs to monthly series and KPIs.

>>> from sim.loading import load_scenario
>>> from sim.model import run_nominal
>>> result = run_nominal(load_scenario("scenarios/bytedance_2026.yaml"))  # doctest: +SKIP
>>> result.kpis["h100_equivalents_installed"]  # doctest: +SKIP
"""

from __future__ import annotations

from sim.model.engine import Replication, simulate
from sim.model.inputs import Inputs, concretize
from sim.model.invariants import InvariantViolationError
from sim.model.results import SERIES, MonthlySeries, ReplicationResult, TraceEvent
from sim.model.space import InputSpace, input_space
from sim.schema.scenario import Scenario

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


def engine_build() -> str:
    """``"mypyc"`` when the engine's modules are compiled (``CAPEXSIM_COMPILE=1``, see
    ``setup.py``), else ``"python"``; the numbers are the same either way."""
    from sim.model import engine

    return "python" if str(engine.__file__).endswith(".py") else "mypyc"


def run_nominal(scenario: Scenario, *, seed: int | None = None, trace: bool = False,
                check: bool = False) -> ReplicationResult:
    """One replication with every uncertain input at its median (replication 0's streams)."""
    space = input_space(scenario)
    inputs = concretize(scenario, space.nominal())
    root = scenario.monte_carlo.seed if seed is None else seed
    return simulate(inputs, root, 0, trace=trace, check=check)
