"""The benchmark scripts still run (tiny sizes; their timings are not asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_bench_runner_runs() -> None:
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_runner.py"), "--runs", "8",
         "--batch-size", "4", "--horizon", "6", "--repeat", "1"],
        capture_output=True, text=True, check=False, cwd=ROOT, timeout=600,
    )
    assert run.returncode == 0, run.stderr
    assert "one replication in a task" in run.stdout


@pytest.mark.slow
def test_bench_sensitivity_smoke() -> None:
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_sensitivity.py"), "--smoke"],
        capture_output=True, text=True, check=False, cwd=ROOT, timeout=600,
    )
    assert run.returncode == 0, run.stderr
    assert "all three" in run.stdout


def test_bench_memory_smoke_runs() -> None:
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_memory.py"), "--smoke"],
        capture_output=True, text=True, check=False, cwd=ROOT, timeout=600,
    )
    assert run.returncode == 0, run.stderr
    rows = [line.split() for line in run.stdout.splitlines()[2:]]
    assert [row[0] for row in rows] == ["40", "400"]
    assert all(float(row[2]) < 300 for row in rows), run.stdout  # driver peak, MB


SUITE_ROWS = [
    "bare SimPy event rate", "model event rate, reference scenario",
    "model / bare SimPy event rate", "events per replication",
    "Python function calls per replication", "time per replication (direct loop)",
    "time per replication, in bare SimPy events",
    "direct loop over the model", "runner, serial (this process)",
    "runner overhead, 1 - serial / direct loop", "of which drawing the inputs",
    "runner, processes, 1 worker",
    "runner, processes, 2 workers", "runner, Dask LocalCluster, 2 workers",
    "speed-up, processes 2 workers / 1 worker", "peak RSS, 40 replications",
    "peak RSS, 400 replications", "peak RSS growth", "python -c pass", "capexsim --help",
    "capexsim validate",
]


@pytest.mark.slow
def test_benchmark_suite_smoke(tmp_path: Path) -> None:
    """Every row is measured and shown with its goal; the values themselves are not checked."""
    out = tmp_path / "suite.json"
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "suite.py"), "--smoke", "--json", str(out)],
        capture_output=True, text=True, check=False, cwd=ROOT, timeout=900,
    )
    assert run.returncode == 0, run.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["mode"] == "smoke"
    rows = report["rows"]
    assert len(rows) == len(SUITE_ROWS)
    table = [line for line in run.stdout.splitlines() if line.startswith("| ")][1:]
    assert len(table) == len(rows)
    for expected, row, line in zip(SUITE_ROWS, rows, table, strict=True):
        assert row["name"].startswith(expected), (expected, row["name"])
        assert row["name"] in line
        assert row["result"] in ("pass", "FAIL", "info", "skip"), row
        assert row["result"] in line
        if row["result"] != "skip":
            assert isinstance(row["value"], float), row
    assert sum(1 for row in rows if row["goal"]) == 8


def test_compare_puts_saved_runs_side_by_side(tmp_path: Path) -> None:
    """benchmarks/compare.py: each measure of the first run with every run's value and the
    later runs' ratios to it (here a run whose rates are all doubled)."""
    import json

    baseline = ROOT / "benchmarks" / "results" / "baseline.json"
    after = json.loads(baseline.read_text())
    for row in after["rows"]:
        if row["unit"] == "replications/s" and row["value"] is not None:
            row["value"] *= 2
    doubled = tmp_path / "after.json"
    doubled.write_text(json.dumps(after))
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "compare.py"), str(baseline), str(doubled),
         "--labels", "before,after"],
        capture_output=True, text=True, check=False, cwd=ROOT, timeout=60,
    )
    assert run.returncode == 0, run.stderr
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
            for line in run.stdout.splitlines()[2:]}
    assert rows["direct loop over the model"][-1] == "2.00x"
    assert rows["events per replication"][-1] == "1.00x"
    assert rows["engine"][1:3] == ["python", "python"]
