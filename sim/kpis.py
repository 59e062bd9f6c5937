"""The scalar KPIs a replication reports, with units: the names targets and summaries use."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

__all__ = ["KPIS", "Kpi", "check_kpi_name"]


@dataclass(frozen=True, slots=True)
class Kpi:
    """A scalar result of one replication."""

    name: str
    unit: str
    description: str
    higher_is_better: bool
    monthly: bool
    """True when the value is also known at every month (so a target may say ``by:``)."""


KPIS: dict[str, Kpi] = {
    k.name: k
    for k in (
        Kpi("chips_delivered", "chips", "Accelerators delivered (bought, not leased).", True, True),
        Kpi("h100_equivalents_installed", "H100-eq",
            "Installed and leased accelerators in H100-equivalents (dense BF16), at the end.",
            True, True),
        Kpi("installed_pflops", "PFLOP/s",
            "Peak dense BF16 PFLOP/s installed and leased, at the end.", True, True),
        Kpi("accessible_pflops", "PFLOP/s",
            "Peak dense BF16 PFLOP/s held at the end: installed, leased, or delivered and "
            "waiting for power.", True, True),
        Kpi("training_flop_delivered", "FLOP", "Training FLOP delivered to runs.", True, True),
        Kpi("largest_run_flop", "FLOP", "Compute of the largest completed training run.",
            True, True),
        Kpi("largest_run_month", "months",
            "Months from the start until the largest run completed (NaN if none).", False, False),
        Kpi("runs_completed", "runs", "Training runs completed.", True, True),
        Kpi("demand_served_fraction", "fraction", "Tokens served / tokens demanded.", True, True),
        Kpi("first_unmet_demand_month", "months",
            "Months from the start until demand first exceeds capacity (NaN if never).",
            True, False),
        Kpi("cost_per_million_tokens_usd", "USD/Mtok",
            "Serving cost (amortised capex, power, leases) per million tokens served.",
            False, False),
        Kpi("cost_per_training_eflop_usd", "USD/EFLOP",
            "Cost of the chips busy training (amortised capex, power, leases) per 1e18 FLOP "
            "delivered; idle chips are not charged.", False, False),
        Kpi("tco_per_million_tokens_usd", "USD/Mtok",
            "Full cost per million tokens served: serving chips, plus a pro-rata share (by "
            "busy chip cost) of idle chips, datacenter capex amortised and fixed site costs.",
            False, False),
        Kpi("tco_per_training_eflop_usd", "USD/EFLOP",
            "Full cost per 1e18 training FLOP: training chips plus their pro-rata share of idle "
            "chips, datacenter capex amortised and fixed site costs.", False, False),
        Kpi("total_cost_of_ownership_usd", "USD",
            "Chips (amortised capex, power, leases, busy or idle), datacenter capex amortised "
            "and fixed site costs, over the horizon.", False, False),
        Kpi("idle_cost_usd", "USD",
            "Cost of idle capacity: chips neither serving nor training, and the unused share "
            "of each site's datacenter capex and fixed costs.", False, False),
        Kpi("idle_chip_months", "chip-months",
            "Installed or leased chip-months neither serving inference nor training.",
            False, False),
        Kpi("training_chip_share", "fraction",
            "Share of installed and leased chip-months held by training runs.", True, False),
        Kpi("inference_chip_share", "fraction",
            "Share of installed and leased chip-months allocated to inference.", True, False),
        Kpi("inference_load_fraction", "fraction",
            "Tokens served / tokens the chips allocated to inference could have served.",
            True, False),
        Kpi("capex_lost_to_policy_usd", "USD",
            "Money lost to rules: unrefunded cancelled orders, revoked prepaid leases.",
            False, True),
        Kpi("stranded_chip_months", "chip-months",
            "Chip-months spent delivered but waiting for power.", False, True),
        Kpi("budget_unspent_usd", "USD", "Released budget neither spent nor committed.",
            False, True),
        Kpi("unspent_chips_usd", "USD", "Chip money released and not spent or committed.",
            False, True),
        Kpi("unspent_datacenter_usd", "USD",
            "Datacenter money released and not spent or committed.", False, True),
        Kpi("unspent_leases_usd", "USD", "Lease money released and not spent or committed.",
            False, True),
        Kpi("unspent_chips_no_supply_usd", "USD",
            "Chip money still available, left over in months when every chip that could be "
            "bought had reached its supply cap.", False, True),
        Kpi("unspent_chips_nothing_allowed_usd", "USD",
            "Chip money still available, left over in months when no chip could be bought "
            "(rules, licences, availability).", False, True),
        Kpi("budget_transferred_usd", "USD",
            "Unspent money moved between categories by the budget's transfers.", True, True),
        Kpi("spent_usd", "USD", "Money spent or committed.", False, True),
        Kpi("domestic_compute_share", "fraction",
            "Share of installed peak FLOP/s on domestic (Chinese-made) chips, at the end.",
            True, True),
    )
}


def check_kpi_name(name: str) -> str:
    """Return ``name`` if it is a KPI, else raise ``ValueError`` suggesting the closest."""
    if name in KPIS:
        return name
    close = difflib.get_close_matches(name, KPIS, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else f"; known KPIs: {', '.join(KPIS)}"
    raise ValueError(f"unknown KPI '{name}'{hint}")
