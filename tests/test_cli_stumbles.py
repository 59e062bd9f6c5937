"""A new user's stumbles, each fixed where it lives: ``--set`` over union variants and on paths
the file lacks, the help text's example, ``--replication`` past the run, ``chips
--scenario``, the summary's header and labels."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from cli import main
from sim.loading import load_scenario

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = str(ROOT / "scenarios" / "bytedance_2026.yaml")
SMALL = str(ROOT / "tests" / "scenarios" / "small_uncertain.yaml")


def _invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def test_a_set_switching_the_policy_drops_the_other_variants_fields() -> None:
    scenario = load_scenario(REFERENCE, ["allocation.policy=inference_first"])
    assert scenario.allocation.policy == "inference_first"
    fixed = load_scenario(REFERENCE, ["allocation.policy=fixed_split",
                                      "allocation.training_share=0.3"])
    assert fixed.allocation.policy == "fixed_split"


def test_a_set_switching_procurement_keeps_the_shared_fields() -> None:
    scenario = load_scenario(REFERENCE, ["procurement.policy=fixed_mix",
                                         "procurement.mix={H20: 0.5, Ascend-910C: 0.5}"])
    assert scenario.procurement.policy == "fixed_mix"
    base = load_scenario(REFERENCE)
    assert scenario.procurement.refund_on_cancel_fraction == \
        base.procurement.refund_on_cancel_fraction


def test_an_unknown_set_path_is_named_as_the_set() -> None:
    result = _invoke("validate", REFERENCE, "--set", "foo.bar=1")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: --set foo.bar=1: foo: unknown field 'foo'")
    result = _invoke("validate", REFERENCE, "--set", "sites.nowhere.pue=1.2")
    assert result.stderr.startswith("error: --set sites.nowhere.pue=1.2: sites: no item "
                                    "named 'nowhere'")


def test_the_help_example_of_set_names_a_real_site() -> None:
    help_text = _invoke("run", "--help").stdout
    assert "--set sites.domestic_west.pue=1.2" in " ".join(help_text.split())
    assert load_scenario(REFERENCE, ["sites.domestic_west.pue=1.2"]).name


def test_a_replication_past_the_run_is_refused_in_one_line() -> None:
    result = _invoke("run", REFERENCE, "--replication", "2000")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: --replication 2000: the scenario's run has 1,000 replications (0..999); "
        "raise monte_carlo.runs with --set to reach it")


def test_chips_follows_a_scenarios_rule_sets() -> None:
    everything = _invoke("chips", "--date", "2026-07", "--destination", "domestic")
    mine = _invoke("chips", "--date", "2026-07", "--destination", "domestic", "--scenario",
                   SMALL)
    assert everything.exit_code == 0
    assert mine.exit_code == 0, mine.output
    assert everything.stdout != mine.stdout
    assert "denied" in everything.stdout
    no_rules = _invoke("chips", "--date", "2026-07", "--scenario", SMALL, "--set",
                       "export_controls.rule_sets=[]")
    assert no_rules.exit_code == 0, no_rules.output
    assert "denied" not in no_rules.stdout
    assert _invoke("chips", "--set", "a=1").exit_code == 2


def test_the_header_shows_overrides_and_the_mean_column_says_what_it_is(tmp_path: Path) -> None:
    result = _invoke("run", SMALL, "--runs", "8", "--executor", "serial", "--out",
                     str(tmp_path / "r"), "--set", "clock.horizon_months=6")
    assert result.exit_code == 0, result.output
    assert "small uncertain cluster with --set clock.horizon_months=6: 8 replications" in \
        result.stdout
    assert "±mean 95%" in result.stdout  # the column says it is the error of the mean
    assert "Monte Carlo error of the mean" in result.stdout
    assert "the spread of outcomes" in result.stdout


def test_precision_stopped_at_the_cap_says_so_and_exits_3(tmp_path: Path) -> None:
    result = _invoke("run", SMALL, "--precision", "0.0001", "--max-runs", "40", "--executor",
                     "serial", "--out", str(tmp_path / "p"))
    assert result.exit_code == 3, result.output
    assert "NOT reached: stopped at the cap, --max-runs 40" in result.stderr
    assert "NOT reached (stopped at the --max-runs cap) after 40 replications" in result.stdout
