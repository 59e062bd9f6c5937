"""The discrete-event replication: SimPy events for money, orders, builds, rules, leases and
training runs, with throughput integrated exactly between events.

Events happen only where state changes: the month boundary (budget release, payments, failure
and retirement batches, procurement, the monthly record), a delivery, a build coming online, a
rule landing, a lease becoming ready or being revoked, a run arriving or finishing. Before each
event is handled, :meth:`Replication.advance` integrates tokens served, training FLOP, stranded
chip-months and costs since the last event; the costs and chip-months per month are summed
once after each event that changes a pool or the allocation (:func:`sim.model.costs.flows`).
Simultaneous events run in SimPy's fixed order (time, priority, insertion), never by a random
tie-break; each wait is a callback (:mod:`sim.model.scheduling`) in the order a process would
have had.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial

import numpy as np
import simpy

from sim.calendar import parse_month
from sim.model.allocation import Orders, allocate, fill_orders, top_up
from sim.model.costs import flows
from sim.model.demand import DemandPath
from sim.model.fleet import Batch, Cohort, Fleet, Pool
from sim.model.inference import SECONDS_PER_MONTH, ChipServing, serve
from sim.model.inputs import HOURS_PER_MONTH, BuildInputs, ChipInputs, Inputs
from sim.model.invariants import check_state
from sim.model.leases import Lease, end_lease, pay_month, settle_month, sign_lease
from sim.model.ledger import Ledger
from sim.model.procurement import Purchase, options, plan, unit_price
from sim.model.recorder import Accumulators, finish_kpis, record_month
from sim.model.results import MonthlySeries, ReplicationResult, TraceEvent
from sim.model.rulebook import Rulebook
from sim.model.scheduling import Pending, later
from sim.model.training import RunState, cluster_flops, place
from sim.schema.common import Destination
from sim.streams import stream, uniform

__all__ = ["Replication", "simulate"]

class _Order:
    """An order in flight; it leaves :attr:`Replication.orders` when delivered or cancelled."""

    __slots__ = ("cost_usd", "count", "done", "option", "ordered_at")

    def __init__(self, purchase: Purchase, ordered_at: float) -> None:
        self.option = purchase.option
        self.count = purchase.count
        self.cost_usd = purchase.cost_usd
        self.done = False
        self.ordered_at = ordered_at


class Replication:
    """One replication of a scenario. Build it, then call :meth:`run` once."""

    def __init__(self, inputs: Inputs, seed: int, replication: int, *, trace: bool = False,
                 check: bool = False) -> None:
        self.inp = inputs
        self.seed, self.index = seed, replication
        self.env = simpy.Environment()
        self.ledger = Ledger()
        self.rules = Rulebook(inputs, lambda name: uniform(seed, replication, name))
        self.fleet = Fleet(inputs.sites)
        self.kinds = {s.kind for s in inputs.sites}
        self.acc = Accumulators()
        self.series = MonthlySeries(inputs.horizon_months, sites=[s.name for s in inputs.sites])
        self.trace: list[TraceEvent] | None = [] if trace else None
        self.check = check
        self.orders: list[_Order] = []
        self.cancellations: list[tuple[float, str, tuple[str, ...]]] = []
        """(order time, chip, ids of the rules that made it unobtainable) per cancelled order."""
        self.leases: list[Lease] = []
        self.lease_due = {x.name: max(0.0, x.start_month) for x in inputs.leases}
        """Month start at which each lease offer is (next) made (an offer dated before the
        start is made at the start, as builds and runs dated before it are)."""
        self.runs = [RunState(r, i, r.flop) for i, r in enumerate(inputs.runs)]
        self.waiting: list[RunState] = []
        self.running: dict[int, tuple[RunState, Pending]] = {}
        self.supply_used: dict[tuple[str, int], float] = {}
        self.replacements: dict[tuple[str, str], float] = {}
        self.builds_pending: list[BuildInputs] = list(inputs.builds)
        self.capacity = (0.0, 0.0)
        sigma = inputs.demand.volatility_per_month
        noise = None
        if sigma > 0.0:
            z = stream(seed, replication, "demand:volatility").standard_normal(
                inputs.horizon_months + 1)
            noise = np.exp(sigma * z - sigma * sigma / 2.0)
        self.demand = DemandPath(inputs.demand, noise)
        self._tokens: dict[str, list[float]] = {}
        self._alloc_key: tuple[int, int] | None = None
        self._alloc: tuple[list[Pool], dict[int, float], Orders, float]
        year, month = parse_month(inputs.start)
        self._start_month_index = year * 12 + month - 1  # for calendar quarters
        self.t_last = 0.0
        self._flows: tuple[float, ...] = (0.0,) * 8

    # --- bookkeeping -------------------------------------------------------------------
    def later(self, delay: float, action: Callable[[], None]) -> None:
        """Call ``action`` ``delay`` months from now (:func:`sim.model.scheduling.later`)."""
        later(self.env, delay, action)

    def log(self, kind: str, message: str) -> None:
        if self.trace is not None:
            self.trace.append(TraceEvent(self.env.now, kind, message))

    def advance(self, t: float) -> None:
        """Integrate everything that flows between events from the last event up to ``t``."""
        t0 = self.t_last
        dt = t - t0
        if dt <= 0.0:
            return
        acc, fleet = self.acc, self.fleet
        capacity = self.capacity
        acc.add_served(serve(self.demand.segment(t0), capacity[0], capacity[1],
                             self.inp.demand.domestic_only_share, dt), t0)
        for state, _ in self.running.values():
            flop = state.flops * dt * SECONDS_PER_MONTH
            state.remaining_flop -= flop
            acc.training_flop += flop
        if fleet.inventory:
            acc.stranded_chip_months += fleet.waiting() * dt
        acc.inference_capacity_tokens += (capacity[0] + capacity[1]) * dt * SECONDS_PER_MONTH
        (inference, held, idle, inference_cost, training_cost, idle_cost, site_cost,
         idle_power_cost) = self._flows
        acc.inference_chip_months += inference * dt
        acc.training_chip_months += held * dt
        acc.idle_chip_months += idle * dt
        acc.inference_cost_usd += inference_cost * dt
        acc.training_cost_usd += training_cost * dt
        acc.idle_chip_cost_usd += idle_cost * dt
        acc.site_cost_usd += site_cost * dt
        acc.idle_power_cost_usd += idle_power_cost * dt
        self.t_last = t

    def flows(self) -> tuple[float, ...]:
        """:func:`sim.model.costs.flows` of the state now."""
        return flows(self.fleet, self.rules.epoch(self.env.now),
                     lambda pool: self._cost_parts(pool, self.env.now))

    def _cost_parts(self, pool: Pool, t: float) -> tuple[float, float]:
        """A pool's cost per chip-month is ``unit cost / useful life + energy``: (useful life
        in months, energy in USD after the subsidies in force at ``t``); for a lease (-1, its
        fee per chip)."""
        if pool.kind == "leased":
            return -1.0, next(x.fee_usd / x.count for x in self.leases if x.pool is pool)
        site = self.fleet.sites[pool.location]
        kind: Destination = "domestic" if site.kind == "domestic" else "overseas_owned"
        discount = self.rules.power_discount(pool.chip, kind, t)
        energy = pool.facility_w / 1000.0 * HOURS_PER_MONTH * site.electricity_usd_per_kwh
        return pool.chip.useful_life_months, energy * (1.0 - discount)

    def after_event(self, *, changed: bool = True) -> None:
        """Re-split chips and place waiting runs, and update the flows :meth:`advance`
        integrates (both skipped when no pool changed), then check."""
        if changed:
            self.reallocate()
            self._flows = self.flows()
        if self.check:
            check_state(self)

    # --- allocation and training -------------------------------------------------------
    def reallocate(self) -> None:
        t = self.env.now
        month = math.floor(t + 1e-9)
        key = (month, self.fleet.version)
        if key != self._alloc_key:
            # per-chip rates, fill orders and the month's demand change only with the month
            # and the set of pools
            pools = list(self.fleet.pools.values())
            tokens = {id(pool): self.chip_tokens(pool.chip, t) for pool in pools}
            self._alloc = (pools, tokens, fill_orders(pools, tokens),
                           self.demand.month_end(month))
            self._alloc_key = key
        pools, tokens, orders, target = self._alloc
        share = self.inp.demand.domestic_only_share
        policy = self.inp.allocation_policy
        lent = {id(pool): pool.inference for pool in pools} if self.waiting else {}
        self.capacity = allocate(pools, tokens, policy, self.inp.training_share,
                                 share * target, (1 - share) * target, orders)
        if self.waiting:
            for state in sorted(self.waiting, key=lambda s: s.key):
                found = place(state.run, pools, self.inp.reference_cluster_chips,
                              self.inp.restart_cost_hours)
                if found is not None:
                    pool, n = found[0], found[1]
                    # chips that served inference until now and train from now: preempted
                    taken = n - max(0.0, pool.count - pool.held - lent[id(pool)])
                    self._start(state, *found)
                    if taken >= 0.5:
                        self.log("preempt", f"run {state.run.name} takes {taken:,.0f} "
                                 f"{pool.chip.name} at {pool.location} back from inference")
        if policy == "work_conserving":
            self.capacity = top_up(pools, tokens, share * target, (1 - share) * target, orders,
                                   self.capacity)

    def _log_lent(self) -> None:
        reserve = self.inp.training_share
        lent = sum(max(0.0, p.inference - (1.0 - reserve) * p.count)
                   for p in self.fleet.pools.values())
        if lent >= 0.5:
            self.log("lend", f"{lent:,.0f} chips reserved for training serve inference while "
                     "no run holds them")

    def chip_tokens(self, chip: ChipInputs, t: float) -> float:
        """Tokens/s per chip, evaluated at the start of the month containing ``t`` (demand mix,
        contexts and efficiency change slowly; every month's value is computed at once)."""
        month = math.floor(t + 1e-9)
        table = self._tokens.get(chip.name)
        if table is None or month >= len(table):
            serving = ChipServing(chip, self.inp.demand, float(self.inp.horizon_months))
            table = self._tokens[chip.name] = serving.table(max(self.inp.horizon_months, month))
        return table[month]

    def _start(self, state: RunState, pool: Pool, n: float, flops: float) -> None:
        self.waiting.remove(state)
        state.pool, state.chips, state.flops = pool, n, flops
        if state.started_month is None:
            state.started_month = self.env.now
        pool.held += n
        pending = Pending()
        self.running[state.order] = (state, pending)
        later(self.env, lambda: state.remaining_flop / (state.flops * SECONDS_PER_MONTH),
              partial(self._finish, state), pending)
        if self.trace is not None:  # the message costs more than the event
            self.log("start", f"run {state.run.name} ({state.run.flop:.3g} FLOP) on {n:,.0f} "
                     f"{pool.chip.name} at {pool.location}, {flops / n / pool.chip.peak_flops:.1%} "
                     "of peak")

    def _finish(self, state: RunState) -> None:
        self.advance(self.env.now)
        del self.running[state.order]
        assert state.pool is not None
        state.pool.held -= state.chips
        state.remaining_flop = 0.0
        state.finished_month = self.env.now
        self.acc.complete(state)
        if self.trace is not None:  # the message costs more than the event
            self.log("finish", f"run {state.run.name} done ({state.run.flop:.3g} FLOP)")
        self.after_event()

    def stop_runs_on(self, pool: Pool) -> None:
        for key, (state, pending) in list(self.running.items()):
            if state.pool is pool:
                pending.cancelled = True
                del self.running[key]
                state.pool, state.chips, state.flops = None, 0.0, 0.0
                self.waiting.append(state)
                self.log("interrupt", f"run {state.run.name} lost its chips; back in the queue")

    def _arrive(self, state: RunState) -> None:
        self.advance(self.env.now)
        self.waiting.append(state)
        if self.trace is not None:  # the message costs more than the event
            self.log("arrive", f"run {state.run.name} ready ({state.run.flop:.3g} FLOP)")
        self.after_event()

    # --- the month ------------------------------------------------------------------------
    def _month(self, m: int) -> None:
        """The month boundary ``m``: the month before is recorded, then month ``m`` starts."""
        horizon = self.inp.horizon_months
        self.advance(float(m))
        if m > 0:
            record_month(self, m - 1)
        if m == horizon:
            for held in self.leases:
                if held.alive:
                    settle_month(self, held)
            return
        self._month_start(m)
        self.after_event()
        if self.trace is not None and self.inp.allocation_policy == "work_conserving":
            self._log_lent()
        self.env.timeout(m + 1 - self.env.now).callbacks.append(
            lambda _: self._month(m + 1))

    def _month_start(self, m: int) -> None:
        if m > 0 and not self.inp.carry_over:
            self.ledger.lapse()
        for tranche in self.inp.tranches:
            if tranche.start_month - 1e-9 <= m < tranche.start_month + tranche.months - 1e-9:
                for category, share in zip(("chips", "datacenter", "leases"), tranche.shares,
                                           strict=True):
                    self.ledger.release(category, tranche.amount_usd * share / tranche.months,
                                        float(m))
        for rule in self.inp.transfers:
            moved = self.ledger.transfer(rule.source, rule.target, m - rule.after_months,
                                         rule.share)
            if moved > 0.5:
                self.log("transfer", f"${moved:,.0f} of {rule.source} money unspent for "
                         f"{rule.after_months} months moves to {rule.target}")
        if m > 0:
            for key, n in self.fleet.fail_and_retire(1.0, float(m)).items():
                self.replacements[key] = self.replacements.get(key, 0.0) + n
            self.fleet.install_waiting(float(m))
        self._pay_leases(m)
        self._start_builds(m)
        self._procure(m)

    def _procure(self, m: int) -> None:
        t = float(m)
        quarter = (self._start_month_index + m) // 3
        value = self._value_per_chip(t)
        offers = options(self.inp, self.rules, t, self.kinds, value)
        used = {o.chip.name: self.supply_used.get((o.chip.name, quarter), 0.0) for o in offers}
        # one order per chip and tier a month: one delivery event each
        merged: dict[tuple[str, str], Purchase] = {}
        for p in plan(self.inp, self.rules, t, self.ledger.available("chips"), offers, used,
                      self.replacements):
            key = (p.option.chip.name, p.option.tier)
            prev = merged.get(key)
            merged[key] = p if prev is None else Purchase(p.option, prev.count + p.count)
        spend = sum(p.cost_usd for p in merged.values())
        self.acc.attribute_unspent_chips(self.ledger.available("chips") - spend,
                                         "no_supply" if offers else "nothing_allowed")
        for purchase in merged.values():
            option = purchase.option
            name = option.chip.name
            self.ledger.commit("chips", purchase.cost_usd)
            self.acc.commit("chips", purchase.cost_usd)
            self.acc.month_accelerators_usd += purchase.count * option.accelerator_cost_usd
            self.supply_used[(name, quarter)] = self.supply_used.get((name, quarter), 0.0) + (
                purchase.count / max(option.status.supply_factor, 1e-12))
            key = (name, option.kind)
            if key in self.replacements:
                self.replacements[key] = max(0.0, self.replacements[key] - purchase.count)
            order = _Order(purchase, t)
            self.orders.append(order)
            self.acc.ordered += purchase.count
            self.later(option.lead_time_months, partial(self._deliver, order))
            tier = "" if option.tier == "base" else " (above the supply cap, at a premium)"
            if self.trace is not None:  # the message costs more than the event
                self.log("order", f"{purchase.count:,.0f} {name} for {option.kind} at "
                         f"${option.unit_cost_usd:,.0f} all-in{tier}, due in "
                         f"{option.lead_time_months:.1f} months")

    def _value_per_chip(self, t: float) -> Callable[[ChipInputs], float]:
        ref = self.inp.reference_cluster_chips
        if self.inp.objective == "inference":
            return lambda chip: self.chip_tokens(chip, t)
        return lambda chip: cluster_flops(chip, ref, ref, self.inp.restart_cost_hours) / ref

    def _deliver(self, order: _Order) -> None:
        if order.done:
            return
        self.advance(self.env.now)
        order.done = True
        self.orders.remove(order)
        chip, kind = order.option.chip, order.option.kind
        if self.rules.obtainable(chip, kind, self.env.now) is None:
            status = self.rules.status(chip, kind, self.env.now)
            self._cancel(order, "a rule in force at delivery", status.rule_ids)
        else:
            self.ledger.settle("chips", order.cost_usd)
            self.acc.delivered += order.count
            if chip.domestic:
                self.acc.month_delivered_domestic += order.count
            before = self.fleet.installed_purchased
            self.fleet.inventory.append(Batch(chip, kind, order.count, order.option.unit_cost_usd))
            self.fleet.install_waiting(self.env.now)
            if self.trace is not None:  # the message costs more than the event
                self.log("deliver", f"{order.count:,.0f} {chip.name} to {kind}")
            # no chip installed: every pool is as it was, so allocation and placement too
            self.after_event(changed=self.fleet.installed_purchased != before)
            return
        self.after_event()

    def _cancel(self, order: _Order, why: str, rule_ids: tuple[str, ...]) -> None:
        self.cancellations.append((order.ordered_at, order.option.chip.name, rule_ids))
        if order in self.orders:
            self.orders.remove(order)
        order.done = True
        lost = self.ledger.cancel("chips", order.cost_usd, self.inp.refund_on_cancel_fraction)
        self.acc.lost_to_policy_usd += lost
        self.log("cancel", f"{order.count:,.0f} {order.option.chip.name} for "
                 f"{order.option.kind}: {why}; ${lost:,.0f} lost")

    # --- builds ---------------------------------------------------------------------------
    def _start_builds(self, m: int) -> None:
        for build in list(self.builds_pending):
            if build.start_month > m + 1e-9:
                continue
            if self.ledger.available("datacenter") + 1e-6 < build.cost_usd:
                continue  # waits for money; tried again next month
            self.builds_pending.remove(build)
            self.ledger.commit("datacenter", build.cost_usd)
            self.acc.commit("datacenter", build.cost_usd)
            self.later(build.lead_time_months, partial(self._build, build))
            self.log("build", f"{build.power_mw:,.0f} MW at {build.site} started "
                     f"(${build.cost_usd:,.0f}), online in {build.lead_time_months:.1f} months")

    def _build(self, build: BuildInputs) -> None:
        self.advance(self.env.now)
        self.ledger.settle("datacenter", build.cost_usd)
        self.fleet.capacity_mw[build.site] += build.power_mw
        self.fleet.capital_usd[build.site] += build.cost_usd
        self.fleet.install_waiting(self.env.now)
        self.log("online", f"{build.power_mw:,.0f} MW at {build.site}")
        self.after_event()

    # --- leases ---------------------------------------------------------------------------
    def _pay_leases(self, m: int) -> None:
        for held in self.leases:
            if held.alive:
                settle_month(self, held)
                pay_month(self, held, float(m))
        for lease in self.inp.leases:
            due = self.lease_due.get(lease.name)
            if due is not None and abs(due - m) < 1e-9:
                sign_lease(self, lease, m)

    # --- rules ----------------------------------------------------------------------------
    def _rule(self, rule_id: str, t: float) -> None:
        self.advance(self.env.now)
        rule = next(r for r in self.rules.rules if r.id == rule_id)
        self.log("rule", f"{rule.id} lands: {rule.title}")
        for order in list(self.orders):
            chip, kind = order.option.chip, order.option.kind
            if self.rules.obtainable(chip, kind, t) is None:
                # the rules that deny it (or refuse its licence): when rules land together,
                # not always the one whose landing is handled first
                ids = self.rules.status(chip, kind, t).rule_ids
                self._cancel(order, f"{', '.join(ids)} landed before delivery", ids)
        for held in self.leases:
            if not held.alive:
                continue
            chip = self.inp.chips[held.lease.chip]
            revoked = rule.effect.kind == "revoke" and "leased" in rule.destinations and \
                rule.predicate(chip.attrs)
            if revoked or self.rules.status(chip, "leased", t).verdict == "denied":
                end_lease(self, held, f"revoked by {rule.id}", revoked=True)
        self.after_event()

    # --- run ----------------------------------------------------------------------------
    def _install_start_fleet(self) -> None:
        for cohort in self.inp.fleet:
            chip = self.inp.chips[cohort.chip]
            site = self.fleet.sites[cohort.site]
            cost = unit_price(chip, 0.0, self.inp.memory_index) * chip.server_multiplier
            watts = site.facility_w(chip)
            fit = min(cohort.count, max(0.0, self.fleet.free_mw(site.name)) * 1e6 / watts)
            pool = self.fleet.pool(site.name, site.kind, chip, watts)
            pool.add(Cohort(-cohort.age_months, fit, cost))
            if cohort.count - fit > 0.0:
                self.fleet.inventory.append(
                    Batch(chip, site.kind, cohort.count - fit, cost, purchased=False))
                self.log("fleet", f"{cohort.count - fit:,.0f} {chip.name} at {site.name} have "
                         "no power at the start")

    def run(self) -> ReplicationResult:
        """Simulate the horizon and return the result."""
        self._install_start_fleet()
        self.later(0.0, partial(self._month, 0))
        for state in self.runs:
            if state.run.arrival_month < self.inp.horizon_months:
                self.later(max(0.0, state.run.arrival_month), partial(self._arrive, state))
        for rule_id, t in self.rules.upcoming().items():
            if t < self.inp.horizon_months:
                self.later(t, partial(self._rule, rule_id, t))
        self.env.run(until=float(self.inp.horizon_months) + 1e-9)
        kpis = finish_kpis(self)
        return ReplicationResult(self.index, kpis, self.series, self.trace)


def simulate(inputs: Inputs, seed: int, replication: int = 0, *, trace: bool = False,
             check: bool = False) -> ReplicationResult:
    """Run one replication of concrete ``inputs`` with the keyed streams of ``(seed,
    replication)``; ``check`` verifies the model's invariants after every event."""
    return Replication(inputs, seed, replication, trace=trace, check=check).run()
