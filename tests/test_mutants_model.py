"""The model's equations at their branches and boundaries, against numbers worked by hand
(mutation testing, issue 13).

Written to kill the mutants ``mutmut`` left alive in ``sim/model/`` (README, "Mutation
tests"). Every expected value is worked out in the docstring or the comment next to it, from
the chip's data sheet numbers and the formula the module documents, never read back from the
code under test. Only public functions of inference, allocation, demand, fleet and ledger are
used, so the tests pin numbers, not an implementation.
"""

from __future__ import annotations

import dataclasses
import math
import re

import numpy as np
import pytest

from sim.model.allocation import allocate, top_up
from sim.model.demand import DemandPath, Exponential, Logistic
from sim.model.fleet import Batch, Cohort, Fleet, Pool
from sim.model.inference import (
    SECONDS_PER_MONTH,
    chip_tokens_per_s,
    prefill_tokens_per_s,
    roofline_tokens_per_s,
    serve,
)
from sim.model.inputs import SiteInputs
from sim.model.ledger import Ledger, LedgerError
from tests.test_model_equations import chip, demand

# H100 (catalogue): 989 TFLOP/s BF16, 1,979 FP8, 80 GB HBM at 3,350 GB/s. The test chip serves
# at 50% utilisation and 80% of the bandwidth; the test model is 200B total / 20B active at
# 1 byte a parameter, 1e5 bytes of KV cache per token, batch 64 (tests/test_model_equations.py).
H100_FP8_PREFILL = 1979e12 * 0.5 / 40e9  # 24,737.5 tokens/s: 2 x 20e9 FLOP a token
BATCH_BANDWIDTH = 64 * 3350e9 * 0.8  # 1.7152e14 bytes/s: batch x bandwidth x efficiency


def h100_decode(context: float, efficiency: float = 1.0) -> float:
    """Memory-bound decode tokens/s of the test model on an H100: all 200e9 weight bytes and
    64 x context x 1e5 KV bytes read per step, at ``efficiency`` times the bandwidth."""
    return BATCH_BANDWIDTH * efficiency / (200e9 + 64 * context * 1e5)


# -- inference: per-chip throughput -------------------------------------------------------------

def test_blend_of_prompt_and_generated_tokens() -> None:
    """A quarter of the tokens generated: decode 831.0 tokens/s (1,000 tokens of context),
    prefill 24,737.5; per chip 1 / (0.25 / 831.0 + 0.75 / 24,737.5) = 3,019.7 tokens/s."""
    expected = 1.0 / (0.25 / h100_decode(1000.0) + 0.75 / H100_FP8_PREFILL)
    assert expected == pytest.approx(3019.7, abs=0.1)
    got = chip_tokens_per_s(chip(), demand(output_share=0.25), 0.0, 24.0)
    assert got == pytest.approx(expected, rel=1e-12)


def test_prompt_only_tokens_are_the_prefill_rate() -> None:
    got = chip_tokens_per_s(chip(), demand(output_share=0.0), 0.0, 24.0)
    assert got == pytest.approx(H100_FP8_PREFILL, rel=1e-12)


def test_chat_and_agent_mix_after_a_year() -> None:
    """Month 12 of a 24-month horizon, generated tokens only: efficiency x2 a year, contexts
    x1.5 a year (chat 1,000 -> 1,500, agent 4,000 -> 6,000), the agent share 0.2 -> 0.6 over
    the horizon (0.4 at month 12). Chat 2 x 1.7152e14 / 209.6e9 = 1,636.64 tokens/s, agent
    2 x 1.7152e14 / 238.4e9 = 1,438.93; per chip 1 / (0.6 / 1,636.64 + 0.4 / 1,438.93)."""
    d = demand(efficiency_gain_per_year=2.0, context_growth_per_year=1.5,
               context_tokens=1000.0, agent_context_tokens=4000.0,
               agent_share_start=0.2, agent_share_end=0.6)
    chat, agent = h100_decode(1500.0, 2.0), h100_decode(6000.0, 2.0)
    assert (chat, agent) == pytest.approx((1636.64, 1438.93), abs=0.01)
    assert chip_tokens_per_s(chip(), d, 12.0, 24.0) == pytest.approx(
        1.0 / (0.6 / chat + 0.4 / agent), rel=1e-12)
    # at the start the share is 0.2, and past the horizon it stays at 0.6
    assert chip_tokens_per_s(chip(), d, 0.0, 24.0) == pytest.approx(
        1.0 / (0.8 / h100_decode(1000.0) + 0.2 / h100_decode(4000.0)), rel=1e-12)
    late_chat, late_agent = h100_decode(1000.0 * 1.5**3, 8.0), h100_decode(4000.0 * 1.5**3, 8.0)
    assert chip_tokens_per_s(chip(), d, 36.0, 24.0) == pytest.approx(
        1.0 / (0.4 / late_chat + 0.6 / late_agent), rel=1e-12)


def test_no_agents_means_chat_even_when_agent_contexts_do_not_fit() -> None:
    """Agent contexts of 1e9 tokens need 64 x 1e9 x 1e5 bytes of KV: far beyond 4,096 chips'
    HBM, so an agent token cannot be served. With no agent share that does not matter; with
    any, the chip serves nothing (the mix cannot be met)."""
    d = demand(agent_context_tokens=1e9)
    assert chip_tokens_per_s(chip(), d, 6.0, 24.0) == pytest.approx(h100_decode(1000.0),
                                                                      rel=1e-12)
    d = demand(agent_context_tokens=1e9, agent_share_start=0.1, agent_share_end=0.1)
    assert chip_tokens_per_s(chip(), d, 6.0, 24.0) == 0.0


def test_eight_bit_precision_only_at_one_byte_or_less() -> None:
    """A100: 312 TFLOP/s BF16, no FP8, 624 INT8 TOPS. Prefill of 2 x 20e9 FLOP a token at 50%
    utilisation: 624e12 x 0.5 / 40e9 = 7,800 tokens/s at 1 byte a parameter, 3,900 at 2; the
    H100 at 1 byte uses its 1,979 FP8 TFLOP/s."""
    a100 = chip("A100")
    assert prefill_tokens_per_s(a100, demand(bytes_per_param=1.0), 1000.0, 1.0) == \
        pytest.approx(7800.0, rel=1e-13)
    assert prefill_tokens_per_s(a100, demand(bytes_per_param=2.0), 1000.0, 1.0) == \
        pytest.approx(3900.0, rel=1e-13)
    assert prefill_tokens_per_s(a100, demand(bytes_per_param=1.01), 1000.0, 1.0) == \
        pytest.approx(3900.0, rel=1e-13)
    assert prefill_tokens_per_s(chip(), demand(bytes_per_param=1.0), 1000.0, 1.0) == \
        pytest.approx(H100_FP8_PREFILL, rel=1e-13)


def test_the_largest_replica_is_4096_chips() -> None:
    """Weights alone (no KV cache) of 4,095.5 x 72 GB (90% of 80 GB) need 4,096 H100s: served,
    memory-bound at batch x bandwidth / weights read. 4,096.5 x 72 GB need 4,097: not served."""
    params = 4095.5 * 72e9
    d = demand(total_params=params, active_params=params, kv_bytes_per_token=0.0,
               decode_batch=1)
    assert roofline_tokens_per_s(chip(), d, 1000.0, 1.0) == pytest.approx(
        3350e9 * 0.8 / params, rel=1e-12)
    params = 4096.5 * 72e9
    d = demand(total_params=params, active_params=params, kv_bytes_per_token=0.0,
               decode_batch=1)
    assert roofline_tokens_per_s(chip(), d, 1000.0, 1.0) == 0.0


def test_a_chip_without_memory_bandwidth_decodes_nothing() -> None:
    c = chip()
    no_bandwidth = dataclasses.replace(c, attrs=dataclasses.replace(c.attrs,
                                                                   hbm_bandwidth_gb_s=0.0))
    assert roofline_tokens_per_s(no_bandwidth, demand(), 1000.0, 1.0) == 0.0
    assert chip_tokens_per_s(no_bandwidth, demand(output_share=0.5), 0.0, 24.0) == 0.0


def test_moe_weights_read_grow_with_the_batch_until_all_experts() -> None:
    """20B active of 200B at batch 4: 80e9 weight bytes a step, plus 4 x 1,000 x 1e5 of KV;
    per chip 4 x 3,350e9 x 0.8 / 80.4e9 = 133.33 tokens/s."""
    got = roofline_tokens_per_s(chip(), demand(decode_batch=4), 1000.0, 1.0)
    assert got == pytest.approx(4 * 3350e9 * 0.8 / 80.4e9, rel=1e-12)


def test_the_best_eight_bit_rate_or_bf16_when_there_is_none() -> None:
    """At 1 byte a parameter a chip serves at its best 8-bit rate: the B200's 4,500 FP8
    TFLOP/s (it lists no INT8), 4,500e12 x 0.5 / 40e9 = 56,250 tokens/s of prefill; a chip with
    BF16 only (an H100 without its FP8 and INT8) stays at 989e12 x 0.5 / 40e9 = 12,362.5."""
    assert prefill_tokens_per_s(chip("B200"), demand(), 1000.0, 1.0) == pytest.approx(
        56250.0, rel=1e-13)
    c = chip()
    bf16_only = dataclasses.replace(c, attrs=dataclasses.replace(c.attrs, fp8_tflops=0.0,
                                                                int8_tops=0.0))
    assert prefill_tokens_per_s(bf16_only, demand(), 1000.0, 1.0) == pytest.approx(
        12362.5, rel=1e-13)


def test_efficiency_multiplies_prefill_and_the_compute_bound() -> None:
    """Efficiency 2 doubles the prefill rate (2 x 24,737.5) and the compute-bound decode rate:
    a dense 1B model at batch 4,096 with 1e6 FLOP of attention per context token at 1,000
    tokens: 1,979e12 x 0.5 x 2 / (2e9 + 1e9) = 659,666.7 tokens/s (memory would allow
    2 x 4,096 x 2,680e9 / 5.096e9 = 4.3e6)."""
    assert prefill_tokens_per_s(chip(), demand(), 1000.0, 2.0) == pytest.approx(
        2 * H100_FP8_PREFILL, rel=1e-13)
    d = demand(active_params=1e9, total_params=1e9, kv_bytes_per_token=1e3, decode_batch=4096,
               attention_flop_per_context_token=1e6)
    assert roofline_tokens_per_s(chip(), d, 1000.0, 2.0) == pytest.approx(
        1979e12 * 0.5 * 2 / 3e9, rel=1e-13)


def test_two_byte_weights_are_read_twice_as_long() -> None:
    """BF16 weights (2 bytes): a step reads min(200e9, 20e9 x 64) x 2 = 400e9 bytes of weights
    plus 6.4e9 of KV: 64 x 3,350e9 x 0.8 / 406.4e9 = 422.05 tokens/s."""
    got = roofline_tokens_per_s(chip(), demand(bytes_per_param=2.0), 1000.0, 1.0)
    assert got == pytest.approx(BATCH_BANDWIDTH / 406.4e9, rel=1e-13)
    assert got == pytest.approx(422.05, abs=0.01)


def test_a_replica_of_exactly_4096_chips_is_served_and_a_hair_more_is_not() -> None:
    """Weights of exactly 4,096 x 72 GB: a replica of 4,096 chips, served. 1e-10 more needs a
    4,097th chip: not served. With KV cache and 2-byte weights: 2 x 144e12 (4,000 chips' worth)
    + 64 x 1,000 x 108e6 (96 chips' worth) = 4,096 chips, served; 1% more KV, not served."""
    def decode(total: float, **kw: float) -> float:
        d = demand(total_params=total, active_params=total, **kw)
        return roofline_tokens_per_s(chip(), d, 1000.0, 1.0)

    exact = 4096 * 72e9
    assert decode(exact, kv_bytes_per_token=0.0, decode_batch=1) == pytest.approx(
        3350e9 * 0.8 / exact, rel=1e-13)
    assert decode(exact * (1 + 1e-10), kv_bytes_per_token=0.0, decode_batch=1) == 0.0
    served = decode(144e12, bytes_per_param=2.0, kv_bytes_per_token=108e6)
    assert served == pytest.approx(BATCH_BANDWIDTH / (min(144e12, 64 * 144e12) * 2 + 64 * 108e9),
                                   rel=1e-13)
    assert decode(144e12, bytes_per_param=2.0, kv_bytes_per_token=108e6 * 1.01) == 0.0


def test_a_chip_without_memory_decodes_nothing_and_a_slow_one_a_little() -> None:
    """No HBM: nothing fits, 0 tokens/s. 1 GB/s of bandwidth: 64 x 1e9 x 0.8 / 206.4e9 =
    0.248 tokens/s, slow but not nothing."""
    c = chip()
    no_hbm = dataclasses.replace(c, attrs=dataclasses.replace(c.attrs, hbm_gb=0.0))
    assert roofline_tokens_per_s(no_hbm, demand(), 1000.0, 1.0) == 0.0
    slow = dataclasses.replace(c, attrs=dataclasses.replace(c.attrs, hbm_bandwidth_gb_s=1.0))
    expected = 64 * 1e9 * 0.8 / 206.4e9
    assert roofline_tokens_per_s(slow, demand(), 1000.0, 1.0) == pytest.approx(expected,
                                                                               rel=1e-13)
    assert chip_tokens_per_s(slow, demand(output_share=1.0), 0.0, 24.0) == pytest.approx(
        expected, rel=1e-13)


def test_a_very_slow_chip_still_serves_its_fraction_of_a_token() -> None:
    """Utilisation so low that prefill and compute-bound decode are both 0.5 tokens/s: the
    chip serves 0.5 tokens/s whatever the mix of prompt, generated, chat and agent tokens."""
    slow = chip(inference_utilisation=0.5 * 40e9 / 1979e12)
    d = demand(output_share=0.5, agent_share_start=0.5, agent_share_end=0.5,
               agent_context_tokens=2000.0)
    assert chip_tokens_per_s(slow, d, 3.0, 24.0) == pytest.approx(0.5, rel=1e-12)


def test_chat_contexts_that_do_not_fit_stop_the_mix() -> None:
    """Chat contexts of 1e9 tokens cannot be served; with half the tokens agent tokens the mix
    cannot be met: 0 tokens/s (not the agent rate)."""
    d = demand(context_tokens=1e9, agent_share_start=0.5, agent_share_end=0.5)
    assert chip_tokens_per_s(chip(), d, 3.0, 24.0) == 0.0


# -- inference: tokens served -------------------------------------------------------------------

def test_demand_exactly_at_capacity_is_met() -> None:
    """100 tokens/s against 60 + 40: all served, never unmet (not even by rounding)."""
    served = serve(Exponential(100.0, 0.0), 60.0, 40.0, 0.0, 1.0)
    assert served.served == pytest.approx(100.0 * SECONDS_PER_MONTH, rel=1e-12)
    assert served.first_unmet is None
    # half of it domestic-only, exactly the domestic capacity: met too
    served = serve(Exponential(100.0, 0.0), 50.0, 50.0, 0.5, 1.0)
    assert served.served == pytest.approx(100.0 * SECONDS_PER_MONTH, rel=1e-12)
    assert served.first_unmet is None


def test_overseas_capacity_binds_on_the_shared_part() -> None:
    """Demand 100, 30% domestic-only; domestic 50, other 40. Domestic need 30 <= 50, but the
    shared 70 exceeds 40 + the 20 domestic left: served 50 + 40 = 90 a second, unmet at once."""
    served = serve(Exponential(100.0, 0.0), 50.0, 40.0, 0.3, 2.0)
    assert served.served == pytest.approx(90.0 * 2 * SECONDS_PER_MONTH, rel=1e-12)
    assert served.demanded == pytest.approx(100.0 * 2 * SECONDS_PER_MONTH, rel=1e-12)
    assert served.first_unmet == 0.0


def test_falling_demand_becomes_met_part_way() -> None:
    """D = 200 e^{-t ln 2} on one month against 150 of capacity: unmet from t = 0 until
    D = 150 at t = log2(4/3) = 0.41504, then met. Served = 150 x 0.41504 + int_{0.41504}^1 D
    = 62.256 + (150 - 100) / ln 2 = 134.39 a month-second."""
    r = -math.log(2.0)
    cross = math.log2(4.0 / 3.0)
    expected = 150.0 * cross + (150.0 - 100.0) / math.log(2.0)
    assert expected == pytest.approx(134.39, abs=0.01)
    served = serve(Exponential(200.0, r), 100.0, 50.0, 0.0, 1.0)
    assert served.served == pytest.approx(expected * SECONDS_PER_MONTH, rel=1e-9)
    assert served.first_unmet == 0.0


def test_the_shared_part_outgrows_overseas_capacity() -> None:
    """Half the demand domestic-only; domestic 30, other 60. While D < 60 all is served; for
    60 < D < 120 the domestic half exceeds 30, so served = 30 + D / 2; above 120 the other half
    exceeds 60 too: 90. D = 100 x 1.4^t over a month crosses 120 at t* = ln 1.2 / ln 1.4 =
    0.5419: served = 30 t* + (1/2) int_0^t* D + 90 (1 - t*) = 87.208 a month-second, unmet
    from the start."""
    r = math.log(1.4)
    cross = math.log(1.2) / r
    expected = 30.0 * cross + 0.5 * 100.0 * (1.2 - 1.0) / r + 90.0 * (1.0 - cross)
    assert expected == pytest.approx(87.208, abs=1e-3)
    served = serve(Exponential(100.0, r), 30.0, 60.0, 0.5, 1.0)
    assert served.served == pytest.approx(expected * SECONDS_PER_MONTH, rel=1e-9)
    assert served.first_unmet == 0.0


def test_domestic_share_within_domestic_capacity_is_met() -> None:
    """D = 50 with 30% domestic-only: 15 <= domestic 20, and 50 <= 20 + 100: all met."""
    served = serve(Exponential(50.0, 0.0), 20.0, 100.0, 0.3, 1.0)
    assert served.served == pytest.approx(50.0 * SECONDS_PER_MONTH, rel=1e-12)
    assert served.first_unmet is None


@pytest.mark.parametrize("scale", [1.0, 1e-3])
def test_falling_demand_becomes_met_part_way_at_any_scale(scale: float) -> None:
    """As above, with demand and capacities in thousandths of a token a second: the same
    shape, scaled."""
    r = -math.log(2.0)
    cross = math.log2(4.0 / 3.0)
    expected = (150.0 * cross + (150.0 - 100.0) / math.log(2.0)) * scale
    served = serve(Exponential(200.0 * scale, r), 100.0 * scale, 50.0 * scale, 0.0, 1.0)
    assert served.served == pytest.approx(expected * SECONDS_PER_MONTH, rel=1e-9)


def test_no_time_serves_nothing() -> None:
    served = serve(Exponential(100.0, 0.0), 10.0, 10.0, 0.0, 0.0)
    assert (served.demanded, served.served, served.first_unmet) == (0.0, 0.0, None)



# -- allocation -----------------------------------------------------------------------------------

def _pool(kind: str, count: float, held: float = 0.0, name: str = "H100") -> Pool:
    p = Pool(f"{kind}-{name}", kind, chip(name), 0.0)
    p.add(Cohort(0.0, count, 1.0))
    p.held = held
    return p


def test_fixed_split_ignores_demand_and_yields_to_running_runs() -> None:
    """Share 0.3 for training: each pool gives 70% of its chips to inference, whatever the
    demand, but never chips a run holds: 100 chips with 50 held give min(50, 70) = 50; 100 with
    10 held give 70; 100 with 120 "held" (more than there are) give none."""
    a, b, c = _pool("domestic", 100.0, 50.0), _pool("leased", 100.0, 10.0), \
        _pool("overseas_owned", 100.0, 120.0)
    rates = {id(a): 10.0, id(b): 5.0, id(c): 1.0}
    capacity = allocate([a, b, c], rates, "fixed_split", 0.3, 0.0, 0.0)
    assert (a.inference, b.inference, c.inference) == pytest.approx((50.0, 70.0, 0.0))
    assert capacity == (pytest.approx(500.0), pytest.approx(350.0))


def test_inference_first_takes_every_free_chip_whatever_the_share() -> None:
    """Need 5,000 tokens/s at 10 a chip: inference_first takes all 80 free chips (20 held)."""
    a = _pool("domestic", 100.0, 20.0)
    allocate([a], {id(a): 10.0}, "inference_first", 0.3, 5000.0, 0.0)
    assert a.inference == pytest.approx(80.0)


def test_shared_demand_is_served_overseas_then_domestic_then_leased() -> None:
    """Three pools of 100 chips at 10 tokens/s each; shared need 1,500: overseas 100 chips
    (1,000), domestic 50 (500), the lease none."""
    lease, home, abroad = _pool("leased", 100.0), _pool("domestic", 100.0), \
        _pool("overseas_owned", 100.0)
    pools = [lease, home, abroad]
    rates = {id(p): 10.0 for p in pools}
    capacity = allocate(pools, rates, "inference_first", 0.0, 0.0, 1500.0)
    assert (abroad.inference, home.inference, lease.inference) == pytest.approx(
        (100.0, 50.0, 0.0))
    assert capacity == (pytest.approx(500.0), pytest.approx(1000.0))


def test_domestic_only_demand_is_served_by_domestic_pools_only() -> None:
    """Domestic-only need 1,500 with one domestic pool (100 x 10/s) and a big lease: the
    domestic pool gives all 100 chips (1,000), the lease nothing toward that need."""
    home, lease = _pool("domestic", 100.0), _pool("leased", 1000.0)
    rates = {id(home): 10.0, id(lease): 10.0}
    capacity = allocate([home, lease], rates, "inference_first", 0.0, 1500.0, 0.0)
    assert home.inference == pytest.approx(100.0)
    assert lease.inference == 0.0
    assert capacity == (pytest.approx(1000.0), 0.0)


def test_pools_better_at_inference_than_training_serve_first() -> None:
    """Two domestic pools at 10 tokens/s a chip: the A100 (312 TFLOP/s BF16) gives up less
    training per token than the H100 (989), so a need of 500 takes 50 A100s and no H100."""
    h100, a100 = _pool("domestic", 100.0, name="H100"), _pool("domestic", 100.0, name="A100")
    rates = {id(h100): 10.0, id(a100): 10.0}
    allocate([h100, a100], rates, "inference_first", 0.0, 500.0, 0.0)
    assert (a100.inference, h100.inference) == pytest.approx((50.0, 0.0))
    allocate([h100, a100], rates, "inference_first", 0.0, 0.0, 500.0)  # the shared need too
    assert (a100.inference, h100.inference) == pytest.approx((50.0, 0.0))


def test_a_pool_that_cannot_serve_is_skipped() -> None:
    """A pool whose chips serve 0 tokens/s gets no inference chips; the next one serves."""
    dead, live = _pool("domestic", 100.0), _pool("domestic", 100.0, name="A100")
    rates = {id(dead): 0.0, id(live): 10.0}
    capacity = allocate([dead, live], rates, "inference_first", 0.0, 300.0, 0.0)
    assert (dead.inference, live.inference) == pytest.approx((0.0, 30.0))
    assert capacity == (pytest.approx(300.0), 0.0)


def test_a_dead_pool_early_in_the_order_does_not_stop_the_others() -> None:
    """An overseas pool comes first for shared demand, but its chips serve nothing: the
    domestic pool after it still serves the need of 300 (30 chips)."""
    dead, home = _pool("overseas_owned", 100.0), _pool("domestic", 100.0)
    rates = {id(dead): 0.0, id(home): 10.0}
    capacity = allocate([dead, home], rates, "inference_first", 0.0, 0.0, 300.0)
    assert (dead.inference, home.inference) == pytest.approx((0.0, 30.0))
    assert capacity == (pytest.approx(300.0), 0.0)


def test_small_needs_and_slow_chips_are_served_too() -> None:
    """A need of 0.5 tokens/s from chips serving 0.25 tokens/s each: 2 chips; and a need of
    0.1 from chips at 10 a chip: 0.01 of a chip (counts are fluid)."""
    slow = _pool("domestic", 100.0)
    assert allocate([slow], {id(slow): 0.25}, "inference_first", 0.0, 0.5, 0.0) == (
        pytest.approx(0.5), 0.0)
    assert slow.inference == pytest.approx(2.0)
    fast = _pool("leased", 100.0)
    assert allocate([fast], {id(fast): 10.0}, "reserved_training", 0.3, 0.0, 0.1) == (
        0.0, pytest.approx(0.1))
    assert fast.inference == pytest.approx(0.01)


def test_allocate_starts_from_nothing() -> None:
    """Chips left serving from an earlier call are released when the demand is gone."""
    a = _pool("domestic", 100.0)
    a.inference = 60.0
    assert allocate([a], {id(a): 10.0}, "reserved_training", 0.3, 0.0, 0.0) == (0.0, 0.0)
    assert a.inference == 0.0


def test_top_up_needs_nothing_more_when_the_first_pass_met_demand() -> None:
    """Need 500 met by the reserved split (50 of 70 allowed chips): the top-up adds none."""
    a = _pool("domestic", 100.0)
    rates = {id(a): 10.0}
    allocate([a], rates, "work_conserving", 0.3, 500.0, 0.0)
    assert top_up([a], rates, 500.0, 0.0) == (pytest.approx(500.0), 0.0)
    assert a.inference == pytest.approx(50.0)


def test_top_up_of_shared_need_from_a_lease() -> None:
    """Shared need 900, one lease of 100 chips at 10/s, 30% reserved: the first pass gives 70
    chips (700), the top-up the 20 more the rest of the need asks for."""
    lease = _pool("leased", 100.0)
    rates = {id(lease): 10.0}
    assert allocate([lease], rates, "work_conserving", 0.3, 0.0, 900.0) == (
        0.0, pytest.approx(700.0))
    assert top_up([lease], rates, 0.0, 900.0) == (0.0, pytest.approx(900.0))
    assert lease.inference == pytest.approx(90.0)


# -- fleet ----------------------------------------------------------------------------------------

def _site(name: str, kind: str, mw: float) -> SiteInputs:
    """PUE 1.25 and 10% server overhead: an H100 (700 W) draws 962.5 W of facility power."""
    return SiteInputs(name, kind, mw, 1.25, 1.1, 0.08)


def test_pool_counts_cost_and_unit_cost() -> None:
    """10 chips at $20k and 30 at $40k: 40 chips, $1.4M, $35k a chip; keeping only the 30:
    $1.2M; an empty pool's unit cost is 0."""
    p = Pool("a", "domestic", chip(), 962.5)
    assert p.unit_cost_usd() == 0.0
    p.add(Cohort(0.0, 10.0, 20000.0))
    p.add(Cohort(1.0, 30.0, 40000.0))
    assert (p.count, p.cost_usd, p.unit_cost_usd()) == pytest.approx((40.0, 1.4e6, 35000.0))
    p.keep([p.cohorts[1]])
    assert (p.count, p.cost_usd, p.unit_cost_usd()) == pytest.approx((30.0, 1.2e6, 40000.0))
    half = Pool("b", "domestic", chip(), 962.5)
    half.add(Cohort(0.0, 0.5, 30000.0))  # half a chip (counts are fluid) at $30k a chip
    assert half.unit_cost_usd() == pytest.approx(30000.0)


def test_install_fills_sites_in_order_by_free_power() -> None:
    """Two domestic sites of 1 MW and 2 MW and an overseas one: 1 MW holds 1e6 / 962.5 =
    1,038.96 H100s. 2,500 chips: 1,038.96 in the first, 1,461.04 in the second; the overseas
    site takes none. Then the first site is full and 3,000 more fit only 616.88 (the rest of
    the 2 MW site: 2,077.92 - 1,461.04)."""
    fleet = Fleet((_site("a", "domestic", 1.0), _site("x", "overseas_owned", 5.0),
                   _site("b", "domestic", 2.0)))
    per_mw = 1e6 / 962.5
    h100 = chip()
    assert fleet.install(h100, "domestic", 2500.0, 30000.0, 3.0, purchased=True) == \
        pytest.approx(2500.0)
    assert fleet.pools[("a", "H100")].count == pytest.approx(per_mw)
    assert fleet.pools[("b", "H100")].count == pytest.approx(2500.0 - per_mw)
    assert ("x", "H100") not in fleet.pools
    assert fleet.used_mw("a") == pytest.approx(1.0)
    assert fleet.free_mw("b") == pytest.approx(2.0 - (2500.0 - per_mw) / per_mw)
    done = fleet.install(h100, "domestic", 3000.0, 30000.0, 4.0, purchased=False)
    assert done == pytest.approx(3 * per_mw - 2500.0)
    assert fleet.installed_purchased == pytest.approx(2500.0)  # the second lot was not bought
    assert fleet.pools[("b", "H100")].cohorts[-1].installed_month == 4.0


def test_waiting_batches_install_oldest_first_when_power_frees() -> None:
    """A full 1 MW site (1,038.96 chips) with 600 and then 700 chips waiting. Retiring 1,000
    chips frees room for 1,000: the first batch all, the second 400 of its 700."""
    fleet = Fleet((_site("a", "domestic", 1.0),))
    per_mw = 1e6 / 962.5
    fleet.install(chip(), "domestic", per_mw, 1.0, 0.0, purchased=True)
    fleet.inventory = [Batch(chip(), "domestic", 600.0, 2.0),
                       Batch(chip(), "domestic", 700.0, 3.0, purchased=False)]
    assert fleet.waiting() == pytest.approx(1300.0)
    pool = fleet.pools[("a", "H100")]
    pool.keep([Cohort(0.0, per_mw - 1000.0, 1.0)])
    fleet.install_waiting(5.0)
    assert fleet.waiting() == pytest.approx(300.0)
    assert [b.unit_cost_usd for b in fleet.inventory] == [3.0]
    assert [c.count for c in pool.cohorts[1:]] == pytest.approx([600.0, 400.0])
    assert fleet.installed_purchased == pytest.approx(per_mw + 600.0)


def test_failures_and_retirement() -> None:
    """10%/yr failures over the month before t = 10: a cohort installed at 0 loses
    1 - e^{-0.1/12} of its 1,000 chips (8.2988); one installed at 9.5 is exposed half a month
    (1 - e^{-0.05/12}: 4.1580 of 1,000); one installed at 10 none. Useful life 9.99 months
    retires the cohort installed at 0 (age 10), not the others. Leases neither fail nor
    retire."""
    c = chip(annual_failure_rate=0.1, useful_life_months=9.99)
    fleet = Fleet((_site("a", "domestic", 100.0),))
    pool = fleet.pool("a", "domestic", c, 962.5)
    for month in (0.0, 9.5, 10.0):
        pool.add(Cohort(month, 1000.0, 1.0))
    lease = fleet.add_lease("l", c, 500.0, 0.0)
    failed = fleet.fail_and_retire(1.0, 10.0)
    lost_old = 1000.0 * (1.0 - math.exp(-0.1 / 12.0))
    lost_half = 1000.0 * (1.0 - math.exp(-0.05 / 12.0))
    assert (lost_old, lost_half) == pytest.approx((8.2988, 4.1580), abs=1e-4)
    assert failed == {("H100", "domestic"): pytest.approx(lost_old + lost_half)}
    assert [co.installed_month for co in pool.cohorts] == [9.5, 10.0]
    assert pool.count == pytest.approx(2000.0 - lost_half)
    assert lease.count == 500.0
    assert lease.unit_cost_usd() == 0.0  # leased chips are rented, not owned
    assert fleet.retire_lease("l") is lease
    assert fleet.retire_lease("l") is None


def test_failures_of_one_chip_and_kind_add_up_over_sites() -> None:
    """1,000 H100s at each of two domestic sites, 12%/yr over a month: each loses
    1,000 (1 - e^{-0.01}) = 9.9502, together 19.9003 to replace."""
    c = chip(annual_failure_rate=0.12)
    fleet = Fleet((_site("a", "domestic", 10.0), _site("b", "domestic", 10.0)))
    fleet.pool("a", "domestic", c, 962.5).add(Cohort(0.0, 1000.0, 1.0))
    fleet.pool("b", "domestic", c, 962.5).add(Cohort(0.0, 1000.0, 1.0))
    failed = fleet.fail_and_retire(1.0, 1.0)
    assert failed == {("H100", "domestic"): pytest.approx(2000.0 * -math.expm1(-0.01))}
    assert failed[("H100", "domestic")] == pytest.approx(19.9003, abs=1e-4)


def test_a_chip_that_never_fails_reports_no_failures() -> None:
    c = chip(annual_failure_rate=0.0)
    fleet = Fleet((_site("a", "domestic", 100.0),))
    fleet.pool("a", "domestic", c, 962.5).add(Cohort(0.0, 1000.0, 1.0))
    assert fleet.fail_and_retire(1.0, 10.0) == {}
    assert fleet.pools[("a", "H100")].count == 1000.0


# -- ledger ---------------------------------------------------------------------------------------

def test_commits_spend_the_oldest_money_first() -> None:
    """$100 released in month 0, $50 in month 2. Committing $100 uses up month 0's money
    exactly, so moving everything released by month 1 moves nothing; committing $30 more
    leaves $20 of month 2, all of which a transfer of month-2 money moves."""
    ledger = Ledger()
    ledger.release("chips", 100.0, 0.0)
    ledger.release("chips", 50.0, 2.0)
    ledger.commit("chips", 100.0)
    assert ledger.transfer("chips", "leases", 1.0, 1.0) == 0.0
    ledger.commit("chips", 30.0)
    assert ledger.available("chips") == pytest.approx(20.0)
    assert ledger.transfer("chips", "datacenter", 2.0, 1.0) == pytest.approx(20.0)
    assert ledger.available("chips") == 0.0
    assert ledger.available("datacenter") == pytest.approx(20.0)
    ledger.check()


def test_a_transfer_keeps_the_vintage_and_the_order() -> None:
    """Leases already hold month-3 money ($10); chips move month-1 money ($40, share 0.25 of
    $160) to leases. Spending $45 of leases then takes the month-1 $40 before month 3's."""
    ledger = Ledger()
    ledger.release("leases", 10.0, 3.0)
    ledger.release("chips", 160.0, 1.0)
    assert ledger.transfer("chips", "leases", 1.0, 0.25) == pytest.approx(40.0)
    a = ledger.accounts
    assert (a["chips"].transferred_out, a["leases"].transferred_in) == pytest.approx((40.0, 40.0))
    assert ledger.available("chips") == pytest.approx(120.0)
    assert ledger.available("leases") == pytest.approx(50.0)
    ledger.commit("leases", 45.0)
    # what is left of leases is $5 of month 3: a transfer of month <= 2 money finds none
    assert ledger.transfer("leases", "chips", 2.0, 1.0) == 0.0
    assert ledger.transfer("leases", "chips", 3.0, 1.0) == pytest.approx(5.0)
    ledger.check()


def test_money_released_just_after_the_cutoff_stays() -> None:
    ledger = Ledger()
    ledger.release("chips", 10.0, 5.0)
    ledger.release("chips", 20.0, 5.001)
    assert ledger.transfer("chips", "leases", 5.0, 1.0) == pytest.approx(10.0)
    assert ledger.available("chips") == pytest.approx(20.0)


def test_commit_may_take_all_available_but_not_more() -> None:
    """Dust of a millionth of a dollar is absorbed; a dollar over, or a negative amount, is a
    ledger error; settling or cancelling more than was committed likewise."""
    ledger = Ledger()
    ledger.release("chips", 1000.0)
    ledger.commit("chips", 1000.0 + 1e-7)
    assert ledger.available("chips") == 0.0
    ledger.release("chips", 1000.0)
    with pytest.raises(LedgerError):
        ledger.commit("chips", 1001.0)
    with pytest.raises(LedgerError):
        ledger.commit("chips", -1.0)
    with pytest.raises(LedgerError):
        ledger.settle("chips", 1001.0)
    with pytest.raises(LedgerError):
        ledger.cancel("chips", -1.0, 0.5)
    ledger.settle("chips", 1000.0)
    assert ledger.total("committed") == pytest.approx(0.0, abs=1e-6)
    assert ledger.total("spent") == pytest.approx(1000.0)


def test_cancelling_refunds_a_fraction_and_loses_the_rest() -> None:
    """$80 committed, $60 of it cancelled at 30% refund: $18 refunded, $42 lost; $20 stays
    committed; then a lapse moves the $20 never committed to lapsed."""
    ledger = Ledger()
    ledger.release("datacenter", 100.0)
    ledger.commit("datacenter", 80.0)
    assert ledger.cancel("datacenter", 60.0, 0.3) == pytest.approx(42.0)
    a = ledger.accounts["datacenter"]
    assert (a.refunded, a.lost, a.committed) == pytest.approx((18.0, 42.0, 20.0))
    ledger.lapse()
    assert (a.lapsed, a.available) == pytest.approx((20.0, 0.0))
    assert ledger.total("unspent") == pytest.approx(20.0)
    assert ledger.total("lost") == pytest.approx(42.0)
    ledger.check()


def test_a_transfer_moves_every_old_enough_vintage() -> None:
    """$30 from month 0 and $50 from month 1, none spent: moving money of month 1 or older
    moves both, $80, into the target with their months."""
    ledger = Ledger()
    ledger.release("chips", 30.0)  # month 0 unless said otherwise
    ledger.release("chips", 50.0, 1.0)
    assert ledger.transfer("chips", "leases", 1.0, 1.0) == pytest.approx(80.0)
    assert ledger.transfer("leases", "datacenter", 0.0, 1.0) == pytest.approx(30.0)
    ledger.check()


def test_small_commits_and_shares_keep_the_vintages_in_step() -> None:
    """Committing 50 cents, or moving 99.9% of a vintage (leaving 10 cents), keeps the
    vintages equal to the available money: the check passes and the cents can still move."""
    ledger = Ledger()
    ledger.release("chips", 100.0)
    ledger.commit("chips", 0.5)
    ledger.check()
    assert ledger.transfer("chips", "leases", 0.0, 0.999) == pytest.approx(99.4005)
    ledger.check()
    assert ledger.transfer("chips", "leases", 0.0, 1.0) == pytest.approx(0.0995)
    ledger.commit("leases", 0.0)  # a zero commit is allowed
    ledger.check()


def test_dust_on_a_billion_is_absorbed() -> None:
    """Floating-point dust of $0.0001 on $1e9 balances is within the tolerance
    (1e-6 x the amount) for commits and settlements."""
    ledger = Ledger()
    ledger.release("chips", 1e9)
    ledger.commit("chips", 1e9 + 1e-4)
    ledger.settle("chips", 1e9 + 2e-4)
    assert ledger.total("spent") == pytest.approx(1e9)


def test_lapses_accumulate() -> None:
    """$100 lapses at one month end and $50 at the next: $150 lapsed, all unspent."""
    ledger = Ledger()
    ledger.release("leases", 100.0)
    ledger.lapse()
    ledger.release("leases", 50.0, 1.0)
    ledger.lapse()
    assert ledger.accounts["leases"].lapsed == pytest.approx(150.0)
    assert ledger.total("unspent") == pytest.approx(150.0)
    ledger.check()


def test_ledger_errors_say_what_broke() -> None:
    ledger = Ledger()
    ledger.release("chips", 10.0)
    with pytest.raises(LedgerError, match=r"commit 11\.00 > available 10\.00"):
        ledger.commit("chips", 11.0)
    with pytest.raises(LedgerError, match=r"settle/cancel 1\.00 > committed 0\.00"):
        ledger.settle("chips", 1.0)


def test_a_big_ledger_with_awkward_fractions_passes_its_check() -> None:
    """Two years of $10B/3, $10B/7 and $10B/11 a month, committed, moved, settled, cancelled
    and lapsed by thirds, sevenths and thirteenths: floating-point dust of ~1e-5 dollars on
    ~1e11 is not an imbalance (the tolerance is relative to the balances)."""
    ledger = Ledger()
    for m in range(24):
        ledger.release("chips", 1e10 / 3, float(m))
        ledger.release("datacenter", 1e10 / 7, float(m))
        ledger.release("leases", 1e10 / 11, float(m))
        ledger.commit("chips", ledger.available("chips") / 7 * 3)
        ledger.transfer("datacenter", "leases", m - 2, 1 / 3)
        ledger.transfer("leases", "chips", m - 1, 1 / 7)
        committed = ledger.accounts["chips"].committed
        ledger.settle("chips", committed / 3)
        ledger.cancel("chips", committed / 9, 1 / 3)
        ledger.commit("leases", ledger.available("leases") / 13)
        if m % 5 == 4:
            ledger.lapse()
    ledger.check()
    released = 24 * 1e10 * (1 / 3 + 1 / 7 + 1 / 11)
    parts = sum(ledger.total(state) for state in ("spent", "committed", "refunded", "lost",
                                                    "unspent"))
    assert parts == pytest.approx(released, rel=1e-12)


@pytest.mark.parametrize("broken", ["spent", "vintage", "negative"])
def test_the_check_finds_each_kind_of_imbalance(broken: str) -> None:
    ledger = Ledger()
    ledger.release("chips", 100.0)
    ledger.commit("chips", 40.0)
    ledger.check()
    a = ledger.accounts["chips"]
    if broken == "spent":  # money from nowhere
        a.spent += 1.0
    elif broken == "vintage":  # available money no vintage accounts for
        a.vintages[0][1] += 1.0
    else:  # a negative balance that still adds up
        a.lost -= 1.0
        a.spent += 1.0
    message = {"spent": "chips: released 100.00 != parts 101.00",
               "vintage": "chips: vintages 61.00 != available 60.00",
               "negative": "chips: lost is negative"}[broken]
    with pytest.raises(LedgerError, match=re.escape(message)):
        ledger.check()


def test_the_check_finds_money_moved_from_nowhere() -> None:
    ledger = Ledger()
    ledger.release("chips", 100.0)
    ledger.accounts["leases"].transferred_in += 5.0
    ledger.accounts["leases"].available += 5.0
    ledger.accounts["leases"].vintages.append([0.0, 5.0])
    with pytest.raises(LedgerError, match=re.escape("transfers in 5.00 != out 0.00")):
        ledger.check()


# -- demand ---------------------------------------------------------------------------------------

def test_exponential_segment_integral_and_crossing() -> None:
    """D = 10 e^{0.5 tau}: int_1^3 = 20 (e^{1.5} - e^{0.5}) = 56.66; D = 40 at tau = 2 ln 4."""
    seg = Exponential(10.0, 0.5)
    assert seg.integral(1.0, 3.0) == pytest.approx(20.0 * (math.exp(1.5) - math.exp(0.5)),
                                                   rel=1e-12)
    assert seg.crossing(40.0) == pytest.approx(2.0 * math.log(4.0), rel=1e-12)
    assert Exponential(10.0, 0.0).crossing(10.0) is None  # flat: never crosses
    assert Exponential(0.0, 0.5).crossing(10.0) is None
    assert seg.crossing(0.0) is None


def test_exponential_segment_with_a_tiny_rate_integrates_exactly() -> None:
    """r = 1e-10 over 2 months: 10 x 2 x (1 + 1e-10) to double precision."""
    seg = Exponential(10.0, 1e-10)
    assert seg.integral(0.0, 2.0) == pytest.approx(20.0 * (1.0 + 1e-10), rel=1e-15)
    assert Exponential(10.0, 0.0).integral(1.0, 4.0) == pytest.approx(30.0, rel=1e-15)


def test_logistic_segment_integral() -> None:
    """k = 100, a = 3, r = ln 3: int_0^1 = 100 (1 + (ln(1 + 1) - ln(1 + 3)) / ln 3)
    = 100 (1 - ln 2 / ln 3) = 36.907."""
    seg = Logistic(100.0, 3.0, math.log(3.0))
    expected = 100.0 * (1.0 - math.log(2.0) / math.log(3.0))
    assert expected == pytest.approx(36.907, abs=1e-3)
    assert seg.integral(0.0, 1.0) == pytest.approx(expected, rel=1e-12)


def test_logistic_segment_with_a_tiny_rate_is_flat() -> None:
    """r = 1e-12: D is k / (1 + a) = 25 throughout, so int over 2 months = 50."""
    seg = Logistic(100.0, 3.0, 1e-12)
    assert seg.integral(0.0, 2.0) == pytest.approx(50.0, rel=1e-9)


def test_logistic_crossings_that_never_happen() -> None:
    """At the ceiling (a = 0) D never moves; above the ceiling (a < 0) D falls toward k, so
    it crosses 150 (from 200) but never 50; a non-positive level is never crossed."""
    assert Logistic(100.0, 0.0, 0.1).crossing(100.0) is None
    falling = Logistic(100.0, -0.5, math.log(2.0))  # D(0) = 200, D(1) = 100 / 0.75
    assert falling.at(0.0) == pytest.approx(200.0)
    # 150 = 100 / (1 - 0.5 e^{-r t}): e^{-r t} = 2/3, t = log2(1.5)
    assert falling.crossing(150.0) == pytest.approx(math.log2(1.5), rel=1e-12)
    assert falling.crossing(50.0) is None
    assert falling.crossing(0.0) is None


def test_noise_of_months_before_and_after_the_drawn_ones() -> None:
    """Noise drawn for months 0..2; a month before uses month 0's, one after month 2's."""
    path = DemandPath(demand(tokens_per_day=86400.0), np.array([1.5, 2.0, 0.5]))
    assert path.noise(-1) == 1.5
    assert path.noise(7) == 0.5
    assert DemandPath(demand()).noise(3) == 1.0


def test_a_time_a_hair_before_a_month_start_belongs_to_the_new_month() -> None:
    """Event times can land a rounding error before a month start: t = 1 - 1e-12 uses month
    1's noise (2.0), t = 0.999 month 0's (1.5)."""
    import numpy as np

    path = DemandPath(demand(tokens_per_day=86400.0), np.array([1.5, 2.0, 0.5]))
    assert path.at(1.0 - 1e-12) == pytest.approx(2.0)
    assert path.at(0.999) == pytest.approx(1.5)


def test_a_logistic_tail_with_noise() -> None:
    """Start 100 tokens/s, ceiling 400, x2 a year, noise 3 in month 1: at t = 1.5 the smooth
    level is 400 / (1 + 3 x 2^{-1.5/12}) = 106.9; with noise 320.8."""
    import numpy as np

    d = demand(tokens_per_day=100.0 * 86400, growth_per_year=2.0,
               ceiling_tokens_per_day=400.0 * 86400)
    path = DemandPath(d, np.array([1.0, 3.0, 1.0]))
    smooth = 400.0 / (1.0 + 3.0 * 2.0 ** (-1.5 / 12.0))
    assert path.at(1.5) == pytest.approx(3.0 * smooth, rel=1e-12)
    seg = path.segment(1.5)
    later = 400.0 / (1.0 + 3.0 * 2.0 ** (-1.75 / 12.0))
    assert seg.at(0.25) == pytest.approx(3.0 * later, rel=1e-12)
    assert path.month_end(0) == pytest.approx(400.0 / (1.0 + 3.0 * 2.0 ** (-1.0 / 12.0)))


def test_a_ceiling_without_growth_keeps_the_level() -> None:
    """Growth x1 a year with a ceiling: the tail stays flat at the last level (no logistic
    with a zero rate); a falling demand (x0.5 a year) falls exponentially below any ceiling."""
    d = demand(tokens_per_day=100.0 * 86400, growth_per_year=1.0,
               ceiling_tokens_per_day=400.0 * 86400)
    assert DemandPath(d).at(30.0) == pytest.approx(100.0, rel=1e-12)
    d = demand(tokens_per_day=100.0 * 86400, growth_per_year=0.5,
               ceiling_tokens_per_day=400.0 * 86400)
    assert DemandPath(d).at(24.0) == pytest.approx(25.0, rel=1e-12)


def test_crossings_of_small_levels() -> None:
    """Levels and demands below one token a second cross like any other: 0.5 e^t reaches 0.8
    at ln 1.6; 1 / (1 + 3 e^{-t ln 3}) reaches 0.5 at t = 1, and never its ceiling 1."""
    assert Exponential(0.5, 1.0).crossing(0.8) == pytest.approx(math.log(1.6), rel=1e-12)
    small = Logistic(1.0, 3.0, math.log(3.0))
    assert small.crossing(0.5) == pytest.approx(1.0, rel=1e-12)
    assert small.crossing(1.0) is None
    assert Logistic(100.0, 3.0, math.log(3.0)).crossing(100.0) is None


def test_logistic_integral_away_from_zero() -> None:
    """k = 100, a = 3, r = ln 3 from 1 to 2: 100 (1 + (ln(1 + 1/3) - ln 2) / ln 3) = 63.093."""
    seg = Logistic(100.0, 3.0, math.log(3.0))
    expected = 100.0 * (1.0 + (math.log(4.0 / 3.0) - math.log(2.0)) / math.log(3.0))
    assert expected == pytest.approx(63.093, abs=1e-3)
    assert seg.integral(1.0, 2.0) == pytest.approx(expected, rel=1e-12)


def test_logistic_integral_over_a_long_span_with_a_slow_rate() -> None:
    """r = 1e-4 over 1e5 months (r x span = 10, far from flat): the closed form
    100 (1e5 + (ln(1 + 3 e^{-10}) - ln 4) / 1e-4) = 8,613,841.8."""
    expected = 100.0 * (1e5 + (math.log1p(3.0 * math.exp(-10.0)) - math.log(4.0)) / 1e-4)
    assert expected == pytest.approx(8_613_841.8, abs=0.1)
    assert Logistic(100.0, 3.0, 1e-4).integral(0.0, 1e5) == pytest.approx(expected, rel=1e-9)


def test_logistic_integral_far_out_with_a_tiny_rate() -> None:
    """r = 1e-9 over one month starting at month 1e6 (r x span = 1e-9: flat to 1e-18): the
    level there, 100 / (1 + 3 e^{-(1e6 + 0.5) 1e-9}) = 25.0188 (not 25, the level at 0)."""
    level = 100.0 / (1.0 + 3.0 * math.exp(-(1e6 + 0.5) * 1e-9))
    assert level == pytest.approx(25.0188, abs=1e-4)
    seg = Logistic(100.0, 3.0, 1e-9)
    assert seg.integral(1e6, 1e6 + 1.0) == pytest.approx(level, rel=1e-12)


def test_a_segment_starting_on_a_path_point_follows_the_next_piece() -> None:
    """Points 60T (month 0), 120T (month 2), 180T (month 5): from month 2 demand grows by
    1.5^(1/3) a month, so one month later it is 120T x 1.5^(1/3) = 137.37T a day."""
    d = demand(tokens_per_day=60e12, growth_per_year=3.0, path=((2.0, 120e12), (5.0, 180e12)))
    seg = DemandPath(d).segment(2.0)
    assert seg.at(1.0) * 86400 == pytest.approx(120e12 * 1.5 ** (1 / 3), rel=1e-12)


def test_a_flat_tail_under_a_ceiling_never_crosses() -> None:
    d = demand(tokens_per_day=100.0 * 86400, growth_per_year=1.0,
               ceiling_tokens_per_day=400.0 * 86400)
    seg = DemandPath(d).segment(30.0)
    assert seg.crossing(50.0) is None
    assert seg.crossing(200.0) is None
    assert seg.integral(0.0, 1.0) == pytest.approx(100.0, rel=1e-12)


def test_noise_changes_exactly_at_the_month_start() -> None:
    path = DemandPath(demand(tokens_per_day=86400.0), np.array([1.5, 2.0, 0.5]))
    assert path.at(1.0) == pytest.approx(2.0)
    assert path.at(2.0) == pytest.approx(0.5)
