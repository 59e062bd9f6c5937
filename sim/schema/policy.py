"""Procurement policy, export-control selection, targets and Monte Carlo settings."""

from __future__ import annotations

import difflib
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from sim.distributions import FractionQuantity
from sim.kpis import KPIS, check_kpi_name
from sim.schema.base import Int, MonthStr, Number, StrictModel
from sim.schema.common import ChipName
from sim.schema.rules import Rule
from sim.series import SERIES

__all__ = [
    "BestValue",
    "Correlation",
    "ExportControls",
    "FixedMix",
    "MonteCarlo",
    "Observation",
    "Procurement",
    "Target",
]


class _ProcurementBase(StrictModel):
    refund_on_cancel_fraction: FractionQuantity = Field(
        description="Share of a cancelled order's price refunded when a rule lands before "
        "delivery; the rest is lost to policy."
    )
    foresight: Literal["myopic", "announced"] = Field(
        default="myopic",
        description="myopic: the buyer sees only the rules in force. announced: it also sees "
        "rules with a fixed date and probability 1 (from their known_from date) and orders "
        "nothing whose delivery would fall after such a rule denies it; uncertain rules stay "
        "surprises.",
    )


class BestValue(_ProcurementBase):
    """Each month, order the allowed chips with the most effective throughput per all-in
    dollar, within supply caps, best first."""

    policy: Literal["best_value"]
    objective: Literal["training", "inference"] = Field(
        description="training: effective training FLOP/s per dollar; inference: tokens/s per "
        "dollar from the roofline."
    )
    candidates: list[ChipName] | None = Field(
        default=None, description="Chips that may be ordered (default: every chip listed)."
    )


class FixedMix(_ProcurementBase):
    """Split chip spending across chips by fixed shares (shares of a chip that is denied are
    re-spread over the allowed ones)."""

    policy: Literal["fixed_mix"]
    mix: dict[ChipName, Annotated[Number, Field(gt=0, le=1)]] = Field(min_length=1)

    @model_validator(mode="after")
    def _sums_to_one(self) -> FixedMix:
        total = sum(self.mix.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"mix shares must sum to 1, they sum to {total:g}")
        return self


Procurement = Annotated[BestValue | FixedMix, Field(discriminator="policy")]


class ExportControls(StrictModel):
    """Built-in rule sets by id, minus any disabled rules, plus the scenario's own rules."""

    rule_sets: list[str] = Field(description="Ids of built-in rule sets (`capexsim chips`).")
    disable: list[str] = Field(default_factory=list, description="Built-in rule ids to drop.")
    rules: list[Rule] = Field(default_factory=list, description="The scenario's own rules.")


class Target(StrictModel):
    """A goal reported as a probability: ``kpi`` at least / at most a value, by a month."""

    name: str = Field(min_length=1)
    kpi: Annotated[str, AfterValidator(check_kpi_name)]
    at_least: Number | None = None
    at_most: Number | None = None
    by: MonthStr | None = Field(default=None, description="Month by which (default: the end).")

    @model_validator(mode="after")
    def _one_bound(self) -> Target:
        if (self.at_least is None) == (self.at_most is None):
            raise ValueError("give exactly one of 'at_least' or 'at_most'")
        if self.by is not None and not KPIS[self.kpi].monthly:
            raise ValueError(f"KPI '{self.kpi}' is only known at the end; drop 'by'")
        return self


def _check_series_name(name: str) -> str:
    if name not in SERIES:
        close = difflib.get_close_matches(name, SERIES, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise ValueError(f"unknown series '{name}'{hint}")
    return name


class Observation(StrictModel):
    """A dated public figure the model should reproduce: a monthly series in one month, or
    aggregated over a calendar year, with the observation's own uncertainty and its source.

    ``capexsim calibrate`` reports where it falls in the model's distribution."""

    name: str = Field(min_length=1, max_length=200)
    series: Annotated[str, AfterValidator(_check_series_name)] = Field(
        description="A monthly series (see docs/model.md §12), e.g. tokens_served_per_day, "
        "committed_accelerators_usd, or kpi.<name> for a monthly KPI."
    )
    month: MonthStr | None = Field(default=None, description="The month observed, YYYY-MM.")
    year: Int | None = Field(
        default=None, ge=1900, le=2200, description="A calendar year, aggregated."
    )
    aggregate: Literal["sum", "mean", "last"] = Field(
        default="sum", description="How a year's months combine (flows: sum; levels: mean or "
        "last). Only with 'year'."
    )
    value: Number = Field(description="The observed value, in the series' units (USD for money).")
    low: Number | None = Field(default=None, description="Low end of the observation's own "
                               "uncertainty (default: value).")
    high: Number | None = Field(default=None, description="High end (default: value).")
    source: str = Field(min_length=1, description="Where the figure comes from (DF §n, URL).")

    @model_validator(mode="after")
    def _when_and_band(self) -> Observation:
        if (self.month is None) == (self.year is None):
            raise ValueError("give exactly one of 'month' or 'year'")
        low = self.value if self.low is None else self.low
        high = self.value if self.high is None else self.high
        if not low <= self.value <= high:
            raise ValueError(f"need low <= value <= high, got {low:g}, {self.value:g}, "
                             f"{high:g}")
        return self

    @property
    def band(self) -> tuple[float, float]:
        """(low, high) of the observation's own uncertainty."""
        return (float(self.value if self.low is None else self.low),
                float(self.value if self.high is None else self.high))


class MonteCarlo(StrictModel):
    """How many replications, from which root seed, with which design."""

    runs: Int = Field(default=1000, ge=1, le=100_000_000)
    seed: Int = Field(default=20260101, ge=0, le=2**63 - 1, description="The one root seed.")
    design: Literal["mc", "lhs", "sobol"] = "mc"


class Correlation(StrictModel):
    """Rank correlation between two uncertain fields, named by their dotted paths."""

    between: tuple[str, str]
    rank_correlation: Number = Field(gt=-1.0, lt=1.0)

    @model_validator(mode="after")
    def _distinct(self) -> Correlation:
        if self.between[0] == self.between[1]:
            raise ValueError("a field cannot be correlated with itself")
        return self
