"""``capexsim run``: one replication as before, Monte Carlo runs, and one-line user errors."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli import main
from sim.runner.progress import Progress, progress_wanted

ROOT = Path(__file__).resolve().parent.parent
SMALL = str(ROOT / "tests" / "scenarios" / "small_uncertain.yaml")
REFERENCE = str(ROOT / "scenarios" / "bytedance_2026.yaml")


def _invoke(*args: str) -> Result:
    return CliRunner().invoke(main, ["run", *args])


def _one_line_error(result: Result, text: str) -> None:
    assert result.exit_code == 1, result.output
    err = result.stderr
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("error: "), err
    assert text in err, err


def test_one_replication_prints_its_kpis_as_before() -> None:
    result = _invoke(REFERENCE, "--runs", "1", "--seed", "7", "--set",
                     "clock.horizon_months=24")
    assert result.exit_code == 0, result.output
    assert "replication 0, seed 7" in result.stdout
    assert "h100_equivalents_installed" in result.stdout
    nominal = _invoke(REFERENCE, "--nominal", "--set", "clock.horizon_months=24")
    assert nominal.exit_code == 0
    assert "seed 20260101" in nominal.stdout


def test_single_replication_flags_refuse_many_runs() -> None:
    result = _invoke(SMALL, "--nominal", "--runs", "5")
    assert result.exit_code == 2
    assert "one replication" in result.stderr


def test_monte_carlo_run_prints_seed_directory_and_summary(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = _invoke(SMALL, "--runs", "24", "--executor", "serial", "--seed", "5", "--out",
                     str(out), "--design", "sobol")
    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0]
    assert first == f"seed 5; run directory {out}"
    assert "small uncertain cluster: 24 replications, design sobol, seed 5" in result.stdout
    assert "h100_equivalents_installed" in result.stdout
    assert "run done by 2024-02" in result.stdout
    assert "\r" not in result.stderr  # no progress bar when not on a terminal
    assert "note: a Sobol' design is balanced only for a power of 2" in result.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["replications"] == 24
    assert summary["seed"] == 5
    assert set(summary["kpis"]["spent_usd"]) >= {"mean", "sd", "se", "mean_ci", "p5", "p5_ci",
                                                 "p10", "p50", "p90", "p95", "p95_ci"}


def test_default_run_directory_is_named_after_scenario_and_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = _invoke(SMALL, "--runs", "8", "--executor", "serial")
    assert result.exit_code == 0, result.output
    made = list((tmp_path / "runs").iterdir())
    assert len(made) == 1
    assert made[0].name.startswith("small_uncertain-")
    assert f"run directory runs/{made[0].name}" in result.stdout


def test_user_errors_are_one_line(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert _invoke(SMALL, "--runs", "4", "--executor", "serial", "--out", str(out)).exit_code == 0
    _one_line_error(_invoke(SMALL, "--runs", "4", "--executor", "serial", "--out", str(out)),
                    "already exists")
    _one_line_error(_invoke(SMALL, "--runs", "4", "--resume"), "--resume needs --out")
    _one_line_error(_invoke(SMALL, "--runs", "4", "--precision", "0.1", "--out",
                            str(tmp_path / "x")), "--runs or --precision")
    _one_line_error(_invoke(SMALL, "--executor", "serial", "--resume", "--out", str(out),
                            "--set", "clock.horizon_months=5"), "the scenario changed")
    _one_line_error(_invoke(SMALL, "--runs", "4", "--executor", "processes", "--scheduler",
                            "tcp://127.0.0.1:1", "--out", str(tmp_path / "y")),
                    "--scheduler needs --executor dask")


@pytest.mark.slow
def test_an_unreachable_scheduler_is_a_one_line_error(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    result = _invoke(SMALL, "--runs", "4", "--scheduler", "tcp://127.0.0.1:9", "--out",
                     str(tmp_path / "run"))
    _one_line_error(result, "--scheduler tcp://127.0.0.1:9: cannot connect")


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_only_on_a_terminal_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    assert progress_wanted(_Tty())
    assert not progress_wanted(io.StringIO())
    monkeypatch.setenv("CI", "true")
    assert not progress_wanted(_Tty())


def test_progress_bar_shows_count_rate_and_time_left() -> None:
    stream = _Tty()
    bar = Progress(stream, 100, delay=0.0)
    bar.advance(40)
    bar.advance(20)
    bar.close()
    text = stream.getvalue()
    assert "60/100" in text
    assert "60%" in text
    assert "runs/s" in text
    assert text.endswith("\n")


def test_a_short_run_draws_no_bar() -> None:
    stream = _Tty()
    bar = Progress(stream, 100)  # one second before anything is drawn
    bar.advance(100)
    bar.close()
    assert stream.getvalue() == ""
