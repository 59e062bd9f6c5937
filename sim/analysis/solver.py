"""Solve for a lever: the smallest (or largest) value at which a target is met with a given
probability, by bisection on common-random-number estimates.

Every lever value runs the same replications (seed, design, size), so the estimated
probability ``p(x)`` moves only where some replication's outcome flips, and a monotone
``p`` is searched by bisection. The direction comes from the ends of the range: the end with
the higher probability is the favourable one; the answer is the value nearest the other end
at which ``p(x) >= probability`` (smallest if p rises with the lever, largest if it falls).

The answer's interval comes from the binomial error of ``p`` at the bracketing points: with
Wilson 95% intervals, its near end is where the upper bound reaches the probability asked
(below it the target is missed beyond doubt), its far end where the lower bound does (beyond
it the target is met beyond doubt); both are found by the same bisection. When the far end
is not reached within the range the interval is open there (``interval_closed`` false).

The search starts with a scan of evenly spaced values (the ends included) and bisects in the
scan's bracket. Refusals (one line, exit 1): the target cannot be met in the range (not even
at the favourable end), or ``p`` is not monotone: some pair of evaluated values (scan and
bisection) has ``p`` lower at the more favourable one by more than chance (an exact one-sided
McNemar test on the replications whose outcome differs, at 5%).

Files (in ``out``): ``solve.json`` (answer, interval, every evaluation).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from sim.analysis.common import common_options, write_json
from sim.analysis.levers import Lever, LeverScenarios
from sim.analysis.running import Workers, open_executor, run_one
from sim.errors import CapexsimError

__all__ = ["Solution", "solve"]

SIGNIFICANCE = 0.05


@dataclass
class Solution:
    """What :func:`solve` returns."""

    answer: float
    interval: tuple[float, float]
    interval_closed: tuple[bool, bool]
    direction: str
    """``smallest`` (p rises with the lever) or ``largest`` (p falls)."""
    evaluations: Any
    """DataFrame: lever value, replications meeting the target, probability, Wilson CI."""
    info: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The document written as ``solve.json``."""
        return {**self.info, "answer": self.answer, "interval": list(self.interval),
                "interval_closed": list(self.interval_closed), "direction": self.direction,
                "evaluations": self.evaluations.to_dict(orient="records")}

    def line(self) -> str:
        """The answer in one line."""
        info = self.info
        lo, hi = self.interval
        open_lo = "" if self.interval_closed[0] else " (open: range end)"
        open_hi = "" if self.interval_closed[1] else " (open: range end)"
        return (f"{self.direction} {info['lever']} meeting '{info['target']}' with P >= "
                f"{info['probability']:g}: {self.answer:.6g} (95% interval [{lo:.6g}"
                f"{open_lo}, {hi:.6g}{open_hi}]; P = {info['probability_at_answer']:.3f} "
                f"there, {info['runs']:,} replications per value)")


def _wilson(k: int, n: int) -> tuple[float, float]:
    from sim.runner.summary import wilson_interval

    return wilson_interval(k, n)


def _bisect(pred: Callable[[float], bool], good: float, bad: float, tol: float,
            integer: bool) -> float:
    """The value nearest ``bad`` where ``pred`` holds, between ``good`` (holds) and ``bad``."""
    for _ in range(200):
        if abs(good - bad) <= tol or (integer and abs(good - bad) <= 1):
            break
        mid = float(math.floor((good + bad) / 2)) if integer else (good + bad) / 2
        if pred(mid):
            good = mid
        else:
            bad = mid
    return good


def _monotone_violation(values: Sequence[float], met: Sequence[npt.NDArray[np.bool_]],
                        rising: bool) -> tuple[float, float] | None:
    """A pair of evaluated values where p is significantly lower at the more favourable one."""
    from scipy import stats

    order = sorted(range(len(values)), key=lambda i: values[i], reverse=not rising)
    for a in range(len(order)):
        for b in range(a + 1, len(order)):
            worse, better = met[order[a]], met[order[b]]
            lost = int(np.sum(worse & ~better))
            gained = int(np.sum(better & ~worse))
            if lost > gained and stats.binomtest(lost, lost + gained, 0.5,
                                                 alternative="greater").pvalue < SIGNIFICANCE:
                return values[order[a]], values[order[b]]
    return None


def _refuse_if_not_monotone(cache: dict[float, npt.NDArray[np.bool_]], rising: bool,
                            target: str, lever: str) -> None:
    values = sorted(cache)
    violation = _monotone_violation(values, [cache[v] for v in values], rising)
    if violation is not None:
        a, b = violation
        raise CapexsimError(
            f"'{target}' is not monotone in {lever}: P = {np.mean(cache[a]):.3f} at {a:g} but "
            f"{np.mean(cache[b]):.3f} at {b:g}; a bisection would not be meaningful (sweep the "
            "lever instead)")


def solve(scenario: str | Path, *, target: str, probability: float, lever: str,
          value_range: tuple[float, float] | None = None, overrides: Sequence[str] = (),
          runs: int | None = None, seed: int | None = None, design: str | None = None,
          tolerance: float = 1e-3, scan: int = 5, workers: Workers | None = None,
          out: str | Path | None = None, overwrite: bool = False) -> Solution:
    """The lever value meeting ``target`` with ``probability`` (see the module docstring).
    ``value_range`` defaults to a quarter to four times the lever's value in the scenario;
    ``tolerance`` is relative to the range's width; ``scan`` evenly spaced values (ends
    included) are evaluated first, to check monotonicity across the range and to bracket the
    answer."""
    import pandas as pd

    if not 0.0 < probability < 1.0:
        raise CapexsimError(f"--probability {probability}: must be between 0 and 1")
    if scan < 2:
        raise CapexsimError(f"--scan {scan}: must be >= 2 (the two ends at least)")
    if not 0.0 < tolerance < 1.0:
        raise CapexsimError(f"--tolerance {tolerance}: must be between 0 and 1")
    source = LeverScenarios(scenario, overrides)
    names = [t.name for t in source.base.targets]
    if target not in names:
        known = ", ".join(repr(n) for n in names) or "none"
        raise CapexsimError(f"--target {target!r}: the scenario has no such target (targets: "
                            f"{known})")
    from sim.store.tables import target_columns

    column = target_columns(names)[names.index(target)]
    current = source.current(lever)
    if value_range is None:
        if not isinstance(current, (int, float)) or isinstance(current, bool) or current <= 0:
            raise CapexsimError(f"--lever {lever}: give --range LOW:HIGH (the scenario's value "
                                "there is not a positive number)")
        value_range = (current / 4, current * 4)
    low, high = value_range
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise CapexsimError(f"--range {low:g}:{high:g}: LOW must be below HIGH")
    (spec,) = source.resolve([Lever(lever, low, high)])
    if spec.integer:
        low, high = float(math.ceil(low)), float(math.floor(high))
    common = common_options(source.base, runs=runs, seed=seed, design=design)
    workers = workers or Workers()
    directory = None if out is None else Path(out)
    if directory is not None and (directory / "solve.json").exists() and not overwrite:
        raise CapexsimError(f"{directory} already holds a solve.json; replace it with "
                            "--overwrite or choose another --out")
    cache: dict[float, npt.NDArray[np.bool_]] = {}
    with open_executor(workers) as executor:

        def met(x: float) -> npt.NDArray[np.bool_]:
            x = spec.value(x)
            if x not in cache:
                result = run_one(source.at([spec], [x]), common, executor, workers, out=None)
                table = result.to_arrow()
                order = np.argsort(table["replication"].to_numpy(), kind="stable")
                values = table[column].to_numpy(zero_copy_only=False)
                cache[x] = np.asarray(values, dtype=bool)[order]
            return cache[x]

        def p(x: float) -> float:
            return float(np.mean(met(x)))

        scanned = sorted({spec.value(x) for x in np.linspace(low, high, max(2, scan))})
        for x in scanned:
            met(x)
        p_low, p_high = p(low), p(high)
        rising = p_high >= p_low
        good, bad = (high, low) if rising else (low, high)
        where = "smallest" if rising else "largest"
        _refuse_if_not_monotone(cache, rising, target, lever)
        if p(good) < probability:
            raise CapexsimError(
                f"'{target}' cannot be met with P >= {probability:g} for {lever} in "
                f"[{low:g}, {high:g}]: P = {p_low:.3f} at {low:g} and {p_high:.3f} at "
                f"{high:g} ({common.runs:,} replications each)")
        tol = tolerance * (high - low)
        ordered = scanned if rising else scanned[::-1]  # from the bad end to the good one
        first = next(i for i, x in enumerate(ordered) if p(x) >= probability)
        if first == 0:
            answer = bad
        else:
            answer = _bisect(lambda x: p(x) >= probability, ordered[first],
                             ordered[first - 1], tol, spec.integer)
        n = common.runs

        def upper_ok(x: float) -> bool:
            return _wilson(int(met(x).sum()), n)[1] >= probability

        def lower_ok(x: float) -> bool:
            return _wilson(int(met(x).sum()), n)[0] >= probability

        near = bad if upper_ok(bad) else _bisect(upper_ok, answer, bad, tol, spec.integer)
        far_closed = lower_ok(good)
        far = _bisect(lower_ok, good, answer, tol, spec.integer) if far_closed else good
        if lower_ok(answer):
            far = answer
        near_closed = not upper_ok(bad)
        _refuse_if_not_monotone(cache, rising, target, lever)
    values = sorted(cache)
    rows = []
    for v in values:
        k = int(cache[v].sum())
        lo, hi = _wilson(k, n)
        rows.append({"value": v, "met": k, "runs": n, "probability": k / n,
                     "ci_low": lo, "ci_high": hi})
    evaluations = pd.DataFrame(rows)
    interval = (min(near, far), max(near, far))
    closed = (near_closed, far_closed) if rising else (far_closed, near_closed)
    info = {"kind": "solve", "format": 1,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "scenario": source.base.name, "target": target, "probability": probability,
            "lever": lever, "integer": spec.integer, "range": [low, high],
            "seed": common.seed, "design": common.design, "runs": n,
            "tolerance": tolerance, "scan": scan, "probability_at_answer": _p_at(cache, answer),
            "rules": {"direction": "from the probabilities at the ends of the range",
                      "interval": "where the Wilson 95% interval of P reaches the probability "
                                  "asked, on each side of the answer",
                      "monotone": "refused if P is lower at a more favourable value by more "
                                  "than chance (exact one-sided McNemar test, 5%)"}}
    solution = Solution(answer, interval, closed, where, evaluations, info)
    if directory is not None:
        write_json(directory / "solve.json", solution.to_json())
    return solution


def _p_at(cache: dict[float, npt.NDArray[np.bool_]], x: float) -> float:
    """The estimated probability at an evaluated value."""
    return float(np.mean(cache[x]))
