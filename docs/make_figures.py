"""Regenerate the figures the README shows, from a run of the README's main command.

    .venv/bin/python docs/make_figures.py                    # runs the reference scenario
    .venv/bin/python docs/make_figures.py --run-dir runs/X   # or uses a finished run

The charts are drawn by the report's own code (``sim.report``), so the README shows exactly
what ``report.html`` shows. A new figure is committed with the change that moved it.
"""

from __future__ import annotations

import argparse
import base64
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ROOT / "docs" / "figures"
SCENARIO = ROOT / "scenarios" / "bytedance_2026.yaml"
CHARTS = ("compute_by_origin",)
"""Fan charts (ids of ``sim.report.run_sections.FANS``) written as docs/figures/<id>.png."""


def write_figures(run_dir: Path, out: Path = FIGURES) -> list[Path]:
    """Write the README's charts of the finished run ``run_dir`` into ``out``."""
    from sim.report.run_sections import fan_figure
    from sim.report.rundata import RunData

    bands = RunData.open(run_dir).bands
    if bands is None:
        raise SystemExit(f"{run_dir}: no series_bands.parquet")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for chart_id in CHARTS:
        chart = fan_figure(bands, chart_id)
        if chart is None:
            raise SystemExit(f"{run_dir}: nothing to draw for {chart_id}")
        path = out / f"{chart_id}.png"
        path.write_bytes(base64.b64decode(chart["uri"].split(",", 1)[1]))
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-dir", type=Path, default=None,
                        help="a finished run of scenarios/bytedance_2026.yaml (default: run "
                        "it now, as the README's main command does)")
    args = parser.parse_args()
    if args.run_dir is not None:
        paths = write_figures(args.run_dir)
    else:
        from sim.runner import run

        with tempfile.TemporaryDirectory() as tmp:
            run(SCENARIO, out=Path(tmp) / "run")
            paths = write_figures(Path(tmp) / "run")
    for path in paths:
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
