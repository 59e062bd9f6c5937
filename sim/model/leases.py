"""Leased overseas capacity: signing, monthly payment, ramp-up, and revocation.

- A lease is signed in its start month if the rules allow leasing the chip (no deny, no
  licence refused, no ``revoke`` rule in force for it at ``leased``), for as many of the
  offered accelerators (up to all) as the lease budget planned over the minimum term can pay:
  money available now plus the lease money the budget will release over the term's remaining
  months, less what leases already running will draw in that time.
- Each month's fee is paid at the start of the month (committed), and counts as spent when the
  month has been used. If the lease money cannot pay a month, the lease ends.
- Capacity is usable after ``ramp_up_months`` (paid meanwhile).
- A revocation (the lease's own hazard, or a rule that denies or revokes the chip at ``leased``)
  ends the lease at once: the used part of the month is spent, the rest of the prepaid month is
  lost to policy.
"""

from __future__ import annotations

import math
from functools import partial
from typing import TYPE_CHECKING

from sim.model.inputs import HOURS_PER_MONTH, Inputs, LeaseInputs
from sim.streams import uniform

if TYPE_CHECKING:
    from sim.model.engine import Replication
    from sim.model.fleet import Pool

__all__ = ["Lease", "release_usd", "sign_lease"]



class Lease:
    """A signed lease."""

    __slots__ = ("alive", "count", "fee_usd", "lease", "month_paid_usd", "paid_from", "pool")

    def __init__(self, lease: LeaseInputs, count: float, fee_usd: float) -> None:
        self.lease, self.count, self.fee_usd = lease, count, fee_usd
        self.alive = True
        self.pool: Pool | None = None
        self.month_paid_usd = 0.0  # committed for the current month
        self.paid_from = 0.0  # start of the current paid month


def release_usd(inputs: Inputs, category: int, month: int) -> float:
    """Budget released in ``month`` for category index ``category`` (0 chips, 1 datacenter,
    2 leases)."""
    return sum(t.amount_usd * t.shares[category] / t.months for t in inputs.tranches
               if t.start_month - 1e-9 <= month < t.start_month + t.months - 1e-9)


def reoffer(rep: Replication, lease: LeaseInputs, after: float) -> None:
    """Offer ``lease`` again at the first month start at least ``reoffer_after_months`` after
    ``after`` (at least the next month), if it is re-offered at all."""
    if lease.reoffer_after_months is None:
        rep.lease_due.pop(lease.name, None)
        return
    month = max(math.floor(after + 1e-9) + 1,
                math.ceil(after + lease.reoffer_after_months - 1e-9))
    rep.lease_due[lease.name] = float(month)


def sign_lease(rep: Replication, lease: LeaseInputs, m: int) -> None:
    """Sign ``lease`` at month ``m`` if allowed and affordable (see the module docstring);
    otherwise it may be offered again later."""
    chip = rep.inp.chips[lease.chip]
    revoking = [r.id for r in rep.rules.effects_in_force("revoke", "leased", float(m))
                if r.predicate(chip.attrs)]
    if revoking:
        rep.log("lease", f"{lease.name}: {chip.name} leases are revoked by "
                f"{', '.join(revoking)}; not signed")
        reoffer(rep, lease, float(m))
        return
    if rep.rules.obtainable(chip, "leased", float(m)) is None:
        rep.log("lease", f"{lease.name}: {chip.name} may not be leased now; not signed")
        reoffer(rep, lease, float(m))
        return
    fee = lease.usd_per_accelerator_hour * HOURS_PER_MONTH
    term = max(1, math.ceil(lease.min_term_months - 1e-9))
    planned = rep.ledger.available("leases") + sum(
        release_usd(rep.inp, 2, m + k) for k in range(1, term))
    planned -= sum(x.fee_usd for x in rep.leases if x.alive) * term
    count = min(lease.accelerators, math.floor(max(0.0, planned) / (fee * term)))
    if count < 1:
        rep.log("lease", f"{lease.name}: the lease budget cannot pay the minimum term; "
                "not signed")
        reoffer(rep, lease, float(m))
        return
    rep.lease_due.pop(lease.name, None)
    signings = sum(1 for x in rep.leases if x.lease.name == lease.name)
    held = Lease(lease, count, count * fee)
    rep.leases.append(held)
    rep.log("lease", f"{lease.name}: {count:,.0f} {chip.name} signed at "
            f"${held.fee_usd:,.0f} a month, minimum {term} months")
    pay_month(rep, held, float(m))
    rep.later(lease.ramp_up_months, partial(_ready, rep, held))
    hazard = lease.revocation_hazard_per_year / 12.0
    if hazard > 0.0:
        # the first signing keeps the stream name of a lease offered once (common random
        # numbers with scenarios that do not re-offer it); each later one has its own
        name = f"lease:{lease.name}" + (f":{signings}" if signings else "")
        u = uniform(rep.seed, rep.index, name)
        when = m - math.log1p(-u) / hazard
        if when < rep.inp.horizon_months:
            rep.later(when - rep.env.now, partial(_hazard, rep, held))


def settle_month(rep: Replication, held: Lease) -> None:
    """The paid month has been used: its money is spent."""
    if held.month_paid_usd > 0.0:
        rep.ledger.settle("leases", held.month_paid_usd)
        held.month_paid_usd = 0.0


def pay_month(rep: Replication, held: Lease, t: float) -> None:
    """Pay the month starting at ``t`` in advance, or end the lease if there is no money."""
    if rep.ledger.available("leases") + 1e-6 < held.fee_usd:
        end_lease(rep, held, "the lease budget cannot pay the month")
        return
    rep.ledger.commit("leases", held.fee_usd)
    rep.acc.commit("leases", held.fee_usd)
    held.month_paid_usd, held.paid_from = held.fee_usd, t


def _ready(rep: Replication, held: Lease) -> None:
    if not held.alive:
        return
    rep.advance(rep.env.now)
    held.pool = rep.fleet.add_lease(held.lease.name, rep.inp.chips[held.lease.chip],
                                    held.count, rep.env.now)
    rep.log("lease", f"{held.lease.name}: {held.count:,.0f} {held.lease.chip} ready")
    rep.after_event()


def _hazard(rep: Replication, held: Lease) -> None:
    if held.alive:
        rep.advance(rep.env.now)
        end_lease(rep, held, "revoked (policy risk)", revoked=True)
        rep.after_event()


def end_lease(rep: Replication, held: Lease, why: str, *, revoked: bool = False) -> None:
    """End a lease now; a revocation loses the unused part of the prepaid month."""
    held.alive = False
    if held.pool is not None:
        rep.stop_runs_on(held.pool)
        rep.fleet.retire_lease(held.lease.name)
    lost = 0.0
    if held.month_paid_usd > 0.0:
        used = held.month_paid_usd * min(1.0, max(0.0, rep.env.now - held.paid_from))
        rep.ledger.settle("leases", used)
        lost = rep.ledger.cancel("leases", held.month_paid_usd - used, 0.0)
        held.month_paid_usd = 0.0
        if revoked:
            rep.acc.lost_to_policy_usd += lost
    if revoked:
        reoffer(rep, held.lease, rep.env.now)
    rep.log("lease", f"{held.lease.name} ended: {why}"
            + (f"; ${lost:,.0f} of the prepaid month lost" if lost > 0 else ""))
