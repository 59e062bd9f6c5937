"""Training runs: effective throughput of a cluster, and which waiting run starts where.

A run of C FLOP on n chips of one type at one location takes ``C / (n x peak x MFU(n) x
goodput(n))`` seconds, where

- ``MFU(n) = training_mfu x (1 - mfu_loss_per_doubling) ** log2(n / reference)`` above the
  reference cluster size (no gain below it);
- ``goodput(n) = 1 / (1 + n x annual_failure_rate / 8766 h x restart_cost_hours)``: each
  hardware interruption (n x AFR per year across the cluster) costs ``restart_cost_hours`` of
  wall-clock.

Waiting runs are taken by priority, then arrival, then name; each starts on the location whose
free training chips (at least ``min_chips``) finish it soonest, with up to ``max_chips`` chips. A
run that cannot start yet does not block lower-priority runs that can (backfilling).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from sim.model.fleet import Pool
from sim.model.inputs import ChipInputs, RunInputs

__all__ = ["RunState", "cluster_flops", "goodput", "mfu", "place"]

HOURS_PER_YEAR = 8766.0


def mfu(chip: ChipInputs, n: float, reference: int) -> float:
    """Model FLOP utilisation of an n-chip cluster."""
    doublings = max(0.0, math.log2(n / reference)) if n > 0 else 0.0
    return float(chip.training_mfu * (1.0 - chip.mfu_loss_per_doubling) ** doublings)


def goodput(chip: ChipInputs, n: float, restart_cost_hours: float) -> float:
    """Share of wall-clock time doing useful work, given interruptions from failures."""
    interruptions_per_hour = n * chip.annual_failure_rate / HOURS_PER_YEAR
    return 1.0 / (1.0 + interruptions_per_hour * restart_cost_hours)


def cluster_flops(chip: ChipInputs, n: float, reference: int, restart_cost_hours: float) -> float:
    """Effective training FLOP/s of n chips (always <= n x peak)."""
    return n * chip.peak_flops * mfu(chip, n, reference) * goodput(chip, n, restart_cost_hours)


@dataclass
class RunState:
    """A training run's progress."""

    run: RunInputs
    order: int
    remaining_flop: float
    pool: Pool | None = None
    chips: float = 0.0
    flops: float = 0.0  # effective FLOP/s while running
    started_month: float | None = None
    finished_month: float | None = None

    @property
    def key(self) -> tuple[int, float, int]:
        return (-self.run.priority, self.run.arrival_month, self.order)


def _eligible(run: RunInputs, pool: Pool) -> bool:
    if run.chips is not None and pool.chip.name not in run.chips:
        return False
    return not (run.domestic_only and pool.kind != "domestic")


def place(run: RunInputs, pools: Iterable[Pool], reference: int,
          restart_cost_hours: float) -> tuple[Pool, float, float] | None:
    """The best (pool, chips, FLOP/s) for ``run`` among pools with free training chips."""
    best: tuple[Pool, float, float] | None = None
    for pool in pools:
        if not _eligible(run, pool):
            continue
        free = math.floor(max(0.0, pool.count - pool.inference - pool.held) + 1e-9)
        if free < run.min_chips:
            continue
        n = float(min(run.max_chips, free))
        flops = cluster_flops(pool.chip, n, reference, restart_cost_hours)
        if best is None or flops > best[2]:
            best = (pool, n, flops)
    return best
