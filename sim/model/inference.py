"""Inference: per-chip throughput by roofline, and tokens served against demand.

Serving efficiency, context length and the agent share change with t (see
:func:`chip_tokens_per_s`); demand is a :class:`sim.model.demand.DemandPath`. Between two events
the capacity is constant and demand one exact :class:`~sim.model.demand.Segment`, so tokens
served are integrated exactly (:func:`serve`), not by ticks.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sim.model.demand import Segment
from sim.model.inputs import ChipInputs, DemandInputs

__all__ = [
    "SECONDS_PER_MONTH",
    "ChipServing",
    "Served",
    "chip_tokens_per_s",
    "prefill_tokens_per_s",
    "roofline_tokens_per_s",
    "serve",
]

SECONDS_PER_MONTH = 365.25 / 12 * 86400.0
HBM_USABLE = 0.9  # share of HBM usable for weights and KV cache (runtime, fragmentation)
MAX_REPLICA_CHIPS = 4096  # a model that needs more chips than this per replica is not served


def serving_flops(chip: ChipInputs, bytes_per_param: float) -> float:
    """Peak FLOP/s at the serving precision: 8-bit when weights are <= 1 byte, else BF16."""
    a = chip.attrs
    tflops = a.bf16_tflops
    if bytes_per_param <= 1.0:
        tflops = max(tflops, a.fp8_tflops, a.int8_tops)
    return float(tflops) * 1e12


def prefill_tokens_per_s(chip: ChipInputs, d: DemandInputs, context: float,
                         efficiency: float) -> float:
    """Prompt (prefill) tokens/s per chip: compute-bound, ``2 N_active`` FLOP per token plus
    attention over half the context on average."""
    flop_per_token = 2.0 * d.active_params + d.attention_flop_per_context_token * context / 2.0
    return serving_flops(chip, d.bytes_per_param) * chip.inference_utilisation * efficiency / (
        flop_per_token)


def roofline_tokens_per_s(chip: ChipInputs, d: DemandInputs, context: float,
                          efficiency: float) -> float:
    """Decode (generated) tokens/s per chip at ``context`` tokens: the lesser of the compute
    bound and the HBM-bandwidth bound.

    A replica of ``r`` chips holds the weights and the KV cache of ``decode_batch`` sequences
    (``r`` is the fewest chips whose usable HBM fits both). Each decode step reads the weights
    the batch touches (``min(total, active x batch)`` parameters, as a MoE batch spreads over
    experts) and every sequence's KV cache, at ``r x bandwidth x efficiency``; so per chip
    ``batch x bandwidth x efficiency / bytes per step``.
    """
    a = chip.attrs
    flop_per_token = 2.0 * d.active_params + d.attention_flop_per_context_token * context
    compute = serving_flops(chip, d.bytes_per_param) * chip.inference_utilisation * efficiency / (
        flop_per_token)
    hbm = a.hbm_gb * 1e9 * HBM_USABLE
    if hbm <= 0.0 or a.hbm_bandwidth_gb_s <= 0.0:
        return 0.0
    batch = d.decode_batch
    kv_per_sequence = context * d.kv_bytes_per_token
    replica = math.ceil((d.total_params * d.bytes_per_param + batch * kv_per_sequence) / hbm)
    if replica > MAX_REPLICA_CHIPS:
        return 0.0
    weight_bytes_read = min(d.total_params, d.active_params * batch) * d.bytes_per_param
    bytes_per_step = (weight_bytes_read + batch * kv_per_sequence) / efficiency
    memory = batch * a.hbm_bandwidth_gb_s * 1e9 * chip.decode_bandwidth_efficiency / (
        bytes_per_step)
    return min(compute, memory)


def _blend(chip: ChipInputs, d: DemandInputs, context: float, efficiency: float) -> float:
    """Tokens/s per chip for a mix of prompt and generated tokens (``output_share``)."""
    decode = roofline_tokens_per_s(chip, d, context, efficiency)
    prefill = prefill_tokens_per_s(chip, d, context, efficiency)
    if decode <= 0.0 or prefill <= 0.0:
        return 0.0
    return 1.0 / (d.output_share / decode + (1.0 - d.output_share) / prefill)


def chip_tokens_per_s(chip: ChipInputs, d: DemandInputs, t: float, horizon: float) -> float:
    """Per-chip tokens/s at month ``t`` for the demand mix of that time: prompt and generated
    tokens (``output_share`` generated), chat and agent tokens (their contexts growing by
    ``context_growth_per_year``), the agent share moving linearly from start to end of the
    horizon, and efficiency improving by ``efficiency_gain_per_year``."""
    years = t / 12.0
    efficiency = d.efficiency_gain_per_year ** years
    growth = d.context_growth_per_year ** years
    share = d.agent_share_start + (d.agent_share_end - d.agent_share_start) * min(
        1.0, max(0.0, t / horizon))
    chat = _blend(chip, d, d.context_tokens * growth, efficiency)
    if share <= 0.0:
        return chat
    agent = _blend(chip, d, d.agent_context_tokens * growth, efficiency)
    if chat <= 0.0 or agent <= 0.0:
        return 0.0
    return 1.0 / ((1.0 - share) / chat + share / agent)


@dataclass(slots=True)  # not frozen: a frozen init costs 5x, and one is made per event
class Served:
    """Tokens over an interval: demanded, served, and the first time demand went unmet
    (months from the interval's start; None if always met)."""

    demanded: float
    served: float
    first_unmet: float | None


def serve(demand: Segment, domestic_capacity: float, other_capacity: float,
          domestic_share: float, months: float) -> Served:
    """Exact tokens over ``months`` for ``demand`` (tokens/s, monotone on the interval), of
    which ``domestic_share`` only domestic capacity may serve; the rest any capacity.

    Served at an instant is ``min(D, Cd + Co)`` while ``s D <= Cd``, else ``Cd + min((1-s) D,
    Co)``. Both are linear in D between the times D crosses ``Cd/s``, ``Cd + Co`` and
    ``Co/(1-s)``, so the integral is exact piece by piece.
    """
    cd, co, s = domestic_capacity, other_capacity, domestic_share
    if months <= 0.0:
        return Served(0.0, 0.0, None)
    thresholds = [cd + co]
    if s > 0.0:
        thresholds.append(cd / s)
    if s < 1.0:
        thresholds.append(co / (1.0 - s))
    cuts = {0.0, months}
    for level in thresholds:
        if level > 0.0 and math.isfinite(level):
            t = demand.crossing(level)
            if t is not None and 0.0 < t < months:
                cuts.add(t)
    points = sorted(cuts)
    unmet_level = min(cd / s if s > 0.0 else math.inf, cd + co)
    demanded = served = 0.0
    first_unmet: float | None = None
    for a, b in itertools.pairwise(points):
        mid = demand.at((a + b) / 2.0)
        if s * mid <= cd:
            coef, const = (1.0, 0.0) if mid <= cd + co else (0.0, cd + co)
        else:
            coef, const = (1.0 - s, cd) if (1.0 - s) * mid <= co else (0.0, cd + co)
        piece = demand.integral(a, b)
        demanded += piece
        served += coef * piece + const * (b - a)
        if first_unmet is None and mid > unmet_level * (1.0 + 1e-12):
            first_unmet = a
    scale = SECONDS_PER_MONTH
    return Served(demanded * scale, min(served, demanded) * scale, first_unmet)


class ChipServing:
    """:func:`chip_tokens_per_s` for one chip and one replication's demand, every month at once
    (:meth:`table`), with everything that does not change with ``t`` computed once; the same
    arithmetic in the same order, so the same floats (a test checks they are equal)."""

    __slots__ = ("_attn", "_batch", "_compute", "_d", "_fixed_flop",
                 "_hbm", "_horizon", "_kv", "_memory", "_weights", "_weights_read")

    def __init__(self, chip: ChipInputs, d: DemandInputs, horizon: float) -> None:
        a = chip.attrs
        self._d, self._horizon = d, horizon
        self._compute = serving_flops(chip, d.bytes_per_param) * chip.inference_utilisation
        self._fixed_flop = 2.0 * d.active_params
        self._attn = d.attention_flop_per_context_token
        self._hbm = a.hbm_gb * 1e9 * HBM_USABLE
        self._batch = d.decode_batch
        self._kv = d.kv_bytes_per_token
        self._weights = d.total_params * d.bytes_per_param
        self._weights_read = min(d.total_params, d.active_params * d.decode_batch) * (
            d.bytes_per_param)
        self._memory = (d.decode_batch * a.hbm_bandwidth_gb_s * 1e9
                        * chip.decode_bandwidth_efficiency)
        if self._hbm <= 0.0 or a.hbm_bandwidth_gb_s <= 0.0:
            self._memory = -1.0  # no HBM: nothing is served

    def _blend_months(self, context: npt.NDArray[np.float64],
                      efficiency: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """The prompt/generated blend of :func:`chip_tokens_per_s`'s ``_blend`` for many months
        at once (the same IEEE operations, elementwise)."""
        if self._memory < 0.0:
            return np.zeros_like(context)
        batch = self._batch
        kv_per_sequence = context * self._kv
        too_big = np.ceil((self._weights + batch * kv_per_sequence) / self._hbm) > (
            MAX_REPLICA_CHIPS)
        work = self._compute * efficiency
        compute = work / (self._fixed_flop + self._attn * context)
        memory = self._memory / ((self._weights_read + batch * kv_per_sequence) / efficiency)
        decode = np.minimum(compute, memory)
        prefill = work / (self._fixed_flop + self._attn * context / 2.0)
        out = self._d.output_share
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            value = 1.0 / (out / decode + (1.0 - out) / prefill)
        return np.where(too_big | (decode <= 0.0) | (prefill <= 0.0), 0.0, value)

    def table(self, last_month: int) -> list[float]:
        """:func:`chip_tokens_per_s` at months ``0..last_month``, computed with numpy in one pass
        (powers with Python's ``**``, month by month, as the scalar function does)."""
        d = self._d
        t = np.arange(last_month + 1, dtype=np.float64)
        years = (t / 12.0).tolist()
        efficiency = np.array([d.efficiency_gain_per_year ** y for y in years])
        growth = np.array([d.context_growth_per_year ** y for y in years])
        share = d.agent_share_start + (d.agent_share_end - d.agent_share_start) * np.minimum(
            1.0, np.maximum(0.0, t / self._horizon))
        chat = self._blend_months(d.context_tokens * growth, efficiency)
        agent = self._blend_months(d.agent_context_tokens * growth, efficiency)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            mixed = 1.0 / ((1.0 - share) / chat + share / agent)
        mixed = np.where((chat <= 0.0) | (agent <= 0.0), 0.0, mixed)
        result: list[float] = np.where(share <= 0.0, chat, mixed).tolist()
        return result
