"""solve: a known answer inside the reported interval, the direction, and refusals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from click.testing import CliRunner

from cli import main
from sim.analysis import solver as solve_module
from sim.analysis.running import Workers
from sim.analysis.solver import _monotone_violation, solve
from sim.errors import CapexsimError

ROOT = Path(__file__).resolve().parent.parent
KNOWN = ROOT / "tests" / "scenarios" / "solve_known.yaml"
TARGET = "100 H100 of peak"
LEVER = "budget.tranches.0.amount"
SERIAL = Workers("serial")


def test_the_known_budget_lies_in_the_interval(tmp_path: Path) -> None:
    # Worked out: chips bought = 0.5 x amount / (1.25 x price) (fractional, no supply cap);
    # accessible peak = chips x 0.989 PFLOP/s (dense BF16 of an H100), so 98.9 PFLOP/s needs
    # amount >= 250 x price; with price ~ U(15000, 30000), P >= 0.9 needs 250 x P90(price).
    truth = 250 * (15000 + 0.9 * 15000)
    result = solve(KNOWN, target=TARGET, probability=0.9, lever=LEVER,
                   value_range=(4e6, 16e6), runs=200, tolerance=2e-2, workers=SERIAL,
                   out=tmp_path / "s")
    assert result.direction == "smallest"
    assert result.interval[0] <= truth <= result.interval[1]
    assert result.interval_closed == (True, True)
    assert result.interval[1] - result.interval[0] < 0.1 * truth
    evaluated = result.evaluations.set_index("value")
    assert evaluated.loc[result.answer, "probability"] >= 0.9
    doc = json.loads((tmp_path / "s" / "solve.json").read_text())
    assert doc["answer"] == result.answer


def test_a_falling_probability_gives_the_largest_value() -> None:
    # the same purchase with $8M, the lever being the all-in server multiplier m: chips =
    # 4e6 / (m x price) >= 100 needs m <= 40000 / price; P >= 0.9 needs m <= 40000 / P90
    truth = 40000 / 28500
    result = solve(KNOWN, target=TARGET, probability=0.9, lever="chips.H100.server_multiplier",
                   value_range=(1.0, 3.0), overrides=["budget.tranches.0.amount=8e6"],
                   runs=200, tolerance=2e-2, workers=SERIAL)
    assert result.direction == "largest"
    assert result.interval[0] <= truth <= result.interval[1]


def test_refuses_when_the_target_cannot_be_met() -> None:
    with pytest.raises(CapexsimError, match="cannot be met"):
        solve(KNOWN, target=TARGET, probability=0.9, lever=LEVER, value_range=(1e6, 2e6),
              runs=20, workers=SERIAL)


def test_monotone_check() -> None:
    rising = [np.array([False] * 10), np.array([True] * 5 + [False] * 5),
              np.array([True] * 10)]
    assert _monotone_violation([1.0, 2.0, 3.0], rising, rising=True) is None
    dip = [rising[0], rising[2], np.array([False] * 10)]
    assert _monotone_violation([1.0, 2.0, 3.0], dip, rising=True) == (2.0, 3.0)
    # one replication flipping is chance, not a violation
    wobble = [rising[2], np.array([True] * 9 + [False]), rising[2]]
    assert _monotone_violation([1.0, 2.0, 3.0], wobble, rising=True) is None


def test_cli_refuses_a_non_monotone_target_in_one_line(monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    class Fake:
        def __init__(self, amount: float) -> None:
            met = abs(amount - 8e6) < 2e6  # met only in the middle of the range
            self.table = pa.table({"replication": np.arange(40),
                                   f"target:{TARGET}": np.full(40, met)})

        def to_arrow(self) -> pa.Table:
            return self.table

    def fake_run(scenario, *args, **kwargs):  # type: ignore[no-untyped-def]
        return Fake(scenario.budget.tranches[0].amount.value
                    if hasattr(scenario.budget.tranches[0].amount, "value")
                    else float(scenario.budget.tranches[0].amount))

    monkeypatch.setattr(solve_module, "run_one", fake_run)
    out = CliRunner().invoke(main, ["solve", str(KNOWN), "--target", TARGET, "--lever", LEVER,
                                    "--range", "4e6:12e6", "--runs", "40", "--executor",
                                    "serial", "--out", str(tmp_path / "x")])
    assert out.exit_code == 1, out.output
    assert "is not monotone" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_cli_solve_json_and_errors(tmp_path: Path) -> None:
    args = ["solve", str(KNOWN), "--lever", LEVER, "--runs", "40", "--executor", "serial",
            "--tolerance", "0.05"]
    out = CliRunner().invoke(main, [*args, "--target", TARGET, "--range", "4e6:16e6",
                                    "--out", str(tmp_path / "a"), "--format", "json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["direction"] == "smallest"
    for extra, message in [(["--target", "nope"], "no such target"),
                           (["--target", TARGET, "--range", "9:1"], "LOW must be below"),
                           (["--target", TARGET, "--range", "x"], "expected LOW:HIGH"),
                           (["--target", TARGET, "--probability", "1.5"], "between 0 and 1")]:
        bad = CliRunner().invoke(main, [*args, *extra, "--out", str(tmp_path / "b")])
        assert bad.exit_code == 1, bad.output
        assert message in bad.stderr
        assert "Traceback" not in bad.output
