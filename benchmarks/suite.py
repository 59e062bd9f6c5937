"""The benchmark suite of issue 11: every performance goal measured in one run, as one table.

    .venv/bin/python benchmarks/suite.py                  # full sizes (about 4 minutes)
    .venv/bin/python benchmarks/suite.py --smoke          # tiny sizes (seconds; a test runs it)
    .venv/bin/python benchmarks/suite.py --million        # full, plus a 1,000,000-run memory row
    .venv/bin/python benchmarks/suite.py --json PATH      # where the JSON goes

Run from the repository, with the dev setup (``pip install -e '.[dev]'``, which includes Dask).
It prints one table (section, measure, value, goal, result) and writes the same rows as JSON
(default ``benchmarks/results/latest.json``, not committed; ``benchmarks/results/baseline.json``
is the committed full run of the engine before the issue 11 rewrite). Every ratio compares
measurements of the same run: on a shared machine the absolute figures move with the load, the
ratios much less.

1. Engine: bare SimPy's event rate (a one-process ``env.timeout`` loop here) against the model's
   on the reference scenario (events the SimPy environment processes per replication over the
   time of a replication), their ratio, and the events and Python function calls (cProfile's
   count) per replication. Events are counted by wrapping ``simpy.Environment.step`` in a
   separate pass, so counting costs the timings nothing and works whatever the model's
   internals are, as long as it runs on SimPy.
2. Throughput (replications/s on the reference scenario): a direct loop over the model
   (``concretize`` + ``simulate``, one replication at a time, inputs drawn beforehand), the
   runner in this process (``run_task`` batches: the design, the KPIs, the series sketch), and
   the runner with 1 and 2 worker processes and on a 2-worker Dask LocalCluster, in batches of
   64 (the CLI's largest, its default for 1,000 runs on 2 workers). The direct loop and the
   serial runner alternate for five rounds (best round of each); the worker rates are steady
   state (from the first batch back to the last), best of three, executors interleaved. The
   runner's overhead over the direct loop includes drawing the inputs, shown apart (the
   design's keyed streams and the quantile functions, for the direct loop's replications in
   one batch).
3. Memory: the peak RSS of a fresh process running replications of the small test scenario into
   a run directory (``benchmarks/bench_memory.py``), at increasing counts; it must stay flat.
4. Start-up: the median wall time of ``capexsim --help`` and ``capexsim validate`` on the
   reference scenario, each a fresh process (the median CPU time in the note), next to the
   bare interpreter's (``python -c pass``), which shows how much the machine's load slows a
   start.

Goals are checked and shown (``pass``/``FAIL``; ``info`` rows have none); the exit status is 0
either way: this is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import platform
import pstats
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from _common import (
    REFERENCE,
    ROOT,
    SMALL,
    SMOKE_OVERRIDES,
    capexsim_command,
    median_seconds,
    steady_rate,
    task_spec,
)
from bench_memory import measure as measure_memory

RESULTS = ROOT / "benchmarks" / "results"
BARE_EVENTS = "time per replication, in bare SimPy events"


@dataclass
class Row:
    """One line of the table: a measured value and, if there is one, its goal."""

    section: str
    name: str
    value: float | None
    unit: str
    goal: str = ""
    """``">= 0.13"`` or ``"<= 300"`` (in ``unit``), or empty for an information row."""
    result: str = "info"
    note: str = ""

    def check(self) -> Row:
        if self.goal and self.value is not None:
            op, bound = self.goal.split()
            ok = self.value >= float(bound) if op == ">=" else self.value <= float(bound)
            self.result = "pass" if ok else "FAIL"
        elif self.value is None:
            self.result = "skip"
        return self


@dataclass
class Sizes:
    direct: int  # replications in the direct loop
    counted: int  # replications counted (events) and profiled (calls)
    runner: int  # replications per executor measurement
    batch: int  # replications per batch
    repeat: int  # best of this many, per executor with workers
    rounds: int  # alternating rounds of the direct loop and the serial runner (best of)
    bare: int  # timeouts in the bare SimPy loop
    memory: tuple[int, ...]
    startup: int  # runs per start-up measurement (median)
    overrides: tuple[str, ...]


FULL = Sizes(direct=64, counted=4, runner=512, batch=64, repeat=3, rounds=5, bare=300_000,
             memory=(10_000, 100_000), startup=9, overrides=())
SMOKE = Sizes(direct=3, counted=1, runner=8, batch=2, repeat=1, rounds=1, bare=20_000,
              memory=(40, 400), startup=2, overrides=SMOKE_OVERRIDES)


# --- 1. the engine ------------------------------------------------------------------------


@contextmanager
def counting_events() -> Iterator[list[int]]:
    """Count every event any SimPy environment processes in this block (``counter[0]``)."""
    import simpy

    counter = [0]
    original = simpy.Environment.step

    def step(self: Any) -> None:
        counter[0] += 1
        original(self)

    simpy.Environment.step = step
    try:
        yield counter
    finally:
        simpy.Environment.step = original


def bare_simpy_rate(timeouts: int) -> tuple[float, int]:
    """(events/s, events) of one process yielding ``timeouts`` timeouts, best of 3."""
    import simpy

    def process(env: Any, n: int) -> Iterator[Any]:
        for _ in range(n):
            yield env.timeout(1)

    def one() -> Any:
        env = simpy.Environment()
        env.process(process(env, timeouts))
        return env

    with counting_events() as counter:
        one().run()
    best = float("inf")
    for _ in range(3):
        env = one()
        t0 = time.perf_counter()
        env.run()
        best = min(best, time.perf_counter() - t0)
    return counter[0] / best, counter[0]


class Model:
    """The reference scenario's replications, run directly: ``concretize`` + ``simulate``."""

    def __init__(self, overrides: tuple[str, ...]) -> None:
        import numpy as np

        from sim.api import correlation_spec
        from sim.design import unit_points
        from sim.loading import load_scenario
        from sim.model import input_space

        self.scenario = load_scenario(REFERENCE, overrides)
        self.seed = self.scenario.monte_carlo.seed
        self.space = input_space(self.scenario)
        self._np = np
        self._unit_points = unit_points
        self._correlations = correlation_spec(self.scenario)

    def inputs(self, replications: range) -> list[Any]:
        """Each replication's input values (drawn as a run draws them), before any timing."""
        u = self._unit_points(self.space.names, self.seed, list(replications),
                              self.scenario.monte_carlo.design, n_total=replications.stop,
                              correlations=self._correlations)
        x = self.space.matrix(self._np.asfortranarray(u))
        return [self.space.row(x[i]) for i in range(len(replications))]

    def run(self, replications: range, values: list[Any]) -> None:
        from sim.model import concretize, simulate

        for rep, row in zip(replications, values, strict=True):
            simulate(concretize(self.scenario, row), self.seed, rep)


@dataclass
class Direct:
    """The direct loop against the runner in this process, timed in alternation."""

    per_rep: float  # seconds per replication of the direct loop (best round)
    drawing: float  # seconds per replication to draw the inputs (best round)
    serial: float  # seconds per replication of the serial runner (best round)


def direct_and_serial(sizes: Sizes, model: Model) -> Direct:
    """The direct loop (``sizes.direct`` replications, inputs drawn beforehand, the drawing
    timed apart) and the runner in this process (two batches), alternating for ``rounds``
    rounds so that a burst of load from elsewhere hits both alike; the best round of each."""
    from sim.runner.executors import SerialExecutor

    reps = range(100, 100 + sizes.direct)
    values = model.inputs(reps)
    spec = task_spec(model.scenario, 2 * sizes.batch)
    batches = [(0, sizes.batch), (sizes.batch, 2 * sizes.batch)]
    serial_executor = SerialExecutor()
    for _ in serial_executor.map(spec, batches[:1]):  # warm: the task's scenario cache
        pass
    best = drawing = serial = float("inf")
    for _ in range(sizes.rounds):
        t0 = time.perf_counter()
        model.inputs(reps)
        t1 = time.perf_counter()
        model.run(reps, values)
        t2 = time.perf_counter()
        for _ in serial_executor.map(spec, batches):
            pass
        t3 = time.perf_counter()
        drawing, best = min(drawing, t1 - t0), min(best, t2 - t1)
        serial = min(serial, t3 - t2)
    return Direct(best / sizes.direct, drawing / sizes.direct, serial / (2 * sizes.batch))


def engine_rows(sizes: Sizes, model: Model, direct: Direct) -> list[Row]:
    """Section 1."""
    bare_rate, bare_events = bare_simpy_rate(sizes.bare)
    counted = range(2, 2 + sizes.counted)
    values = model.inputs(counted)
    with counting_events() as counter:
        model.run(counted, values)
    events = counter[0] / sizes.counted
    profile = cProfile.Profile()
    profile.enable()
    model.run(counted, values)
    profile.disable()
    calls = pstats.Stats(profile).total_calls / sizes.counted
    model_rate = events / direct.per_rep
    section = "1 engine"
    return [
        Row(section, f"bare SimPy event rate ({bare_events:,} events)", bare_rate, "events/s"),
        Row(section, "model event rate, reference scenario", model_rate, "events/s"),
        Row(section, "model / bare SimPy event rate", model_rate / bare_rate, "ratio",
            ">= 0.13"),
        Row(section, "events per replication", events, "events"),
        Row(section, "Python function calls per replication", calls, "calls"),
        Row(section, "time per replication (direct loop)", direct.per_rep * 1e3, "ms"),
        Row(section, BARE_EVENTS, direct.per_rep * bare_rate, "events",
            note="a replication's time over a bare SimPy event's: the load-robust cost"),
    ]


# --- 2. throughput ------------------------------------------------------------------------


def worker_rates(sizes: Sizes, model: Model) -> dict[str, tuple[float | None, str]]:
    """Steady replications/s of the runner on each executor with workers (best of ``repeat``),
    with a note (first batch after how long, or why it was skipped)."""
    from sim.runner.executors import DaskExecutor, Executor, ProcessExecutor

    spec = task_spec(model.scenario, sizes.runner)
    makers: dict[str, Callable[[], Executor]] = {
        "runner, processes, 1 worker": lambda: ProcessExecutor(1),
        "runner, processes, 2 workers": lambda: ProcessExecutor(2),
        "runner, Dask LocalCluster, 2 workers": lambda: DaskExecutor(2),
    }
    try:
        import distributed  # noqa: F401
    except ImportError:
        makers.pop("runner, Dask LocalCluster, 2 workers")
    rates: dict[str, tuple[float | None, str]] = {}
    for _ in range(sizes.repeat):  # interleaved, so that a burst of load hits all alike
        for name, make in makers.items():
            with make() as executor:
                rate, start = steady_rate(executor, spec, sizes.runner, sizes.batch)
            best = rates.get(name, (0.0, ""))[0] or 0.0
            if rate > best:
                rates[name] = (rate, f"first batch after {start:.1f} s")
    if "runner, Dask LocalCluster, 2 workers" not in makers:
        rates["runner, Dask LocalCluster, 2 workers"] = (None, "dask.distributed not installed")
    return rates


def throughput_rows(sizes: Sizes, model: Model, direct: Direct) -> list[Row]:
    section = "2 throughput"
    rates = worker_rates(sizes, model)
    one, two = (rates[name][0] or 0.0 for name in (
        "runner, processes, 1 worker", "runner, processes, 2 workers"))
    rounds = f"best of {sizes.rounds} alternating rounds"
    rows = [
        Row(section, "direct loop over the model", 1 / direct.per_rep, "replications/s",
            note=rounds),
        Row(section, "runner, serial (this process)", 1 / direct.serial, "replications/s",
            note=rounds),
        Row(section, "runner overhead, 1 - serial / direct loop",
            1 - direct.per_rep / direct.serial, "fraction", "<= 0.03"),
        Row(section, "of which drawing the inputs (design, keyed streams, quantiles)",
            direct.drawing / direct.serial, "fraction",
            note="drawing time / serial runner time, per replication"),
    ]
    for name, (rate, note) in rates.items():
        rows.append(Row(section, name, rate, "replications/s", note=note))
    rows.append(Row(section, "speed-up, processes 2 workers / 1 worker", two / one, "x",
                    ">= 1.8"))
    return rows


# --- 3. memory ----------------------------------------------------------------------------


def memory_rows(sizes: Sizes) -> list[Row]:
    section = "3 memory"
    rows: list[Row] = []
    peaks: list[tuple[int, float]] = []
    for runs in sizes.memory:
        m = measure_memory(runs, "serial", str(SMALL), None)
        peaks.append((runs, m["driver_mb"]))
        rows.append(Row(section, f"peak RSS, {runs:,} replications to a run directory",
                        m["driver_mb"], "MB", "<= 300",
                        note=f"{m['seconds']:.0f} s, {runs / m['seconds']:,.0f} replications/s"))
    (first, low), (last, high) = peaks[0], peaks[-1]
    rows.append(Row(section, f"peak RSS growth, {first:,} to {last:,} replications",
                    high / low - 1, "fraction", "<= 0.1"))
    return rows


# --- 4. start-up --------------------------------------------------------------------------


def startup_rows(sizes: Sizes) -> list[Row]:
    section = "4 start-up"
    exe = capexsim_command()
    reference = str(REFERENCE.relative_to(ROOT))
    rows = []
    for name, command, goal in (
        ("python -c pass (the interpreter alone)", [sys.executable, "-c", "pass"], ""),
        ("capexsim --help", [*exe, "--help"], "<= 0.25"),
        (f"capexsim validate {reference}", [*exe, "validate", reference], "<= 0.5"),
    ):
        wall, cpu = median_seconds(command, sizes.startup)
        rows.append(Row(section, name, wall, "s", goal,
                        note=f"median of {sizes.startup}; CPU time {cpu:.3f} s"))
    return rows


# --- the table ----------------------------------------------------------------------------


def _value(row: Row) -> str:
    if row.value is None:
        return "-"
    if row.unit == "fraction" or row.unit == "ratio":
        return f"{row.value:.1%}" if abs(row.value) < 10 else f"{row.value:.3g}"
    if row.unit == "x":
        return f"{row.value:.2f}x"
    if row.unit == "s":
        return f"{row.value:.3f} s"
    if abs(row.value) >= 100:
        return f"{row.value:,.0f} {row.unit}"
    return f"{row.value:,.2f} {row.unit}"


def _goal(row: Row) -> str:
    if not row.goal:
        return ""
    op, bound = row.goal.split()
    symbol = {">=": "≥", "<=": "≤"}[op]
    number = float(bound)
    if row.unit in ("fraction", "ratio"):
        return f"{symbol} {number:.0%}"
    if row.unit == "x":
        return f"{symbol} {number:g}x"
    return f"{symbol} {number:g} {row.unit}"


def table(rows: list[Row]) -> str:
    """The rows as a Markdown table (readable as text too)."""
    head = ("section", "measure", "value", "goal", "result")
    body = [(r.section, r.name, _value(r), _goal(r), r.result) for r in rows]
    widths = [max(len(line[i]) for line in [head, *body]) for i in range(len(head))]

    def line(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(head), rule, *(line(cells) for cells in body)])


def _commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True, cwd=ROOT, check=False)
    return done.stdout.strip() if done.returncode == 0 else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes (seconds)")
    parser.add_argument("--million", action="store_true",
                        help="add a 1,000,000-replication memory row (long: ~20 minutes)")
    parser.add_argument("--json", type=Path, default=RESULTS / "latest.json",
                        help="write the rows here (default: benchmarks/results/latest.json)")
    args = parser.parse_args()
    sizes = SMOKE if args.smoke else FULL
    if args.million:
        sizes.memory = (*sizes.memory, 1_000_000)
    t0 = time.perf_counter()
    mode = "smoke" if args.smoke else "full"
    load = _load()
    from sim.model import engine_build

    engine = engine_build()
    print(f"capexsim benchmark suite ({mode}); engine {engine}; {_machine()['cpus']} CPUs, "
          f"load average {load:.2f} at the start; ratios are the meaningful figures on a "
          "shared machine", flush=True)
    model = Model(sizes.overrides)
    warm = range(0, 2)
    model.run(warm, model.inputs(warm))  # caches: catalog, scipy, Sobol' engines
    direct = direct_and_serial(sizes, model)
    rows = engine_rows(sizes, model, direct)
    rows += throughput_rows(sizes, model, direct)
    rows += memory_rows(sizes)
    rows += startup_rows(sizes)
    for row in rows:
        row.check()
    seconds = time.perf_counter() - t0
    print(table(rows))
    failed = [r.name for r in rows if r.result == "FAIL"]
    print(f"{len(rows)} rows, {len(failed)} goals failed; {seconds:.0f} s; load average "
          f"{load:.2f} at the start, {_load():.2f} at the end (other processes competing for "
          "the CPUs lower the rates and the speed-up)")
    report = {
        "suite": "capexsim benchmarks/suite.py",
        "mode": mode,
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commit": _commit(),
        "engine": engine,
        "machine": _machine(),
        "load_average": {"start": load, "end": _load()},
        "sizes": asdict(sizes),
        "seconds": seconds,
        "rows": [asdict(row) for row in rows],
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.json}")


def _load() -> float:
    import os

    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def _machine() -> dict[str, Any]:
    import os

    return {"cpus": os.cpu_count(), "python": platform.python_version(),
            "system": f"{platform.system()} {platform.machine()}"}


if __name__ == "__main__":
    sys.exit(main())
