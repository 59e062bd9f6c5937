"""Where chips run: owned sites and their builds, leased overseas capacity, the existing fleet."""

from __future__ import annotations

from pydantic import Field

from sim.distributions import NonNegativeQuantity, PositiveQuantity, quantity
from sim.schema.base import MonthStr, StrictModel
from sim.schema.common import ChipName, Identifier, SiteKind

__all__ = ["BuildProject", "FleetEntry", "LeaseOffer", "Site"]

AtLeastOne = quantity(ge=1.0)


class BuildProject(StrictModel):
    """New power capacity at a site: paid when started, online after an uncertain lead time."""

    power_mw: PositiveQuantity = Field(description="Facility power added, MW.")
    cost_usd_per_mw: PositiveQuantity = Field(description="Build cost per MW of facility power.")
    lead_time_months: PositiveQuantity = Field(description="Start to power-on, months.")
    start: MonthStr = Field(description="Month the build starts and its cost is committed.")


class Site(StrictModel):
    """An owned datacenter site. A chip draws tdp_w x server_power_overhead x pue of facility
    power; delivered chips wait in inventory until a site has free power."""

    name: Identifier
    kind: SiteKind = Field(description="domestic, or overseas_owned (a subsidiary abroad).")
    region: str = Field(min_length=1, description="Free text, e.g. 'Inner Mongolia', 'Johor'.")
    power_mw: NonNegativeQuantity = Field(description="Facility power available at the start, MW.")
    pue: AtLeastOne = Field(description="Power usage effectiveness (facility / IT power).")  # type: ignore[valid-type]
    server_power_overhead: AtLeastOne = Field(  # type: ignore[valid-type]
        description="Server power (CPUs, NICs, fans) per watt of accelerator TDP."
    )
    electricity_usd_per_kwh: NonNegativeQuantity = Field(description="Electricity price, USD/kWh.")
    capex_usd_per_mw: NonNegativeQuantity | None = Field(
        default=None,
        description="Capex per MW of the power the site has at the start, for the full-cost "
        "KPIs (amortised over datacenter_life_years). Omitted: that capex is sunk and left out "
        "(builds always count at their cost).",
    )
    datacenter_life_years: PositiveQuantity = Field(
        default=15.0,
        description="Years over which datacenter capex (shell, power, cooling) is amortised in "
        "the full-cost KPIs.",
    )
    fixed_opex_usd_per_mw_year: NonNegativeQuantity = Field(
        default=0.0,
        description="Fixed site costs per MW of capacity a year (staff, maintenance, grid "
        "demand charges), paid whether or not the power is used.",
    )
    builds: list[BuildProject] = Field(default_factory=list)


class LeaseOffer(StrictModel):
    """Leased accelerators abroad: paid monthly while active; revocable by hazard or by rule.
    Domestic-only workloads never run here."""

    name: Identifier
    region: str = Field(min_length=1)
    chip: ChipName
    accelerators: PositiveQuantity = Field(description="Accelerators offered.")
    usd_per_accelerator_hour: PositiveQuantity
    start: MonthStr = Field(description="Month the lease is signed.")
    min_term_months: NonNegativeQuantity = Field(
        description="Shortest term: the lease is signed only if the lease money planned over "
        "this many months can pay for it (fees are paid monthly in advance; a revocation loses "
        "the unused part of the month paid)."
    )
    ramp_up_months: NonNegativeQuantity = Field(
        description="Months from signing until the capacity is usable (paid from signing)."
    )
    revocation_hazard_per_year: NonNegativeQuantity = Field(
        description="Yearly hazard of losing the lease for reasons outside the rule set."
    )
    reoffer_after_months: NonNegativeQuantity | None = Field(
        default=None,
        description="Months after a revocation, or after a month in which the lease could not "
        "be signed (rules, money), before the offer is made again (at the next month start). "
        "Omitted: offered once, in its start month.",
    )


class FleetEntry(StrictModel):
    """Chips already installed at a site at the start."""

    chip: ChipName
    site: Identifier
    count: NonNegativeQuantity
    age_months: NonNegativeQuantity = Field(description="Age at the start, months.")
