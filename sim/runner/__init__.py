"""The Monte Carlo runner: batches of replications on an executor, into a run directory.

>>> from sim.runner import run
>>> result = run("scenarios/bytedance_2026.yaml", runs=1000, out="runs/demo")  # doctest: +SKIP
>>> result.kpis.describe()  # doctest: +SKIP

Modules: :mod:`~sim.runner.api` (``run``), :mod:`~sim.runner.options` (what can be asked),
:mod:`~sim.runner.driver` (rounds and batches), :mod:`~sim.runner.executors` (serial,
processes, Dask), :mod:`~sim.runner.task` (one batch on a worker), :mod:`~sim.runner.precision`
(``--precision``), :mod:`~sim.runner.summary` (statistics), :mod:`~sim.runner.report` (text),
:mod:`~sim.runner.progress` (the bar), :mod:`~sim.runner.result` (what ``run`` returns).
The run directory's files are :mod:`sim.store`'s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.runner.api import run
    from sim.runner.options import RunOptions
    from sim.runner.result import RunResult

__all__ = ["RunOptions", "RunResult", "run"]

_HOMES = {"run": "sim.runner.api", "RunOptions": "sim.runner.options",
          "RunResult": "sim.runner.result"}


def __getattr__(name: str) -> Any:
    # lazy, so that a worker importing sim.runner.task does not load the driver and pyarrow
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'sim.runner' has no attribute {name!r}")
