"""Composing scenarios: ``extends`` chains, ``--set`` overrides, and where errors point."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.distributions import Uniform, nominal
from sim.errors import ScenarioError
from sim.loading import load_document, load_scenario

REFERENCE = Path(__file__).resolve().parent.parent / "scenarios" / "bytedance_2026.yaml"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_extends_merges_mappings_and_replaces_lists(tmp_path: Path) -> None:
    child = write(tmp_path / "child.yaml", f"""\
extends: {REFERENCE}
name: child
clock: {{horizon_months: 12}}
fleet: []
targets: []
""")
    base = load_scenario(REFERENCE)
    scenario = load_scenario(child)
    assert scenario.name == "child"
    assert scenario.clock.horizon_months == 12
    assert scenario.clock.start == base.clock.start  # merged, not replaced
    assert scenario.fleet == []  # lists replace
    assert scenario.sites == base.sites


def test_errors_point_into_the_file_that_gave_the_value(tmp_path: Path) -> None:
    write(tmp_path / "base.yaml", REFERENCE.read_text().replace(
        "horizon_months: 36", "horizon_months: 0"))
    child = write(tmp_path / "child.yaml", "extends: base.yaml\nname: child\nmonte_carlo:\n"
                  "  runs: -1\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    lines = info.value.lines()
    line_no = REFERENCE.read_text().splitlines().index(
        "  horizon_months: 36          # 2026-2028: the 2026 plan and what it buys over its "
        "first years") + 1
    assert lines == [
        f"{tmp_path / 'base.yaml'}:{line_no}:19: clock.horizon_months: input should be greater "
        "than or equal to 1, got 0",
        f"{child}:4:9: monte_carlo.runs: input should be greater than or equal to 1, got -1",
    ]


def test_extends_cycle_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", "extends: b.yaml\nname: a\n")
    write(tmp_path / "b.yaml", "name: b\nextends: a.yaml\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "a.yaml")
    assert info.value.lines() == [
        f"{tmp_path / 'b.yaml'}:2:10: extends: extends cycle: a.yaml -> b.yaml -> a.yaml"
    ]


def test_extends_missing_file(tmp_path: Path) -> None:
    child = write(tmp_path / "c.yaml", "extends: nowhere.yaml\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    assert info.value.lines() == [f"{child}:1:10: extends: no such file: nowhere.yaml"]


def test_overrides_by_name_index_and_yaml_value() -> None:
    scenario = load_scenario(REFERENCE, [
        "sites.johor.power_mw=250",
        "budget.tranches.0.amount=2e11",
        "monte_carlo.runs=7",
        "chips.H20.price_usd={dist: uniform, low: 9000, high: 13000}",
        "budget.carry_over=false",
    ])
    johor = next(s for s in scenario.sites if s.name == "johor")
    assert johor.power_mw == 250
    assert scenario.budget.tranches[0].amount == 2e11
    assert scenario.monte_carlo.runs == 7
    assert scenario.chips["H20"].price_usd == Uniform(dist="uniform", low=9000, high=13000)
    assert nominal(scenario.chips["H20"].price_usd) == 11000
    assert scenario.budget.carry_over is False


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("monte_carlo.runs", "--set monte_carlo.runs: expected --set path.to.field=value, "
         "e.g. --set monte_carlo.runs=500"),
        ("sites.nowhere.pue=1.2", "--set sites.nowhere.pue=1.2: sites: no item named "
         "'nowhere' in this list (names: domestic_west, johor)"),
        ("sites.9.pue=1.2", "--set sites.9.pue=1.2: sites: index 9 is out of range; the list "
         "has 2 items"),
        ("clock.start.x=1", "--set clock.start.x=1: clock.start: cannot set 'x' inside a str "
         "value"),
        ("monte_carlo.runs=many", "--set monte_carlo.runs=many: monte_carlo.runs: expected a "
         "whole number, got 'many'"),
        ("monte_carlo.rusn=5", "--set monte_carlo.rusn=5: monte_carlo.rusn: unknown field "
         "'rusn'; did you mean 'runs'?"),
    ],
)
def test_override_errors(override: str, message: str) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(REFERENCE, [override])
    assert info.value.lines() == [message]


def test_override_locations_replace_the_file_location() -> None:
    doc = load_document(REFERENCE, ["sites.johor={name: johor}"])
    assert str(doc.location(("sites", 1, "name"))) == "--set sites.johor={name: johor}"
    assert str(doc.location(("sites", 0, "name"))).startswith(str(REFERENCE))


def test_all_errors_reported_at_once(tmp_path: Path) -> None:
    child = write(tmp_path / "c.yaml", f"""\
extends: {REFERENCE}
clock: {{start: "2026-13"}}
monte_carlo: {{design: sobel, runs: 0}}
""")
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    assert [line.split(": ", 2)[1] for line in info.value.lines()] == [
        "clock.start", "monte_carlo.design", "monte_carlo.runs",
    ]
