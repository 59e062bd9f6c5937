"""sweep: levers crossed with the uncertainty on common random numbers; a tidy table and
point summaries; a sweep killed with SIGKILL resumes to the same bytes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from cli import main
from sim.analysis.levers import lever_points, parse_lever
from sim.analysis.running import Workers
from sim.analysis.sweeps import sweep
from sim.errors import CapexsimError

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "scenarios" / "bytedance_2026.yaml"
SHORT = ["clock.horizon_months=12",
         "targets=[{name: t, kpi: h100_equivalents_installed, at_least: 2.0e5}]"]
LEVERS = ["budget.tranches.0.amount=100e9:250e9:2", "allocation.training_share=0.2:0.6:2"]


def test_levers_parse_and_points() -> None:
    from sim.analysis.levers import LeverScenarios

    source = LeverScenarios(REFERENCE)
    lever, share = source.resolve([parse_lever("leases.malaysia_b200.accelerators=0:40000:3"),
                                   parse_lever("allocation.training_share=0:1:3")])
    assert lever.integer
    assert not share.integer
    assert lever.text(13333.4) == "leases.malaysia_b200.accelerators=13333"
    grid = lever_points([parse_lever(t) for t in LEVERS], "grid", 1)
    assert grid.tolist() == [[100e9, 0.2], [100e9, 0.6], [250e9, 0.2], [250e9, 0.6]]
    for method in ("lhs", "sobol"):
        sample = lever_points([parse_lever(t) for t in LEVERS], method, 1, points=8)
        assert sample.shape == (8, 2)
        assert (sample[:, 0] >= 100e9).all()
        assert (sample[:, 0] <= 250e9).all()
        assert np.array_equal(sample, lever_points([parse_lever(t) for t in LEVERS], method,
                                                   1, points=8))
    # a Latin hypercube: one point per stratum of each lever
    lhs = lever_points([parse_lever("allocation.training_share=0:1:8")], "lhs", 3)
    assert sorted(np.floor(lhs[:, 0] * 8).astype(int).tolist()) == list(range(8))
    for bad in ["x=1:0:2", "x=1:2:0", "x", "x=a:2:2"]:
        with pytest.raises(CapexsimError):
            parse_lever(bad)


def test_sweep_table_summary_and_common_random_numbers(tmp_path: Path) -> None:
    result = sweep(REFERENCE, [parse_lever(t) for t in LEVERS], overrides=SHORT,
                   runs_per_point=6, kpis=["training_flop_delivered"],
                   workers=Workers("serial"), out=tmp_path / "sw")
    table = pq.read_table(tmp_path / "sw" / "sweep.parquet").to_pandas()
    assert len(table) == 4 * 6
    assert table.columns[:4].tolist() == ["point", "lever:budget.tranches.0.amount",
                                          "lever:allocation.training_share", "replication"]
    assert table["replication"].tolist() == list(range(6)) * 4
    # the summary from the table, independently
    summary = result.summary.set_index(["point", "kpi"])
    for k in range(4):
        x = table.loc[table["point"] == k, "training_flop_delivered"]
        assert summary.loc[(k, "training_flop_delivered"), "mean"] == pytest.approx(x.mean())
        assert summary.loc[(k, "target:t"), "mean"] == pytest.approx(
            table.loc[table["point"] == k, "target:t"].mean())
    # every point drew the same inputs (the lever replaces the one it sets)
    draws = [pq.read_table(tmp_path / "sw" / "points" / f"{k:05d}" / "kpis.parquet")
             .to_pandas().filter(like="input:") for k in range(4)]
    shared = [c for c in draws[0].columns if c != "input:allocation.training_share"]
    for other in draws[1:]:
        assert other[shared].equals(draws[0][shared])
    assert (tmp_path / "sw" / "sweep_summary.json").is_file()
    with pytest.raises(CapexsimError, match="already exists"):
        sweep(REFERENCE, [parse_lever(LEVERS[0])], overrides=SHORT, runs_per_point=6,
              workers=Workers("serial"), out=tmp_path / "sw")
    with pytest.raises(CapexsimError, match="cannot resume"):
        sweep(REFERENCE, [parse_lever(LEVERS[0])], overrides=SHORT, runs_per_point=6,
              workers=Workers("serial"), out=tmp_path / "sw", resume=True)


def _command(out: Path, *extra: str) -> list[str]:
    exe = Path(sys.executable).with_name("capexsim")
    args = [str(exe), "sweep", str(REFERENCE), "--runs-per-point", "32", "--seed", "5",
            "--batch-size", "4", "--out", str(out), "--format", "json"]
    for lever in LEVERS:
        args += ["--lever", lever]
    for override in SHORT:
        args += ["--set", override]
    return [*args, *extra]


@pytest.mark.slow
def test_sigkill_then_resume_equals_an_uninterrupted_sweep(tmp_path: Path) -> None:
    out = tmp_path / "killed"
    env = {**os.environ, "CI": "true"}
    proc = subprocess.Popen(_command(out, "--workers", "2"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, start_new_session=True)
    journal = out / "points" / "00001" / "journal.jsonl"  # in the second point
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if journal.is_file() and journal.read_bytes().count(b"\n") >= 2:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the sweep finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)  # the driver and its worker processes
    proc.wait()
    assert not (out / "sweep.parquet").exists()
    # resumed in this process's way (serial): the result may not depend on the executor
    resumed = subprocess.run(_command(out, "--resume", "--executor", "serial"),
                             capture_output=True, text=True, env=env, timeout=300, check=False)
    assert resumed.returncode == 0, resumed.stderr
    sweep(REFERENCE, [parse_lever(t) for t in LEVERS], overrides=SHORT, runs_per_point=32,
          seed=5, workers=Workers("serial"), out=tmp_path / "whole")
    for name in ("sweep.parquet", "sweep_summary.parquet"):
        assert (out / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name


def test_cli_sweep_errors(tmp_path: Path) -> None:
    base = ["sweep", str(REFERENCE), "--executor", "serial", "--out", str(tmp_path / "x")]
    for args, message in [(["--lever", "budget.tranches.0.amount=3:1:2"], "LOW must be below"),
                          (["--lever", "nosuch.field=0:1:2"], "nosuch"),
                          (["--lever", "allocation.training_share=0:1:2", "--kpi", "zz"],
                           "unknown KPI")]:
        bad = CliRunner().invoke(main, [*base, *args])
        assert bad.exit_code == 1, bad.output
        assert message in bad.stderr
        assert "Traceback" not in bad.output


@pytest.mark.slow
def test_dask_gives_the_serial_bytes_for_sweeps_and_plans(tmp_path: Path) -> None:
    """A sweep (runs on the runner's task) and a sensitivity (the analysis' own point plans)
    on a Dask cluster equal their serial results."""
    distributed = pytest.importorskip("distributed")
    import logging

    from sim.analysis.sensitivities import sensitivity

    one_driver = ROOT / "tests" / "scenarios" / "one_driver.yaml"
    levers = [parse_lever(LEVERS[1])]
    kwargs = {"overrides": SHORT, "runs_per_point": 5, "kpis": ["training_flop_delivered"]}
    sweep(REFERENCE, levers, workers=Workers("serial"), out=tmp_path / "serial", **kwargs)
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  host="127.0.0.1", dashboard_address="127.0.0.1:0",
                                  silence_logs=logging.ERROR) as cluster:
        dask = Workers("dask", scheduler=cluster.scheduler_address, batch_size=2)
        sweep(REFERENCE, levers, workers=dask, out=tmp_path / "dask", **kwargs)
        on_dask = sensitivity(one_driver, methods=["tornado", "sobol"], sobol_n=8,
                              resamples=0, workers=dask)
    assert (tmp_path / "dask" / "sweep.parquet").read_bytes() == \
        (tmp_path / "serial" / "sweep.parquet").read_bytes()
    serial = sensitivity(one_driver, methods=["tornado", "sobol"], sobol_n=8, resamples=0,
                         workers=Workers("serial"))
    assert on_dask.tornado.equals(serial.tornado)
    assert on_dask.sobol.equals(serial.sobol)
