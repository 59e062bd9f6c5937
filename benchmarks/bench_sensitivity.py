"""Wall time of ``capexsim sensitivity`` (all three methods) on the reference scenario.

    .venv/bin/python benchmarks/bench_sensitivity.py [--runs 256] [--sobol-n 64]
        [--tornado-runs 1] [--workers 2] [--smoke]

Default sizes (small, documented): the rank method on a 256-replication Latin hypercube run
(PRCC needs more replications than the 151 inputs), the tornado on 1 event-stream replication
(2 x 151 + 1 = 303 model runs), Sobol' indices with N = 64 base rows over the 12 sections and
the event streams (64 x 15 = 960 model runs), 999 bootstrap resamples; in worker processes.
Prints the wall time of each method alone and of all three in one call (which shares one pool
of workers), and the model runs per second. ``--smoke`` runs tiny sizes in series with a short
horizon, to check that the script works (a test runs it). Timings are not asserted anywhere.

Measured on the project's 2-core machine (shared; a rough guide): all three methods at the
default sizes in about 25 s, 2 workers.
"""

from __future__ import annotations

import argparse
import time

from _common import REFERENCE, SMOKE_OVERRIDES

from sim.analysis.running import Workers
from sim.analysis.sensitivities import METHODS, sensitivity
from sim.loading import load_scenario
from sim.model import input_space


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=256)
    parser.add_argument("--sobol-n", type=int, default=64)
    parser.add_argument("--tornado-runs", type=int, default=1)
    parser.add_argument("--bootstrap", type=int, default=999)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, in series")
    args = parser.parse_args()
    overrides: list[str] = []
    workers = Workers("processes", args.workers)
    if args.smoke:
        args.runs, args.sobol_n, args.tornado_runs, args.bootstrap = 8, 4, 1, 19
        overrides = list(SMOKE_OVERRIDES)
        workers = Workers("serial")
    scenario = load_scenario(REFERENCE, overrides)
    d = len(input_space(scenario).names)
    groups = len({name.split(".", 1)[0] for name in input_space(scenario).names})
    model_runs = {"rank": args.runs, "tornado": (2 * d + 1) * args.tornado_runs,
                  "sobol": args.sobol_n * (groups + 3)}
    print(f"reference scenario: {d} uncertain inputs, {groups} sections; "
          f"{'series' if args.smoke else f'{args.workers} worker processes'}")
    options = {"runs": args.runs, "sobol_n": args.sobol_n, "tornado_runs": args.tornado_runs,
               "resamples": args.bootstrap, "workers": workers}
    for method in METHODS:
        t0 = time.perf_counter()
        sensitivity(scenario, methods=[method], **options)  # type: ignore[arg-type]
        seconds = time.perf_counter() - t0
        print(f"  {method:<8} {model_runs[method]:>6,} model runs  {seconds:7.2f} s  "
              f"({model_runs[method] / seconds:,.0f} runs/s, including start-up)")
    t0 = time.perf_counter()
    sensitivity(scenario, methods=list(METHODS), **options)  # type: ignore[arg-type]
    seconds = time.perf_counter() - t0
    total = sum(model_runs.values())
    print(f"  all three {total:>6,} model runs  {seconds:7.2f} s  (sensitivity wall time)")


if __name__ == "__main__":
    main()
