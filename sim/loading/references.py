"""Checks that span fields: names that must refer to something, and matrices that must be valid.

These run after the structural (pydantic) validation succeeded, and report every problem as a
``(path, message)`` pair so that the loader can point at the right line.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable, Iterator

import numpy as np

from sim.calendar import format_month, month_offset
from sim.catalog.chips import load_catalog
from sim.catalog.rules import load_rule_sets
from sim.errors import PathItem
from sim.schema.chips import REQUIRED_SPEC_FIELDS
from sim.schema.policy import FixedMix
from sim.schema.scenario import Scenario

__all__ = ["check_references"]

Found = tuple[tuple[PathItem, ...], str]


def _suggest(name: str, known: Iterable[str]) -> str:
    known = list(known)
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
    if close:
        return f"; did you mean '{close[0]}'?"
    return f"; known: {', '.join(known)}" if known else ""


def _unique(items: Iterable[tuple[tuple[PathItem, ...], str]], what: str) -> Iterator[Found]:
    seen: Counter[str] = Counter()
    for path, name in items:
        seen[name] += 1
        if seen[name] == 2:
            yield path, f"duplicate {what} name '{name}'"


def _chips(s: Scenario) -> Iterator[Found]:
    catalog = load_catalog()
    for name, entry in s.chips.items():
        if name in catalog:
            continue
        given = set() if entry.spec is None else {
            f for f in REQUIRED_SPEC_FIELDS if getattr(entry.spec, f) is not None
        }
        missing = [f for f in REQUIRED_SPEC_FIELDS if f not in given]
        if missing:
            yield ("chips", name), (
                f"'{name}' is not a built-in chip{_suggest(name, catalog)} "
                f"(a custom chip needs spec fields: {', '.join(missing)})"
            )
    listed = list(s.chips)

    def ref(path: tuple[PathItem, ...], name: str) -> Iterator[Found]:
        if name not in s.chips:
            yield path, f"chip '{name}' is not listed under 'chips'{_suggest(name, listed)}"

    for i, lease in enumerate(s.leases):
        yield from ref(("leases", i, "chip"), lease.chip)
    for i, cohort in enumerate(s.fleet):
        yield from ref(("fleet", i, "chip"), cohort.chip)
    for group in ("runs", "generators"):
        for i, run in enumerate(getattr(s.training, group)):
            for j, chip in enumerate(run.chips or ()):
                yield from ref(("training", group, i, "chips", j), chip)
    proc = s.procurement
    if isinstance(proc, FixedMix):
        for chip in proc.mix:
            yield from ref(("procurement", "mix", chip), chip)
    else:
        for j, chip in enumerate(proc.candidates or ()):
            yield from ref(("procurement", "candidates", j), chip)


def _names(s: Scenario) -> Iterator[Found]:
    yield from _unique(((("sites", i, "name"), x.name) for i, x in enumerate(s.sites)), "site")
    yield from _unique(((("leases", i, "name"), x.name) for i, x in enumerate(s.leases)), "lease")
    runs = [(("training", "runs", i, "name"), r.name) for i, r in enumerate(s.training.runs)]
    runs += [
        (("training", "generators", i, "name"), g.name)
        for i, g in enumerate(s.training.generators)
    ]
    yield from _unique(runs, "training run")
    site_names = [x.name for x in s.sites]
    for i, entry in enumerate(s.fleet):
        if entry.site not in site_names:
            yield ("fleet", i, "site"), (
                f"site '{entry.site}' is not listed under 'sites'{_suggest(entry.site, site_names)}"
            )


def _rules(s: Scenario) -> Iterator[Found]:
    builtin = load_rule_sets()
    ids: dict[str, str] = {}
    listed: set[str] = set()
    for i, set_id in enumerate(s.export_controls.rule_sets):
        if set_id in listed:
            yield ("export_controls", "rule_sets", i), f"rule set '{set_id}' is listed twice"
            continue
        listed.add(set_id)
        if set_id not in builtin:
            yield ("export_controls", "rule_sets", i), (
                f"unknown rule set '{set_id}'{_suggest(set_id, builtin)}"
            )
            continue
        for rule in builtin[set_id].rules:
            ids[rule.id] = set_id
    for i, rule_id in enumerate(s.export_controls.disable):
        if rule_id not in ids:
            yield ("export_controls", "disable", i), (
                f"rule '{rule_id}' is not in the selected rule sets{_suggest(rule_id, ids)}"
            )
    all_ids = set(ids)
    for i, rule in enumerate(s.export_controls.rules):
        if rule.id in all_ids:
            yield ("export_controls", "rules", i, "id"), f"rule id '{rule.id}' is already used"
        all_ids.add(rule.id)
    for i, rule in enumerate(s.export_controls.rules):
        for j, other in enumerate(rule.supersedes):
            if other not in all_ids:
                yield ("export_controls", "rules", i, "supersedes", j), (
                    f"unknown rule id '{other}'{_suggest(other, all_ids)}"
                )


def _money(s: Scenario) -> Iterator[Found]:
    if s.currency.cny_per_usd is None:
        for i, tranche in enumerate(s.budget.tranches):
            if tranche.currency == "CNY":
                yield ("budget", "tranches", i, "currency"), (
                    "amounts in CNY need currency.cny_per_usd (yuan per dollar)"
                )


def _targets(s: Scenario) -> Iterator[Found]:
    start, horizon = s.clock.start, s.clock.horizon_months
    for i, target in enumerate(s.targets):
        if target.by is None:
            continue
        offset = month_offset(start, target.by)
        if not 0 <= offset < horizon:
            last = format_month(start, horizon - 1)
            yield ("targets", i, "by"), (
                f"{target.by} is outside the simulated months {start}..{last}"
            )


def _demand_path(s: Scenario) -> Iterator[Found]:
    previous, start = 0.0, s.clock.start
    for i, point in enumerate(s.inference.path):
        offset = month_offset(start, point.month)
        if offset <= previous:
            after = start if i == 0 else s.inference.path[i - 1].month
            yield ("inference", "path", i, "month"), (
                f"{point.month} must come after {after} (points are in order, after the start)"
            )
        previous = max(previous, offset)


def _correlations(s: Scenario) -> Iterator[Found]:
    if not s.correlations:
        return
    from sim.model.space import input_space

    uncertain = input_space(s).uncertain
    names: list[str] = []
    bad = False
    for i, corr in enumerate(s.correlations):
        for j, field in enumerate(corr.between):
            if field not in uncertain:
                bad = True
                hint = _suggest(field, uncertain)
                if field.startswith("export_controls.rules."):
                    renamed = "rules." + field.removeprefix("export_controls.rules.")
                    hint = f"; rule inputs are named '{renamed}'" if renamed in uncertain \
                        else hint
                yield ("correlations", i, "between", j), (
                    f"'{field}' is not an uncertain input{hint}"
                )
            elif field not in names:
                names.append(field)
    if bad:
        return
    index = {n: k for k, n in enumerate(names)}
    matrix = np.eye(len(names))
    for i, corr in enumerate(s.correlations):
        a, b = index[corr.between[0]], index[corr.between[1]]
        if matrix[a, b] != 0.0:
            yield ("correlations", i), "this pair is correlated twice"
            return
        matrix[a, b] = matrix[b, a] = corr.rank_correlation
    smallest = float(np.linalg.eigvalsh(matrix).min())
    if smallest <= 1e-10:
        yield ("correlations",), (
            f"the correlations do not form a valid correlation matrix (smallest eigenvalue "
            f"{smallest:.3g} <= 0); weaken some of them"
        )


def check_references(scenario: Scenario) -> list[Found]:
    """Every cross-field problem in ``scenario``, as ``(path, message)``."""
    found: list[Found] = []
    for check in (_chips, _names, _rules, _money, _targets, _demand_path):
        found.extend(check(scenario))
    if not found:  # the input space (catalog ranges, rule inputs) needs valid references
        found.extend(_correlations(scenario))
    return found
