"""``capexsim --help`` and ``capexsim validate`` stay quick to start: they do not import the heavy
libraries (scipy, pandas, pyarrow, matplotlib, ...), which only running a model or writing
results needs. Checked through ``sys.modules`` in a fresh interpreter, not by timing (the
timings are in ``benchmarks/suite.py``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

HEAVY = ("scipy", "pandas", "pyarrow", "matplotlib", "jinja2", "dask", "distributed")

_PROBE = """
import json, sys
import cli
try:
    cli.main(sys.argv[1:], prog_name="capexsim")
except SystemExit as exc:
    code = exc.code
else:
    code = 0
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def loaded_by(*args: str) -> tuple[int, set[str]]:
    """Exit status of ``capexsim ARGS`` run in a fresh interpreter, and the top-level packages
    it imported."""
    done = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True, text=True,
                          check=True, cwd=ROOT, timeout=120)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return report["code"], {name.split(".")[0] for name in report["modules"]}


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"], ["report", "--help"],
                                  ["sensitivity", "--help"]], ids=" ".join)
def test_help_imports_no_heavy_library(args: list[str]) -> None:
    code, modules = loaded_by(*args)
    assert code == 0
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))
    assert "numpy" not in modules
    assert "pydantic" not in modules


def test_validate_imports_no_heavy_library() -> None:
    code, modules = loaded_by("validate", "scenarios/bytedance_2026.yaml")
    assert code == 0
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))
    assert "simpy" not in modules  # the engine is not loaded either


def test_validate_still_reports_problems_without_scipy(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    text = (ROOT / "scenarios" / "bytedance_2026.yaml").read_text(encoding="utf-8")
    bad.write_text(text.replace("flop: {dist: loguniform, low: 3e25, high: 1e26}",
                                "flop: {dist: loguniform, low: 3e25, high: 1e24}"),
                   encoding="utf-8")
    code, modules = loaded_by("validate", str(bad))
    assert code == 1
    assert not modules & set(HEAVY)
