"""SIGTERM and SIGINT stop a run cleanly: workers gone, journal consistent, one line saying
how to resume, no tracebacks; the resumed run equals an uninterrupted one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.runner import run
from sim.store.verify import verify_run

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "tests" / "scenarios" / "small_uncertain.yaml"
RUNS = 400


def _command(out: Path, *extra: str) -> list[str]:
    exe = Path(sys.executable).with_name("capexsim")
    return [str(exe), "run", str(SMALL), "--runs", str(RUNS), "--seed", "5", "--workers", "2",
            "--batch-size", "4", "--out", str(out), *extra]


def _children(pid: int) -> set[int]:
    """Every descendant of ``pid`` (from /proc)."""
    found: set[int] = set()
    parents = {pid}
    for _ in range(4):
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid in parents:
                found.add(int(entry.name))
        parents = found | {pid}
    return found


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.add(pid)
    return alive


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
@pytest.mark.parametrize(("signum", "group"), [
    (signal.SIGTERM, False), (signal.SIGINT, False),
    (signal.SIGINT, True),  # Ctrl-C at a terminal: the whole process group gets it
])
def test_a_signal_stops_the_run_cleanly_and_it_resumes(tmp_path: Path, signum: int,
                                                       group: bool) -> None:
    out = tmp_path / "run"
    env = {**os.environ, "CI": "true"}
    proc = subprocess.Popen(_command(out), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env, text=True, start_new_session=True)
    journal = out / "journal.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if journal.exists() and journal.read_bytes().count(b"\n") >= 5:
            break
        time.sleep(0.02)
    workers = _children(proc.pid)
    assert workers, "the run should have worker processes"
    if group:
        os.killpg(proc.pid, signum)
    else:
        proc.send_signal(signum)  # to the driver only: it must stop its workers itself
    stdout, stderr = proc.communicate(timeout=60)
    name = signal.Signals(signum).name
    assert proc.returncode == 1, (stdout, stderr)
    assert "Traceback" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith(f"error: interrupted ({name}); ")
    assert f"finish the run with --resume --out {out}" in lines[0]
    time.sleep(0.5)
    assert not _alive(workers), "worker processes were left behind"
    assert verify_run(out).ok
    resumed = subprocess.run(_command(out, "--resume"), capture_output=True, text=True,
                             env=env, timeout=300, check=False)
    assert resumed.returncode == 0, resumed.stderr
    reference = tmp_path / "reference"
    run(SMALL, runs=RUNS, seed=5, executor="serial", out=reference, progress=False)
    for file in ("kpis.parquet", "series_bands.parquet", "summary.json"):
        assert (out / file).read_bytes() == (reference / file).read_bytes(), file
