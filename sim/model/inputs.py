"""One replication's concrete inputs: the scenario with every quantity replaced by a number.

Times are months since the scenario's start month (float); money is USD; power is watts or MW
as named. Values are read by the paths of :mod:`sim.model.space`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from sim.calendar import month_offset
from sim.catalog.chips import SPEC_FIELDS, ChipAttributes, load_catalog
from sim.model.space import active_rules
from sim.schema.policy import BestValue
from sim.schema.rules import Rule
from sim.schema.scenario import Scenario
from sim.schema.workloads import FixedSplit, ReservedTraining, WorkConserving

__all__ = [
    "BuildInputs",
    "ChipInputs",
    "DemandInputs",
    "FleetInputs",
    "Inputs",
    "LeaseInputs",
    "RunInputs",
    "SiteInputs",
    "TrancheInputs",
    "TransferInputs",
    "concretize",
]

HOURS_PER_MONTH = 365.25 * 24 / 12  # 730.5 h, the same month as SECONDS_PER_MONTH
TFLOPS = 1e12


@dataclass(frozen=True, slots=True)
class ChipInputs:
    name: str
    attrs: ChipAttributes
    domestic: bool
    price_usd: float
    memory_share: float
    server_multiplier: float
    price_trend_per_year: float
    supply_per_quarter: float
    premium_supply_multiplier: float
    supply_price_elasticity: float
    lead_time_months: float
    available_from_month: float
    annual_failure_rate: float
    useful_life_months: float
    training_mfu: float
    mfu_loss_per_doubling: float
    inference_utilisation: float
    decode_bandwidth_efficiency: float

    @property
    def peak_flops(self) -> float:
        """Dense BF16 FLOP/s."""
        return self.attrs.bf16_tflops * TFLOPS

    @property
    def premium_fraction(self) -> float:
        """Price premium of the units above supply_per_quarter (0 if supply cannot grow)."""
        return float(self.premium_supply_multiplier ** (1.0 / self.supply_price_elasticity)
                     - 1.0)


@dataclass(frozen=True, slots=True)
class TrancheInputs:
    start_month: float
    months: int
    amount_usd: float
    shares: tuple[float, float, float]  # chips, datacenter, leases; sum to 1


@dataclass(frozen=True, slots=True)
class TransferInputs:
    source: str
    target: str
    after_months: int
    share: float


@dataclass(frozen=True, slots=True)
class BuildInputs:
    site: str
    power_mw: float
    cost_usd: float
    lead_time_months: float
    start_month: float


@dataclass(frozen=True, slots=True)
class SiteInputs:
    name: str
    kind: str
    power_mw: float
    pue: float
    server_power_overhead: float
    electricity_usd_per_kwh: float
    capex_usd: float = 0.0  # capex of the power at the start (0: sunk)
    datacenter_life_months: float = 180.0
    fixed_opex_usd_per_mw_month: float = 0.0

    def facility_w(self, chip: ChipInputs) -> float:
        """Facility watts one chip draws here: TDP x server overhead x PUE."""
        return chip.attrs.tdp_w * self.server_power_overhead * self.pue


@dataclass(frozen=True, slots=True)
class LeaseInputs:
    name: str
    chip: str
    accelerators: float
    usd_per_accelerator_hour: float
    start_month: float
    min_term_months: float
    ramp_up_months: float
    revocation_hazard_per_year: float
    reoffer_after_months: float | None = None


@dataclass(frozen=True, slots=True)
class FleetInputs:
    chip: str
    site: str
    count: float
    age_months: float


@dataclass(frozen=True, slots=True)
class RunInputs:
    name: str
    arrival_month: float
    flop: float
    min_chips: int
    max_chips: int
    chips: tuple[str, ...] | None
    priority: int
    domestic_only: bool


@dataclass(frozen=True, slots=True)
class DemandInputs:
    tokens_per_day: float
    output_share: float
    growth_per_year: float
    agent_share_start: float
    agent_share_end: float
    context_tokens: float
    agent_context_tokens: float
    context_growth_per_year: float
    efficiency_gain_per_year: float
    domestic_only_share: float
    active_params: float
    total_params: float
    bytes_per_param: float
    kv_bytes_per_token: float
    attention_flop_per_context_token: float
    decode_batch: float
    path: tuple[tuple[float, float], ...] = ()
    """Later demand points: (months since the start, tokens/day), in order."""
    ceiling_tokens_per_day: float = math.inf
    """Saturation level of the logistic tail (inf: exponential tail)."""
    volatility_per_month: float = 0.0


@dataclass(frozen=True, slots=True)
class Inputs:
    """Everything one replication needs, as numbers."""

    start: str
    horizon_months: int
    carry_over: bool
    tranches: tuple[TrancheInputs, ...]
    transfers: tuple[TransferInputs, ...]
    memory_index: tuple[tuple[float, float], ...]  # (month, index), sorted by month
    chips: Mapping[str, ChipInputs]
    rules: tuple[Rule, ...]
    rule_landing: Mapping[str, float | None]  # months since start; None: never lands
    refund_on_cancel_fraction: float
    sites: tuple[SiteInputs, ...]
    builds: tuple[BuildInputs, ...]
    leases: tuple[LeaseInputs, ...]
    fleet: tuple[FleetInputs, ...]
    runs: tuple[RunInputs, ...]
    reference_cluster_chips: int
    restart_cost_hours: float
    demand: DemandInputs
    allocation_policy: str
    training_share: float
    procurement_policy: str
    foresight: str
    objective: str
    candidates: tuple[str, ...]
    mix: Mapping[str, float]
    values: Mapping[str, float]

    def month(self, date: str) -> float:
        """A ``YYYY-MM[-DD]`` date as months since the start."""
        return month_offset(self.start, date)


def _chip(name: str, scenario: Scenario, v: Mapping[str, float], start: str) -> ChipInputs:
    entry = scenario.chips[name]
    catalog = load_catalog().get(name)
    base = f"chips.{name}"
    specs: dict[str, float] = {}
    for field in SPEC_FIELDS:
        path = f"{base}.spec.{field}"
        specs[field] = v.get(path, math.nan if field == "die_area_mm2" else 0.0)
    override = entry.spec
    vendor = (override.vendor if override and override.vendor else None) or (
        catalog.vendor if catalog else "unknown")
    country = (override.vendor_country if override and override.vendor_country else None) or (
        catalog.vendor_country if catalog else "other")
    attrs = ChipAttributes(name=name, vendor=vendor, vendor_country=country, **specs)
    return ChipInputs(
        name=name,
        attrs=attrs,
        domestic=country == "CN",
        price_usd=v[f"{base}.price_usd"],
        memory_share=v[f"{base}.memory_share"],
        server_multiplier=v[f"{base}.server_multiplier"],
        price_trend_per_year=v[f"{base}.price_trend_per_year"],
        supply_per_quarter=v[f"{base}.supply_per_quarter"],
        premium_supply_multiplier=v[f"{base}.premium_supply_multiplier"],
        supply_price_elasticity=v[f"{base}.supply_price_elasticity"],
        lead_time_months=v[f"{base}.lead_time_months"],
        available_from_month=(
            -math.inf if entry.available_from is None
            else month_offset(start, entry.available_from)
        ),
        annual_failure_rate=v[f"{base}.annual_failure_rate"],
        useful_life_months=12.0 * v[f"{base}.useful_life_years"],
        training_mfu=v[f"{base}.training_mfu"],
        mfu_loss_per_doubling=v[f"{base}.mfu_loss_per_doubling"],
        inference_utilisation=v[f"{base}.inference_utilisation"],
        decode_bandwidth_efficiency=v[f"{base}.decode_bandwidth_efficiency"],
    )


def _landing(rule: Rule, v: Mapping[str, float], start: str) -> float | None:
    prefix = f"rules.{rule.id}"
    probability = v[f"{prefix}.probability"]
    if v.get(f"{prefix}.happens", 0.0) >= probability:
        return None
    earliest, latest = rule.effective_window
    low, high = month_offset(start, earliest), month_offset(start, latest)
    return low + v.get(f"{prefix}.landing", 0.0) * (high - low)


def _runs(scenario: Scenario, v: Mapping[str, float], start: str,
          horizon: int) -> tuple[RunInputs, ...]:
    runs: list[RunInputs] = []
    for run in scenario.training.runs:
        p = f"training.runs.{run.name}"
        flop = v[f"{p}.flop"] if run.flop is not None else 6.0 * v[f"{p}.parameters"] * v[
            f"{p}.tokens"]
        runs.append(RunInputs(run.name, month_offset(start, run.arrival), flop, run.min_chips,
                              run.max_chips, tuple(run.chips) if run.chips else None,
                              run.priority, run.domestic_only))
    for gen in scenario.training.generators:
        p = f"training.generators.{gen.name}"
        first = month_offset(start, gen.first)
        until = month_offset(start, gen.until) if gen.until else float(horizon)
        every, size, growth = v[f"{p}.every_months"], v[f"{p}.first_flop"], v[
            f"{p}.growth_per_year"]
        k, t = 0, first
        while t < min(until, float(horizon)) + 1e-9:
            runs.append(RunInputs(f"{gen.name}#{k + 1}", t, size * growth ** ((t - first) / 12.0),
                                  gen.min_chips, gen.max_chips,
                                  tuple(gen.chips) if gen.chips else None, gen.priority,
                                  gen.domestic_only))
            k += 1
            t = first + k * every
    return tuple(runs)


def concretize(scenario: Scenario, v: Mapping[str, float]) -> Inputs:
    """Build the replication inputs from ``scenario`` and the values ``v`` of every input."""
    start = scenario.clock.start
    horizon = scenario.clock.horizon_months
    rate = v.get("currency.cny_per_usd", math.nan)
    tranches = []
    for i, tranche in enumerate(scenario.budget.tranches):
        p = f"budget.tranches.{i}"
        amount = v[f"{p}.amount"] / (rate if tranche.currency == "CNY" else 1.0)
        raw = [v[f"{p}.split.{c}"] for c in ("chips", "datacenter", "leases")]
        total = sum(raw)
        shares = (raw[0] / total, raw[1] / total, raw[2] / total)
        tranches.append(TrancheInputs(month_offset(start, tranche.start), tranche.months,
                                      amount, shares))
    memory = tuple(sorted(
        (month_offset(start, point.month), v[f"memory_price_index.{i}.index"])
        for i, point in enumerate(scenario.memory_price_index)
    ))
    rules = active_rules(scenario)
    sites = tuple(
        SiteInputs(s.name, s.kind, v[f"sites.{s.name}.power_mw"], v[f"sites.{s.name}.pue"],
                   v[f"sites.{s.name}.server_power_overhead"],
                   v[f"sites.{s.name}.electricity_usd_per_kwh"],
                   v[f"sites.{s.name}.power_mw"] * v.get(f"sites.{s.name}.capex_usd_per_mw", 0.0),
                   12.0 * v[f"sites.{s.name}.datacenter_life_years"],
                   v[f"sites.{s.name}.fixed_opex_usd_per_mw_year"] / 12.0)
        for s in scenario.sites
    )
    builds = tuple(
        BuildInputs(s.name, v[f"sites.{s.name}.builds.{i}.power_mw"],
                    v[f"sites.{s.name}.builds.{i}.power_mw"]
                    * v[f"sites.{s.name}.builds.{i}.cost_usd_per_mw"],
                    v[f"sites.{s.name}.builds.{i}.lead_time_months"],
                    month_offset(start, b.start))
        for s in scenario.sites for i, b in enumerate(s.builds)
    )
    leases = tuple(
        LeaseInputs(x.name, x.chip, math.floor(v[f"leases.{x.name}.accelerators"]),
                    v[f"leases.{x.name}.usd_per_accelerator_hour"], month_offset(start, x.start),
                    v[f"leases.{x.name}.min_term_months"], v[f"leases.{x.name}.ramp_up_months"],
                    v[f"leases.{x.name}.revocation_hazard_per_year"],
                    v.get(f"leases.{x.name}.reoffer_after_months"))
        for x in scenario.leases
    )
    fleet = tuple(
        FleetInputs(f.chip, f.site, math.floor(v[f"fleet.{i}.count"]), v[f"fleet.{i}.age_months"])
        for i, f in enumerate(scenario.fleet)
    )
    inf = scenario.inference
    demand_fields = {
        name: v[f"inference.{name}"] for name in (
            "tokens_per_day", "output_share", "growth_per_year", "agent_share_start",
            "agent_share_end", "context_tokens", "agent_context_tokens",
            "context_growth_per_year", "efficiency_gain_per_year", "domestic_only_share")
    }
    demand_fields.update({
        name: v[f"inference.model.{name}"] for name in (
            "active_params", "total_params", "bytes_per_param", "kv_bytes_per_token",
            "attention_flop_per_context_token", "decode_batch")
    })
    path = tuple(
        (month_offset(start, point.month), v[f"inference.path.{i}.tokens_per_day"])
        for i, point in enumerate(inf.path)
    )
    demand = DemandInputs(**demand_fields, path=path,
                          ceiling_tokens_per_day=v.get("inference.ceiling_tokens_per_day",
                                                       math.inf),
                          volatility_per_month=v["inference.volatility_per_month"])
    alloc = scenario.allocation
    share = (v["allocation.training_share"]
             if isinstance(alloc, ReservedTraining | WorkConserving | FixedSplit) else 0.0)
    proc = scenario.procurement
    if isinstance(proc, BestValue):
        candidates = tuple(proc.candidates or scenario.chips)
        objective, mix = proc.objective, {}
    else:
        candidates, objective, mix = tuple(proc.mix), "training", dict(proc.mix)
    return Inputs(
        start=start, horizon_months=horizon, carry_over=scenario.budget.carry_over,
        tranches=tuple(tranches), memory_index=memory,
        transfers=tuple(TransferInputs(x.source, x.target, x.after_months,
                                       v[f"budget.transfers.{i}.share"])
                        for i, x in enumerate(scenario.budget.transfers)),
        chips={name: _chip(name, scenario, v, start) for name in scenario.chips},
        rules=rules, rule_landing={r.id: _landing(r, v, start) for r in rules},
        refund_on_cancel_fraction=v["procurement.refund_on_cancel_fraction"],
        sites=sites, builds=builds, leases=leases, fleet=fleet,
        runs=_runs(scenario, v, start, horizon),
        reference_cluster_chips=scenario.training.reference_cluster_chips,
        restart_cost_hours=v["training.restart_cost_hours"], demand=demand,
        allocation_policy=alloc.policy, training_share=share,
        procurement_policy=proc.policy, foresight=proc.foresight, objective=objective,
        candidates=candidates, mix=mix,
        values=v,
    )
