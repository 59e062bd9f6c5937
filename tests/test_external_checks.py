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
