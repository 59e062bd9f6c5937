"""The benchmark scripts still run (tiny sizes; their timings are not asserted)."""

from __future__ import annotations

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
