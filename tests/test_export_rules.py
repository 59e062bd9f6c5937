"""Export-control rules: the schema, the built-in rule sets, classification and the chip table."""

from __future__ import annotations

from importlib import resources
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from sim.catalog.chips import ChipAttributes, chip_attributes, load_catalog
from sim.catalog.rules import (
    EPOCH,
    ChipStatus,
    chip_table_rows,
    classify,
    combine_rules,
    effective_window,
    format_chip_table,
    get_rule_set,
    load_rule_sets,
    months_since_epoch,
    nominal_timing,
    realise_timing,
)
from sim.distributions import BaseDistribution, nominal
from sim.errors import CapexsimError
from sim.schema.rules import Rule, RuleSet
from sim.yamlio import parse_yaml_text

RULE_SET_IDS = (
    "us_2022_10", "us_2023_11", "us_2024_12_hbm", "us_2025_04_h20", "us_2025_05_gp10",
    "us_2025_08_h20", "us_2026_01_h200", "cn_2026_01_h200_customs", "us_2026_06_subsidiaries",
    "cn_2025_11_power_subsidy", "cn_2025_01_domestic_share",
)
A090A = "vendor_country == 'US' and (tpp >= 4800 or (tpp >= 1600 and density >= 5.92))"


def all_rules() -> tuple[Rule, ...]:
    return combine_rules(load_rule_sets().values())


def us_rules() -> tuple[Rule, ...]:
    return tuple(r for r in all_rules() if r.authority == "US")


def rule(**fields: Any) -> Rule:
    base: dict[str, Any] = {
        "id": "r", "title": "t", "authority": "US", "source": "assumption: test",
        "effective": "2025-01", "chips": "tpp >= 0", "destinations": ["domestic"],
        "effect": {"kind": "deny"},
    }
    base.update(fields)
    return Rule.model_validate(base)


def status(name: str, when: str, destination: str = "domestic",
           rules: tuple[Rule, ...] | None = None) -> ChipStatus:
    return classify(chip_attributes(name), when, destination,  # type: ignore[arg-type]
                    all_rules() if rules is None else rules)


def rule_by_id(rule_id: str) -> Rule:
    return next(r for r in all_rules() if r.id == rule_id)


# -- acceptance checks ------------------------------------------------------------------------


def test_h100_falls_under_3a090a() -> None:
    h100 = chip_attributes("H100")
    assert h100.tpp == 15_832
    assert rule_by_id("us_2023_11_3a090a").predicate(h100)
    assert not rule_by_id("us_2023_11_3a090b").predicate(h100)
    assert status("H100", "2024-01") == ChipStatus("denied", ("us_2023_11_3a090a",), 0, 0, 0, 0)


def test_a800_allowed_under_the_2022_rule_and_denied_from_nov_2023() -> None:
    assert status("A800", "2023-06").verdict == "allowed"
    assert status("A800", "2023-11-15").verdict == "allowed"
    assert status("A800", "2023-11-16") == ChipStatus("denied", ("us_2023_11_3a090a",), 0, 0, 0, 0)
    # the A100, with 600 GB/s NVLink, was caught in 2022
    assert status("A100", "2023-06").rule_ids == ("us_2022_10_3a090",)


def test_h20_outside_3a090_then_licence_then_licensed_with_15_percent() -> None:
    h20 = chip_attributes("H20")
    assert (h20.tpp, round(h20.density, 2)) == (2_368, 2.91)
    assert not rule_by_id("us_2023_11_3a090a").predicate(h20)
    assert not rule_by_id("us_2023_11_3a090b").predicate(h20)
    assert status("H20", "2025-03").verdict == "allowed"
    april = status("H20", "2025-05")
    assert (april.verdict, april.rule_ids, april.approval_probability) == (
        "licence", ("us_2025_04_h20",), 0.0)
    august = status("H20", "2025-09")
    assert (august.verdict, august.rule_ids) == ("licence", ("us_2025_08_h20",))
    assert august.surcharge_fraction == pytest.approx(0.15)
    assert august.approval_probability == pytest.approx(0.75)  # median of uniform 0.5-1.0


def test_h200_case_by_case_for_us_rules_but_blocked_by_china_customs() -> None:
    us_only = status("H200", "2026-02", rules=us_rules())
    assert (us_only.verdict, us_only.rule_ids) == ("licence", ("us_2026_01_h200",))
    assert us_only.surcharge_fraction == pytest.approx(0.25)
    assert 0 < us_only.approval_probability < 1
    both = status("H200", "2026-02")
    assert (both.verdict, both.rule_ids) == ("denied", ("cn_2026_01_h200_customs",))
    # before the Jan 15 2026 rule, still the Nov 2023 denial
    assert status("H200", "2026-01-01", rules=us_rules()).rule_ids == ("us_2023_11_3a090a",)


def test_h200_abroad_allowed_until_the_june_2026_guidance() -> None:
    assert status("H200", "2026-05", "overseas_owned") == ChipStatus("allowed")
    after = status("H200", "2026-07", "overseas_owned")
    assert (after.verdict, after.rule_ids) == ("denied", ("us_2026_06_subsidiaries",))


def test_b200_is_not_eligible_for_the_jan_2026_policy() -> None:
    b200 = chip_attributes("B200")
    assert b200.tpp == pytest.approx(36_000)
    assert not rule_by_id("us_2026_01_h200").predicate(b200)
    assert status("B200", "2026-02").rule_ids == ("us_2023_11_3a090a",)


def test_leased_us_capacity_is_never_banned() -> None:
    """No rule found bans leasing from non-Chinese providers (domain-facts section 2)."""
    for name in ("H100", "H200", "B200", "H20"):
        for when in ("2023-01", "2025-06", "2026-07", "2030-01"):
            assert status(name, when, "leased") == ChipStatus("allowed")


# -- the built-in rule sets -------------------------------------------------------------------


def test_built_in_rule_sets() -> None:
    sets = load_rule_sets()
    assert tuple(sets) == RULE_SET_IDS
    assert load_rule_sets() is sets
    assert [r.id for r in sets["us_2023_11"].rules] == ["us_2023_11_3a090a", "us_2023_11_3a090b"]


def test_every_rule_cites_its_source_and_names_the_vendor_country() -> None:
    for r in all_rules():
        assert r.source.strip()
        assert (r.source.startswith("assumption:") or "http" in r.source
                                     or "/" in r.source)
        if r.authority == "US" and "CN" not in r.chips:
            assert r.chips.startswith("vendor_country == 'US' and "), r.id
        assert "vendor_country ==" in r.chips, r.id


def test_rule_file_passes_the_strict_loader() -> None:
    text = resources.files("sim.catalog").joinpath("rules.yaml").read_text(encoding="utf-8")
    doc = parse_yaml_text(text, "rules.yaml")
    assert [s["id"] for s in doc.data["rule_sets"]] == list(RULE_SET_IDS)


def test_assumed_numbers_are_explained() -> None:
    for r in all_rules():
        values = [v for v in r.effect.model_dump().values() if isinstance(v, dict)]
        if values or isinstance(r.probability, BaseDistribution):
            assert "assumption" in r.note.lower(), r.id


def test_unknown_rule_set_suggests_the_closest_id() -> None:
    with pytest.raises(CapexsimError, match=r"unknown rule set 'us_2023_1' \(did you mean "
                                            r"'us_2023_11'\?\); built-in rule sets: us_2022_10"):
        get_rule_set("us_2023_1")


# -- the schema -------------------------------------------------------------------------------


def test_bad_predicate_is_a_field_error_on_chips() -> None:
    with pytest.raises(ValidationError) as info:
        rule(chips="tpp >= 4800 and __import__('os')")
    (error,) = info.value.errors()
    assert error["loc"] == ("chips",)
    assert "\"__import__('os')\" is not allowed (function call)" in error["msg"]


@pytest.mark.parametrize(
    ("fields", "loc", "fragment"),
    [
        ({"id": "Bad-Id"}, ("id",), "snake_case"),
        ({"authority": "EU"}, ("authority",), "'US' or 'CN'"),
        ({"destinations": []}, ("destinations",), "at least 1"),
        ({"destinations": ["mars"]}, ("destinations", 0), "'domestic'"),
        ({"destinations": ["domestic", "domestic"]}, (), "lists one twice"),
        ({"effect": {"kind": "ban"}}, ("effect",), "kind"),
        ({"effect": {"kind": "licence", "approval_probability": 0.5}},
         ("effect", "delay_months"), "Field required"),
        ({"effect": {"kind": "quota", "supply_factor": 1.5}},
         ("effect", "supply_factor"), "<= 1"),
        ({"effect": {"kind": "deny", "fraction": 0.1}}, ("effect", "fraction"), "Extra"),
        ({"effective": "2025-13"}, ("effective",), "month 13"),
        ({"effective": 2025}, ("effective",), "expected a date 'YYYY-MM' or 'YYYY-MM-DD'"),
        ({"effective": {"earliest": "2026-02"}}, ("effective", "latest"), "Field required"),
        ({"effective": {"earliest": "2026-02", "latest": "2026-01"}},
         ("effective",), "before earliest"),
        ({"probability": 2}, ("probability",), "<= 1"),
        ({"supersedes": ["r"]}, (), "cannot supersede itself"),
        ({"title": "  "}, ("title",), "must not be blank"),
        ({"colour": "red"}, ("colour",), "Extra"),
    ],
)
def test_schema_rejections(fields: dict[str, Any], loc: tuple[Any, ...], fragment: str) -> None:
    with pytest.raises(ValidationError) as info:
        rule(**fields)
    errors = info.value.errors()
    assert any(e["loc"][: len(loc)] == loc and fragment in e["msg"] for e in errors), errors


def test_schema_accepts_every_effect_and_uncertain_numbers() -> None:
    effects = [
        {"kind": "deny"},
        {"kind": "licence", "approval_probability": {"dist": "uniform", "low": 0.1, "high": 0.3},
         "delay_months": 2},
        {"kind": "surcharge", "fraction": 1.45},
        {"kind": "quota", "supply_factor": 0.5},
        {"kind": "revoke"},
        {"kind": "power_subsidy", "discount_fraction": 0.5},
        {"kind": "min_domestic_share", "share": 0.3},
    ]
    for effect in effects:
        assert rule(effect=effect).effect.kind == effect["kind"]
    licence = rule(effect=effects[1]).effect
    assert nominal(licence.approval_probability) == pytest.approx(0.2)  # type: ignore[union-attr]
    assert licence.surcharge_fraction == 0.0  # type: ignore[union-attr]
    assert rule().probability == 1.0
    assert rule().supersedes == ()


def test_rule_set_rejects_duplicate_rule_ids() -> None:
    with pytest.raises(ValidationError, match="appears twice in rule set 'x'"):
        RuleSet(id="x", title="x", rules=(rule(), rule()))


def test_combine_rules_rejects_ids_used_twice() -> None:
    one = RuleSet(id="one", title="t", rules=(rule(id="us_2022_10_3a090"),))
    with pytest.raises(CapexsimError, match="'us_2022_10_3a090' is in both rule set 'us_2022_10'"):
        combine_rules(["us_2022_10", one])
    # a supersedes naming a rule left out is fine (it was disabled)
    assert combine_rules(["us_2023_11"])[0].supersedes == ("us_2022_10_3a090",)


# -- classification semantics -----------------------------------------------------------------


H100 = chip_attributes("H100")
DENY = rule(id="deny_all")
LICENCE = rule(id="lic", effect={"kind": "licence", "approval_probability": 0.5,
                                 "delay_months": 3, "surcharge_fraction": 0.1})


def test_supersession_is_per_chip_destination_and_time() -> None:
    relief = rule(id="relief", supersedes=["deny_all"], chips="name == 'H100'",
                  effective="2026-01", effect=LICENCE.effect.model_dump())
    rules = (DENY, relief)
    assert classify(H100, "2026-02", "domestic", rules).verdict == "licence"
    assert classify(H100, "2025-12", "domestic", rules).rule_ids == ("deny_all",)
    assert classify(chip_attributes("H200"), "2026-02", "domestic", rules).verdict == "denied"
    abroad = rule(id="deny_all", destinations=["domestic", "overseas_owned"])
    assert classify(H100, "2026-02", "overseas_owned", (abroad, relief)).verdict == "denied"


def test_effects_combine() -> None:
    rules = (
        LICENCE,
        rule(id="lic2", effect={"kind": "licence", "approval_probability": 0.4,
                                "delay_months": 5}),
        rule(id="tariff", effect={"kind": "surcharge", "fraction": 0.25}),
        rule(id="q1", effect={"kind": "quota", "supply_factor": 0.5}),
        rule(id="q2", effect={"kind": "quota", "supply_factor": 0.5}),
        rule(id="subsidy", effect={"kind": "power_subsidy", "discount_fraction": 0.5}),
    )
    result = classify(H100, "2026-01", "domestic", rules)
    assert result.verdict == "licence"
    assert result.rule_ids == ("lic", "lic2", "tariff", "q1", "q2")
    assert result.approval_probability == pytest.approx(0.2)
    assert result.delay_months == 5
    assert result.surcharge_fraction == pytest.approx(0.35)
    assert result.supply_factor == pytest.approx(0.25)
    assert result.access_fraction == pytest.approx(0.05)
    assert classify(H100, "2026-01", "domestic", (*rules, DENY)).rule_ids == ("deny_all",)
    only_other = classify(H100, "2026-01", "domestic", rules[-1:])
    assert only_other == ChipStatus("allowed")


def test_time_as_a_date_or_months_since_epoch() -> None:
    assert months_since_epoch(EPOCH) == 0.0
    assert months_since_epoch("2026-01") == 26 * 12
    assert months_since_epoch("2026-01-15") == pytest.approx(26 * 12 + 14 / 31)
    assert months_since_epoch(3.5) == 3.5
    with pytest.raises(ValueError, match="finite"):
        months_since_epoch(float("nan"))
    at = months_since_epoch("2026-02")
    assert classify(H100, at, "domestic", all_rules()) == status("H100", "2026-02")


def test_uncertain_dates_and_probabilities() -> None:
    customs = rule_by_id("cn_2026_01_h200_customs")
    low, high = effective_window(customs)
    assert (low, high) == (months_since_epoch("2026-01-13"), months_since_epoch("2026-01-15"))
    assert nominal_timing(customs) == pytest.approx((low + high) / 2)
    assert realise_timing(customs, 0.0, 0.3) == low
    assert realise_timing(customs, 1.0, 0.3) == high
    never = rule(probability=0.0)
    assert nominal_timing(never) is None
    assert classify(H100, "2030-01", "domestic", (never,)).verdict == "allowed"
    maybe = rule(probability=0.4)
    assert realise_timing(maybe, 0.5, 0.39) is not None
    assert realise_timing(maybe, 0.5, 0.4) is None
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        realise_timing(maybe, 1.5, 0.0)


def test_value_of_and_timing_are_the_replication_hooks() -> None:
    h20 = chip_attributes("H20")
    high = classify(h20, "2025-09", "domestic", all_rules(),
                    value_of=lambda q: q.support()[1] if isinstance(q, BaseDistribution)
                    else float(q))
    assert high.approval_probability == 1.0
    assert high.delay_months == 3.0
    late = {"us_2025_08_h20": months_since_epoch("2025-12")}
    result = classify(h20, "2025-09", "domestic", all_rules(),
                      timing=lambda r: late.get(r.id, nominal_timing(r)))
    assert result.rule_ids == ("us_2025_04_h20",)


# -- the chip table ---------------------------------------------------------------------------


def test_chip_table_rows_and_text() -> None:
    rows = chip_table_rows("2026-02", "domestic")
    assert [r.name for r in rows] == list(load_catalog())
    by_name = {r.name: r for r in rows}
    assert by_name["H200"].status.verdict == "denied"
    assert by_name["H20"].tpp == 2_368
    us_only = chip_table_rows("2026-02", "domestic", [s for s in RULE_SET_IDS if s[:3] == "us_"])
    assert {r.name: r for r in us_only}["H200"].status.verdict == "licence"
    text = format_chip_table(rows)
    lines = text.splitlines()
    assert lines[0].split() == ["chip", "origin", "TPP", "PD", "H100-eq", "status", "terms",
                                "rules"]
    assert len(lines) == 1 + len(rows)
    h20 = next(line for line in lines if line.startswith("H20 "))
    assert "2,368" in h20
    assert "2.91" in h20
    assert "+15%" in h20
    assert "us_2025_08_h20" in h20
    b200 = next(line for line in lines if line.startswith("B200"))
    assert " - " in b200
    assert "denied" in b200
    column = lines[0].index("status")
    assert all(line[column:].split()[0] in ("status", "allowed", "licence", "denied")
               for line in lines)


# -- property: a deny rule only ever makes things stricter ------------------------------------

_RANK = {"allowed": 0, "licence": 1, "denied": 2}
_BUILTIN_IDS = [r.id for r in combine_rules(load_rule_sets().values())]
_PREDICATES = [
    "tpp >= 0", "tpp >= 4800", A090A, "name in ['H20', 'H200']", "vendor_country == 'CN'",
    "density >= 5.92", "hbm_bandwidth_gb_s < 6500 and tpp < 21000",
]
_DESTINATIONS = ["domestic", "overseas_owned", "leased"]
_floats = st.floats(min_value=0, max_value=40_000, allow_nan=False)


@st.composite
def chips(draw: st.DrawFn) -> ChipAttributes:
    if draw(st.booleans()):
        return chip_attributes(draw(st.sampled_from(list(load_catalog()))))
    return ChipAttributes(
        name=draw(st.sampled_from(["H20", "H200", "X1"])),
        vendor="V", vendor_country=draw(st.sampled_from(["US", "CN"])),
        bf16_tflops=draw(_floats), fp8_tflops=draw(_floats), hbm_gb=80.0,
        hbm_bandwidth_gb_s=draw(st.floats(100, 10_000)), interconnect_gb_s=draw(_floats),
        tdp_w=700.0, die_area_mm2=draw(st.one_of(st.just(float("nan")), st.floats(100, 900))),
    )


@st.composite
def deny_rules(draw: st.DrawFn) -> Rule:
    return rule(
        id="extra_deny",
        effective=f"{draw(st.integers(2022, 2028))}-{draw(st.integers(1, 12)):02d}",
        chips=draw(st.sampled_from(_PREDICATES)),
        destinations=draw(st.lists(st.sampled_from(_DESTINATIONS), min_size=1, max_size=3,
                                   unique=True)),
        supersedes=draw(st.lists(st.sampled_from(_BUILTIN_IDS), max_size=3, unique=True)),
    )


@given(
    chip=chips(),
    extra=deny_rules(),
    when=st.floats(months_since_epoch("2022-01"), months_since_epoch("2029-01")),
    destination=st.sampled_from(_DESTINATIONS),
    chosen=st.lists(st.sampled_from(RULE_SET_IDS), unique=True),
)
def test_adding_a_deny_rule_never_loosens_the_status(
    chip: ChipAttributes, extra: Rule, when: float, destination: str, chosen: list[str]
) -> None:
    rules = combine_rules(chosen)
    before = classify(chip, when, destination, rules)  # type: ignore[arg-type]
    after = classify(chip, when, destination, (*rules, extra))  # type: ignore[arg-type]
    assert _RANK[after.verdict] >= _RANK[before.verdict]
    assert after.access_fraction <= before.access_fraction
    if before.verdict == "denied":
        assert after.verdict == "denied"
