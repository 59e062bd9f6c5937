"""A run killed with SIGKILL resumes to exactly the uninterrupted result.

The kill points are fixed, chosen from the journal: after the k-th journaled batch (k in
:data:`KILL_AFTER`), plus a delay of up to 0.3 s drawn from ``random.Random(seed)``. The seed
is ``CAPEXSIM_RESUME_SEED`` if set, else a fixed one per kill point; every assertion message
names it, so a failure is replayed with ``CAPEXSIM_RESUME_SEED=<seed> pytest
tests/test_runner_resume.py -k <k>``.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from sim.runner import run

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "scenarios" / "bytedance_2026.yaml"
OVERRIDES = ["clock.horizon_months=12",
             "targets=[{name: t, kpi: h100_equivalents_installed, at_least: 2.0e5}]"]
RUNS = 200


def _command(out: Path, *extra: str, runs: int = RUNS) -> list[str]:
    exe = Path(sys.executable).with_name("capexsim")
    args = [str(exe), "run", str(REFERENCE), "--runs", str(runs), "--seed", "11",
            "--workers", "2", "--batch-size", "8", "--out", str(out)]
    for override in OVERRIDES:
        args += ["--set", override]
    return [*args, *extra]


def _journal_lines(out: Path) -> int:
    try:
        return (out / "journal.jsonl").read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


KILL_AFTER = (1, 6, 12, 18, 24)
"""Journaled batches (of 25) after which the run is killed."""


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reference") / "run"
    run(REFERENCE, overrides=OVERRIDES, runs=RUNS, seed=11, executor="serial", out=out,
        progress=False)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("kill_after", KILL_AFTER)
def test_sigkill_then_resume_equals_an_uninterrupted_run(tmp_path: Path, kill_after: int,
                                                         reference: Path) -> None:
    seed = int(os.environ.get("CAPEXSIM_RESUME_SEED", 1000 + kill_after))
    rng = random.Random(seed)
    out = tmp_path / "killed"
    env = {**os.environ, "CI": "true"}
    proc = subprocess.Popen(_command(out), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env, start_new_session=True)
    deadline = time.monotonic() + 120
    while _journal_lines(out) < kill_after and proc.poll() is None and \
            time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(rng.uniform(0.0, 0.3))
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)  # the driver and its worker processes
    proc.wait(timeout=30)
    done_before = _journal_lines(out)
    context = (f"killed after {done_before} journal lines (wanted {kill_after}); replay with "
               f"CAPEXSIM_RESUME_SEED={seed}")
    assert done_before >= kill_after, context

    resumed = subprocess.run(_command(out, "--resume"), capture_output=True, text=True,
                             env=env, timeout=300, check=False)
    assert resumed.returncode == 0, (context, resumed.stderr)
    assert "Traceback" not in resumed.stderr, context
    assert "seed 11" in resumed.stdout, context
    for name in ("kpis.parquet", "series_bands.parquet", "summary.json"):
        assert (out / name).read_bytes() == (reference / name).read_bytes(), (context, name)
    table = pq.read_table(out / "kpis.parquet", columns=["replication"])
    assert np.array_equal(table["replication"].to_numpy(), np.arange(RUNS)), context
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete", context
    assert manifest["replications"] == RUNS, context
    assert not (out / "fragments").exists(), context
    assert not (out / "lock").exists(), context


@pytest.mark.slow
def test_resume_of_a_complete_run_changes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "run"
    env = {**os.environ, "CI": "true"}
    first = subprocess.run(_command(out, "--executor", "serial", runs=16),
                           capture_output=True, text=True, env=env, timeout=300, check=False)
    assert first.returncode == 0, first.stderr
    before = (out / "kpis.parquet").read_bytes()
    again = subprocess.run(_command(out, "--executor", "serial", "--resume", runs=16),
                           capture_output=True, text=True, env=env, timeout=300, check=False)
    assert again.returncode == 0, again.stderr
    assert (out / "kpis.parquet").read_bytes() == before
    assert first.stdout.splitlines()[1:] == again.stdout.splitlines()[1:]
