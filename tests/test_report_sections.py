"""Analysis sections (compare, sensitivity, sweep, calibration) appear when their JSON file is
in the run directory, in the documented shape; a malformed file is a one-line error naming the
file and the field; another module can register a section."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli import main
from sim.report import write_report
from sim.report.sections import Section, register, registered, unregister
from tests.report_helpers import Page, small_run

COMPARE: dict[str, Any] = {
    "baseline": "reference", "plans": ["reference", "lease_heavy", "domestic_only"],
    "differences": [
        {"plan": "lease_heavy", "kpi": "h100_equivalents_installed", "unit": "H100-eq",
         "mean": 12000.0, "ci": [9000.0, 15000.0], "p5": -20000.0, "p50": 11000.0,
         "p95": 45000.0, "prob_better": 0.71},
        {"plan": "domestic_only", "kpi": "h100_equivalents_installed", "unit": "H100-eq",
         "mean": -30000.0, "ci": [-35000.0, -25000.0], "p5": -80000.0, "p50": -28000.0,
         "p95": 5000.0, "prob_better": 0.12}],
    "regret": [{"plan": "lease_heavy", "kpi": "h100_equivalents_installed",
                "unit": "H100-eq", "mean": 3000.0, "p95": 15000.0}],
}
SENSITIVITY: dict[str, Any] = {
    "kpi": "h100_equivalents_installed", "unit": "H100-eq", "base": 410000.0,
    "tornado": [{"input": "chips.Ascend-910C.supply_per_quarter", "low": 300000.0,
                 "high": 520000.0},
                {"input": "currency.cny_per_usd", "low": 405000.0, "high": 415000.0}],
    "rank_correlations": [{"input": "chips.Ascend-910C.supply_per_quarter", "rho": 0.62}],
    "sobol": [{"group": "supply", "first": 0.41, "total": 0.47}],
}
SWEEP: dict[str, Any] = {
    "lever": "budget.tranches.0.amount", "lever_unit": "CNY",
    "kpis": [{"kpi": "h100_equivalents_installed", "unit": "H100-eq", "points": [
        {"value": v, "mean": 4e5 + v / 1e6, "p5": 3e5 + v / 1e6, "p25": 3.5e5 + v / 1e6,
         "p50": 4e5 + v / 1e6, "p75": 4.5e5 + v / 1e6, "p95": 5e5 + v / 1e6}
        for v in (1.2e11, 1.6e11, 2.0e11)]}],
}
CALIBRATION: dict[str, Any] = {"observations": [
    {"name": "Doubao tokens/day 2026-03", "series": "tokens_served", "month": "2026-03",
     "observed": 1.2e14, "unit": "tokens/day", "p5": 0.8e14, "p50": 1.1e14, "p95": 1.6e14,
     "inside": True, "source": "DF §5"}]}
FILES = {"compare.json": COMPARE, "sensitivity.json": SENSITIVITY,
         "sweep_summary.json": SWEEP, "calibration.json": CALIBRATION}


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = small_run(tmp_path_factory.mktemp("sections") / "run", runs=16)
    write_report(directory)
    return directory


def _copy(base: Path, tmp_path: Path, files: dict[str, Any]) -> Path:
    directory = tmp_path / "run"
    shutil.copytree(base, directory)
    for name, content in files.items():
        (directory / name).write_text(json.dumps(content), encoding="utf-8")
    return directory


def test_analysis_sections_appear_with_their_files(base: Path, tmp_path: Path) -> None:
    directory = _copy(base, tmp_path, FILES)
    write_report(directory)
    text = (directory / "report.html").read_text(encoding="utf-8")
    page = Page(text)
    assert page.sections == ["headline", "targets", "fans", "distributions", "timeline",
                             "compare", "sensitivity", "sweep", "calibration", "kpis",
                             "provenance", "inputs"]
    assert 'data-chart="compare-h100_equivalents_installed"' in text
    assert text.count('data-chart="sensitivity-') == 3  # tornado, ranks, Sobol'
    assert 'data-chart="sweep-h100_equivalents_installed"' in text
    assert "1 of 1 observations fall inside" in text
    for _, _, url in page.urls:
        assert url.startswith(("data:image/png;base64,", "#"))


def test_without_their_files_they_are_absent(base: Path) -> None:
    page = Page((base / "report.html").read_text(encoding="utf-8"))
    assert not {"compare", "sensitivity", "sweep", "calibration"} & set(page.sections)


@pytest.mark.parametrize(("name", "content", "needle"), [
    ("compare.json", {"plans": []}, "compare.json: field 'baseline'"),
    ("compare.json", dict(COMPARE, differences=[{"plan": "x", "kpi": "y"}]),
     "field 'differences.0.mean' is missing"),
    ("sensitivity.json", dict(SENSITIVITY, tornado=[{"input": "a", "low": 1}]),
     "field 'tornado.0.high' is missing"),
    ("sweep_summary.json", dict(SWEEP, kpis=[{"kpi": "k", "points": []}]),
     "field 'kpis.0.points' is empty"),
    ("calibration.json", {"observations": [{"name": "x"}]},
     "field 'observations.0.observed' is missing"),
    ("sensitivity.json", [1, 2], "sensitivity.json: expected a JSON object"),
])
def test_a_malformed_analysis_file_is_a_one_line_error(base: Path, tmp_path: Path, name: str,
                                                       content: Any, needle: str) -> None:
    directory = _copy(base, tmp_path, {name: content})
    result = CliRunner().invoke(main, ["report", str(directory)])
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert needle in lines[0]
    assert str(directory / name) in lines[0]


def test_another_module_can_register_a_section(base: Path, tmp_path: Path) -> None:
    directory = _copy(base, tmp_path, {"regret.json": {"rows": [["plan A", 3]]}})

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
