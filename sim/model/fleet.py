"""Where the chips are: pools at owned sites and leases, site power, and chips waiting for power.

Counts are real numbers (a fluid model): at 10^3-10^6 chips the rounding is immaterial, and it
keeps every quantity continuous in the inputs. A pool is one chip type at one location; its
cohorts remember when chips were installed (for retirement) and what they cost (for
amortisation).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sim.model.inputs import ChipInputs, SiteInputs

__all__ = ["Batch", "Cohort", "Fleet", "Pool"]

_EPS = 1e-9


@dataclass
class Cohort:
    installed_month: float
    count: float
    unit_cost_usd: float


@dataclass
class Pool:
    """Chips of one type at one location (a site or a lease)."""

    location: str
    kind: str  # domestic | overseas_owned | leased
    chip: ChipInputs
    facility_w: float  # per chip; 0 for leased capacity
    cohorts: list[Cohort] = field(default_factory=list)
    held: float = 0.0  # chips held by running training runs
    inference: float = 0.0  # chips serving inference (set by allocation)
    count: float = 0.0  # sum of cohort counts, kept up to date by the methods below
    cost_usd: float = 0.0  # sum of cohort count x unit cost, likewise
    rate_memo: tuple[int, float, float] | None = field(default=None, repr=False, compare=False)
    """The engine's parts of the cost per chip-month, with the rule epoch they are for."""

    def add(self, cohort: Cohort) -> None:
        self.cohorts.append(cohort)
        self.count += cohort.count
        self.cost_usd += cohort.count * cohort.unit_cost_usd

    def keep(self, cohorts: list[Cohort]) -> None:
        """Replace the cohorts (after retirement) and recount."""
        self.cohorts = cohorts
        self.count = sum(c.count for c in cohorts)
        self.cost_usd = sum(c.count * c.unit_cost_usd for c in cohorts)

    def unit_cost_usd(self) -> float:
        return self.cost_usd / self.count if self.count > 0 else 0.0


@dataclass
class Batch:
    """Delivered chips waiting for power at a destination kind."""

    chip: ChipInputs
    kind: str
    count: float
    unit_cost_usd: float
    purchased: bool = True  # False for start-fleet chips that had no power at the start


class Fleet:
    """All pools, the power of each owned site, and the inventory waiting for power."""

    def __init__(self, sites: tuple[SiteInputs, ...]) -> None:
        self.sites = {s.name: s for s in sites}
        self.capacity_mw = {s.name: s.power_mw for s in sites}
        self.capital_usd = {s.name: s.capex_usd for s in sites}  # datacenter capex in service
        self.pools: dict[tuple[str, str], Pool] = {}
        self._site_pools: dict[str, list[Pool]] = {s.name: [] for s in sites}
        self.inventory: list[Batch] = []
        self.installed_purchased = 0.0  # purchased chips ever installed (not the start fleet)
        self.version = 0  # changes whenever a pool is created or removed

    def pool(self, location: str, kind: str, chip: ChipInputs, facility_w: float) -> Pool:
        key = (location, chip.name)
        pool = self.pools.get(key)
        if pool is None:
            pool = Pool(location, kind, chip, facility_w)
            self.pools[key] = pool
            self.version += 1
            if location in self._site_pools:
                self._site_pools[location].append(pool)
        return pool

    def used_mw(self, site: str) -> float:
        return sum(p.count * p.facility_w for p in self._site_pools[site]) / 1e6

    def free_mw(self, site: str) -> float:
        return self.capacity_mw[site] - self.used_mw(site)

    def install(self, chip: ChipInputs, kind: str, count: float, unit_cost: float, t: float,
                *, purchased: bool, free: dict[str, float] | None = None) -> float:
        """Install up to ``count`` chips in sites of ``kind`` with free power, in site order;
        returns the number installed. ``free`` caches :meth:`free_mw` by site between calls
        (a site's entry is dropped when chips are installed there)."""
        if free is None:
            free = {}
        left = count
        for site in self.sites.values():
            if site.kind != kind or left <= _EPS:
                continue
            name = site.name
            mw = free.get(name)
            if mw is None:
                mw = free[name] = self.free_mw(name)
            if not mw > 0.0:
                continue  # no power: nothing fits
            watts = site.facility_w(chip)
            n = min(left, mw * 1e6 / watts)
            if n > _EPS:
                self.pool(name, kind, chip, watts).add(Cohort(t, n, unit_cost))
                left -= n
                del free[name]
        done = count - max(left, 0.0)
        if purchased:
            self.installed_purchased += done
        return done

    def install_waiting(self, t: float) -> None:
        """Install waiting batches, oldest first, wherever power has become free."""
        if not self.inventory:
            return
        free: dict[str, float] = {}
        for batch in self.inventory:
            batch.count -= self.install(batch.chip, batch.kind, batch.count, batch.unit_cost_usd,
                                        t, purchased=batch.purchased, free=free)
        self.inventory = [b for b in self.inventory if b.count > _EPS]

    def waiting(self) -> float:
        return sum(b.count for b in self.inventory)

    def add_lease(self, name: str, chip: ChipInputs, count: float, t: float) -> Pool:
        pool = self.pool(name, "leased", chip, 0.0)
        pool.add(Cohort(t, count, 0.0))
        return pool

    def fail_and_retire(self, months: float, t: float) -> dict[tuple[str, str], float]:
        """Expected failures over the ``months`` before ``t`` at each chip's annual failure
        rate, each cohort only for the part of them it was installed (a cohort installed at
        ``t`` itself has not failed yet), and retirement of cohorts past their useful life
        (owned pools only). Returns failures by (chip, kind) for replacement."""
        failed: dict[tuple[str, str], float] = {}
        for pool in self.pools.values():
            if pool.kind == "leased":
                continue
            rate = pool.chip.annual_failure_rate
            life = pool.chip.useful_life_months - _EPS
            retire = False
            if rate > 0.0:
                n = count = cost = 0.0
                full = -math.expm1(-rate * months / 12.0)  # the loss of a full exposure
                for cohort in pool.cohorts:
                    exposure = t - cohort.installed_month
                    if exposure >= months:
                        lost = cohort.count * full
                    else:
                        lost = cohort.count * -math.expm1(
                            -rate * (exposure if exposure > 0.0 else 0.0) / 12.0)
                    cohort.count -= lost
                    n += lost
                    count += cohort.count
                    cost += cohort.count * cohort.unit_cost_usd
                    if not exposure < life:
                        retire = True
                key = (pool.chip.name, pool.kind)
                failed[key] = failed.get(key, 0.0) + n
            else:
                retire = any(not t - c.installed_month < life for c in pool.cohorts)
            if retire:
                pool.keep([c for c in pool.cohorts if t - c.installed_month < life])
            elif rate > 0.0:
                pool.count, pool.cost_usd = count, cost  # what keep() would recount
        return failed

    def retire_lease(self, name: str) -> Pool | None:
        for key, pool in list(self.pools.items()):
            if pool.location == name:
                del self.pools[key]
                self.version += 1
                return pool
        return None
