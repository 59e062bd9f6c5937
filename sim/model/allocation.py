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

__all__ = ["Orders", "allocate", "fill_orders", "top_up"]

_ORDER = {"overseas_owned": 0, "domestic": 1, "leased": 2}

Orders = tuple[list[Pool], list[Pool]]
"""The pools that serve domestic-only demand, and those that serve the rest, in fill order."""


def fill_orders(pools: Sequence[Pool], tokens_per_chip: Mapping[int, float]) -> Orders:
    """The fill orders of the module docstring. They change only with the pools and the
    per-chip rates (a new month), so the engine computes them once per such change."""
    friendliness = {id(p): -tokens_per_chip[id(p)] / max(p.chip.peak_flops, 1.0)
                    for p in pools}
    domestic = sorted((p for p in pools if p.kind == "domestic"),
                      key=lambda p: friendliness[id(p)])
    shared = sorted(pools, key=lambda p: (_ORDER[p.kind], friendliness[id(p)]))
    return domestic, shared


def _fill(orders: Orders, tokens_per_chip: Mapping[int, float], policy: str,
          training_share: float, domestic_need: float, shared_need: float) -> None:
    """Greedy fill of the needs (tokens/s) from ``pool.inference`` upwards, within each pool's
    cap under ``policy`` (``inference_first``: every chip no run holds; otherwise at most
    ``1 - training_share`` of the pool); needs already met by ``pool.inference`` are not
    counted again."""
    capped = policy != "inference_first"
    keep = 1.0 - training_share
    for need, group in ((domestic_need, orders[0]), (shared_need, orders[1])):
        for pool in group:
            if need <= 0.0:
                break
            rate = tokens_per_chip[id(pool)]
            if rate <= 0.0:
                continue
            free = pool.count - pool.held
            if not free > 0.0:
                free = 0.0
            if capped:
                limit = keep * pool.count
                if limit < free:
                    free = limit
            take = free - pool.inference
            wanted = need / rate
            if wanted < take:
                take = wanted
            if take > 0.0:
                pool.inference += take
                need -= take * rate


def _capacity(pools: Sequence[Pool], tokens_per_chip: Mapping[int, float]
              ) -> tuple[float, float]:
    domestic_capacity = other_capacity = 0.0
    for p in pools:
        if p.kind == "domestic":
            domestic_capacity += p.inference * tokens_per_chip[id(p)]
        else:
            other_capacity += p.inference * tokens_per_chip[id(p)]
    return domestic_capacity, other_capacity


def allocate(pools: Sequence[Pool], tokens_per_chip: Mapping[int, float], policy: str,
             training_share: float, domestic_need: float, shared_need: float,
             orders: Orders | None = None) -> tuple[float, float]:
    """Set each pool's ``inference`` chips; return (domestic, other) capacity in tokens/s.

    ``tokens_per_chip`` maps ``id(pool)`` to its per-chip tokens/s; needs are tokens/s;
    ``orders`` is :func:`fill_orders` of the same pools and rates (computed if not given). For
    ``work_conserving`` this is the first pass (the reserved split, as ``reserved_training``),
    against which waiting runs are placed before :func:`top_up`.
    """
    for pool in pools:
        pool.inference = 0.0
    if policy == "fixed_split":
        keep = 1.0 - training_share
        for pool in pools:
            free = pool.count - pool.held
            pool.inference = min(free if free > 0.0 else 0.0, keep * pool.count)
    else:
        first = "reserved_training" if policy == "work_conserving" else policy
        _fill(orders or fill_orders(pools, tokens_per_chip), tokens_per_chip, first,
              training_share, domestic_need, shared_need)
    return _capacity(pools, tokens_per_chip)


def top_up(pools: Sequence[Pool], tokens_per_chip: Mapping[int, float], domestic_need: float,
           shared_need: float, orders: Orders | None = None,
           capacity: tuple[float, float] | None = None) -> tuple[float, float]:
    """``work_conserving``'s second pass, after runs are placed: inference grows into every chip
    no run holds, as ``inference_first`` would, never below what the first pass gave it.
    ``capacity`` is the first pass's result (placing runs leaves ``pool.inference`` as it is).

    Returns the new (domestic, other) capacity in tokens/s.
    """
    domestic, other = _capacity(pools, tokens_per_chip) if capacity is None else capacity
    # The first pass met min(need, its capacity) of each need: what is still unmet is the rest.
    domestic_served = min(domestic, domestic_need)
    spill = domestic - domestic_served  # domestic capacity beyond the domestic-only need
    _fill(orders or fill_orders(pools, tokens_per_chip), tokens_per_chip, "inference_first",
          0.0, domestic_need - domestic_served, max(0.0, shared_need - other - spill))
    return _capacity(pools, tokens_per_chip)
