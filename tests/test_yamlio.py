"""The safe YAML reader: YAML 1.2-style scalars, refusals, and value locations."""

from __future__ import annotations

import math

import pytest

from sim.errors import ScenarioError
from sim.yamlio import MAX_FILE_BYTES, parse_yaml_text, read_yaml


def load(text: str) -> object:
    return parse_yaml_text(text, "s.yaml").data


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1e9", 1e9),
        ("2.5e-3", 2.5e-3),
        ("-1E+3", -1000.0),
        ("160_000", 160000),
        ("010", 10),
        (".5", 0.5),
        ("1.", 1.0),
        ("0x10", "0x10"),
        ("1:30", "1:30"),
        ("yes", "yes"),
        ("no", "no"),
        ("on", "on"),
        ("true", True),
        ("False", False),
        ("2026-01-15", "2026-01-15"),
        ("2026-01", "2026-01"),
        ("~", None),
        ("null", None),
    ],
)
def test_scalars_read_as_yaml_12(text: str, expected: object) -> None:
    value = load(f"a: {text}\n")
    assert value == {"a": expected}
    assert type(value["a"]) is type(expected)  # type: ignore[index]


def test_nan_and_inf_are_floats_for_validation_to_reject() -> None:
    data = load("a: .nan\nb: -.inf\nc: .Inf\n")
    assert isinstance(data, dict)
    assert math.isnan(data["a"])
    assert data["b"] == -math.inf
    assert data["c"] == math.inf


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: 1\nb: 2\na: 3\n", "s.yaml:3:1: a: duplicate key 'a' (first defined at line 1)"),
        ("x:\n  a: 1\n  a: 2\n", "s.yaml:3:3: x.a: duplicate key 'a' (first defined at line 2)"),
        ("a: &x 1\nb: *x\n",
         "s.yaml:1:4: invalid YAML: anchor '&x' is not allowed; write the value out"),
        ("a: !!python/object:os.system {}\n",
         "s.yaml:1:4: invalid YAML: tag '!!python/object:os.system' is not allowed in a "
         "scenario file"),
        ("a: !custom 3\n", "s.yaml:1:4: invalid YAML: tag '!custom' is not allowed in a "
         "scenario file"),
        ("a: 1\n---\nb: 2\n", "s.yaml:2:1: invalid YAML: a scenario file holds one YAML "
         "document, but a second one starts here"),
        ("a: [1, 2\n", "s.yaml:2:1: invalid YAML: while parsing a flow sequence: expected ',' "
         "or ']', but got '<stream end>'"),
    ],
)
def test_refusals_name_the_line(text: str, message: str) -> None:
    with pytest.raises(ScenarioError) as info:
        parse_yaml_text(text, "s.yaml")
    assert info.value.lines() == [message]


def test_merge_key_is_an_ordinary_key() -> None:
    assert load("b:\n  <<: {y: 2}\n") == {"b": {"<<": {"y": 2}}}


def test_locations_of_values_and_keys() -> None:
    doc = parse_yaml_text("top:\n  items:\n    - {x: 1}\n    - x: 2\n      y: 3\n", "f.yaml")
    assert str(doc.location(("top", "items", 1, "y"))) == "f.yaml:5:10"
    assert str(doc.location(("top", "items", 1, "y"), key=True)) == "f.yaml:5:7"
    assert str(doc.location(("top", "items", 0, "x"))) == "f.yaml:3:11"
    # a path that does not exist falls back to its nearest ancestor
    assert str(doc.location(("top", "items", 1, "missing"))) == "f.yaml:4:7"


def test_large_file_refused_before_parsing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: 1\n" + b"#" * MAX_FILE_BYTES)
    with pytest.raises(ScenarioError) as info:
        read_yaml(big, display="big.yaml")
    assert info.value.lines() == [
        f"big.yaml: file is {MAX_FILE_BYTES + 5:,} bytes; scenario files are limited to "
        f"{MAX_FILE_BYTES:,} bytes (1 MiB)"
    ]


def test_missing_file_and_directory(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ScenarioError, match="no such file"):
        read_yaml(tmp_path / "nope.yaml")
    with pytest.raises(ScenarioError, match="is a directory"):
        read_yaml(tmp_path)


def test_non_utf8_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "latin.yaml"
    path.write_bytes(b"name: caf\xe9\n")
    with pytest.raises(ScenarioError) as info:
        read_yaml(path, display="latin.yaml")
    assert info.value.lines() == [
        "latin.yaml:1:10: not UTF-8 text (byte 9: b'\\xe9'); save the file as UTF-8"
    ]
