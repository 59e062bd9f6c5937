"""One replication's view of the rules: when each lands, and what it says about a chip.

Statuses only change when a rule lands, so they are cached per (chip, destination, epoch), an
epoch being the span between two landings. Licence approvals are drawn once per replication
for each (chip, destination, deciding rules), from a keyed stream: the same draw in every
scenario that shares the seed (common random numbers).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Mapping
from typing import Any

from sim.calendar import month_offset
from sim.catalog.chips import SPEC_FIELDS, ChipAttributes
from sim.catalog.rules import EPOCH, ChipStatus, classify
from sim.model.inputs import ChipInputs, Inputs
from sim.schema.common import Destination
from sim.schema.rules import Rule
from sim.schema.walk import iter_quantities

__all__ = ["Rulebook"]

class _RuleIndex:
    """What the rules of one scenario say that is the same in every replication: the paths of
    their uncertain quantities, and which rules cover a chip at a destination (predicates read
    only the chip's attributes, so the answer is kept by the attributes' values)."""

    __slots__ = ("_covering", "paths", "rules")

    def __init__(self, rules: tuple[Rule, ...]) -> None:
        self.rules = rules
        self.paths = [(path, id(quantity)) for rule in rules
                      for path, quantity in iter_quantities(rule, f"rules.{rule.id}.")
                      if not isinstance(quantity, float)]
        self._covering: dict[tuple[Any, ...], tuple[Rule, ...]] = {}

    def covering(self, attrs: ChipAttributes, destination: Destination) -> tuple[Rule, ...]:
        """The rules at ``destination`` whose predicate holds for ``attrs``."""
        key = (attrs.name, attrs.vendor, attrs.vendor_country, destination,
               *(None if math.isnan(x) else x for x in (getattr(attrs, f) for f in SPEC_FIELDS)))
        found = self._covering.get(key)
        if found is None:
            found = tuple(rule for rule in self.rules
                          if destination in rule.destinations and rule.predicate(attrs))
            if len(self._covering) >= 4096:
                self._covering.clear()
            self._covering[key] = found
        return found


_INDEXES: dict[tuple[int, ...], _RuleIndex] = {}


def _index(rules: tuple[Rule, ...]) -> _RuleIndex:
    """The scenario-wide index of ``rules``, built once. It holds the rules, so the ids it is
    found by stay theirs."""
    key = tuple(id(rule) for rule in rules)
    hit = _INDEXES.get(key)
    if hit is not None and all(a is b for a, b in zip(hit.rules, rules, strict=True)):
        return hit
    if len(_INDEXES) >= 16:
        _INDEXES.clear()
    made = _INDEXES[key] = _RuleIndex(rules)
    return made


class Rulebook:
    """Rule timing, chip statuses and licence outcomes for one replication."""

    def __init__(self, inputs: Inputs, draw: Callable[[str], float]) -> None:
        self._rules = inputs.rules
        self._offset = month_offset(EPOCH, inputs.start)
        self._landing = dict(inputs.rule_landing)
        self._times = sorted(t for t in self._landing.values() if t is not None)
        self._draw = draw
        self._cache: dict[tuple[str, str, int], ChipStatus] = {}
        self._approvals: dict[tuple[str, str, tuple[str, ...]], bool] = {}
        self._effects: dict[tuple[str, str, int], list[Rule]] = {}
        self._discounts: dict[tuple[str, str, int], float] = {}
        self._foreseen: dict[tuple[str, str, int, int], bool] = {}
        self._applicable: dict[tuple[str, str], tuple[Rule, ...]] = {}
        self._obtainable: dict[tuple[str, str, int], ChipStatus | None] = {}
        self._applicable_ids: dict[tuple[str, str], frozenset[str]] = {}
        # months since the start from which each announced rule is known (None: never foreseen)
        self._known_from: dict[str, float | None] = {
            rule.id: (None if not rule.announced else
                      -math.inf if rule.known_from is None
                      else month_offset(inputs.start, rule.known_from))
            for rule in inputs.rules}
        self._index = _index(self._rules)
        self._values = {key: inputs.values[path] for path, key in self._index.paths}

    @property
    def rules(self) -> tuple[Rule, ...]:
        return self._rules

    def _value_of(self, quantity: Any) -> float:
        if isinstance(quantity, int | float):
            return float(quantity)
        return self._values[id(quantity)]

    def _timing(self, rule: Rule) -> float | None:
        t = self._landing[rule.id]
        return None if t is None else t + self._offset

    def epoch(self, t: float) -> int:
        """The number of rule landings at or before month ``t``: statuses, effects and
        discounts are constant while it is."""
        return bisect.bisect_right(self._times, t)

    def applicable(self, chip: ChipInputs, destination: Destination) -> tuple[Rule, ...]:
        """The rules at ``destination`` whose predicate holds for ``chip`` (a chip's attributes
        are fixed within a replication, so each predicate is evaluated once)."""
        key = (chip.name, destination)
        found = self._applicable.get(key)
        if found is None:
            found = self._applicable[key] = self._index.covering(chip.attrs, destination)
        return found

    def applies(self, rule: Rule, chip: ChipInputs, destination: Destination) -> bool:
        """Whether ``rule`` covers ``chip`` at ``destination``."""
        key = (chip.name, destination)
        ids = self._applicable_ids.get(key)
        if ids is None:
            ids = frozenset(r.id for r in self.applicable(chip, destination))
            self._applicable_ids[key] = ids
        return rule.id in ids

    def status(self, chip: ChipInputs, destination: Destination, t: float) -> ChipStatus:
        """What the rules in force at month ``t`` say about ``chip`` at ``destination``."""
        epoch = bisect.bisect_right(self._times, t)
        key = (chip.name, destination, epoch)
        cached = self._cache.get(key)
        if cached is None:
            cached = classify(chip.attrs, t + self._offset, destination,
                              self.applicable(chip, destination),
                              value_of=self._value_of, timing=self._timing, covering=True)
            self._cache[key] = cached
        return cached

    def foreseen_denied(self, chip: ChipInputs, destination: Destination, now: float,
                        at: float) -> bool:
        """Whether the rules known at ``now`` (landed by then, or announced and known by then)
        deny ``chip`` at ``destination`` at the later time ``at``, or require a licence that
        will be refused (the buyer applies ahead and learns the replication's licence answer
        for those rules): what a buyer with foresight ``announced`` avoids ordering."""
        key = (chip.name, destination, bisect.bisect_right(self._times, now),
               bisect.bisect_right(self._times, at))
        cached = self._foreseen.get(key)
        if cached is None:
            def timing(rule: Rule) -> float | None:
                landed = self._landing[rule.id]
                if landed is None:
                    return None
                known = self._known_from[rule.id]
                if landed <= now or (known is not None and known <= now):
                    return landed + self._offset
                return None

            status = classify(chip.attrs, at + self._offset, destination,
                              self.applicable(chip, destination),
                              value_of=self._value_of, timing=timing, covering=True)
            cached = status.verdict == "denied" or (
                status.verdict == "licence" and not self._granted(chip, destination, status))
            self._foreseen[key] = cached
        return cached

    def obtainable(self, chip: ChipInputs, destination: Destination, t: float) -> ChipStatus | None:
        """The status if the chip can be had (allowed, or licensed and the licence granted)."""
        key = (chip.name, destination, bisect.bisect_right(self._times, t))
        if key in self._obtainable:
            return self._obtainable[key]
        st: ChipStatus | None = self.status(chip, destination, t)
        assert st is not None
        if st.verdict == "denied" or (
                st.verdict == "licence" and not self._granted(chip, destination, st)):
            st = None
        self._obtainable[key] = st
        return st

    def _granted(self, chip: ChipInputs, destination: Destination, st: ChipStatus) -> bool:
        """The replication's licence answer for ``chip`` at ``destination`` under the deciding
        rules of ``st`` (drawn once, from a keyed stream)."""
        key = (chip.name, destination, st.rule_ids)
        granted = self._approvals.get(key)
        if granted is None:
            u = self._draw(f"licence:{chip.name}:{destination}:{','.join(st.rule_ids)}")
            granted = u < st.approval_probability
            self._approvals[key] = granted
        return granted

    def effects_in_force(self, kind: str, destination: Destination, t: float) -> list[Rule]:
        """Rules of effect ``kind`` landed by ``t`` at ``destination`` (not chip-specific)."""
        key = (kind, destination, bisect.bisect_right(self._times, t))
        cached = self._effects.get(key)
        if cached is None:
            cached = [
                rule for rule in self._rules
                if rule.effect.kind == kind and destination in rule.destinations
                and (landed := self._landing[rule.id]) is not None and landed <= t
            ]
            self._effects[key] = cached
        return cached

    def power_discount(self, chip: ChipInputs, destination: Destination, t: float) -> float:
        """The electricity discount for ``chip`` at ``destination`` by the power-subsidy rules
        in force at ``t`` (the largest one; cached per rule epoch)."""
        key = (chip.name, destination, bisect.bisect_right(self._times, t))
        cached = self._discounts.get(key)
        if cached is None:
            cached = max((self.effect_value(r, "discount_fraction")
                          for r in self.effects_in_force("power_subsidy", destination, t)
                          if self.applies(r, chip, destination)), default=0.0)
            self._discounts[key] = cached
        return cached

    def effect_value(self, rule: Rule, field: str) -> float:
        """A quantity of a rule's effect as this replication drew it."""
        return self._value_of(getattr(rule.effect, field))

    def upcoming(self) -> Mapping[str, float]:
        """Rules landing after the start, by id, with their times."""
        return {k: t for k, t in self._landing.items() if t is not None and t > 0.0}
