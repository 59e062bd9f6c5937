"""sensitivity: Sobol' indices against analytic truth (Ishigami, the G-function, groups),
rank correlations against scipy, the tornado against direct runs, and a scenario with one
driver ranked first by every method."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import stats

from cli import main
from sim.analysis.ranks import prcc, rank_frame, spearman
from sim.analysis.running import Workers
from sim.analysis.sensitivities import sensitivity
from sim.analysis.sobol import SobolPlan, assign_groups, outputs_by_block, sobol_indices_of

ROOT = Path(__file__).resolve().parent.parent
ONE_DRIVER = ROOT / "tests" / "scenarios" / "one_driver.yaml"
SERIAL = Workers("serial")


def _indices(plan: SobolPlan, f, names: list[str]) -> dict[str, np.ndarray]:
    """The scenario's code path with ``f`` (unit points -> outputs) in place of the model."""
    u, reps = plan.points(names, 11, 0, plan.rows)
    assert reps.min() >= 0
    return sobol_indices_of(*outputs_by_block(plan, f(u)[:, None]), seed=11, resamples=0)


def test_ishigami_indices_within_002_of_the_truth() -> None:
    a, b = 7.0, 0.1

    def ishigami(u: np.ndarray) -> np.ndarray:
        x = -math.pi + 2 * math.pi * u
        return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])

    v1 = 0.5 * (1 + b * math.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * math.pi**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    first = [v1 / v, v2 / v, 0.0]
    total = [(v1 + v13) / v, v2 / v, v13 / v]
    plan = SobolPlan(3, 4096, ((0,), (1,), (2,)), events=False)
    got = _indices(plan, ishigami, ["x1", "x2", "x3"])
    assert np.abs(got["first"][0] - first).max() < 0.02
    assert np.abs(got["total"][0] - total).max() < 0.02


G_A = np.array([0.0, 1.0, 4.5, 9.0, 99.0, 99.0, 99.0, 99.0])


def _g_function(u: np.ndarray) -> np.ndarray:
    return np.prod((np.abs(4 * u - 2) + G_A) / (1 + G_A), axis=1)


def _g_partial(members: list[int]) -> float:
    """Closed-form variance of E[G | x_members] (products of 1 + V_i, less 1)."""
    vi = 1 / (3 * (1 + G_A) ** 2)
    return float(np.prod(1 + vi[members]) - 1)


def test_g_function_indices_within_002_of_the_truth() -> None:
    d = len(G_A)
    total_var = _g_partial(list(range(d)))
    first = [_g_partial([i]) / total_var for i in range(d)]
    total = [1 - _g_partial([j for j in range(d) if j != i]) / total_var for i in range(d)]
    plan = SobolPlan(d, 4096, tuple((i,) for i in range(d)), events=False)
    got = _indices(plan, _g_function, [f"x{i}" for i in range(d)])
    assert np.abs(got["first"][0] - first).max() < 0.02
    assert np.abs(got["total"][0] - total).max() < 0.02


def test_grouped_indices_of_the_g_function() -> None:
    """Groups move together: the closed first-order index of a group and its total."""
    d = len(G_A)
    names = [f"x{i}" for i in range(d)]
    groups = assign_groups(names, {"strong": ["x0", "x1"], "weak": ["x[4-7]"]})
    assert groups == {"strong": (0, 1), "x2": (2,), "x3": (3,), "weak": (4, 5, 6, 7)}
    total_var = _g_partial(list(range(d)))
    truth_first, truth_total = [], []
    for cols in groups.values():
        rest = [j for j in range(d) if j not in cols]
        truth_first.append(_g_partial(list(cols)) / total_var)
        truth_total.append(1 - _g_partial(rest) / total_var)
    plan = SobolPlan(d, 4096, tuple(groups.values()), events=False)
    got = _indices(plan, _g_function, names)
    assert np.abs(got["first"][0] - truth_first).max() < 0.02
    assert np.abs(got["total"][0] - truth_total).max() < 0.02


def test_plan_blocks_mix_a_and_b_by_group() -> None:
    plan = SobolPlan(4, 8, ((0, 2), (1,), (3,)), events=True)
    u, reps = plan.points(list("abcd"), 5, 0, plan.rows)
    a, b = u[:8], u[8:16]
    for g, cols in enumerate(plan.groups):
        block = u[16 + 8 * g:24 + 8 * g]
        other = [j for j in range(4) if j not in cols]
        assert np.array_equal(block[:, list(cols)], b[:, list(cols)])
        assert np.array_equal(block[:, other], a[:, other])
    assert np.array_equal(u[40:48], a)  # the event-stream block: A's point, B's streams
    assert reps.tolist() == [*range(8), *range(8, 16), *list(range(8)) * 3, *range(8, 16)]
    # any batch gives the same rows
    part, part_reps = plan.points(list("abcd"), 5, 13, 29)
    assert np.array_equal(part, u[13:29])
    assert np.array_equal(part_reps, reps[13:29])


def test_rank_correlations_match_scipy() -> None:
    rng = np.random.default_rng(4)
    x = rng.random((400, 3))
    y = 3 * x[:, 0] + x[:, 1] ** 2 + rng.normal(0, 0.2, 400)
    rho = spearman(x, y)
    assert rho == pytest.approx([stats.spearmanr(x[:, j], y).statistic for j in range(3)],
                                abs=1e-12)
    frame = rank_frame(["a", "b", "c"], x, {"spent_usd": y}).set_index("input")
    z = stats.norm.ppf(0.975)
    half = z * math.sqrt((1 + rho[0] ** 2 / 2) / 397)
    assert frame.loc["a", "spearman_ci_low"] == pytest.approx(math.tanh(math.atanh(rho[0]) - half))
    # PRCC: correlation of the residuals of rank regressions, computed directly
    r, ry = stats.rankdata(x, axis=0), stats.rankdata(y)
    others = np.column_stack([np.ones(400), r[:, 1:]])
    ex = r[:, 0] - others @ np.linalg.lstsq(others, r[:, 0], rcond=None)[0]
    ey = ry - others @ np.linalg.lstsq(others, ry, rcond=None)[0]
    assert prcc(x, y)[0] == pytest.approx(np.corrcoef(ex, ey)[0, 1], abs=1e-10)
    assert frame.loc["a", "spearman_rank"] == 1
    assert frame.loc["a", "prcc_rank"] == 1


def test_one_driver_ranks_first_in_every_method(tmp_path: Path) -> None:
    result = sensitivity(ONE_DRIVER, kpis=["chips_delivered"], runs=64, sobol_n=64,
                         resamples=99, workers=SERIAL, out=tmp_path / "s")
    driver = "chips.H100.price_usd"
    assert result.rank.iloc[0]["input"] == driver
    assert result.rank.sort_values("prcc_rank").iloc[0]["input"] == driver
    assert result.tornado.iloc[0]["input"] == driver
    assert result.tornado.iloc[1]["swing"] == 0
    assert result.sobol.iloc[0]["group"] == "chips"
    assert result.sobol.iloc[0]["total"] > 0.9
    assert (result.sobol.iloc[1:]["total"] < 0.01).all()
    doc = json.loads((tmp_path / "s" / "sensitivity.json").read_text())
    assert doc["methods"] == ["rank", "tornado", "sobol"]
    assert doc["tornado_sections"][0]["section"] == "chips"
    assert doc["tornado_sections"][0]["top_input"] == driver
    assert (tmp_path / "s" / "run" / "kpis.parquet").is_file()
    again = sensitivity(ONE_DRIVER, kpis=["chips_delivered"], methods=["rank"], runs=64,
                        workers=SERIAL, out=tmp_path / "s", overwrite=True)
    assert again.rank.equals(result.rank)


def test_tornado_against_direct_runs(tmp_path: Path) -> None:
    from sim.loading import load_scenario
    from sim.model import concretize, input_space, simulate

    scenario = load_scenario(ONE_DRIVER)
    space = input_space(scenario)
    result = sensitivity(scenario, kpis=["chips_delivered"], methods=["tornado"],
                         tornado_runs=2, workers=SERIAL)
    row = result.tornado.set_index("input").loc["chips.H100.price_usd"]
    u = np.full(len(space.names), 0.5)
    u[space.names.index("chips.H100.price_usd")] = 0.1
    direct = np.mean([simulate(concretize(scenario, space.values(u)), 3, r
                               ).kpis["chips_delivered"] for r in (0, 1)])
    assert row["at_low"] == direct


def test_cli_sensitivity_from_a_run_and_errors(tmp_path: Path) -> None:
    run = CliRunner().invoke(main, ["run", str(ONE_DRIVER), "--runs", "40", "--executor",
                                    "serial", "--out", str(tmp_path / "r")])
    assert run.exit_code == 0, run.output
    out = CliRunner().invoke(main, ["sensitivity", str(ONE_DRIVER), "--from",
                                    str(tmp_path / "r"), "--kpi", "chips_delivered",
                                    "--out", str(tmp_path / "s"), "--format", "json"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    assert doc["rank"][0]["input"] == "chips.H100.price_usd"
    assert doc["rank"][0]["n"] == 40
    for args, message in [(["--method", "sobol", "--sobol-n", "100"], "power of 2"),
                          (["--kpi", "nope"], "unknown KPI"),
                          (["--group", "bad"], "expected NAME=PATTERN")]:
        bad = CliRunner().invoke(main, ["sensitivity", str(ONE_DRIVER), "--executor", "serial",
                                        "--out", str(tmp_path / "x"), *args])
        assert bad.exit_code == 1, bad.output
        assert message in bad.stderr
        assert "Traceback" not in bad.output


def test_tornado_sections_rank_an_undefined_kpi_last(tmp_path: Path) -> None:
    """first_unmet_demand_month is NaN at both ends when demand is always met: its swing is
    undefined, its sections rank last, and the file is still written (it crashed casting NaN
    ranks)."""
    from sim.loading import load_scenario

    scenario = load_scenario(ROOT / "tests" / "scenarios" / "small_uncertain.yaml")
    result = sensitivity(scenario, kpis=["first_unmet_demand_month", "chips_delivered"],
                         methods=["tornado"], tornado_runs=1, workers=SERIAL,
                         out=tmp_path / "s", overwrite=True)
    sections = result.tornado_sections()
    assert sections is not None
    undefined = sections[sections["kpi"] == "first_unmet_demand_month"]
    assert undefined["largest_swing"].isna().all()
    assert sorted(undefined["rank"]) == list(range(1, len(undefined) + 1))
    assert (tmp_path / "s" / "sensitivity.json").is_file()
