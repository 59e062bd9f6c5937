"""Peak memory (RSS) of a Monte Carlo run streamed to a run directory, against its size.

    .venv/bin/python benchmarks/bench_memory.py [--runs 1000 10000 100000] [--executor serial]
    .venv/bin/python benchmarks/bench_memory.py --smoke      # tiny sizes, for the test suite

Each size runs in a fresh process (``sim.run`` with ``out=``), which then reports its own peak
RSS (``ru_maxrss``: the driver, and with ``--executor serial`` every replication too) and the
largest peak among its child processes (the workers with ``--executor processes``). With a run
directory and a fixed ``--runs`` the driver keeps no per-replication data (KPIs are read back
one column at a time for the summary, the final Parquet files are written one 4,096-row group
at a time, the series bands are a bounded sketch), so the peak should be flat in the number
of replications: the last column shows the driver's growth per replication between
consecutive sizes. Measurements, not assertions.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, SMALL


def _child(runs: int, executor: str, scenario: str, out: Path, batch: int | None) -> None:
    """Run one size here and print its measurements as JSON."""
    from sim.runner import run

    t0 = time.perf_counter()
    run(scenario, runs=runs, seed=1, executor=executor, workers=2, out=out, progress=False,
        batch_size=batch)
    seconds = time.perf_counter() - t0
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    size = (out / "kpis.parquet").stat().st_size
    print(json.dumps({"runs": runs, "seconds": seconds, "driver_mb": own,
                      "worker_mb": children, "kpis_bytes": size}))


def measure(runs: int, executor: str, scenario: str, batch: int | None) -> dict[str, float]:
    """Peak RSS of a fresh process running ``runs`` replications into a run directory."""
    with tempfile.TemporaryDirectory(prefix="capexsim-mem-") as tmp:
        args = [sys.executable, __file__, "--child", str(runs), "--executor", executor,
                "--scenario", scenario, "--out", str(Path(tmp) / "run")]
        if batch:
            args += ["--batch-size", str(batch)]
        done = subprocess.run(args, capture_output=True, text=True, check=False, cwd=ROOT)
        if done.returncode != 0:
            raise SystemExit(f"run of {runs} failed:\n{done.stderr}")
        result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--executor", default="serial", choices=["serial", "processes"])
    parser.add_argument("--scenario", default=str(SMALL))
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--smoke", action="store_true", help="two tiny sizes (a test runs it)")
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        _child(args.child, args.executor, args.scenario, args.out, args.batch_size)
        return
    sizes = [40, 400] if args.smoke else args.runs
    print(f"scenario {Path(args.scenario).name}, executor {args.executor}")
    print(f"{'runs':>10} {'seconds':>9} {'driver MB':>10} {'child MB':>10} "
          f"{'kpis.parquet':>13} {'driver kB/run':>18}")
    last: dict[str, float] | None = None
    for runs in sizes:
        m = measure(runs, args.executor, args.scenario, args.batch_size)
        growth = ""
        if last is not None:
            per_run = (m["driver_mb"] - last["driver_mb"]) * 1024 / (runs - last["runs"])
            growth = f"{per_run:.3f}"
        print(f"{runs:>10,} {m['seconds']:>9.1f} {m['driver_mb']:>10.1f} "
              f"{m['worker_mb']:>10.1f} {m['kpis_bytes'] / 1e6:>10.2f} MB {growth:>18}",
              flush=True)
        last = m


if __name__ == "__main__":
    main()
