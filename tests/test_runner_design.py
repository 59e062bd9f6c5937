"""Designs: keyed streams, Latin hypercube and Sobol' marginals, the Gaussian copula."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from sim.api import KPI_NAMES, correlation_spec, replicate, run_batch
from sim.design import CorrelationSpec, keyed_permutation, sobol_note, unit_points
from sim.loading import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "tests" / "scenarios" / "small_uncertain.yaml"
NAMES = ("a.x", "b.y", "c.z")


def test_mc_draws_from_the_keyed_block_stream_of_each_input() -> None:
    """Coordinate (i, name) of ``mc`` is uniform ``i mod MC_BLOCK`` of the PCG64 stream keyed
    by the seed, the input's name and the block ``i // MC_BLOCK`` (the module docstring)."""
    from sim.design import MC_BLOCK
    from sim.streams import key_id

    reps = [0, 5, MC_BLOCK + 3]
    u = unit_points(NAMES, 11, reps)
    for row, rep in enumerate(reps):
        seq = np.random.SeedSequence(
            11, spawn_key=(key_id("design:mc"), key_id("c.z"), rep // MC_BLOCK))
        expected = np.random.Generator(np.random.PCG64(seq)).random(MC_BLOCK)[rep % MC_BLOCK]
        assert u[row, 2] == expected


def test_mc_blocks_are_independent_uniform_streams() -> None:
    """Across many blocks the draws are uniform, and the same position in neighbouring
    blocks (or of two inputs) is uncorrelated: no block or input repeats another's stream."""
    from sim.design import MC_BLOCK

    n = 40 * MC_BLOCK
    u = unit_points(NAMES, 4, range(n))
    for col in range(len(NAMES)):
        assert stats.kstest(u[:, col], "uniform").pvalue > 0.001, col
    by_block = u[:, 0].reshape(40, MC_BLOCK)
    assert abs(stats.spearmanr(by_block[:-1].ravel(), by_block[1:].ravel())[0]) < 0.02
    assert abs(stats.spearmanr(u[:, 0], u[:, 1])[0]) < 0.03


@pytest.mark.parametrize("design", ["mc", "lhs"])
def test_adding_an_input_leaves_the_others_draws_equal(design: str) -> None:
    before = unit_points(NAMES, 3, range(50), design, n_total=50)
    after = unit_points((*NAMES[:1], "a.new", *NAMES[1:]), 3, range(50), design, n_total=50)
    assert np.array_equal(after[:, [0, 2, 3]], before)


@pytest.mark.parametrize("design", ["mc", "lhs", "sobol"])
def test_any_subset_in_any_order_equals_the_full_design(design: str) -> None:
    full = unit_points(NAMES, 9, range(100), design, n_total=100)
    subset = [99, 3, 4, 5, 50, 0]
    assert np.array_equal(unit_points(NAMES, 9, subset, design, n_total=100), full[subset])


def test_a_different_seed_gives_different_points() -> None:
    for design in ("mc", "lhs", "sobol"):
        a = unit_points(NAMES, 1, range(8), design, n_total=8)
        b = unit_points(NAMES, 2, range(8), design, n_total=8)
        assert not np.array_equal(a, b), design


@pytest.mark.parametrize("n", [1, 2, 3, 10, 1000, 4097])
def test_keyed_permutation_is_a_bijection(n: int) -> None:
    keys = np.arange(12, dtype=np.uint64).reshape(6, 2) * np.uint64(0x9E3779B97F4A7C15)
    out = keyed_permutation(np.arange(n), n, keys)
    for col in range(2):
        assert sorted(out[:, col].tolist()) == list(range(n))


def test_lhs_puts_one_point_in_each_stratum_of_every_input() -> None:
    n = 257
    u = unit_points(NAMES, 5, range(n), "lhs", n_total=n)
    for col in range(len(NAMES)):
        assert sorted(np.floor(u[:, col] * n).astype(int).tolist()) == list(range(n))
    # the strata of different inputs are not aligned
    assert abs(stats.spearmanr(u[:, 0], u[:, 1]).statistic) < 0.2


def test_lhs_needs_its_size() -> None:
    with pytest.raises(ValueError, match="n_total"):
        unit_points(NAMES, 1, range(3), "lhs")
    with pytest.raises(ValueError, match="outside a design of 3"):
        unit_points(NAMES, 1, [3], "lhs", n_total=3)


@pytest.mark.parametrize("design", ["lhs", "sobol"])
def test_marginals_match_their_distributions(design: str) -> None:
    """Kolmogorov-Smirnov of each input's values, after its quantile function, against its
    distribution (the CDF tabulated from the quantile function on a fine grid)."""
    from sim.model import input_space

    space = input_space(load_scenario(SMALL, ["correlations=[]"]))
    n = 1024
    u = unit_points(space.names, 17, range(n), design, n_total=n)
    grid = (np.arange(200_000) + 0.5) / 200_000
    for col, name in enumerate(space.names):
        dist = space.uncertain[name]
        values = np.asarray(dist.ppf(u[:, col]), dtype=float)
        table = np.asarray(dist.ppf(grid), dtype=float)
        result = stats.kstest(values, lambda x, t=table: np.interp(x, t, grid))
        assert result.pvalue > 0.01, (design, name, result)
        # a stratified design is far closer to its distribution than a random sample
        assert result.statistic < 0.01, (design, name, result)


def test_sobol_points_are_the_scrambled_sequence() -> None:
    u = unit_points(NAMES, 4, range(64), "sobol")
    assert stats.kstest(u[:, 0], "uniform").statistic < 1 / 32
    assert sobol_note(64) is None
    assert "power of 2" in str(sobol_note(100))
    assert "64" in str(sobol_note(100))
    assert "128" in str(sobol_note(100))


def test_copula_reproduces_the_requested_rank_correlations() -> None:
    spec = CorrelationSpec((("a.x", "b.y", 0.6), ("b.y", "c.z", -0.3)))
    for design in ("mc", "lhs", "sobol"):
        u = unit_points(NAMES, 8, range(8192), design, n_total=8192, correlations=spec)
        rho = stats.spearmanr(u).statistic
        assert rho[0, 1] == pytest.approx(0.6, abs=0.03), design
        assert rho[1, 2] == pytest.approx(-0.3, abs=0.03), design
        assert rho[0, 2] == pytest.approx(0.0, abs=0.05), design
        for col in range(3):  # marginals stay uniform
            assert stats.kstest(u[:, col], "uniform").pvalue > 0.001, (design, col)


def test_copula_checks_its_matrix() -> None:
    bad = CorrelationSpec((("a.x", "b.y", 0.95), ("b.y", "c.z", 0.95), ("a.x", "c.z", -0.95)))
    with pytest.raises(ValueError, match="positive definite"):
        bad.check(NAMES)
    with pytest.raises(ValueError, match="not an uncertain input"):
        CorrelationSpec((("a.x", "nope", 0.5),)).check(NAMES)


def test_uncorrelated_inputs_are_untouched_by_the_copula() -> None:
    spec = CorrelationSpec((("a.x", "c.z", 0.5),))
    plain = unit_points(NAMES, 2, range(20))
    mixed = unit_points(NAMES, 2, range(20), correlations=spec)
    assert np.array_equal(plain[:, 1], mixed[:, 1])
    assert np.array_equal(plain[:, 0], mixed[:, 0])  # the first of a group keeps its draw
    assert not np.array_equal(plain[:, 2], mixed[:, 2])


def test_scenario_correlations_reach_the_model_inputs() -> None:
    scenario = load_scenario(SMALL)
    batch = run_batch(scenario, range(600), seed=1, design="mc", n_total=600,
                             with_series=False)
    a = batch.input_names.index("chips.H100.training_mfu")
    b = batch.input_names.index("fleet.0.count")
    rho = stats.spearmanr(batch.inputs[:, a], batch.inputs[:, b]).statistic
    assert rho == pytest.approx(0.5, abs=0.08)
    assert correlation_spec(scenario).pairs == (("chips.H100.training_mfu", "fleet.0.count", 0.5),)


def test_a_single_replication_is_row_i_of_the_run() -> None:
    """``capexsim run --runs 1 --replication i`` shows replication i of the scenario's own
    Monte Carlo run (its design, size and correlations), not an unrelated draw."""
    scenario = load_scenario(SMALL, ["monte_carlo.design=lhs", "monte_carlo.runs=9"])
    batch = run_batch(scenario, range(9), design="lhs", n_total=9)
    for rep in (0, 4, 8):
        one = replicate(scenario, rep)
        row = [one.kpis[name] for name in KPI_NAMES]
        assert np.array_equal(np.asarray(row), batch.kpis[rep], equal_nan=True)


def test_a_replication_is_the_same_alone_or_in_a_batch() -> None:
    """The reference scenario's 148 inputs through every kind of quantile function."""
    scenario = load_scenario(ROOT / "scenarios" / "bytedance_2026.yaml",
                             ["clock.horizon_months=3", "targets=[]"])
    batch = run_batch(scenario, range(3, 15), seed=2, design="lhs", n_total=20)
    for i, rep in enumerate(range(3, 15)):
        one = run_batch(scenario, range(rep, rep + 1), seed=2, design="lhs",
                               n_total=20)
        assert np.array_equal(one.inputs[0], batch.inputs[i])
        assert np.array_equal(one.kpis[0], batch.kpis[i], equal_nan=True)


@pytest.mark.parametrize("design", ["mc", "lhs"])
def test_a_new_uncertain_field_leaves_the_scenarios_other_draws_equal(design: str) -> None:
    """Common random numbers at the scenario level: another budget sees the same draws, and
    making a constant uncertain changes no other input's values."""
    base = load_scenario(SMALL)
    richer = load_scenario(SMALL, ["sites.cluster.pue={dist: uniform, low: 1.1, high: 1.3}",
                                   "budget.tranches.0.amount=2.0"])
    a = run_batch(base, range(40), seed=6, design=design, n_total=40,
                         with_series=False)
    b = run_batch(richer, range(40), seed=6, design=design, n_total=40,
                         with_series=False)
    assert set(b.input_names) == {*a.input_names, "sites.cluster.pue"}
    for j, name in enumerate(a.input_names):
        assert np.array_equal(a.inputs[:, j], b.inputs[:, b.input_names.index(name)]), name


def test_workers_rebuild_every_shipped_scenario_exactly() -> None:
    """Workers get the scenario as its JSON dump; the rebuilt one must be the same."""
    from sim.schema.scenario import Scenario

    files = [*sorted((ROOT / "scenarios").glob("*.yaml")), SMALL]
    for path in files:
        scenario = load_scenario(path)
        text = scenario.model_dump_json()
        rebuilt = Scenario.model_validate_json(text)
        assert rebuilt == scenario, path
        assert rebuilt.model_dump_json() == text, path
