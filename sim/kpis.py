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
            "Training cost per 1e18 FLOP delivered.", False, False),
        Kpi("capex_lost_to_policy_usd", "USD",
            "Money lost to rules: unrefunded cancelled orders, revoked prepaid leases.",
            False, True),
        Kpi("stranded_chip_months", "chip-months",
            "Chip-months spent delivered but waiting for power.", False, True),
        Kpi("budget_unspent_usd", "USD", "Released budget neither spent nor committed.",
            False, True),
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
