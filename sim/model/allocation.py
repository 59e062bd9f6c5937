"""Splitting chips between inference and training, by the scenario's allocation policy.

- ``inference_first``: inference takes the chips it needs to meet demand at the end of the
  current month, from any chip not held by a running training run; training gets the rest.
- ``reserved_training``: as inference_first, but inference may take at most ``1 - share`` of
  each pool, so ``share`` is always kept for training, idle or not.
- ``work_conserving``: ``share`` is reserved for training, but lent to inference while no run
  holds it: runs are placed against the reserved split (:func:`allocate`, then the engine places
  waiting runs), then inference tops up from every chip no run holds (:func:`top_up`). A run
  placed later takes its reserved chips back from inference (preemption).
- ``fixed_split``: inference gets ``1 - share`` of each pool whatever the demand.

Domestic-only demand (data residency) is served by domestic sites first. The rest is served by
overseas sites, then domestic sites, then leases (leased capacity is kept for training as long
as possible). Within each group, pools that are relatively better at inference than at training
(tokens/s per peak FLOP/s) serve first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sim.model.fleet import Pool

__all__ = ["allocate", "top_up"]

_ORDER = {"overseas_owned": 0, "domestic": 1, "leased": 2}


def _cap(pool: Pool, policy: str, share: float) -> float:
    free = max(0.0, pool.count - pool.held)
    if policy == "inference_first":
        return free
    return min(free, (1.0 - share) * pool.count)


def _fill(pools: Sequence[Pool], tokens_per_chip: Mapping[int, float], policy: str,
          training_share: float, domestic_need: float, shared_need: float) -> None:
    """Greedy fill of the needs (tokens/s) from ``pool.inference`` upwards, within each pool's
    cap under ``policy``; needs already met by ``pool.inference`` are not counted again."""
    def friendliness(pool: Pool) -> float:
        return -tokens_per_chip[id(pool)] / max(pool.chip.peak_flops, 1.0)

    domestic = sorted((p for p in pools if p.kind == "domestic"), key=friendliness)
    shared_order = sorted(pools, key=lambda p: (_ORDER[p.kind], friendliness(p)))
    for need, group in ((domestic_need, domestic), (shared_need, shared_order)):
        for pool in group:
            if need <= 0.0:
                break
            rate = tokens_per_chip[id(pool)]
            if rate <= 0.0:
                continue
            take = min(_cap(pool, policy, training_share) - pool.inference, need / rate)
            if take > 0.0:
                pool.inference += take
                need -= take * rate


def _capacity(pools: Sequence[Pool], tokens_per_chip: Mapping[int, float]
              ) -> tuple[float, float]:
    domestic_capacity = sum(
        p.inference * tokens_per_chip[id(p)] for p in pools if p.kind == "domestic")
    other_capacity = sum(
        p.inference * tokens_per_chip[id(p)] for p in pools if p.kind != "domestic")
    return domestic_capacity, other_capacity


def allocate(pools: Sequence[Pool], tokens_per_chip: Mapping[int, float], policy: str,
             training_share: float, domestic_need: float, shared_need: float
             ) -> tuple[float, float]:
    """Set each pool's ``inference`` chips; return (domestic, other) capacity in tokens/s.

    ``tokens_per_chip`` maps ``id(pool)`` to its per-chip tokens/s; needs are tokens/s. For
    ``work_conserving`` this is the first pass (the reserved split, as ``reserved_training``),
    against which waiting runs are placed before :func:`top_up`.
    """
    for pool in pools:
        pool.inference = 0.0
    if policy == "fixed_split":
        for pool in pools:
            pool.inference = _cap(pool, policy, training_share)
    else:
        first = "reserved_training" if policy == "work_conserving" else policy
        _fill(pools, tokens_per_chip, first, training_share, domestic_need, shared_need)
    return _capacity(pools, tokens_per_chip)


def top_up(pools: Sequence[Pool], tokens_per_chip: Mapping[int, float], domestic_need: float,
           shared_need: float) -> tuple[float, float]:
    """``work_conserving``'s second pass, after runs are placed: inference grows into every chip
    no run holds, as ``inference_first`` would, never below what the first pass gave it.

    Returns the new (domestic, other) capacity in tokens/s.
    """
    domestic, other = _capacity(pools, tokens_per_chip)
    # The first pass met min(need, its capacity) of each need: what is still unmet is the rest.
    domestic_served = min(domestic, domestic_need)
    spill = domestic - domestic_served  # domestic capacity beyond the domestic-only need
    _fill(pools, tokens_per_chip, "inference_first", 0.0, domestic_need - domestic_served,
          max(0.0, shared_need - other - spill))
    return _capacity(pools, tokens_per_chip)
