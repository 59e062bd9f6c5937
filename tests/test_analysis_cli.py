"""--format on run, and the analysis commands as a real subprocess."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main

ROOT = Path(__file__).resolve().parent.parent
ONE_DRIVER = ROOT / "tests" / "scenarios" / "one_driver.yaml"


def test_run_formats(tmp_path: Path) -> None:
    base = ["run", str(ONE_DRIVER), "--runs", "12", "--executor", "serial", "--overwrite",
            "--out", str(tmp_path / "r")]
    out = CliRunner().invoke(main, [*base, "--format", "json"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    assert doc == json.loads((tmp_path / "r" / "summary.json").read_text())
    out = CliRunner().invoke(main, [*base, "--format", "csv"])
    assert out.exit_code == 0, out.output
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    chips = next(r for r in rows if r["name"] == "chips_delivered")
    assert float(chips["mean"]) == pytest.approx(doc["kpis"]["chips_delivered"]["mean"])
    one = CliRunner().invoke(main, ["run", str(ONE_DRIVER), "--nominal", "--format", "json"])
    assert one.exit_code == 0, one.output
    assert json.loads(one.stdout)["kpis"]["chips_delivered"] > 0
    one = CliRunner().invoke(main, ["run", str(ONE_DRIVER), "--nominal", "--format", "csv"])
    assert one.stdout.splitlines()[0] == "name,value"


@pytest.mark.slow
def test_compare_as_a_subprocess(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("capexsim")
    args = [str(exe), "compare", str(ONE_DRIVER), str(ONE_DRIVER), "--label", "a", "--label",
            "b", "--set-for", "b:budget.tranches.0.amount=24e6", "--runs", "16",
            "--executor", "serial", "--kpi", "chips_delivered", "--out", str(tmp_path / "c"),
            "--format", "json"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, "CI": "true"})
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    row = next(r for r in doc["kpis"] if r["scenario"] == "b")
    assert row["diff"] > 0
    assert row["p_better"] == 1.0
    bad = subprocess.run([str(exe), "compare", str(ONE_DRIVER)], capture_output=True,
                         text=True, timeout=60, check=False)
    assert bad.returncode == 1
    assert bad.stderr.startswith("error: compare needs at least two scenarios")
    assert "Traceback" not in bad.stderr
