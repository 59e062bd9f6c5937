"""The built-in chip catalog (sourced values, derived export metrics) and the predicate language."""

from __future__ import annotations

import math
import subprocess
import sys
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.catalog.chips import (
    ATTRIBUTE_NAMES,
    CONFIDENCE_TAGS,
    SPEC_FIELDS,
    CatalogChip,
    ChipAttributes,
    SourcedValue,
    chip_attributes,
    get_chip,
    load_catalog,
)
from sim.catalog.predicates import Predicate, PredicateError, compile_predicate
from sim.errors import CapexsimError
from sim.yamlio import parse_yaml_text

EXPECTED_CHIPS = (
    "A100", "A800", "H100", "H800", "H20", "H200", "B200", "Ascend-910B", "Ascend-910C",
    "Ascend-950PR", "Ascend-950DT", "MLU370-X8", "MLU590",
)
REQUIRED = ("bf16_tflops", "hbm_gb", "hbm_bandwidth_gb_s", "interconnect_gb_s", "tdp_w")
VALID = "valid names: " + ", ".join(ATTRIBUTE_NAMES)
A090A = "vendor_country == 'US' and (tpp >= 4800 or (tpp >= 1600 and density >= 5.92))"


def attrs(**overrides: object) -> ChipAttributes:
    base: dict[str, object] = {
        "name": "X", "vendor": "V", "vendor_country": "US", "bf16_tflops": 100.0,
        "hbm_gb": 80.0, "hbm_bandwidth_gb_s": 2000.0, "interconnect_gb_s": 400.0, "tdp_w": 400.0,
    }
    base.update(overrides)
    return ChipAttributes(**base)  # type: ignore[arg-type]


# -- derived metrics (acceptance checks) ------------------------------------------------------


def test_h100_tpp_density_and_h100_equivalents() -> None:
    h100 = chip_attributes("H100")
    assert h100.tpp == 15_832  # 1,979 FP8 x 8 beats 989 BF16 x 16 = 15,824
    assert round(h100.density, 2) == 19.45
    assert h100.h100_equivalents == 1.0


def test_a100_and_a800_metrics() -> None:
    for name in ("A100", "A800"):
        chip = chip_attributes(name)
        assert chip.tpp == 4_992
        assert round(chip.density, 2) == 6.04
        assert chip.h100_equivalents == pytest.approx(312 / 989)
    assert chip_attributes("A100").interconnect_gb_s == 600
    assert chip_attributes("A800").interconnect_gb_s == 400


def test_h20_metrics() -> None:
    h20 = chip_attributes("H20")
    assert h20.tpp == 2_368
    assert round(h20.density, 2) == 2.91
    assert h20.h100_equivalents == pytest.approx(148 / 989)


@pytest.mark.parametrize(
    ("name", "tpp"),
    [("H200", 15_832), ("B200", 36_000), ("Ascend-910B", 5_120), ("MLU370-X8", 2_048),
     ("Ascend-950PR", 8_000)],
)
def test_tpp_of_other_chips(name: str, tpp: float) -> None:
    assert chip_attributes(name).tpp == tpp


def test_unknown_die_area_gives_nan_density_and_missing_precision_zero() -> None:
    b200 = chip_attributes("B200")
    assert math.isnan(b200.die_area_mm2)
    assert math.isnan(b200.density)
    a100 = chip_attributes("A100")
    assert a100.fp8_tflops == 0.0
    assert a100.fp4_tflops == 0.0


def test_chip_attributes_validation() -> None:
    assert attrs(fp4_tflops=1000.0).tpp == 4000.0
    with pytest.raises(ValueError, match=r"bf16_tflops=-1\.0 must be finite and >= 0"):
        attrs(bf16_tflops=-1.0)
    with pytest.raises(ValueError, match="hbm_gb=nan"):
        attrs(hbm_gb=math.nan)
    with pytest.raises(ValueError, match="must be a real number"):
        attrs(tdp_w="700")
    with pytest.raises(ValueError, match="die_area_mm2 must be > 0"):
        attrs(die_area_mm2=0.0)


# -- the catalog data -------------------------------------------------------------------------


def test_catalog_holds_the_expected_chips_in_order() -> None:
    assert tuple(load_catalog()) == EXPECTED_CHIPS


def test_every_value_is_sourced_with_a_known_tag() -> None:
    for chip in load_catalog().values():
        assert chip.vendor_country in ("US", "CN")
        for field in SPEC_FIELDS:
            value = chip.value(field)
            if value is None:
                assert field not in REQUIRED, f"{chip.name}.{field} is required"
                continue
            assert value.source.strip(), f"{chip.name}.{field} has no source"
            assert value.confidence in CONFIDENCE_TAGS
            assert 0 <= value.low <= value.high
            if value.confidence in ("CONTESTED", "ASSUMPTION"):
                assert value.is_range, f"{chip.name}.{field} should be a range"
            if value.confidence == "ASSUMPTION":
                assert value.note, f"{chip.name}.{field} needs its reasoning in the note"


def test_catalog_yaml_passes_the_strict_loader() -> None:
    """safe_load would silently keep the second of two duplicate keys; the strict loader won't."""
    text = resources.files("sim.catalog").joinpath("chips.yaml").read_text(encoding="utf-8")
    doc = parse_yaml_text(text, "chips.yaml")
    assert tuple(doc.data["chips"]) == EXPECTED_CHIPS


def test_catalog_is_cached_and_read_only() -> None:
    assert load_catalog() is load_catalog()
    with pytest.raises(TypeError):
        load_catalog()["X"] = load_catalog()["H100"]  # type: ignore[index]


def test_nothing_is_loaded_at_import() -> None:
    code = (
        "import sim.catalog.chips as c, sim.catalog.predicates, sim.catalog.rules as r; "
        "print(c.load_catalog.cache_info().currsize, r.load_rule_sets.cache_info().currsize)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["0", "0"]


@pytest.mark.parametrize(("typo", "suggestion"), [("H10O", "H100"), ("h20", "H20"),
                                                  ("Ascend910C", "Ascend-910C")])
def test_unknown_chip_suggests_the_closest_name(typo: str, suggestion: str) -> None:
    with pytest.raises(CapexsimError, match=f"unknown chip '{typo}' \\(did you mean "
                                            f"'{suggestion}'\\?\\); built-in chips: A100, "):
        get_chip(typo)


def test_unknown_chip_without_a_close_name() -> None:
    with pytest.raises(CapexsimError) as info:
        get_chip("zzzz")
    assert str(info.value).startswith("unknown chip 'zzzz'; built-in chips: A100, A800")


def test_sourced_value() -> None:
    point = SourcedValue(989, 989, "src", "OFFICIAL")
    assert point.nominal == 989
    assert not point.is_range
    span = SourcedValue(780, 800, "src", "CONTESTED", "two dies")
    assert span.nominal == 790
    assert span.is_range
    with pytest.raises(ValueError, match="low=2 is above high=1"):
        SourcedValue(2, 1, "src", "EST")
    with pytest.raises(ValueError, match="confidence='GUESS' is not one of"):
        SourcedValue(1, 1, "src", "GUESS")
    with pytest.raises(ValueError, match="source must not be empty"):
        SourcedValue(1, 1, " ", "EST")
    with pytest.raises(ValueError, match="must be finite"):
        SourcedValue(math.nan, 1, "src", "EST")


def test_catalog_chip_attributes_with_a_picker() -> None:
    chip = get_chip("Ascend-910C")
    low = chip.attributes(lambda v: v.low)
    high = chip.attributes(lambda v: v.high)
    assert low.bf16_tflops == 780
    assert high.bf16_tflops == 800
    assert chip.nominal_attributes().tpp == 790 * 16
    assert isinstance(chip, CatalogChip)
    with pytest.raises(KeyError, match="is not a spec field"):
        chip.value("flops")


# -- predicates: valid forms ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "selected"),
    [
        (A090A, {"A100", "A800", "H100", "H800", "H200", "B200"}),
        ("vendor_country == 'US' and tpp >= 4800 and interconnect_gb_s >= 600",
         {"A100", "H100", "H200", "B200"}),
        ("name in ['H20', 'MI308X']", {"H20"}),
        ("name not in ('H20', 'H100') and vendor == 'NVIDIA'",
         {"A100", "A800", "H800", "H200", "B200"}),
        ("1600 <= tpp < 4800", {"H20", "MLU370-X8"}),
        ("vendor_country != 'US' and not tpp >= 5000", {"MLU370-X8"}),
        ("hbm_gb in [80, 141]", {"A100", "A800", "H100", "H800", "H200"}),
        ("fp4_tflops > 0 or h100_equivalents >= 2", {"B200", "Ascend-950PR", "Ascend-950DT"}),
        ("density < 5.92", {"H20"}),
    ],
)
def test_valid_predicates_select_the_right_chips(text: str, selected: set[str]) -> None:
    predicate = compile_predicate(text)
    chosen = {n for n, c in load_catalog().items() if predicate(c.nominal_attributes())}
    assert chosen == selected


def test_nan_never_satisfies_a_comparison() -> None:
    b200 = chip_attributes("B200")
    for text in ("density >= 0", "density < 1e9", "density != 5", "density == density",
                 "density in [1, 2]", "density not in [1, 2]"):
        assert compile_predicate(text)(b200) is False, text
    assert compile_predicate("not density >= 5.92")(b200) is True  # documented


def test_predicate_is_compiled_once_and_compares_by_text() -> None:
    first = compile_predicate("tpp >= 4800")
    assert compile_predicate("tpp >= 4800") is first
    assert isinstance(first, Predicate)
    assert first.names == frozenset({"tpp"})
    assert first == compile_predicate("  tpp >= 4800  ")
    assert hash(first) == hash("tpp >= 4800")
    assert compile_predicate(A090A).names == frozenset({"vendor_country", "tpp", "density"})


# -- predicates: rejections -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("__import__('os')",
         "invalid chip predicate \"__import__('os')\": \"__import__('os')\" is not allowed "
         "(function call); " + VALID),
        ("attrs.tpp >= 4800",
         "invalid chip predicate 'attrs.tpp >= 4800': 'attrs.tpp' is not allowed "
         "(attribute access); " + VALID),
        ("tpp.real >= 4800",
         "invalid chip predicate 'tpp.real >= 4800': 'tpp.real' is not allowed "
         "(attribute access); " + VALID),
        ("max(tpp, 1) >= 4800",
         "invalid chip predicate 'max(tpp, 1) >= 4800': 'max(tpp, 1)' is not allowed "
         "(function call); " + VALID),
        ("tppp >= 4800",
         "invalid chip predicate 'tppp >= 4800': unknown name 'tppp' (did you mean 'tpp'?); "
         + VALID),
        ("foo == 1", "invalid chip predicate 'foo == 1': unknown name 'foo'; " + VALID),
    ],
)
def test_rejections_with_exact_messages(text: str, message: str) -> None:
    with pytest.raises(PredicateError) as info:
        compile_predicate(text)
    assert str(info.value) == message
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "it is empty"),
        ("tpp >=", "syntax error at the end (invalid syntax)"),
        ("tpp >= 1)", "syntax error at column 9"),
        ("tpp", "'tpp' is not a condition; compare it, e.g. 'tpp >= 4800'"),
        ("True", "'True' is not allowed (constants are numbers or strings)"),
        ("tpp >= None", "'None' is not allowed (constants are numbers or strings)"),
        ("tpp + 1 > 2", "'tpp + 1' is not allowed (arithmetic)"),
        ("tpp > -1", "'-1' is not allowed (unary operator)"),
        ("name[0] == 'H'", "'name[0]' is not allowed (subscript)"),
        ("(lambda: 1)() == 1", "is not allowed (function call)"),
        ("lambda: tpp", "'lambda: tpp' is not allowed (lambda)"),
        ("tpp if tpp else 0", "is not allowed (conditional expression)"),
        ("(x := 1) > 0", "'x := 1' is not allowed (assignment)"),
        ("[t for t in [1]] == 1", "is not allowed (comprehension)"),
        ("name < 'H'", "operator '<' compares numbers; 'name' is text (use ==, != or in)"),
        ("tpp == 'x'", "cannot compare 'tpp' (a number) with \"'x'\" (text)"),
        ("name in name", "'in' needs a list on its right"),
        ("name in [tpp]", "'tpp' in a list must be a number or string"),
        ("name in ['a', 1]", "mixes numbers and strings"),
        ("tpp in ['a']", "'tpp' is a number but \"['a']\" holds texts"),
        ("[1] == [1]", "'[1]' is not allowed here (a list goes on the right of 'in')"),
        ("(tpp > 1) > 2", "'tpp > 1' is a condition, not a value to compare"),
        ("vendor is 'US'", "operator 'is' is not allowed"),
        ("tpp > 1e999", "'1e999' is not a finite number"),
        ("tpp > 1 " + "and tpp > 1 " * 400, "is longer than 2000 characters"),
    ],
)
def test_rejections(text: str, fragment: str) -> None:
    with pytest.raises(PredicateError) as info:
        compile_predicate(text)
    assert fragment in str(info.value)
    assert str(info.value).endswith(VALID)


def test_predicate_error_is_a_user_error_and_a_value_error() -> None:
    with pytest.raises(CapexsimError):
        compile_predicate("open('x')")
    with pytest.raises(ValueError, match="function call"):  # pydantic: a field error
        compile_predicate("open('x')")


numbers = st.floats(min_value=0, max_value=50_000, allow_nan=False)


@given(bf16=numbers, fp8=numbers, area=st.one_of(st.just(math.nan), st.floats(1, 2000)),
       t=numbers, d=st.floats(0, 50))
def test_compiled_predicate_matches_plain_python(
    bf16: float, fp8: float, area: float, t: float, d: float
) -> None:
    chip = attrs(bf16_tflops=bf16, fp8_tflops=fp8, die_area_mm2=area)
    predicate = compile_predicate(f"tpp >= {t!r} or ({t!r} > tpp and density >= {d!r})")
    density_ok = not math.isnan(chip.density) and chip.density >= d
    assert predicate(chip) == (chip.tpp >= t or (t > chip.tpp and density_ok))
    assert chip.tpp == max(bf16 * 16, fp8 * 8)
