"""Accelerators in a scenario: specs (built-in, overridden, or custom) and market data."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sim.distributions import (
    FractionQuantity,
    NonNegativeQuantity,
    PositiveQuantity,
    quantity,
)
from sim.schema.base import DateStr, StrictModel

__all__ = ["REQUIRED_SPEC_FIELDS", "ChipEntry", "ChipSpec", "MemoryPricePoint"]

REQUIRED_SPEC_FIELDS = (
    "vendor",
    "vendor_country",
    "bf16_tflops",
    "hbm_gb",
    "hbm_bandwidth_gb_s",
    "interconnect_gb_s",
    "tdp_w",
)
"""Spec fields a custom chip (one not in the built-in catalog) must give."""


class ChipSpec(StrictModel):
    """Physical specs. For a built-in chip every field is optional and overrides the catalog;
    a custom chip must give :data:`REQUIRED_SPEC_FIELDS`. All FLOP figures are dense."""

    vendor: str | None = None
    vendor_country: Literal["US", "CN", "other"] | None = None
    bf16_tflops: PositiveQuantity | None = Field(default=None, description="Dense BF16 TFLOP/s.")
    fp8_tflops: NonNegativeQuantity | None = Field(default=None, description="Dense FP8 TFLOP/s.")
    int8_tops: NonNegativeQuantity | None = Field(default=None, description="Dense INT8 TOP/s.")
    fp4_tflops: NonNegativeQuantity | None = Field(default=None, description="Dense FP4 TFLOP/s.")
    hbm_gb: PositiveQuantity | None = Field(default=None, description="HBM capacity, GB.")
    hbm_bandwidth_gb_s: PositiveQuantity | None = Field(default=None, description="HBM GB/s.")
    interconnect_gb_s: NonNegativeQuantity | None = Field(
        default=None, description="Scale-up interconnect, bidirectional GB/s."
    )
    tdp_w: PositiveQuantity | None = Field(default=None, description="Board power, W.")
    die_area_mm2: PositiveQuantity | None = Field(default=None, description="Die area, mm².")


class ChipEntry(StrictModel):
    """A chip the buyer may order or lease, with its market data for this buyer."""

    spec: ChipSpec | None = Field(
        default=None,
        description="Overrides of the built-in spec, or the full spec of a custom chip.",
    )
    price_usd: PositiveQuantity = Field(description="Accelerator unit price at the start, USD.")
    memory_share: FractionQuantity = Field(
        default=0.0,
        description="Share of the unit price that is memory (HBM); it follows the memory price "
        "index while the rest follows price_trend_per_year.",
    )
    server_multiplier: quantity(ge=1.0, name="server_multiplier") = Field(  # type: ignore[valid-type]
        description="All-in cost per accelerator (server, network, install) / unit price."
    )
    price_trend_per_year: quantity(gt=-1.0, le=10.0, name="price_trend_per_year") = Field(  # type: ignore[valid-type]
        description="Yearly fractional change of the non-memory price, e.g. -0.15."
    )
    supply_per_quarter: NonNegativeQuantity = Field(
        description="Most units this buyer can get per calendar quarter."
    )
    premium_supply_multiplier: quantity(ge=1.0, le=100.0, name="premium_supply_multiplier") = Field(  # type: ignore[valid-type]
        default=1.0,
        description="Most a price premium can raise this buyer's quarterly allocation, as a "
        "multiple of supply_per_quarter (1: supply does not respond to price).",
    )
    supply_price_elasticity: PositiveQuantity = Field(
        default=1.0,
        description="Relative allocation gained per relative premium on the unit price: the "
        "units between supply_per_quarter and the ceiling cost (premium_supply_multiplier) ** "
        "(1 / elasticity) - 1 more each.",
    )
    lead_time_months: NonNegativeQuantity = Field(description="Order to delivery, months.")
    available_from: DateStr | None = Field(
        default=None, description="First month the chip can be ordered (YYYY-MM)."
    )
    annual_failure_rate: FractionQuantity = Field(description="Failures per chip-year.")
    useful_life_years: PositiveQuantity = Field(description="Years in service before retirement.")
    training_mfu: FractionQuantity = Field(
        description="Model FLOP utilisation of dense BF16 peak at the reference cluster size."
    )
    mfu_loss_per_doubling: FractionQuantity = Field(
        description="Relative MFU lost per doubling of cluster size above the reference size "
        "(larger on weak interconnect)."
    )
    inference_utilisation: FractionQuantity = Field(
        description="Achieved share of peak FLOP/s when inference is compute-bound."
    )
    decode_bandwidth_efficiency: FractionQuantity = Field(
        description="Achieved share of HBM bandwidth in memory-bound decode (0.6-0.9 typical)."
    )


class MemoryPricePoint(StrictModel):
    """A point of the memory price index path (linear between points, flat outside)."""

    month: DateStr
    index: PositiveQuantity = Field(description="Memory price relative to any fixed base.")


