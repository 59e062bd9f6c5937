"""``capexsim check``: invariants on generated variations, and the shrunk failure report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import sim.testing.check as check_module
from cli import main
from sim.testing.invariants import Violation

SMALL = Path(__file__).parent / "scenarios" / "small_uncertain.yaml"


def test_check_passes_on_a_scenario() -> None:
    result = CliRunner().invoke(main, ["check", str(SMALL), "--examples", "5"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ok: 5 variations of ")


def test_a_failure_is_shrunk_and_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    """A planted violation for any input value above its median: hypothesis must find one
    and shrink it to a variation where exactly one input sits above its median."""
    from sim.loading import load_scenario
    from sim.model import input_space

    space = input_space(load_scenario(SMALL))
    medians = space.nominal()

    def planted(scenario: Any, seed: int, replication: int, *, values: Any) -> list[Violation]:
        above = [n for n in space.names if values[n] > medians[n]]
        return [Violation("planted", f"{len(above)} inputs above the median")] if above else []

    monkeypatch.setattr(check_module, "check_all", planted)
    result = CliRunner().invoke(main, ["check", str(SMALL), "--examples", "30"])
    assert result.exit_code == 1
    assert "violated: planted: 1 inputs above the median" in result.stdout
    assert "smallest failing variation: seed 0, inputs:" in result.stdout
