"""The documentation stays in step with the code.

- The generated parts of docs/scenario-format.md (field reference from the scenario schema,
  distribution table, KPI table) match what docs/gen_scenario_format.py renders now.
- Every KPI in sim.kpis.KPIS is documented in docs/model.md.
- The minimal example in docs/scenario-format.md validates and runs.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

from sim.kpis import KPIS

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_scenario_format",
                                                  DOCS / "gen_scenario_format.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_scenario_format_is_up_to_date() -> None:
    gen = _generator()
    text = (DOCS / "scenario-format.md").read_text(encoding="utf-8")
    assert gen.update(text) == text, (
        "docs/scenario-format.md is out of date: run "
        "`.venv/bin/python docs/gen_scenario_format.py`")


def test_every_schema_model_has_a_section() -> None:
    from sim.schema.scenario import Scenario

    text = (DOCS / "scenario-format.md").read_text(encoding="utf-8")
    schema = Scenario.model_json_schema()
    gen = _generator()
    for name in schema["$defs"]:
        if name not in gen.DISTRIBUTIONS:
            assert f"### `{name}`" in text, name


@pytest.mark.parametrize("name", list(KPIS))
def test_every_kpi_is_in_the_model_doc(name: str) -> None:
    text = (DOCS / "model.md").read_text(encoding="utf-8")
    assert f"`{name}`" in text, f"KPI {name!r} is not documented in docs/model.md"


def test_the_minimal_example_validates_and_runs(tmp_path: Path) -> None:
    from sim.loading import load_scenario
    from sim.model import run_nominal

    text = (DOCS / "scenario-format.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- example: minimal -->\s*```yaml\n(.*?)```", text, re.DOTALL)
    assert found, "the minimal example is missing from docs/scenario-format.md"
    path = tmp_path / "minimal.yaml"
    path.write_text(found.group(1), encoding="utf-8")
    result = run_nominal(load_scenario(path), check=True)
    assert result.kpis["runs_completed"] == 1
