"""Load a scenario file: safe YAML, ``extends``, ``--set`` overrides, validation with locations.

>>> from sim.loading import load_scenario
>>> scenario = load_scenario("scenarios/bytedance_2026.yaml", overrides=["monte_carlo.runs=10"])
... # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from sim.errors import Problem, ScenarioError
from sim.loading.compose import apply_overrides, compose_file
from sim.loading.diagnose import problems_from_errors
from sim.loading.references import check_references
from sim.schema.scenario import Scenario
from sim.yamlio import YamlDocument

__all__ = ["load_document", "load_scenario", "validate_document"]


def load_document(path: Path | str, overrides: Sequence[str] = ()) -> YamlDocument:
    """The composed document (``extends`` followed, overrides applied), not yet validated."""
    return apply_overrides(compose_file(path), overrides)


def validate_document(doc: YamlDocument) -> Scenario:
    """Validate a composed document; raises :class:`ScenarioError` listing every problem."""
    try:
        scenario = Scenario.model_validate(doc.data)
    except ValidationError as exc:
        raise ScenarioError(
            problems_from_errors(doc, exc.errors(include_url=False), Scenario)
        ) from None
    found = check_references(scenario)
    if found:
        raise ScenarioError(Problem(doc.location(path), path, message) for path, message in found)
    return scenario


def load_scenario(path: Path | str, overrides: Sequence[str] = ()) -> Scenario:
    """Read, compose and validate the scenario at ``path``."""
    return validate_document(load_document(path, overrides))
