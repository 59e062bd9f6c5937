"""What to order each month: prices, what may be bought where, and how the money is spread.

Unit price at month t: ``price_usd x ((1 - memory_share) x (1 + price_trend_per_year) ** (t/12)
+ memory_share x memory_index(t) / memory_index(0))``. The all-in cost of one accelerator is
``price x (1 + surcharge) + price x (server_multiplier - 1)``: revenue shares and duties fall on
the chip, not on the server around it.

A chip is ordered for the first destination, domestic then overseas-owned (where the buyer has
such a site), at which the rules allow it (a licence must have been granted) and, with foresight
``announced``, at which no rule known now would deny it by its delivery. Each month the
chip money is spent in this order, within each chip's supply cap for the calendar quarter:

1. replacements of failed chips, same chip and destination;
2. if a ``min_domestic_share`` rule is in force, that share of the month's money on the chips
   it names, best value first;
3. the rest: best value first (``best_value``: effective training FLOP/s, or inference
   tokens/s, per all-in dollar), or by the fixed shares (``fixed_mix``).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sim.catalog.rules import ChipStatus
from sim.model.inputs import ChipInputs, Inputs
from sim.model.rulebook import Rulebook
from sim.schema.common import Destination

__all__ = ["Option", "Purchase", "memory_ratio", "options", "plan", "supply_left", "unit_price"]

MIN_ORDER = 1.0  # chips; smaller orders are dust


def memory_ratio(points: tuple[tuple[float, float], ...], t: float) -> float:
    """Memory price index at t relative to t = 0 (linear between points, flat outside)."""
    if not points:
        return 1.0

    def at(x: float) -> float:
        times = [p[0] for p in points]
        i = bisect.bisect_right(times, x)
        if i == 0:
            return points[0][1]
        if i == len(points):
            return points[-1][1]
        (t0, v0), (t1, v1) = points[i - 1], points[i]
        return float(v0 + (v1 - v0) * (x - t0) / (t1 - t0)) if t1 > t0 else float(v1)

    return at(t) / at(0.0)


def unit_price(chip: ChipInputs, t: float, memory: tuple[tuple[float, float], ...]) -> float:
    """Accelerator price at month t (before surcharges and servers)."""
    return _price(chip, t, memory_ratio(memory, t))


def _price(chip: ChipInputs, t: float, ratio: float) -> float:
    """:func:`unit_price` given the memory price ratio at t."""
    logic = (1.0 - chip.memory_share) * (1.0 + chip.price_trend_per_year) ** (t / 12.0)
    return float(chip.price_usd * (logic + chip.memory_share * ratio))


@dataclass(slots=True)  # not frozen: a frozen init costs 5x, and one is made per event
class Option:
    """A chip that can be ordered now: where, at what all-in unit cost, and how fast."""

    chip: ChipInputs
    kind: Destination
    status: ChipStatus
    unit_cost_usd: float
    lead_time_months: float
    value: float
    tier: str = "base"  # base: within supply_per_quarter; premium: above it, at a premium
    accelerator_cost_usd: float = 0.0  # the chip's part of unit_cost_usd (no server)


@dataclass(slots=True)  # not frozen: a frozen init costs 5x, and one is made per event
class Purchase:
    option: Option
    count: float

    @property
    def cost_usd(self) -> float:
        return self.count * self.option.unit_cost_usd


def options(inputs: Inputs, rulebook: Rulebook, t: float, kinds: set[str],
            value_per_chip: Callable[[ChipInputs], float]) -> list[Option]:
    """Every candidate chip obtainable at month t, at its first allowed destination."""
    found = []
    ratio = memory_ratio(inputs.memory_index, t)
    for name in inputs.candidates:
        chip = inputs.chips[name]
        if chip.available_from_month > t + 1e-9 or chip.supply_per_quarter <= 0.0:
            continue
        kind: Destination
        for kind in ("domestic", "overseas_owned"):
            if kind not in kinds:
                continue
            status = rulebook.obtainable(chip, kind, t)
            if status is None:
                continue
            lead = chip.lead_time_months + status.delay_months
            if inputs.foresight == "announced" and rulebook.foreseen_denied(chip, kind, t,
                                                                            t + lead):
                continue  # a known rule would deny it before delivery
            price = _price(chip, t, ratio)
            value = value_per_chip(chip)
            tiers = [("base", 0.0)]
            if chip.premium_supply_multiplier > 1.0:
                tiers.append(("premium", chip.premium_fraction))
            for tier, premium in tiers:
                accelerator = price * (1.0 + premium) * (1.0 + status.surcharge_fraction)
                cost = accelerator + price * (chip.server_multiplier - 1.0)
                found.append(Option(chip, kind, status, cost, lead, value / cost, tier,
                                    accelerator))
            break
    return found


def supply_left(chip: ChipInputs, used: float) -> dict[str, float]:
    """Units left this quarter by tier, before any quota, given ``used`` units of the
    quarter's cap already taken: the base tier up to ``supply_per_quarter``, the premium tier
    from there up to ``premium_supply_multiplier`` times it."""
    return {tier: _tier_left(chip, used, tier) for tier in ("base", "premium")}


def _tier_left(chip: ChipInputs, used: float, tier: str) -> float:
    """One tier of :func:`supply_left`."""
    base = chip.supply_per_quarter
    if tier == "base":
        return max(0.0, base - used)
    return max(0.0, base * chip.premium_supply_multiplier - max(used, base))


def plan(inputs: Inputs, rulebook: Rulebook, t: float, budget_usd: float,
         offers: list[Option], supply_used: Mapping[str, float],
         replacements: Mapping[tuple[str, str], float]) -> list[Purchase]:
    """The month's purchases (see the module docstring for the order); ``supply_used`` is
    each chip's share of its quarterly cap used so far (before quotas)."""
    money = budget_usd
    left: dict[tuple[str, str], float] = {}
    for o in offers:
        cap = _tier_left(o.chip, supply_used.get(o.chip.name, 0.0), o.tier)
        left[(o.chip.name, o.tier)] = max(0.0, cap * o.status.supply_factor)
    bought: list[Purchase] = []

    def buy(option: Option, wanted: float, cash: float) -> float:
        nonlocal money
        key = (option.chip.name, option.tier)
        n = min(wanted, left[key], cash / option.unit_cost_usd)
        if n < MIN_ORDER:
            return 0.0
        left[key] -= n
        money -= n * option.unit_cost_usd
        bought.append(Purchase(option, n))
        return n * option.unit_cost_usd

    if replacements:
        for option in offers:
            failed = replacements.get((option.chip.name, option.kind), 0.0)
            if failed > 0.0:  # less what this month already bought of the chip (never < 0)
                failed -= sum(p.count for p in bought if p.option.chip is option.chip)
                if failed > 0.0:
                    buy(option, failed, money)
    ranked = sorted(offers, key=lambda o: (-o.value, o.chip.name))
    named = rulebook.effects_in_force("min_domestic_share", "domestic", t)
    share = max((rulebook.effect_value(r, "share") for r in named), default=0.0)
    if share > 0.0:
        reserve = share * money
        for option in ranked:
            if any(rulebook.applies(r, option.chip, "domestic") for r in named) \
                    and reserve > 0.0:
                reserve -= buy(option, float("inf"), reserve)
    if inputs.procurement_policy == "fixed_mix":
        weights = {o.chip.name: inputs.mix.get(o.chip.name, 0.0) for o in offers}
        total = sum(weights.values())
        start = money
        share_left: dict[str, float] = {}
        for option in offers:  # a chip's base tier, then its premium tier, from its share
            name = option.chip.name
            if total > 0.0 and weights[name] > 0.0:
                cash = share_left.setdefault(name, start * weights[name] / total)
                share_left[name] = cash - buy(option, float("inf"), cash)
    else:
        for option in ranked:
            if money <= 0.0:
                break
            buy(option, float("inf"), money)
    return bought
