"""Invariants of DESIGN.md section 4, as functions that return the violations they find.

Every check runs the model with ``check=True`` (money conserved, installed <= delivered <=
ordered, power within capacity, effective <= peak FLOP/s, served <= demand, after every event)
and then compares replications under common random numbers: the same scenario, seed and
replication index, with one change applied to the drawn input values.

What is checked, and what is deliberately not:

- Scaling every money amount by k (or giving the budget in CNY instead of USD) leaves
  physical outputs unchanged.
- More budget never lowers chips delivered, nor, when chips do not fail, accessible compute
  (installed + leased + delivered and waiting for power). With failures it can: chips bought
  earlier have had longer to fail by the end, and their replacements compete for the same
  quarterly supply. *Installed* compute alone can fall too: more chips that arrive early can
  take the power a later, denser chip would have used.
- Lower prices, all chips scaled together, never lower chip counts. A price cut on one chip
  can: a best-value buyer may then buy fewer, better chips.
- A stricter rule set (a new deny rule) never raises the compute secured (held, leased or on
  order) in the units procurement optimises (effective training FLOP/s at the reference
  cluster size, for the training objective), without failures, when unspent money does
  not carry over, for a buyer who sees announced rules, when every deny or licence rule is
  announced (a surprise can cancel an order whose money would otherwise have bought another
  chip), and without a ``min_domestic_share`` rule (which forces money onto named chips:
  denying one frees that money for better ones). Each month is then a fractional
  knapsack that the greedy best-value buyer solves exactly, and a denial only removes
  options. Outside those conditions it can rise:
  measured in peak FLOP/s, the money may go to a chip with more peak but less effective
  FLOP/s per dollar; with carry-over, a denial can make the myopic buyer save this quarter's
  money for next quarter's supply of a better chip (hypothesis found: deny H20 with a small
  H200 quarterly cap, and two quarters of H200 beat one of H200 plus H20).
- With foresight ``announced``, no order is cancelled by a rule that was announced (fixed date,
  probability 1) and known when the order was placed.
- With a training share, ``work_conserving`` serves at least the tokens ``reserved_training``
  serves on the same draws, and starts and finishes every run at the same moments (runs are
  placed against the same reserved split; only idle reserve is lent).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from sim.design import unit_points
from sim.model import ReplicationResult, concretize, input_space, simulate
from sim.schema.scenario import Scenario

__all__ = [
    "MONEY_PATTERNS",
    "PHYSICAL_KPIS",
    "Violation",
    "check_all",
    "replication_values",
    "run_values",
    "scaled",
]

MONEY_PATTERNS = (
    r"budget\.tranches\.\d+\.amount",
    r"chips\.[^.]+\.price_usd",
    r"sites\.[^.]+\.builds\.\d+\.cost_usd_per_mw",
    r"leases\.[^.]+\.usd_per_accelerator_hour",
    r"sites\.[^.]+\.electricity_usd_per_kwh",
)
"""Input paths holding money (scaled together by the money-scaling invariant)."""

PHYSICAL_KPIS = (
    "chips_delivered", "h100_equivalents_installed", "installed_pflops", "accessible_pflops",
    "training_flop_delivered", "largest_run_flop", "runs_completed", "demand_served_fraction",
    "stranded_chip_months", "domestic_compute_share",
)
"""KPIs that do not depend on the unit of money."""


@dataclass(frozen=True)
class Violation:
    """An invariant that failed, and how."""

    invariant: str
    message: str

    def __str__(self) -> str:
        return f"{self.invariant}: {self.message}"


def replication_values(scenario: Scenario, seed: int, replication: int) -> dict[str, float]:
    """The input values replication ``replication`` draws (plain Monte Carlo design)."""
    space = input_space(scenario)
    return space.values(unit_points(space.names, seed, [replication])[0])


def run_values(scenario: Scenario, values: Mapping[str, float], seed: int,
               replication: int) -> ReplicationResult:
    """One replication on given input values, with the per-event invariant checks on."""
    return simulate(concretize(scenario, values), seed, replication, check=True)


def scaled(values: Mapping[str, float], patterns: tuple[str, ...], k: float) -> dict[str, float]:
    """``values`` with every path matching one of ``patterns`` multiplied by ``k``."""
    regex = re.compile("|".join(f"(?:{p})" for p in patterns) + "$")
    return {path: v * k if regex.match(path) else v for path, v in values.items()}


def _close(a: float, b: float, rel: float = 1e-6) -> bool:
    if a == b:
        return True
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-9)


def _series_violations(scenario: Scenario, result: ReplicationResult) -> list[Violation]:
    out = []
    for site, used in result.series.site_power_used_mw.items():
        capacity = result.series.site_power_capacity_mw[site]
        if np.any(used > capacity * (1 + 1e-9) + 1e-9):
            out.append(Violation("power", f"site {site} draws more than it has"))
    served, demanded = result.series["tokens_served"], result.series["tokens_demanded"]
    if np.any(served > demanded * (1 + 1e-9) + 1e-6):
        out.append(Violation("served", "a month served more tokens than were demanded"))
    if np.any(result.series["installed_pflops"] > result.series["kpi.accessible_pflops"]
              * (1 + 1e-9) + 1e-9):
        out.append(Violation("accessible", "installed exceeds accessible compute"))
    return out


def check_all(scenario: Scenario, seed: int = 0, replication: int = 0,
              *, values: Mapping[str, float] | None = None, money_factor: float = 3.0,
              budget_factor: float = 1.5, price_factor: float = 0.7) -> list[Violation]:
    """Every invariant for one replication of ``scenario`` (its drawn inputs, or ``values``
    when given); an empty list when all hold."""
    from sim.model.invariants import InvariantViolationError

    if values is None:
        values = replication_values(scenario, seed, replication)

    def run(v: Mapping[str, float], sc: Scenario = scenario) -> ReplicationResult:
        return run_values(sc, v, seed, replication)

    try:
        base = run(values)
    except InvariantViolationError as exc:
        return [Violation("state", str(exc))]
    found = _series_violations(scenario, base)

    def compare(name: str, other: Callable[[], ReplicationResult],
                test: Callable[[ReplicationResult], list[str]]) -> None:
        try:
            result = other()
        except InvariantViolationError as exc:
            found.append(Violation(name, str(exc)))
            return
        found.extend(Violation(name, m) for m in test(result))

    def same_physics(result: ReplicationResult) -> list[str]:
        return [f"{k}: {base.kpis[k]:.6g} became {result.kpis[k]:.6g}"
                for k in PHYSICAL_KPIS if not _close(base.kpis[k], result.kpis[k])]

    def identical(result: ReplicationResult) -> list[str]:
        return [f"{k} differs on a rerun" for k in base.kpis
                if not _close(base.kpis[k], result.kpis[k], 0.0)]

    def not_lower_than(reference: ReplicationResult, keys: tuple[str, ...]
                       ) -> Callable[[ReplicationResult], list[str]]:
        def test(result: ReplicationResult) -> list[str]:
            return [f"{k} fell from {reference.kpis[k]:.6g} to {result.kpis[k]:.6g}"
                    for k in keys if result.kpis[k] < reference.kpis[k] * (1 - 1e-9) - 1e-9]
        return test

    compare("determinism", lambda: run(values), identical)
    compare("money scaling", lambda: run(scaled(values, MONEY_PATTERNS, money_factor)),
            same_physics)
    cny = _in_cny(scenario)
    if cny is not None:
        rate = values.get("currency.cny_per_usd", 7.0)
        cny_values = dict(values, **{"currency.cny_per_usd": rate})
        for i, tranche in enumerate(scenario.budget.tranches):
            if tranche.currency == "USD":
                cny_values[f"budget.tranches.{i}.amount"] = values[
                    f"budget.tranches.{i}.amount"] * rate
        compare("currency", lambda: run(cny_values, cny), same_physics)
    compare("more budget", lambda: run(scaled(values, (MONEY_PATTERNS[0],), budget_factor)),
            not_lower_than(base, ("chips_delivered",)))
    durable = scaled(values, (r"chips\.[^.]+\.annual_failure_rate",), 0.0)
    try:
        durable_base = run(durable)
    except InvariantViolationError as exc:
        found.append(Violation("state", str(exc)))
        return found

    compare("more budget (no failures)",
            lambda: run(scaled(durable, (MONEY_PATTERNS[0],), budget_factor)),
            not_lower_than(durable_base, ("accessible_pflops", "chips_delivered")))
    compare("lower prices", lambda: run(scaled(values, (MONEY_PATTERNS[1],), price_factor)),
            not_lower_than(base, ("chips_delivered",)))
    found.extend(_work_conserving_violations(scenario, values, seed, replication))
    found.extend(_foresight_violations(scenario, values, seed, replication))
    if _objective(scenario) == "training" and not _forces_a_mix(scenario):
        lapsing = _without_carry_over(scenario)
        stricter = _with_deny_rule(lapsing)
        deny_values = dict(durable, **{f"rules.{_DENY_ID}.probability": 1.0})
        try:
            before = _secured_training_flops(lapsing, durable, seed, replication)
            after = _secured_training_flops(stricter, deny_values, seed, replication)
        except InvariantViolationError as exc:
            found.append(Violation("stricter rules (no failures)", str(exc)))
        else:
            if after > before * (1 + 1e-6) + 1e-6:
                found.append(Violation("stricter rules (no failures)",
                                       f"secured effective training FLOP/s rose from "
                                       f"{before:.6g} to {after:.6g}"))
    return found


_DENY_ID = "invariant_check_deny"


def _forces_a_mix(scenario: Scenario) -> bool:
    """Whether the stricter-rules invariant is outside its conditions: a min_domestic_share
    rule forces part of the money onto named chips, and denying one of them frees that money
    for better chips (hypothesis found it: deny a one-unit Ascend-910C reserve and the money
    buys H100 instead); a deciding rule that is not announced can land between an order and
    its delivery, and the money the order loses could have bought a chip the stricter rule
    set leaves (found: H100 ordered at t = 0, cancelled at t = 1, against one H200)."""
    from sim.model.space import active_rules

    for rule in active_rules(scenario):
        if rule.effect.kind == "min_domestic_share":
            return True
        if rule.effect.kind in ("deny", "licence") and not rule.announced:
            return True
    return False


def _objective(scenario: Scenario) -> str:
    return getattr(scenario.procurement, "objective", "mix")


def _secured_training_flops(scenario: Scenario, values: Mapping[str, float], seed: int,
                            replication: int) -> float:
    """Effective training FLOP/s (reference cluster size) of every chip held, leased, waiting
    for power or on order at the end of a replication."""
    from sim.model.engine import Replication
    from sim.model.training import cluster_flops

    inputs = concretize(scenario, values)
    rep = Replication(inputs, seed, replication, check=True)
    rep.run()
    ref, restart = inputs.reference_cluster_chips, inputs.restart_cost_hours
    held = [(p.chip, p.count) for p in rep.fleet.pools.values()]
    held += [(b.chip, b.count) for b in rep.fleet.inventory]
    held += [(o.option.chip, o.count) for o in rep.orders]
    return sum(n * cluster_flops(chip, ref, ref, restart) / ref for chip, n in held)


def _with_policy(scenario: Scenario, policy: str) -> Scenario:
    data = scenario.model_dump(mode="json")
    data["allocation"]["policy"] = policy
    return Scenario.model_validate(data)


def _work_conserving_violations(scenario: Scenario, values: Mapping[str, float], seed: int,
                                replication: int) -> list[Violation]:
    """On the same draws, ``work_conserving`` serves at least the tokens ``reserved_training``
    serves and starts and finishes every run at the same time (only for scenarios with a
    training share, i.e. those two policies)."""
    from sim.model.engine import Replication
    from sim.model.invariants import InvariantViolationError

    if scenario.allocation.policy not in ("reserved_training", "work_conserving"):
        return []
    reps = []
    for policy in ("reserved_training", "work_conserving"):
        rep = Replication(concretize(_with_policy(scenario, policy), values), seed, replication,
                          check=True)
        try:
            rep.run()
        except InvariantViolationError as exc:
            return [Violation(f"{policy} (same draws)", str(exc))]
        reps.append(rep)
    reserved, conserving = reps
    found = []
    if conserving.acc.tokens_served < reserved.acc.tokens_served * (1 - 1e-9) - 1e-6:
        found.append(Violation("work conserving", f"served {conserving.acc.tokens_served:.6g} "
                               f"< reserved_training's {reserved.acc.tokens_served:.6g}"))
    for a, b in zip(reserved.runs, conserving.runs, strict=True):
        if (a.started_month, a.finished_month) != (b.started_month, b.finished_month):
            found.append(Violation("work conserving", f"run {a.run.name} ran "
                                   f"{b.started_month}-{b.finished_month} instead of "
                                   f"{a.started_month}-{a.finished_month}"))
    return found


def _foresight_violations(scenario: Scenario, values: Mapping[str, float], seed: int,
                          replication: int) -> list[Violation]:
    """With foresight ``announced`` no order is cancelled by a rule that was announced (fixed
    date, probability 1) and known when the order was placed."""
    from sim.model.engine import Replication
    from sim.model.invariants import InvariantViolationError

    data = scenario.model_dump(mode="json")
    data["procurement"]["foresight"] = "announced"
    inputs = concretize(Scenario.model_validate(data), values)
    rep = Replication(inputs, seed, replication, check=True)
    try:
        rep.run()
    except InvariantViolationError as exc:
        return [Violation("foresight (same draws)", str(exc))]
    rules = {r.id: r for r in inputs.rules}
    found = []
    for ordered_at, chip, rule_ids in rep.cancellations:
        for rule_id in rule_ids:
            rule = rules[rule_id]
            known = (-math.inf if rule.known_from is None
                     else inputs.month(rule.known_from))
            if rule.announced and known <= ordered_at:
                found.append(Violation("foresight", f"{chip} ordered at t={ordered_at:.3f} "
                                       f"was cancelled by the announced rule {rule_id}"))
    return found


def _without_carry_over(scenario: Scenario) -> Scenario:
    """The scenario with money lapsing monthly and a buyer who sees announced rules."""
    data = scenario.model_dump(mode="json")
    data["budget"]["carry_over"] = False
    data["procurement"]["foresight"] = "announced"
    return Scenario.model_validate(data)


def _with_deny_rule(scenario: Scenario) -> Scenario:
    """The scenario plus a rule denying its first listed chip everywhere from the start."""
    data = scenario.model_dump(mode="json")
    chip = next(iter(scenario.chips))
    data["export_controls"]["rules"] = [*data["export_controls"]["rules"], {
        "id": _DENY_ID, "title": "invariant check", "authority": "US",
        "source": "assumption: invariant check", "effective": scenario.clock.start,
        "chips": f"name == '{chip}'", "destinations": ["domestic", "overseas_owned", "leased"],
        "effect": {"kind": "deny"},
    }]
    return Scenario.model_validate(data)


def _in_cny(scenario: Scenario) -> Scenario | None:
    """The scenario with every USD tranche given in CNY instead (None if there is none)."""
    if all(t.currency == "CNY" for t in scenario.budget.tranches):
        return None
    data = scenario.model_dump(mode="json")
    for tranche in data["budget"]["tranches"]:
        tranche["currency"] = "CNY"
    if data["currency"].get("cny_per_usd") is None:
        data["currency"]["cny_per_usd"] = 7.0
    return Scenario.model_validate(data)
