"""The scenario: the one validated, immutable input of a simulation."""

from __future__ import annotations

from pydantic import Field

from sim.schema.base import Int, MonthStr, StrictModel
from sim.schema.capacity import FleetEntry, LeaseOffer, Site
from sim.schema.chips import ChipEntry, MemoryPricePoint
from sim.schema.common import ChipName
from sim.schema.money import Budget, Currency
from sim.schema.policy import (
    Correlation,
    ExportControls,
    MonteCarlo,
    Observation,
    Procurement,
    Target,
)
from sim.schema.workloads import Allocation, InferenceDemand, Training

__all__ = ["Clock", "Scenario"]


class Clock(StrictModel):
    """Continuous time in months from ``start``; results are reported monthly."""

    start: MonthStr = Field(description="First simulated month, YYYY-MM.")
    horizon_months: Int = Field(ge=1, le=240, description="Months simulated.")


class Scenario(StrictModel):
    """A complete scenario. Every number may be a constant or a distribution."""

    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    clock: Clock
    currency: Currency = Field(default_factory=Currency)
    budget: Budget
    memory_price_index: list[MemoryPricePoint] = Field(
        default_factory=list,
        description="Memory price path (linear between points); empty means constant.",
    )
    chips: dict[ChipName, ChipEntry] = Field(min_length=1)
    export_controls: ExportControls
    sites: list[Site] = Field(min_length=1)
    leases: list[LeaseOffer] = Field(default_factory=list)
    fleet: list[FleetEntry] = Field(default_factory=list)
    training: Training
    inference: InferenceDemand
    allocation: Allocation
    procurement: Procurement
    targets: list[Target] = Field(default_factory=list)
    observations: list[Observation] = Field(
        default_factory=list,
        description="Dated public figures the model is checked against (capexsim calibrate).",
    )
    monte_carlo: MonteCarlo = Field(default_factory=MonteCarlo)
    correlations: list[Correlation] = Field(default_factory=list)
