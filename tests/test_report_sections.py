"""Analysis sections: ``capexsim report`` on the directories ``compare``, ``sensitivity`` and
``sweep`` write renders their sections from their JSON files (the numbers equal the files'); a
run directory holding such a file gets the section too; a malformed file is a one-line error
naming the file and the field; another module can register a section."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from cli import main
from sim.report import write_report
from sim.report.sections import Section, register, registered, unregister
from tests.report_helpers import SMALL, Page, small_run

CALIBRATION: dict[str, Any] = {"observations": [
    {"name": "Doubao tokens/day 2026-03", "series": "tokens_served_per_day", "month": "2026-03",
     "year": None, "aggregate": None, "value": 1.2e14, "low": 1.0e14, "high": 1.4e14,
     "p5": 0.8e14, "p50": 1.1e14, "p95": 1.6e14, "percentile": 0.7, "verdict": "inside",
     "source": "DF §5", "n": 100}], "inside": 1, "total": 1}
MORE = "more:fleet.0.count={dist: uniform, low: 12000, high: 20000}"


def _cli(*args: str) -> Result:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("report: "), last
    assert last.endswith("report.html"), last
    return result


@pytest.fixture(scope="module")
def analyses(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("analyses")
    _cli("compare", SMALL, SMALL, "--label", "base", "--label", "more", "--set-for", MORE,
         "--runs", "16", "--executor", "serial", "--out", str(root / "compare"))
    _cli("sensitivity", SMALL, "--method", "rank", "--runs", "32", "--executor", "serial",
         "--out", str(root / "rank"))
    _cli("sensitivity", SMALL, "--method", "sobol", "--sobol-n", "16", "--bootstrap", "20",
         "--executor", "serial", "--out", str(root / "sobol"))
    _cli("sweep", SMALL, "--lever", "training.runs.0.flop=1e25:3e25:3", "--runs-per-point",
         "8", "--executor", "serial", "--out", str(root / "sweep"))
    out = {"compare": root / "compare", "rank": root / "rank", "sobol": root / "sobol",
           "sweep": root / "sweep"}
    for directory in out.values():  # each command wrote its report
        assert (directory / "report.html").is_file()
    return out


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = small_run(tmp_path_factory.mktemp("sections") / "run", runs=16)
    write_report(directory)
    return directory


def _report(directory: Path) -> Page:
    result = _cli("report", str(directory))
    assert result.stdout.strip().splitlines()[-1] == f"report: {directory / 'report.html'}"
    page = Page((directory / "report.html").read_text(encoding="utf-8"))
    for _, _, url in page.urls:
        assert url.startswith(("data:image/png;base64,", "#"))
    return page


def test_a_comparison_directory(analyses: dict[str, Path]) -> None:
    page = _report(analyses["compare"])
    assert page.sections == ["compare"]
    content = json.loads((analyses["compare"] / "compare.json").read_text(encoding="utf-8"))
    diffs = {a["data-compare-diff"]: a["data-value"] for a in page.numbers
             if "data-compare-diff" in a}
    others = [r for r in content["kpis"] if r["scenario"] != content["baseline"]]
    assert len(diffs) == len(others)
    for record in others:
        shown = diffs[f"{record['kpi']}/{record['scenario']}"]
        assert (shown == "" if record["diff"] is None else float(shown) == record["diff"])
    text = (analyses["compare"] / "report.html").read_text(encoding="utf-8")
    assert 'data-chart="compare-h100_equivalents_installed"' in text
    assert "Regret" in text


def test_sensitivity_directories(analyses: dict[str, Path]) -> None:
    for name, title in (("rank", "Rank correlations"), ("sobol", "Sobol&#39; indices")):
        page = _report(analyses[name])
        assert page.sections == ["sensitivity"]
        text = (analyses[name] / "report.html").read_text(encoding="utf-8")
        assert 'data-chart="sensitivity-h100_equivalents_installed-1"' in text
        assert title in text


def test_a_tornado_in_the_documented_shape(analyses: dict[str, Path], tmp_path: Path) -> None:
    directory = tmp_path / "tornado"
    shutil.copytree(analyses["rank"], directory)
    content = json.loads((directory / "sensitivity.json").read_text(encoding="utf-8"))
    content["rank"] = None
    content["tornado"] = [
        {"kpi": "h100_equivalents_installed", "unit": "H100-eq", "input": "fleet.0.count",
         "at_low": 9000.0, "at_high": 15000.0, "swing": 6000.0, "rank": 1},
        {"kpi": "h100_equivalents_installed", "unit": "H100-eq",
         "input": "chips.H100.annual_failure_rate", "at_low": 12300.0, "at_high": 12000.0,
         "swing": 300.0, "rank": 2}]
    (directory / "sensitivity.json").write_text(json.dumps(content), encoding="utf-8")
    _report(directory)
    assert "Tornado" in (directory / "report.html").read_text(encoding="utf-8")


def test_a_sweep_directory(analyses: dict[str, Path]) -> None:
    page = _report(analyses["sweep"])
    assert page.sections == ["sweep"]
    text = (analyses["sweep"] / "report.html").read_text(encoding="utf-8")
    assert 'data-chart="sweep-h100_equivalents_installed"' in text
    assert "training.runs.0.flop" in text


def test_analysis_files_in_a_run_directory(base: Path, analyses: dict[str, Path],
                                           tmp_path: Path) -> None:
    directory = tmp_path / "run"
    shutil.copytree(base, directory)
    shutil.copy(analyses["compare"] / "compare.json", directory)
    shutil.copy(analyses["sweep"] / "sweep_summary.json", directory)
    (directory / "calibration.json").write_text(json.dumps(CALIBRATION), encoding="utf-8")
    page = _report(directory)
    assert page.sections == ["headline", "targets", "fans", "distributions", "timeline",
                             "compare", "sweep", "calibration", "kpis", "provenance",
                             "inputs"]
    text = (directory / "report.html").read_text(encoding="utf-8")
    assert "1 of 1 observations of the public record fall inside" in text


def test_without_their_files_they_are_absent(base: Path) -> None:
    page = Page((base / "report.html").read_text(encoding="utf-8"))
    assert not {"compare", "sensitivity", "sweep", "calibration"} & set(page.sections)


@pytest.mark.parametrize(("source", "name", "change", "needle"), [
    ("compare", "compare.json", lambda c: c.pop("kpis"), "compare.json: field 'kpis'"),
    ("compare", "compare.json", lambda c: c["kpis"][3].pop("mean"),
     "field 'kpis.3.mean' is missing"),
    ("rank", "sensitivity.json", lambda c: c["rank"][0].pop("spearman"),
     "field 'rank.0.spearman' is missing"),
    ("sweep", "sweep_summary.json", lambda c: c["summary"][1].pop("p50"),
     "field 'summary.1.p50' is missing"),
    ("rank", "sensitivity.json", lambda c: c.update(kpis="all"),
     "sensitivity.json: field 'kpis'"),
])
def test_a_malformed_analysis_file_is_a_one_line_error(
        analyses: dict[str, Path], tmp_path: Path, source: str, name: str, change: Any,
        needle: str) -> None:
    directory = tmp_path / source
    shutil.copytree(analyses[source], directory)
    content = json.loads((directory / name).read_text(encoding="utf-8"))
    change(content)
    (directory / name).write_text(json.dumps(content), encoding="utf-8")
    result = CliRunner().invoke(main, ["report", str(directory)])
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert needle in lines[0]
    assert str(directory / name) in lines[0]


def test_a_malformed_calibration_file(base: Path, tmp_path: Path) -> None:
    directory = tmp_path / "run"
    shutil.copytree(base, directory)
    (directory / "calibration.json").write_text(json.dumps({"observations": [{"name": "x"}]}),
                                                encoding="utf-8")
    result = CliRunner().invoke(main, ["report", str(directory)])
    assert result.exit_code == 1
    assert "field 'observations.0.value' is missing" in result.stderr


def test_another_module_can_register_a_section(base: Path, tmp_path: Path) -> None:
    directory = tmp_path / "run"
    shutil.copytree(base, directory)
    (directory / "regret.json").write_text(json.dumps({"rows": [["plan A", 3]]}),
                                           encoding="utf-8")

    def build(data: Any) -> dict[str, Any]:
        content = data.optional_json("regret.json")
        return {"rows": [tuple(row) for row in content["rows"]]}

    register(Section("regret", "Regret", "provenance.html.j2", build, trigger="regret.json",
                     order=61))
    try:
        assert [s.id for s in registered()].index("regret") == 6
        write_report(directory)
    finally:
        unregister("regret")
    page = Page((directory / "report.html").read_text(encoding="utf-8"))
    assert "regret" in page.sections
    assert "regret" not in [s.id for s in registered()]


def test_calibrate_leaves_a_report_with_the_observations(tmp_path: Path) -> None:
    """capexsim calibrate's report shows each observation with the numbers calibration.json
    holds."""
    hand = Path(__file__).parent / "scenarios" / "hand_worked.yaml"
    out = tmp_path / "cal"
    observations = ("observations=[{name: tokens Feb, series: tokens_served_per_day, "
                    "month: '2026-02', value: 8.64e8, low: 8e8, high: 9e8, source: 'test'}]")
    result = CliRunner().invoke(main, ["calibrate", str(hand), "--runs", "3", "--executor",
                                       "serial", "--out", str(out), "--set", observations])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == f"report: {out / 'report.html'}"
    doc = json.loads((out / "calibration.json").read_text(encoding="utf-8"))
    text = (out / "report.html").read_text(encoding="utf-8")
    assert "1 of 1 observations of the public record fall inside" in text
    row = text[text.index('data-observation="tokens Feb"'):]
    row = row[:row.index("</tr>")]
    assert doc["observations"][0]["verdict"] == "inside"
    assert "inside" in row
    assert f"{100 * doc['observations'][0]['percentile']:.0f}%" in row
