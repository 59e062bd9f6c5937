"""The command line, through click's CliRunner and as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


def commands() -> list[str]:
    return sorted(main.commands)


@pytest.mark.parametrize("command", [None, *commands()])
def test_every_help_shows_an_example(command: str | None) -> None:
    args = ["--help"] if command is None else [command, "--help"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output
    assert "capexsim " in result.output.split("Example:", 1)[1]


def test_validate_every_shipped_scenario() -> None:
    assert SCENARIOS, "no shipped scenarios"
    result = CliRunner().invoke(main, ["validate", *map(str, SCENARIOS)])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("ok: ") == len(SCENARIOS)


def test_validate_reports_errors_on_stderr_and_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nclock: {start: '2026-01', horizon_months: 0}\n")
    result = CliRunner().invoke(main, ["validate", str(bad)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"error: {bad}:2:43: clock.horizon_months: input should be greater than or equal" \
        " to 1, got 0" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().endswith("1 of 1 file(s) failed validation")


def test_validate_with_set_override() -> None:
    reference = str(ROOT / "scenarios" / "bytedance_2026.yaml")
    result = CliRunner().invoke(main, ["validate", reference, "--set", "clock.horizon_months=0"])
    assert result.exit_code == 1
    assert "error: --set clock.horizon_months=0: clock.horizon_months: input should be " \
        "greater than or equal to 1, got 0" in result.stderr


def test_usage_error_exits_2() -> None:
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 2


def test_schema_is_json_schema_with_every_section(tmp_path: Path) -> None:
    out = tmp_path / "schema.json"
    result = CliRunner().invoke(main, ["schema", "-o", str(out)])
    assert result.exit_code == 0, result.output
    schema = json.loads(out.read_text())
    assert schema["$schema"].startswith("https://json-schema.org/")
    for section in ("clock", "budget", "chips", "export_controls", "sites", "leases", "fleet",
                    "training", "inference", "allocation", "procurement", "targets",
                    "monte_carlo", "correlations", "extends"):
        assert section in schema["properties"], section
    assert set(schema["required"]) >= {"name", "clock", "budget", "chips"}


def test_chips_table_for_a_date_and_destination() -> None:
    result = CliRunner().invoke(main, ["chips", "--date", "2026-02", "--destination", "domestic"])
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line for line in result.stdout.splitlines()[1:]}
    assert "15,832" in rows["H100"]
    assert "denied" in rows["H200"]
    assert "cn_2026_01_h200_customs" in rows["H200"]
    assert "licence" in rows["H20"]


def test_chips_bad_date_is_a_user_error() -> None:
    result = CliRunner().invoke(main, ["chips", "--date", "2026-13"])
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: --date: '2026-13' has month 13; months run from " \
        "01 to 12"


@pytest.mark.slow
def test_real_entry_point_as_subprocess(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("capexsim")
    assert exe.exists(), "capexsim is not installed in this environment"
    ok = subprocess.run([str(exe), "validate", str(SCENARIOS[0])], capture_output=True,
                        text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: 1\na: 2\n")
    run = subprocess.run([str(exe), "validate", str(bad)], capture_output=True, text=True,
                         check=False)
    assert run.returncode == 1
    assert run.stderr.splitlines() == [
        f"error: {bad}:2:1: a: duplicate key 'a' (first defined at line 1)",
        "1 of 1 file(s) failed validation",
    ]
