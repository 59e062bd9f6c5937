"""Property tests of the scenario loader: whatever it is fed, it either returns a scenario or
raises :class:`ScenarioError` whose lines each read ``file[:line[:col]]: ...`` on one line.

These found the control-character, deep-nesting and line-break-in-key crashes whose exact
messages ``test_malformed.py`` now pins.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings

from sim.errors import ScenarioError
from sim.loading import load_scenario, validate_document
from sim.yamlio import parse_yaml_text
from tests.strategies import mutated_scenarios, yaml_documents

ROOT = Path(__file__).resolve().parent.parent
SOURCE = "fuzz.yaml"
LINE = re.compile(r"^[^:]+(:\d+(:\d+)?)?: ")

try:
    _DUMPER: Any = yaml.CSafeDumper
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _DUMPER = yaml.SafeDumper


def check_error(exc: ScenarioError) -> None:
    """Every line of ``exc`` is one line, names :data:`SOURCE` and reads ``file:line:col: ``."""
    lines = exc.lines()
    assert len(lines) == len(exc.problems) > 0
    for problem, line in zip(exc.problems, lines, strict=True):
        assert problem.location.source == SOURCE
        assert line.startswith(f"{SOURCE}:"), line
        assert LINE.match(line), line
        assert line.splitlines() == [line], line


def load_text(text: str) -> None:
    """Parse and validate ``text``; only :class:`ScenarioError` may escape."""
    try:
        validate_document(parse_yaml_text(text, SOURCE))
    except ScenarioError as exc:
        check_error(exc)


@given(text=yaml_documents())
@example(text="a: !!python/object/apply:os.system ['true']\n")
@example(text="a: &x 1\nb: *x\n")
@example(text="<<: {name: x}\n")
@example(text="name: a\nname: b\n")
@example(text="chips: {H20: {price_usd: .nan}}\n")
@example(text="- 1\n- 2\n")
@example(text="a: 1\n---\nb: 2\n")
@example(text="key: [unclosed\n")
@example(text="\tname: x\n")
@example(text="")
@example(text="name: Byte\x00Dance\n")
@example(text="chips: " + "[" * 1000 + "]" * 1000)
@example(text="monte_carlo: {runs: 1" + "0" * 5000 + "}\n")
@example(text='monte_carlo: {"runs\\n": 5}\n')
def test_yaml_documents_raise_only_scenario_error(text: str) -> None:
    load_text(text)


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=mutated_scenarios())
def test_mutated_scenarios_raise_only_scenario_error(data: Any) -> None:
    text = yaml.dump(data, Dumper=_DUMPER, sort_keys=False, allow_unicode=True)
    load_text(text)


def _scenario_files() -> list[Path]:
    return sorted((ROOT / "scenarios").glob("*.yaml"))


def test_there_are_scenarios_to_round_trip() -> None:
    assert _scenario_files()


@pytest.mark.parametrize("path", _scenario_files(), ids=lambda p: p.name)
def test_valid_scenario_round_trips_through_yaml(path: Path, tmp_path: Path) -> None:
    scenario = load_scenario(path)
    dumped = tmp_path / path.name
    text = yaml.safe_dump(scenario.model_dump(mode="json"), sort_keys=False, allow_unicode=True)
    dumped.write_text(text, encoding="utf-8")
    again = load_scenario(dumped)
    assert again == scenario
    assert again.model_dump(mode="json") == scenario.model_dump(mode="json")


def test_check_error_accepts_what_the_loader_writes() -> None:
    """The line pattern above is not vacuous: it accepts real lines and rejects others."""
    with pytest.raises(ScenarioError) as info:
        validate_document(parse_yaml_text("name: [1\n", SOURCE))
    check_error(info.value)
    assert LINE.match("fuzz.yaml: the file is empty")
    assert LINE.match("fuzz.yaml:3: x")
    assert not LINE.match("Traceback (most recent call last):")
    assert not LINE.match("fuzz.yaml:3:x: y")
    assert math.isnan(float("nan"))  # the strategies rely on yaml.safe_dump writing .nan
    assert yaml.safe_dump(float("nan")).startswith(".nan")
