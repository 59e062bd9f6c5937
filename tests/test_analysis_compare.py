"""compare: paired statistics on common random numbers, checked against independent
computations; a scenario against itself; pairing beats independence on the shipped pairs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import stats

from cli import main
from sim.analysis.comparison import compare
from sim.analysis.paired import paired, regret
from sim.analysis.running import Workers
from sim.errors import CapexsimError

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "scenarios" / "bytedance_2026.yaml"
SHORT = ["clock.horizon_months=12",
         "targets=[{name: t, kpi: h100_equivalents_installed, at_least: 2.0e5}]"]
SERIAL = Workers("serial")
KPIS = ["h100_equivalents_installed", "budget_unspent_usd", "training_flop_delivered"]


def test_paired_statistics_match_scipy() -> None:
    rng = np.random.default_rng(1)
    a = rng.normal(10, 3, 200)
    b = a + rng.normal(0.5, 1, 200)
    p = paired(a, b, direction=1)
    ci = stats.ttest_rel(b, a).confidence_interval(0.95)
    assert p.ci == pytest.approx((ci.low, ci.high), rel=1e-12)
    welch = stats.ttest_ind(b, a, equal_var=False).confidence_interval(0.95)
    assert p.unpaired_ci == pytest.approx((welch.low, welch.high), rel=1e-9)
    assert p.p_better == np.mean(b > a)
    assert p.variance_ratio == pytest.approx((a.var(ddof=1) + b.var(ddof=1)) / (b - a).var(ddof=1))
    # lower is better: P(better) counts the other way
    assert paired(a, b, direction=-1).p_better == np.mean(b < a)


def test_regret_by_hand() -> None:
    values = np.array([[1.0, 3.0, 3.0], [5.0, 2.0, 4.0], [np.nan, 1.0, 1.0]])
    wins, mean_short, max_short = regret(values, 1)
    assert wins.tolist() == [1, 1, 1]  # the NaN row is left out; ties count for each
    assert mean_short.tolist() == [1.0, 1.5, 0.5]
    assert max_short.tolist() == [2.0, 3.0, 1.0]
    wins, mean_short, _ = regret(values, -1)
    assert wins.tolist() == [1, 1, 0]


def test_a_scenario_against_itself_differs_by_exactly_nothing(tmp_path: Path) -> None:
    result = compare([REFERENCE, REFERENCE], labels=["a", "b"], overrides=SHORT, runs=16,
                     workers=SERIAL, out=tmp_path / "self")
    other = result.kpis[result.kpis["scenario"] == "b"]
    finite = other[other["pairs"] > 0]
    assert (finite["diff"] == 0).all()
    assert (finite["diff_ci_low"] == 0).all()
    assert (finite["diff_ci_high"] == 0).all()
    assert (finite["p_better"] == 0.5).all()  # the stated rule: ties count half
    assert (finite["ties"] == 1.0).all()
    assert (result.targets.loc[result.targets["scenario"] == "b", "diff"] == 0).all()
    doc = json.loads((tmp_path / "self" / "compare.json").read_text())
    assert doc["kind"] == "compare"
    assert doc["baseline"] == "a"
    assert (tmp_path / "self" / "runs" / "b" / "kpis.parquet").is_file()
    # finished runs resume to themselves; a new comparison there needs --overwrite
    again = compare([REFERENCE, REFERENCE], labels=["a", "b"], overrides=SHORT, runs=16,
                    workers=SERIAL, out=tmp_path / "self", resume=True)
    assert again.kpis.equals(result.kpis)
    with pytest.raises(CapexsimError, match="already exists"):
        compare([REFERENCE, REFERENCE], labels=["a", "b"], overrides=SHORT, runs=16,
                workers=SERIAL, out=tmp_path / "self")


@pytest.mark.parametrize("other", ["bytedance_2026_raised.yaml", "export_shock.yaml",
                                   "domestic_only.yaml", "lease_heavy.yaml"])
def test_paired_intervals_are_narrower_on_the_shipped_pairs(other: str) -> None:
    result = compare([REFERENCE, ROOT / "scenarios" / other], overrides=SHORT, runs=32,
                     kpis=KPIS, workers=SERIAL)
    rows = result.kpis[result.kpis["scenario"] != result.info["baseline"]]
    for _, r in rows.iterrows():
        paired_width = r["diff_ci_high"] - r["diff_ci_low"]
        unpaired_width = r["unpaired_ci_high"] - r["unpaired_ci_low"]
        assert paired_width < unpaired_width, r["kpi"]
        assert r["variance_ratio"] > 1, r["kpi"]


def test_the_same_replications_as_plain_runs() -> None:
    """Each scenario's column is its own run with the shared seed; every figure of the
    comparison recomputed from the two plain runs."""
    from sim.runner import run

    result = compare([REFERENCE, REFERENCE], labels=["a", "b"], overrides=SHORT, runs=8,
                     seed=5, kpis=KPIS, workers=SERIAL,
                     overrides_for={"b": ["budget.tranches.0.amount=200e9"]})
    a = run(REFERENCE, runs=8, seed=5, executor="serial", progress=False, overrides=SHORT).kpis
    b = run(REFERENCE, runs=8, seed=5, executor="serial", progress=False,
            overrides=[*SHORT, "budget.tranches.0.amount=200e9"]).kpis
    row = result.kpis[(result.kpis["scenario"] == "b")
                      & (result.kpis["kpi"] == "budget_unspent_usd")].iloc[0]
    assert row["mean"] == pytest.approx(b["budget_unspent_usd"].mean(), rel=1e-12)
    d = b["budget_unspent_usd"] - a["budget_unspent_usd"]
    assert row["diff"] == pytest.approx(d.mean(), rel=1e-12)
    assert row["p_better"] == np.mean(d < 0) + 0.5 * np.mean(d == 0)  # lower is better
    half = stats.t.ppf(0.975, 7) * d.std(ddof=1) / math.sqrt(8)
    assert row["diff_ci_high"] == pytest.approx(d.mean() + half, rel=1e-9)
    target = result.targets[result.targets["scenario"] == "b"].iloc[0]
    met_a, met_b = a["target:t"].astype(float), b["target:t"].astype(float)
    assert target["probability"] == met_b.mean()
    assert target["diff"] == pytest.approx((met_b - met_a).mean(), abs=1e-15)
    regret = result.regret[(result.regret["kpi"] == "budget_unspent_usd")].set_index("scenario")
    shortfall = np.abs(d).where(d > 0, 0.0)
    assert regret.loc["b", "mean_shortfall"] == pytest.approx(shortfall.mean())
    assert regret.loc["a", "best_in"] == int((d >= 0).sum())


def test_cli_compare_formats_and_errors(tmp_path: Path) -> None:
    args = ["compare", str(REFERENCE), str(REFERENCE), "--label", "base", "--label", "raised",
            "--set-for", "raised:budget.tranches.0.amount=200e9", "--set", SHORT[0],
            "--set", SHORT[1], "--runs", "4", "--executor", "serial", "--kpi", "budget_unspent_usd"]
    out = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "c"), "--format", "json"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    assert [s["label"] for s in doc["scenarios"]] == ["base", "raised"]
    out = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "d"), "--format", "csv"])
    assert out.exit_code == 0, out.output
    assert out.stdout.splitlines()[0].startswith("kpi,unit,scenario")
    bad = CliRunner().invoke(main, ["compare", str(REFERENCE), str(REFERENCE)])
    assert bad.exit_code == 1
    assert "used twice" in bad.stderr
    assert "Traceback" not in bad.output
    bad = CliRunner().invoke(main, [*args[:7], "--set-for", "nobody:x=1"])
    assert bad.exit_code == 1
    assert "no scenario has that label" in bad.stderr
    bad = CliRunner().invoke(main, [*args, "--kpi", "h100s", "--out", str(tmp_path / "e")])
    assert bad.exit_code == 1
    assert "unknown KPI" in bad.stderr


def test_the_package_exports_functions_lazily() -> None:
    import subprocess
    import sys

    code = ("import sys, sim.analysis as a; assert 'pandas' not in sys.modules; "
            "import sim.analysis.comparison, sim.analysis.solver; "
            "from sim.analysis import compare, sensitivity, solve, sweep; "
            "assert all(callable(f) for f in (compare, sensitivity, solve, sweep))")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
