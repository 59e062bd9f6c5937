"""The HTML report: every section present, every number equal to the run's summary.json, a
self-contained page, re-rendering without re-running, old or damaged run directories."""

from __future__ import annotations

import json
import math
import re
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli import main
from sim.report import write_report
from tests.report_helpers import Page, small_run

RUN_SECTIONS = ["headline", "targets", "fans", "distributions", "timeline", "kpis", "provenance",
                "inputs"]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = small_run(tmp_path_factory.mktemp("report") / "run")
    write_report(directory)
    return directory


@pytest.fixture(scope="module")
def page(run_dir: Path) -> Page:
    return Page((run_dir / "report.html").read_text(encoding="utf-8"))


def _summary(run_dir: Path) -> dict[str, Any]:
    return dict(json.loads((run_dir / "summary.json").read_text(encoding="utf-8")))


def _expected(stats: dict[str, Any], stat: str) -> float | None:
    if stat == "mean_ci_low":
        return stats["mean_ci"][0]
    if stat == "mean_ci_high":
        return stats["mean_ci"][1]
    if stat == "half_width":
        return (stats["mean_ci"][1] - stats["mean_ci"][0]) / 2
    return stats[stat]  # type: ignore[no-any-return]


def test_every_section_is_present_in_order(page: Page) -> None:
    assert page.sections == RUN_SECTIONS


def test_every_kpi_number_equals_the_summary(run_dir: Path, page: Page) -> None:
    summary = _summary(run_dir)
    seen: dict[str, set[str]] = {}
    for attrs in page.numbers:
        if "data-kpi" not in attrs:
            continue
        name, stat, raw = attrs["data-kpi"], attrs["data-stat"], attrs["data-value"]
        expected = _expected(summary["kpis"][name], stat)
        if expected is None:
            assert raw == "", (name, stat)
        else:
            assert math.isclose(float(raw), expected, rel_tol=1e-12, abs_tol=0.0) or (
                float(raw) == expected), (name, stat, raw, expected)
        seen.setdefault(name, set()).add(stat)
    # the full table has every KPI of the summary, whatever their number
    for name in summary["kpis"]:
        assert {"mean", "p5", "p50", "p95"} <= seen.get(name, set()), name


def test_headline_cards_show_spread_and_monte_carlo_error_apart(run_dir: Path) -> None:
    text = (run_dir / "report.html").read_text(encoding="utf-8")
    headline = text.split('id="headline"')[1].split("</section>")[0]
    assert "spread of outcomes" in headline
    assert "Monte Carlo error" in headline
    assert 'data-kpi-card="h100_equivalents_installed"' in headline
    assert "±mean 95%" in text


def test_target_probabilities_equal_the_summary(run_dir: Path, page: Page) -> None:
    summary = _summary(run_dir)
    targets = {t["name"]: t for t in summary["targets"]}
    found = [a for a in page.numbers if "data-target" in a]
    assert {a["data-target"] for a in found} == set(targets)
    for attrs in found:
        t = targets[attrs["data-target"]]
        expected = {"probability": t["probability"], "ci_low": t["ci"][0],
                    "ci_high": t["ci"][1]}[attrs["data-stat"]]
        assert float(attrs["data-value"]) == expected


def test_fan_chart_figures_equal_the_bands(run_dir: Path, page: Page) -> None:
    import pyarrow.parquet as pq

    bands = pq.read_table(run_dir / "series_bands.parquet").to_pylist()
    last = {row["series"]: row for row in bands
            if row["month"] == max(r["month"] for r in bands)}
    series = [a for a in page.numbers if "data-series" in a]
    assert series, "no fan chart figures"
    for attrs in series:
        assert float(attrs["data-value"]) == last[attrs["data-series"]]["p50"]
    assert {"fan-compute_by_origin", "fan-h100_equivalents"} <= set(page.ids)


def test_distributions_mark_the_targets(run_dir: Path, page: Page) -> None:
    summary = _summary(run_dir)
    assert f"cdf-{summary['targets'][0]['kpi']}" in page.ids
    assert "cdf-h100_equivalents_installed" in page.ids


def test_timeline_is_the_replication_nearest_the_median(run_dir: Path, page: Page) -> None:
    import pyarrow.parquet as pq

    lines = (run_dir / "trace.jsonl").read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    assert header["reproduced"] is True
    assert len(lines) > 1
    table = pq.read_table(run_dir / "kpis.parquet").to_pydict()
    kpi, median = header["kpi"], _summary(run_dir)["kpis"][header["kpi"]]["p50"]
    distances = [abs(v - median) for v in table[kpi]]
    assert distances[table["replication"].index(header["replication"])] == min(distances)
    shown = [a for a in page.numbers if a.get("data-trace") == "median"]
    assert float(shown[0]["data-value"]) == median
    row = table["replication"].index(header["replication"])
    compared = {a["data-trace-kpi"]: float(a["data-value"]) for a in page.numbers
                if "data-trace-kpi" in a}
    assert compared[kpi] == table[kpi][row]
    assert compared["spent_usd"] == table["spent_usd"][row]


def test_inputs_have_distributions_and_sources(run_dir: Path) -> None:
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    table = json.loads((run_dir / "inputs.json").read_text(encoding="utf-8"))
    assert [row["path"] for row in table["inputs"]] == manifest["inputs"]
    text = (run_dir / "report.html").read_text(encoding="utf-8")
    for row in table["inputs"]:
        assert f'data-input="{row["path"]}"' in text
        assert row["distribution"].split("(")[0] in ("uniform", "triangular", "lognormal")
    assert any(row["where"].endswith(".yaml:" + row["where"].rsplit(":", 1)[-1])
               for row in table["inputs"])


def test_provenance(run_dir: Path) -> None:
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    text = (run_dir / "report.html").read_text(encoding="utf-8")
    for key in ("scenario_hash", "code_hash", "seed", "design", "version"):
        assert str(manifest[key]) in text, key
    assert manifest["scenario_file"].endswith("small_uncertain.yaml")
    assert manifest["overrides"] == []


def test_self_contained(page: Page, run_dir: Path) -> None:
    text = (run_dir / "report.html").read_text(encoding="utf-8")
    csp = [m["content"] for m in page.meta if m.get("http-equiv") == "Content-Security-Policy"]
    assert csp == ["default-src 'none'; img-src data:; style-src 'unsafe-inline'"]
    assert "script" not in page.tags
    assert "link" not in page.tags
    assert "iframe" not in page.tags
    assert "object" not in page.tags
    for tag, key, url in page.urls:
        assert not re.match(r"\s*(https?:)?//", url, re.I), (tag, key, url[:80])
        assert url.startswith(("data:image/png;base64,", "#")), (tag, key, url[:80])
    assert "@import" not in text
    assert "url(" not in text


def test_figures_are_closed(run_dir: Path) -> None:
    import matplotlib.pyplot as plt

    write_report(run_dir)
    assert plt.get_fignums() == []


def test_report_command_renders_again_without_running(run_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "again"
    shutil.copytree(run_dir, copy)
    (copy / "report.html").unlink()
    trace = (copy / "trace.jsonl").stat().st_mtime_ns
    start = time.perf_counter()
    result = CliRunner().invoke(main, ["report", str(copy)])
    elapsed = time.perf_counter() - start
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == f"report: {copy / 'report.html'}"
    assert (copy / "trace.jsonl").stat().st_mtime_ns == trace
    assert (copy / "report.html").is_file()
    assert elapsed < 10, elapsed  # ~1-2 s; generous for a shared CI machine


def test_run_prints_the_report_path_last(tmp_path: Path) -> None:
    from tests.report_helpers import SMALL

    out = tmp_path / "cli"
    result = CliRunner().invoke(main, ["run", SMALL, "--runs", "12", "--executor", "serial",
                                       "--out", str(out), "--set", "clock.horizon_months=4"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == f"report: {out / 'report.html'}"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["overrides"] == ["clock.horizon_months=4"]
    assert "clock.horizon_months=4" in (out / "report.html").read_text(encoding="utf-8")


def test_a_run_directory_from_before_the_report_renders(run_dir: Path, tmp_path: Path) -> None:
    old = tmp_path / "old"
    shutil.copytree(run_dir, old)
    for name in ("report.html", "trace.jsonl", "inputs.json"):
        (old / name).unlink()
    manifest = json.loads((old / "manifest.json").read_text(encoding="utf-8"))
    del manifest["scenario_file"], manifest["overrides"]
    (old / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    result = CliRunner().invoke(main, ["report", str(old)])
    assert result.exit_code == 0, result.output
    page = Page((old / "report.html").read_text(encoding="utf-8"))
    assert page.sections == RUN_SECTIONS
    assert (old / "trace.jsonl").is_file()


def test_missing_bands_leave_a_note_not_an_error(run_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "nobands"
    shutil.copytree(run_dir, copy)
    (copy / "series_bands.parquet").unlink()
    result = CliRunner().invoke(main, ["report", str(copy)])
    assert result.exit_code == 0, result.output
    assert "series_bands.parquet is missing" in result.stderr
    text = (copy / "report.html").read_text(encoding="utf-8")
    assert "<code>series_bands.parquet</code> is missing" in text


def _one_line_error(args: list[str], *needles: str) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_bad_run_directories_are_one_line_errors(run_dir: Path, tmp_path: Path) -> None:
    _one_line_error(["report", str(tmp_path / "nowhere")], "does not exist")
    (tmp_path / "empty").mkdir()
    _one_line_error(["report", str(tmp_path / "empty")], "no manifest.json")
    unfinished = tmp_path / "unfinished"
    shutil.copytree(run_dir, unfinished)
    (unfinished / "summary.json").unlink()
    _one_line_error(["report", str(unfinished)], "summary.json", "missing", "--resume")
    (unfinished / "summary.json").write_text("{not json", encoding="utf-8")
    _one_line_error(["report", str(unfinished)], "summary.json", "not valid JSON")
    (unfinished / "summary.json").write_text(json.dumps({"scenario": "x"}), encoding="utf-8")
    _one_line_error(["report", str(unfinished)], "summary.json", "'replications'")


def test_a_headline_kpi_may_be_absent(run_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "fewer"
    shutil.copytree(run_dir, copy)
    summary = _summary(copy)
    del summary["kpis"]["h100_equivalents_installed"]
    summary["kpis"]["a_new_kpi"] = dict(summary["kpis"]["spent_usd"], unit="widgets")
    (copy / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    write_report(copy)
    text = (copy / "report.html").read_text(encoding="utf-8")
    assert 'data-kpi-row="a_new_kpi"' in text
    assert 'data-kpi-card="h100_equivalents_installed"' not in text
    assert "Not in this run's summary: h100_equivalents_installed" in text


def test_the_readme_figure_script_draws_from_a_run_directory(run_dir: Path,
                                                            tmp_path: Path) -> None:
    import importlib.util

    from tests.report_helpers import ROOT

    spec = importlib.util.spec_from_file_location("make_figures",
                                                  ROOT / "docs" / "make_figures.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    paths = module.write_figures(run_dir, tmp_path)
    assert [p.name for p in paths] == ["compute_by_origin.png"]
    assert paths[0].read_bytes().startswith(b"\x89PNG")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/figures/compute_by_origin.png" in readme
    assert (ROOT / "docs" / "figures" / "compute_by_origin.png").is_file()


def test_a_scenario_this_version_cannot_read_leaves_notes(run_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "future"
    shutil.copytree(run_dir, copy)
    for name in ("report.html", "trace.jsonl", "inputs.json"):
        (copy / name).unlink()
    scenario = json.loads((copy / "scenario.json").read_text(encoding="utf-8"))
    scenario["a_field_from_the_future"] = 1
    (copy / "scenario.json").write_text(json.dumps(scenario), encoding="utf-8")
    result = CliRunner().invoke(main, ["report", str(copy)])
    assert result.exit_code == 0, result.output
    assert "no typical replication" in result.stderr
    assert "a_field_from_the_future" in result.stderr
    page = Page((copy / "report.html").read_text(encoding="utf-8"))
    assert page.sections == RUN_SECTIONS
