"""Render the generated parts of docs/scenario-format.md from the code.

The field reference comes from ``sim.schema.scenario.Scenario.model_json_schema()`` (field
types, bounds, defaults and the pydantic ``Field`` descriptions), the distribution table from
the same schema's distribution models, and the KPI table from ``sim.kpis.KPIS``. Each part sits
between ``<!-- BEGIN GENERATED: <part> -->`` and ``<!-- END GENERATED: <part> -->`` markers;
everything else in the file is written by hand.

Usage (from the repository root)::

    .venv/bin/python docs/gen_scenario_format.py          # rewrite the generated parts
    .venv/bin/python docs/gen_scenario_format.py --check  # exit 1 if they are out of date

``tests/test_docs.py`` runs the check.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sim.distributions import DISTRIBUTION_KINDS, distribution_class  # noqa: E402
from sim.kpis import KPIS  # noqa: E402
from sim.schema.chips import REQUIRED_SPEC_FIELDS  # noqa: E402
from sim.schema.scenario import Scenario  # noqa: E402

DOC = ROOT / "docs" / "scenario-format.md"

Schema = dict[str, Any]

DISTRIBUTIONS = {distribution_class(kind).__name__ for kind in DISTRIBUTION_KINDS}
"""Schema models that are distributions: documented in their own table, not as sections."""

QUANTITY = "[quantity](#quantities-and-distributions)"

_GENERIC = re.compile(r"^A number .* or a distribution whose values all are\.$")
"""The description a bounded quantity type gives itself when the field has none."""

NOTES: dict[tuple[str, str], str] = {
    ("Scenario", "name"): "Scenario name, shown in reports.",
    ("Scenario", "description"): "Free text.",
    ("Scenario", "clock"): "Start month and horizon.",
    ("Scenario", "currency"): "Exchange rate for amounts in CNY.",
    ("Scenario", "budget"): "The capex plan: tranches and carry-over.",
    ("Scenario", "chips"): "Accelerators that may be bought, leased or are in the fleet, by "
    "name: built-in catalog names (`capexsim chips`) or custom chips with a full `spec`.",
    ("Scenario", "export_controls"): "Built-in rule sets and the scenario's own rules.",
    ("Scenario", "sites"): "Owned datacentre sites (at least one).",
    ("Scenario", "leases"): "Leased capacity offers abroad.",
    ("Scenario", "fleet"): "Chips installed at the start.",
    ("Scenario", "training"): "Training runs and their physics.",
    ("Scenario", "inference"): "Token demand and the served model.",
    ("Scenario", "allocation"): "How chips are split between inference and training, "
    "selected by `policy`.",
    ("Scenario", "procurement"): "What to order each month, selected by `policy`.",
    ("Scenario", "targets"): "Goals reported as probabilities.",
    ("Scenario", "monte_carlo"): "Replications, root seed and design.",
    ("Scenario", "correlations"): "Rank correlations between uncertain fields.",
    ("Budget", "tranches"): "Amounts released over time (at least one).",
    ("Tranche", "currency"): "Currency of `amount`; CNY needs `currency.cny_per_usd`.",
    ("Tranche", "split"): "Shares by spending category.",
    ("ChipSpec", "vendor"): "Vendor name, e.g. 'NVIDIA'.",
    ("ChipSpec", "vendor_country"): "Where the vendor is: `US`, `CN` (the buyer's domestic "
    "chips) or `other`; rules select chips by it.",
    ("MemoryPricePoint", "month"): "Date of the point, YYYY-MM or YYYY-MM-DD.",
    ("ExportControls", "rules"): "The scenario's own rules (ids must not clash with the "
    "built-in ones).",
    ("Rule", "id"): "Unique snake_case id; `supersedes` and `disable` refer to it.",
    ("Rule", "title"): "One line saying what the rule does.",
    ("Rule", "authority"): "Who imposes it: `US` (export side) or `CN` (import and buyer "
    "side).",
    ("Rule", "source"): "URL or citation; text starting `assumption:` for a hypothetical rule.",
    ("Rule", "effective"): "When it lands: a date (YYYY-MM or YYYY-MM-DD), or a window "
    "`{earliest, latest}` it lands in uniformly.",
    ("Rule", "probability"): "Probability that it lands at all (within its window).",
    ("Rule", "chips"): "Chip predicate, e.g. `vendor_country == 'US' and tpp >= 4800`.",
    ("Rule", "destinations"): "Where it applies: `domestic`, `overseas_owned`, `leased`.",
    ("Rule", "effect"): "What it does, selected by `kind`.",
    ("Rule", "supersedes"): "Rule ids set aside for a chip while this rule is in force and "
    "matches it at the same destination.",
    ("Rule", "note"): "Free text: reasoning, caveats.",
    ("UncertainDate", "earliest"): "Earliest landing date, YYYY-MM or YYYY-MM-DD.",
    ("UncertainDate", "latest"): "Latest landing date (not before `earliest`).",
    ("DenyEffect", "kind"): "Matching chips cannot be obtained at the destination.",
    ("LicenceEffect", "kind"): "Each chip and destination needs a licence.",
    ("LicenceEffect", "approval_probability"): "Probability the licence is granted (drawn "
    "once per replication per chip, destination and deciding rules).",
    ("LicenceEffect", "delay_months"): "Months added to the delivery lead time.",
    ("LicenceEffect", "surcharge_fraction"): "Fraction of the unit price due (revenue share, "
    "duty); may exceed 1.",
    ("SurchargeEffect", "kind"): "A revenue share, tariff or duty.",
    ("SurchargeEffect", "fraction"): "Fraction of the unit price added; may exceed 1.",
    ("QuotaEffect", "kind"): "Scales this buyer's supply of matching chips.",
    ("QuotaEffect", "supply_factor"): "Factor on the quarterly supply cap.",
    ("RevokeEffect", "kind"): "Ends alive leases of matching chips when the rule lands.",
    ("PowerSubsidyEffect", "kind"): "Cheaper electricity for matching chips.",
    ("PowerSubsidyEffect", "discount_fraction"): "Fraction of the electricity price waived.",
    ("MinDomesticShareEffect", "kind"): "Reserves part of each month's chip money.",
    ("MinDomesticShareEffect", "share"): "Share of each month's chip money reserved for "
    "matching chips.",
    ("Site", "name"): "Unique site name; `fleet` entries refer to it.",
    ("Site", "builds"): "Build projects adding power at this site.",
    ("LeaseOffer", "name"): "Unique lease name (also the key of its revocation stream).",
    ("LeaseOffer", "region"): "Free text, e.g. 'Johor, Malaysia'.",
    ("LeaseOffer", "chip"): "A chip listed under `chips`.",
    ("LeaseOffer", "usd_per_accelerator_hour"): "Price per accelerator-hour, USD "
    "(730.5 hours a month).",
    ("FleetEntry", "chip"): "A chip listed under `chips`.",
    ("FleetEntry", "site"): "A site listed under `sites`.",
    ("FleetEntry", "count"): "Chips installed (beyond the site's power they wait in "
    "inventory).",
    ("Training", "runs"): "Listed runs.",
    ("Training", "generators"): "Runs generated on a cadence.",
    ("TrainingRun", "name"): "Unique run name.",
    ("RunGenerator", "name"): "Unique generator name; its runs are `<name>#1`, `<name>#2`, ….",
    ("InferenceDemand", "model"): "The served model, for the roofline.",
    ("InferenceFirst", "policy"): "Inference takes what it needs; training gets the rest.",
    ("ReservedTraining", "policy"): "Inference first, but never more than "
    "`1 - training_share` of any pool.",
    ("ReservedTraining", "training_share"): "Share of every pool kept for training.",
    ("FixedSplit", "policy"): "Fixed split whatever the demand.",
    ("FixedSplit", "training_share"): "Share of every pool that trains; the rest serves.",
    ("BestValue", "policy"): "Greedy: best value per all-in dollar first.",
    ("FixedMix", "policy"): "Spend by fixed shares.",
    ("FixedMix", "mix"): "Chip name -> share of chip money, (0, 1], summing to 1.",
    ("Target", "name"): "Label shown in reports.",
    ("Target", "kpi"): "A KPI name (table below).",
    ("Target", "at_least"): "Met when the KPI is at least this (give this or `at_most`).",
    ("Target", "at_most"): "Met when the KPI is at most this (give this or `at_least`).",
    ("MonteCarlo", "runs"): "Replications.",
    ("MonteCarlo", "design"): "`mc` (keyed Monte Carlo), `lhs` (Latin hypercube) or "
    "`sobol` (scrambled Sobol').",
    ("Correlation", "between"): "Two dotted paths of uncertain fields, e.g. "
    "`budget.tranches.2.amount`.",
    ("Correlation", "rank_correlation"): "Spearman rank correlation, in (-1, 1).",
    ("Currency", "base"): "The base currency; always USD.",
}
"""Meanings of fields whose schema has no description (marked † in the output). A schema
description, once added, takes precedence."""


# --- type rendering --------------------------------------------------------------------


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _anchor(name: str) -> str:
    return name.lower()


def _link(name: str) -> str:
    return f"[{name}](#{_anchor(name)})"


def _is_distribution_ref(member: Schema) -> bool:
    return "$ref" in member and _ref_name(member["$ref"]) in DISTRIBUTIONS


def _is_quantity(members: list[Schema]) -> bool:
    return any(m.get("type") == "number" for m in members) and any(
        _is_distribution_ref(m) for m in members)


def _num(x: float) -> str:
    return f"{x:g}"


def _bounds(p: Schema) -> str:
    low = high = ""
    if "minimum" in p:
        low = f"≥ {_num(p['minimum'])}"
    if "exclusiveMinimum" in p:
        low = f"> {_num(p['exclusiveMinimum'])}"
    if "maximum" in p:
        high = f"≤ {_num(p['maximum'])}"
    if "exclusiveMaximum" in p:
        high = f"< {_num(p['exclusiveMaximum'])}"
    if "minimum" in p and "maximum" in p:
        return f"in [{_num(p['minimum'])}, {_num(p['maximum'])}]"
    return ", ".join(x for x in (low, high) if x)


def _type(p: Schema) -> str:
    if "$ref" in p:
        return _link(_ref_name(p["$ref"]))
    if "const" in p:
        return f'`"{p["const"]}"`'
    if "enum" in p:
        return " \\| ".join(f"`{v}`" for v in p["enum"])
    union = p.get("anyOf") or p.get("oneOf")
    if union:
        members = [m for m in union if m.get("type") != "null"]
        if _is_quantity(members):
            number = next(m for m in members if m.get("type") == "number")
            bounds = _bounds(number)
            return f"{QUANTITY} {bounds}".rstrip()
        rendered = [_type(m) for m in members]
        text = " or ".join(rendered)
        if "discriminator" in p:
            text = f"one of {', '.join(rendered)} (by `{p['discriminator']['propertyName']}`)"
        return text
    kind = p.get("type")
    if kind == "array":
        if "prefixItems" in p:
            return "[" + ", ".join(_type(x) for x in p["prefixItems"]) + "]"
        items = _type(p.get("items", {}))
        size = ""
        if p.get("minItems"):
            size = f", ≥ {p['minItems']} item{'s' if p['minItems'] > 1 else ''}"
        return f"list of {items}{size}"
    if kind == "object":
        values = p.get("additionalProperties")
        if isinstance(values, dict):
            return f"mapping of name → {_type(values)}"
        return "mapping"
    if kind in ("integer", "number"):
        bounds = _bounds(p)
        return f"{kind} {bounds}".rstrip()
    if kind in ("string", "boolean"):
        return str(kind)
    return "any"


def _default(name: str, p: Schema, required: set[str]) -> str:
    if name in required:
        return "required"
    if "default" not in p:
        return "optional"
    value = p["default"]
    if value is None:
        return "optional"
    if value == []:
        return "`[]`"
    return f"`{json.dumps(value)}`"


def _meaning(model: str, name: str, p: Schema) -> str:
    text = p.get("description", "")
    if not text or _GENERIC.match(text):
        note = NOTES.get((model, name))
        text = f"{note} †" if note else ""
    return _inline(text) or "—"


def _inline(text: str) -> str:
    text = " ".join(text.split())
    text = text.replace(":data:`REQUIRED_SPEC_FIELDS`",
                        ", ".join(f"`{f}`" for f in REQUIRED_SPEC_FIELDS))
    text = re.sub(r":\w+:`([^`]+)`", r"`\1`", text)
    text = re.sub(r"``([^`]+)``", r"`\1`", text)
    return text.replace("|", "\\|")


# --- sections --------------------------------------------------------------------------


def _refs(p: Any) -> Iterator[str]:
    """Model names referenced below ``p``, in order of appearance."""
    if isinstance(p, dict):
        if "$ref" in p:
            yield _ref_name(p["$ref"])
        for key, value in p.items():
            if key != "discriminator":
                yield from _refs(value)
    elif isinstance(p, list):
        for item in p:
            yield from _refs(item)


def _model_order(schema: Schema) -> list[str]:
    """Models in the order a reader meets them: depth first from the top level."""
    defs = schema["$defs"]
    order: list[str] = []

    def visit(name: str) -> None:
        if name in order or name in DISTRIBUTIONS:
            return
        order.append(name)
        for ref in _refs(defs[name].get("properties", {})):
            visit(ref)

    for ref in _refs(schema["properties"]):
        visit(ref)
    return order


def _table(model: str, m: Schema) -> list[str]:
    required = set(m.get("required", []))
    rows = ["| Field | Type | Default | Meaning |", "|---|---|---|---|"]
    for name, p in m.get("properties", {}).items():
        rows.append(f"| `{name}` | {_type(p)} | {_default(name, p, required)} | "
                    f"{_meaning(model, name, p)} |")
    return rows


def render_fields() -> str:
    """The field reference: the top level, then every model it uses."""
    schema = Scenario.model_json_schema(mode="validation")
    out = [
        "Generated from `Scenario.model_json_schema()` by `docs/gen_scenario_format.py`; do "
        "not edit by hand. A † marks a meaning that the schema does not give (written in the "
        "generator's `NOTES`). Every \"quantity\" field takes a number or a distribution "
        "(see above) whose every possible value satisfies the bound shown.",
        "",
        '<a id="scenario"></a>',
        "### Scenario (top level)",
        "",
        _inline(schema.get("description", "")),
        "",
        "| Field | Type | Default | Meaning |",
        "|---|---|---|---|",
        "| `extends` | string | optional | Path (relative to this file) of a scenario this "
        "one extends; added by the loader, not a schema field (see *extends and --set*). |",
    ]
    out += _table("Scenario", schema)[2:]
    for name in _model_order(schema):
        m = schema["$defs"][name]
        out += ["", f'<a id="{_anchor(name)}"></a>', f"### `{name}`", ""]
        description = _inline(m.get("description", ""))
        if description:
            out += [description, ""]
        out += _table(name, m)
    return "\n".join(out)


def render_distributions() -> str:
    """One row per distribution kind: parameters, percentile form, truncation."""
    schema = Scenario.model_json_schema(mode="validation")
    rows = ["| `dist` | Parameters | Percentile form | `truncate` | Meaning |",
            "|---|---|---|---|---|"]
    for kind in DISTRIBUTION_KINDS:
        name = distribution_class(kind).__name__
        m = schema["$defs"][name]
        props = m.get("properties", {})
        required = set(m.get("required", []))
        params = []
        for field, p in props.items():
            if field == "dist" or field == "truncate" or re.fullmatch(r"p\d+", field):
                continue
            if field in required:
                flag = ""
            elif "p5" in props:
                flag = " (or two percentiles)"
            elif p.get("default") is not None:
                flag = f" (default {_num(p['default'])})"
            else:
                flag = " (optional)"
            params.append(f"`{field}`{flag}: {_inline(p.get('description', ''))}")
        percentiles = "two of `p5` `p10` `p25` `p50` `p75` `p90` `p95`" if "p5" in props \
            else "—"
        truncate = "yes" if "truncate" in props else "—"
        rows.append(f"| `{kind}` | {'<br>'.join(params)} | {percentiles} | {truncate} | "
                    f"{_inline(m.get('description', ''))} |")
    return "\n".join(rows)


def render_kpis() -> str:
    """The KPI names a target may use, from ``sim.kpis.KPIS``."""
    rows = ["| KPI | Unit | `by:` allowed | Better | Meaning |", "|---|---|---|---|---|"]
    for kpi in KPIS.values():
        rows.append(f"| `{kpi.name}` | {kpi.unit} | {'yes' if kpi.monthly else 'no'} | "
                    f"{'higher' if kpi.higher_is_better else 'lower'} | "
                    f"{_inline(kpi.description)} |")
    return "\n".join(rows)


PARTS: dict[str, Callable[[], str]] = {
    "distributions": render_distributions,
    "kpis": render_kpis,
    "fields": render_fields,
}


def update(text: str) -> str:
    """``text`` with every generated part re-rendered (raises if a marker is missing)."""
    for part, render in PARTS.items():
        begin, end = f"<!-- BEGIN GENERATED: {part} -->", f"<!-- END GENERATED: {part} -->"
        pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
        found = pattern.search(text)
        if found is None:
            raise ValueError(f"{DOC.name}: markers for the generated part {part!r} not found")
        text = text[:found.start()] + f"{begin}\n{render()}\n{end}" + text[found.end():]
    return text


def main(argv: list[str]) -> int:
    text = DOC.read_text(encoding="utf-8")
    new = update(text)
    if "--check" in argv:
        if new != text:
            print(f"{DOC.relative_to(ROOT)} is out of date; run "
                  "`.venv/bin/python docs/gen_scenario_format.py`", file=sys.stderr)
            return 1
        return 0
    if new != text:
        DOC.write_text(new, encoding="utf-8")
        print(f"updated {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
