"""Budget: yearly tranches released monthly and split across spending categories."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from sim.distributions import FractionQuantity, PositiveQuantity, is_uncertain, nominal
from sim.schema.base import Bool, Int, MonthStr, StrictModel

__all__ = ["Budget", "Currency", "Split", "Tranche", "Transfer"]

CurrencyCode = Literal["USD", "CNY"]
Category = Literal["chips", "datacenter", "leases"]


class Currency(StrictModel):
    """The base currency is USD; amounts in CNY convert at ``cny_per_usd`` (may be uncertain)."""

    base: Literal["USD"] = "USD"
    cny_per_usd: PositiveQuantity | None = Field(
        default=None,
        description="Yuan per US dollar, e.g. 7.1. Required when any amount is in CNY.",
    )


class Split(StrictModel):
    """Shares of a tranche by category. Constant shares must sum to 1; uncertain shares are
    drawn and then normalised to sum to 1."""

    chips: FractionQuantity = Field(description="Accelerators with their servers and network.")
    datacenter: FractionQuantity = Field(description="Datacenter build projects (power, shell).")
    leases: FractionQuantity = Field(description="Leased overseas accelerator capacity (opex).")

    @model_validator(mode="after")
    def _sums_to_one(self) -> Split:
        shares = (self.chips, self.datacenter, self.leases)
        total = sum(nominal(s) for s in shares)
        if not any(is_uncertain(s) for s in shares) and abs(total - 1.0) > 1e-6:
            raise ValueError(f"shares must sum to 1, they sum to {total:g}")
        if total <= 0:
            raise ValueError("at least one share must be positive")
        return self


class Tranche(StrictModel):
    """An amount released evenly over ``months`` months from ``start``."""

    start: MonthStr = Field(description="First month of release, YYYY-MM.")
    months: Int = Field(default=12, ge=1, le=120, description="Months over which it is released.")
    amount: PositiveQuantity = Field(description="Amount in `currency` units (not thousands).")
    currency: CurrencyCode = "USD"
    split: Split


class Transfer(StrictModel):
    """Money of one category left unspent for ``after_months`` months moves to another: each
    month start, ``share`` of the ``source`` money released that long ago or earlier."""

    source: Category
    target: Category
    after_months: Int = Field(ge=0, le=120, description="Months money waits before it moves.")
    share: FractionQuantity = Field(
        default=1.0, description="Share of the waiting money moved each month."
    )

    @model_validator(mode="after")
    def _two_categories(self) -> Transfer:
        if self.source == self.target:
            raise ValueError(f"source and target are both '{self.source}'")
        return self


class Budget(StrictModel):
    """The capex plan: tranches, and whether unspent money carries over to later months."""

    tranches: list[Tranche] = Field(min_length=1)
    carry_over: Bool = Field(
        default=True,
        description="Unspent money stays available in later months (else it lapses as unspent).",
    )
    transfers: list[Transfer] = Field(
        default_factory=list,
        description="Unspent money that may move between categories, in list order.",
    )
