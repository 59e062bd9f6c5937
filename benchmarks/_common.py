"""What the benchmark scripts share: the scenarios, a run's task, steady-state rates, and
median wall times of commands.

The scripts run as files (``.venv/bin/python benchmarks/<name>.py``), so they import this as
``_common`` from their own directory.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.runner.executors import Executor
    from sim.runner.task import TaskSpec
    from sim.schema.scenario import Scenario

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "scenarios" / "bytedance_2026.yaml"
SMALL = ROOT / "tests" / "scenarios" / "small_uncertain.yaml"
SMOKE_OVERRIDES = ("clock.horizon_months=6", "targets=[]")
"""A short horizon (and no targets, which fall after it) for the scripts' ``--smoke`` runs."""


def task_spec(scenario: Scenario, runs: int, design: str = "lhs") -> TaskSpec:
    """The task a run of ``runs`` replications ships to its workers (as ``sim.run`` makes it:
    the scenario as its JSON dump, with its hash)."""
    from sim.runner.task import TaskSpec
    from sim.store.manifest import sha256_text

    text = scenario.model_dump_json()
    return TaskSpec(text, sha256_text(text), scenario.monte_carlo.seed, design, runs)


def steady_rate(executor: Executor, spec: TaskSpec, runs: int, size: int) -> tuple[float, float]:
    """(steady replications/s after the first batch, seconds until the first batch): batches of
    ``size`` on ``executor``, worker start-up reported apart."""
    batches = [(a, min(a + size, runs)) for a in range(0, runs, size)]
    t0 = time.perf_counter()
    first = None
    count = 0
    for result in executor.map(spec, batches):
        now = time.perf_counter()
        if first is None:
            first = now
        else:
            count += result.stop - result.start
    end = time.perf_counter()
    assert first is not None
    return count / max(end - first, 1e-9), first - t0


def capexsim_command() -> list[str]:
    """The ``capexsim`` the setup installs next to this Python (else the same entry point)."""
    exe = Path(sys.executable).with_name("capexsim")
    if exe.exists():
        return [str(exe)]
    return [sys.executable, "-c", "import cli; cli.main()"]


def median_seconds(command: Sequence[str], repeat: int) -> tuple[float, float]:
    """The median wall time of ``repeat`` runs of ``command`` (each must exit 0), after one
    unmeasured run that warms the file cache, and the median CPU time (user + system) of those
    runs, which other processes on the machine inflate less than the wall time."""
    import resource

    times: list[float] = []
    cpu: list[float] = []
    for index in range(repeat + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        done = subprocess.run(list(command), capture_output=True, text=True, cwd=ROOT,
                              check=False)
        seconds = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
        if index:
            times.append(seconds)
            cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(times), statistics.median(cpu)
