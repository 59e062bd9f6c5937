"""Accumulators integrated between events, the end-of-month record, and the final KPIs."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sim.model.inference import SECONDS_PER_MONTH, Served
from sim.model.training import RunState

if TYPE_CHECKING:
    from sim.model.engine import Replication

__all__ = ["Accumulators", "finish_kpis", "record_month"]


@dataclass
class Accumulators:
    """Running totals since the start (money USD, tokens, FLOP, chip-months)."""

    tokens_served: float = 0.0
    tokens_demanded: float = 0.0
    first_unmet_month: float = math.nan
    training_flop: float = 0.0
    stranded_chip_months: float = 0.0
    inference_capacity_tokens: float = 0.0  # tokens the chips serving inference could serve
    inference_chip_months: float = 0.0
    training_chip_months: float = 0.0
    idle_chip_months: float = 0.0
    inference_cost_usd: float = 0.0  # chips serving inference (amortisation, energy, leases)
    training_cost_usd: float = 0.0  # chips held by running training runs
    idle_chip_cost_usd: float = 0.0  # chips neither serving nor training
    site_cost_usd: float = 0.0  # datacenter capex amortised and fixed site costs
    idle_power_cost_usd: float = 0.0  # the part of site_cost_usd on unused power
    unspent_chips_by_cause: dict[str, float] = field(
        default_factory=lambda: {"no_supply": 0.0, "nothing_allowed": 0.0})
    ordered: float = 0.0
    delivered: float = 0.0
    lost_to_policy_usd: float = 0.0
    runs_completed: int = 0
    largest_run_flop: float = 0.0
    largest_run_month: float = math.nan
    committed_this_month: dict[str, float] = field(
        default_factory=lambda: {"chips": 0.0, "datacenter": 0.0, "leases": 0.0})
    month_served: float = 0.0
    month_demanded: float = 0.0
    month_accelerators_usd: float = 0.0
    month_delivered_domestic: float = 0.0

    def add_served(self, served: Served, t0: float) -> None:
        self.tokens_served += served.served
        self.tokens_demanded += served.demanded
        self.month_served += served.served
        self.month_demanded += served.demanded
        if math.isnan(self.first_unmet_month) and served.first_unmet is not None:
            self.first_unmet_month = t0 + served.first_unmet

    def attribute_unspent_chips(self, available_usd: float, cause: str) -> None:
        """Chip money still available after a month's procurement, split by why it was not
        spent: money spent later leaves every cause pro rata; new money left over joins the
        cause of this month (``no_supply``: offers capped by supply; ``nothing_allowed``: no
        chip obtainable)."""
        causes = self.unspent_chips_by_cause
        total = sum(causes.values())
        if available_usd < total:
            scale = available_usd / total if total > 0.0 else 0.0
            for key in causes:
                causes[key] *= scale
        else:
            causes[cause] += available_usd - total

    def commit(self, category: str, amount: float) -> None:
        self.committed_this_month[category] += amount

    def complete(self, state: RunState) -> None:
        self.runs_completed += 1
        if state.run.flop > self.largest_run_flop:
            self.largest_run_flop = state.run.flop
            self.largest_run_month = state.finished_month if state.finished_month is not None \
                else math.nan


def record_month(rep: Replication, m: int) -> None:
    """Write month ``m``'s values (state at its end, flows over it) into the series."""
    acc, s, fleet = rep.acc, rep.series.values, rep.fleet
    pflops = {"domestic": 0.0, "overseas_owned": 0.0, "leased": 0.0}
    domestic_chips = h100 = count = domestic_count = 0.0
    for pool in fleet.pools.values():
        p = pool.count * pool.chip.attrs.bf16_tflops / 1e3
        pflops[pool.kind] += p
        h100 += pool.count * pool.chip.attrs.h100_equivalents
        count += pool.count
        if pool.chip.domestic:
            domestic_chips += p
            domestic_count += pool.count
    s["chips_installed"][m] = count
    s["chips_installed_domestic"][m] = domestic_count
    s["delivered_domestic_chips"][m] = acc.month_delivered_domestic
    s["committed_accelerators_usd"][m] = acc.month_accelerators_usd
    s["tokens_served_per_day"][m] = acc.month_served / (SECONDS_PER_MONTH / 86400.0)
    acc.month_delivered_domestic = acc.month_accelerators_usd = 0.0
    total = sum(pflops.values())
    s["installed_pflops"][m] = total
    s["pflops_domestic_sites"][m] = pflops["domestic"]
    s["pflops_overseas_sites"][m] = pflops["overseas_owned"]
    s["pflops_leased"][m] = pflops["leased"]
    s["pflops_domestic_chips"][m] = domestic_chips
    s["h100_equivalents"][m] = h100
    s["chips_stranded"][m] = fleet.waiting()
    used = {site: fleet.used_mw(site) for site in fleet.sites}
    s["power_used_mw"][m] = sum(used.values())
    s["power_capacity_mw"][m] = sum(fleet.capacity_mw.values())
    for site in fleet.sites:
        rep.series.site_power_used_mw[site][m] = used[site]
        rep.series.site_power_capacity_mw[site][m] = fleet.capacity_mw[site]
    s["inference_capacity_tokens_per_day"][m] = sum(rep.capacity) * 86400.0
    s["demand_tokens_per_day"][m] = rep.demand.month_end(m) * 86400.0
    s["tokens_served"][m] = acc.month_served
    s["tokens_demanded"][m] = acc.month_demanded
    s["training_flop"][m] = acc.training_flop - (
        float(s["kpi.training_flop_delivered"][m - 1]) if m > 0 else 0.0)
    s["committed_capex_usd"][m] = (acc.committed_this_month["chips"]
                                   + acc.committed_this_month["datacenter"])
    for category in ("chips", "datacenter", "leases"):
        s[f"committed_{category}_usd"][m] = acc.committed_this_month[category]
        acc.committed_this_month[category] = 0.0
    acc.month_served = acc.month_demanded = 0.0
    ledger = rep.ledger
    s["kpi.chips_delivered"][m] = acc.delivered
    s["kpi.h100_equivalents_installed"][m] = h100
    s["kpi.installed_pflops"][m] = total
    s["kpi.accessible_pflops"][m] = total + sum(
        b.count * b.chip.attrs.bf16_tflops for b in fleet.inventory) / 1e3
    s["kpi.training_flop_delivered"][m] = acc.training_flop
    s["kpi.largest_run_flop"][m] = acc.largest_run_flop
    s["kpi.runs_completed"][m] = acc.runs_completed
    s["kpi.demand_served_fraction"][m] = (
        acc.tokens_served / acc.tokens_demanded if acc.tokens_demanded > 0 else 1.0)
    s["kpi.capex_lost_to_policy_usd"][m] = acc.lost_to_policy_usd
    s["kpi.stranded_chip_months"][m] = acc.stranded_chip_months
    s["kpi.budget_unspent_usd"][m] = ledger.total("unspent")
    for category in ("chips", "datacenter", "leases"):
        account = ledger.accounts[category]
        s[f"kpi.unspent_{category}_usd"][m] = account.available + account.lapsed
    for cause, amount in acc.unspent_chips_by_cause.items():
        s[f"kpi.unspent_chips_{cause}_usd"][m] = amount
    s["kpi.budget_transferred_usd"][m] = ledger.total("transferred_out")
    s["kpi.spent_usd"][m] = ledger.total("spent") + ledger.total("committed")
    s["kpi.domestic_compute_share"][m] = domestic_chips / total if total > 0 else 0.0


def finish_kpis(rep: Replication) -> dict[str, float]:
    """The scalar KPIs at the end of the horizon."""
    acc, s = rep.acc, rep.series.values
    last = rep.inp.horizon_months - 1
    kpis = {name[4:]: float(values[last]) for name, values in s.items()
            if name.startswith("kpi.")}
    kpis["largest_run_month"] = acc.largest_run_month
    kpis["first_unmet_demand_month"] = acc.first_unmet_month
    # Undefined (NaN) unless at least one token / one FLOP was delivered.
    kpis["cost_per_million_tokens_usd"] = (
        acc.inference_cost_usd / acc.tokens_served * 1e6 if acc.tokens_served >= 1 else math.nan)
    kpis["cost_per_training_eflop_usd"] = (
        acc.training_cost_usd / acc.training_flop * 1e18 if acc.training_flop >= 1 else math.nan)
    chip_months = acc.inference_chip_months + acc.training_chip_months + acc.idle_chip_months
    kpis["idle_chip_months"] = acc.idle_chip_months
    kpis["training_chip_share"] = (
        acc.training_chip_months / chip_months if chip_months > 0 else math.nan)
    kpis["inference_chip_share"] = (
        acc.inference_chip_months / chip_months if chip_months > 0 else math.nan)
    kpis["inference_load_fraction"] = (
        acc.tokens_served / acc.inference_capacity_tokens
        if acc.inference_capacity_tokens >= 1 else math.nan)
    kpis["idle_cost_usd"] = acc.idle_chip_cost_usd + acc.idle_power_cost_usd
    overhead = acc.idle_chip_cost_usd + acc.site_cost_usd
    kpis["total_cost_of_ownership_usd"] = (
        acc.inference_cost_usd + acc.training_cost_usd + overhead)
    busy = acc.inference_cost_usd + acc.training_cost_usd
    share = acc.inference_cost_usd / busy if busy > 0 else 0.5
    kpis["tco_per_million_tokens_usd"] = (
        (acc.inference_cost_usd + share * overhead) / acc.tokens_served * 1e6
        if acc.tokens_served >= 1 else math.nan)
    kpis["tco_per_training_eflop_usd"] = (
        (acc.training_cost_usd + (1.0 - share) * overhead) / acc.training_flop * 1e18
        if acc.training_flop >= 1 else math.nan)
    return kpis
