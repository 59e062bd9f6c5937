"""The model against published training runs (DESIGN.md section 5), through the whole engine.

MFU is an input, so these checks test that FLOP, chips, peak FLOP/s, seconds, months and
GPU-hours are wired together correctly from the scenario file to the KPIs, against the
published figures.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.loading import load_scenario
from sim.model import run_nominal

BASE = Path(__file__).parent / "scenarios" / "training_cluster.yaml"
DAYS_PER_MONTH = 365.25 / 12


def run_days(overrides: list[str]) -> float:
    result = run_nominal(load_scenario(BASE, overrides), check=True)
    assert result.kpis["runs_completed"] == 1
    return result.kpis["largest_run_month"] * DAYS_PER_MONTH


@pytest.mark.parametrize("mfu", [0.38, 0.41, 0.43])
def test_llama_3_1_405b_duration(mfu: float) -> None:
    """Llama 3.1 405B: 3.8e25 FLOP on 16,384 H100 (989 TFLOP/s dense BF16) at the paper's
    38-43% MFU: 3.8e25 / (16,384 x 989e12 x MFU) s = 63.2 to 71.5 days of pure compute.

    DESIGN.md quotes "about 54 days"; that is the length of the paper's interruption snapshot
    ("a 54-day period of pre-training"), not the run: at 43% MFU the run cannot be shorter
    than 63 days. The run length the paper does imply is 30.84M H100-hours / 16,384 = 78 days,
    which includes interruptions and lower-utilisation stages (next test).
    """
    expected = 3.8e25 / (16384 * 989e12 * mfu) / 86400
    days = run_days([f"chips.H100.training_mfu={mfu}"])
    assert days == pytest.approx(expected, rel=1e-6)
    assert 63.0 <= days <= 72.0


def test_llama_3_1_405b_gpu_hours() -> None:
    """The model card's 30.84M H100-hours for 405B, at the average 341 TFLOP/s per GPU the
    paper reports over all GPU-hours (34.5% of peak): within 15% (it is within 1%)."""
    days = run_days([f"chips.H100.training_mfu={341 / 989}"])
    gpu_hours = days * 24 * 16384
    assert gpu_hours == pytest.approx(30.84e6, rel=0.15)
    assert gpu_hours == pytest.approx(30.84e6, rel=0.01)


def test_deepseek_v3_gpu_hours() -> None:
    """DeepSeek-V3: 6 x 37e9 x 14.8e12 = 3.29e24 FLOP on 2,048 H800; the paper's 2.664M
    pre-training GPU-hours imply 34.6% of BF16 peak (~35%, DF section 4). At 35% the model
    uses 2.64M GPU-hours, within 15% of the 2.788M total."""
    days = run_days([
        "fleet.0.chip=H800", "fleet.0.count=2048",
        "chips={H800: {price_usd: 30000, server_multiplier: 1.6, price_trend_per_year: 0,"
        " supply_per_quarter: 0, lead_time_months: 3, annual_failure_rate: 0,"
        " useful_life_years: 5, training_mfu: 0.35, mfu_loss_per_doubling: 0,"
        " inference_utilisation: 0.5, decode_bandwidth_efficiency: 0.8}}",
        "training.reference_cluster_chips=2048",
        "training.runs.run={name: run, arrival: '2024-01', parameters: 37e9,"
        " tokens: 14.8e12, min_chips: 2048, max_chips: 2048}",
    ])
    gpu_hours = days * 24 * 2048
    assert gpu_hours == pytest.approx(6 * 37e9 * 14.8e12 / (989e12 * 0.35) / 3600, rel=1e-6)
    assert gpu_hours == pytest.approx(2.788e6, rel=0.15)


def test_deepseek_serving_throughput_per_h800() -> None:
    """DeepSeek's published serving statistics (DF §5b): V3/R1 (37B active / 671B total, FP8,
    MLA cache ~70 KB a token in BF16: (512 + 64) x 61 layers x 2 bytes) on H800; 608B input +
    168B output tokens a day on 226.75 nodes on average: 776e9 / (1,814 GPUs x 86,400 s) =
    4,951 tokens/s per GPU; decode ~88 sequences per GPU (14.8k output tokens/s per node at
    ~21 tokens/s each) at a mean KV length of 4,989 tokens, in 144-GPU replicas.

    Through the model's roofline at the middle of the reference scenario's efficiency inputs
    (inference_utilisation 0.45, decode_bandwidth_efficiency 0.75) and a decode batch of 88
    sequences per GPU over a 17-GPU replica (the fewest that hold the weights and that cache):
    decode 3,144 tokens/s per GPU (1.70x the measured 1,850: the roofline is an upper bound,
    with no communication, scheduling or latency limits), prefill 7,652 (0.83x the 9,212
    input tokens/s measured with cache hits), and the daily blend 5,839 (1.18x the 4,951
    averaged over the day). The test holds decode within 2x and the others within 30%."""
    import math

    from sim.model.inference import chip_tokens_per_s, prefill_tokens_per_s, roofline_tokens_per_s
    from tests.test_model_equations import chip, demand

    h800 = chip("H800", inference_utilisation=0.45, decode_bandwidth_efficiency=0.75)
    kv = (512 + 64) * 61 * 2.0
    replica = math.ceil((671e9 + 88 * 17 * 4989 * kv) / (0.9 * 80e9))
    assert replica == 17
    d = demand(active_params=37e9, total_params=671e9, bytes_per_param=1.0,
               kv_bytes_per_token=kv, attention_flop_per_context_token=61 * 2 * 128 * (576 + 512),
               decode_batch=88 * replica, output_share=168 / 776, context_tokens=4989.0)
    decode = roofline_tokens_per_s(h800, d, 4989.0, 1.0)
    prefill = prefill_tokens_per_s(h800, d, 4989.0, 1.0)
    blended = chip_tokens_per_s(h800, d, 0.0, 12.0)
    assert 1.0 <= decode / (14.8e3 / 8) <= 2.0
    assert 0.7 <= prefill / (73.7e3 / 8) <= 1.3
    assert 0.7 <= blended / (776e9 / (226.75 * 8 * 86400)) <= 1.3
