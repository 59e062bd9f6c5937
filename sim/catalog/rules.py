"""The built-in export-control rule sets, and the classification of a chip under a list of rules.

Time here is a float number of months since :data:`EPOCH` (``2000-01``), so that rules and
scenarios with different start months share one clock; :func:`months_since_epoch` converts a
``YYYY-MM`` or ``YYYY-MM-DD`` date (a month alone means its first day).

Classification (:func:`classify`): a rule is *in force* for a chip at a time and destination when
it has landed by then (``timing``), lists the destination, and its predicate matches the chip. A
rule is *set aside* when an in-force rule lists it in ``supersedes``. Of the rest, deny, licence,
surcharge and quota effects decide (the others act elsewhere in the model): the verdict is the
most restrictive, ``denied`` > ``licence`` > ``allowed``; approval probabilities multiply, delays
take the max, surcharges add and supply factors multiply.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any, Literal

from pydantic import ValidationError

from sim.calendar import month_offset
from sim.catalog.chips import ChipAttributes, load_catalog, load_packaged_yaml, suggest
from sim.distributions import nominal
from sim.errors import CapexsimError, format_path
from sim.schema.common import Destination
from sim.schema.rules import Rule, RuleSet

__all__ = [
    "EPOCH",
    "ChipStatus",
    "ChipTableRow",
    "Timing",
    "ValueOf",
    "Verdict",
    "chip_table_rows",
    "classify",
    "combine_rules",
    "effective_window",
    "format_chip_table",
    "get_rule_set",
    "load_rule_sets",
    "months_since_epoch",
    "nominal_timing",
    "realise_timing",
]

EPOCH = "2000-01"
"""Month 0 of the rule clock."""

Verdict = Literal["allowed", "licence", "denied"]
ValueOf = Callable[[Any], float]
"""Turns a quantity (a float or a distribution) into a number: :func:`sim.distributions.nominal`
by default, or the replication's draw."""
Timing = Callable[[Rule], float | None]
"""When a rule lands, in months since :data:`EPOCH`, or None if it does not land."""

_DECIDING = frozenset({"deny", "licence", "surcharge", "quota"})


@lru_cache(maxsize=4096)
def _date_months(text: str) -> float:
    return month_offset(EPOCH, text)


def months_since_epoch(when: str | float) -> float:
    """A ``YYYY-MM[-DD]`` date as months since :data:`EPOCH`; a number is returned unchanged."""
    if isinstance(when, str):
        return _date_months(when)
    value = float(when)
    if not math.isfinite(value):
        raise ValueError(f"when={when!r} must be a finite number of months")
    return value


def effective_window(rule: Rule) -> tuple[float, float]:
    """The earliest and latest landing time of ``rule``, in months since :data:`EPOCH`."""
    earliest, latest = rule.effective_window
    return months_since_epoch(earliest), months_since_epoch(latest)


def nominal_timing(rule: Rule) -> float | None:
    """The midpoint of the rule's window; None only when its nominal probability is 0 (a rule
    that may land is shown as landed, e.g. in the chip table)."""
    if nominal(rule.probability) <= 0.0:
        return None
    low, high = effective_window(rule)
    return (low + high) / 2.0


def realise_timing(
    rule: Rule, u_date: float, u_happens: float, value_of: ValueOf = nominal
) -> float | None:
    """One replication's landing time: None unless ``u_happens < value_of(probability)``, else
    uniform in the window at quantile ``u_date``. Both uniforms lie in [0, 1)."""
    if not (0.0 <= u_date <= 1.0 and 0.0 <= u_happens <= 1.0):
        raise ValueError("u_date and u_happens must lie in [0, 1]")
    if u_happens >= value_of(rule.probability):
        return None
    low, high = effective_window(rule)
    return low + u_date * (high - low)


@dataclass(frozen=True, slots=True)
class ChipStatus:
    """What the rules in force say about one chip at one time and destination.

    ``rule_ids`` are the deciding rules: the deny rules when denied, else the licence,
    surcharge and quota rules that set the terms. When denied nothing is obtainable:
    approval probability and supply factor are 0, delay and surcharge 0.
    """

    verdict: Verdict
    rule_ids: tuple[str, ...] = ()
    approval_probability: float = 1.0
    delay_months: float = 0.0
    surcharge_fraction: float = 0.0
    supply_factor: float = 1.0

    @property
    def access_fraction(self) -> float:
        """Expected share of wanted units obtainable: approval probability x supply factor."""
        return self.approval_probability * self.supply_factor


def classify(
    attrs: ChipAttributes,
    when: str | float,
    destination: Destination,
    rules: Iterable[Rule],
    *,
    value_of: ValueOf = nominal,
    timing: Timing = nominal_timing,
    covering: bool = False,
) -> ChipStatus:
    """The status of chip ``attrs`` at ``when`` (a date, or months since :data:`EPOCH`) at
    ``destination`` under ``rules`` (see the module docstring for the semantics).

    ``value_of`` turns each effect's quantities into numbers and ``timing`` gives each rule's
    landing time; their defaults give the nominal answer. A rule lands at ``when`` if its
    landing time is <= ``when``. ``covering`` says every rule given is already known to cover
    the chip (its predicate holds), so predicates are not evaluated again.
    """
    now = months_since_epoch(when)
    in_force: list[Rule] = []
    for rule in rules:
        if destination not in rule.destinations:
            continue
        landed = timing(rule)
        if landed is None or landed > now or not (covering or rule.predicate(attrs)):
            continue
        in_force.append(rule)
    set_aside = {s for rule in in_force for s in rule.supersedes}
    deciding = [r for r in in_force if r.id not in set_aside and r.effect.kind in _DECIDING]
    denials = tuple(r.id for r in deciding if r.effect.kind == "deny")
    if denials:
        return ChipStatus("denied", denials, 0.0, 0.0, 0.0, 0.0)
    verdict: Verdict = "allowed"
    approval, delay, surcharge, supply = 1.0, 0.0, 0.0, 1.0
    for rule in deciding:
        effect = rule.effect
        if effect.kind == "licence":
            verdict = "licence"
            approval *= value_of(effect.approval_probability)
            delay = max(delay, value_of(effect.delay_months))
            surcharge += value_of(effect.surcharge_fraction)
        elif effect.kind == "surcharge":
            surcharge += value_of(effect.fraction)
        elif effect.kind == "quota":
            supply *= value_of(effect.supply_factor)
    ids = tuple(r.id for r in deciding)
    return ChipStatus(verdict, ids, approval, delay, surcharge, supply)


def _validation_lines(exc: ValidationError, prefix: tuple[str | int, ...]) -> str:
    lines = []
    for error in exc.errors():
        path = format_path((*prefix, *error["loc"]))
        lines.append(f"rules.yaml: {path}: {error['msg']}")
    return "\n".join(lines)


@lru_cache(maxsize=1)
def load_rule_sets() -> Mapping[str, RuleSet]:
    """The built-in rule sets by id, in file (chronological) order; read and validated once.
    Rule ids are unique across all sets and every ``supersedes`` names a built-in rule."""
    text = resources.files("sim.catalog").joinpath("rules.yaml").read_text(encoding="utf-8")
    data = load_packaged_yaml(text)
    if not isinstance(data, dict) or set(data) != {"rule_sets"} or not isinstance(
        data["rule_sets"], list
    ):
        raise CapexsimError("rules.yaml: must hold one list, 'rule_sets'")
    sets: dict[str, RuleSet] = {}
    for index, raw in enumerate(data["rule_sets"]):
        try:
            rule_set = RuleSet.model_validate(raw)
        except ValidationError as exc:
            raise CapexsimError(_validation_lines(exc, ("rule_sets", index))) from None
        if rule_set.id in sets:
            raise CapexsimError(f"rules.yaml: rule set id {rule_set.id!r} appears twice")
        sets[rule_set.id] = rule_set
    known = {rule.id for rule in combine_rules(sets.values())}
    for rule_set in sets.values():
        for rule in rule_set.rules:
            for target in rule.supersedes:
                if target not in known:
                    raise CapexsimError(
                        f"rules.yaml: rule {rule.id!r} supersedes unknown rule {target!r}"
                        f"{suggest(target, tuple(known))}"
                    )
    return MappingProxyType(sets)


def get_rule_set(rule_set_id: str) -> RuleSet:
    """The built-in rule set ``rule_set_id``; an unknown id raises :class:`CapexsimError` with
    the closest known id."""
    sets = load_rule_sets()
    try:
        return sets[rule_set_id]
    except KeyError:
        ids = tuple(sets)
        raise CapexsimError(
            f"unknown rule set {rule_set_id!r}{suggest(rule_set_id, ids)}; "
            f"built-in rule sets: {', '.join(ids)}"
        ) from None


def combine_rules(rule_sets: Iterable[RuleSet | str]) -> tuple[Rule, ...]:
    """The rules of ``rule_sets`` (objects, or built-in ids) in order, as one tuple. Raises
    :class:`CapexsimError` if a rule id repeats. A ``supersedes`` naming a rule not among them is
    allowed (that rule was left out or disabled; setting it aside changes nothing)."""
    rules: list[Rule] = []
    owner: dict[str, str] = {}
    for item in rule_sets:
        rule_set = get_rule_set(item) if isinstance(item, str) else item
        for rule in rule_set.rules:
            if rule.id in owner:
                raise CapexsimError(
                    f"rule id {rule.id!r} is in both rule set {owner[rule.id]!r} and "
                    f"{rule_set.id!r}; rule ids must be unique"
                )
            owner[rule.id] = rule_set.id
            rules.append(rule)
    return tuple(rules)


@dataclass(frozen=True, slots=True)
class ChipTableRow:
    """One line of ``capexsim chips``: a built-in chip's metrics and nominal status."""

    name: str
    vendor_country: str
    tpp: float
    density: float
    h100_equivalents: float
    status: ChipStatus


def chip_table_rows(
    date: str, destination: Destination, rule_sets: Sequence[RuleSet | str] | None = None
) -> list[ChipTableRow]:
    """Every built-in chip with its TPP, PD, H100-equivalents and nominal status at ``date``
    (``YYYY-MM`` means the first of the month) and ``destination``, under ``rule_sets``
    (objects or built-in ids; all built-in sets when None)."""
    chosen = list(load_rule_sets().values()) if rule_sets is None else rule_sets
    rules = combine_rules(chosen)
    rows = []
    for chip in load_catalog().values():
        attrs = chip.nominal_attributes()
        status = classify(attrs, date, destination, rules)
        rows.append(
            ChipTableRow(
                attrs.name, attrs.vendor_country, attrs.tpp, attrs.density,
                attrs.h100_equivalents, status,
            )
        )
    return rows


def _terms(status: ChipStatus) -> str:
    if status.verdict == "denied":
        return "-"
    parts = []
    if status.verdict == "licence":
        parts.append(f"p={status.approval_probability:.2f}")
        if status.delay_months:
            parts.append(f"{status.delay_months:.1f}mo")
    if status.surcharge_fraction:
        parts.append(f"+{status.surcharge_fraction:.0%}")
    if status.supply_factor != 1.0:
        parts.append(f"supply x{status.supply_factor:.2f}")
    return " ".join(parts) or "-"


def format_chip_table(rows: Sequence[ChipTableRow]) -> str:
    """A fixed-width text table of ``rows`` (no trailing newline). PD shows ``-`` when the die
    area is unknown; ``terms`` shows approval probability, delay, surcharge and supply factor."""
    header = ("chip", "origin", "TPP", "PD", "H100-eq", "status", "terms", "rules")
    body = [
        (
            row.name,
            row.vendor_country,
            f"{row.tpp:,.0f}",
            "-" if math.isnan(row.density) else f"{row.density:.2f}",
            f"{row.h100_equivalents:.2f}",
            row.status.verdict,
            _terms(row.status),
            ", ".join(row.status.rule_ids) or "-",
        )
        for row in rows
    ]
    widths = [max(len(r[i]) for r in (header, *body)) for i in range(len(header))]
    right = {2, 3, 4}
    lines = []
    for cells in (header, *body):
        padded = [
            c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(cells)
        ]
        lines.append("  ".join(padded).rstrip())
    return "\n".join(lines)
