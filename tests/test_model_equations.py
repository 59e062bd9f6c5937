"""Unit tests for the model's equations, each against a number worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from sim.catalog.chips import chip_attributes
from sim.model.demand import DemandPath, Exponential, Logistic
from sim.model.inference import (
    SECONDS_PER_MONTH,
    prefill_tokens_per_s,
    roofline_tokens_per_s,
    serve,
)
from sim.model.inputs import ChipInputs, DemandInputs
from sim.model.ledger import Ledger, LedgerError
from sim.model.procurement import memory_ratio, unit_price
from sim.model.training import cluster_flops, goodput, mfu


def chip(name: str = "H100", **market: float) -> ChipInputs:
    values = {"price_usd": 30000.0, "memory_share": 0.0, "server_multiplier": 1.6,
              "price_trend_per_year": 0.0, "supply_per_quarter": 1e5,
              "premium_supply_multiplier": 1.0, "supply_price_elasticity": 1.0,
              "lead_time_months": 3.0,
              "available_from_month": -math.inf, "annual_failure_rate": 0.05,
              "useful_life_months": 60.0, "training_mfu": 0.4, "mfu_loss_per_doubling": 0.0,
              "inference_utilisation": 0.5, "decode_bandwidth_efficiency": 0.8}
    values.update(market)
    attrs = chip_attributes(name)
    return ChipInputs(name=name, attrs=attrs, domestic=attrs.vendor_country == "CN",
                      **values)  # type: ignore[arg-type]


def demand(**kw: float) -> DemandInputs:
    values = {"tokens_per_day": 8.64e12, "output_share": 1.0, "growth_per_year": 1.0,
              "agent_share_start": 0.0, "agent_share_end": 0.0, "context_tokens": 1000.0,
              "agent_context_tokens": 1000.0, "context_growth_per_year": 1.0,
              "efficiency_gain_per_year": 1.0, "domestic_only_share": 0.0,
              "active_params": 20e9, "total_params": 200e9, "bytes_per_param": 1.0,
              "kv_bytes_per_token": 1e5, "attention_flop_per_context_token": 0.0,
              "decode_batch": 64}
    values.update(kw)
    return DemandInputs(**values)  # type: ignore[arg-type]


def test_decode_roofline_by_hand() -> None:
    """H100, 200B-total / 20B-active MoE in FP8, batch 64 at 1,000 tokens of context:
    weights read per step = min(200e9, 20e9 x 64) = 200e9 bytes; KV = 64 x 1000 x 1e5 = 6.4e9;
    per chip 64 x 3350e9 x 0.8 / 206.4e9 = 831.0 tokens/s. Compute bound: 1979e12 x 0.5 /
    40e9 = 24,737 tokens/s, so memory binds."""
    assert roofline_tokens_per_s(chip(), demand(), 1000.0, 1.0) == pytest.approx(
        64 * 3350e9 * 0.8 / 206.4e9)


def test_compute_bound_when_the_batch_is_large_enough() -> None:
    """A dense 1B model at batch 4096: bytes per step 1e9 + 4096 x 1000 x 1e3 = 5.1e9; memory
    bound 4096 x 2680e9 / 5.096e9 = 2.15e6; compute 1979e12 x 0.5 / 2e9 = 494,750 tokens/s."""
    d = demand(active_params=1e9, total_params=1e9, kv_bytes_per_token=1e3, decode_batch=4096)
    assert roofline_tokens_per_s(chip(), d, 1000.0, 1.0) == pytest.approx(1979e12 * 0.5 / 2e9)


def test_prefill_is_compute_bound() -> None:
    d = demand(attention_flop_per_context_token=1e6)
    expected = 1979e12 * 0.5 / (40e9 + 1e6 * 1000 / 2)
    assert prefill_tokens_per_s(chip(), d, 1000.0, 1.0) == pytest.approx(expected)


def test_efficiency_scales_throughput() -> None:
    base = roofline_tokens_per_s(chip(), demand(), 1000.0, 1.0)
    assert roofline_tokens_per_s(chip(), demand(), 1000.0, 2.0) == pytest.approx(2 * base)


def test_serve_constant_demand_below_capacity() -> None:
    served = serve(Exponential(100.0, 0.0), 60.0, 60.0, 0.0, 2.0)
    assert served.demanded == pytest.approx(100.0 * 2 * SECONDS_PER_MONTH)
    assert served.served == pytest.approx(served.demanded)
    assert served.first_unmet is None


def test_serve_domestic_share_binds() -> None:
    """Half the demand must be served at home: Cd = 30 < 50, so 30 + min(50, 100) = 80."""
    served = serve(Exponential(100.0, 0.0), 30.0, 100.0, 0.5, 1.0)
    assert served.served == pytest.approx(80.0 * SECONDS_PER_MONTH)
    assert served.first_unmet == 0.0


def test_serve_growing_demand_crossing_capacity() -> None:
    """D = 50 e^{t ln 4}: crosses 100 at t = 0.5. Served = int_0^.5 D + 100 x 0.5."""
    r = math.log(4.0)
    served = serve(Exponential(50.0, r), 100.0, 0.0, 0.0, 1.0)
    below = 50.0 * (math.exp(r * 0.5) - 1.0) / r
    assert served.served == pytest.approx((below + 50.0) * SECONDS_PER_MONTH)
    assert served.demanded == pytest.approx(50.0 * (4.0 - 1.0) / r * SECONDS_PER_MONTH)
    assert served.first_unmet == pytest.approx(0.5)


capacities = st.one_of(st.just(0.0), st.floats(1e-3, 1e9))


@given(d0=st.floats(1.0, 1e9), rate=st.floats(-0.5, 0.5), cd=capacities, co=capacities,
       share=st.floats(0.0, 1.0), months=st.floats(0.01, 3.0))
# a subnormal capacity: level / d0 underflowed to 0 and math.log raised (issue 13)
@example(d0=11839999.99956, rate=0.1783, cd=3.95243e-319, co=0.0, share=0.0, months=1.0)
@example(d0=1.0, rate=0.5, cd=5e-324, co=5e-324, share=0.5, months=1.0)
def test_serve_matches_numeric_integration(d0: float, rate: float, cd: float, co: float,
                                           share: float, months: float) -> None:
    t = np.linspace(0.0, months, 20001)
    d = d0 * np.exp(rate * t)
    inst = np.where(share * d <= cd, np.minimum(d, cd + co), cd + np.minimum((1 - share) * d, co))
    numeric = np.trapezoid(inst, t) * SECONDS_PER_MONTH
    served = serve(Exponential(d0, rate), cd, co, share, months)
    assert served.served == pytest.approx(numeric, rel=1e-5, abs=1e-3)
    assert served.served <= served.demanded * (1 + 1e-12)
    assert served.served <= (cd + co) * months * SECONDS_PER_MONTH * (1 + 1e-9) + 1e-9


@given(k=st.floats(1.0, 1e9), a=st.floats(-0.9, 1e3), rate=st.floats(1e-3, 0.5),
       cd=capacities, co=capacities, share=st.floats(0.0, 1.0), months=st.floats(0.01, 3.0))
def test_serve_logistic_demand_matches_numeric_integration(
        k: float, a: float, rate: float, cd: float, co: float, share: float,
        months: float) -> None:
    t = np.linspace(0.0, months, 20001)
    d = k / (1.0 + a * np.exp(-rate * t))
    inst = np.where(share * d <= cd, np.minimum(d, cd + co), cd + np.minimum((1 - share) * d, co))
    served = serve(Logistic(k, a, rate), cd, co, share, months)
    assert served.served == pytest.approx(np.trapezoid(inst, t) * SECONDS_PER_MONTH,
                                          rel=1e-5, abs=1e-3)
    assert served.demanded == pytest.approx(np.trapezoid(d, t) * SECONDS_PER_MONTH, rel=1e-6)


def test_logistic_crossing_by_hand() -> None:
    """k = 100, a = 3, r = ln 3: D(0) = 25, and D = 50 when 3 e^{-r t} = 1, at t = 1."""
    seg = Logistic(100.0, 3.0, math.log(3.0))
    assert seg.at(0.0) == pytest.approx(25.0)
    assert seg.crossing(50.0) == pytest.approx(1.0)
    assert seg.crossing(150.0) is None  # never above the ceiling


def test_mfu_falls_per_doubling_above_the_reference() -> None:
    c = chip(mfu_loss_per_doubling=0.1)
    assert mfu(c, 1024, 1024) == pytest.approx(0.4)
    assert mfu(c, 512, 1024) == pytest.approx(0.4)
    assert mfu(c, 4096, 1024) == pytest.approx(0.4 * 0.9**2)


def test_goodput_and_cluster_flops() -> None:
    """8,766 chips at 10%/yr fail 0.1 times an hour; at 2 h each goodput is 1/1.2."""
    c = chip(annual_failure_rate=0.1)
    assert goodput(c, 8766, 2.0) == pytest.approx(1 / 1.2)
    assert cluster_flops(c, 8766, 8766, 2.0) == pytest.approx(8766 * 989e12 * 0.4 / 1.2)


def test_unit_price_with_memory_and_trend() -> None:
    """30% memory: index 1 -> 2 over 12 months doubles that part; logic falls 10%/yr:
    30000 x (0.7 x 0.9 + 0.3 x 2) = 36,900 at month 12."""
    c = chip(memory_share=0.3, price_trend_per_year=-0.1)
    points = ((0.0, 1.0), (12.0, 2.0))
    assert memory_ratio(points, 6.0) == pytest.approx(1.5)
    assert memory_ratio(points, 30.0) == pytest.approx(2.0)
    assert unit_price(c, 12.0, points) == pytest.approx(36900.0)


def test_ledger_conserves_and_refuses_overdraft() -> None:
    ledger = Ledger()
    ledger.release("chips", 100.0)
    ledger.commit("chips", 60.0)
    ledger.settle("chips", 20.0)
    lost = ledger.cancel("chips", 40.0, 0.75)
    assert lost == pytest.approx(10.0)
    ledger.check()
    assert ledger.total("spent") == 20.0
    assert ledger.total("refunded") == 30.0
    assert ledger.total("unspent") == 40.0
    with pytest.raises(LedgerError):
        ledger.commit("chips", 50.0)
    ledger.lapse()
    assert ledger.total("unspent") == 40.0
    assert ledger.available("chips") == 0.0


def test_ledger_transfers_money_by_vintage() -> None:
    """Chip money of months 0 and 1 ($100 each); $30 spent (oldest first); moving what was
    released at or before month 0 takes its remaining $70, and half of it with share 0.5."""
    ledger = Ledger()
    ledger.release("chips", 100.0, 0.0)
    ledger.release("chips", 100.0, 1.0)
    ledger.commit("chips", 30.0)
    assert ledger.transfer("chips", "leases", 0.0, 0.5) == pytest.approx(35.0)
    assert ledger.transfer("chips", "leases", 0.0, 1.0) == pytest.approx(35.0)
    assert ledger.transfer("chips", "leases", 0.0, 1.0) == 0.0
    ledger.check()
    assert ledger.available("chips") == pytest.approx(100.0)
    assert ledger.available("leases") == pytest.approx(70.0)
    assert ledger.total("unspent") == pytest.approx(170.0)
    ledger.commit("leases", 70.0)
    ledger.accounts["leases"].transferred_in += 1.0  # a transfer from nowhere breaks it
    with pytest.raises(LedgerError):
        ledger.check()


def test_demand_path_is_log_linear_between_points_then_grows() -> None:
    """60T at the start, 120T at month 2, 180T at month 5, then x3 a year."""
    d = demand(tokens_per_day=60e12, growth_per_year=3.0, path=((2.0, 120e12), (5.0, 180e12)))
    path = DemandPath(d)
    per_day = [path.at(t) * 86400 for t in (0.0, 1.0, 2.0, 5.0, 17.0)]
    assert per_day == pytest.approx([60e12, 60e12 * 2**0.5, 120e12, 180e12, 540e12])
    assert path.segment(3.0).rate == pytest.approx(math.log(1.5) / 3)  # type: ignore[attr-defined]
    assert path.segment(9.0).rate == pytest.approx(math.log(3.0) / 12)  # type: ignore[attr-defined]
    assert path.month_end(4) * 86400 == pytest.approx(180e12)


def test_demand_saturates_toward_the_ceiling() -> None:
    """180T at month 5, ceiling 900T, x3 a year: A = (900 - 180) / 180 = 4, so 12 months
    later D = 900 / (1 + 4 / 3) = 385.71T; far out it approaches 900T."""
    d = demand(tokens_per_day=60e12, growth_per_year=3.0, path=((5.0, 180e12),),
               ceiling_tokens_per_day=900e12)
    path = DemandPath(d)
    assert path.at(5.0) * 86400 == pytest.approx(180e12)
    assert path.at(17.0) * 86400 == pytest.approx(900e12 / (1 + 4 / 3))
    assert path.at(600.0) * 86400 == pytest.approx(900e12, rel=1e-9)
    seg = path.segment(10.0)  # the tail seen from month 10 starts where the curve is then
    assert seg.at(2.0) == pytest.approx(path.at(12.0))


def test_demand_noise_multiplies_each_month() -> None:
    d = demand(tokens_per_day=86400.0, growth_per_year=1.0)
    noise = np.array([1.0, 2.0, 0.5])
    path = DemandPath(d, noise)
    assert [path.at(t) for t in (0.0, 1.5, 2.2)] == pytest.approx([1.0, 2.0, 0.5])
    assert path.month_end(1) == pytest.approx(2.0)
    assert path.segment(1.25).integral(0.0, 0.5) == pytest.approx(1.0)
